"""A coach's own calendar as busy times: an iCalendar file read into intervals.

recurring-ical-events (on icalendar) expands what a calendar program writes: weekly and other
rules (RRULE, RDATE), the dates left out (EXDATE), an occurrence moved or changed on its own
(RECURRENCE-ID), events in a time zone of their own and across the daylight-saving changes,
all-day events, and X-WR-TIMEZONE (Google's calendar-wide zone, through x-wr-timezone).

Only when the coach is busy is kept: never a title, place, description or attendee. An event
that is cancelled (STATUS:CANCELLED) or free (TRANSP:TRANSPARENT, "beschikbaar" in the calendar
program) does not count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import recurring_ical_events
import x_wr_timezone

from sessions.slots import Interval, local_zone, merge


class UnreadableCalendar(ValueError):
    """The file is not an iCalendar file we can read."""


def _moment(value: date | datetime, zone) -> datetime:
    """A DTSTART or DTEND as an aware UTC datetime: a date is the start of that day in the
    practice's zone; a time without a zone (floating) is read in the practice's zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def busy_intervals(ics: bytes, start: datetime, end: datetime) -> list[Interval]:
    """The busy intervals of the calendar between `start` and `end` (aware), merged, in UTC."""
    try:
        calendar = x_wr_timezone.to_standard(icalendar.Calendar.from_ical(ics))
        events = recurring_ical_events.of(calendar).between(start, end)
    except Exception as error:  # noqa: BLE001 - any parse failure of a foreign file
        raise UnreadableCalendar(type(error).__name__) from error
    zone = local_zone()
    found = []
    for event in events:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if "DTSTART" not in event:
            continue
        first = event["DTSTART"].dt
        if "DTEND" in event:
            last = event["DTEND"].dt
        elif "DURATION" in event:
            last = first + event["DURATION"].dt
        elif isinstance(first, datetime):
            last = first  # an instant: takes no time
        else:
            last = first + timedelta(days=1)  # an all-day event without an end: that day
        busy_from, busy_to = _moment(first, zone), _moment(last, zone)
        busy_from, busy_to = max(busy_from, start), min(busy_to, end)
        if busy_from < busy_to:
            found.append((busy_from, busy_to))
    return merge(found)
