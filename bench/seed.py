"""The benchmark's practices: `manage.py seed_bench --size S|L`.

A fixed seed makes the same practice every time. L is an organisation after years of work:
10 coaches, 10,000 clients, 100,000 appointments, 200 Backstage groups (1,600 meetings) and
20,000 e-mail coaching messages. S is one coach's first weeks: 10 clients and 100 appointments
(1 group, 20 messages), spread the same way. Rows are written in bulk, straight into the
tables; the application's rules still hold (the database checks them: no double booking, the
traject's phases, the append-only dossier).
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models.functions import Now
from django.utils import timezone

from coaching.models import Client, CoachProfile, Guardian, Role, User
from groups.models import BackstageGroup, Contribution, Meeting, Membership
from sessions.models import Appointment, BookingRules, SessionType, WorkingHours
from trajects.models import (
    DossierEntry,
    DossierEntryVersion,
    IntakeVersion,
    Message,
    Traject,
    TrajectEvent,
)

SEED = 20261201
PASSWORD = "bench-wachtwoord"  # noqa: S105 (a benchmark's accounts, on a benchmark database)


@dataclass(frozen=True)
class Size:
    coaches: int
    clients: int
    appointments: int
    groups: int
    messages: int


SIZES = {
    "S": Size(coaches=1, clients=10, appointments=100, groups=1, messages=20),
    "L": Size(coaches=10, clients=10_000, appointments=100_000, groups=200, messages=20_000),
}
FIRST = ["Anna", "Bram", "Chris", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Isa", "Joris"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos"]
# Sessions on working days from 9:00, one an hour; Backstage in the evening (never overlapping).
DAY_SLOTS = [time(hour) for hour in (9, 10, 11, 13, 14, 15, 16)]
GROUP_TIME = time(19)


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _working_days(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def settle() -> None:
    """After a seed, on PostgreSQL: VACUUM ANALYZE, which autovacuum does in a database in use
    (statistics for the planner, which otherwise plans for the empty tables it saw before, and
    the visibility map). Outside a transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


