"""The coach's calendar: a day, a week or a month on a time grid, rendered
on the server (sessions.grid), dragged with static/js/calendar.js where there is a pointer."""

import uuid
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber, TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.http import require_safe

from coaching.compiled import Compiled
from coaching.models import Role
from coaching.roles import role_required
from sessions import grid, grid_html
from sessions.access import (
    appointments_of_coach,
    busy_times_of_coach,
    exceptions_of_coach,
    working_hours_of_coach,
)
from sessions.models import Appointment
from sessions.models.appointments import label

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


# What an appointment on the grid shows (sessions.grid places it, sessions.grid_html writes it):
# its own columns, and its client's name or its meeting's number and group as plain values, not
# as three more models' instances each (most of the cost of loading them). One more column used
# there is a query per appointment, which TestQueries in test_calendar_grid.py catches.
SHOWN = ("uuid", "traject", "kind", "mode", "start", "end", "status", "location")
SHOWN_TOO = ("cancelled_by", "fee_waived_at")
NAMES = {
    "client_first_name": F("traject__client__first_name"),
    "client_last_name": F("traject__client__last_name"),
    "meeting_uuid": F("backstage_meeting__uuid"),
    "meeting_number": F("backstage_meeting__number"),
    "group_name": F("backstage_meeting__group__name"),
}


def _appointments(coach, start: date, end: date):
    zone = timezone.get_current_timezone()
    begin = datetime.combine(start, time.min, tzinfo=zone)
    return APPOINTMENTS.all(
        coach=coach.pk,
        # One that began the evening before and runs past midnight is on the first day too (an
        # appointment lasts at most 8 hours: AppointmentForm.minutes).
        since=begin - timedelta(days=1),
        begin=begin,
        end=datetime.combine(end, time.min, tzinfo=zone),
    )


# The calendar's reads, compiled once (coaching.compiled).
APPOINTMENTS = Compiled(
    lambda at: (
        appointments_of_coach(at.coach)
        .filter(start__gte=at.since, start__lt=at.end, end__gt=at.begin)
        # A cancelled Backstage meeting (its group stopped) leaves the calendar: no client's
        # cancellation to see there, and its time is free again.
        .exclude(kind=Appointment.Kind.BACKSTAGE, status=Appointment.Status.CANCELLED)
        .only(*SHOWN, *SHOWN_TOO)
        .annotate(**NAMES)
        # Then by id: appointments at the same time keep their lanes from one page to the next
        # (PostgreSQL returns ties in any order, and a cancellation moves its row).
        .order_by("start", "pk")
    ),
    coach=models.BigIntegerField(),
    since=models.DateTimeField(),
    begin=models.DateTimeField(),
    end=models.DateTimeField(),
)
# By day and time, not by the models' ordering by coach (which joins the users for their names):
# the coach is one.
EXCEPTIONS = Compiled(
    lambda at: (
        exceptions_of_coach(at.coach)
        .filter(date__gte=at.start, date__lt=at.end)
        .order_by("date", "start_time")
    ),
    coach=models.BigIntegerField(),
    start=models.DateField(),
    end=models.DateField(),
)
WORKING_HOURS = Compiled(
    lambda at: working_hours_of_coach(at.coach).order_by("weekday", "start_time"),
    coach=models.BigIntegerField(),
)


def _held(at):
    """The month's appointments that hold the coach's time (`at.start`, `at.end`: moments)."""
    return appointments_of_coach(at.coach).active().filter(start__gte=at.start, start__lt=at.end)


def _day():
    return TruncDate("start", tzinfo=timezone.get_current_timezone())


MONTH_COUNTS = Compiled(
    lambda at: _held(at).order_by().values_list(_day()).annotate(Count("pk")),
    coach=models.BigIntegerField(),
    start=models.DateTimeField(),
    end=models.DateTimeField(),
)
MONTH_SHOWN = Compiled(
    lambda at: (
        _held(at)
        .filter(
            pk__in=_held(at)
            .annotate(nth=Window(RowNumber(), partition_by=[_day()], order_by=["start"]))
            .filter(nth__lte=grid.SHOWN_PER_DAY)
            .values("pk")
        )
        .order_by("start")
        .values_list(
            "start",
            "kind",
            "traject__client__first_name",
            "traject__client__last_name",
            "backstage_meeting__group__name",
        )
    ),
    coach=models.BigIntegerField(),
    start=models.DateTimeField(),
    end=models.DateTimeField(),
)


