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
    one is unmarked. When it raises, the message is not sent (the connection is left with
    unread replies: close it)."""
    smtp.ehlo_or_helo_if_needed()
    if not (smtp.does_esmtp and smtp.has_extn("pipelining")):
        if while_waiting:
            while_waiting()
        return smtp.sendmail(from_addr, to_addrs, msg)
    size = f" size={len(msg)}" if smtp.has_extn("size") else ""
    commands = [f"mail from:{quoteaddr(from_addr)}{size}"]
    commands += [f"rcpt to:{quoteaddr(to)}" for to in to_addrs]
    commands.append("data")
    for command in commands:
        if "\r" in command or "\n" in command:
            raise ValueError(f"command contains a line break: {command!r}")
    smtp.send("".join(f"{command}\r\n" for command in commands))
    if while_waiting:
        while_waiting()
    mail_code, mail_reply = smtp.getreply()
    if mail_code == CLOSING:
        smtp.close()
        raise SMTPSenderRefused(mail_code, mail_reply, from_addr)
    refused = {}
    for to in to_addrs:
        code, reply = smtp.getreply()
        if code not in (250, 251):
            refused[to] = (code, reply)
        if code == CLOSING:
            smtp.close()
            raise SMTPRecipientsRefused(refused)
    data_code, data_reply = smtp.getreply()
    if data_code == CLOSING:
        smtp.close()
        raise SMTPDataError(data_code, data_reply)
    if mail_code != 250 or len(refused) == len(to_addrs) or data_code != 354:
        if data_code == 354:
            # The server waits for a message nobody may have: an empty one ends it (RFC 2920
            # 3.1), refused for want of a sender or recipients.
            smtp.send(b".\r\n")
            smtp.getreply()
        smtp._rset()
        if mail_code != 250:
            raise SMTPSenderRefused(mail_code, mail_reply, from_addr)
        if len(refused) == len(to_addrs):
            raise SMTPRecipientsRefused(refused)
        raise SMTPDataError(data_code, data_reply)
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