@transaction.atomic
def seed(size_name: str, *, prefix: str = "bench") -> dict:
    """Writes the practice of the size; returns what it made (counts, and the coaches). The
    accounts' addresses start with `prefix` (two practices can share a database)."""
    size = SIZES[size_name]
    rng = random.Random(f"{SEED}-{prefix}-{size_name}")
    today = timezone.localdate()
    password = make_password(PASSWORD)
    coaches = User.objects.bulk_create(
        User(
            email=f"{prefix}-coach-{n}@praktijk.test",
            first_name=FIRST[n % len(FIRST)],
            last_name=f"Coach {n}",
            role=Role.COACH,
            password=password,
        )
        for n in range(size.coaches)
    )
    CoachProfile.objects.bulk_create(CoachProfile(user=coach) for coach in coaches)
    WorkingHours.objects.bulk_create(
        WorkingHours(
            coach=coach, weekday=day, start_time=time(9), end_time=time(17), modes=["practice"]
        )
        for coach in coaches
        for day in range(5)
    )
    BookingRules.objects.bulk_create(BookingRules(coach=coach) for coach in coaches)
    session_type, _made = SessionType.objects.get_or_create(
        kind="session",
        name="Coachingsessie",
        defaults={"default_minutes": 60, "allowed_modes": ["practice"], "bookable_online": True},
    )

    # Clients: every fifth a child with a parent; three in ten use the portal (a parent for a
    # child, an adult in sessions, an adult in e-mail coaching).
    portal = [n for n in range(size.clients) if n % 10 in (0, 3, 9)]
    accounts = User.objects.bulk_create(
        User(
            email=f"{prefix}-client-{n}@praktijk.test",
            first_name=FIRST[n % len(FIRST)],
            last_name=LAST[n % len(LAST)],
            role=Role.CLIENT,
            password=password,
        )
        for n in portal
    )
    account_of = dict(zip(portal, accounts, strict=True))
    clients = Client.objects.bulk_create(
        Client(
            coach=coaches[(n // 10) % size.coaches],
            first_name=FIRST[(n * 7) % len(FIRST)],
            last_name=f"{LAST[n % len(LAST)]} {n}",
            date_of_birth=date(2012 if n % 5 == 0 else 1980 + n % 30, 1 + n % 12, 1 + n % 28),
            email=f"client-{n}@praktijk.test",
            account=account_of.get(n) if n % 5 else None,
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
        )
        for n in range(size.clients)
    )
    Guardian.objects.bulk_create(
        Guardian(
            client=client,
            first_name="Ouder",
            last_name=client.last_name,
            relation="mother",
            email=f"ouder-{n}@praktijk.test",
            account=account_of.get(n),
        )
        for n, client in enumerate(clients)
        if n % 5 == 0
    )

    # One traject each: most running (kennismaking, intake held), some done, some starting;
    # every tenth is e-mail coaching.
    started = today - timedelta(days=4 * 365)
    trajects = []
    for n, client in enumerate(clients):
        registered = started + timedelta(days=rng.randrange(0, 4 * 365 - 60))
        phase = n % 10
        email = phase == 9
        status = "aanmelding" if phase == 8 else "afgerond" if phase in (6, 7) else "lopend"
        trajects.append(
            Traject(
                client=client,
                kind="email" if email else "standard",
                title="e-mailvraag" if email else "faalangst",
                status=status,
                registered_on=registered,
                kennismaking_on=None if status == "aanmelding" else registered + timedelta(7),
                kennismaking_mode="" if status == "aanmelding" else "phone",
                intake_on=None if status == "aanmelding" else registered + timedelta(21),
                closed_on=min(registered + timedelta(300), today - timedelta(1))
                if status == "afgerond"
                else None,
            )
        )
    trajects = Traject.objects.bulk_create(trajects)
    running = [t for t in trajects if t.status != "aanmelding"]
    TrajectEvent.objects.bulk_create(
        TrajectEvent(
            traject=traject,
            step="record_kennismaking",
            source="aanmelding",
            target="bedenktijd",
            on=traject.kennismaking_on,
            by=coaches[i % size.coaches],
        )
        for i, traject in enumerate(running)
    )
    IntakeVersion.objects.bulk_create(
        IntakeVersion(
            traject=traject,
            number=1,
            help_question="Faalangst bij presentaties op het werk.",
            goals="Rustig een presentatie geven.",
            created_by=coaches[i % size.coaches],
        )
        for i, traject in enumerate(running)
    )
    entries = DossierEntry.objects.bulk_create(
        DossierEntry(
            traject=traject,
            kind="session",
            occurred_on=traject.intake_on + timedelta(days=14 * k + 7),
            created_by=coaches[i % size.coaches],
        )
        for i, traject in enumerate(running)
        for k in range(3)
    )
    DossierEntryVersion.objects.bulk_create(
        DossierEntryVersion(
            entry=entry,
            number=1,
            text="Sessie: de opdracht van vorige keer besproken. " * 4,
            created_by=entry.created_by,
        )
        for entry in entries
    )
    Traject.objects.filter(pk__in=[t.pk for t in running]).update(dossier_changed_at=Now())

    # Appointments: each coach's sessions one after another on working days, from four years
    # ago until a few weeks ahead (the last ones booked, the rest held).
    per_coach = size.appointments // size.coaches
    days_needed = -(-per_coach // len(DAY_SLOTS))
    calendar_days = int(days_needed * 7 / 5)
    first_day = today - timedelta(days=max(calendar_days - 30, calendar_days // 2))
    days = _working_days(first_day, days_needed)
    by_coach = {}
    for traject in running:
        if traject.kind == "standard":
            by_coach.setdefault(traject.client.coach_id, []).append(traject)
    appointments = []
    for coach in coaches:
        theirs = by_coach.get(coach.pk) or [None]
        for k in range(per_coach):
            day, slot = days[k // len(DAY_SLOTS)], DAY_SLOTS[k % len(DAY_SLOTS)]
            start = _aware(day, slot)
            appointments.append(
                Appointment(
                    coach=coach,
                    traject=theirs[k % len(theirs)],
                    session_type=session_type,
                    kind="session",
                    mode="practice",
                    start=start,
                    end=start + timedelta(hours=1),
                    status="booked" if day >= today else "completed",
                    created_by=coach,
                )
            )
    Appointment.objects.bulk_create(appointments, batch_size=5000)

    # Backstage: groups of 8 with 8 meetings every 3 weeks in the evening, each with two turns.
    groups = BackstageGroup.objects.bulk_create(
        BackstageGroup(
            coach=coaches[g % size.coaches],
            name=f"Backstage {g + 1}",
            composition="mixed",
            daypart="evening",
            interval_weeks=3,
            meeting_minutes=150,
        )
        for g in range(size.groups)
    )
    adults = [c for n, c in enumerate(clients) if n % 5]
    memberships = Membership.objects.bulk_create(
        Membership(group=group, client=adults[(g * 8 + m) % len(adults)], joined_on=first_day)
        for g, group in enumerate(groups)
        for m in range(8)
    )
    meeting_slots = []
    for g, group in enumerate(groups):
        # A coach's groups start on different evenings, each meeting three weeks after the
        # last: never two meetings of one coach at once.
        first = first_day + timedelta(days=g // size.coaches)
        for number in range(8):
            start = _aware(first + timedelta(weeks=3 * number), GROUP_TIME)
            meeting_slots.append((group, number + 1, start))
    meeting_appointments = Appointment.objects.bulk_create(
        Appointment(
            coach=group.coach,
            kind="backstage",
            mode="practice",
            start=start,
            end=start + timedelta(minutes=150),
            status="booked" if start.date() >= today else "completed",
        )
        for group, _number, start in meeting_slots
    )
    meetings = Meeting.objects.bulk_create(
        Meeting(group=group, number=number, appointment=appointment)
        for (group, number, _start), appointment in zip(
            meeting_slots, meeting_appointments, strict=True
        )
    )
    members_of = {}
    for membership in memberships:
        members_of.setdefault(membership.group_id, []).append(membership)
    Contribution.objects.bulk_create(
        Contribution(
            meeting=meeting,
            membership=members_of[meeting.group_id][(meeting.number * 2 + turn) % 8],
            turn=turn + 1,
            problem="Een collega die steeds mijn werk overneemt.",
            agreements="Het gesprek aangaan." if turn == 0 else "",
        )
        for meeting in meetings
        for turn in range(2)
    )

    # E-mail coaching: the messages over the e-mail trajects, question and answer in turn.
    email_trajects = [t for t in trajects if t.kind == "email" and t.status != "aanmelding"]
    per_traject = max(1, size.messages // max(1, len(email_trajects)))
    messages = []
    for traject in email_trajects:
        begin = _aware(traject.intake_on, time(10))
        for k in range(per_traject):
            if len(messages) >= size.messages:
                break
            from_coach = bool(k % 2)
            at = begin + timedelta(days=2 * k, hours=k % 5)
            messages.append(
                Message(
                    traject=traject,
                    from_coach=from_coach,
                    author=traject.client.coach if from_coach else traject.client.account,
                    body=f"Bericht {k}: " + "hoe ga ik om met spanning voor een gesprek? " * 3,
                    created_at=at,
                    due_at=None if from_coach else at + timedelta(hours=24),
                    answered_at=None if from_coach else at + timedelta(hours=20),
                )
            )
    Message.objects.bulk_create(messages, batch_size=5000)
    return {
        "coaches": coaches,
        "clients": len(clients),
        "appointments": len(appointments) + len(meeting_appointments),
        "groups": len(groups),
        "meetings": len(meetings),
        "messages": len(messages),
    }
