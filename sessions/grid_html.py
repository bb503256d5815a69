"""The calendar's days as HTML, built here rather than in the templates
(calendar_grid.html, calendar_month.html): a week holds some 35 appointments (each drawn twice:
on the grid and in the phone's list) and some 200 free half hours, a month 35 days, and through
the template engine (a url tag, date filters, an include and three choice labels per
appointment) they were most of the page's time (`make bench`). The markup is what the templates
made; the templates place it.

Every value from the database or a translation is escaped with `_e` (the standard library's
html.escape, which is what django.utils.html.escape runs, without the lazy-string wrapper that
made format_html a third of this module's time)."""

from collections.abc import Callable
from datetime import date
from html import escape as _e

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from coaching.dates import readable
from coaching.links import url_for
from sessions.grid import Block, Cell, Day, Grid, MonthDay
from sessions.labels import kind_label, mode_label
from sessions.models import Appointment


def write(grid: Grid, *, week: bool, traject: str) -> None:
    """Give the grid and each of its days what the template shows: the hours' labels, and per
    day its column of the grid and its part of the phone's list, as HTML."""
    grid.hour_labels = [f"{hour:%H:%M}" for hour in grid.hours]
    shown = Appointments()
    today = timezone.localdate()
    for day in grid.days:
        day.label = readable(day.date, weekday=True, long=True, today=today)
        day.column_html = column(day, grid, shown, week=week, traject=traject, today=today)
        day.list_html = listed(day, shown)


def column(
    day: Day, grid: Grid, shown: "Appointments", *, week: bool, traject: str, today: date
) -> SafeString:
    """The day's column: its heading, then in layers its working time and time off, its free
    half hours, its appointments and (today) the current time's line."""
    marked = " cal-today" if day.is_today else ""
    blocks = shown.blocks(day) or (
        f'<li class="visually-hidden">{_e(gettext("Geen afspraken."))}</li>'
    )
    # Today's line, also before the first hour shown: calendar.js shows it when the time comes.
    now = ""
    if day.is_today:
        hidden = " hidden" if grid.now_percent is None else ""
        now = f'<div id="cal-now" class="cal-now" aria-hidden="true"{hidden}></div>'
    return mark_safe(  # nosec B308 B703
        f'<section class="cal-day{marked}" aria-labelledby="day-{day.index}">\n'
        f'<h2 class="cal-head" id="day-{day.index}">\n'
        f"{heading(day, week=week, traject=traject, today=today)}\n</h2>\n"
        f'<div class="cal-body" data-date="{day.date:%Y-%m-%d}">\n'
        f'<div class="cal-layer cal-bg">\n{shades(day)}</div>\n'
        f'<div class="cal-layer cal-cells" aria-hidden="true">\n'
        f"{free_cells(day.cells, traject)}\n</div>\n"
        f'<ol class="cal-layer cal-blocks" id="blocks-{day.index}">\n{blocks}\n</ol>\n'
        f"{now}\n</div>\n</section>\n"
    )


def listed(day: Day, shown: "Appointments") -> SafeString:
    """The day in the phone's list: its name, a day off, its appointments."""
    today = ""
    if day.is_today:
        today = f' <span class="badge text-bg-primary">{_e(gettext("vandaag"))}</span>'
    off = ""
    if day.off_notes:
        text = gettext("vrij") + "".join(f" · {note}" for note in day.off_notes if note)
        off = f'<p class="small text-body-secondary mb-2">{_e(text)}</p>\n'
    for shade in (shade for shade in day.shades if shade.busy):
        at = {"start": f"{shade.start:%H:%M}", "end": f"{shade.end:%H:%M}"}
        text = gettext("bezet (eigen agenda) %(start)s–%(end)s") % at
        off += f'<p class="small text-body-secondary mb-2">{_e(text)}</p>\n'
    if day.blocks:
        appointments = f'<ul class="list-group">\n{shown.items(day)}</ul>\n'
    else:
        none = _e(gettext("Geen afspraken."))
        appointments = f'<p class="small text-body-secondary mb-0">{none}</p>\n'
    return mark_safe(  # nosec B308 B703
        f'<section class="mb-3" aria-labelledby="list-day-{day.index}">\n'
        f'<h2 class="h6 mb-2" id="list-day-{day.index}">{_e(day.label)}{today}</h2>\n'
        f"{off}{appointments}</section>\n"
    )


def heading(day: Day, *, week: bool, traject: str, today: date) -> SafeString:
    """The day's name and date; in the week, a link to the day (with the date short below the
    widest screens)."""
    weekday = _e(dateformat.format(day.date, "l"))
    long = _e(readable(day.date, long=True, today=today))
    if week:
        href = _e(
            f"?view=day&date={day.date:%Y-%m-%d}" + (f"&traject={traject}" if traject else "")
        )
        text = (
            f'<a href="{href}"><span class="cal-weekday">{weekday}</span> '
            f'<span class="cal-date d-none d-xl-inline">{long}</span>'
            f'<span class="d-xl-none">{_e(readable(day.date, today=today))}</span></a>'
        )
    else:
        text = f'<span class="cal-weekday">{weekday}</span> <span class="cal-date">{long}</span>'
    if day.is_today:
        badge = _e(gettext("vandaag"))
        text += f' <span class="badge text-bg-primary cal-today-badge">{badge}</span>'
    return mark_safe(text)  # nosec B308 B703


