"""The coach's dashboard (Vandaag): what needs attention today, from every app's section."""

from datetime import datetime, timedelta
from functools import partial
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from coaching.compiled import Compiled, together
from coaching.dashboard import (
    MOMENT_FIELDS,
    VISIT_FIELDS,
    has_rows,
    moment,
    section_reads,
    section_rows,
    sections_for,
    sections_with_rows,
    visit,
    visit_values,
    which_have_rows,
    with_visit,
)
from coaching.dates import readable
from coaching.links import url_for
from coaching.models import Client, Consent, Role
from coaching.roles import role_required
from trajects.dashboard_html import waiting_rows
from trajects.models import Evaluation, Message, Traject
from trajects.services.email_coaching import quiet_conversations

# Rows per list on the dashboard: the rest is one click away, in the client list's filter of the
# same name (ATTENTION).
SHOWN = 10


def _first(rows: list) -> tuple[list, int]:
    """The rows read (the first SHOWN) and how many there are in all (a count over a window)."""
    return rows, rows[0].total if rows else 0


# How long a consent withdrawn by the client (or a parent) stays on the dashboard; the coach
# also got an e-mail (coaching.services.consents).
WITHDRAWN_DAYS = 14
# A consent that ends within this many days is on the dashboard: time to ask for a new one
# before a third-party contact is refused (DESIGN.md §4.5).
ENDING_DAYS = 30

# What this page's lists use besides the moment (coaching.dashboard.MOMENT_FIELDS).
FIELDS = {
    **MOMENT_FIELDS,
    "since": models.DateTimeField(),  # new since: the previous visit (coaching.dashboard.visit)
    "think_since": models.DateField(),  # a bedenktijd that began before this waits for the coach
    "quiet_since": models.DateTimeField(),  # no coachee message since: a quiet conversation
    "withdrawn_since": models.DateField(),
    "ending_until": models.DateField(),
}


def values_at(coach, now: datetime, since: datetime | None = None) -> dict:
    """The values of FIELDS for the coach now (`since`: now when not asked for)."""
    at = moment(coach, now)
    return {
        **at,
        "since": since or now,
        "think_since": at["today"] - timedelta(days=settings.PRAKTIJK_BEDENKTIJD_DAYS),
        "quiet_since": now - timedelta(weeks=settings.PRAKTIJK_EMAIL_QUIET_WEEKS),
        "withdrawn_since": at["today"] - timedelta(days=WITHDRAWN_DAYS),
        "ending_until": at["today"] + timedelta(days=ENDING_DAYS),
    }


def withdrawn_consents(at) -> QuerySet:
    """Consents of the coach's clients withdrawn lately by the client or a parent."""
    return Consent.objects.withdrawn_by_others(at.coach, since=at.withdrawn_since)


