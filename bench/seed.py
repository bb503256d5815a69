"""The benchmark's practices: `manage.py seed_bench --size S|L|XL`.

A fixed seed makes the same practice every time. L is an organisation after years of work:
10 coaches, 10,000 clients, 100,000 appointments, 200 Backstage groups (1,600 meetings) and
20,000 e-mail coaching messages. S is one coach's first weeks: 10 clients and 100 appointments
(1 group, 20 messages), spread the same way. XL is a network of practices on one installation:
100 coaches, 100,000 clients, 1,000,000 appointments, 2,000 groups, 200,000 messages and
20,000,000 rows of the audit log. Each coach of L and XL has as much as the next (1,000
clients, 10,000 appointments, 20 groups, 2,000 messages): the first coach's pages at XL differ
from those at L only by the other coaches' data. So the audit log's rows at XL are all of the
other 99 coaches' clients; the first coach's, as at L, have none. Every size gets its invoice
history from the held sessions (bench/seed_invoices.py).

Rows are written in bulk, straight into the tables (`write`): on PostgreSQL with COPY, which
writes the same rows with the same ids in the same order as bulk_create (which SQLite uses),
faster (a third less time at L; most of what remains is the database checking each appointment
against the coach's others). The audit log's months are loaded each into a table of their own,
attached as its partition afterwards (`_load_month`). The application's rules still hold: the
database checks every row (no double booking, the traject's phases, the append-only dossier,
the foreign keys at the commit), and dossier text and messages are encrypted as the application
encrypts them (once per distinct text, the ciphertext reused).
"""

import random
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from ipaddress import ip_address
from operator import attrgetter

from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.models.functions import Now
from django.utils import timezone

from audit import partitions
from audit.models import AuditEvent
from bench.seed_invoices import seed_invoices
from coaching.crypto import EncryptedTextField
from coaching.models import Client, CoachProfile, Guardian, Role, User
from groups.models import BackstageGroup, Contribution, Meeting, Membership
from sessions.models import (
    Appointment,
    BookingRules,
    CalendarFeed,
    ExternalBusy,
    SessionType,
    WorkingHours,
)
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
    audit: int = 0  # rows of the audit log, of every coach's clients but the first's


SIZES = {
    "S": Size(coaches=1, clients=10, appointments=100, groups=1, messages=20),
    "L": Size(coaches=10, clients=10_000, appointments=100_000, groups=200, messages=20_000),
    "XL": Size(
        coaches=100,
        clients=100_000,
        appointments=1_000_000,
        groups=2_000,
        messages=200_000,
        audit=20_000_000,
    ),
}
FIRST = ["Anna", "Bram", "Chris", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Isa", "Joris"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos"]
# Sessions on working days from 9:00, one an hour; Backstage in the evening (never overlapping).
DAY_SLOTS = [time(hour) for hour in (9, 10, 11, 13, 14, 15, 16)]
GROUP_TIME = time(19)
# The audit log's rows span the last four years.
AUDIT_YEARS = 4


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
    """After a seed: the report's marks applied (reports.stored), and on PostgreSQL: VACUUM
    ANALYZE, which autovacuum does in a database in use (statistics for the planner, which
    otherwise plans for the empty tables it saw before, and the visibility map), then a
    CHECKPOINT: the gigabytes the seed left in memory to be written are written now, not by
    the checkpointer while the pages are timed (where the role may not ask for one, the
    checkpointer's own schedule stays). Outside a transaction only."""
    # The report's marks of every seeded row (reports.triggers) applied first, as the first
    # report after an import does; then vacuumed with the rest, as autovacuum would.
    from reports.stored import apply_touched

    with transaction.atomic():
        apply_touched()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
        except DatabaseError:  # (PostgreSQL 15: a superuser or pg_checkpoint only)
            pass


# --- Writing rows ----------------------------------------------------------------------------


def reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of `count` consecutive primary keys taken from the table's sequence (as
    bulk_create's rows take them, one after another); PostgreSQL only."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        if count > 1:
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


