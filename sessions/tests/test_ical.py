"""The coachee's .ics written directly (sessions.ical._client_text) is what icalendar writes of
the same appointment, byte for byte: every method, with and without an attendee, a video link,
a cancellation, text that needs escaping, lines that need folding, other languages and practice
names. And the kind's and mode's labels (sessions.labels) are what get_*_display gives."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation

from coaching.models import User
from sessions import ical
from sessions.labels import kind_label, mode_label
from sessions.models import Appointment

NOW = datetime(2026, 12, 4, 15, 34, 6, 123456, tzinfo=UTC)
LOCATIONS = [
    "",
    "Praktijk, Kerkstraat 1",
    "Praktijk; achter\\om, 1e verdieping",
    "Een heel lange locatie met een ë en een – gedachtestreepje, die zeker langer is dan "
    "vijfenzeventig tekens, en nog wat: ♥♥♥♥♥♥♥♥♥♥♥♥",
    "Twee\nregels",
]
LINKS = ["", "https://meet.jit.si/praktijk-" + "x" * 80, "https://video.example/room?id=1,2;3"]
COACHES = [("Zoë", "van 't Hof & <Co>"), ("Jan", "Jansen"), ("Ann, Marie", 'de "Jong"; Ltd.')]


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def appointment(kind, mode, location, link, status, coach, sequence=0, minutes=50):
    first, last = coach
    start = datetime(2026, 12, 5, 9, 30, 15, 999, tzinfo=UTC)
    return Appointment(
        uuid=uuid.UUID(int=sequence * 7919 + 1),
        coach=User(first_name=first, last_name=last, email="coach@praktijk.test"),
        kind=kind,
        mode=mode,
        status=status,
        location=location,
        video_link=link,
        sequence=sequence,
        start=start,
        end=start + timedelta(minutes=minutes),
    )


def by_icalendar(monkeypatch, *args, **kwargs) -> bytes:
    with monkeypatch.context() as patched:
        patched.setattr(ical, "_in_utc", lambda appointment: False)
        return ical.for_client(*args, **kwargs)


CASES = list(
    itertools.product(
        [Appointment.Kind.SESSION, Appointment.Kind.THIRD_PARTY],
        ["practice", "video", "phone"],
        LOCATIONS,
        LINKS,
        [Appointment.Status.BOOKED, Appointment.Status.CANCELLED],
    )
)


@pytest.mark.parametrize("method, attendee, language", [
    ("REQUEST", "eva@praktijk.test", "nl"),
    ("CANCEL", "a.very.long.address.of.a.parent+praktijk@subdomain.example.org", "en"),
    ("PUBLISH", "", "en"),
    ("", "", "nl"),
])  # fmt: skip
def test_the_coachees_ics_is_what_icalendar_writes(method, attendee, language, monkeypatch):
    for index, (kind, mode, location, link, status) in enumerate(CASES):
        meeting = appointment(
            kind, mode, location, link, status, COACHES[index % 3], sequence=index
        )
        ours = ical.for_client(meeting, method=method, language=language, attendee=attendee)
        theirs = by_icalendar(
            monkeypatch, meeting, method=method, language=language, attendee=attendee
        )
        assert ours == theirs, (kind, mode, location, link, status)


@pytest.mark.parametrize(
    "name, sender",
    [
        ("Praktijk", "Praktijk <noreply@localhost>"),
        ('Praktijk De Vries, coaching; "Samen": groei', "info@praktijk-devries.nl"),
        ("Praktijk ^ Zoë’s", "Zoë’s praktijk <zoe@example.org>"),
    ],
)
def test_practice_names_in_the_organizer_and_prodid(name, sender, settings, monkeypatch):
    settings.PRAKTIJK_NAME, settings.DEFAULT_FROM_EMAIL = name, sender
    meeting = appointment("session", "video", "", LINKS[1], "booked", COACHES[0])
    for method in ("REQUEST", "CANCEL"):
        ours = ical.for_client(meeting, method=method, attendee="eva@praktijk.test")
        assert ours == by_icalendar(
            monkeypatch, meeting, method=method, attendee="eva@praktijk.test"
        )


def test_a_time_in_another_zone_is_left_to_icalendar():
    meeting = appointment("session", "practice", "", "", "booked", COACHES[1])
    meeting.start = meeting.start.astimezone(timezone.get_current_timezone())
    assert not ical._in_utc(meeting)
    assert b"DTSTART;TZID=" in ical.for_client(meeting)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_labels_are_what_get_display_gives(language):
    values = [*Appointment._meta.get_field("mode").flatchoices, ("unknown", "")]
    with translation.override(language):
        for (kind, _), (mode, _) in itertools.product(
            Appointment._meta.get_field("kind").flatchoices, values
        ):
            meeting = Appointment(kind=kind, mode=mode)
            assert kind_label(meeting) == meeting.get_kind_display()
            assert mode_label(meeting) == meeting.get_mode_display()
