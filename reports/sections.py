"""The report's sections, in the order the page shows them. Each one is a database aggregate per
month (ONE query, whatever the practice's size), the columns of its table (and CSV), how its
chart draws them, and the figures computed from the sums (averages, shares) for each month and
for the whole period alike.

Each query is compiled once per process (coaching.compiled: the practice's and a coach's
variant), with the period, the coach and the moment as parameters, and the page sends the six
together (on PostgreSQL in one round trip, each a prepared statement).

A section is added by writing its `query` (and, where its rows need more than one per month,
its `collect`) and appending a `Section` to SECTIONS."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Count,
    DateField,
    DateTimeField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice, InvoiceLine, PackagePurchase, PackageUse
from coaching.compiled import Compiled
from coaching.models import Client, Send, User
from groups.models import Meeting
from reports.periods import LOCAL, Period, month_of, month_shift, next_midnight
from sessions.models import Appointment
from sessions.models.appointments import CANCELLED_STATUSES
from trajects.models import Message, Traject

Row = dict[str, int | Decimal | float | None]


@dataclass(frozen=True)
class Scope:
    period: Period
    coach: User | None  # None: the whole practice (the admin's report)
    # What is overdue is overdue now (an e-mail's deadline, an invoice's due date).
    now: datetime = field(default_factory=timezone.now)

    @property
    def today(self) -> date:
        return timezone.localdate(self.now, LOCAL)

    def values(self) -> dict:
        """The compiled queries' parameters (PARAMS)."""
        return {
            "coach": self.coach.pk if self.coach else 0,
            "start_at": self.period.start_at,
            "end_at": self.period.end_at,
            "first": self.period.first,
            "end": self.period.end,
            "now": self.now,
            "today": self.today,
        }


# What every section's query may use: the coach (for a coach's report), the period as moments
# (for times) and as days (for dates), and now.
PARAMS = {
    "coach": BigIntegerField(),
    "start_at": DateTimeField(),
    "end_at": DateTimeField(),
    "first": DateField(),
    "end": DateField(),
    "now": DateTimeField(),
    "today": DateField(),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # count, money (euro), hours, days, percent: how the table and the CSV write it.
    kind: str = "count"
    # Computed from the month's (or the period's) other figures, not summed.
    derived: bool = False
    # A sum the derived figures need (a total time), not shown in the table or the CSV.
    shown: bool = True


@dataclass(frozen=True)
class Chart:
    kind: str  # "stacked" or "grouped" bars, or "line"
    series: tuple[str, ...]
    axis: str  # what the vertical axis counts, for its label
    reference: float | None = None  # a horizontal line to read against (the 24 hours)
    reference_label: str = ""


def _stated(month: date, row: Row, scope: "Scope") -> datetime | None:
    """When a month's stored figures change by the clock alone: the moment its query found (its
    row's "_until", taken out of the figures), or never."""
    return row.pop("_until", None)


def _by_month(rows: list[dict], scope: "Scope") -> dict[date, Row]:
    """One row per month (its key "month"), as most sections' queries give them."""
    found: dict[date, Row] = {}
    for row in rows:
        month = month_of(row.pop("month"))
        found[month] = row
    return found


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    explanation: str  # the exact definition, shown under the title
    columns: tuple[Column, ...]
    chart: Chart
    # The aggregate, built from PARAMS; `mine`: a coach's report (filter on PARAMS' coach).
    query: Callable[[SimpleNamespace, bool], QuerySet]
    # The figures per month from the query's rows.
    collect: Callable[[list[dict], Scope], dict[date, Row]] = _by_month
    derive: Callable[[Row], Row] = lambda row: {}
    # When a month's summed figures change without a write (reports.stored keeps them till then).
    until: Callable[[date, Row, "Scope"], datetime | None] = _stated
    # Settings named in the explanation, filled in when it is shown (in the reader's language).
    explanation_args: Callable[[], dict] = dict
    compiled: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "compiled",
            {
                mine: Compiled(lambda p, mine=mine: self.query(p, mine), **PARAMS)
                for mine in (False, True)
            },
        )

    def call(self, scope: Scope) -> tuple[Compiled, dict]:
        """The compiled query and its values for the scope (for coaching.compiled.together)."""
        return self.compiled[scope.coach is not None], scope.values()

    def figures(self, scope: Scope) -> dict[date, Row]:
        compiled, values = self.call(scope)
        return self.collect(compiled.all(**values), scope)

    def explain(self) -> str:
        return str(self.explanation) % self.explanation_args()

    @property
    def shown_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.shown)

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


