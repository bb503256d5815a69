"""The coach's calendar: the week, appointments, the feed, and availability."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coaching.models import CoachProfile, Role
from coaching.roles import has_role, role_required
from sessions import ical
from sessions.booking import (
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_move,
    can_cancel_free,
)
from sessions.forms import AppointmentForm, MarkForm, MoveForm
from sessions.models import Appointment
from sessions.reminders import reminders_of
from sessions.views.common import (
    _appointment_of_account,
    _appointment_of_coach,
    _mail,
    _monday,
)
from trajects.models import Traject

# --- The coach -------------------------------------------------------------------------------


@require_safe
@role_required(Role.COACH)
def calendar_week(request: HttpRequest) -> HttpResponse:
    monday = _monday(request.GET.get("week"))
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
    appointments = (
        Appointment.objects.for_coach(request.user)
        .filter(start__gte=start, start__lt=start + timedelta(days=7))
        .select_related("traject__client", "session_type")
    )
    days = {monday + timedelta(days=n): [] for n in range(7)}
    for appointment in appointments:
        days[timezone.localtime(appointment.start).date()].append(appointment)
    return render(
        request,
        "sessions/calendar_week.html",
        {
            "days": days.items(),
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "today": timezone.localdate(),
            "feed_url": request.build_absolute_uri(
                reverse("calendar_feed", args=[request.user.coach_profile.calendar_token])
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def appointment_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    try:
        wanted = uuid.UUID(request.GET.get("traject", ""))
    except ValueError:
        wanted = None
    if wanted:
        initial["traject"] = Traject.objects.for_coach(request.user).filter(uuid=wanted).first()
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
            )
        except SlotTaken as taken:
            form.add_error("start", str(taken))
        else:
            if appointment.start > timezone.now():  # a past one is only written down
                _mail(appointment, "booked")
            messages.success(request, _("De afspraak staat in de agenda."))
            return redirect("appointment_detail", appointment=appointment.uuid)
    return render(
        request,
        "coaching/form_page.html",
        {"title": _("Nieuwe afspraak"), "forms": [form], "back": reverse("calendar_week")},
    )


@require_safe
@role_required(Role.COACH)
def appointment_detail(request: HttpRequest, appointment: str) -> HttpResponse:
    appointment = _appointment_of_coach(request.user, appointment)
    return render(
        request,
        "sessions/appointment_detail.html",
        {
            "appointment": appointment,
            "move_form": MoveForm(initial={"start": timezone.localtime(appointment.start)}),
            "mark_form": MarkForm(initial={"status": Appointment.Status.COMPLETED}),
            "in_window": can_cancel_free(appointment),
            "past": appointment.start <= timezone.now(),
            "reminders": reminders_of(appointment),
            "reminder_hours": settings.PRAKTIJK_REMINDER_HOURS,
        },
    )


@require_POST
@role_required(Role.COACH)
def appointment_move_view(request: HttpRequest, appointment: str) -> HttpResponse:
    appointment = _appointment_of_coach(request.user, appointment)
    form = MoveForm(request.POST)
    if form.is_valid() and appointment.status == Appointment.Status.BOOKED:
        start = form.cleaned_data["start"]
        try:
            moved = appointment_move(
                appointment=appointment,
                start=start,
                end=start + (appointment.end - appointment.start),
            )
        except SlotTaken as taken:
            messages.error(request, str(taken))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            _mail(moved, "moved")
            messages.success(request, _("De afspraak is verzet."))
    elif not form.is_valid():
        messages.error(request, _("Kies een geldig nieuw begin."))
    return redirect("appointment_detail", appointment=appointment.uuid)


@require_POST
@role_required(Role.COACH)
def appointment_cancel_view(request: HttpRequest, appointment: str) -> HttpResponse:
    appointment = _appointment_of_coach(request.user, appointment)
    try:
        cancelled = appointment_cancel(appointment=appointment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _mail(cancelled, "cancelled")
        messages.success(
            request, _("De afspraak is %(status)s.") % {"status": cancelled.get_status_display()}
        )
    return redirect("appointment_detail", appointment=appointment.uuid)


@require_POST
@role_required(Role.COACH)
def appointment_mark_view(request: HttpRequest, appointment: str) -> HttpResponse:
    appointment = _appointment_of_coach(request.user, appointment)
    form = MarkForm(request.POST)
    if form.is_valid():
        try:
            appointment_mark(appointment=appointment, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Vastgelegd."))
    return redirect("appointment_detail", appointment=appointment.uuid)


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
    profile = get_object_or_404(
        CoachProfile.objects.select_related("user"), calendar_token=feed_token
    )
    if not profile.user.is_active:
        raise Http404
    response = HttpResponse(ical.coach_feed(profile.user), content_type="text/calendar")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
def appointment_ics(request: HttpRequest, appointment: str) -> HttpResponse:
    """One appointment as .ics, for its coach or its client (or a parent of the child)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    if has_role(request.user, Role.COACH):
        found = _appointment_of_coach(request.user, appointment)
    elif has_role(request.user, Role.CLIENT):
        found = _appointment_of_account(request.user, appointment)
    else:
        raise PermissionDenied
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
    from sessions.forms import ExceptionForm, RulesForm, WorkingHoursForm
    from sessions.models import AvailabilityException, BookingRules, WorkingHours

    coach = request.user
    rules, _created = BookingRules.objects.get_or_create(coach=coach)
    hours_form = WorkingHoursForm(instance=WorkingHours(coach=coach))
    exception_form = ExceptionForm(instance=AvailabilityException(coach=coach))
    rules_form = RulesForm(instance=rules)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add_hours":
            hours_form = WorkingHoursForm(request.POST, instance=WorkingHours(coach=coach))
            if hours_form.is_valid():
                hours_form.save()
                messages.success(request, _("De werktijd is toegevoegd."))
                return redirect("availability")
        elif action == "add_exception":
            exception_form = ExceptionForm(
                request.POST, instance=AvailabilityException(coach=coach)
            )
            if exception_form.is_valid():
                exception_form.save()
                messages.success(request, _("De uitzondering is toegevoegd."))
                return redirect("availability")
        elif action == "rules":
            rules_form = RulesForm(request.POST, instance=rules)
            if rules_form.is_valid():
                rules_form.save()
                messages.success(request, _("De boekingsregels zijn opgeslagen."))
                return redirect("availability")
        elif action in ("delete_hours", "delete_exception"):
            model = WorkingHours if action == "delete_hours" else AvailabilityException
            pk = request.POST.get("id", "")
            # isdigit() alone lets "²" through, which is no number to int().
            found = (
                model.objects.filter(coach=coach, pk=pk)
                if pk.isascii() and pk.isdigit()
                else model.objects.none()
            )
            deleted, _kinds = found.delete()
            if deleted:
                messages.success(request, _("Verwijderd."))
            return redirect("availability")
        else:
            raise Http404
    return render(
        request,
        "sessions/availability.html",
        {
            "hours": WorkingHours.objects.filter(coach=coach),
            "exceptions": AvailabilityException.objects.filter(
                coach=coach, date__gte=timezone.localdate()
            ),
            "hours_form": hours_form,
            "exception_form": exception_form,
            "rules_form": rules_form,
        },
    )
