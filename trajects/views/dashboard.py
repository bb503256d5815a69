"""The coach's dashboard (Vandaag): what needs attention today, from every app's section."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from coaching.dashboard import sections_for, visit
from coaching.models import Consent, Role
from coaching.roles import role_required
from trajects.models import Evaluation, Message, Traject
from trajects.services.email_coaching import quiet_conversations

# Rows per list on the dashboard: the rest is one click away, in the client list's filter of the
# same name (ATTENTION).
SHOWN = 10


def _first(queryset: QuerySet, n: int = SHOWN) -> tuple[list, int]:
    """The first n rows and how many there are in all, in one query (a count over a window)."""
    rows = list(queryset.annotate(total=Window(Count("pk")))[:n])
    return rows, rows[0].total if rows else 0


# How long a consent withdrawn by the client (or a parent) stays on the dashboard; the coach
# also got an e-mail (coaching.services.consents).
WITHDRAWN_DAYS = 14


def withdrawn_consents(coach) -> QuerySet:
    """Consents of the coach's clients withdrawn lately by the client or a parent."""
    since = timezone.localdate() - timedelta(days=WITHDRAWN_DAYS)
    return Consent.objects.withdrawn_by_others(coach, since=since)


# A consent that ends within this many days is on the dashboard: time to ask for a new one
# before a third-party contact is refused (DESIGN.md §4.5).
ENDING_DAYS = 30


def ending_consents(coach) -> QuerySet:
    """Consents of the coach's (current) clients, not withdrawn, whose last valid day is
    today or one of the next ENDING_DAYS days, and not renewed yet: a newer consent for the
    same third party, not withdrawn, that lasts longer (or has no end) took its place."""
    today = timezone.localdate()
    renewed = Consent.objects.filter(
        client=OuterRef("client"),
        third_party=OuterRef("third_party"),
        withdrawn_on__isnull=True,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until")))
    return Consent.objects.filter(
        client__coach=coach,
        client__erased_on__isnull=True,
        withdrawn_on__isnull=True,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=ENDING_DAYS),
    ).exclude(Exists(renewed))


def answered_evaluations(coach, since) -> QuerySet:
    """Evaluations of the coach's trajects filled in after `since`. A Backstage group's
    evaluation (no traject) is left out: its answers are read together, without names, on the
    group's page."""
    return Evaluation.objects.completed().filter(
        traject__client__coach=coach, completed_at__gt=since
    )


def attention(coach, name: str) -> QuerySet:
    """The trajects of one of the dashboard's lists (ClientFilterForm's ATTENTION_CHOICES)."""
    mine = Traject.objects.for_coach(coach)
    match name:
        case "wacht":
            return mine.waiting(bedenktijd_days=settings.PRAKTIJK_BEDENKTIJD_DAYS)
        case "antwoord":
            return mine.filter(pk__in=Message.objects.waiting().values("traject"))
        case "live":
            return mine.asking_for_sessions()
        case "stil":
            return quiet_conversations(coach)
    raise ValueError(name)


def _lists(coach, since) -> dict:
    """The dashboard's lists: of each the first SHOWN rows and how many there are."""
    lists = {
        ("waiting", "waiting_total"): attention(coach, "wacht")
        .select_related("client")
        .order_by("registered_on", "pk"),
        ("open_messages", "messages_total"): Message.objects.waiting()
        .filter(traject__client__coach=coach)
        .select_related("traject__client")
        .order_by("due_at", "pk"),
        ("switch_requests", "switch_total"): attention(coach, "live")
        .select_related("client")
        .order_by("switch_requested_at", "pk"),
        ("quiet", "quiet_total"): attention(coach, "stil")
        .select_related("client")
        .order_by("created_at", "pk"),
        ("withdrawn", "withdrawn_total"): withdrawn_consents(coach)
        .select_related("client", "third_party")
        .order_by("-withdrawn_on", "-pk"),
        ("ending", "ending_total"): ending_consents(coach)
        .select_related("client", "third_party")
        .order_by("valid_until", "pk"),
        ("evaluations", "evaluations_total"): answered_evaluations(coach, since)
        .select_related("traject__client", "questionnaire")
        .order_by("-completed_at", "-pk"),
    }
    context = {}
    for (name, total), queryset in lists.items():
        context[name], context[total] = _first(queryset)
    now = timezone.now()
    for message in context["open_messages"]:
        message.current_state = message.state(now)
    return context


@require_safe
@role_required(Role.COACH)
def coach_dashboard(request: HttpRequest) -> HttpResponse:
    # First, so that what is new counts from the previous visit (one UPDATE).
    since = visit(request.user.coach_profile, timezone.now())
    mine = Traject.objects.for_coach(request.user)
    return render(
        request,
        "trajects/dashboard.html",
        {
            **_lists(request.user, since),
            "counts": mine.open().aggregate(
                open=Count("pk"), running=Count("pk", filter=Q(status=Traject.Status.LOPEND))
            ),
            "bedenktijd_days": settings.PRAKTIJK_BEDENKTIJD_DAYS,
            "ending_days": ENDING_DAYS,
            "since": since,
            "first_visit": request.user.coach_profile.today_since is None,
            # What the apps above this one put here, per position: the day's appointments and
            # the days ahead at the top (sessions); past appointments without an outcome
            # (sessions), quote requests and draft invoices (billing) among the lists.
            "sections": sections_for(request.user),
            # The traject keeps when its dossier last changed (trajects.services.dossier): one
            # index.
            "recent": mine.filter(dossier_changed_at__isnull=False)
            .select_related("client")
            .order_by("-dossier_changed_at", "-pk")[:SHOWN],
        },
    )
