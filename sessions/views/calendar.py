"""The coach's calendar: a day, a week or a month on a time grid, rendered
on the server (sessions.grid), dragged with static/js/calendar.js where there is a pointer."""

import uuid
from datetime import date, datetime, time, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from coaching.models import Role
from coaching.roles import role_required
from sessions import grid
from sessions.access import appointments_of_coach, exceptions_of_coach, working_hours_of_coach
from sessions.models import Appointment

VIEWS = ("day", "week", "month")
# How far from today the calendar goes (as the move form's reach): further is today.
REACH_DAYS = 5 * 366


def _anchor(request: HttpRequest) -> date:
    """The day asked for (`?date=`, or `?week=` of the old links); today for anything odd."""
    today = timezone.localdate()
    value = request.GET.get("date") or request.GET.get("week")
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return today if abs((day - today).days) > REACH_DAYS else day


def _view(request: HttpRequest) -> str:
    wanted = request.GET.get("view", "")
    return wanted if wanted in VIEWS else "week"


def _month_step(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _traject(request: HttpRequest) -> str:
    """A traject the coach came from (`?traject=`): a free time plans for it (checked there)."""
    try:
        return str(uuid.UUID(request.GET.get("traject", "")))
    except ValueError:
        return ""


def _appointments(coach, start: date, end: date):
    zone = timezone.get_current_timezone()
    begin = datetime.combine(start, time.min, tzinfo=zone)
    return (
        appointments_of_coach(coach)
        .filter(
            # One that began the evening before and runs past midnight is on the first day
            # too (an appointment lasts at most 8 hours: AppointmentForm.minutes).
            start__gte=begin - timedelta(days=1),
            start__lt=datetime.combine(end, time.min, tzinfo=zone),
            end__gt=begin,
        )
        # A cancelled Backstage meeting (its group stopped) leaves the calendar: no client's
        # cancellation to see there, and its time is free again.
        .exclude(kind=Appointment.Kind.BACKSTAGE, status=Appointment.Status.CANCELLED)
        .select_related("traject__client", "session_type", "backstage_meeting__group")
        .order_by("start")
    )


@require_safe
@role_required(Role.COACH)
def calendar_week(request: HttpRequest) -> HttpResponse:
    """`?view=day|week|month&date=YYYY-MM-DD`; a fixed number of queries whatever it holds:
    the appointments, the exceptions and (day and week) the working hours."""
    coach = request.user
    view = _view(request)
    anchor = _anchor(request)
    today = timezone.localdate()
    if view == "month":
        first = anchor.replace(day=1)
        start, end = grid.month_range(first)
        previous, following = _month_step(first, -1), _month_step(first, 1)
    elif view == "day":
        start, end = anchor, anchor + timedelta(days=1)
        previous, following = anchor - timedelta(days=1), anchor + timedelta(days=1)
    else:
        start = anchor - timedelta(days=anchor.weekday())
        end = start + timedelta(days=7)
        previous, following = start - timedelta(days=7), start + timedelta(days=7)
    appointments = list(_appointments(coach, start, end))
    exceptions = list(exceptions_of_coach(coach).filter(date__gte=start, date__lt=end))
    context = {
        "view": view,
        "anchor": anchor,
        "monday": start,
        "month": anchor.replace(day=1),
        "previous": previous,
        "next": following,
        "today": today,
        "traject": _traject(request),
        "zone": timezone.get_current_timezone_name(),
        "feed_url": request.build_absolute_uri(
            reverse("calendar_feed", args=[coach.coach_profile.calendar_token])
        ),
    }
    if view == "month":
        context["weeks"] = grid.month_weeks(
            month=anchor.replace(day=1),
            appointments=appointments,
            exceptions=exceptions,
            today=today,
        )
        context["busy_days"] = [
            day for week in context["weeks"] for day in week if day.in_month and day.count
        ]
    else:
        context["grid"] = grid.build(
            days=[start + timedelta(days=n) for n in range((end - start).days)],
            appointments=appointments,
            working_hours=working_hours_of_coach(coach),
            exceptions=exceptions,
            now=timezone.now(),
        )
        for day in context["grid"].days:
            day.cells_html = _free_cells(day.cells, context["traject"])
    return render(request, f"sessions/calendar_{view}.html", context)


def _free_cells(cells, traject: str) -> str:
    """A day's free half hours as links to plan one then (mouse only: tabindex -1), built here
    rather than in the template: a week has some 200, and the template's url tag and
    blocktranslate per link were most of the page's time (`make bench`)."""
    new = reverse("appointment_new")
    title = gettext("Nieuwe afspraak om %(time)s")
    extra = f"&traject={traject}" if traject else ""
    return format_html_join(
        "",
        '<a id="{}" class="cal-free" tabindex="-1" data-time="{}" title="{}" href="{}"></a>',
        (
            (
                cell.dom_id,
                f"{cell.start:%H:%M}",
                title % {"time": f"{cell.start:%H:%M}"},
                f"{new}?start={cell.start:%Y-%m-%dT%H:%M}{extra}",
            )
            for cell in cells
        ),
    )