def ending_consents(at) -> QuerySet:
    """Consents of the coach's (current) clients, not withdrawn, whose last valid day is
    today or one of the next ENDING_DAYS days, and not renewed yet: a newer consent for the
    same third party, not withdrawn, that lasts longer (or has no end) took its place."""
    renewed = Consent.objects.filter(
        client=OuterRef("client"),
        third_party=OuterRef("third_party"),
        withdrawn_on__isnull=True,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until")))
    return Consent.objects.filter(
        client__coach=at.coach,
        client__erased_on__isnull=True,
        withdrawn_on__isnull=True,
        valid_until__gte=at.today,
        valid_until__lte=at.ending_until,
    ).exclude(Exists(renewed))


def answered_evaluations(at) -> QuerySet:
    """Evaluations of the coach's trajects filled in after `since`. A Backstage group's
    evaluation (no traject) is left out: its answers are read together, without names, on the
    group's page."""
    return Evaluation.objects.completed().filter(traject__coach=at.coach, completed_at__gt=at.since)


def attention(at, name: str) -> QuerySet:
    """The trajects of one of the dashboard's lists (ClientFilterForm's ATTENTION_CHOICES)."""
    mine = Traject.objects.for_coach(at.coach)
    match name:
        case "wacht":
            # Open, as each of its phases is: said to the database too, for its index of the
            # coach's open trajects.
            return mine.open().waiting(think_since=at.think_since, now=at.now)
        case "antwoord":
            return mine.filter(pk__in=Message.objects.waiting().values("traject"))
        case "live":
            return mine.asking_for_sessions()
        case "stil":
            return quiet_conversations(at.coach, since=at.quiet_since)
    raise ValueError(name)


def now_for(coach) -> SimpleNamespace:
    """The lists' values for the coach now, for a page that filters by them (the client list)."""
    return SimpleNamespace(**values_at(coach, timezone.now()))


# How each list shows its first rows: what to join, the columns its rows show (the client's
# name and where the row links to; fewer columns to read, convert and build), its order, and the
# name of its total in the page's context.
CLIENT = ("client__first_name", "client__last_name")
TRAJECT = ("uuid", "title", *CLIENT)
# As str(client) reads it.
CLIENT_NAME = Subquery(
    Client.objects.filter(pk=OuterRef("client_id"))
    .order_by()
    .annotate(name=Concat("first_name", Value(" "), "last_name"))
    .values("name")
)
SHOWN_AS = {
    # The client's name by a subquery (`client_name`) rather than a join: the database looks up
    # the names of the ten rows shown only, not of every traject waiting.
    "waiting": (
        (),
        ("uuid", "title", "kind", "status", "kennismaking_mode", "kennismaking_planned_at",
         "kennismaking_on"),
        ("registered_on", "pk"),
        "waiting_total",
    ),
    "open_messages": (
        ("traject__client",),
        ("from_coach", "due_at", "answered_at", "traject__uuid", "traject__client__first_name",
         "traject__client__last_name"),
        ("due_at", "pk"),
        "messages_total",
    ),
    "switch_requests": (("client",), TRAJECT, ("switch_requested_at", "pk"), "switch_total"),
    "quiet": (("client",), TRAJECT, ("created_at", "pk"), "quiet_total"),
    "withdrawn": (
        ("client", "third_party"),
        ("withdrawn_on", *CLIENT, "client__uuid", "third_party__name"),
        ("-withdrawn_on", "-pk"),
        "withdrawn_total",
    ),
    "ending": (
        ("client", "third_party"),
        ("valid_until", *CLIENT, "client__uuid", "third_party__name"),
        ("valid_until", "pk"),
        "ending_total",
    ),
    "evaluations": (
        ("traject__client", "questionnaire"),
        ("uuid", "completed_at", "traject__uuid", "traject__client__first_name",
         "traject__client__last_name", "questionnaire__name", "questionnaire__name_en"),
        ("-completed_at", "-pk"),
        "evaluations_total",
    ),
}  # fmt: skip


def _lists(at) -> dict[str, QuerySet]:
    """The rows of each of the dashboard's lists."""
    return {
        "waiting": attention(at, "wacht"),
        "open_messages": Message.objects.waiting().filter(traject__coach=at.coach),
        "switch_requests": attention(at, "live"),
        "quiet": attention(at, "stil"),
        "withdrawn": withdrawn_consents(at),
        "ending": ending_consents(at),
        "evaluations": answered_evaluations(at),
    }


def _open_trajects(at, **conditions) -> QuerySet:
    """How many open trajects the coach has (of one value): counted from the index of the
    coach's open trajects alone (a column of it counted)."""
    open_trajects = Traject.objects.for_coach(at.coach).filter(**conditions).open()
    return open_trajects.order_by().values("coach").annotate(n=Count("status")).values("n")


# What a list's rows get besides their columns.
ANNOTATED = {"waiting": {"client_name": CLIENT_NAME}}
# Read whether it has rows or not: the list of most days (asking first would cost more).
ALWAYS_READ = {"waiting"}
# The lists asked about first, in the order of the query's columns (then the sections').
ASKED = [name for name in SHOWN_AS if name not in ALWAYS_READ]
COUNTS = ("open", "running")


def _asked(at) -> dict[str, QuerySet]:
    """The lists and sections the page asks about first, whether they have rows."""
    lists = _lists(at)
    return {**{name: lists[name] for name in ASKED}, **section_rows(at)}


def _which_have_rows(at) -> tuple[str, list]:
    return which_have_rows(
        _asked(at),
        {
            "open": _open_trajects(at),
            "running": _open_trajects(at, status=Traject.Status.LOPEND),
        },
    )


# Most days most lists are empty: one query says which have rows (of this page's lists and of
# the sections of the apps above), with the counts of open trajects; only those are read.
WHICH_HAVE_ROWS = Compiled(_which_have_rows, **FIELDS)
# On PostgreSQL the visit's UPDATE goes with it, in its WITH: the page's first statement.
VISIT_AND_WHICH_HAVE_ROWS = Compiled(
    lambda at: with_visit(_which_have_rows(at), at), **FIELDS | VISIT_FIELDS
)


def _shown_rows(name: str, at) -> QuerySet:
    """The first SHOWN rows of a list, with how many there are (`total` on each)."""
    related, columns, order, _total = SHOWN_AS[name]
    shown = _lists(at)[name].only(*columns).order_by(*order)
    if related:  # (select_related() without names would follow every relation)
        shown = shown.select_related(*related)
    if name in ANNOTATED:
        shown = shown.annotate(**ANNOTATED[name])
    return shown.annotate(total=Window(Count("pk")))[:SHOWN]


SHOWN_ROWS = {name: Compiled(partial(_shown_rows, name), **FIELDS) for name in SHOWN_AS}
# The traject keeps when its dossier last changed (trajects.services.dossier): one index (per
# coach), and the names of the ten shown.
RECENT = Compiled(
    lambda at: (
        Traject.objects.for_coach(at.coach)
        .filter(dossier_changed_at__isnull=False)
        .only("uuid", "title", "dossier_changed_at")
        .annotate(client_name=CLIENT_NAME)
        .order_by("-dossier_changed_at", "-pk")[:SHOWN]
    ),
    coach=models.BigIntegerField(),
)


def _read(found: dict) -> list[str]:
    """The lists that are read: those with rows, and the one read either way."""
    return [name for name in SHOWN_AS if name in ALWAYS_READ or found[name]]


def _shown(values: dict, found: dict) -> dict:
    """Of each list the first SHOWN rows and how many there are; a list without rows is not
    read."""
    context, read = {}, _read(found)
    for name, (_related, _columns, _order, total) in SHOWN_AS.items():
        if name in read:
            context[name], context[total] = _first(SHOWN_ROWS[name].all(**values))
        else:
            context[name], context[total] = [], 0
    now = values["now"]
    for message in context["open_messages"]:
        message.current_state = message.state(now)
    _links_and_texts(context, now)
    return context


def _links_and_texts(context: dict, now: datetime) -> None:
    """What the lists' rows show besides their columns, made here once a page: each row's link
    (one reversed URL a list, coaching.links) and the texts a waiting traject shows (a url tag
    and a translation a row were most of the lists' rendering)."""
    traject_url, client_url = url_for("traject_detail"), url_for("client_detail")
    for traject in (*context["waiting"], *context["switch_requests"], *context["quiet"]):
        traject.url = traject_url(traject.uuid)
    for row in (*context["open_messages"], *context["evaluations"]):
        row.url = traject_url(row.traject.uuid)
    for consent in (*context["withdrawn"], *context["ending"]):
        consent.url = client_url(consent.client.uuid)
    for traject in context["waiting"]:
        traject.status_label = traject.get_status_display()
        traject.todo = _todo(traject, now)
    context["waiting_html"] = waiting_rows(context["waiting"])


def _todo(traject: Traject, now: datetime) -> str:
    """What the coach does next for a waiting traject (Traject.objects.waiting's phases)."""
    Status = Traject.Status
    if traject.status == Status.AANMELDING:
        if traject.kennismaking_mode == "email":
            return gettext("Kennismaking per e-mail gevraagd: schrijf de cliënt")
        return gettext("Kennismaking plannen")
    if traject.status == Status.KENNISMAKING:
        when = readable(traject.kennismaking_planned_at, time=True)
        return gettext("Kennismaking van %(when)s vastleggen") % {"when": when}
    if traject.status == Status.BEDENKTIJD:
        # (A day against today's date: timesince reads a date as its midnight.)
        since = timesince(traject.kennismaking_on, timezone.localdate(now))
        return gettext("Bedenktijd loopt al %(since)s: vraag naar het besluit") % {"since": since}
    if traject.status == Status.INTAKE:
        return gettext("Intake plannen of vastleggen")
    return ""


def _recent(coach, now: datetime) -> list[Traject]:
    """The dossiers changed last, each with its link and how long ago."""
    url = url_for("traject_detail")
    recent = RECENT.all(coach=coach.pk)
    for traject in recent:
        traject.url = url(traject.uuid)
        ago = timesince(traject.dossier_changed_at, now)
        traject.ago = gettext("%(time)s geleden") % {"time": ago}
    return recent


@require_safe
@role_required(Role.COACH)
def coach_dashboard(request: HttpRequest) -> HttpResponse:
    coach = request.user
    now = timezone.now()
    # First, so that what is new counts from the previous visit (one UPDATE; on PostgreSQL in
    # the statement that asks which lists have rows).
    profile = coach.coach_profile
    one_statement = connection.vendor == "postgresql"
    since = visit(profile, now, record=not one_statement)
    values = values_at(coach, now, since)
    if one_statement:
        (row,) = VISIT_AND_WHICH_HAVE_ROWS.rows(**values | visit_values(profile, now))
    else:
        (row,) = WHICH_HAVE_ROWS.rows(**values)
    found = has_rows(row, [*ASKED, *sections_with_rows()], list(COUNTS))
    # Every list with rows, the sections' and the recent dossiers, read in one round trip.
    reads = [
        *((SHOWN_ROWS[name], values) for name in _read(found)),
        *section_reads(values, found),
        (RECENT, {"coach": coach.pk}),
    ]
    with together(reads):
        shown = _shown(values, found)
        # What the apps above this one put here, per position: the day's appointments and
        # the days ahead at the top (sessions); past appointments without an outcome
        # (sessions), quote requests and draft invoices (billing) among the lists.
        sections = sections_for(coach, found)
        recent = _recent(coach, now)
    return render(
        request,
        "trajects/dashboard.html",
        {
            **shown,
            "counts": {"open": found["open"], "running": found["running"]},
            "bedenktijd_days": settings.PRAKTIJK_BEDENKTIJD_DAYS,
            "ending_days": ENDING_DAYS,
            "since": since,
            "first_visit": coach.coach_profile.today_since is None,
            "sections": sections,
            "recent": recent,
        },
    )