def _of_coach(queryset: QuerySet, lookup: str, p: SimpleNamespace, mine: bool) -> QuerySet:
    return queryset.filter(**{lookup: p.coach}) if mine else queryset


def _share(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- Sessions ----------------------------------------------------------------------------------


def session_query(p: SimpleNamespace, mine: bool) -> QuerySet:
    """Individual appointments by the month of their start (Backstage meetings are the groups'
    section). Only the client's side cancels late (the database holds it: a coach or the
    practice cancelling an hour before is a plain, free cancellation)."""
    status, by = Appointment.Status, Appointment.CancelledBy
    late = Q(status=status.CANCELLED_LATE)
    return (
        _of_coach(Appointment.objects.all(), "coach", p, mine)
        .exclude(kind=Appointment.Kind.BACKSTAGE)
        .filter(start__gte=p.start_at, start__lt=p.end_at)
        .annotate(month=TruncMonth("start", tzinfo=LOCAL))
        .values("month")
        .annotate(
            held=Count("pk", filter=Q(status=status.COMPLETED)),
            no_show=Count("pk", filter=Q(status=status.NO_SHOW)),
            late_client=Count("pk", filter=late & Q(cancelled_by=by.CLIENT)),
            late_parent=Count("pk", filter=late & Q(cancelled_by=by.PARENT)),
            by_practice=Count(
                "pk",
                filter=Q(status=status.CANCELLED, cancelled_by__in=(by.COACH, by.PRACTICE)),
            ),
        )
        .order_by("month")
    )


SESSIONS = Section(
    key="sessies",
    title=_("Sessies"),
    explanation=_(
        "Afspraken met cliënten (kennismaking, intake, sessie, evaluatie, derden, observatie) "
        "naar de maand waarin ze begonnen. Te laat afzeggen kan alleen de cliënt of een ouder; "
        "zegt de coach of de praktijk af, dan is dat een gewone (kosteloze) annulering."
    ),
    columns=(
        Column("held", _("Gehouden")),
        Column("no_show", _("Niet verschenen")),
        Column("late_client", _("Te laat afgezegd door de cliënt")),
        Column("late_parent", _("Te laat afgezegd door een ouder")),
        Column("by_practice", _("Afgezegd door coach of praktijk")),
    ),
    chart=Chart(
        "stacked",
        ("held", "no_show", "late_client", "late_parent", "by_practice"),
        _("afspraken"),
    ),
    query=session_query,
)


# --- New clients -------------------------------------------------------------------------------


def client_query(p: SimpleNamespace, mine: bool) -> QuerySet:
    """New clients by the month they were registered. From the website: the public kennismaking
    form registered them, which always queues the prospect's confirmation (an outbox row of kind
    KENNISMAKING_RECEIVED naming the client, never deleted); every other client was added by a
    coach."""
    from_website = Exists(
        Send.objects.filter(client=OuterRef("pk"), kind=Send.Kind.KENNISMAKING_RECEIVED)
    )
    return (
        _of_coach(Client.objects.all(), "coach", p, mine)
        .filter(created_at__gte=p.start_at, created_at__lt=p.end_at)
        .annotate(month=TruncMonth("created_at", tzinfo=LOCAL))
        .values("month")
        .annotate(new=Count("pk"), website=Count("pk", filter=from_website))
        .order_by("month")
    )


CLIENTS = Section(
    key="clienten",
    title=_("Nieuwe cliënten"),
    explanation=_(
        "Cliënten naar de maand waarin ze werden ingeschreven. Via de website: aangemeld met het "
        "kennismakingsformulier; door de coach: door een coach ingevoerd."
    ),
    columns=(
        Column("new", _("Nieuwe cliënten")),
        Column("website", _("Via de website")),
        Column("by_coach", _("Door de coach ingevoerd"), derived=True),
    ),
    chart=Chart("stacked", ("website", "by_coach"), _("cliënten")),
    query=client_query,
    derive=lambda row: {"by_coach": row["new"] - row["website"]},
)


# --- Trajects ----------------------------------------------------------------------------------


def traject_query(p: SimpleNamespace, mine: bool) -> QuerySet:
    """The trajects registered, whose intake was held, completed and stopped in each month, with
    the summed length (registration to closing) of the closed ones: four counts by four dates.

    One scan of the trajects with any of the dates in the period, grouped by the months of all
    three dates and the status: the rows are the combinations that occur (a few hundred at
    most), not the trajects, and Python adds each to the months it counts in. (A UNION of four
    aggregates read the table four times, and PostgreSQL started parallel workers for it.)"""
    length = ExpressionWrapper(F("closed_on") - F("registered_on"), output_field=DurationField())
    return (
        _of_coach(Traject.objects.all(), "coach", p, mine)
        .filter(
            Q(registered_on__gte=p.first, registered_on__lt=p.end)
            | Q(intake_on__gte=p.first, intake_on__lt=p.end)
            | Q(closed_on__gte=p.first, closed_on__lt=p.end)
        )
        .annotate(
            registered=TruncMonth("registered_on"),
            intake=TruncMonth("intake_on"),
            closed=TruncMonth("closed_on"),
        )
        .values("registered", "intake", "closed", "status")
        .annotate(n=Count("pk"), length=Sum(length))
        .order_by()
    )


def traject_collect(rows: list[dict], scope: Scope) -> dict[date, Row]:
    """Each combination of months adds its trajects to the months (in the period) it counts in."""
    first, end = scope.period.first, scope.period.end
    closing = {Traject.Status.AFGEROND: "completed", Traject.Status.GESTOPT: "stopped"}
    found: dict[date, Row] = {}

    def add(value, key: str, n: int, days: int = 0) -> None:
        if value is None:
            return
        month = month_of(value)
        if first <= month < end:
            counts = found.setdefault(
                month, {"registered": 0, "intake": 0, "completed": 0, "stopped": 0, "length": 0}
            )
            counts[key] += n
            counts["length"] += days

    for row in rows:
        add(row["registered"], "registered", row["n"])
        add(row["intake"], "intake", row["n"])
        if row["status"] in closing:
            add(row["closed"], closing[row["status"]], row["n"], _days(row["length"]))
    return found


def _days(value) -> int:
    """A summed length from the database: a timedelta (PostgreSQL's interval, SQLite's
    microseconds as Django converts them)."""
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 86400)
    return round(value / 86_400_000_000)


