"""The MIME of an outgoing e-mail, built cheaply: byte for byte what Django's own would be
(apart from the random boundaries, the Date and a generated Message-ID).

Python's email package spends some 3 ms on a message of a text, an HTML alternative and an .ics:
it parses every header it sets (again when it adds a parameter) and folds each one again when it
writes the message. That is more than everything else a reminder costs the worker. Most of it is
the same for every message of a shape (which parts, their types, file names and transfer
encodings): `flatten` has Django build the first message of each shape, keeps that message's
bytes with markers where a message's own text, boundaries and headers go, and fills them in for
the next ones by the email package's own rules (its choice of transfer encoding for a text, its
boundaries, its folding of a header that does not fit on one line). A message of another shape
(a binary attachment, a Cc, other headers) gets Django's own build.
coaching/tests/test_mime.py compares the two on many messages.

`SMTPBackend` is Django's SMTP backend sending those bytes (settings.MAILERS)."""

import email.policy
import re
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime
from email.contentmanager import _encode_text  # the transfer encoding set_content chooses
from email.generator import BytesGenerator
from email.utils import format_datetime, make_msgid
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends import smtp
from django.core.mail.utils import DNS_NAME
from django.utils.timezone import get_current_timezone

from coaching.smtp import sendmail

POLICY = email.policy.SMTP  # what Django's SMTP backend writes with
NL = b"\r\n"
# The headers Django sets after the parts, in its order; the ones a message may set itself.
VARYING = ("Subject", "From", "To", "Date", "Message-ID")
OWN_HEADERS = {"Message-ID"}
BOUNDARY_LENGTH = len(BytesGenerator._make_boundary())  # 15 "=", 19 digits, "=="
MAX_SHAPES = 256  # a worker meets a handful; past this, Django builds the others
NEWLINE = re.compile(r"\r\n|\r|\n")  # what the generator writes as a line end
# Headers that come out as written when they fit on a line: printable ASCII, single spaces
# (the email package keeps those as they are); addresses and ids of the plainest kind.
PLAIN_TEXT = re.compile(r"[!-~]+( [!-~]+)*")
PLAIN_ADDRESS = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
PLAIN_ADDRESSES = re.compile(rf"{PLAIN_ADDRESS}(?:, {PLAIN_ADDRESS})*")
PLAIN_ADDRESS_ONLY = re.compile(PLAIN_ADDRESS)
PLAIN_ID = re.compile(r"<[A-Za-z0-9_.+-]+@[A-Za-z0-9.-]+>")
PLAIN = {"Subject": PLAIN_TEXT, "To": PLAIN_ADDRESSES, "Message-ID": PLAIN_ID}


def flatten(message: EmailMessage) -> bytes:
    """What Django's SMTP backend would send of this message."""
    parts = _parts(message)
    if parts is not None:
        shape = tuple((role, mimetype, filename, cte) for role, mimetype, filename, cte, _ in parts)
        key = (type(message), bool(message.to), shape)
        skeleton = SHAPES.get(key)
        if skeleton is not None:
            raw = skeleton.fill(message, [payload for *_, payload in parts])
            if raw is not None:
                return raw
    built = message.message(policy=POLICY)
    raw = built.as_bytes()
    if parts is not None and key not in SHAPES and len(SHAPES) < MAX_SHAPES:
        SHAPES[key] = Skeleton.of(built, len(parts))
    return raw


# Long: Django's own order of the parts and its conditions for each, checked one by one.
def _parts(message: EmailMessage) -> list[tuple[str, str, str, str, str]] | None:
    """(role, mimetype, file name, transfer encoding, encoded text) of each part, in the order
    Django adds them; None for a message of a shape left to Django (not text, other headers)."""
    if type(message) not in (EmailMessage, EmailMultiAlternatives):
        return None  # a subclass may build its message otherwise
    if message.cc or message.reply_to or not set(message.extra_headers) <= OWN_HEADERS:
        return None
    charset = message.encoding or settings.DEFAULT_CHARSET
    if charset != "utf-8" or not isinstance(message.body, str):
        return None
    if not "".join(str(address) for address in [message.from_email, *message.to]).isascii():
        return None  # Django may write the domain in IDNA
    alternatives = getattr(message, "alternatives", [])
    texts = []
    # EmailMultiAlternatives writes the body unless it is empty and there are alternatives,
    # and EmailMessage unless it is empty and there are attachments.
    if message.body or not (alternatives or message.attachments):
        texts.append(("body", f"text/{message.content_subtype}", "", message.body))
    for alternative in alternatives:
        texts.append(("alternative", alternative.mimetype, "", alternative.content))
    for attachment in message.attachments:
        if not isinstance(attachment, tuple):
            return None  # a MIME part of its own
        filename, content, mimetype = attachment
        texts.append(("attachment", mimetype, filename, content))
    parts = []
    for role, mimetype, filename, content in texts:
        if not isinstance(mimetype, str) or not mimetype.startswith("text/"):
            return None
        if isinstance(content, bytes):
            try:
                content = content.decode()
            except UnicodeDecodeError:
                return None  # Django sends it as application/octet-stream
        if not isinstance(content, str) or not isinstance(filename, str):
            return None
        try:
            cte, payload = _encode_text(content, charset, None, POLICY)
        except UnicodeError:
            return None  # lone surrogates: Django's own error
        parts.append((role, mimetype, filename, cte, payload))
    return parts


