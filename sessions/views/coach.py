"""The coach's calendar: the week, appointments, the feed, and availability."""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coaching.confirm import ReasonForm, confirmation_page
from coaching.dates import readable
from coaching.models import Role
from coaching.roles import role_required
from sessions import ical
from sessions.access import (
    appointment_of_coach,
    appointment_of_user,
    busy_times_of_coach,
    calendar_feed_of_coach,
    calendar_feeds_of_coach,
    coach_of_feed,
    exception_of_coach,
    exceptions_of_coach,
    hours_block_of_coach,
    traject_to_plan,
    working_hours_of_coach,
)
from sessions.fees import (
    appointment_waive_fee,
    costs_nothing,
    fee_covered,
    fee_invoice_notes,
    fee_text,
    waivable,
)
from sessions.forms import (
    AppointmentForm,
    CalendarFeedForm,
    CancelForm,
    ExceptionForm,
    MarkForm,
    MoveForm,
    RulesForm,
    WorkingHoursForm,
)
from sessions.models import (
    CLIENT_SIDE,
    Appointment,
    AvailabilityException,
    BookingRules,
    CalendarFeed,
    CancelledBy,
    WorkingHours,
)
from sessions.notify import recipients
from sessions.reminders import reminders_of, reminders_to_come
from sessions.services.booking import (
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_move,
    can_cancel_free,
    cancel_deadline,
    cancellers,
)
from sessions.tasks import refresh_calendar_feed
from sessions.views.common import (
    _meeting_page,
    json_answer,
    start_asked,
    wants_json,
)

# --- The coach -------------------------------------------------------------------------------


