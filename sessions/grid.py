"""The coach's calendar on a time grid: which rows of the grid each
appointment, working time and day off takes, computed here so that the template only places
them. Rendered on the server: the grid works without JavaScript, is translated by Django and
keeps the strict CSP (the rows are set by one nonce'd <style> block, never by style="…").

A row is a quarter of an hour of wall-clock time (Europe/Amsterdam); row 1 starts at the first
hour shown. Grid lines count from 1, so an appointment from 10:00 to 11:00 in a grid that starts
at 07:00 takes `grid-row: 13 / 17`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.utils import timezone

from sessions.models import Appointment, AvailabilityException, WorkingHours

ROW_MINUTES = 15
CELL_MINUTES = 30  # a free time to click on: half an hour (a row each would be too small a target)
FIRST_HOUR, LAST_HOUR = 7, 21  # shown by default; widened to what the days hold
# Blocks side by side at one time, at most: a week's day column is ~150 px at 1280 px wide.
MOST_LANES_WEEK, MOST_LANES_DAY = 3, 8


@dataclass
class Block:
    """An appointment on the grid."""

    appointment: Appointment
    start: int  # minutes since midnight, local time
    end: int
    lane: int = 1
    lanes: int = 1  # of its cluster (blocks that overlap, directly or through another)
    day_lanes: int = 1  # the most of any cluster that day: the day's columns
    row_start: int = 0
    row_end: int = 0
    draggable: bool = False
    continued: bool = False  # the part after midnight of one that began the day before
    left_off: bool = False  # a cancelled one with no room beside the others (the day view has it)
    more: int = 0  # of those left off beside this one, how many

    @property
    def dom_id(self) -> str:
        return f"blk-{self.appointment.uuid}{'-next' if self.continued else ''}"

    @property
    def short(self) -> bool:
        """Half an hour or less: time and name on one line."""
        return self.end - self.start <= 30

    @property
    def column(self) -> str:
        """The grid columns it takes: the last lane of its cluster runs to the day's edge."""
        if self.lanes == 1:
            return "1 / -1"
        if self.lane == self.lanes and self.lanes < self.day_lanes:
            return f"{self.lane} / -1"
        return str(self.lane)


@dataclass
class Shade:
    """Working time (shaded) or time off (hatched, with its note) on one day."""

    dom_id: str
    row_start: int
    row_end: int
    off: bool = False
    note: str = ""
    start: time | None = None
    end: time | None = None
    busy: bool = False  # busy in the coach's own calendar (sessions.feeds), not time off


@dataclass
class Cell:
    """A free half hour: a link to plan an appointment then."""

    dom_id: str
    row_start: int
    row_end: int
    start: datetime  # naive local, for `?start=`


@dataclass
class Day:
    date: date
    index: int  # 1…7, the day's place in the view (its heading is `day-<index>`)
    is_today: bool
    blocks: list[Block] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    off_notes: list[str] = field(default_factory=list)  # blocked: the whole day, with its note
    lanes: int = 1
    # What the page shows of it, written by sessions.grid_html.write: its name ("vrijdag 4
    # december"), its column of the grid and its part of the phone's list.
    label: str = ""
    column_html: str = ""
    list_html: str = ""

    @property
    def placed(self) -> list[Block]:
        """The blocks drawn on the grid (the phone's list has them all)."""
        return [block for block in self.blocks if not block.left_off]