def shades(day: Day) -> SafeString:
    """The day's working time (shaded) and time off (hatched, saying so, with its note)."""
    parts = []
    for shade in day.shades:
        label = ""
        if shade.busy:
            at = {"start": f"{shade.start:%H:%M}", "end": f"{shade.end:%H:%M}"}
            text = gettext("bezet (eigen agenda) %(start)s–%(end)s") % at
            label = f'<span class="cal-off-label">{_e(text)}</span>'
        elif shade.off:
            if shade.start:
                at = {"start": f"{shade.start:%H:%M}", "end": f"{shade.end:%H:%M}"}
                text = gettext("vrij %(start)s–%(end)s") % at
                if shade.note:
                    text += f" · {shade.note}"
            else:
                text = gettext("vrij") + "".join(f" · {note}" for note in day.off_notes if note)
            label = f'<span class="cal-off-label">{_e(text)}</span>'
        kind = "cal-off" if shade.off else "cal-work"
        parts.append(f'<div id="{shade.dom_id}" class="cal-shade {kind}">{label}</div>\n')
    return mark_safe("".join(parts))  # nosec B308 B703


def free_cells(cells: list[Cell], traject: str) -> SafeString:
    """A day's free half hours as links to plan one then (mouse only: tabindex -1)."""
    if not cells:
        return mark_safe("")  # nosec B308 B703
    title = _e(gettext("Nieuwe afspraak om %(time)s"))
    # What every link of the day shares, escaped once: "…/nieuw/?start=2026-12-04T" and
    # "&amp;traject=…".
    head = _e(f"{reverse('appointment_new')}?start={cells[0].start:%Y-%m-%d}T")
    tail = _e(f"&traject={traject}") if traject else ""
    links = []
    for cell in cells:
        at = f"{cell.start.hour:02d}:{cell.start.minute:02d}"
        links.append(
            f'<a id="{cell.dom_id}" class="cal-free" tabindex="-1" data-time="{at}" '
            f'title="{title % {"time": at}}" href="{head}{at}{tail}"></a>'
        )
    return mark_safe("".join(links))  # nosec B308 B703


class Appointments:
    """Each day's appointments as the grid's blocks and the phone's list items. What an
    appointment shows (its time, link and text) is made once, also for one on two days. The
    appointments come with their names as values (`client_first_name`, `client_last_name`,
    `meeting_uuid`, `meeting_number`, `group_name`: sessions.views.calendar.NAMES)."""

    def __init__(self) -> None:
        self._detail = url_for("appointment_detail")
        self._move = url_for("appointment_move")
        self._meeting = url_for("meeting_detail")
        self._meeting_move = url_for("meeting_move")
        self._shown: dict[int, tuple[str, str, str]] = {}
        # Looked up once a page, not once an appointment: the zone and each translation ask
        # the request's thread-local state every time.
        self._zone = timezone.get_current_timezone()
        self._labels: dict[tuple, str] = {}

    def blocks(self, day: Day) -> SafeString:
        """The blocks placed on the day's grid (`<li>`s of its `<ol>`)."""
        when = _e(day.label)
        return mark_safe("".join(self._block(block, when) for block in day.placed))  # nosec B308 B703

    def items(self, day: Day) -> SafeString:
        """All the day's appointments for the phone's list (`<li>`s of its `<ul>`)."""
        return mark_safe("".join(self._item(block.appointment) for block in day.blocks))  # nosec B308 B703

    def _block(self, block: Block, when: str) -> str:
        a = block.appointment
        time, href, text = self._show(a)
        classes = f"cal-block kind-{_e(a.kind)} status-{_e(a.status)}"
        if block.short:
            classes += " cal-short"
        if not a.is_active:
            classes += " text-decoration-line-through"
        data = ""
        if block.draggable:
            classes += " cal-draggable"
            move = self._meeting_move(a.meeting_uuid) if _is_meeting(a) else self._move(a.uuid)
            data = (
                f' data-move-url="{move}" data-minutes="{a.duration_minutes}"'
                f' data-row="{block.row_start}"'
            )
        more = ""
        if block.more:
            cancelled = gettext("+%(n)s geannuleerd (in de dagweergave)") % {"n": block.more}
            more = f'<span class="cal-status">{_e(cancelled)}</span>\n'
        return (
            f'<li id="{block.dom_id}" class="{classes}"{data}>\n'
            f'<a href="{href}" draggable="false">\n'
            f'<span class="visually-hidden">{when}, </span><span class="cal-time">{time}</span>\n'
            f"{text}{more}</a>\n</li>\n"
        )

    def _item(self, a: Appointment) -> str:
        time, href, text = self._show(a)
        struck = "" if a.is_active else " text-decoration-line-through"
        secondary = " text-body-secondary" if struck else ""
        return (
            f'<li class="list-group-item p-0 kind-{_e(a.kind)}{struck}{secondary}">\n'
            f'<a class="cal-list-link{struck}" href="{href}">\n'
            f'<span class="cal-time">{time}</span>\n{text}</a>\n</li>\n'
        )

    def _show(self, a: Appointment) -> tuple[str, str, str]:
        """Its time, its page (a meeting's own page for a Backstage meeting) and its text
        (escaped): who, what, how, where, and a status other than planned."""
        if a.pk not in self._shown:
            if _is_meeting(a):
                href = self._meeting(a.meeting_uuid)
                who = a.group_name
                what = gettext("Backstage-bijeenkomst %(n)s van 8") % {"n": a.meeting_number}
            else:
                href = self._detail(a.uuid)
                # As Client.__str__ writes the client.
                who = f"{a.client_first_name} {a.client_last_name}" if a.traject_id else ""
                what = self._label(("kind", a.kind), kind_label, a)
            what += f" · {self._label(('mode', a.mode), mode_label, a)}"
            if a.location:
                what += f" · {a.location}"
            text = (
                f'<span class="cal-who">{_e(who)}</span>\n'
                f'<span class="cal-what">{_e(what)}</span>\n'
            )
            if a.status != Appointment.Status.BOOKED:
                status = ("status", a.status, a.cancelled_by, a.fee_waived)
                text += f'<span class="cal-status">{_e(self._label(status, _status, a))}</span>\n'
            start, end = a.start.astimezone(self._zone), a.end.astimezone(self._zone)
            self._shown[a.pk] = (f"{start:%H:%M}–{end:%H:%M}", href, text)
        return self._shown[a.pk]

    def _label(self, key: tuple, make: Callable[[Appointment], str], a: Appointment) -> str:
        """A label the page shows again and again (a kind, a form, a status), made once."""
        if key not in self._labels:
            self._labels[key] = make(a)
        return self._labels[key]


