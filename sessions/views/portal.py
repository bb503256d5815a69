"""The coachee (or a parent for a child): appointments, online booking, moving, cancelling."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from coaching.confirm import ReasonForm, confirmation_page
from coaching.dates import readable
from coaching.models import Role, User
from coaching.roles import role_required
from sessions.access import (
    appointment_of_account,
    appointments_of_account,
    bookable_online,
    may_change_online,
    traject_of_account,
    trajects_of_account,
    types_bookable_online,
)
from sessions.models import Appointment, BookingRules, SessionType
from sessions.models.availability import Rules
from sessions.portal_extras import portal_extras
from sessions.services.booking import (
    SlotTaken,
    appointment_cancel,
    appointment_move,
    bookable_kinds,
    cancel_deadline,
    free_cancel_until,
    online_booking_refusal,
    portal_book,
)
from sessions.slots import free_slots, slots_by_day
from sessions.views.common import _monday, _slot, refusal
from sessions.views.waitlist import portal_waitlist
from trajects.models import Traject

# --- The coachee (or a parent) -----------------------------------------------------------------


@require_safe
@role_required(Role.CLIENT)
def portal_appointments(request: HttpRequest) -> HttpResponse:
    appointments = appointments_of_account(request.user).select_related(
        "traject__client", "coach__coach_profile", "session_type"
    )
    now = timezone.now()
    trajects = trajects_of_account(request.user).open().select_related("client")
    bookable = types_bookable_online()
    offers = [
        (traject, [t for t in bookable if t.kind in bookable_kinds(traject)])
        for traject in trajects
    ]
    rules = _rules_per_coach(appointments)
    for appointment in appointments:
        appointment.may_change = may_change_online(appointment, rules[appointment.coach_id])
        # Until when it can be moved or cancelled free of charge.
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
            # A running traject may wait for an earlier time of what it can book.
            "waitlist_types": [
                (traject, types)
                for traject, types in offers
                if types and traject.status == Traject.Status.LOPEND
            ],
            "now": now,
            # The waitlist: offers of a freed time, and the requests that wait for one.
            **portal_waitlist(request.user, now),
        },
    )


def _rules_per_coach(appointments) -> dict:
    """Each coach's booking rules, once per coach (a parent's children may have two coaches)."""
    coaches = {appointment.coach_id: appointment.coach for appointment in appointments}
    return {pk: BookingRules.for_coach(coach) for pk, coach in coaches.items()}


# --- Booking and moving: one page, one path --------------------------------------------------


@dataclass
class _TimeToChoose:
    """What the booking page offers times for: a new appointment of a session type, or a new
    time for a planned one. Both go the same way (_choose_a_time); only this differs."""

    traject: Traject
    session_type: SessionType | None
    coach: User
    rules: Rules  # the coach's booking rules, read once for the whole request
    duration: timedelta
    mode: str
    # The forms to choose from on the page ([] when moving: an appointment keeps its form).
    modes: list[tuple[str, str]]
    # The service that books or moves, given the start chosen; it checks the rules again.
    save: Callable[[datetime], Appointment]
    done: str  # the message once it is saved
    appointment: Appointment | None = None  # the one being moved
    refused: str = ""  # why no time can be booked at all now (the limit of online bookings)
    error: str | None = None  # what was wrong with the request itself (a form that does not fit)


def _choose_a_time(request: HttpRequest, choice: _TimeToChoose) -> HttpResponse:
    """Booking and moving online: the free times of two weeks, by day. On POST the time chosen
    is checked to be free still, a time inside the cancellation window warns first, and then the
    service saves it (checking the rules again, under a lock)."""
    rules = choice.rules
    error, warning, chosen = choice.error, None, ""
    if request.method == "POST" and not (error or choice.refused):
        try:
            start = _slot(request.POST.get("slot", ""))
            chosen = start.isoformat()
            day = timezone.localtime(start).date()
            if start not in _free(choice, first=day, days=1, rules=rules):
                raise SlotTaken  # no warning for a time that cannot be booked anyway
            warning = _inside_window(request, choice.coach, start, rules)
            if warning is None:
                choice.save(start)
        except ValueError:
            error = _("Kies een tijdstip.")
        except SlotTaken as taken:
            error = str(taken)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            if warning is None:
                messages.success(request, choice.done)
                return redirect("portal_appointments")
    first = max(_monday(request.GET.get("week")), timezone.localdate())
    slots = [] if choice.refused else _free(choice, first=first, days=14, rules=rules)
    return render(
        request,
        "sessions/portal_book.html",
        {
            "traject": choice.traject,
            "session_type": choice.session_type,
            "appointment": choice.appointment,
            "mode": choice.mode,
            "modes": choice.modes,
            "by_day": _choices(slots, chosen),
            "error": error or choice.refused,
            "full": bool(choice.refused),
            "warning": warning,
            "chosen": chosen,
            "cancel_hours": _hours(rules.cancel_window),
            "coach": choice.coach,
            "later": first + timedelta(days=14),
        },
    )


@dataclass(frozen=True)
class _Choice:
    """A free time as the booking page's radio button shows it."""

    id: str  # "slot-1204-3": the day and its place in the day
    value: str  # the start in ISO 8601 (UTC), as the form posts it
    time: str  # "14:30", local
    checked: bool


