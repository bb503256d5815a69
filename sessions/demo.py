"""Demo calendar: the practice's session types, working hours, and appointments."""

from contextlib import suppress
from datetime import time, timedelta

from django.utils import timezone

from coaching.models import User
from sessions.models import Appointment, SessionType, WorkingHours
from sessions.services.booking import SlotTaken, appointment_book

TYPES = [
    # kind, name, name in English, minutes, modes, bookable online
    (
        "kennismaking",
        "Kennismakingsgesprek",
        "Introductory conversation",
        30,
        ["phone", "video", "practice"],
        True,
    ),
    ("intake", "Intakegesprek", "Intake", 90, ["practice", "video"], True),
    ("session", "Coachingsessie", "Coaching session", 60, ["practice", "video"], True),
    ("evaluation", "Evaluatiegesprek", "Evaluation", 45, ["practice", "video"], False),
    (
        "third_party",
        "Contact met school of opvang",
        "Contact with school or day care",
        60,
        ["phone", "video", "school"],
        False,
    ),
    ("observation", "Observatie", "Observation", 90, ["home", "school"], False),
]


def demo_calendar(*, anna: User, bram: User, eva, lotte, mila=None, **others) -> None:
    types = _session_types()
    for coach in (anna, bram):
        _working_hours(coach)
    # (The Backstage demo may have put the group's meetings in Anna's calendar already.)
    if Appointment.objects.filter(coach=anna, traject__isnull=False).exists():
        return
    _appointments(anna, eva, lotte, types)
    if eva.trajects.exists():
        _reminded(anna, eva, types)
    if mila is not None:
        _intake(anna, mila, types)


def _session_types() -> dict[str, SessionType]:
    types = {}
    for kind, name, name_en, minutes, modes, online in TYPES:
        types[kind], _ = SessionType.objects.get_or_create(
            kind=kind,
            name=name,
            defaults={
                "name_en": name_en,
                "default_minutes": minutes,
                "allowed_modes": modes,
                "bookable_online": online,
            },
        )
    return types


def _working_hours(coach: User) -> None:
    """Weekdays 9:00-12:30 and 13:30-17:00, unless the coach has hours already."""
    if WorkingHours.objects.filter(coach=coach).exists():
        return
    for weekday in range(5):
        WorkingHours.objects.create(
            coach=coach, weekday=weekday, start_time=time(9), end_time=time(12, 30)
        )
        WorkingHours.objects.create(
            coach=coach, weekday=weekday, start_time=time(13, 30), end_time=time(17)
        )


def _appointments(anna: User, eva, lotte, types: dict[str, SessionType]) -> None:
    """Eva's and Lotte's sessions with Anna: two held, three to come (one of them today)."""
    today = timezone.localdate()
    zone = timezone.get_current_timezone()

    def at(days: int, hour: int):
        day = today + timedelta(days=days)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return timezone.datetime.combine(day, time(hour), tzinfo=zone)

    plan = [
        (eva.trajects.first(), at(-14, 10), "completed"),
        (eva.trajects.first(), at(3, 10), "booked"),
        (lotte.trajects.first(), at(-7, 14), "completed"),
        (lotte.trajects.first(), at(5, 15), "booked"),
        # Today, whatever the weekday, so that *Vandaag* opens on the day's work:
        # still to come, or (seeded in the evening) over and waiting for "held" or "no-show".
        (eva.trajects.first(), timezone.datetime.combine(today, time(16), tzinfo=zone), "booked"),
    ]
    for traject, start, status in plan:
        if traject is None:
            continue
        if appointment := _session(anna, traject, start, types["session"], mode="practice"):
            Appointment.objects.filter(pk=appointment.pk).update(status=status)


def _reminded(anna: User, eva, types: dict[str, SessionType]) -> None:
    """Booked last week, tomorrow at about this time: its reminder goes out at the first sweep
    of `make run` (var/mail/), and the coach sees it on the appointment. By video with no link
    given: the practice's pattern makes its room (coaching.video), as for a real video
    appointment; none configured, and the e-mail says so."""
    soon = (timezone.now() + timedelta(hours=20)).replace(minute=0, second=0, microsecond=0)
    if reminded := _session(anna, eva.trajects.first(), soon, types["session"], mode="video"):
        Appointment.objects.filter(pk=reminded.pk).update(
            updated_at=timezone.now() - timedelta(days=7)
        )


def _intake(anna: User, mila, types: dict[str, SessionType]) -> None:
    """Mila's intake in two days: her mother gets the preparation mail (the intake
    questionnaire and the coaching agreement, trajects.services.intake_prep); Mila, 14, accepts
    too, from the link on Anna's traject page."""
    traject = mila.trajects.filter(status="intake").first()
    if traject is None:
        return
    day = timezone.localdate() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = timezone.datetime.combine(day, time(11), tzinfo=timezone.get_current_timezone())
    with suppress(SlotTaken):  # the Backstage demo may have put a meeting there
        appointment_book(
            coach=anna,
            start=start,
            end=start + timedelta(minutes=90),
            kind="intake",
            mode="practice",
            by=anna,
            traject=traject,
            session_type=types["intake"],
            notify=True,
        )


def _session(anna: User, traject, start, session_type: SessionType, *, mode: str):
    """An hour's coaching session with Anna; None when the time is taken (the Backstage demo
    may have put a meeting there)."""
    try:
        return appointment_book(
            coach=anna,
            start=start,
            end=start + timedelta(minutes=60),
            kind="session",
            mode=mode,
            by=anna,
            traject=traject,
            session_type=session_type,
        )
    except SlotTaken:
        return None