def month_cell(day: MonthDay, traject: str, *, today: date) -> SafeString:
    """A day of the month's table: its number (a link to the day), how many appointments, and
    the first few."""
    classes = "" if day.in_month else "cal-other-month"
    if day.is_today:
        classes += " cal-today"
    if day.off:
        classes += " cal-off"
    count = ""
    if day.count:
        count = f'<span class="badge rounded-pill cal-count">{_e(_how_many(day.count))}</span>'
    badges = ""
    if day.is_today:
        badges += f'<span class="badge text-bg-primary">{_e(gettext("vandaag"))}</span>\n'
    if day.off:
        badges += f'<span class="badge cal-off-badge">{_e(gettext("vrij"))}</span>\n'
    listed = ""
    if day.first:
        items = "".join(f"<li>{a.time} {_e(a.who)}</li>\n" for a in day.first)
        if day.more:
            more = gettext("en %(n)s meer") % {"n": day.more}
            items += f'<li class="text-body-secondary">{_e(more)}</li>\n'
        listed = f'<ul class="list-unstyled small mb-0 cal-month-list">\n{items}</ul>\n'
    current = ' aria-current="date"' if day.is_today else ""
    return mark_safe(  # nosec B308 B703
        f'<td class="{classes}">\n'
        '<div class="d-flex justify-content-between align-items-start gap-1">\n'
        f'<a class="cal-month-day" href="{_day_link(day, traject)}"{current}>'
        f'<span aria-hidden="true">{day.date.day}</span>'
        f'<span class="visually-hidden">{_e(_label(day.date, today))}</span>'
        f"</a>\n{count}\n</div>\n{badges}{listed}</td>\n"
    )


def month_item(day: MonthDay, traject: str, *, today: date) -> SafeString:
    """A busy day of the month in the phone's list: a link to the day, with how many."""
    text = _label(day.date, today)
    if day.is_today:
        text += f" ({gettext('vandaag')})"
    text += f" · {_how_many(day.count)}"
    return mark_safe(  # nosec B308 B703
        '<li class="list-group-item p-0">\n'
        f'<a class="cal-list-link" href="{_day_link(day, traject)}">{_e(text)}</a>\n</li>\n'
    )


def _label(day: date, today: date) -> str:
    """ "vrijdag 4 december": the day's name for a screen reader and the phone's list."""
    return readable(day, weekday=True, long=True, today=today)


def _day_link(day: MonthDay, traject: str) -> str:
    """The day's view, escaped for an attribute (`&amp;`)."""
    return _e(f"?view=day&date={day.date:%Y-%m-%d}" + (f"&traject={traject}" if traject else ""))


def _how_many(count: int) -> str:
    return ngettext("%(n)s afspraak", "%(n)s afspraken", count) % {"n": count}


def _status(a: Appointment) -> str:
    """Its status as people read it (with who cancelled, and a fee waived)."""
    return a.status_text


def _is_meeting(a: Appointment) -> bool:
    """The time of a Backstage meeting (its page and its move are the meeting's)."""
    return a.kind == Appointment.Kind.BACKSTAGE and a.meeting_uuid is not None