TRAJECTS = Section(
    key="trajecten",
    title=_("Trajecten"),
    explanation=_(
        "Aangemeld: naar de datum van aanmelding; intake: naar de datum van het intakegesprek; "
        "afgerond en gestopt: naar de datum van afsluiten. De duur loopt van aanmelding tot "
        "afsluiten, gemiddeld over de in die maand afgesloten trajecten."
    ),
    columns=(
        Column("registered", _("Aangemeld")),
        Column("intake", _("Intake gehouden")),
        Column("completed", _("Afgerond")),
        Column("stopped", _("Gestopt")),
        Column("length", _("Duur samen (dagen)"), kind="days", shown=False),
        Column("average_days", _("Gemiddelde duur (dagen)"), kind="days", derived=True),
    ),
    chart=Chart("grouped", ("registered", "completed", "stopped"), _("trajecten")),
    query=traject_query,
    collect=traject_collect,
    derive=lambda row: {
        "average_days": round(row["length"] / closed, 1)
        if (closed := row["completed"] + row["stopped"])
        else None
    },
)


# --- E-mail coaching ---------------------------------------------------------------------------


def message_query(p: SimpleNamespace, mine: bool) -> QuerySet:
    """The coachee's messages by the month they were written: answered, within the deadline
    (the answer no later than the message's own deadline, PRAKTIJK_EMAIL_ANSWER_HOURS after
    it), and the summed time to the answer."""
    waited = ExpressionWrapper(F("answered_at") - F("created_at"), output_field=DurationField())
    answered = Q(answered_at__isnull=False)
    return (
        _of_coach(Message.objects.from_client(), "traject__coach", p, mine)
        .filter(created_at__gte=p.start_at, created_at__lt=p.end_at)
        .annotate(month=TruncMonth("created_at", tzinfo=LOCAL))
        .values("month")
        .annotate(
            received=Count("pk"),
            answered=Count("pk", filter=answered),
            in_time=Count("pk", filter=Q(answered_at__lte=F("due_at"))),
            open_late=Count("pk", filter=Q(answered_at__isnull=True, due_at__lt=p.now)),
            waited=Sum(waited, filter=answered),
            # The next deadline to pass: then "late, still open" grows by the clock alone.
            next_late=Min("due_at", filter=Q(answered_at__isnull=True, due_at__gte=p.now)),
        )
        .order_by("month")
    )