@dataclass
class Grid:
    days: list[Day]
    first_hour: int
    last_hour: int
    now_percent: float | None  # where the current time line is in today's column
    hour_labels: list[str] = field(default_factory=list)  # written by sessions.grid_html.write

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // ROW_MINUTES

    @property
    def hours(self) -> list[time]:
        return [time(hour) for hour in range(self.first_hour, self.last_hour)]

    def css(self) -> str:
        """One rule per placed thing, for the page's nonce'd <style> block."""
        rules = [f".cal-body{{height:calc({self.rows} * var(--cal-row))}}"]
        rules.append(f".cal-layer,.cal-hours{{grid-template-rows:repeat({self.rows},1fr)}}")
        for day in self.days:
            if day.lanes == 2:
                rules.append(
                    f"#blocks-{day.index}{{grid-template-columns:repeat({day.lanes},minmax(0,1fr))}}"
                )
            elif day.lanes > 2:
                # The first lane (where the appointment that holds the time goes) keeps half the
                # day, however many cancelled ones sit beside it: six lanes of a week's day
                # would leave it one letter wide.
                rest = day.lanes - 1
                rules.append(
                    f"#blocks-{day.index}{{grid-template-columns:"
                    f"minmax(0,{rest}fr) repeat({rest},minmax(0,1fr))}}"
                )
            for shade in day.shades:
                rules.append(f"#{shade.dom_id}{{grid-row:{shade.row_start}/{shade.row_end}}}")
            for cell in day.cells:
                rules.append(f"#{cell.dom_id}{{grid-row:{cell.row_start}/{cell.row_end}}}")
            for block in day.placed:
                rules.append(
                    f"#{block.dom_id}{{grid-row:{block.row_start}/{block.row_end};"
                    f"grid-column:{block.column}}}"
                )
        if self.now_percent is not None:
            rules.append(f"#cal-now{{top:{self.now_percent:.2f}%}}")
        return "\n".join(rules)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _local_span(
    appointment: Appointment, start: datetime, end: datetime, day: date
) -> tuple[int, int]:
    """Start and end in minutes since the day's midnight (an end after midnight: 24:00; a
    start the day before: 00:00); `start` and `end`: the appointment's, in local time. On its
    first day a block is as long as the appointment, not as the clock's difference: the night
    the clocks go back, 02:30 to 02:30 is an hour (and dragging it keeps that length,
    static/js/calendar.js)."""
    if start.date() == day:
        begin = _minutes(start.time())
        finish = begin + appointment.duration_minutes if end.date() == day else 24 * 60
    else:
        begin = 0
        finish = _minutes(end.time()) if end.date() == day else 24 * 60
    return begin, max(min(finish, 24 * 60), begin + ROW_MINUTES)


def _days_of(appointment: Appointment, zone: tzinfo) -> list[date]:
    """The local days an appointment takes (two when it runs past midnight)."""
    first = appointment.start.astimezone(zone).date()
    last = (appointment.end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range(max((last - first).days, 0) + 1)]


def _on_the_clock(moment: datetime) -> bool:
    """A local time that happens exactly once: not in the hour skipped when the clocks go
    forward, nor in the hour that comes twice when they go back (the forms refuse those)."""
    zone = timezone.get_current_timezone()
    return (
        moment.replace(tzinfo=zone, fold=0).utcoffset()
        == moment.replace(tzinfo=zone, fold=1).utcoffset()
    )


def _lanes(blocks: list[Block], most_lanes: int) -> int:
    """Overlapping blocks side by side (only a cancelled one can overlap another: a coach's
    active appointments never do); a block that overlaps nothing keeps the whole width. The
    ones that hold the time take the first lane, also when a cancelled one began earlier.
    Cancelled ones beyond `most_lanes` are left off (a lane too narrow to read or to click,
    under axe's 24 px), counted on the cluster's first block. Returns the day's columns."""
    clusters: list[list[Block]] = []
    cluster_end = -1
    for block in sorted(blocks, key=lambda b: b.start):
        if block.start >= cluster_end:  # overlaps nothing before it: a new cluster
            clusters.append([])
        clusters[-1].append(block)
        cluster_end = max(cluster_end, block.end)
    most = 1
    for cluster in clusters:
        lanes: list[list[tuple[int, int]]] = []  # per lane, the spans in it
        for block in sorted(cluster, key=lambda b: (not b.appointment.is_active, b.start)):
            number = next(
                (
                    n
                    for n, spans in enumerate(lanes, start=1)
                    if all(block.end <= start or end <= block.start for start, end in spans)
                ),
                0,
            )
            if not number:
                if len(lanes) >= most_lanes and not block.appointment.is_active:
                    block.left_off = True
                    continue
                lanes.append([])
                number = len(lanes)
            lanes[number - 1].append((block.start, block.end))
            block.lane = number
        for block in cluster:
            block.lanes = len(lanes)
        if left_off := sum(block.left_off for block in cluster):
            first = next(b for b in cluster if b.lane == 1 and not b.left_off)
            first.more = left_off
        most = max(most, len(lanes))
    return most


