"""A small practice whose figures for March and April 2026 are counted by hand (the expected
tables are in test_figures.py). Two coaches, Anna and Bert. The clocks went forward on
29 March 2026: rows near midnight at a month's edge fall in the month of Amsterdam, not of UTC.

Rows are written directly (not through the services): each has the status and dates the
figures depend on, nothing else."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing.models import Invoice, InvoiceLine, Package, PackagePurchase, PackageUse
from coaching.models import Client, Send
from coaching.tests.factories import AdminFactory, ClientFactory, CoachFactory
from groups.models import Attendance, BackstageGroup, Meeting, Membership
from sessions.models import Appointment
from trajects.models import Message, Traject

AMS = ZoneInfo("Europe/Amsterdam")
# "Now" for the figures: what is overdue is overdue on this day.
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=AMS)


def local(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


def _client(coach, created: datetime, **extra) -> Client:
    client = ClientFactory(coach=coach, **extra)
    Client.objects.filter(pk=client.pk).update(created_at=created)
    return client


def _appointment(coach, start: datetime, status: str, *, minutes=60, **extra) -> Appointment:
    return Appointment.objects.create(
        coach=coach,
        kind=extra.pop("kind", Appointment.Kind.SESSION),
        mode="practice",
        start=start,
        end=start + timedelta(minutes=minutes),
        status=status,
        **extra,
    )


def _traject(coach, registered_on: date, **fields) -> Traject:
    """A traject with the dates its phase needs (the database checks them): a kennismaking the
    day after registering, an intake five days later, unless given."""
    client = _client(coach, local(2025, 6, 1))
    status = fields.setdefault("status", Traject.Status.AANMELDING)
    if status != Traject.Status.AANMELDING:
        fields.setdefault("kennismaking_on", registered_on + timedelta(days=1))
    if status in (Traject.Status.LOPEND, Traject.Status.AFGEROND):
        fields.setdefault("intake_on", registered_on + timedelta(days=5))
    if status == Traject.Status.GESTOPT:
        fields.setdefault("stop_reason", "verhuisd")
    traject = Traject(client=client, registered_on=registered_on, title="t", **fields)
    traject.save()
    return traject


def _invoice(coach, client, number, issued_on, status, amount, vat, **extra) -> Invoice:
    """A draft with its line, then sent (or paid) as invoice_send numbers it: the database
    takes lines on a draft only."""
    credit_for = extra.pop("credit_for", None)
    invoice = Invoice.objects.create(
        coach=coach,
        recipient_kind="client",
        client=client,
        bill_to_name="Cliënt",
        created_by=coach,
        period_start=issued_on.replace(day=1),
        period_end=issued_on,
        credit_for=credit_for,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        day=issued_on,
        description="Sessie",
        quantity=Decimal(1) if Decimal(amount) > 0 else Decimal(-1),
        unit_price=abs(Decimal(amount)),
        vat="21" if Decimal(vat) else "exempt",
        amount=Decimal(amount),
        vat_amount=Decimal(vat),
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        status=status,
        year=issued_on.year,
        sequence=number,
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=14),
        **extra,
    )
    return invoice


def build() -> dict:  # Long: the whole hand-counted practice, section by section
    anna, bert, admin = CoachFactory(), CoachFactory(), AdminFactory()
    old_a = _client(anna, local(2025, 6, 1))
    old_b = _client(bert, local(2025, 6, 1))

    # Sessions. Anna, March: 2 held (one at 00:30 on 1 March, still February in UTC), 1 no-show,
    # 1 late by the client (23:00 on 31 March), 1 cancelled by the coach. April: 2 held (one
    # at 00:30 on 1 April, still March in UTC), 1 late by a parent; 1 booked (not counted).
    # Bert, March: 1 held, 1 late by the client; April: 1 no-show.
    s = Appointment.Status
    _appointment(anna, local(2026, 2, 28, 23, 0), s.COMPLETED, minutes=30)  # February
    _appointment(anna, local(2026, 3, 1, 0, 30), s.COMPLETED)
    _appointment(anna, local(2026, 3, 10), s.COMPLETED)
    _appointment(anna, local(2026, 3, 12), s.NO_SHOW)
    _appointment(anna, local(2026, 3, 31, 23, 0), s.CANCELLED_LATE, cancelled_by="client")
    _appointment(anna, local(2026, 3, 20), s.CANCELLED, cancelled_by="coach")
    _appointment(anna, local(2026, 4, 1, 0, 30), s.COMPLETED)
    _appointment(anna, local(2026, 4, 8), s.CANCELLED_LATE, cancelled_by="parent")
    _appointment(anna, local(2026, 4, 9), s.COMPLETED)
    _appointment(anna, local(2026, 4, 29), s.BOOKED)
    _appointment(anna, local(2026, 4, 14), s.CANCELLED, cancelled_by="client")  # in time
    _appointment(bert, local(2026, 3, 10), s.COMPLETED)
    _appointment(bert, local(2026, 3, 11), s.CANCELLED_LATE, cancelled_by="client")
    _appointment(bert, local(2026, 4, 2), s.NO_SHOW)

    # New clients. Anna: a1 in March (by the coach; the coach's notice is no confirmation),
    # a2 at 00:30 on 1 April (22:30 UTC on 31 March) and a3 in April, both from the website.
    # Bert: b1 in March (by the coach); b2 in February.
    a1 = _client(anna, local(2026, 3, 5))
    a2 = _client(anna, local(2026, 4, 1, 0, 30))
    a3 = _client(anna, local(2026, 4, 10))
    _client(bert, local(2026, 3, 15))
    _client(bert, local(2026, 2, 20))
    Send.objects.create(subject="x:1", kind=Send.Kind.KENNISMAKING_FOR_COACH, client=a1)
    for client in (a2, a3):
        for kind in (Send.Kind.KENNISMAKING_RECEIVED, Send.Kind.KENNISMAKING_FOR_COACH):
            Send.objects.create(
                subject=f"traject:{client.pk}:kennismaking", kind=kind, client=client
            )

    # Trajects (their clients registered in 2025). Anna: t1 registered 10 January, intake
    # 3 March, completed 20 April (100 days); t2 registered 2 March, stopped 30 March (28 days);
    # t3 registered 5 April. Bert: t4 registered 20 March, intake 2 April; t5 registered
    # 1 December 2025, completed 30 April (150 days).
    st = Traject.Status
    _traject(
        anna,
        date(2026, 1, 10),
        intake_on=date(2026, 3, 3),
        closed_on=date(2026, 4, 20),
        status=st.AFGEROND,
    )
    _traject(anna, date(2026, 3, 2), closed_on=date(2026, 3, 30), status=st.GESTOPT)
    _traject(anna, date(2026, 4, 5))
    _traject(bert, date(2026, 3, 20), intake_on=date(2026, 4, 2), status=st.LOPEND)
    _traject(bert, date(2025, 12, 1), closed_on=date(2026, 4, 30), status=st.AFGEROND)

    # E-mail coaching (trajects registered in 2025). Anna: m1 on 10 March answered after 3 h;
    # m2 at noon on 28 March answered at 19:00 on 29 March, across the clock change: 30 hours
    # (31 on the wall clock); m3 on 2 April still open past its deadline. Bert: m4 on
    # 5 April answered after 10 hours. The coaches' own messages do not count.
    email_a = _traject(anna, date(2025, 11, 1), kind=Traject.Kind.EMAIL, status=st.LOPEND)
    email_b = _traject(bert, date(2025, 11, 1), kind=Traject.Kind.EMAIL, status=st.LOPEND)

    def message(traject, written: datetime, hours: float | None):
        answered = written.astimezone(UTC) + timedelta(hours=hours) if hours is not None else None
        Message.objects.create(
            traject=traject,
            from_coach=False,
            body="vraag",
            created_at=written,
            due_at=written.astimezone(UTC) + timedelta(hours=24),
            answered_at=answered,
        )
        if answered:
            Message.objects.create(
                traject=traject, from_coach=True, body="antwoord", created_at=answered
            )

    message(email_a, local(2026, 3, 10, 9), 3)
    message(email_a, local(2026, 3, 28, 12), 30)
    assert local(2026, 3, 28, 12).astimezone(UTC) + timedelta(hours=30) == local(2026, 3, 29, 19)
    message(email_a, local(2026, 4, 2, 9), None)
    message(email_b, local(2026, 4, 5, 10), 10)

    # Backstage, Anna's group: meeting 1 on 16 March (4 on the list, 3 there), meeting 2 on
    # 30 March (no list yet), meeting 3 on 6 April (3 on the list, 2 there), meeting 4 on
    # 27 April cancelled (not counted). Maximum 10 per group (the default).
    group = BackstageGroup.objects.create(
        coach=anna,
        name="Groep",
        composition="mixed",
        daypart="evening",
        interval_weeks=2,
        meeting_minutes=150,
    )
    members = [
        Membership.objects.create(
            group=group, client=_client(anna, local(2025, 6, 1)), joined_on=date(2026, 3, 1)
        )
        for _ in range(4)
    ]
    meetings = []
    for number, (start, status) in enumerate(
        [
            (local(2026, 3, 16, 19), s.COMPLETED),
            (local(2026, 3, 30, 19), s.BOOKED),
            (local(2026, 4, 6, 19), s.COMPLETED),
            (local(2026, 4, 27, 19), s.CANCELLED),
        ],
        start=1,
    ):
        extra = {"cancelled_by": "coach"} if status == s.CANCELLED else {}
        appointment = _appointment(
            anna, start, status, minutes=150, kind=Appointment.Kind.BACKSTAGE, **extra
        )
        meetings.append(Meeting.objects.create(group=group, number=number, appointment=appointment))
    for membership, present in zip(members, [True, True, True, False], strict=True):
        Attendance.objects.create(meeting=meetings[0], membership=membership, present=present)
    for membership, present in zip(members[:3], [True, False, True], strict=True):
        Attendance.objects.create(meeting=meetings[2], membership=membership, present=present)

    # Invoices. Anna: I1 on 5 March, € 121,00, paid; I2 on 10 March, € 60,50, overdue; I3 on
    # 2 April, € 96,80, credited by C1 on 10 April (− € 96,80); I4 on 15 April, € 48,40, due
    # 29 April: overdue on 10 May; I0 on 27 February; a draft. Bert: I5 on 20 April, € 200,00
    # (exempt), paid.
    i = Invoice.Status
    _invoice(anna, old_a, 1, date(2026, 2, 27), i.SENT, "70", "14.70")
    _invoice(anna, old_a, 2, date(2026, 3, 5), i.PAID, "100", "21", paid_on=date(2026, 3, 20))
    _invoice(anna, old_a, 3, date(2026, 3, 10), i.SENT, "50", "10.50")
    i3 = _invoice(anna, old_a, 4, date(2026, 4, 2), i.SENT, "80", "16.80")
    _invoice(anna, old_a, 5, date(2026, 4, 10), i.SENT, "-80", "-16.80", credit_for=i3)
    _invoice(anna, old_a, 6, date(2026, 4, 15), i.SENT, "40", "8.40")
    _invoice(bert, old_b, 7, date(2026, 4, 20), i.PAID, "200", "0", paid_on=date(2026, 5, 2))
    draft = Invoice.objects.create(
        coach=anna,
        recipient_kind="client",
        client=old_a,
        bill_to_name="Cliënt",
        created_by=anna,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
    )
    InvoiceLine.objects.create(
        invoice=draft,
        day=date(2026, 3, 2),
        description="Sessie",
        quantity=Decimal(1),
        unit_price=Decimal(999),
        vat="exempt",
        amount=Decimal(999),
        vat_amount=Decimal(0),
    )
    # Session packages. Anna's old client: a card of 6 sold on 3 March, valid until 30 April,
    # 2 strips used (the sessions held on 10 March and 9 April): 4 lapse in April; and a card
    # of 2 sold in January, valid until 31 March, 1 strip used (the session of 28 February):
    # 1 lapses in March. Bert's old client: a card of 3 sold on 5 April, valid until October.
    card = Package.objects.create(name="Zes sessies", sessions=6, validity_months=2)

    def sold(client, coach, on, until, sessions, used, *starts):
        purchase = PackagePurchase.objects.create(
            client=client,
            package=card,
            name=card.name,
            sessions=sessions,
            used=used,
            price=Decimal("420"),
            vat="exempt",
            starts_on=on,
            valid_until=until,
            missed_counts=False,
            sold_by=coach,
        )
        for start in starts:
            appointment = Appointment.objects.get(coach=coach, start=start)
            PackageUse.objects.create(purchase=purchase, appointment=appointment)

    sold(
        old_a,
        anna,
        date(2026, 3, 3),
        date(2026, 4, 30),
        6,
        2,
        local(2026, 3, 10),
        local(2026, 4, 9),
    )
    sold(old_a, anna, date(2026, 1, 10), date(2026, 3, 31), 2, 1, local(2026, 2, 28, 23, 0))
    sold(old_b, bert, date(2026, 4, 5), date(2026, 10, 4), 3, 0)
    return {"anna": anna, "bert": bert, "admin": admin}
