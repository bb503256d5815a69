"""Free slots of a coach: working hours and exceptions, minus appointments with their buffers.

Computed with intervals (a few per day), not minute by minute, in four queries whatever
the range (rules, working hours, exceptions, and the appointments with the busy times of the
coach's own calendars in one). Times are built in
Europe/Amsterdam (so 9:00 stays 9:00 across the daylight-saving changes) and compared in UTC.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from coaching.models import User
from sessions.models import (
    Appointment,
    AvailabilityException,
    BookingRules,
    ExternalBusy,
    WorkingHours,
)
from sessions.models.availability import Rules

Interval = tuple[datetime, datetime]


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _at(day: date, moment: time) -> datetime:
    """A wall-clock time on a day in the practice's zone, as an aware UTC datetime."""
    return datetime.combine(day, moment, tzinfo=local_zone()).astimezone(UTC)


def subtract(intervals: list[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """Both lists sorted by start; returns what is left of `intervals`. The holes that end
    before an interval starts are passed by once, not again for every later interval (two
    weeks of working time minus a hundred appointments and busy times)."""
    result = []
    holes = sorted(holes)
    passed = 0  # holes[:passed] all end before the current interval starts
    for start, end in intervals:
        while passed < len(holes) and holes[passed][1] <= start:
            passed += 1
        pieces = [(start, end)]
        for hole_start, hole_end in holes[passed:]:
            if hole_start >= end:
                break
            if hole_end <= start:
                continue
            next_pieces = []
            for piece_start, piece_end in pieces:
                if hole_end <= piece_start or hole_start >= piece_end:
                    next_pieces.append((piece_start, piece_end))
                    continue
                if piece_start < hole_start:
                    next_pieces.append((piece_start, hole_start))
                if hole_end < piece_end:
                    next_pieces.append((hole_end, piece_end))
            pieces = next_pieces
        result.extend(pieces)
    return result


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _fits(modes: list[str], mode: str | None) -> bool:
    return mode is None or not modes or mode in modes


def working_windows(coach: User, first: date, last: date, mode: str | None) -> list[Interval]:
    """The coach's working time from `first` to `last` (inclusive), in two queries."""
    # In no particular order (merge and subtract sort): the models' ordering by coach would
    # join the users to sort by the coach's name.
    hours = defaultdict(list)
    for block in WorkingHours.objects.filter(coach=coach).order_by():
        if _fits(block.modes, mode):
            hours[block.weekday].append(block)
    exceptions = defaultdict(list)
    for exception in AvailabilityException.objects.filter(
        coach=coach, date__range=(first, last)
    ).order_by():
        exceptions[exception.date].append(exception)
    windows: list[Interval] = []
    day = first
    while day <= last:
        today = [(_at(day, b.start_time), _at(day, b.end_time)) for b in hours[day.weekday()]]
        blocked = []
        for exception in exceptions[day]:
            if exception.kind == AvailabilityException.Kind.EXTRA:
                if _fits(exception.modes, mode):
                    today.append((_at(day, exception.start_time), _at(day, exception.end_time)))
            elif exception.start_time is None:
                blocked.append((_at(day, time.min), _at(day + timedelta(days=1), time.min)))
            else:
                blocked.append((_at(day, exception.start_time), _at(day, exception.end_time)))
        windows.extend(subtract(merge(today), blocked))
        day += timedelta(days=1)
    return windows


def free_slots(
    *,
    coach: User,
    duration: timedelta,
    first: date,
    days: int,
    mode: str | None = None,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> list[datetime]:
    """Start times (aware, UTC) at which an appointment of `duration` can be booked; `rules`:
    the coach's booking rules when the caller has them already."""
    rules = rules or BookingRules.for_coach(coach)
    now = now or timezone.now()
    last = first + timedelta(days=days - 1)
    windows = working_windows(coach, first, last, mode)
    if not windows:
        return []
    since, until = windows[0][0] - rules.buffer, windows[-1][1] + rules.buffer
    # The appointments, and the busy times of the coach's own calendars (sessions.feeds): busy
    # there is busy here, with the same pause. One query (UNION ALL), one round trip.
    appointments = (
        Appointment.objects.for_coach(coach)
        .active()
        .overlapping(since, until)
        .order_by()
        .values_list("start", "end")
    )
    elsewhere = (
        ExternalBusy.objects.filter(coach=coach, starts_at__lt=until, ends_at__gt=since)
        .order_by()
        .values_list("starts_at", "ends_at")
    )
    busy = [
        (start - rules.buffer, end + rules.buffer)
        for start, end in appointments.union(elsewhere, all=True)
    ]
    earliest = now + rules.min_notice
    latest = now + rules.max_ahead
    step_minutes = int(rules.step.total_seconds() // 60)
    slots = []
    for start, end in subtract(windows, merge(busy)):
        start = max(start, earliest)
        end = min(end, latest)
        candidate = _align(start, step_minutes)
        while candidate + duration <= end:
            slots.append(candidate)
            candidate += rules.step
    return slots


def _align(moment: datetime, step_minutes: int) -> datetime:
    """The first time at or after `moment` on the step grid of its local hour (:00, :15, …)."""
    local = moment.astimezone(local_zone())
    minutes = local.hour * 60 + local.minute
    extra = (-minutes) % step_minutes
    if extra == 0 and (local.second or local.microsecond):
        extra = step_minutes
    # Added to the UTC moment, not to the wall time: in the hour that repeats when the clocks
    # go back, wall-time arithmetic would lose which of the two it is. Amsterdam's offsets are
    # whole hours, so the grid is the same in both.
    return moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=extra)


def slots_by_day(slots: Iterable[datetime]) -> dict[date, list[datetime]]:
    """Start times grouped by their local day (the booking pages list them so), in order."""
    by_day: dict[date, list[datetime]] = {}
    for slot in slots:
        by_day.setdefault(timezone.localtime(slot).date(), []).append(slot)
    return by_day
