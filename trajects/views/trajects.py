"""A traject and its dossier: the steps of the method, the intake, and dossier entries with
their corrections."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
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
from coaching.dates import readable
from coaching.models import Role
from coaching.roles import role_required
from trajects.access import entry_of_coach, traject_of_coach, traject_page_of_coach
from trajects.conversation_html import messages_html
from trajects.forms import (
    CorrectionForm,
    EntryForm,
    IntakeForm,
    MessageForm,
    StepForm,
    TrajectForm,
)
from trajects.models import Traject
from trajects.services.dossier import (
    dossier_entry_correct,
    dossier_entry_create,
    dossier_read,
    intake_update,
    traject_create,
    traject_step_take,
)
from trajects.services.email_coaching import conversation_messages
from trajects.services.evaluations import chart, traject_evaluations
from trajects.services.intake_prep import coach_rows, intake_initial, preparation
from trajects.timeline_html import timeline_html

# The steps that end a traject: their page is a confirmation that says what goes with them.
ENDING_STEPS = ("stop", "close")


def _errors_to_form(form, error: ValidationError) -> None:
    """A rule of the model, broken: shown at its field (or at the top), in the user's words."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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
    return traject_page(request, traject_page_of_coach(request.user, traject))


def traject_page(
    request: HttpRequest, traject: Traject, *, message_form: MessageForm | None = None
) -> HttpResponse:
    """The traject (from traject_page_of_coach) with its dossier and conversation;
    message_form is a refused reply, shown again with its text and the reason."""
    # Every opening of a dossier is recorded (DESIGN.md §7), also this one.
    record(request, Action.VIEW, What.DOSSIER, client=traject.client, obj=traject)
    dossier = dossier_read(traject)
    intake_versions = dossier.intake_versions
    conversation, conversation_html, earlier = None, "", 0
    if traject.kind == Traject.Kind.EMAIL or traject.has_messages:
        conversation, earlier = conversation_messages(traject, everything="alle" in request.GET)
        conversation_html = messages_html(
            conversation, show_deadline=traject.takes_messages, now=timezone.now()
        )
        if message_form is None and traject.takes_messages:
            # The reply answers the messages up to the last one on the screen.
            seen = conversation[-1].pk if conversation else None
            message_form = MessageForm(initial={"seen": seen})
    evaluations, scores = traject_evaluations(traject)
    prep, agreement_rows = coach_rows(traject)
    return render(
        request,
        "trajects/traject_detail.html",
        {
            "traject": traject,
            "client": traject.client,
            "timeline_html": timeline_html(dossier.timeline),
            "intake": intake_versions[0] if intake_versions else None,
            "intake_versions": intake_versions[1:],
            "views": AuditEvent.objects.openings_per_day(
                str(traject.uuid), since=traject.created_at
            ),
            "steps": traject.possible_steps(),
            "can_write": not traject.is_closed,
            "conversation": conversation,
            "conversation_html": conversation_html,
            "earlier": earlier,
            "message_form": message_form,
            "evaluations": evaluations,
            "chart": chart(scores),
            "evaluate_every": settings.PRAKTIJK_EVALUATION_EVERY_SESSIONS,
            "prep": prep,
            "preparing": traject.status == Traject.Status.INTAKE,
            "agreement_rows": agreement_rows,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def traject_step(request: HttpRequest, traject: str, step: str) -> HttpResponse:
    traject = traject_of_coach(request.user, traject)
    if step not in Traject.STEPS:
        raise Http404
    # The intake form starts from the answers to the intake questionnaire (the coach edits).
    initial = intake_initial(traject) if step == "record_intake" else None
    if initial and request.method == "GET":  # the client's answers: part of the intake
        record(request, Action.VIEW, What.INTAKE, client=traject.client, obj=traject)
    form = StepForm(request.POST or None, step=step, traject=traject, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            traject_step_take(traject=traject, step=step, by=request.user, data=data)
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
        # to come are cancelled and the client is told (the calendar's preview).
        return confirmation_page(
            request,
            title=title,
            consequences=traject.step_consequences(step),
            form=form,
            confirm_label=Traject.STEPS[step].label,
            back=_traject_url(traject),
            danger=step == "stop",
        )
    back = _traject_url(traject)
    page = {"title": title, "forms": [form], "back": back}
    if step == "record_intake":
        page["intro"] = _intake_intro(traject, prefilled=bool(initial))
    return render(request, "coaching/form_page.html", page)


def _intake_intro(traject: Traject, *, prefilled: bool) -> str:
    """What the intake's form says first: where its text comes from, and what is still missing
    of the preparation."""
    parts = []
    if prefilled:
        parts.append(
            _(
                "De velden zijn ingevuld met de antwoorden op de intakevragenlijst. Pas ze aan "
                "naar wat jullie in het gesprek bespraken."
            )
        )
    missing = preparation(traject).agreement.missing()
    if missing:
        parts.append(
            _("Let op: de coachingsovereenkomst is nog niet rond.") + " " + " ".join(missing)
        )
    return " ".join(parts)


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
