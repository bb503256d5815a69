"""Demo calendar: the practice's session types, working hours, and appointments."""

from datetime import time, timedelta

from django.utils import timezone

from coaching.models import User
from sessions.booking import SlotTaken, appointment_book
from sessions.models import Appointment, SessionType, WorkingHours

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


def demo_calendar(*, anna: User, bram: User, eva, lotte, **others) -> None:
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
    for coach in (anna, bram):
        if not WorkingHours.objects.filter(coach=coach).exists():
            for weekday in range(5):
                WorkingHours.objects.create(
                    coach=coach, weekday=weekday, start_time=time(9), end_time=time(12, 30)
                )
                WorkingHours.objects.create(
                    coach=coach, weekday=weekday, start_time=time(13, 30), end_time=time(17)
                )
    # (The Backstage demo may have put the group's meetings in Anna's calendar already.)
    if Appointment.objects.filter(coach=anna, traject__isnull=False).exists():
        return
    today = timezone.localdate()
    zone = timezone.get_current_timezone()

    def at(days: int, hour: int):
        day = today + timedelta(days=days)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return timezone.datetime.combine(day, time(hour), tzinfo=zone)

    plan = [
        (eva.trajects.first(), "session", at(-14, 10), "completed"),
        (eva.trajects.first(), "session", at(3, 10), "booked"),
        (lotte.trajects.first(), "session", at(-7, 14), "completed"),
        (lotte.trajects.first(), "session", at(5, 15), "booked"),
        # Today, whatever the weekday, so that *Vandaag* opens on the day's work (issue 19):
        # still to come, or (seeded in the evening) over and waiting for "held" or "no-show".
        (
            eva.trajects.first(),
            "session",
            timezone.datetime.combine(today, time(16), tzinfo=zone),
            "booked",
        ),
    ]
    for traject, kind, start, status in plan:
        if traject is None:
            continue
        try:
            appointment = appointment_book(
                coach=anna,
                start=start,
                end=start + timedelta(minutes=60),
                kind=kind,
                mode="practice",
                by=anna,
                traject=traject,
                session_type=types[kind],
            )
        except SlotTaken:
            continue
        Appointment.objects.filter(pk=appointment.pk).update(status=status)
    # Booked last week, tomorrow at about this time: its reminder goes out at the first sweep
    # of `make run` (var/mail/), and the coach sees it on the appointment.
    soon = (timezone.now() + timedelta(hours=20)).replace(minute=0, second=0, microsecond=0)
    if eva.trajects.exists():
        try:
            reminded = appointment_book(
                coach=anna,
                start=soon,
                end=soon + timedelta(minutes=60),
                kind="session",
                mode="video",
                by=anna,
                traject=eva.trajects.first(),
                session_type=types["session"],
                # No link given: the practice's pattern makes its room (coaching.video), as
                # for a real video appointment; none configured, and the e-mail says so.
            )
        except SlotTaken:
            return
        Appointment.objects.filter(pk=reminded.pk).update(
            updated_at=timezone.now() - timedelta(days=7)
        )
