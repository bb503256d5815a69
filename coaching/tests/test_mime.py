"""coaching.mime: what `flatten` gives is what Django's SMTP backend would send, byte for byte
(apart from the random boundaries, the Date and a generated Message-ID), for the shapes it
writes itself (text parts and text attachments) and for those it leaves to Django; and the
backend sends it."""

import email.policy
import random
import re

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.core.mail.backends import smtp

from coaching import mime
from coaching.tests.smtp_sink import start_sink

BOUNDARY = re.compile(rb"={15}\d{19}==")
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:coachingsessie – Zoë de Vries\r\n"
    "LOCATION:Praktijk\\, Kerkstraat 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
TEXTS = [
    "",
    "Beste Eva,\n\nTot morgen.\n",
    "Beste Cliënt,\n\nEen herinnering – morgen om 10:00.\n",
    "Één regel zonder einde",
    "A line that is far longer than seventy-eight characters, so that the email package "
    "has to choose a transfer encoding for it: quoted-printable or base64.\n",
    "\n".join(f"Regel {n}: ëéè – {'x' * n}" for n in range(30)),
    "Emoji 🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂\n" * 3,
    "From the start of a line\r\nWindows line ends\r\nand a lone\rcarriage return\n",
    "--===============1234567890123456789==\nlooks like a boundary\n",
    "trailing spaces   \n\ttabs\t\n. a dot line\n.\n",
    "<p>Beste Eva,</p>\n<p>Tot morgen &amp; tot ziens.</p>\n",
]
SUBJECTS = [
    "[Praktijk] Herinnering: coachingsessie op vrijdag 4 december 18:31",
    "[Praktijk] Reminder: coaching session on Saturday January 8, 2028, 16:41",
    "x" * 69,  # "Subject: " and this: 78 characters, one line
    "x" * 70,  # one too many
    "Cliënt: één afspraak",
    "A literal =?utf-8?q?encoded?= word",
    "Two  spaces",
    " leading space",
    "",
]
RECIPIENTS = [
    ["eva@praktijk.test"],
    ["eva.de-vries+portaal@praktijk.test", "jan@example.org"],
    ["Eva de Vries <eva@praktijk.test>"],
    ['"Vries, Eva" <eva@praktijk.test>'],
    ["Zoë <zoe@praktijk.test>"],
    ["a-very-long-local-part-of-an-address-for-folding@a-long-subdomain.praktijk.test"],
    [],
]


def normal(raw: bytes) -> bytes:
    """Boundaries numbered in order of appearance; the Date left out."""
    seen: dict[bytes, bytes] = {}
    raw = BOUNDARY.sub(lambda found: seen.setdefault(found.group(), b"<%d>" % len(seen)), raw)
    return re.sub(rb"\r\nDate: [^\r]*\r\n", b"\r\nDate: <now>\r\n", raw)


def django(message: EmailMessage) -> bytes:
    return message.message(policy=email.policy.SMTP).as_bytes()


@pytest.fixture(autouse=True)
def no_shapes_yet(monkeypatch):
    monkeypatch.setattr(mime, "SHAPES", {})


def reminder(to="eva@praktijk.test", body=TEXTS[2], html=TEXTS[-1], subject=SUBJECTS[0]):
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=[to], headers={"Message-ID": "<send.1.0.17@localhost>"}
    )
    message.attach_alternative(html, "text/html")
    message.attach("afspraak.ics", ICS.encode(), "text/calendar; method=REQUEST")
    return message


def same_as_django_twice(message: EmailMessage, monkeypatch) -> None:
    """The first of a shape is Django's own; the next is written by `flatten` (Django's
    message() is not called) and still the same."""
    expected = normal(django(message))
    assert normal(mime.flatten(message)) == expected
    if mime._parts(message) is None:  # not ours (an address not in ASCII): Django's again
        assert normal(mime.flatten(message)) == expected
        return
    with monkeypatch.context() as patched:
        patched.setattr(type(message), "message", lambda *args, **kwargs: pytest.fail("built"))
        assert normal(mime.flatten(message)) == expected


def test_a_reminder_is_written_by_flatten_as_django_writes_it(monkeypatch):
    same_as_django_twice(reminder(), monkeypatch)
    assert len(mime.SHAPES) == 1


@pytest.mark.parametrize("subject", SUBJECTS)
def test_subjects_short_long_and_not_ascii(subject, monkeypatch):
    same_as_django_twice(reminder(subject=subject), monkeypatch)


@pytest.mark.parametrize("to", [to for to in RECIPIENTS if len(to) == 1])
def test_recipients_plain_named_quoted_and_long(to, monkeypatch):
    same_as_django_twice(reminder(to=to[0]), monkeypatch)


@pytest.mark.parametrize("text", TEXTS)
def test_texts_in_every_transfer_encoding(text, monkeypatch):
    same_as_django_twice(reminder(body=text), monkeypatch)
    same_as_django_twice(reminder(html=text), monkeypatch)