@contextmanager
def copying(table: str, columns: list[str], *, freeze: bool = False, types=None):
    """A COPY into the table's columns: `write_row` a row (a sequence of Python values).
    `freeze`: the rows written frozen, for a table made in this transaction."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    options = ["FREEZE"] if freeze else []
    if types:
        options.append("FORMAT BINARY")
    statement += f" WITH ({', '.join(options)})" if options else ""
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        if types:
            copy.set_types(types)
        yield copy


# Fields whose value the COPY takes as the object holds it: what get_db_prep_save would hand
# psycopg unchanged (exactly these classes; a subclass may convert, and goes through Django).
PLAIN = {
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.CharField,
    models.TextField,
    models.EmailField,
    models.BooleanField,
    models.DateField,
    models.DateTimeField,
    models.TimeField,
    models.UUIDField,
}


def _value_of(field: models.Field, ciphertexts: dict) -> Callable[[models.Model], object]:
    """How a row gets the field's value for the database, as bulk_create gets it (pre_save,
    then get_db_prep_save), skipping Django's conversion where it changes nothing."""
    db = connections[connection.alias]

    def prepared(obj):
        return field.get_db_prep_save(field.pre_save(obj, True), db)

    if isinstance(field, EncryptedTextField):
        # Each distinct text encrypted once; its ciphertext reused for every row with it.
        def encrypted(obj):
            text = field.pre_save(obj, True)
            if text not in ciphertexts:
                ciphertexts[text] = prepared(obj)
            return ciphertexts[text]

        return encrypted
    target = field.target_field if field.is_relation else field
    if (
        type(target) not in PLAIN
        or (field.is_relation and type(field) not in (models.ForeignKey, models.OneToOneField))
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    ):
        return prepared
    get = attrgetter(field.attname)
    if isinstance(field, models.DateTimeField):
        # A naive time would be made aware by Django (with a warning): that one goes through it.
        return lambda obj: value if (value := get(obj)) is None or value.tzinfo else prepared(obj)
    return get


def write(model: type[models.Model], objs: Iterable[models.Model]) -> list[models.Model]:
    """Writes the objects' rows and gives them their primary keys, as bulk_create does (no
    save(), no signals; every field's default and pre_save, every constraint and trigger of
    the database): on PostgreSQL with COPY, elsewhere with bulk_create."""
    objs = list(objs)
    if connection.vendor != "postgresql" or not objs:
        return model.objects.bulk_create(objs, batch_size=5000)
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    values = [_value_of(field, {}) for field in fields]
    # A key from the table's sequence; any other key is the object's own.
    if isinstance(model._meta.pk, models.AutoField):
        first = reserve_ids(model, len(objs))
        for pk, obj in enumerate(objs, start=first):
            obj.pk = pk
    alias = connection.alias
    with copying(model._meta.db_table, [f.column for f in fields]) as copy:
        for obj in objs:
            obj._state.adding, obj._state.db = False, alias
            copy.write_row([value(obj) for value in values])
    return objs


# --- The practice ----------------------------------------------------------------------------


@transaction.atomic
def seed(size_name: str, *, prefix: str = "bench") -> dict:
    """Writes the practice of the size; returns what it made (counts, and the coaches). The
    accounts' addresses start with `prefix` (several practices can share a database)."""
    size = SIZES[size_name]
    rng = random.Random(f"{SEED}-{prefix}-{size_name}")
    today = timezone.localdate()
    password = make_password(PASSWORD)
    coaches = _coaches(size, prefix=prefix, password=password)
    session_type, _made = SessionType.objects.get_or_create(
        kind="session",
        name="Coachingsessie",
        defaults={"default_minutes": 60, "allowed_modes": ["practice"], "bookable_online": True},
    )
    clients = _clients(size, coaches, rng=rng, prefix=prefix, password=password)
    trajects = _trajects(size, coaches, clients, rng=rng, today=today)
    appointments, first_day = _appointments(size, coaches, trajects, session_type, today=today)
    busy = _busy_times(coaches[0], today=today)
    groups, meetings = _backstage(size, coaches, clients, first_day=first_day, today=today)
    messages = _messages(size, trajects)
    invoices = seed_invoices(coaches, rng=rng, size_name=size_name)
    audit = _audit_log(size, coaches, trajects, name=f"{prefix}-{size_name}")
    return {
        "coaches": coaches,
        "clients": len(clients),
        "appointments": appointments + meetings,
        "busy": busy,
        "groups": groups,
        "meetings": meetings,
        "messages": messages,
        "invoices": invoices,
        "audit": audit,
    }


