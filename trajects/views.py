"""The coach's daily work: dashboard, clients with their trajects, and the traject's dossier."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Window
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from audit.log import Action, What, record
from audit.models import AuditEvent
from coaching.access import client_of_coach
from coaching.confirm import confirmation_page
from coaching.dashboard import sections_for, visit
from coaching.dates import readable
from coaching.models import Client, Consent, Role
from coaching.roles import role_required
from trajects.access import entry_of_coach, traject_of_coach
from trajects.email_coaching import conversation_messages, quiet_conversations
from trajects.evaluations import chart, scores_over_time, state_of
from trajects.forms import (
    ATTENTION_CHOICES,
    ClientFilterForm,
    CorrectionForm,
    EntryForm,
    IntakeForm,
    MessageForm,
    StepForm,
    TrajectForm,
)
from trajects.models import DossierEntryVersion, Evaluation, Message, Traject
from trajects.services import (
    dossier_entry_correct,
    dossier_entry_create,
    intake_record,
    intake_update,
    traject_create,
)


def _errors_to_form(form, error: ValidationError) -> None:
    """A rule of the model, broken: shown at its field (or at the top), in the user's words."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# The steps that end a traject: their page is a confirmation that says what goes with them.
ENDING_STEPS = ("stop", "close")

# Rows per list on the dashboard: the rest is one click away, in the client list's filter of the
# same name (ATTENTION).
SHOWN = 10


def _first(queryset: QuerySet, n: int = SHOWN) -> tuple[list, int]:
    """The first n rows and how many there are in all, in one query (a count over a window)."""
    rows = list(queryset.annotate(total=Window(Count("pk")))[:n])
    return rows, rows[0].total if rows else 0


# How long a consent withdrawn by the client (or a parent) stays on the dashboard; the coach
# also got an e-mail (coaching.consents).
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


@require_safe
@role_required(Role.COACH)
def coach_dashboard(request: HttpRequest) -> HttpResponse:
    # First, so that what is new counts from the previous visit (one UPDATE).
    since = visit(request.user.coach_profile, timezone.now())
    mine = Traject.objects.for_coach(request.user)
    waiting, waiting_total = _first(
        attention(request.user, "wacht").select_related("client").order_by("registered_on", "pk")
    )
    open_messages, messages_total = _first(
        Message.objects.waiting()
        .filter(traject__client__coach=request.user)
        .select_related("traject__client")
        .order_by("due_at", "pk")
    )
    now = timezone.now()
    for message in open_messages:
        message.current_state = message.state(now)
    switch_requests, switch_total = _first(
        attention(request.user, "live")
        .select_related("client")
        .order_by("switch_requested_at", "pk")
    )
    quiet, quiet_total = _first(
        attention(request.user, "stil").select_related("client").order_by("created_at", "pk")
    )
    withdrawn, withdrawn_total = _first(
        withdrawn_consents(request.user)
        .select_related("client", "third_party")
        .order_by("-withdrawn_on", "-pk")
    )
    ending, ending_total = _first(
        ending_consents(request.user)
        .select_related("client", "third_party")
        .order_by("valid_until", "pk")
    )
    evaluations, evaluations_total = _first(
        answered_evaluations(request.user, since)
        .select_related("traject__client", "questionnaire")
        .order_by("-completed_at", "-pk")
    )
    return render(
        request,
        "trajects/dashboard.html",
        {
            "counts": mine.open().aggregate(
                open=Count("pk"), running=Count("pk", filter=Q(status=Traject.Status.LOPEND))
            ),
            "bedenktijd_days": settings.PRAKTIJK_BEDENKTIJD_DAYS,
            "waiting": waiting,
            "waiting_total": waiting_total,
            "open_messages": open_messages,
            "messages_total": messages_total,
            "switch_requests": switch_requests,
            "switch_total": switch_total,
            "quiet": quiet,
            "quiet_total": quiet_total,
            "withdrawn": withdrawn,
            "withdrawn_total": withdrawn_total,
            "ending": ending,
            "ending_total": ending_total,
            "ending_days": ENDING_DAYS,
            "evaluations": evaluations,
            "evaluations_total": evaluations_total,
            "since": since,
            "first_visit": request.user.coach_profile.today_since is None,
            # What the apps above this one put here, per position: the day's appointments and
            # the days ahead at the top (sessions); past appointments without an outcome
            # (sessions), quote requests and draft invoices (billing) among the lists.
            "sections": sections_for(request.user),
            # The traject keeps when its dossier last changed (trajects.services): one index.
            "recent": mine.filter(dossier_changed_at__isnull=False)
            .select_related("client")
            .order_by("-dossier_changed_at", "-pk")[:SHOWN],
        },
    )


