"""One message over an open SMTP connection, the commands pipelined (RFC 2920) where the server
offers PIPELINING: MAIL FROM, every RCPT TO and DATA go in one write and their replies are read
together, then the message; two round trips a message instead of three and one a recipient.
Every mail server a practice sends through (Postfix, Exim, the big providers) offers it; where
one does not, smtplib's own `sendmail` sends command by command.

What it raises and returns is what `smtplib.SMTP.sendmail` raises and returns, in the same cases
(coaching/tests/test_smtp.py), so that the outbox tells a refused recipient, a refused message
and a dropped connection apart as before."""

import re
import smtplib
from collections.abc import Callable
from smtplib import (
    SMTPDataError,
    SMTPRecipientsRefused,
    SMTPSenderRefused,
    quoteaddr,
)

_LEADING_PERIOD = re.compile(rb"(?m)^\.")
CLOSING = 421  # the server is closing the connection: it answers nothing more


def sendmail(
    smtp: smtplib.SMTP,
    from_addr: str,
    to_addrs: list[str],
    msg: bytes,
    while_waiting: Callable[[], None] | None = None,
) -> dict:
    """Send `msg` (bytes with CRLF line ends) from `from_addr` to `to_addrs`; the recipients
    refused, by address, when others were accepted (as smtplib's sendmail).

    `while_waiting` is called once the commands are on their way and before their replies are
    read (without PIPELINING: before anything is sent), and always before the message can be
    accepted: the outbox marks the previous message sent there, so that its database round
    trip overlaps this one's first, and still no message is accepted while another accepted
    one is unmarked. When it raises, the message is not sent; pipelined, the connection is
    closed (the server waits for the message of commands it has read)."""
    smtp.ehlo_or_helo_if_needed()
    if not (smtp.does_esmtp and smtp.has_extn("pipelining")):
        if while_waiting:
            while_waiting()
        return smtp.sendmail(from_addr, to_addrs, msg)
    _send_commands(smtp, from_addr, to_addrs, len(msg))
    if while_waiting:
        try:
            while_waiting()
        except BaseException:
            # The server has the commands and will wait for a message: nothing more may go
            # over this connection, or the next message would end up in this transaction.
            smtp.close()
            raise
    refused = _read_replies(smtp, from_addr, to_addrs)
    data = _LEADING_PERIOD.sub(b"..", msg)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    smtp.send(data + b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        if code == CLOSING:
            smtp.close()
        else:
            smtp._rset()
        raise SMTPDataError(code, reply)
    return refused


def _send_commands(smtp: smtplib.SMTP, from_addr: str, to_addrs: list[str], size: int) -> None:
    """MAIL FROM, a RCPT TO a recipient and DATA, in one write."""
    option = f" size={size}" if smtp.has_extn("size") else ""
    commands = [f"mail from:{quoteaddr(from_addr)}{option}"]
    commands += [f"rcpt to:{quoteaddr(to)}" for to in to_addrs]
    commands.append("data")
    for command in commands:
        if "\r" in command or "\n" in command:
            raise ValueError(f"command contains a line break: {command!r}")
    smtp.send("".join(f"{command}\r\n" for command in commands))


def _read_replies(smtp: smtplib.SMTP, from_addr: str, to_addrs: list[str]) -> dict:
    """The replies to the commands, in their order; the recipients refused when the server
    waits for the message (354), else what smtplib raises for the first refusal."""
    mail = smtp.getreply()
    if mail[0] == CLOSING:
        smtp.close()
        raise SMTPSenderRefused(*mail, from_addr)
    refused = {}
    for to in to_addrs:
        code, reply = smtp.getreply()
        if code not in (250, 251):
            refused[to] = (code, reply)
        if code == CLOSING:
            smtp.close()
            _raise_refusal(mail, refused, to_addrs, from_addr, (code, reply))
    data = smtp.getreply()
    if data[0] == CLOSING:
        smtp.close()
        _raise_refusal(mail, refused, to_addrs, from_addr, data)
    if mail[0] != 250 or len(refused) == len(to_addrs) or data[0] != 354:
        if data[0] == 354:
            # The server waits for a message nobody may have: an empty one ends it (RFC 2920
            # 3.1), refused for want of a sender or recipients.
            smtp.send(b".\r\n")
            smtp.getreply()
        smtp._rset()
        _raise_refusal(mail, refused, to_addrs, from_addr, data)
    return refused


def _raise_refusal(mail, refused: dict, to_addrs: list[str], from_addr: str, last) -> None:
    """What smtplib's sendmail raises, which stops at the first of these: the sender refused,
    every recipient refused (or the server closing at one), the DATA command refused."""
    if mail[0] != 250:
        raise SMTPSenderRefused(*mail, from_addr)
    if len(refused) == len(to_addrs) or (last[0] == CLOSING and last in refused.values()):
        raise SMTPRecipientsRefused(refused)
    raise SMTPDataError(*last)