def _coaches(size: Size, *, prefix: str, password: str) -> list[User]:
    coaches = write(
        User,
        (
            User(
                email=f"{prefix}-coach-{n}@praktijk.test",
                first_name=FIRST[n % len(FIRST)],
                last_name=f"Coach {n}",
                role=Role.COACH,
                password=password,
            )
            for n in range(size.coaches)
        ),
    )
    write(CoachProfile, (CoachProfile(user=coach) for coach in coaches))
    write(
        WorkingHours,
        (
            WorkingHours(
                coach=coach, weekday=day, start_time=time(9), end_time=time(17), modes=["practice"]
            )
            for coach in coaches
            for day in range(5)
        ),
    )
    write(BookingRules, (BookingRules(coach=coach) for coach in coaches))
    return coaches


def _clients(size: Size, coaches, *, rng, prefix: str, password: str) -> list[Client]:
    """Every fifth a child with a parent; three in ten use the portal (a parent for a child,
    an adult in sessions, an adult in e-mail coaching)."""
    portal = [n for n in range(size.clients) if n % 10 in (0, 3, 9)]
    accounts = write(
        User,
        (
            User(
                email=f"{prefix}-client-{n}@praktijk.test",
                first_name=FIRST[n % len(FIRST)],
                last_name=LAST[n % len(LAST)],
                role=Role.CLIENT,
                password=password,
            )
            for n in portal
        ),
    )
    account_of = dict(zip(portal, accounts, strict=True))
    clients = write(
        Client,
        (
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
        ),
    )
    write(
        Guardian,
        (
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
        ),
    )
    return clients


def _trajects(size: Size, coaches, clients, *, rng, today: date) -> list[Traject]:
    """One traject each: most running (kennismaking, intake held), some done, some starting;
    every tenth is e-mail coaching. The running ones with their first step, intake and three
    notes in the dossier."""
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
                coach=client.coach,  # as Traject.save() and its bulk_create set it
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
    trajects = write(Traject, trajects)
    running = [t for t in trajects if t.status != "aanmelding"]
    write(
        TrajectEvent,
        (
            TrajectEvent(
                traject=traject,
                step="record_kennismaking",
                source="aanmelding",
                target="bedenktijd",
                on=traject.kennismaking_on,
                by=coaches[i % size.coaches],
            )
            for i, traject in enumerate(running)
        ),
    )
    _dossiers(size, coaches, running)
    return trajects


def _dossiers(size: Size, coaches, running: list[Traject]) -> None:
    write(
        IntakeVersion,
        (
            IntakeVersion(
                traject=traject,
                number=1,
                help_question="Faalangst bij presentaties op het werk.",
                goals="Rustig een presentatie geven.",
                created_by=coaches[i % size.coaches],
            )
            for i, traject in enumerate(running)
        ),
    )
    entries = write(
        DossierEntry,
        (
            DossierEntry(
                traject=traject,
                kind="session",
                occurred_on=traject.intake_on + timedelta(days=14 * k + 7),
                created_by=coaches[i % size.coaches],
            )
            for i, traject in enumerate(running)
            for k in range(3)
        ),
    )
    write(
        DossierEntryVersion,
        (
            DossierEntryVersion(
                entry=entry,
                number=1,
                text="Sessie: de opdracht van vorige keer besproken. " * 4,
                created_by=entry.created_by,
            )
            for entry in entries
        ),
    )
    Traject.objects.filter(pk__in=[t.pk for t in running]).update(dossier_changed_at=Now())


