"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, for the outbox's
worker tests and benchmark: how many connections were opened, how many messages arrived, and
how many of them arrived more than once (the same Message-ID)."""

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import default

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command


@dataclass
class Received:
    message_id: str
    subject: str
    to: list[str]
    body: bytes


@dataclass
class Sink:
    connections: int = 0
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Addresses refused for good at MAIL FROM and RCPT TO (550), like a relay that checks them;
    # a message with the header "X-Refuse: yes" is refused after its data (554).
    refused: set[str] = field(default_factory=set)
    # Addresses at whose RCPT TO the server says it is closing the connection (421).
    closing: set[str] = field(default_factory=set)
    # Seconds each message waits before it is accepted, like a slow relay: a test that kills
    # senders in the middle of their work sets it, so that the work outlasts the kills however
    # fast the machine sends (the other connections go on meanwhile: the wait is asyncio's).
    delay: float = 0.0

    # Offer PIPELINING, as the mail servers a practice sends through do (coaching/smtp.py sends
    # the commands together then); a test sets it off to see the command-by-command way.
    pipelining: bool = True
    # Called as each message has arrived, before the server answers that it accepted it.
    before_accepting: Callable[[], None] | None = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        if self.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if address in self.refused:
            return "550 5.7.1 Sender refused"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such user"
        if address in self.closing:
            return "421 4.3.2 Service shutting down"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.before_accepting:  # (in a thread: it may read the database)
            await asyncio.to_thread(self.before_accepting)
        if b"X-Refuse: yes" in envelope.content:
            return "554 5.6.0 Message refused"
        # The headers only: parsing the whole message would cost the sink more than the sender
        # spends on it, and the benchmark would measure the sink.
        parsed = BytesHeaderParser(policy=default).parsebytes(envelope.content)
        with self.lock:
            self.messages.append(
                Received(
                    message_id=str(parsed["Message-ID"]),
                    subject=str(parsed["Subject"]).strip(),
                    to=list(envelope.rcpt_tos),
                    body=envelope.content,
                )
            )
        return "250 Message accepted for delivery"

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def duplicates(self) -> int:
        """Messages that arrived again (the same Message-ID): a resend after a crash."""
        with self.lock:
            counts = Counter(received.message_id for received in self.messages)
        return sum(n - 1 for n in counts.values())

    def counts(self) -> Counter:
        """How often each Message-ID arrived."""
        with self.lock:
            return Counter(received.message_id for received in self.messages)

    def unique_ids(self) -> set[str]:
        with self.lock:
            return {received.message_id for received in self.messages}


class _CountingSMTP(SMTP):
    def connection_made(self, transport):
        super().connection_made(transport)
        with self.event_handler.lock:
            self.event_handler.connections += 1


class _Controller(Controller):
    def factory(self):
        return _CountingSMTP(self.handler, **self.SMTP_kwargs)


def start_sink(port: int = 0) -> tuple[Sink, Controller]:
    """Start the server in a thread on a free port (port 0). Stop it with controller.stop()."""
    sink = Sink()
    controller = _Controller(sink, hostname="127.0.0.1", port=port or _free_port())
    controller.start()
    sink.connections = 0  # the controller's own probe on start is not a client's connection
    return sink, controller


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
