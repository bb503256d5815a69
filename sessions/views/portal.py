"""The coachee (or a parent for a child): appointments, online booking, moving, cancelling."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coaching.models import Client, Role
from coaching.roles import role_required
from sessions.booking import (
    SlotTaken,
    appointment_cancel,
    appointment_move,
    bookable_kinds,
    portal_book,
)
from sessions.models import Appointment, SessionType
from sessions.slots import free_slots
from sessions.views.common import (
    _appointment_of_account,
    _client_may_change,
    _mail,
    _monday,
    _slot,
    _tell_coach,
)
from trajects.models import Traject

# --- The coachee (or a parent) -----------------------------------------------------------------


@require_safe
@role_required(Role.CLIENT)
def portal_appointments(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.for_account(request.user)
    appointments = Appointment.objects.filter(traject__client__in=clients).select_related(
        "traject__client", "coach", "session_type"
    )
    now = timezone.now()
    trajects = Traject.objects.filter(client__in=clients).open().select_related("client")
    bookable = SessionType.objects.filter(active=True, bookable_online=True)
    offers = [
        (traject, [t for t in bookable if t.kind in bookable_kinds(traject)])
        for traject in trajects
    ]
    for appointment in appointments:
        appointment.may_change = _client_may_change(appointment)
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


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_book_view(request: HttpRequest, traject: str, session_type: int) -> HttpResponse:
    traject = get_object_or_404(
        Traject.objects.filter(client__in=Client.objects.for_account(request.user)).select_related(
            "client__coach"
        ),
        uuid=traject,
    )
    session_type = get_object_or_404(
        SessionType.objects.filter(active=True, bookable_online=True), pk=session_type
    )
    if session_type.kind not in bookable_kinds(traject):
        raise Http404
    mode = request.POST.get("mode") or request.GET.get("mode") or session_type.allowed_modes[0]
    error = None
    if mode not in session_type.allowed_modes:
        if request.method == "POST":
            error = _("Kies een vorm die bij deze afspraak hoort.")
        mode = session_type.allowed_modes[0]
    elif request.method == "POST":
        try:
            start = _slot(request.POST.get("slot", ""))
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
            _mail(appointment, "booked")
            _tell_coach(appointment, "booked")
            messages.success(
                request, _("Je afspraak staat vast. Je krijgt een bevestiging per e-mail.")
            )
            return redirect("portal_appointments")
    first = _monday(request.GET.get("week"))
    first = max(first, timezone.localdate())
    slots = free_slots(
        coach=traject.client.coach,
        duration=timedelta(minutes=session_type.default_minutes),
        first=first,
        days=14,
        mode=mode,
    )
    by_day: dict[date, list] = {}
    for slot in slots:
        by_day.setdefault(timezone.localtime(slot).date(), []).append(slot)
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
            "by_day": by_day.items(),
            "error": error,
            "later": first + timedelta(days=14),
        },
    )


@require_POST
@role_required(Role.CLIENT)
def portal_cancel(request: HttpRequest, appointment: str) -> HttpResponse:
    appointment = _appointment_of_account(request.user, appointment)
    if appointment.status != Appointment.Status.BOOKED:
        messages.info(request, _("Deze afspraak was al geannuleerd of is voorbij."))
    elif not _client_may_change(appointment):
        messages.error(
            request,
            _(
                "Annuleren kan online tot de termijn die de praktijk hanteert. Neem contact op met "
                "je coach om deze afspraak af te zeggen."
            ),
        )
    else:
        try:
            cancelled = appointment_cancel(appointment=appointment, by=request.user)
        except ValidationError:  # cancelled a moment ago (a second click)
            messages.info(request, _("Deze afspraak was al geannuleerd of is voorbij."))
        else:
            _mail(cancelled, "cancelled")
            _tell_coach(cancelled, "cancelled")
            messages.success(request, _("Je afspraak is geannuleerd."))
    return redirect("portal_appointments")


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_reschedule(request: HttpRequest, appointment: str) -> HttpResponse:
    appointment = _appointment_of_account(request.user, appointment)
    if not _client_may_change(appointment):
        messages.error(
            request,
            _(
                "Verzetten kan online tot de termijn die de praktijk hanteert. Neem contact op met "
                "je coach."
            ),
        )
        return redirect("portal_appointments")
    duration = appointment.end - appointment.start
    error = None
    if request.method == "POST":
        try:
            start = _slot(request.POST.get("slot", ""))
            free = free_slots(
                coach=appointment.coach,
                duration=duration,
                first=timezone.localtime(start).date(),
                days=1,
                mode=appointment.mode,
            )
            if start not in free:
                raise SlotTaken
            moved = appointment_move(appointment=appointment, start=start, end=start + duration)
        except ValueError:
            error = _("Kies een tijdstip.")
        except SlotTaken as taken:
            error = str(taken)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            _mail(moved, "moved")
            _tell_coach(moved, "moved")
            messages.success(
                request, _("Je afspraak is verzet. Je krijgt een bevestiging per e-mail.")
            )
            return redirect("portal_appointments")
    first = max(_monday(request.GET.get("week")), timezone.localdate())
    slots = free_slots(
        coach=appointment.coach, duration=duration, first=first, days=14, mode=appointment.mode
    )
    by_day: dict[date, list] = {}
    for slot in slots:
        by_day.setdefault(timezone.localtime(slot).date(), []).append(slot)
    return render(
        request,
        "sessions/portal_book.html",
        {
            "traject": appointment.traject,
            "session_type": appointment.session_type,
            "appointment": appointment,
            "mode": appointment.mode,
            "modes": [],
            "by_day": by_day.items(),
            "error": error,
            "later": first + timedelta(days=14),
        },
    )