def shapes():
    plain = EmailMessage("Onderwerp", "Alleen tekst.\n", to=["eva@praktijk.test"])
    attached = EmailMessage("Onderwerp", "Met bijlage.\n", to=["eva@praktijk.test"])
    attached.attach("notitie.txt", "Een notitie – kort.\n", "text/plain")
    only_attachment = EmailMessage("Onderwerp", "", to=["eva@praktijk.test"])
    only_attachment.attach("afspraak.ics", ICS, "text/calendar")
    html_only = EmailMultiAlternatives("Onderwerp", "", to=["eva@praktijk.test"])
    html_only.attach_alternative("<p>Alleen HTML</p>", "text/html")
    no_body_attachment = EmailMultiAlternatives("Onderwerp", "", to=["eva@praktijk.test"])
    no_body_attachment.attach("bestand met spaties é.txt", b"bytes as text\n", "text/plain")
    bcc_only = EmailMultiAlternatives("Onderwerp", "Tekst\n", bcc=["verborgen@praktijk.test"])
    bcc_only.attach_alternative("<p>Tekst</p>", "text/html")
    return [plain, attached, only_attachment, html_only, no_body_attachment, bcc_only]


@pytest.mark.parametrize("index", range(len(shapes())))
def test_other_shapes_of_text_parts(index, monkeypatch):
    """Without a Message-ID of its own (a generated one, left out of the comparison)."""
    message = shapes()[index]
    generated = re.compile(rb"\r\nMessage-ID: <[^>]*>\r\n")

    def without_id(raw):
        return generated.sub(b"\r\nMessage-ID: <id>\r\n", normal(raw))

    expected = without_id(django(message))
    assert without_id(mime.flatten(message)) == expected
    assert without_id(mime.flatten(message)) == expected


def test_shapes_left_to_django(monkeypatch):
    binary = reminder()
    binary.attach("factuur.pdf", b"%PDF-1.7 \xff\xfe", "application/pdf")
    copy = reminder()
    copy.cc = ["coach@praktijk.test"]
    header = reminder()
    header.extra_headers["Reply-To"] = "coach@praktijk.test"
    undecodable = reminder()
    undecodable.attachments[0] = ("afspraak.ics", b"\xff\xfe", "text/calendar")
    for message in (binary, copy, header, undecodable):
        assert mime._parts(message) is None
        assert normal(mime.flatten(message)) == normal(django(message))
    assert mime.SHAPES == {}


def test_many_random_messages_of_the_shapes_it_writes(monkeypatch):
    rng = random.Random(20261204)
    for _ in range(200):
        message = reminder(
            to=rng.choice([to for to in RECIPIENTS if len(to) == 1])[0],
            body=rng.choice(TEXTS) + rng.choice(["", "ë", "x" * rng.randint(60, 90)]),
            html=rng.choice(TEXTS),
            subject=rng.choice(SUBJECTS) + rng.choice(["", " – ", "x" * rng.randint(0, 20)]),
        )
        if rng.random() < 0.5:
            message.attachments.clear()
        assert normal(mime.flatten(message)) == normal(django(message))
    assert 1 < len(mime.SHAPES) < mime.MAX_SHAPES


def test_the_backend_sends_those_bytes_over_one_connection(settings):
    sink, controller = start_sink()
    settings.MAILERS = {
        "default": {
            "BACKEND": "coaching.mime.SMTPBackend",
            "OPTIONS": {"host": controller.hostname, "port": controller.port, "use_tls": False},
        }
    }
    try:
        messages = [
            reminder(),
            reminder(to="jan@example.org"),
            reminder(to="piet@example.org", body=TEXTS[5]),
        ]
        assert mailers.default.send_messages(messages) == 3
    finally:
        controller.stop()
    assert sink.connections == 1
    received = {tuple(message.to): message.body for message in sink.messages}
    for message in messages:
        # The sink keeps what came after DATA, with the line ends as sent.
        assert normal(received[tuple(message.to)]) == normal(django(message))


@pytest.mark.parametrize(
    "address",
    [
        "eva@praktijk.test",
        "Eva.de-Vries+portaal@Praktijk.TEST",
        "Praktijk <noreply@localhost>",
        '"Vries, Eva" <eva@praktijk.test>',
        "zoë@praktijk.test",
        "eva@zoë.example",
        "a..b@praktijk.test",
        "eva@localhost",
    ],
)
def test_the_backend_prepares_addresses_as_django_does(address, settings):
    settings.MAILERS = {
        "default": {"BACKEND": "coaching.mime.SMTPBackend", "OPTIONS": {"host": "localhost"}}
    }
    ours = mailers.default
    for force_ascii in (True, False):
        try:
            expected = smtp.EmailBackend.prep_address(ours, address, force_ascii)
        except ValueError as error:
            with pytest.raises(ValueError, match=re.escape(str(error))):
                ours.prep_address(address, force_ascii)
            continue
        assert ours.prep_address(address, force_ascii) == expected
        assert ours.prep_address(address, force_ascii) == expected  # remembered
