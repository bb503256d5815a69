"""A coach's own calendar read into busy times (sessions.busy), from calendars as calendar
programs write them (sessions/tests/calendars/)."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sessions.busy import UnreadableCalendar, busy_intervals

CALENDARS = Path(__file__).with_name("calendars")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM).astimezone(UTC)


def read(name: str, start: datetime, end: datetime):
    return busy_intervals((CALENDARS / name).read_bytes(), start, end)


def test_a_weekly_event_with_an_exception_a_moved_one_an_all_day_a_free_and_a_cancelled_one():
    found = read("practice.ics", local(2027, 1, 1), local(2027, 2, 28))
    assert found == [
        (local(2027, 1, 4, 10), local(2027, 1, 4, 11)),  # Monday 4th
        # 11th left out (EXDATE); 5th free (TRANSP), 6th cancelled: not busy
        (local(2027, 1, 7, 14), local(2027, 1, 7, 14, 45)),  # 13:00Z + 45 min (DURATION)
        # the 18th moved to Tuesday 19th, 14:00 (RECURRENCE-ID)
        (local(2027, 1, 19, 14), local(2027, 1, 19, 15)),
        (local(2027, 1, 22), local(2027, 1, 23)),  # all day, in the practice's zone
        (local(2027, 1, 25, 10), local(2027, 1, 25, 11)),
        (local(2027, 2, 1, 10), local(2027, 2, 1, 11)),
        (local(2027, 2, 8, 10), local(2027, 2, 8, 11)),
    ]


def test_nine_oclock_stays_nine_oclock_across_both_daylight_saving_changes():
    spring = read("dst.ics", local(2027, 3, 1), local(2027, 4, 30))
    assert [start.astimezone(AMSTERDAM).hour for start, _end in spring] == [9, 9, 9]
    # 27 March at 9:00 is 8:00 UTC; 3 April (after the change) 7:00 UTC.
    assert [start.hour for start, _end in spring] == [8, 8, 7]
    autumn = read("dst.ics", local(2027, 10, 1), local(2027, 11, 30))
    nine = [
        start
        for start, end in autumn
        if end - start == (local(2027, 1, 1, 10) - local(2027, 1, 1, 9))
    ]
    assert [start.astimezone(AMSTERDAM).hour for start in nine] == [9, 9, 9]
    # The night of the change: 1:30 to 4:30 local is four real hours (the clock repeats 2-3).
    night = [(start, end) for start, end in autumn if start.astimezone(AMSTERDAM).hour == 1]
    assert night and (night[0][1] - night[0][0]).total_seconds() == 4 * 3600


def test_only_the_window_is_kept():
    found = read("practice.ics", local(2027, 1, 4, 10, 30), local(2027, 1, 4, 12))
    assert found == [(local(2027, 1, 4, 10, 30), local(2027, 1, 4, 11))]


def test_nothing_of_the_events_is_kept_but_their_times():
    found = read("practice.ics", local(2027, 1, 1), local(2027, 2, 28))
    assert all(isinstance(a, datetime) and isinstance(b, datetime) for a, b in found)


@pytest.mark.parametrize("data", [b"", b"not a calendar", b"BEGIN:VCALENDAR\nBEGIN:VEVENT\n"])
def test_a_file_that_is_no_calendar_is_refused(data):
    with pytest.raises(UnreadableCalendar):
        busy_intervals(data, local(2027, 1, 1), local(2027, 2, 1))