class Skeleton:
    """A message of one shape as Django wrote it, cut where another message's own go: a list
    of bytes and slots ("part", n), ("boundary", n), ("headers", None)."""

    def __init__(self, pieces: list, boundaries: int):
        self.pieces = pieces
        self.boundaries = boundaries

    @classmethod
    def of(cls, built, parts: int) -> "Skeleton | None":
        """From a message Django built (and wrote: its boundaries are set); None when it is not
        laid out as expected."""
        names = built.keys()
        varying = [name for name in names if name in VARYING]
        if names[len(names) - len(varying) :] != varying:
            return None  # the varying headers are not the last ones
        markers: dict[bytes, tuple[str, int]] = {}
        counts = {"part": 0, "boundary": 0}
        for part in built.walk():
            if part.is_multipart():
                if len(part.get_boundary() or "") != BOUNDARY_LENGTH:
                    return None
                marker = f"{'=' * 15}{9_999_999_999_999_990_000 + counts['boundary']:019d}=="
                part.set_boundary(marker)
                markers[marker.encode()] = ("boundary", counts["boundary"])
                counts["boundary"] += 1
            else:
                marker = f"@@part-{counts['part']}@@"
                part.set_payload(marker)
                markers[marker.encode()] = ("part", counts["part"])
                counts["part"] += 1
        for name in varying:
            del built[name]
        head, separator, body = built.as_bytes().partition(NL + NL)
        if not separator or counts["part"] != parts:
            return None
        pattern = re.compile(b"|".join(re.escape(marker) for marker in markers))
        pieces: list = []
        for text in (head + NL, None, NL + body):
            if text is None:
                pieces.append(("headers", 0))
                continue
            start = 0
            for found in pattern.finditer(text):
                pieces += [text[start : found.start()], markers[found.group()]]
                start = found.end()
            pieces.append(text[start:])
        return cls(pieces, counts["boundary"])

    def fill(self, message: EmailMessage, payloads: list[str]) -> bytes | None:
        """This message's bytes; None when a boundary happens to occur in its text (Django
        would draw another: let it)."""
        parts = [
            NEWLINE.sub("\r\n", payload).encode("ascii", "surrogateescape") for payload in payloads
        ]
        boundaries = [BytesGenerator._make_boundary().encode() for _ in range(self.boundaries)]
        if len(set(boundaries)) < len(boundaries) or any(
            b"--" + boundary in part for boundary in boundaries for part in parts
        ):
            return None
        out = []
        for piece in self.pieces:
            if isinstance(piece, bytes):
                out.append(piece)
            elif piece[0] == "part":
                out.append(parts[piece[1]])
            elif piece[0] == "boundary":
                out.append(boundaries[piece[1]])
            else:
                out.append(_headers(message))
        return b"".join(out)


SHAPES: dict[tuple, Skeleton | None] = {}


def _headers(message: EmailMessage) -> bytes:
    """Subject, From, To, Date and Message-ID as Django sets them, folded as the email
    package folds them."""
    lines = [_header("Subject", str(message.subject)), _from(str(message.from_email))]
    if message.to:
        lines.append(_header("To", ", ".join(str(to) for to in message.to)))
    zone = get_current_timezone() if settings.EMAIL_USE_LOCALTIME else UTC
    lines.append(b"Date: " + format_datetime(datetime.now(zone)).encode() + NL)
    if "Message-ID" in message.extra_headers:
        lines.append(_header("Message-ID", str(message.extra_headers["Message-ID"])))
    else:
        lines.append(_header("Message-ID", make_msgid(domain=DNS_NAME)))
    return b"".join(lines)


def _header(name: str, value: str) -> bytes:
    line = f"{name}: {value}"
    # (An "=?" may begin an encoded word, which the email package decodes and writes again.)
    if len(line) <= POLICY.max_line_length and PLAIN[name].fullmatch(value) and "=?" not in value:
        return line.encode("ascii") + NL
    return POLICY.fold_binary(*POLICY.header_store_parse(name, value))


@lru_cache(maxsize=16)
def _from(value: str) -> bytes:
    return POLICY.fold_binary(*POLICY.header_store_parse("From", value))


class SMTPBackend(smtp.EmailBackend):
    """Django's SMTP backend, sending the bytes of `flatten` (the same as its own), the commands
    pipelined where the server offers it (coaching.smtp)."""

    def prep_address(self, address, force_ascii=True) -> str:
        """Django's, which parses every address with the email package: a plain one is its
        own addr-spec already, and the sender's, the same for every message, is parsed once."""
        if isinstance(address, str) and PLAIN_ADDRESS_ONLY.fullmatch(address):
            return address
        prepared = self.__dict__.setdefault("_prepared", {})
        key = (address, force_ascii)
        if key not in prepared:
            if len(prepared) > 64:
                prepared.clear()
            prepared[key] = super().prep_address(address, force_ascii)
        return prepared[key]

    def send_while(self, email_message: EmailMessage, while_waiting: Callable[[], None]) -> int:
        """Send one message over the open connection (as send_messages), calling
        `while_waiting` while the server reads its commands (coaching.smtp.sendmail)."""
        with self._lock:
            if not self.connection:
                raise smtplib.SMTPServerDisconnected("open the connection first")
            return int(self._send(email_message, while_waiting))

    def _send(self, email_message: EmailMessage, while_waiting=None) -> bool:
        if not email_message.recipients():
            if while_waiting:
                while_waiting()
            return False
        from_email = self.prep_address(email_message.from_email)
        recipients = [self.prep_address(address) for address in email_message.recipients()]
        message = flatten(email_message)
        try:
            sendmail(self.connection, from_email, recipients, message, while_waiting)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