def build(
    *,
    days: list[date],
    appointments: Iterable[Appointment],
    working_hours: Iterable[WorkingHours],
    exceptions: Iterable[AvailabilityException],
    now: datetime,
    busy: Iterable[tuple[datetime, datetime]] = (),
) -> Grid:
    """The grid of these days, from rows already fetched (no queries here). `busy`: the times
    the coach is busy in their own calendar, shown within the hours the rest needs (a late
    evening there does not stretch the grid)."""
    today = timezone.localdate(now)
    by_day = {day: Day(date=day, index=n, is_today=day == today) for n, day in enumerate(days, 1)}
    blocks = _blocks(days, appointments)
    spans = _spans(by_day, working_hours, exceptions)
    # The hours shown: FIRST_HOUR to LAST_HOUR, widened to what the days hold.
    first, last = FIRST_HOUR * 60, LAST_HOUR * 60
    for day in days:
        for start, end in [(b.start, b.end) for b in blocks[day]] + [s[:2] for s in spans[day]]:
            first, last = min(first, start), max(last, end)
    first_hour, last_hour = first // 60, min(-(-last // 60), 24)
    rows = _Rows(origin=first_hour * 60, end=last_hour * 60)
    busy_of = _busy_spans(days, busy)
    most_lanes = MOST_LANES_DAY if len(days) == 1 else MOST_LANES_WEEK
    for day in days:
        entry = by_day[day]
        entry.shades = _shades(entry, spans[day], rows) + _busy_shades(entry, busy_of[day], rows)
        _place(entry, blocks[day], rows, most_lanes=most_lanes, now=now)
        entry.cells = _cells(entry, rows)
    now_percent = None
    minutes_now = _minutes(timezone.localtime(now).time())
    if today in by_day and rows.origin <= minutes_now < rows.end:
        now_percent = 100 * (minutes_now - rows.origin) / (rows.end - rows.origin)
    return Grid(
        days=[by_day[day] for day in days],
        first_hour=first_hour,
        last_hour=last_hour,
        now_percent=now_percent,
    )