def _choices(slots: list[datetime], chosen: str) -> list[tuple[date, list[_Choice]]]:
    """The free times by local day, made here rather than by four filters a time in the
    template (two weeks of free times are a hundred or more)."""
    zone = timezone.get_current_timezone()
    return [
        (
            day,
            [
                _Choice(
                    id=f"slot-{day:%m%d}-{n}",
                    value=slot.isoformat(),
                    time=f"{slot.astimezone(zone):%H:%M}",
                    checked=slot.isoformat() == chosen,
                )
                for n, slot in enumerate(day_slots, 1)
            ],
        )
        for day, day_slots in slots_by_day(slots).items()
    ]


def _free(choice: _TimeToChoose, *, first: date, days: int, rules: Rules) -> list[datetime]:
    return free_slots(
        coach=choice.coach,
        duration=choice.duration,
        first=first,
        days=days,
        mode=choice.mode,
        rules=rules,
    )


def _inside_window(request: HttpRequest, coach, start, rules: Rules) -> dict | None:
    """Booking (or moving to) a time inside the cancellation window warns first: afterwards it
    cannot be cancelled or moved online. None: no warning (any more)."""
    if request.POST.get("inside_window") == "ok":
        return None
    deadline = free_cancel_until(coach, start, rules)
    if timezone.now() <= deadline:
        return None
    return {"slot": start, "deadline": deadline, "hours": _hours(rules.cancel_window)}


def _hours(window: timedelta) -> int:
    return int(window.total_seconds() // 3600)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_book_view(request: HttpRequest, traject: str, session_type: int) -> HttpResponse:
    traject = traject_of_account(request.user, traject)
    session_type = bookable_online(traject, session_type)
    allowed = session_type.allowed_modes
    mode = request.POST.get("mode") or request.GET.get("mode") or allowed[0]
    error = None
    if mode not in allowed:
        if request.method == "POST":
            error = _("Kies een vorm die bij deze afspraak hoort.")
        mode = allowed[0]

    def book(start: datetime) -> Appointment:
        return portal_book(
            account=request.user, traject=traject, session_type=session_type, start=start, mode=mode
        )

    coach = traject.client.coach
    choice = _TimeToChoose(
        traject=traject,
        session_type=session_type,
        coach=coach,
        rules=BookingRules.loaded_with(coach),
        duration=timedelta(minutes=session_type.default_minutes),
        mode=mode,
        modes=[
            (value, label)
            for value, label in Appointment._meta.get_field("mode").choices
            if value in allowed
        ],
        save=book,
        done=_("Je afspraak staat vast. Je krijgt een bevestiging per e-mail."),
        # At the limit of open online bookings: said before any time is chosen. portal_book
        # checks it again, under a lock.
        refused=online_booking_refusal(traject.client, account=request.user),
        error=error,
    )
    return _choose_a_time(request, choice)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_reschedule(request: HttpRequest, appointment: str) -> HttpResponse:
    appointment = appointment_of_account(request.user, appointment)
    rules = BookingRules.for_coach(appointment.coach)
    if not may_change_online(appointment, rules):
        messages.error(request, refusal(appointment, rules))
        return redirect("portal_appointments")
    duration = appointment.end - appointment.start

    def move(start: datetime) -> Appointment:
        return appointment_move(
            appointment=appointment, start=start, end=start + duration, by=request.user
        )

    choice = _TimeToChoose(
        traject=appointment.traject,
        session_type=appointment.session_type,
        coach=appointment.coach,
        rules=rules,
        duration=duration,
        mode=appointment.mode,
        modes=[],
        save=move,
        done=_("Je afspraak is verzet. Je krijgt een bevestiging per e-mail."),
        appointment=appointment,
    )
    return _choose_a_time(request, choice)


# --- Cancelling ------------------------------------------------------------------------------


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
    appointment = appointment_of_account(request.user, appointment)
    back = reverse("portal_appointments")
    if appointment.status != Appointment.Status.BOOKED or appointment.start <= timezone.now():
        messages.info(request, _("Deze afspraak was al geannuleerd of is voorbij."))
        return redirect(back)
    if not may_change_online(appointment):
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
            appointment_cancel(
                appointment=appointment,
                by=request.user,
                reason=form.cleaned_data["reason"],
                free_only=True,  # online only free of charge, checked again under the lock
            )
        except ValidationError as refused:
            if refused.code == "late":  # the deadline passed, or the coach moved it, just now
                messages.error(
                    request, refusal(appointment_of_account(request.user, appointment.uuid))
                )
            else:  # cancelled a moment ago (a second click)
                messages.info(request, _("Deze afspraak was al geannuleerd of is voorbij."))
        else:
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
