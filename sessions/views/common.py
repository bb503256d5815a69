"""Shared by the calendar's views: the way to a meeting's page, JSON answers, the refusal
sentence, input parsing. Objects are looked up in sessions.access."""

from datetime import date, datetime, timedelta

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.dates import readable
from sessions.models import Appointment
from sessions.models.availability import Rules
from sessions.services.booking import cancel_deadline


def _meeting_page(appointment: Appointment) -> HttpResponse | None:
    """A Backstage meeting is kept on its meeting page, where moving it keeps the group's
    rhythm (2-4 weeks) and its active participants are told by e-mail, with the old time and
    the new and the updated .ics (groups.services.meetings.meeting_move): the calendar's appointment
    pages lead there (None: an appointment of its own). The relation is read by name: sessions
    does not import groups, which sits above it."""
    if appointment.kind != Appointment.Kind.BACKSTAGE:
        return None
    meeting = getattr(appointment, "backstage_meeting", None)
    return None if meeting is None else redirect("meeting_detail", meeting=meeting.uuid)


def wants_json(request: HttpRequest) -> bool:
    """A move by dragging in the calendar (static/js/calendar.js) asks for its answer in JSON;
    the forms get their page."""
    return "application/json" in request.headers.get("Accept", "")


def json_answer(message: str, *, status: int = 200) -> JsonResponse:
    """`{"ok": …, "message": …}`: what happened, or why not, in the user's language."""
    return JsonResponse({"ok": status < 400, "message": str(message)}, status=status)


def coach_contact(coach) -> str:
    """How to reach the coach, in a sentence: the phone and e-mail the practice set for them
    (templates use includes/coach_contact.html)."""
    profile = getattr(coach, "coach_profile", None)
    ways = [way for way in (profile.phone if profile else "", coach.email) if way]
    return ", ".join([str(coach), *ways])


def refusal(appointment: Appointment, rules: Rules | None = None) -> str:
    """Why a coachee cannot move or cancel this appointment online, with its deadline and how
    to reach the coach."""
    deadline = cancel_deadline(appointment, rules)
    session_type = appointment.session_type
    if not (session_type and session_type.active and session_type.bookable_online):
        why = _("Deze afspraak plant je coach; verzetten of afzeggen gaat via je coach.")
        if timezone.now() <= deadline:
            why += " " + _("Kosteloos afzeggen kan tot %(deadline)s.") % {
                "deadline": readable(deadline, weekday=True, time=True)
            }
    else:
        why = _(
            "Online afzeggen of verzetten kon tot %(deadline)s; nu gaat dat alleen nog via je "
            "coach."
        ) % {"deadline": readable(deadline, weekday=True, time=True)}
    return " ".join(
        [
            why,
            _("Neem contact op met je coach: %(contact)s.")
            % {"contact": coach_contact(appointment.coach)},
        ]
    )


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


def start_asked(value: str) -> datetime | None:
    """A time clicked in the calendar (`?start=2026-06-03T10:30`, local time): None for
    anything else, or years away."""
    try:
        moment = datetime.fromisoformat(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # Year 1 at +14:00 lies before year 1 in UTC: an overflow, not a time.
        if abs((moment - timezone.now()).days) > 5 * 366:
            return None
    except (ValueError, OverflowError):
        return None
    return timezone.localtime(moment)


def _slot(value: str) -> datetime:
    """A slot chosen on a page: an ISO time with its offset, not years away."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or abs((moment - timezone.now()).days) > 5 * 366:
        raise ValueError(value)
    return moment