@dataclass(frozen=True)
class _Rows:
    """The grid's rows between two wall-clock times (minutes since midnight): row 1 starts at
    `origin`, the first hour shown; `end` is the end of the last hour shown."""

    origin: int
    end: int

    def at(self, minutes: int) -> int:
        """The grid line at (or, between two, before) a time."""
        return (minutes - self.origin) // ROW_MINUTES + 1

    def after(self, minutes: int) -> int:
        """The grid line at (or, between two, after) a time: where a span that ends then ends."""
        return -(-(minutes - self.origin) // ROW_MINUTES) + 1


def _blocks(days: list[date], appointments: Iterable[Appointment]) -> dict[date, list[Block]]:
    """Each day's appointments as blocks; one past midnight on both days."""
    blocks: dict[date, list[Block]] = {day: [] for day in days}
    zone = timezone.get_current_timezone()
    for appointment in appointments:
        days_of = _days_of(appointment, zone)
        local = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
        for day in days_of:
            if day in blocks:
                start, end = _local_span(appointment, *local, day)
                blocks[day].append(Block(appointment, start, end, continued=day != days_of[0]))
    return blocks


def _spans(
    by_day: dict[date, Day],
    working_hours: Iterable[WorkingHours],
    exceptions: Iterable[AvailabilityException],
) -> dict[date, list[tuple[int, int, bool, str]]]:
    """Each day's working time and exceptions as (start, end, off, note) in minutes; a whole
    day off goes in the day's `off_notes` instead."""
    hours_of: dict[int, list[WorkingHours]] = {}
    for hours in working_hours:
        hours_of.setdefault(hours.weekday, []).append(hours)
    spans: dict[date, list[tuple[int, int, bool, str]]] = {
        day: [
            (_minutes(hours.start_time), _minutes(hours.end_time), False, "")
            for hours in hours_of.get(day.weekday(), [])
        ]
        for day in by_day
    }
    for exception in exceptions:
        if exception.date not in by_day:
            continue
        off = exception.kind == AvailabilityException.Kind.BLOCKED
        if exception.start_time is None:  # the whole day off
            by_day[exception.date].off_notes.append(exception.note)
            continue
        start, end = _minutes(exception.start_time), _minutes(exception.end_time)
        spans[exception.date].append((start, end, off, exception.note))
    return spans


def _shades(entry: Day, spans: list[tuple[int, int, bool, str]], rows: _Rows) -> list[Shade]:
    shades = [
        Shade(
            dom_id=f"{'off' if off else 'work'}-{entry.index}-{n}",
            row_start=rows.at(start),
            row_end=rows.after(end),
            off=off,
            note=note,
            start=time(start // 60, start % 60),
            end=time(end // 60, end % 60) if end < 24 * 60 else time(23, 59),
        )
        for n, (start, end, off, note) in enumerate(sorted(spans), 1)
    ]
    if entry.off_notes:
        shades.append(
            Shade(dom_id=f"off-{entry.index}-0", row_start=1, row_end=rows.at(rows.end), off=True)
        )
    return shades


def _busy_spans(
    days: list[date], busy: Iterable[tuple[datetime, datetime]]
) -> dict[date, list[tuple[int, int]]]:
    """Each day's busy times (minutes since midnight), a time past midnight on both days."""
    spans: dict[date, list[tuple[int, int]]] = {day: [] for day in days}
    zone = timezone.get_current_timezone()
    for start, end in busy:
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        for day in days:
            midnight = datetime.combine(day, time.min, tzinfo=zone)
            following = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
            if local_end <= midnight or local_start >= following:
                continue
            begin = 0 if local_start <= midnight else _minutes(local_start.time())
            finish = 24 * 60 if local_end >= following else _minutes(local_end.time())
            if finish > begin:
                spans[day].append((begin, finish))
    return spans


def _busy_shades(entry: Day, spans: list[tuple[int, int]], rows: _Rows) -> list[Shade]:
    shades = []
    for n, (start, end) in enumerate(sorted(spans), 1):
        row_start, row_end = max(rows.at(start), 1), min(rows.after(end), rows.at(rows.end))
        if row_start < row_end:
            shades.append(
                Shade(
                    dom_id=f"busy-{entry.index}-{n}",
                    row_start=row_start,
                    row_end=row_end,
                    off=True,
                    busy=True,
                    start=time(start // 60, start % 60),
                    end=time(end // 60, end % 60) if end < 24 * 60 else time(23, 59),
                )
            )
    return shades


def _place(entry: Day, blocks: list[Block], rows: _Rows, *, most_lanes: int, now: datetime):
    """The day's blocks in order, in their lanes and rows; those still to come can be dragged."""
    entry.blocks = sorted(blocks, key=lambda b: b.start)
    entry.lanes = _lanes(entry.blocks, most_lanes)
    for block in entry.blocks:
        block.row_start, block.row_end = rows.at(block.start), rows.after(block.end)
        block.day_lanes = entry.lanes
        block.draggable = (
            not block.continued
            and block.appointment.status == Appointment.Status.BOOKED
            and block.appointment.start > now
        )


def _cells(entry: Day, rows: _Rows) -> list[Cell]:
    """The day's free half hours (none where a block is, nor in an hour the clock skips or
    repeats)."""
    taken = [(b.start, b.end) for b in entry.blocks]
    # Only on a day the clocks change is a time to check (02:00-03:00 on the last Sunday of
    # March and October); the other days skip that check for each of their half hours.
    midnight = datetime.combine(entry.date, time.min, tzinfo=timezone.get_current_timezone())
    clocks_change = midnight.utcoffset() != (midnight + timedelta(days=1)).utcoffset()
    cells = []
    for minutes in range(rows.origin, rows.end, CELL_MINUTES):
        if any(start < minutes + CELL_MINUTES and minutes < end for start, end in taken):
            continue
        moment = datetime.combine(entry.date, time(minutes // 60, minutes % 60))
        if clocks_change and not _on_the_clock(moment):
            continue
        cells.append(
            Cell(
                dom_id=f"c-{entry.index}-{minutes}",
                row_start=rows.at(minutes),
                row_end=rows.at(minutes + CELL_MINUTES),
                start=moment,
            )
        )
    return cells


@dataclass(frozen=True)
class MonthEntry:
    """An appointment as the month shows it: its local day and time, and who or what it is
    for."""

    day: date
    time: str  # "09:00"
    who: str


@dataclass
class MonthDay:
    date: date
    in_month: bool
    is_today: bool
    count: int = 0
    first: list[MonthEntry] = field(default_factory=list)
    off: bool = False
    # Its cell of the table and its item in the phone's list (sessions.grid_html).
    cell_html: str = ""
    item_html: str = ""

    @property
    def more(self) -> int:
        return self.count - len(self.first)


SHOWN_PER_DAY = 3


def month_weeks(
    *,
    month: date,
    appointments: Iterable[MonthEntry],
    counts: dict[date, int],
    exceptions: Iterable[AvailabilityException],
    today: date,
) -> list[list[MonthDay]]:
    """The weeks (Monday to Sunday) that hold the month's days: per day how many appointments
    hold the coach's time (`counts`, by local day) and the first few of them (`appointments`,
    in order: the view fetches only those)."""
    start, end = month_range(month)
    days = {
        start + timedelta(days=n): MonthDay(
            date=start + timedelta(days=n),
            in_month=(start + timedelta(days=n)).month == month.month,
            is_today=start + timedelta(days=n) == today,
        )
        for n in range((end - start).days)
    }
    for appointment in appointments:
        entry = days.get(appointment.day)
        if entry is None:
            continue
        if len(entry.first) < SHOWN_PER_DAY:
            entry.first.append(appointment)
    for day, count in counts.items():
        if day in days:
            days[day].count = count
    for exception in exceptions:
        if (
            exception.kind == AvailabilityException.Kind.BLOCKED
            and exception.start_time is None
            and exception.date in days
        ):
            days[exception.date].off = True
    ordered = list(days.values())
    return [ordered[n : n + 7] for n in range(0, len(ordered), 7)]


def month_range(month: date) -> tuple[date, date]:
    """The first Monday and the day after the last Sunday of the month's grid."""
    start = month - timedelta(days=month.weekday())
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, following + timedelta(days=(7 - following.weekday()) % 7)