def _appointment_of_the_coach(view):
    """For a view of one appointment (`<uuid:appointment>` in its URL): the coach's own, else a
    404; a Backstage meeting's leads to the meeting's page instead (_meeting_page)."""

    @wraps(view)
    def with_appointment(request: HttpRequest, appointment) -> HttpResponse:
        found = appointment_of_coach(request.user, appointment)
        if elsewhere := _meeting_page(found):
            return elsewhere
        return view(request, found)

    return with_appointment


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def appointment_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    if traject := traject_to_plan(request.user, request.GET.get("traject", "")):
        initial["traject"] = traject
    if start := start_asked(request.GET.get("start", "")):  # a free time clicked in the calendar
        initial["start"] = start
    form = AppointmentForm(request.POST or None, coach=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        minutes = data["minutes"] or data["session_type"].default_minutes
        try:
            appointment = appointment_book(
                coach=request.user,
                start=data["start"],
                end=data["start"] + timedelta(minutes=minutes),
                kind=data["session_type"].kind,
                mode=data["mode"],
                by=request.user,
                traject=data["traject"],
                session_type=data["session_type"],
                video_link=data["video_link"],
                location=data["location"],
                notify=True,  # the client's confirmation, of one still to come
            )
        except SlotTaken as taken:
            form.add_error("start", str(taken))
        else:
            messages.success(request, _("De afspraak staat in de agenda."))
            if busy_times_of_coach(request.user, appointment.start, appointment.end).exists():
                messages.warning(
                    request,
                    _("Let op: je bent op die tijd bezet in je eigen agenda."),
                )
            return redirect("appointment_detail", appointment=appointment.uuid)
    return render(
        request,
        "coaching/form_page.html",
        {"title": _("Nieuwe afspraak"), "forms": [form], "back": reverse("calendar_week")},
    )


@require_safe
@role_required(Role.COACH)
@_appointment_of_the_coach
def appointment_detail(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    reminders = list(reminders_of(appointment))
    rules = BookingRules.for_coach(appointment.coach)
    fee_note, waive_refused = "", ""
    if waivable(appointment):
        try:
            fee_note = " ".join(fee_invoice_notes(appointment))
        except ValidationError as refused:
            waive_refused = " ".join(refused.messages)
    return render(
        request,
        "sessions/appointment_detail.html",
        {
            "appointment": appointment,
            "move_form": MoveForm(initial={"start": timezone.localtime(appointment.start)}),
            "mark_form": MarkForm(initial={"status": Appointment.Status.COMPLETED}),
            "free_until": cancel_deadline(appointment, rules),
            "in_window": can_cancel_free(appointment, rules=rules),
            "past": appointment.start <= timezone.now(),
            "reminders": reminders,
            "reminders_to_come": reminders_to_come(appointment, reminders),
            "waivable": waivable(appointment) and not waive_refused,
            "fee_note": fee_note,
            "waive_refused": waive_refused,
        },
    )


@require_POST
@role_required(Role.COACH)
@_appointment_of_the_coach
def appointment_move_view(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    form = MoveForm(request.POST)
    # Dragged in the calendar (static/js/calendar.js): the same rules, the answer in JSON.
    as_json = wants_json(request)
    if form.is_valid() and appointment.status == Appointment.Status.BOOKED:
        start = form.cleaned_data["start"]
        try:
            moved = appointment_move(
                appointment=appointment,
                start=start,
                end=start + (appointment.end - appointment.start),
            )
        except SlotTaken as taken:
            if as_json:
                return json_answer(str(taken), status=409)
            messages.error(request, str(taken))
        except ValidationError as error:
            if as_json:
                return json_answer(" ".join(error.messages), status=409)
            messages.error(request, " ".join(error.messages))
        else:
            if as_json:
                return json_answer(
                    _("De afspraak is verzet naar %(when)s.") % {"when": _when(moved)}
                )
            messages.success(request, _("De afspraak is verzet."))
    elif not form.is_valid():
        if as_json:
            return json_answer(" ".join(form.errors.get("start", [])), status=400)
        messages.error(request, _("Kies een geldig nieuw begin."))
    elif as_json:
        return json_answer(_("Alleen een geplande afspraak kan worden verzet."), status=409)
    return redirect("appointment_detail", appointment=appointment.uuid)


def _free_anyway() -> str:
    """The cost sentence for an appointment that costs nothing itself (a free kennismaking):
    no fee goes on an invoice for it (sessions.fees.costs_nothing), so none is announced."""
    return _(
        "Geen kosten voor de cliënt: aan deze afspraak zijn geen kosten verbonden, ook niet als "
        "die te laat wordt afgezegd of gemist."
    )


def _when(appointment: Appointment) -> str:
    return readable(appointment.start, weekday=True, long=True, time=True)


def _told(appointment: Appointment) -> str:
    """Who hears of a cancellation by e-mail, as a sentence for the confirmation page."""
    client = appointment.client
    if client is None:
        return ""
    names = [name for _address, name, _language in recipients(appointment)]
    if not names:
        return _(
            "%(client)s krijgt geen e-mail (er is geen e-mailadres bekend): laat het zelf weten."
        ) % {"client": client}
    return ngettext(
        "%(names)s krijgt een e-mail met de annulering, met een bijlage die de afspraak uit de "
        "agenda haalt.",
        "%(names)s krijgen een e-mail met de annulering, met een bijlage die de afspraak uit de "
        "agenda haalt.",
        len(names),
    ) % {"names": get_text_list(names, _("en"))}


def cancel_choices(appointment: Appointment, *, late: bool) -> list[tuple[str, str]]:
    """ "Wie zegt af?", each answer with what it costs the client when it is late."""
    labels = {
        CancelledBy.CLIENT: _("de cliënt"),
        CancelledBy.PARENT: _("de ouder"),
        CancelledBy.COACH: _("ik, de coach"),
        CancelledBy.PRACTICE: _("de praktijk"),
    }
    fee = fee_text(appointment, Appointment.Status.CANCELLED_LATE) if late else ""
    choices = []
    for who in cancellers(appointment):
        label = labels[who]
        if late and who in CLIENT_SIDE:
            label = _("%(who)s – te laat afgezegd: %(fee)s") % {"who": label, "fee": fee}
        elif late:
            label = _("%(who)s – geen kosten voor de cliënt") % {"who": label}
        choices.append((who, label))
    return choices


def _cancel_cost(appointment: Appointment, deadline, *, late: bool) -> str:
    """What a cancellation costs the client, as a sentence for the confirmation page."""
    until = readable(deadline, weekday=True, time=True)
    if appointment.client is None:
        return ""
    if late and costs_nothing(appointment):
        return _free_anyway()
    if late and (covered := fee_covered(appointment, Appointment.Status.CANCELLED_LATE)):
        return _(
            "Kosteloos afzeggen kon tot %(until)s. Zegt de cliënt of een ouder nu af, dan is dat "
            "te laat: dat kost %(fee)s (je kunt het daarna nog kwijtschelden). Zeg jij of de "
            "praktijk af, dan zijn er geen kosten voor de cliënt."
        ) % {"until": until, "fee": covered}
    if late:
        return _(
            "Kosteloos afzeggen kon tot %(until)s. Zegt de cliënt of een ouder nu af, dan is dat "
            "te laat: %(fee)s, op de volgende factuur (je kunt het daarna nog kwijtschelden). "
            "Zeg jij of de praktijk af, dan zijn er geen kosten voor de cliënt."
        ) % {"until": until, "fee": fee_text(appointment, Appointment.Status.CANCELLED_LATE)}
    return _("Geen kosten: kosteloos afzeggen kan tot %(until)s.") % {"until": until}


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
@_appointment_of_the_coach
def appointment_cancel_view(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """Asks first (who cancels, why, what it costs), then cancels on POST."""
    back = reverse("appointment_detail", args=[appointment.uuid])
    if appointment.status != Appointment.Status.BOOKED or appointment.start <= timezone.now():
        messages.error(
            request,
            _("Alleen een geplande afspraak die nog moet komen kan worden geannuleerd."),
        )
        return redirect(back)
    deadline = cancel_deadline(appointment)
    late = timezone.now() > deadline
    form = CancelForm(
        request.POST if request.method == "POST" else None,
        choices=cancel_choices(appointment, late=late),
    )
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = appointment_cancel(
                appointment=appointment,
                by=request.user,
                cancelled_by=form.cleaned_data["cancelled_by"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("De afspraak is %(status)s.") % {"status": cancelled.status_text}
            )
        return redirect(back)
    consequences = [
        _("De afspraak van %(when)s wordt geannuleerd; de tijd komt vrij in je agenda.")
        % {"when": _when(appointment)},
        _told(appointment),
    ]
    return confirmation_page(
        request,
        title=_("Afspraak annuleren"),
        consequences=[sentence for sentence in consequences if sentence],
        cost=_cancel_cost(appointment, deadline, late=late),
        form=form,
        confirm_label=_("Afspraak annuleren"),
        back=back,
    )


def _back_to(request: HttpRequest, default: str) -> str:
    """Where a step goes back to: the page it was taken on when it says so (`next`, e.g.
    Vandaag) and that page is on this site; else `default`. Another host, or a
    scheme-relative "//elsewhere", is never followed."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: "/coach/". Anything else (a bare word would be taken for a
    # view's name by redirect(), a control character cannot go in a header) is not followed.
    if (
        wanted.startswith("/")
        and wanted.isprintable()
        and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return wanted
    return default


@require_POST
@role_required(Role.COACH)
@_appointment_of_the_coach
def appointment_mark_view(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    back = _back_to(request, reverse("appointment_detail", args=[appointment.uuid]))
    if request.POST.get("status") == Appointment.Status.NO_SHOW:
        # A no-show may cost the client something: it asks first.
        no_show = reverse("appointment_no_show", args=[appointment.uuid])
        came_from = "" if back == reverse("appointment_detail", args=[appointment.uuid]) else back
        return redirect(f"{no_show}?{urlencode({'next': came_from})}" if came_from else no_show)
    form = MarkForm(request.POST)
    if form.is_valid():
        try:
            marked = appointment_mark(appointment=appointment, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, " ".join([_("Vastgelegd."), *marked.invoice_notes]))
    return redirect(back)


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
@_appointment_of_the_coach
def appointment_no_show_view(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """ "Niet verschenen": asks first (what it costs the client), records it on POST."""
    # Vandaag sends the coach here with next=/coach/: "Terug" and the step return there.
    back = _back_to(request, reverse("appointment_detail", args=[appointment.uuid]))
    if appointment.status == Appointment.Status.NO_SHOW:  # a second click: nothing to do
        messages.info(request, _("Deze afspraak staat al als niet verschenen vastgelegd."))
        return redirect(back)
    if appointment.start > timezone.now() or appointment.status not in (
        Appointment.Status.BOOKED,
        Appointment.Status.COMPLETED,
    ):
        messages.error(
            request,
            _(
                "Niet verschenen leg je vast bij een afspraak die niet is geannuleerd en al is "
                "begonnen of voorbij is."
            ),
        )
        return redirect(back)
    if request.method == "POST":
        try:
            marked = appointment_mark(appointment=appointment, status=Appointment.Status.NO_SHOW)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, " ".join([_("Vastgelegd: niet verschenen."), *marked.invoice_notes])
            )
        return redirect(back)
    client = appointment.client
    consequences = [
        _("De afspraak van %(when)s wordt vastgelegd als niet verschenen.")
        % {"when": _when(appointment)}
    ]
    cost = ""
    if client is not None:
        consequences.append(_("%(client)s krijgt hier geen e-mail over.") % {"client": client})
    if client is not None and costs_nothing(appointment):
        cost = _free_anyway()
    elif client is not None and (covered := fee_covered(appointment, Appointment.Status.NO_SHOW)):
        cost = _(
            "Kosten voor de cliënt: %(fee)s. Was er een goede reden, dan kun je het daarna "
            "kwijtschelden."
        ) % {"fee": covered}
    elif client is not None:
        cost = _(
            "Kosten voor de cliënt: %(fee)s (het tarief voor niet verschijnen), op de volgende "
            "factuur. Was er een goede reden, dan kun je het daarna kwijtschelden."
        ) % {"fee": fee_text(appointment, Appointment.Status.NO_SHOW)}
    return confirmation_page(
        request,
        title=_("Niet verschenen vastleggen"),
        consequences=consequences,
        cost=cost,
        confirm_label=_("Vastleggen: niet verschenen"),
        back=back,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
@_appointment_of_the_coach
def appointment_waive_fee_view(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """ "Kosten kwijtschelden" of a late cancellation or a no-show, with a reason, until the fee
    is on a sent invoice (on a draft, its line is taken off)."""
    back = reverse("appointment_detail", args=[appointment.uuid])
    if not waivable(appointment):
        messages.error(
            request,
            _("Alleen de kosten van een te late afzegging of een no-show kun je kwijtschelden."),
        )
        return redirect(back)
    try:
        notes = fee_invoice_notes(appointment)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect(back)
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        label=_("Waarom vervallen de kosten?"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            _waived, notes = appointment_waive_fee(
                appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, " ".join([_("De kosten zijn kwijtgescholden."), *notes]))
        return redirect(back)
    return confirmation_page(
        request,
        title=_("Kosten kwijtschelden"),
        consequences=[
            _(
                "De kosten van deze afspraak (%(status)s, %(when)s) vervallen: ze komen niet op "
                "een factuur."
            )
            % {"status": appointment.get_status_display(), "when": _when(appointment)},
            *notes,
        ],
        cost=_("Dit scheelt de cliënt %(fee)s.")
        % {"fee": fee_text(appointment, appointment.status)},
        form=form,
        confirm_label=_("Kosten kwijtschelden"),
        back=back,
        danger=False,
    )


@require_POST
@role_required(Role.COACH)
def calendar_feed_renew(request: HttpRequest) -> HttpResponse:
    profile = request.user.coach_profile
    from coaching.models.accounts import new_calendar_token

    profile.calendar_token = new_calendar_token()
    profile.save(update_fields=["calendar_token"])
    messages.success(request, _("Er is een nieuw agenda-adres; het oude werkt niet meer."))
    return redirect("calendar_week")


@require_safe
def calendar_feed(request: HttpRequest, feed_token: str) -> HttpResponse:
    """The coach's private feed for calendar apps: the secret in the URL is the key."""
    coach = coach_of_feed(feed_token)
    response = HttpResponse(ical.coach_feed(coach), content_type="text/calendar")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
def appointment_ics(request: HttpRequest, appointment: str) -> HttpResponse:
    """One appointment as .ics, for its coach or its client (or a parent of the child)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    found = appointment_of_user(request.user, appointment)
    response = HttpResponse(
        ical.for_client(found, language=request.LANGUAGE_CODE), content_type="text/calendar"
    )
    response["Content-Disposition"] = 'attachment; filename="afspraak.ics"'
    return response


# --- The coach's availability ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def availability(request: HttpRequest) -> HttpResponse:
    """Working hours, exceptions and booking rules of the coach, on one page."""
    coach = request.user
    rules, _created = BookingRules.objects.get_or_create(coach=coach)
    # Each form on the page: the POST action that fills it, and what it says once saved.
    kinds = {
        "add_hours": (WorkingHoursForm, WorkingHours(coach=coach), _("De werktijd is toegevoegd.")),
        "add_feed": (
            CalendarFeedForm,
            CalendarFeed(coach=coach),
            _("De agenda is gekoppeld; hij wordt nu opgehaald. Ververs de pagina straks."),
        ),
        "add_exception": (
            ExceptionForm,
            AvailabilityException(coach=coach),
            _("De uitzondering is toegevoegd."),
        ),
        "rules": (RulesForm, rules, _("De boekingsregels zijn opgeslagen.")),
    }
    action = request.POST.get("action") if request.method == "POST" else None
    finders = {
        "delete_hours": hours_block_of_coach,
        "delete_exception": exception_of_coach,
        "delete_feed": calendar_feed_of_coach,
    }
    if action in finders:
        if finders[action](coach, request.POST.get("id", "")).delete()[0]:
            messages.success(request, _("Verwijderd."))
        return redirect("availability")
    if action == "refresh_feed":
        feed = calendar_feed_of_coach(coach, request.POST.get("id", "")).first()
        if feed is not None:
            refresh_calendar_feed.delay_on_commit(feed.pk)
            messages.info(request, _("De agenda wordt opgehaald. Ververs de pagina straks."))
        return redirect("availability")
    if request.method == "POST" and action not in kinds:
        raise Http404
    forms = {
        name: form_class(request.POST if name == action else None, instance=instance)
        for name, (form_class, instance, _saved) in kinds.items()
    }
    if action and forms[action].is_valid():
        saved = forms[action].save()
        if action == "add_feed":
            refresh_calendar_feed.delay_on_commit(saved.pk)
        messages.success(request, kinds[action][2])
        return redirect("availability")
    return render(
        request,
        "sessions/availability.html",
        {
            "hours": working_hours_of_coach(coach),
            "exceptions": exceptions_of_coach(coach).filter(date__gte=timezone.localdate()),
            "hours_form": forms["add_hours"],
            "exception_form": forms["add_exception"],
            "rules_form": forms["rules"],
            "feeds": calendar_feeds_of_coach(coach).order_by("created_at"),
            "feed_form": forms["add_feed"],
        },
    )