def _month(coach, start: date, end: date) -> tuple[list[grid.MonthEntry], dict[date, int]]:
    """The month's appointments that hold the coach's time: per local day how many, and the
    first few of each day (picked by the database: a window over the local day), so the page
    loads a few rows a day however full the month is. Two queries: the joins for the names
    run on those few rows only (with the window in the same query, PostgreSQL joined all the
    month's rows and hashed every traject of the organisation to do it). The month shows a
    time and a name of each: plain rows, not four models' instances each."""
    zone = timezone.get_current_timezone()
    moments = {
        "coach": coach.pk,
        "start": datetime.combine(start, time.min, tzinfo=zone),
        "end": datetime.combine(end, time.min, tzinfo=zone),
    }
    counts = dict(MONTH_COUNTS.all(**moments))
    shown = MONTH_SHOWN.all(**moments)
    entries = []
    for start, *names in shown:
        local = start.astimezone(zone)
        entries.append(grid.MonthEntry(day=local.date(), time=f"{local:%H:%M}", who=_who(*names)))
    return entries, counts


def _who(kind: str, first_name: str | None, last_name: str | None, group: str | None) -> str:
    """A Backstage meeting's group, else the client (as Client.__str__ writes them), else the
    kind of appointment."""
    if kind == Appointment.Kind.BACKSTAGE and group is not None:
        return group
    if first_name is not None:
        return f"{first_name} {last_name}"
    return label(Appointment.Kind, kind)


def _period(view: str, anchor: date) -> tuple[date, date, date, date]:
    """The days shown (first, and the day after the last), and where ← and → go."""
    if view == "month":
        first = anchor.replace(day=1)
        start, end = grid.month_range(first)
        return start, end, _month_step(first, -1), _month_step(first, 1)
    if view == "day":
        day = timedelta(days=1)
        return anchor, anchor + day, anchor - day, anchor + day
    start, week = anchor - timedelta(days=anchor.weekday()), timedelta(days=7)
    return start, start + week, start - week, start + week


def _links(view: str, anchor: date, previous: date, following: date, traject: str) -> dict:
    """The toolbar's links (built here, not by a date filter and a test of the traject per link
    in the template): they keep the view, the day shown and a traject the coach came from."""
    extra = f"&traject={traject}" if traject else ""
    return {
        "previous": f"?view={view}&date={previous:%Y-%m-%d}{extra}",
        "today": f"?view={view}{extra}",
        "next": f"?view={view}&date={following:%Y-%m-%d}{extra}",
        **{name: f"?view={name}&date={anchor:%Y-%m-%d}{extra}" for name in VIEWS},
    }


@require_safe
@role_required(Role.COACH)
def calendar_week(request: HttpRequest) -> HttpResponse:
    """`?view=day|week|month&date=YYYY-MM-DD`; a fixed number of queries whatever it holds:
    the appointments (the month: how many a day, and the first few of each), the exceptions
    and (day and week) the working hours."""
    coach = request.user
    view = _view(request)
    anchor = _anchor(request)
    traject = _traject(request)
    start, end, previous, following = _period(view, anchor)
    exceptions = EXCEPTIONS.all(coach=coach.pk, start=start, end=end)
    context = {
        "view": view,
        "anchor": anchor,
        "monday": start,
        "month": anchor.replace(day=1),
        "links": _links(view, anchor, previous, following, traject),
        "traject": traject,
        "zone": timezone.get_current_timezone_name(),
        "feed_url": request.build_absolute_uri(
            reverse("calendar_feed", args=[coach.coach_profile.calendar_token])
        ),
    }
    if view == "month":
        context.update(_month_page(coach, anchor, start, end, exceptions, traject))
    else:
        context["grid"] = _grid_page(coach, view, start, end, exceptions, traject)
    return render(request, f"sessions/calendar_{view}.html", context)


def _month_page(coach, anchor: date, start: date, end: date, exceptions, traject: str) -> dict:
    """The month's weeks and busy days, each day's cell and list item made."""
    today = timezone.localdate()
    appointments, counts = _month(coach, start, end)
    weeks = grid.month_weeks(
        month=anchor.replace(day=1),
        appointments=appointments,
        counts=counts,
        exceptions=exceptions,
        today=today,
    )
    busy_days = [day for week in weeks for day in week if day.in_month and day.count]
    for day in (day for week in weeks for day in week):
        day.cell_html = grid_html.month_cell(day, traject, today=today)
    for day in busy_days:
        day.item_html = grid_html.month_item(day, traject, today=today)
    return {
        "weeks": weeks,
        "weekdays": [dateformat.format(day.date, "l") for day in weeks[0]],
        "busy_days": busy_days,
    }


def _grid_page(coach, view: str, start: date, end: date, exceptions, traject: str) -> grid.Grid:
    """The days on the time grid, with what the template shows of them made."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end, time.min, tzinfo=zone)
    shown = grid.build(
        days=[start + timedelta(days=n) for n in range((end - start).days)],
        appointments=_appointments(coach, start, end),
        working_hours=WORKING_HOURS.all(coach=coach.pk),
        exceptions=exceptions,
        now=timezone.now(),
        # Busy in the coach's own calendars (sessions.feeds): shown, and a coach may still plan
        # over them by hand.
        busy=busy_times_of_coach(coach, since, until),
    )
    grid_html.write(shown, week=view == "week", traject=traject)
    return shown
