"""The coachee (or a parent for a child): appointments, online booking, moving, cancelling."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from coaching.confirm import ReasonForm, confirmation_page
from coaching.dates import readable
from coaching.models import Client, Role
from coaching.roles import role_required
from sessions.booking import (
    SlotTaken,
    appointment_cancel,
    appointment_move,
    bookable_kinds,
    cancel_deadline,
    free_cancel_until,
    online_booking_refusal,
    portal_book,
)
from sessions.models import Appointment, BookingRules, SessionType
from sessions.portal_extras import portal_extras
from sessions.slots import free_slots
from sessions.views.common import (
    _appointment_of_account,
    _client_may_change,
    _mail,
    _monday,
    _slot,
    _tell_coach,
    refusal,
)
from trajects.models import Traject

# --- The coachee (or a parent) -----------------------------------------------------------------


@require_safe
@role_required(Role.CLIENT)
def portal_appointments(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.for_account(request.user)
    appointments = Appointment.objects.filter(traject__client__in=clients).select_related(
        "traject__client", "coach__coach_profile", "session_type"
    )
    now = timezone.now()
    trajects = Traject.objects.filter(client__in=clients).open().select_related("client")
    bookable = SessionType.objects.filter(active=True, bookable_online=True)
    offers = [
        (traject, [t for t in bookable if t.kind in bookable_kinds(traject)])
        for traject in trajects
    ]
    rules = _rules_per_coach(appointments)
    for appointment in appointments:
        appointment.may_change = _client_may_change(appointment, rules[appointment.coach_id])
        # Until when it can be moved or cancelled free of charge (issue 18, point 3).
        appointment.free_until = cancel_deadline(appointment, rules[appointment.coach_id])
    # Other apps' appointments of this account (a Backstage group's meetings), each shown by
    # its own template (sessions.portal_extras).
    appointments = sorted([*appointments, *portal_extras(request.user)], key=lambda a: a.start)
    return render(
        request,
        "sessions/portal_appointments.html",
        {
            "upcoming": [a for a in appointments if a.end >= now and a.is_active],
            "past": [a for a in appointments if a.end < now or not a.is_active][::-1][:20],
            "offers": [(traject, types) for traject, types in offers if types],
            "now": now,
        },
    )


def _rules_per_coach(appointments) -> dict:
    """Each coach's booking rules, once per coach (a parent's children may have two coaches)."""
    coaches = {appointment.coach_id: appointment.coach for appointment in appointments}
    return {pk: BookingRules.for_coach(coach) for pk, coach in coaches.items()}


def _inside_window(request: HttpRequest, coach, start) -> dict | None:
    """Booking (or moving to) a time inside the cancellation window warns first: afterwards it
    cannot be cancelled or moved online (issue 18, point 3). None: no warning (any more)."""
    if request.POST.get("inside_window") == "ok":
        return None
    rules = BookingRules.for_coach(coach)
    deadline = free_cancel_until(coach, start, rules)
    if timezone.now() <= deadline:
        return None
    return {"slot": start, "deadline": deadline, "hours": _hours(rules.cancel_window)}


def _slots_by_day(slots) -> dict[date, list]:
    by_day: dict[date, list] = {}
    for slot in slots:
        by_day.setdefault(timezone.localtime(slot).date(), []).append(slot)
    return by_day


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_book_view(request: HttpRequest, traject: str, session_type: int) -> HttpResponse:
    traject = get_object_or_404(
        Traject.objects.filter(client__in=Client.objects.for_account(request.user)).select_related(
            "client__coach__coach_profile"
        ),
        uuid=traject,
    )
    session_type = get_object_or_404(
        SessionType.objects.filter(active=True, bookable_online=True), pk=session_type
    )
    if session_type.kind not in bookable_kinds(traject):
        raise Http404
    coach = traject.client.coach
    mode = request.POST.get("mode") or request.GET.get("mode") or session_type.allowed_modes[0]
    error, warning, chosen = None, None, ""
    # At the limit of open online bookings: said before any time is chosen (issue 18, point 5).
    # portal_book checks it again, under a lock.
    full = online_booking_refusal(traject.client, account=request.user)
    if mode not in session_type.allowed_modes:
        if request.method == "POST":
            error = _("Kies een vorm die bij deze afspraak hoort.")
        mode = session_type.allowed_modes[0]
    elif request.method == "POST" and not full:
        try:
            start = _slot(request.POST.get("slot", ""))
            chosen = start.isoformat()
            duration = timedelta(minutes=session_type.default_minutes)
            day = timezone.localtime(start).date()
            if start not in free_slots(
                coach=coach, duration=duration, first=day, days=1, mode=mode
            ):
                raise SlotTaken  # no warning for a time that cannot be booked anyway
            warning = _inside_window(request, coach, start)
            if warning is None:
                appointment = portal_book(
                    account=request.user,
                    traject=traject,
                    session_type=session_type,
                    start=start,
                    mode=mode,
                )
        except ValueError:
            error = _("Kies een tijdstip.")
        except SlotTaken as taken:
            error = str(taken)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            if warning is None:
                _mail(appointment, "booked")
                _tell_coach(appointment, "booked")
                messages.success(
                    request, _("Je afspraak staat vast. Je krijgt een bevestiging per e-mail.")
                )
                return redirect("portal_appointments")
    first = _monday(request.GET.get("week"))
    first = max(first, timezone.localdate())
    rules = BookingRules.for_coach(coach)
    slots = (
        []
        if full
        else free_slots(
            coach=coach,
            duration=timedelta(minutes=session_type.default_minutes),
            first=first,
            days=14,
            mode=mode,
            rules=rules,
        )
    )
    return render(
        request,
        "sessions/portal_book.html",
        {
            "traject": traject,
            "session_type": session_type,
            "mode": mode,
            "modes": [
                (value, label)
                for value, label in Appointment._meta.get_field("mode").choices
                if value in session_type.allowed_modes
            ],
            "by_day": _slots_by_day(slots).items(),
            "error": error or full,
            "full": bool(full),
            "warning": warning,
            "chosen": chosen,
            "cancel_hours": _hours(rules.cancel_window),
            "coach": coach,
            "later": first + timedelta(days=14),
        },
    )


def _hours(window: timedelta) -> int:
    return int(window.total_seconds() // 3600)


def _cancel_consequences(appointment: Appointment, account) -> list[str]:
    client = appointment.client
    when = readable(appointment.start, weekday=True, long=True, time=True)
    values = {"when": when, "coach": appointment.coach, "client": client.first_name}
    if client.account_id == account.pk:
        first = _("Je afspraak van %(when)s met %(coach)s wordt geannuleerd; de tijd komt vrij.")
    else:
        first = _(
            "De afspraak van %(client)s op %(when)s met %(coach)s wordt geannuleerd; de tijd "
            "komt vrij."
        )
    return [
        first % values,
        _("Je krijgt een bevestiging per e-mail, met een bijlage die de afspraak uit je agenda "
          "haalt."),
        _("%(coach)s krijgt bericht dat je hebt afgezegd.") % values,
    ]  # fmt: skip


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_cancel(request: HttpRequest, appointment: str) -> HttpResponse:
    """Asks first (what happens, that it is free until the deadline), cancels on POST."""
    appointment = _appointment_of_account(request.user, appointment)
    back = reverse("portal_appointments")
    if appointment.status != Appointment.Status.BOOKED or appointment.start <= timezone.now():
        messages.info(request, _("Deze afspraak was al geannuleerd of is voorbij."))
        return redirect(back)
    if not _client_may_change(appointment):
        messages.error(request, refusal(appointment))
        return redirect(back)
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        required=False,
        label=_("Waarom zeg je af? (niet verplicht)"),
        help_text=_("Je coach leest dit."),
    )
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = appointment_cancel(
                appointment=appointment,
                by=request.user,
                reason=form.cleaned_data["reason"],
                free_only=True,  # online only free of charge, checked again under the lock
            )
        except ValidationError as refused:
            if refused.code == "late":  # the deadline passed, or the coach moved it, just now
                messages.error(
                    request, refusal(_appointment_of_account(request.user, appointment.uuid))
                )
            else:  # cancelled a moment ago (a second click)
                messages.info(request, _("Deze afspraak was al geannuleerd of is voorbij."))
        else:
            _mail(cancelled, "cancelled")
            _tell_coach(cancelled, "cancelled")
            messages.success(request, _("Je afspraak is geannuleerd."))
        return redirect(back)
    return confirmation_page(
        request,
        title=_("Afspraak annuleren"),
        consequences=_cancel_consequences(appointment, request.user),
        cost=_("Geen kosten: kosteloos afzeggen kan tot %(until)s.")
        % {"until": readable(cancel_deadline(appointment), weekday=True, time=True)},
        form=form,
        confirm_label=_("Ja, annuleren"),
        back=back,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_reschedule(request: HttpRequest, appointment: str) -> HttpResponse:
    appointment = _appointment_of_account(request.user, appointment)
    if not _client_may_change(appointment):
        messages.error(request, refusal(appointment))
        return redirect("portal_appointments")
    duration = appointment.end - appointment.start
    error, warning, chosen = None, None, ""
    if request.method == "POST":
        try:
            start = _slot(request.POST.get("slot", ""))
            chosen = start.isoformat()
            free = free_slots(
                coach=appointment.coach,
                duration=duration,
                first=timezone.localtime(start).date(),
                days=1,
                mode=appointment.mode,
            )
            if start not in free:
                raise SlotTaken
            warning = _inside_window(request, appointment.coach, start)
            if warning is None:
                moved = appointment_move(appointment=appointment, start=start, end=start + duration)
        except ValueError:
            error = _("Kies een tijdstip.")
        except SlotTaken as taken:
            error = str(taken)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            if warning is None:
                _mail(moved, "moved")
                _tell_coach(moved, "moved")
                messages.success(
                    request, _("Je afspraak is verzet. Je krijgt een bevestiging per e-mail.")
                )
                return redirect("portal_appointments")
    first = max(_monday(request.GET.get("week")), timezone.localdate())
    rules = BookingRules.for_coach(appointment.coach)
    slots = free_slots(
        coach=appointment.coach,
        duration=duration,
        first=first,
        days=14,
        mode=appointment.mode,
        rules=rules,
    )
    return render(
        request,
        "sessions/portal_book.html",
        {
            "traject": appointment.traject,
            "session_type": appointment.session_type,
            "appointment": appointment,
            "mode": appointment.mode,
            "modes": [],
            "by_day": _slots_by_day(slots).items(),
            "error": error,
            "warning": warning,
            "chosen": chosen,
            "cancel_hours": _hours(rules.cancel_window),
            "coach": appointment.coach,
            "later": first + timedelta(days=14),
        },
    )
