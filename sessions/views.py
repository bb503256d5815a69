"""The calendar: the coach's week and appointments, the coachee's appointments and online
booking, and the iCalendar downloads and feed."""

import uuid
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coaching.models import Client, CoachProfile, Role
from coaching.roles import has_role, role_required
from sessions import ical, tasks
from sessions.booking import (
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_move,
    bookable_kinds,
    can_cancel_free,
    portal_book,
)
from sessions.forms import AppointmentForm, MarkForm, MoveForm
from sessions.models import Appointment, SessionType
from sessions.slots import free_slots
from trajects.models import Traject


def _appointment_of_coach(user, uuid) -> Appointment:
    return get_object_or_404(
        Appointment.objects.for_coach(user).select_related("traject__client", "session_type"),
        uuid=uuid,
    )


def _appointment_of_account(user, uuid) -> Appointment:
    """An appointment of the client this account is, or acts for (a parent for a child)."""
    return get_object_or_404(
        Appointment.objects.filter(
            traject__client__in=Client.objects.for_account(user)
        ).select_related("traject__client", "coach", "session_type"),
        uuid=uuid,
    )


def _mail(appointment: Appointment, event: str) -> None:
    tasks.send_appointment_mail.delay_on_commit(appointment.pk, event)


def _tell_coach(appointment: Appointment, event: str) -> None:
    """A coachee changed something online: the coach hears of it (no dossier content)."""
    tasks.send_coach_notice.delay_on_commit(appointment.pk, event)


def _monday(value: str | None) -> date:
    """The Monday of the week asked for; today's week for anything odd or far away."""
    today = timezone.localdate()
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    if abs((day - today).days) > 5 * 366:
        day = today
    return day - timedelta(days=day.weekday())


def _slot(value: str) -> datetime:
    """A slot chosen on a page: an ISO time with its offset, not years away."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or abs((moment - timezone.now()).days) > 5 * 366:
        raise ValueError(value)
    return moment


def _client_may_change(appointment: Appointment) -> bool:
    """Online, a coachee moves or cancels only what can be booked online, within the window."""
    session_type = appointment.session_type
    return (
        appointment.status == Appointment.Status.BOOKED
        and session_type is not None
        and session_type.active
        and session_type.bookable_online
        and can_cancel_free(appointment)
    )


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


# --- The coachee (or a parent) -----------------------------------------------------------------


@require_safe
@role_required(Role.CLIENT)
def portal_appointments(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.for_account(request.user)
    appointments = Appointment.objects.filter(traject__client__in=clients).select_related(
        "traject__client", "coach"
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


# --- A prospect (no account) -------------------------------------------------------------------


def _bookable_coaches():
    from coaching.models import User

    return (
        User.objects.coaches().filter(working_hours__isnull=False).distinct().order_by("first_name")
    )


@require_http_methods(["GET", "POST"])
def kennismaking(request: HttpRequest) -> HttpResponse:
    from allauth.core import ratelimit

    from sessions.forms import KennismakingForm
    from sessions.prospects import Prospect, kennismaking_request, kennismaking_type

    coaches = list(_bookable_coaches())
    session_type = kennismaking_type()
    if not coaches or session_type is None:
        return render(request, "sessions/kennismaking.html", {"closed": True})
    chosen = request.POST.get("coach") or request.GET.get("coach")
    coach = next((c for c in coaches if str(c.uuid) == chosen), coaches[0])
    modes = [m for m in session_type.allowed_modes if m in ("phone", "video", "practice")]
    if not modes:  # a kennismaking only by e-mail: no times to pick
        modes = ["email"]
    mode = request.POST.get("mode") or request.GET.get("mode") or modes[0]
    mode = mode if mode in modes else modes[0]
    form = KennismakingForm(request.POST or None)
    error = None
    if request.method == "POST":
        if not ratelimit.consume(request, action="kennismaking_request"):
            error = _(
                "Er kwamen te veel aanvragen vanaf deze verbinding. Probeer het over een uur "
                "opnieuw, of bel de praktijk."
            )
        elif form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                return redirect("kennismaking_thanks")  # a robot: nothing is stored
            child = data["for_whom"] == KennismakingForm.FOR_CHILD
            prospect = Prospect(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                date_of_birth=data["date_of_birth"],
                child_first_name=data["child_first_name"] if child else "",
                child_last_name=data["child_last_name"] if child else "",
            )
            by_slot = data["how"] == KennismakingForm.BY_SLOT
            try:
                kennismaking_request(
                    coach=coach,
                    prospect=prospect,
                    start=data["slot"] if by_slot else None,
                    mode=mode,
                    message=data["message"],
                    language=request.LANGUAGE_CODE,
                )
            except SlotTaken as taken:
                error = str(taken)
            else:
                return redirect("kennismaking_thanks")
    slots = (
        []
        if mode == "email"
        else free_slots(
            coach=coach,
            duration=timedelta(minutes=session_type.default_minutes),
            first=timezone.localdate(),
            days=14,
            mode=mode,
        )
    )
    by_day: dict[date, list] = {}
    for slot in slots:
        by_day.setdefault(timezone.localtime(slot).date(), []).append(slot)
    mode_labels = dict(Appointment._meta.get_field("mode").choices)
    return render(
        request,
        "sessions/kennismaking.html",
        {
            "form": form,
            "coaches": coaches,
            "coach": coach,
            "mode": mode,
            "modes": [(m, mode_labels[m]) for m in modes],
            "by_day": by_day.items(),
            "error": error,
            "minutes": session_type.default_minutes,
            "chosen_slot": request.POST.get("slot", ""),
        },
    )


@require_safe
def kennismaking_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/kennismaking_thanks.html")


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
            found = (
                model.objects.filter(coach=coach, pk=pk) if pk.isdigit() else model.objects.none()
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