def _appointments(size: Size, coaches, trajects, session_type, *, today: date):
    """Each coach's sessions one after another on working days, from years ago until a few
    weeks ahead (the last ones booked, the rest held), written coach by coach. Returns how
    many, and the first day."""
    per_coach = size.appointments // size.coaches
    days_needed = -(-per_coach // len(DAY_SLOTS))
    calendar_days = int(days_needed * 7 / 5)
    first_day = today - timedelta(days=max(calendar_days - 30, calendar_days // 2))
    days = _working_days(first_day, days_needed)
    by_coach = {}
    for traject in trajects:
        if traject.status != "aanmelding" and traject.kind == "standard":
            by_coach.setdefault(traject.client.coach_id, []).append(traject)
    written = 0
    for coach in coaches:
        theirs = by_coach.get(coach.pk) or [None]
        appointments = []
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
        written += len(write(Appointment, appointments))
    return written, first_day


BUSY_TIMES = 500  # the measured coach's own calendar: busy times in the next 90 days


def _busy_times(coach: User, *, today: date) -> int:
    """The first coach's own calendar (sessions.feeds), as a coach who links one has it: 500
    busy times over the booking horizon, some in working hours, some overlapping. A random
    sequence of its own: the rest of the practice comes out as before."""
    rng = random.Random(f"{SEED}-busy-{coach.email}")
    feed = CalendarFeed.objects.create(coach=coach, url="https://calendar.example/bench.ics")
    busy = []
    for k in range(BUSY_TIMES):
        day = today + timedelta(days=k * 90 // BUSY_TIMES)
        start = _aware(day, time(rng.randint(7, 19), rng.choice([0, 15, 30, 45])))
        length = timedelta(minutes=rng.choice([30, 45, 60, 90, 120]))
        busy.append(ExternalBusy(feed=feed, coach=coach, starts_at=start, ends_at=start + length))
    return len(write(ExternalBusy, busy))


def _backstage(size: Size, coaches, clients, *, first_day: date, today: date):
    """Groups of 8 with 8 meetings every 3 weeks in the evening, each with two turns. Returns
    how many groups and meetings."""
    groups = write(
        BackstageGroup,
        (
            BackstageGroup(
                coach=coaches[g % size.coaches],
                name=f"Backstage {g + 1}",
                composition="mixed",
                daypart="evening",
                interval_weeks=3,
                meeting_minutes=150,
            )
            for g in range(size.groups)
        ),
    )
    adults = [c for n, c in enumerate(clients) if n % 5]
    memberships = write(
        Membership,
        (
            Membership(group=group, client=adults[(g * 8 + m) % len(adults)], joined_on=first_day)
            for g, group in enumerate(groups)
            for m in range(8)
        ),
    )
    meeting_slots = []
    for g, group in enumerate(groups):
        # A coach's groups start on different evenings, each meeting three weeks after the
        # last: never two meetings of one coach at once.
        first = first_day + timedelta(days=g // size.coaches)
        for number in range(8):
            start = _aware(first + timedelta(weeks=3 * number), GROUP_TIME)
            meeting_slots.append((group, number + 1, start))
    meeting_appointments = write(
        Appointment,
        (
            Appointment(
                coach=group.coach,
                kind="backstage",
                mode="practice",
                start=start,
                end=start + timedelta(minutes=150),
                status="booked" if start.date() >= today else "completed",
            )
            for group, _number, start in meeting_slots
        ),
    )
    meetings = write(
        Meeting,
        (
            Meeting(group=group, number=number, appointment=appointment)
            for (group, number, _start), appointment in zip(
                meeting_slots, meeting_appointments, strict=True
            )
        ),
    )
    _contributions(meetings, memberships)
    return len(groups), len(meetings)


def _contributions(meetings, memberships) -> None:
    members_of = {}
    for membership in memberships:
        members_of.setdefault(membership.group_id, []).append(membership)
    write(
        Contribution,
        (
            Contribution(
                meeting=meeting,
                membership=members_of[meeting.group_id][(meeting.number * 2 + turn) % 8],
                turn=turn + 1,
                problem="Een collega die steeds mijn werk overneemt.",
                agreements="Het gesprek aangaan." if turn == 0 else "",
            )
            for meeting in meetings
            for turn in range(2)
        ),
    )


def _messages(size: Size, trajects) -> int:
    """E-mail coaching: the messages over the e-mail trajects, question and answer in turn."""
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
    return len(write(Message, messages))


# --- The audit log (XL) ----------------------------------------------------------------------

AUDIT_COLUMNS = [
    "id",
    "at",
    "actor_role",
    "action",
    "what",
    "object_id",
    "page",
    "ip",
    "detail",
    "actor_id",
    "client_id",
]
AUDIT_TYPES = [
    "int8",
    "timestamptz",
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "inet",
    "varchar",
    "int8",
    "int8",
]
# What a row of a client is, by a draw of 0-99: their coach opening the dossier (62), the
# client page (15) or writing a note (8); the client's login (10), their reading of the
# messages (5). A client without an account of their own: the coach's dossier instead.
AUDIT_KINDS = [0] * 62 + [1] * 15 + [2] * 8 + [3] * 10 + [4] * 5


def _audit_log(size: Size, coaches, trajects, *, name: str) -> int:
    """XL: `size.audit` rows of the log over the last four years, month by month in time
    order, of the clients of every coach but the first. PostgreSQL only (COPY)."""
    if not size.audit or connection.vendor != "postgresql":
        return 0
    rng = random.Random(f"{SEED}-{name}-audit")
    people = _audit_people(trajects, first_coach=coaches[0].pk)
    end = timezone.now()
    months = _months_between(end - timedelta(days=365 * AUDIT_YEARS), end)
    existing = partitions.monthly_partitions() if partitions.partitioned() else None
    next_id = reserve_ids(AuditEvent, size.audit)
    for index, (low, high) in enumerate(months):
        count = size.audit // len(months) + (index < size.audit % len(months))
        span = (high - low).total_seconds()
        rows = (
            (next_id + n, low + timedelta(seconds=offset))
            + people[int(rng.random() * len(people))][AUDIT_KINDS[int(rng.random() * 100)]]
            for n, offset in enumerate(sorted(rng.random() * span for _ in range(count)))
        )
        month = partitions.first_of_month(low)
        if existing is None or month in existing:
            _copy_rows(AuditEvent._meta.db_table, rows)
        else:
            _load_month(month, rows)
        next_id += count
    return size.audit


def _copy_rows(table: str, rows: Iterable[tuple], *, freeze: bool = False) -> None:
    with copying(table, AUDIT_COLUMNS, freeze=freeze, types=AUDIT_TYPES) as copy:
        for row in rows:
            copy.write_row(row)


def _load_month(month: date, rows: Iterable[tuple]) -> None:
    """A month of the log as a table of its own, filled, then attached as the month's
    partition: the table's indexes are built once, sorted, when it is attached, rather than
    grown row by row, and COPY FREEZE spares VACUUM rewriting it. PostgreSQL checks on the
    attach that every row belongs to the month; the trigger comes with the partition."""
    table, parent = partitions.name_of(month), partitions.PARENT
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (LIKE {parent} INCLUDING DEFAULTS)")
    _copy_rows(table, rows, freeze=True)
    low, high = partitions.bound(month), partitions.bound(partitions.months_later(month, 1))
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {parent} ATTACH PARTITION {table} FOR VALUES FROM ({low}) TO ({high})"
        )


def _audit_people(trajects, *, first_coach: int) -> list[tuple]:
    """Per client of every coach but the first, the rest of a row after (id, at) for each of
    the kinds of AUDIT_KINDS: (role, action, what, object, page, address, detail, actor,
    client). The coach works from the practice's address, the client from home."""
    people = []
    for traject in trajects:
        client = traject.client
        if client.coach_id == first_coach:
            continue
        coach, account, dossier = client.coach_id, client.account_id, str(traject.uuid)
        office = ip_address(f"10.0.{coach // 250}.{coach % 250 + 1}")
        home = ip_address(f"10.1.{client.pk // 250 % 250}.{client.pk % 250 + 1}")
        by_coach = [
            ("view", "dossier", dossier, "traject_detail"),
            ("view", "client", str(client.uuid), "client_detail"),
            ("create", "entry", dossier, "entry_add"),
        ]
        kinds = [("coach", *what, office, "", coach, client.pk) for what in by_coach]
        if account is None:
            kinds += [kinds[0], kinds[0]]
        else:
            kinds += [
                ("coachee", "login", "account", str(account), "", home, "", account, None),
                ("coachee", "view", "messages", dossier, "portal_conversation", home, "")
                + (account, client.pk),
            ]
        people.append(tuple(kinds))
    return people


def _months_between(begin: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The calendar months (UTC) from `begin` to `end`, the first and last cut to them."""
    spans, month = [], partitions.first_of_month(begin)
    while (low := datetime.combine(month, time(), tzinfo=UTC)) < end:
        month = partitions.months_later(month, 1)
        high = datetime.combine(month, time(), tzinfo=UTC)
        spans.append((max(low, begin), min(high, end)))
    return spans