def message_collect(rows: list[dict], scope: Scope) -> dict[date, Row]:
    found = _by_month(rows, scope)
    for row in found.values():
        row["waited"] = _hours(row["waited"])
        row["_until"] = row.pop("next_late")
    return found


def _hours(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, timedelta):
        return value.total_seconds() / 3600
    return value / 3_600_000_000


MESSAGES = Section(
    key="email",
    title=_("E-mailcoaching: antwoordtijd"),
    explanation=_(
        "Berichten van coachees naar de maand waarin ze werden geschreven. Op tijd: beantwoord "
        "binnen de termijn van het bericht (%(hours)s uur). Te laat open: nog zonder antwoord "
        "en over de termijn. De gemiddelde antwoordtijd telt alleen de beantwoorde berichten."
    ),
    explanation_args=lambda: {"hours": settings.PRAKTIJK_EMAIL_ANSWER_HOURS},
    columns=(
        Column("received", _("Berichten")),
        Column("answered", _("Beantwoord")),
        Column("in_time", _("Op tijd beantwoord")),
        Column("open_late", _("Te laat, nog open")),
        Column("waited", _("Antwoordtijd samen (uur)"), kind="hours", shown=False),
        Column("in_time_share", _("Op tijd (% van beantwoord)"), kind="percent", derived=True),
        Column("average_hours", _("Gemiddelde antwoordtijd (uur)"), kind="hours", derived=True),
    ),
    chart=Chart(
        "line",
        ("average_hours",),
        _("uur"),
        reference=settings.PRAKTIJK_EMAIL_ANSWER_HOURS,
        reference_label=_("termijn"),
    ),
    query=message_query,
    collect=message_collect,
    derive=lambda row: {
        "in_time_share": _share(row["in_time"], row["answered"]),
        "average_hours": round(row["waited"] / row["answered"], 1) if row["answered"] else None,
    },
)


# --- Backstage ---------------------------------------------------------------------------------