@require_safe
@role_required(Role.COACH)
def client_list(request: HttpRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET or None)
    # What the form accepts (each valid field, also when another is not): a search with a NUL
    # character gets the form's error, not a query the database refuses; an unknown status
    # filters nothing.
    form.is_valid()
    search = getattr(form, "cleaned_data", {})
    clients = (
        Client.objects.for_coach(request.user)
        .named(search.get("q", ""))
        .select_related("organisation")
    )
    status = search.get("status", "")
    if status in Traject.Status.values:
        clients = clients.filter(trajects__status=status).distinct()
    elif status == "ingetrokken":
        clients = clients.filter(pk__in=withdrawn_consents(request.user).values("client"))
    elif status == "verloopt":
        clients = clients.filter(pk__in=ending_consents(request.user).values("client"))
    elif status in dict(ATTENTION_CHOICES):
        clients = clients.filter(pk__in=attention(request.user, status).values("client"))
    clients = clients.prefetch_related(
        Prefetch("trajects", queryset=Traject.objects.order_by("-registered_on"))
    )
    page = Paginator(clients, 25).get_page(request.GET.get("page"))
    return render(request, "trajects/client_list.html", {"form": form, "page": page})


@require_safe
@role_required(Role.COACH)
def client_detail(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    record(request, Action.VIEW, What.CLIENT, client=client, obj=client)
    return render(
        request,
        "trajects/client_detail.html",
        {
            "client": client,
            "guardians": client.guardians.select_related("account"),
            "trajects": client.trajects.order_by("-registered_on"),
            "third_parties": _parties_with_consents(client),
            "today": timezone.localdate(),
        },
    )


def _parties_with_consents(client: Client) -> list:
    """The client's third parties, each with its consents (newest first), in two queries."""
    parties = list(client.third_parties.all())
    by_party = {party.pk: [] for party in parties}
    for consent in Consent.objects.filter(client=client).select_related("given_by_guardian"):
        by_party[consent.third_party_id].append(consent)
    for party in parties:
        party.consent_list = by_party[party.pk]
    return parties


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def traject_new(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    form = TrajectForm(request.POST or None, initial={"registered_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        traject = traject_create(client=client, **form.cleaned_data)
        record(request, Action.CREATE, What.DOSSIER, client=client, obj=traject)
        messages.success(request, _("Het traject is aangemaakt."))
        return redirect("traject_detail", traject=traject.uuid)
    return render(
        request,
        "coaching/form_page.html",
        {
            "title": _("Nieuw traject voor %(name)s") % {"name": client},
            "forms": [form],
            "back": reverse("client_detail", args=[client.uuid]),
        },
    )


@require_safe
@role_required(Role.COACH)
def traject_detail(request: HttpRequest, traject: str) -> HttpResponse:
    return traject_page(request, traject_of_coach(request.user, traject))


def traject_page(
    request: HttpRequest, traject: Traject, *, message_form: MessageForm | None = None
) -> HttpResponse:
    """The traject with its dossier and conversation; message_form is a refused reply, shown
    again with its text and the reason."""
    # Every opening of a dossier is recorded (DESIGN.md §7), also this one.
    record(request, Action.VIEW, What.DOSSIER, client=traject.client, obj=traject)
    entries = traject.entries.select_related("third_party", "created_by").prefetch_related(
        Prefetch(
            "versions",
            queryset=DossierEntryVersion.objects.select_related("created_by").order_by("-number"),
        )
    )
    intake_versions = list(traject.intake_versions.select_related("created_by"))
    conversation, earlier = None, 0
    if traject.kind == Traject.Kind.EMAIL or traject.messages.exists():
        conversation, earlier = conversation_messages(traject, everything="alle" in request.GET)
    evaluations = list(
        traject.evaluations.select_related("questionnaire").prefetch_related("answers__question")
    )
    for evaluation in evaluations:
        evaluation.is_expired = state_of(evaluation) == "expired"
    timeline = sorted(
        [("step", event.on, event) for event in traject.events.select_related("by")]
        + [("entry", entry.occurred_on, entry) for entry in entries],
        key=lambda item: (item[1], item[0] == "entry"),
        reverse=True,
    )
    return render(
        request,
        "trajects/traject_detail.html",
        {
            "traject": traject,
            "client": traject.client,
            "timeline": timeline,
            "intake": intake_versions[0] if intake_versions else None,
            "intake_versions": intake_versions[1:],
            "views": AuditEvent.objects.openings_per_day(str(traject.uuid)),
            "steps": traject.possible_steps(),
            "can_write": not traject.is_closed,
            "conversation": conversation,
            "earlier": earlier,
            "message_form": message_form
            or MessageForm(initial={"seen": conversation[-1].pk if conversation else None}),
            "now": timezone.now(),
            "evaluations": evaluations,
            "chart": chart(scores_over_time(traject.client)),
            "evaluate_every": settings.PRAKTIJK_EVALUATION_EVERY_SESSIONS,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def traject_step(request: HttpRequest, traject: str, step: str) -> HttpResponse:
    traject = traject_of_coach(request.user, traject)
    if step not in Traject.STEPS:
        raise Http404
    form = StepForm(request.POST or None, step=step, traject=traject)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if step == "record_intake":
                intake_record(
                    traject=traject,
                    by=request.user,
                    held_on=data["on"],
                    **{name: data[name] for name in IntakeForm.base_fields},
                )
            else:
                traject.advance(
                    step,
                    by=request.user,
                    on=data["on"],
                    note=data.get("note", ""),
                    planned_at=data.get("planned_at"),
                    mode=data.get("mode", ""),
                    start_directly=data.get("start_directly", False),
                    kind=data.get("kind", ""),
                )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            record(
                request,
                Action.CHANGE,
                What.DOSSIER,
                client=traject.client,
                obj=traject,
                detail=step,
            )
            traject.refresh_from_db()
            messages.success(
                request,
                _("Vastgelegd. Het traject is nu in de fase ‘%(status)s’.")
                % {"status": traject.get_status_display()},
            )
            return redirect("traject_detail", traject=traject.uuid)
    title = f"{Traject.STEPS[step].label} – {traject.client}"
    if step in ENDING_STEPS:
        # Stopping or closing asks first and says what else goes with it: the appointments
        # to come are cancelled and the client is told (the calendar's preview, issue 18).
        return confirmation_page(
            request,
            title=title,
            consequences=traject.step_consequences(step),
            form=form,
            confirm_label=Traject.STEPS[step].label,
            back=_traject_url(traject),
            danger=step == "stop",
        )
    return render(
        request,
        "coaching/form_page.html",
        {
            "title": title,
            "forms": [form],
            "back": _traject_url(traject),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def intake_edit(request: HttpRequest, traject: str) -> HttpResponse:
    traject = traject_of_coach(request.user, traject)
    if request.method == "GET":  # the form shows the intake
        record(request, Action.VIEW, What.INTAKE, client=traject.client, obj=traject)
    current = traject.intake_versions.first()
    if current is None:
        messages.info(
            request, _("Leg eerst de intake vast; daarna kun je het intakeverslag bijwerken.")
        )
        return redirect("traject_detail", traject=traject.uuid)
    initial = {name: getattr(current, name) for name in IntakeForm.base_fields}
    form = IntakeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Er is niets veranderd."))
        else:
            intake_update(traject=traject, by=request.user, **form.cleaned_data)
            record(request, Action.CHANGE, What.INTAKE, client=traject.client, obj=traject)
            messages.success(request, _("Het intakeverslag is bijgewerkt (nieuwe versie)."))
        return redirect("traject_detail", traject=traject.uuid)
    return render(
        request,
        "coaching/form_page.html",
        {
            "title": _("Intakeverslag – %(name)s") % {"name": traject.client},
            "forms": [form],
            "back": _traject_url(traject),
            "intro": _("Elke wijziging wordt een nieuwe versie; eerdere versies blijven leesbaar."),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def entry_new(request: HttpRequest, traject: str) -> HttpResponse:
    traject = traject_of_coach(request.user, traject)
    form = EntryForm(request.POST or None, traject=traject, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = dossier_entry_create(traject=traject, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            record(request, Action.CREATE, What.ENTRY, client=traject.client, obj=entry)
            messages.success(request, _("De aantekening staat in het dossier."))
            return redirect("traject_detail", traject=traject.uuid)
    return render(
        request,
        "coaching/form_page.html",
        {
            "title": _("Nieuwe aantekening – %(name)s") % {"name": traject.client},
            "forms": [form],
            "back": _traject_url(traject),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def entry_correct(request: HttpRequest, entry: str) -> HttpResponse:
    entry = entry_of_coach(request.user, entry)
    if request.method == "GET":  # the form shows the note
        record(request, Action.VIEW, What.ENTRY, client=entry.traject.client, obj=entry)
    current = entry.versions.first()
    form = CorrectionForm(request.POST or None, initial={"text": current.text})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["text"].strip() == current.text.strip():
            messages.info(request, _("Er is niets veranderd."))
        else:
            dossier_entry_correct(entry=entry, by=request.user, text=form.cleaned_data["text"])
            record(request, Action.CHANGE, What.ENTRY, client=entry.traject.client, obj=entry)
            messages.success(
                request, _("De correctie is opgeslagen; de vorige tekst blijft leesbaar.")
            )
        return redirect("traject_detail", traject=entry.traject.uuid)
    return render(
        request,
        "coaching/form_page.html",
        {
            "title": _("Aantekening corrigeren – %(kind)s van %(day)s")
            % {"kind": entry.get_kind_display(), "day": readable(entry.occurred_on, long=True)},
            "forms": [form],
            "back": _traject_url(entry.traject),
        },
    )


def _traject_url(traject: Traject) -> str:
    return reverse("traject_detail", args=[traject.uuid])