def group_query(p: SimpleNamespace, mine: bool) -> QuerySet:
    """Backstage meetings by the month of their appointment (not cancelled), with the presence
    list the coach recorded: who was on it (the group's participants then) and who was there."""
    return (
        _of_coach(Meeting.objects.all(), "group__coach", p, mine)
        .filter(appointment__start__gte=p.start_at, appointment__start__lt=p.end_at)
        .exclude(appointment__status__in=CANCELLED_STATUSES)
        .annotate(month=TruncMonth("appointment__start", tzinfo=LOCAL))
        .values("month")
        .annotate(
            meetings=Count("pk", distinct=True),
            recorded=Count("pk", distinct=True, filter=Q(attendance__isnull=False)),
            listed=Count("attendance"),
            present=Count("attendance", filter=Q(attendance__present=True)),
        )
        .order_by("month")
    )


def _group_derived(row: Row) -> Row:
    places = row["recorded"] * settings.PRAKTIJK_BACKSTAGE["max_size"]
    return {
        "fill": _share(row["listed"], places),
        "attendance_share": _share(row["present"], row["listed"]),
    }


GROUPS = Section(
    key="backstage",
    title=_("Backstage-groepen"),
    explanation=_(
        "Bijeenkomsten (niet geannuleerd) naar de maand waarin ze vallen. Bezetting: de "
        "deelnemers op de presentielijsten tegen het maximum van %(size)s per groep; opkomst: "
        "wie er was van wie op de lijst stond. Alleen bijeenkomsten met een presentielijst "
        "tellen mee."
    ),
    explanation_args=lambda: {"size": settings.PRAKTIJK_BACKSTAGE["max_size"]},
    columns=(
        Column("meetings", _("Bijeenkomsten")),
        Column("recorded", _("Met presentielijst")),
        Column("listed", _("Deelnemers op de lijst")),
        Column("present", _("Aanwezig")),
        Column("fill", _("Bezetting (%)"), kind="percent", derived=True),
        Column("attendance_share", _("Opkomst (%)"), kind="percent", derived=True),
    ),
    chart=Chart("line", ("fill", "attendance_share"), _("procent")),
    query=group_query,
    derive=_group_derived,
)


# --- Invoices ----------------------------------------------------------------------------------

AMOUNT = DecimalField(max_digits=14, decimal_places=2)


def invoice_query(p: SimpleNamespace, mine: bool) -> QuerySet:
    """Invoices (not drafts) by the month of their invoice date, incl. VAT, summed from their
    lines; a credit invoice's lines are negative, so it lowers the month it was made in. Of
    what a month invoiced: what is paid now, and what is overdue now (sent, past its due date,
    neither a credit invoice nor credited)."""
    total = ExpressionWrapper(F("amount") + F("vat_amount"), output_field=AMOUNT)
    status = Invoice.Status
    unpaid = Q(
        invoice__status=status.SENT,
        invoice__credit_for__isnull=True,
        invoice__credit_invoice__isnull=True,
    )
    overdue = unpaid & Q(invoice__due_on__lt=p.today)
    return (
        _of_coach(InvoiceLine.objects.all(), "invoice__coach", p, mine)
        .exclude(invoice__status=status.DRAFT)
        .filter(invoice__issued_on__gte=p.first, invoice__issued_on__lt=p.end)
        .annotate(month=TruncMonth("invoice__issued_on"))
        .values("month")
        .annotate(
            invoiced=Sum(total),
            paid=Sum(total, filter=Q(invoice__status=status.PAID)),
            overdue=Sum(total, filter=overdue),
            # The next due date to pass: the day after it, that invoice is overdue.
            next_due=Min("invoice__due_on", filter=unpaid & Q(invoice__due_on__gte=p.today)),
        )
        .order_by("month")
    )


def invoice_collect(rows: list[dict], scope: Scope) -> dict[date, Row]:
    found = _by_month(rows, scope)
    cent = Decimal("0.01")
    for row in found.values():
        for key in ("invoiced", "paid", "overdue"):
            row[key] = Decimal(row[key] or 0).quantize(cent)
        due = row.pop("next_due")
        row["_until"] = next_midnight(due) if due else None
    return found


INVOICES = Section(
    key="facturen",
    title=_("Facturen"),
    explanation=_(
        "Verstuurde facturen naar hun factuurdatum, inclusief btw; een creditfactuur telt "
        "negatief in haar eigen maand. Betaald en te laat: van wat die maand werd gefactureerd, "
        "wat nu betaald is en wat nu over de betaaltermijn openstaat (niet gecrediteerd)."
    ),
    columns=(
        Column("invoiced", _("Gefactureerd"), kind="money"),
        Column("paid", _("Betaald"), kind="money"),
        Column("overdue", _("Te laat, onbetaald"), kind="money"),
    ),
    chart=Chart("grouped", ("invoiced", "paid", "overdue"), _("euro")),
    query=invoice_query,
    collect=invoice_collect,
)


# --- Session packages --------------------------------------------------------------------------


def package_query(p: SimpleNamespace, mine: bool) -> QuerySet:
    """Session packages (strippenkaarten) in three counts by three dates, as one UNION ALL of
    three aggregates (kind, month, n): cards sold by their sale day; sessions that used a card
    by the month of their appointment; and, of cards that expired in the month (before
    today), the sessions left unused."""
    to_month = {"output_field": DateField()}
    sold = (
        _of_coach(PackagePurchase.objects.all(), "client__coach", p, mine)
        .filter(starts_on__gte=p.first, starts_on__lt=p.end)
        .annotate(month=TruncMonth("starts_on", **to_month), kind=Value("sold"))
        .values("kind", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    used = (
        _of_coach(PackageUse.objects.all(), "appointment__coach", p, mine)
        .filter(appointment__start__gte=p.start_at, appointment__start__lt=p.end_at)
        .annotate(
            month=TruncMonth("appointment__start", tzinfo=LOCAL, **to_month),
            kind=Value("used"),
        )
        .values("kind", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    lapsed = (
        _of_coach(PackagePurchase.objects.all(), "client__coach", p, mine)
        .filter(valid_until__gte=p.first, valid_until__lt=p.end)
        .filter(valid_until__lt=p.today, used__lt=F("sessions"))
        .annotate(month=TruncMonth("valid_until", **to_month), kind=Value("lapsed"))
        .values("kind", "month")
        .annotate(n=Sum(F("sessions") - F("used")))
        .order_by()
    )
    return sold.union(used, lapsed, all=True).order_by()


def package_collect(rows: list[dict], scope: Scope) -> dict[date, Row]:
    found: dict[date, Row] = {}
    for row in rows:
        counts = found.setdefault(month_of(row["month"]), {"sold": 0, "used": 0, "lapsed": 0})
        counts[row["kind"]] += row["n"] or 0
    return found


def _open_month(month: date, row: Row, scope: Scope) -> datetime | None:
    """Cards lapse by the day: a month that has not ended changes at midnight."""
    return next_midnight(scope.today) if month_shift(month, 1) > scope.today else None


PACKAGES = Section(
    key="strippenkaarten",
    title=_("Strippenkaarten"),
    explanation=_(
        "Verkocht: kaarten naar de dag van verkoop. Gebruikt: sessies die van een kaart afgingen, "
        "naar de maand van de afspraak. Vervallen: de sessies die over waren op kaarten die in "
        "die maand verliepen (alleen wat al verlopen is)."
    ),
    columns=(
        Column("sold", _("Kaarten verkocht")),
        Column("used", _("Sessies van een kaart")),
        Column("lapsed", _("Sessies vervallen")),
    ),
    chart=Chart("grouped", ("sold", "used", "lapsed"), _("aantal")),
    query=package_query,
    collect=package_collect,
    until=_open_month,
)


# The page's order.
SECTIONS: tuple[Section, ...] = (
    SESSIONS,
    CLIENTS,
    TRAJECTS,
    MESSAGES,
    GROUPS,
    INVOICES,
    PACKAGES,
)
