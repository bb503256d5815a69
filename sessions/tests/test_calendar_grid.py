"""The coach's calendar on a time grid: blocks placed by time and duration,
working hours and days off, today, the month's counts, only the coach's own appointments, a
free time that plans, and a move by dragging (JSON) through the move form's rules."""

import json
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.services.groups import group_create
from groups.services.members import member_add
from sessions import grid, grid_html
from sessions.models import Appointment, AvailabilityException, WorkingHours
from sessions.services.booking import SLOT_TAKEN, appointment_book, appointment_cancel
from trajects.tests.factories import running_traject

JSON = {"HTTP_ACCEPT": "application/json"}
ZONE = timezone.get_current_timezone()


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def book(coach, start: datetime, minutes: int = 60, *, traject=None, **extra) -> Appointment:
    return appointment_book(
        coach=coach,
        start=start,
        end=start + timedelta(minutes=minutes),
        kind=extra.pop("kind", "session"),
        mode=extra.pop("mode", "practice"),
        by=coach,
        traject=traject,
        **extra,
    )


def style_of(html: str) -> str:
    """The page's nonce'd <style> block, where the grid places everything."""
    found = re.search(r'<style nonce="[^"]+">(.*?)</style>', html, re.S)
    assert found, "no nonce'd style block"
    return found[1]


@pytest.fixture
def traject(coach_a):
    return running_traject(coach_a, client__coach=coach_a, client__first_name="Noor")


@pytest.fixture
def week_page(client, coach_a):
    client.force_login(coach_a)

    def get(day: date | None = None, view: str = "week") -> str:
        day = day or next_monday()
        response = client.get(f"/coach/agenda/?view={view}&date={day.isoformat()}")
        assert response.status_code == 200
        return response.content.decode()

    return get


@pytest.mark.django_db
class TestTheGrid:
    def test_blocks_are_placed_by_their_time_and_duration(self, coach_a, traject, week_page):
        monday = next_monday()
        hour = book(coach_a, at(monday, 10), 60, traject=traject)
        half = book(coach_a, at(monday + timedelta(days=1), 10), 30, traject=traject)
        html = week_page()
        css = style_of(html)
        # The grid starts at 07:00 (nothing earlier): 10:00 is the 13th quarter, 11:00 line 17.
        assert f"#blk-{hour.uuid}{{grid-row:13/17;grid-column:1 / -1}}" in css
        assert f"#blk-{half.uuid}{{grid-row:13/15;grid-column:1 / -1}}" in css
        assert ".cal-body{height:calc(56 * var(--cal-row))}" in css  # 07:00-21:00
        # Half an hour: time and name on one line; each block says day, time, who, what.
        block = re.search(rf'<li id="blk-{half.uuid}" class="([^"]+)"', html)
        assert "cal-short" in block[1].split()
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assert "10:00–11:00 Noor" in text and "coachingsessie · in de praktijk" in text
        assert f'href="/coach/afspraken/{hour.uuid}/"' in html

    def test_the_day_view_has_one_column_and_the_same_places(self, coach_a, traject, week_page):
        monday = next_monday()
        hour = book(coach_a, at(monday, 10), 60, traject=traject)
        html = week_page(monday, "day")
        assert f"#blk-{hour.uuid}{{grid-row:13/17;" in style_of(html)
        assert 'class="cal-grid cal-n1' in html
        assert html.count('<section class="cal-day') == 1

    def test_an_early_appointment_and_late_extra_hours_widen_the_day(
        self, coach_a, traject, week_page
    ):
        monday = next_monday()
        early = book(coach_a, at(monday, 6, 30), 45, traject=traject)
        AvailabilityException.objects.create(
            coach=coach_a,
            date=monday + timedelta(days=2),
            kind="extra",
            start_time=time(19),
            end_time=time(22, 30),
        )
        css = style_of(week_page())
        # 06:00 to 23:00: 17 hours of 4 rows; 06:30 is the third row.
        assert ".cal-body{height:calc(68 * var(--cal-row))}" in css
        assert f"#blk-{early.uuid}{{grid-row:3/6;" in css
        assert "#work-3-1{grid-row:53/67}" in css  # the extra hours are working time

    def test_working_hours_and_days_off_are_shown(self, coach_a, week_page):
        monday = next_monday()
        WorkingHours.objects.create(coach=coach_a, weekday=0, start_time=time(9), end_time=time(17))
        WorkingHours.objects.create(
            coach=coach_a, weekday=1, start_time=time(9), end_time=time(12, 30)
        )
        AvailabilityException.objects.create(
            coach=coach_a, date=monday + timedelta(days=2), kind="blocked", note="Studiedag"
        )
        AvailabilityException.objects.create(
            coach=coach_a,
            date=monday + timedelta(days=3),
            kind="blocked",
            start_time=time(12),
            end_time=time(13),
            note="Tandarts",
        )
        html = week_page()
        css = style_of(html)
        assert "#work-1-1{grid-row:9/41}" in css  # Monday 09:00-17:00
        assert "#work-2-1{grid-row:9/23}" in css  # Tuesday 09:00-12:30
        assert "#off-3-0{grid-row:1/57}" in css  # Wednesday: the whole day off
        assert "#off-4-1{grid-row:21/25}" in css  # Thursday 12:00-13:00
        assert "vrij · Studiedag" in html
        assert "vrij 12:00–13:00 · Tandarts" in html
        assert "#work-5" not in css  # no hours on Friday

    def test_a_free_half_hour_plans_an_appointment_then(self, coach_a, traject, week_page):
        monday = next_monday()
        book(coach_a, at(monday, 10), 60, traject=traject)
        html = week_page()
        assert f'href="/coach/agenda/nieuw/?start={monday.isoformat()}T09:30"' in html
        # Not where an appointment is; and never a tab stop.
        assert f"?start={monday.isoformat()}T10:00" not in html
        assert f"?start={monday.isoformat()}T10:30" not in html
        cells = re.findall(r'<a id="c-[^"]+" class="cal-free" tabindex="-1"', html)
        assert len(cells) == 7 * 28 - 2

    def test_a_cancelled_appointment_sits_next_to_the_one_now_at_its_time(
        self, coach_a, traject, week_page
    ):
        monday = next_monday()
        first = book(coach_a, at(monday, 10), 60, traject=traject)
        appointment_cancel(appointment=first, by=coach_a, cancelled_by="coach", reason="Ziek")
        second = book(coach_a, at(monday, 10), 60, traject=traject)
        html = week_page()
        css = style_of(html)
        assert "#blocks-1{grid-template-columns:repeat(2,minmax(0,1fr))}" in css
        assert f"#blk-{second.uuid}{{grid-row:13/17;grid-column:1}}" in css
        assert f"#blk-{first.uuid}{{grid-row:13/17;grid-column:2}}" in css
        cancelled = re.search(rf'<li id="blk-{first.uuid}" class="([^"]+)"([^>]*)>', html)
        assert "text-decoration-line-through" in cancelled[1]
        assert "data-move-url" not in cancelled[2]  # not draggable
        assert "geannuleerd door de coach" in html
        booked = re.search(rf'<li id="blk-{second.uuid}" class="[^"]+"([^>]*)>', html)
        assert f'data-move-url="/coach/afspraken/{second.uuid}/verzetten/"' in booked[1]

    def test_six_at_one_time_leave_the_one_that_holds_it_readable(
        self, coach_a, traject, week_page
    ):
        """Five cancelled (one of them from 09:30) and the one now at 10:00: the one that holds
        the time has the first lane and the most room; a week's day has three lanes at most
        (six were 17 px each: unreadable, and under axe's 24 px target size), the rest is
        counted there and shown in the day view, where all six fit."""
        monday = next_monday()
        earlier = book(coach_a, at(monday, 9, 30), 60, traject=traject)
        appointment_cancel(appointment=earlier, by=coach_a, cancelled_by="coach", reason="Ziek")
        gone = []
        for _ in range(4):
            gone.append(book(coach_a, at(monday, 10), 60, traject=traject))
            appointment_cancel(appointment=gone[-1], by=coach_a, cancelled_by="client", reason="")
        holds = book(coach_a, at(monday, 10), 60, traject=traject)
        html = week_page()
        css = style_of(html)
        assert "#blocks-1{grid-template-columns:minmax(0,2fr) repeat(2,minmax(0,1fr))}" in css
        assert f"#blk-{holds.uuid}{{grid-row:13/17;grid-column:1}}" in css
        assert f"#blk-{earlier.uuid}{{grid-row:11/15;grid-column:2}}" in css
        assert f"#blk-{gone[0].uuid}{{grid-row:13/17;grid-column:3}}" in css
        grid_part = html.split('<div class="cal-list')[0]
        for left_off in gone[1:]:
            assert f"#blk-{left_off.uuid}" not in css
            assert str(left_off.uuid) not in grid_part
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", grid_part))
        assert "+3 geannuleerd (in de dagweergave)" in text
        # The phone's list and the day view have them all.
        assert html.split('<div class="cal-list')[1].count("text-decoration-line-through") >= 5
        day_css = style_of(week_page(monday, "day"))
        assert "#blocks-1{grid-template-columns:minmax(0,5fr) repeat(5,minmax(0,1fr))}" in day_css
        assert all(f"#blk-{left_off.uuid}" in day_css for left_off in gone)

    def test_a_past_appointment_is_not_draggable(self, client, coach_a, traject):
        yesterday = timezone.localdate() - timedelta(days=1)
        past = book(coach_a, at(yesterday, 10), 60, traject=traject)
        client.force_login(coach_a)
        html = client.get(f"/coach/agenda/?view=day&date={yesterday}").content.decode()
        block = re.search(rf'<li id="blk-{past.uuid}" class="[^"]+"([^>]*)>', html)
        assert block and "data-move-url" not in block[1]

    def test_a_meeting_is_its_group_and_number_and_moves_on_its_page(self, coach_a, week_page):
        group = make_group(coach_a)
        meeting = group.meetings.select_related("appointment").get(number=1)
        day = timezone.localtime(meeting.appointment.start).date()
        html = week_page(day)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assert "Leidinggevenden Oost" in text and "bijeenkomst 1 van 8" in text
        assert f'href="/coach/bijeenkomsten/{meeting.uuid}/"' in html
        assert f'data-move-url="/coach/bijeenkomsten/{meeting.uuid}/verzetten/"' in html

    def test_today_is_marked(self, client, coach_a):
        client.force_login(coach_a)
        today = timezone.localdate()
        html = client.get("/coach/agenda/").content.decode()
        index = today.weekday() + 1
        assert f'<section class="cal-day cal-today" aria-labelledby="day-{index}">' in html
        assert html.count("cal-day cal-today") == 1
        assert ">vandaag</span>" in html

    def test_the_current_time_line_is_where_now_is(self):
        today = date(2026, 6, 3)
        days = [today - timedelta(days=2) + timedelta(days=n) for n in range(7)]
        built = grid.build(
            days=days, appointments=[], working_hours=[], exceptions=[], now=at(today, 14, 0)
        )
        assert [day.is_today for day in built.days] == [n == 2 for n in range(7)]
        # 14:00 in a day from 07:00 to 21:00: halfway.
        assert "#cal-now{top:50.00%}" in built.css()
        at_night = grid.build(
            days=days, appointments=[], working_hours=[], exceptions=[], now=at(today, 22)
        )
        assert at_night.now_percent is None
        html_free = grid.build(
            days=days[3:], appointments=[], working_hours=[], exceptions=[], now=at(today, 14)
        )
        assert html_free.now_percent is None  # today not shown

    def test_the_time_line_is_there_to_show_when_the_day_shown_begins(self, rf, coach_a):
        """Opened at 06:30 (the grid from 07:00), today's line is on the page, hidden, for
        calendar.js to show at 07:00; before the fix there was none until a reload."""
        today = date(2026, 6, 3)
        built = grid.build(
            days=[today], appointments=[], working_hours=[], exceptions=[], now=at(today, 6, 30)
        )
        grid_html.write(built, week=False, traject="")
        html = render_to_string(
            "sessions/calendar_grid.html", {"grid": built, "view": "day"}, request=rf.get("/")
        )
        assert '<div id="cal-now" class="cal-now" aria-hidden="true" hidden></div>' in html
        at_noon = grid.build(
            days=[today], appointments=[], working_hours=[], exceptions=[], now=at(today, 12)
        )
        grid_html.write(at_noon, week=False, traject="")
        html = render_to_string(
            "sessions/calendar_grid.html", {"grid": at_noon, "view": "day"}, request=rf.get("/")
        )
        assert '<div id="cal-now" class="cal-now" aria-hidden="true"></div>' in html

    def test_an_appointment_past_midnight_is_on_both_days(self, coach_a, traject, week_page):
        sunday = next_monday() + timedelta(days=6)
        late = book(coach_a, at(sunday, 23), 120, traject=traject)  # to Monday 01:00
        css = style_of(week_page(sunday, "day"))
        assert f"#blk-{late.uuid}{{grid-row:65/69;" in css  # 07:00-24:00: 23:00 to the end
        html = week_page(sunday + timedelta(days=1), "day")
        css = style_of(html)
        # Monday, from 00:00: the hour after midnight is taken, not a free time to plan in.
        assert f"#blk-{late.uuid}-next{{grid-row:1/5;grid-column:1 / -1}}" in css
        assert f"?start={sunday + timedelta(days=1)}T00:30" not in html
        assert f"?start={sunday + timedelta(days=1)}T01:00" in html
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assert "23:00–01:00 Noor" in text
        # Dragged only by its start, on Sunday.
        block = re.search(rf'<li id="blk-{late.uuid}-next" class="[^"]+"([^>]*)>', html)
        assert block and "data-move-url" not in block[1]
        # The next week's Monday, in the week view, too.
        assert f"#blk-{late.uuid}-next{{grid-row:1/5;" in style_of(
            week_page(sunday + timedelta(days=1))
        )

    def test_the_nights_the_clocks_change(self):
        """Europe/Amsterdam: 28 March 2027 has no 02:00-03:00, 31 October 2027 has it twice.
        A block is as long as its appointment, and no free time is offered at a time the
        appointment form cannot take (it refuses a time that does not exist or comes twice)."""
        utc = ZoneInfo("UTC")

        def appointment(start: datetime, minutes: int) -> Appointment:
            return Appointment(start=start, end=start + timedelta(minutes=minutes), status="booked")

        spring, autumn = date(2027, 3, 28), date(2027, 10, 31)
        early = appointment(datetime(2027, 3, 28, 0, 0, tzinfo=utc), 30)  # 01:00 (+01:00)
        built = grid.build(
            days=[spring], appointments=[early], working_hours=[], exceptions=[], now=at(spring, 9)
        )
        starts = [cell.start.time() for cell in built.days[0].cells]
        assert time(1, 30) in starts and time(3) in starts
        assert time(2) not in starts and time(2, 30) not in starts

        twice = appointment(datetime(2027, 10, 31, 0, 30, tzinfo=utc), 60)  # 02:30+02 - 02:30+01
        built = grid.build(
            days=[autumn], appointments=[twice], working_hours=[], exceptions=[], now=at(spring, 9)
        )
        block = built.days[0].blocks[0]
        assert (block.start, block.end) == (150, 210)  # an hour long, not a 15-minute sliver
        starts = [cell.start.time() for cell in built.days[0].cells]
        assert time(2) not in starts and time(3, 30) in starts

    def test_another_coachs_appointments_are_never_shown(
        self, client, coach_a, coach_b, client_b, traject
    ):
        monday = next_monday()
        theirs_traject = running_traject(coach_b, client=client_b)
        theirs = book(coach_b, at(monday, 10), 60, traject=theirs_traject)
        client.force_login(coach_a)
        for view in ("day", "week", "month"):
            html = client.get(f"/coach/agenda/?view={view}&date={monday}").content.decode()
            assert str(theirs.uuid) not in html
            assert client_b.last_name not in html


@pytest.mark.django_db
class TestNavigation:
    def test_the_old_week_links_still_work(self, client, coach_a):
        client.force_login(coach_a)
        monday = next_monday()
        html = client.get(f"/coach/agenda/?week={monday + timedelta(days=2)}").content.decode()
        assert "<h1" in html and "Week van" in html
        assert f'data-date="{monday.isoformat()}"' in html
        assert f'href="?view=week&amp;date={monday - timedelta(days=7)}"' in html
        assert f'href="?view=day&amp;date={monday + timedelta(days=2)}"' in html  # keeps the day

    def test_the_day_and_the_month_step_by_their_own(self, client, coach_a):
        client.force_login(coach_a)
        html = client.get("/coach/agenda/?view=day&date=2026-03-31").content.decode()
        assert 'href="?view=day&amp;date=2026-03-30"' in html
        assert 'href="?view=day&amp;date=2026-04-01"' in html
        html = client.get("/coach/agenda/?view=month&date=2026-01-31").content.decode()
        assert 'href="?view=month&amp;date=2025-12-01"' in html
        assert 'href="?view=month&amp;date=2026-02-01"' in html
        assert "januari 2026" in html

    @pytest.mark.parametrize(
        "query",
        [
            "view=nonsense",
            "view=day&date=9999-12-31",
            "view=month&date=0001-01-01",
            "date=2026-02-30",
            "view=week&week=nonsense",
            "view=month&date=",
            "traject=nope",
        ],
    )
    def test_odd_values_show_a_calendar(self, client, coach_a, query):
        client.force_login(coach_a)
        assert client.get(f"/coach/agenda/?{query}").status_code == 200

    def test_a_traject_the_coach_came_from_goes_along(self, client, coach_a, traject):
        client.force_login(coach_a)
        html = client.get(f"/coach/agenda/?traject={traject.uuid}").content.decode()
        assert f"&amp;traject={traject.uuid}" in html
        assert f'href="/coach/agenda/nieuw/?traject={traject.uuid}"' in html


@pytest.mark.django_db
class TestTheMonth:
    def test_per_day_the_count_and_the_first_few(self, client, coach_a, traject):
        client.force_login(coach_a)
        monday = next_monday()
        for hour in (9, 10, 11, 12, 13):
            book(coach_a, at(monday, hour), 45, traject=traject)
        cancelled = book(coach_a, at(monday, 15), 45, traject=traject)
        appointment_cancel(appointment=cancelled, by=coach_a, cancelled_by="coach", reason="")
        book(coach_a, at(monday + timedelta(days=1), 9), 45, traject=traject)
        AvailabilityException.objects.create(
            coach=coach_a, date=monday + timedelta(days=2), kind="blocked"
        )
        html = client.get(f"/coach/agenda/?view=month&date={monday}").content.decode()
        assert "5 afspraken" in html  # the cancelled one holds no time
        assert "1 afspraak<" in html
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assert "09:00 Noor" in text and "11:00 Noor" in text
        assert "12:00 Noor" not in text and "en 2 meer" in text
        assert f'href="?view=day&amp;date={monday}"' in html
        assert ">vrij</span>" in html

    def test_a_day_is_the_local_day_and_shows_its_first_three(self, client, coach_a, traject):
        """Counted and picked by the database per day in Europe/Amsterdam: 00:30 on Tuesday
        is Monday 23:30 in UTC."""
        client.force_login(coach_a)
        tuesday = next_monday() + timedelta(days=1)
        for hour, minute in ((0, 30), (8, 0), (9, 0), (10, 0)):
            book(coach_a, at(tuesday, hour, minute), 30, traject=traject)
        html = client.get(f"/coach/agenda/?view=month&date={tuesday}").content.decode()

        def cell(day: date) -> str:
            found = html.split(f'class="cal-month-day" href="?view=day&amp;date={day}"')[1]
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.split("</td>")[0]))

        assert "4 afspraken" in cell(tuesday) and "en 1 meer" in cell(tuesday)
        assert "00:30 Noor" in cell(tuesday) and "09:00 Noor" in cell(tuesday)
        assert "10:00" not in cell(tuesday)
        assert "afspra" not in cell(tuesday - timedelta(days=1))

    def test_names_and_places_are_escaped(self, client, coach_a):
        client.force_login(coach_a)
        other = running_traject(coach_a, client__coach=coach_a, client__first_name="<b>Eva</b>")
        monday = next_monday()
        book(coach_a, at(monday, 9), 60, traject=other, location='Zaal "2" & <i>boven</i>')
        for view in ("week", "day", "month"):
            html = client.get(f"/coach/agenda/?view={view}&date={monday}").content.decode()
            assert "<b>Eva" not in html and "&lt;b&gt;Eva&lt;/b&gt;" in html
            if view != "month":
                assert "<i>boven" not in html
                assert "Zaal &quot;2&quot; &amp; &lt;i&gt;boven&lt;/i&gt;" in html

    def test_the_weeks_run_from_monday_to_sunday(self):
        weeks = grid.month_weeks(
            month=date(2026, 2, 1),
            appointments=[],
            counts={},
            exceptions=[],
            today=date(2026, 2, 10),
        )
        assert weeks[0][0].date == date(2026, 1, 26) and weeks[-1][-1].date == date(2026, 3, 1)
        assert all(len(week) == 7 for week in weeks)
        assert [d.date for w in weeks for d in w if d.is_today] == [date(2026, 2, 10)]
        assert not weeks[0][0].in_month and weeks[0][6].in_month


@pytest.mark.django_db
class TestQueries:
    @pytest.mark.parametrize("view", ["day", "week", "month"])
    def test_the_queries_do_not_grow_with_the_appointments(self, client, coach_a, traject, view):
        client.force_login(coach_a)
        monday = next_monday()
        url = f"/coach/agenda/?view={view}&date={monday}"
        WorkingHours.objects.create(coach=coach_a, weekday=0, start_time=time(9), end_time=time(17))
        book(coach_a, at(monday, 8), 60, traject=traject)
        group = make_group(coach_a, first_start=at(monday, 19))

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            return len(queries)

        few = count()
        for day in range(5):
            for hour in (9, 11, 13, 15):
                other = running_traject(coach_a, client__coach=coach_a)
                book(coach_a, at(monday + timedelta(days=day), hour), 60, traject=other)
            AvailabilityException.objects.create(
                coach=coach_a,
                date=monday + timedelta(days=day),
                kind="blocked",
                start_time=time(17),
                end_time=time(18),
            )
        member_add(group=group, client=traject.client, joined_on=date.today())
        # session, user, MFA, coach profile (the feed), the appointments (with traject, client,
        # meeting and group; the month: how many each day, then the first few of each day), the
        # exceptions, and on the grid the working hours
        assert count() == few <= 7


def make_group(coach, *, first_start: datetime | None = None):
    monday = next_monday()
    return group_create(
        coach=coach,
        name="Leidinggevenden Oost",
        composition="mixed",
        daypart="evening",
        interval_weeks=3,
        first_start=first_start or at(monday + timedelta(days=3), 19),
        location="De praktijk, zaal 2",
    )


# --- A free time plans, a drag moves ----------------------------------------------------------


@pytest.mark.django_db
class TestAFreeTimePlans:
    def test_start_fills_the_new_appointment_form(self, client, coach_a, traject):
        client.force_login(coach_a)
        monday = next_monday()
        html = client.get(
            f"/coach/agenda/nieuw/?start={monday}T10:30&traject={traject.uuid}"
        ).content.decode()
        assert re.search(rf'name="start" value="{monday}T10:30"', html)
        assert re.search(rf'<option value="{traject.pk}" selected>', html)

    @pytest.mark.parametrize(
        "value", ["nonsense", "9999-12-31T10:00", "0001-01-01T00:00+14:00", "2026-02-30T10:00"]
    )
    def test_an_invalid_start_is_ignored(self, client, coach_a, value):
        client.force_login(coach_a)
        response = client.get(f"/coach/agenda/nieuw/?start={value}")
        assert response.status_code == 200
        assert re.search(r'<input type="datetime-local" name="start"(?![^>]*value=)', response.text)


@pytest.mark.django_db
class TestDraggingAnAppointment:
    def test_a_free_time_moves_it_and_the_client_is_told(
        self, client, coach_a, coachee, mailoutbox, django_capture_on_commit_callbacks
    ):
        traject = running_traject(coach_a, client=coachee.client_record)
        monday = next_monday()
        appointment = book(coach_a, at(monday, 10), 60, traject=traject)
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/coach/afspraken/{appointment.uuid}/verzetten/",
                {"start": f"{monday + timedelta(days=1)}T14:15"},
                **JSON,
            )
        assert response.status_code == 200
        answer = json.loads(response.content)
        assert answer["ok"] is True and "verzet naar" in answer["message"]
        appointment.refresh_from_db()
        assert timezone.localtime(appointment.start) == at(monday + timedelta(days=1), 14, 15)
        assert appointment.end - appointment.start == timedelta(hours=1)
        assert [m.to for m in mailoutbox] == [[coachee.email]]
        assert "verzet" in mailoutbox[0].subject.lower()

    def test_a_taken_time_is_refused_with_the_reason(self, client, coach_a, traject):
        monday = next_monday()
        appointment = book(coach_a, at(monday, 10), 60, traject=traject)
        book(coach_a, at(monday, 14), 60, traject=traject)
        client.force_login(coach_a)
        response = client.post(
            f"/coach/afspraken/{appointment.uuid}/verzetten/",
            {"start": f"{monday}T13:30"},
            **JSON,
        )
        assert response.status_code == 409
        assert json.loads(response.content) == {"ok": False, "message": str(SLOT_TAKEN)}
        appointment.refresh_from_db()
        assert timezone.localtime(appointment.start) == at(monday, 10)

    def test_the_refusal_speaks_the_coachs_language(self, client, coach_a, traject):
        monday = next_monday()
        appointment = book(coach_a, at(monday, 10), 60, traject=traject)
        book(coach_a, at(monday, 14), 60, traject=traject)
        coach_a.language = "en"
        coach_a.save(update_fields=["language"])
        client.force_login(coach_a)
        client.post("/taal/", {"language": "en", "next": "/coach/"})
        response = client.post(
            f"/coach/afspraken/{appointment.uuid}/verzetten/", {"start": f"{monday}T13:30"}, **JSON
        )
        assert response.status_code == 409
        message = json.loads(response.content)["message"]
        assert message and message != "Dit tijdstip is net bezet. Kies een ander moment."

    def test_a_past_appointment_is_refused(self, client, coach_a, traject):
        past = book(coach_a, timezone.now() - timedelta(hours=3), 60, traject=traject)
        client.force_login(coach_a)
        response = client.post(
            f"/coach/afspraken/{past.uuid}/verzetten/",
            {"start": f"{next_monday()}T10:00"},
            **JSON,
        )
        assert response.status_code == 409
        assert "al begonnen of voorbij" in json.loads(response.content)["message"]

    def test_a_time_gone_by_is_refused_and_the_client_is_not_told(
        self, client, coach_a, traject, mailoutbox, django_capture_on_commit_callbacks
    ):
        """Dragged (or typed) to an hour ago: the appointment stays, no "moved" e-mail names a
        time that has gone."""
        appointment = book(coach_a, at(next_monday(), 10), 60, traject=traject)
        client.force_login(coach_a)
        gone = timezone.localtime(timezone.now() - timedelta(hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/coach/afspraken/{appointment.uuid}/verzetten/",
                {"start": gone.strftime("%Y-%m-%dT%H:%M")},
                **JSON,
            )
        assert response.status_code == 409
        assert "nog moet komen" in json.loads(response.content)["message"]
        appointment.refresh_from_db()
        assert timezone.localtime(appointment.start) == at(next_monday(), 10)
        assert mailoutbox == []

    def test_a_cancelled_one_and_a_bad_time_are_refused(self, client, coach_a, traject):
        monday = next_monday()
        appointment = book(coach_a, at(monday, 10), 60, traject=traject)
        client.force_login(coach_a)
        url = f"/coach/afspraken/{appointment.uuid}/verzetten/"
        bad = client.post(url, {"start": "9999-01-01T10:00"}, **JSON)
        assert bad.status_code == 400 and json.loads(bad.content)["ok"] is False
        assert "vijf jaar" in json.loads(bad.content)["message"]
        appointment_cancel(appointment=appointment, by=coach_a, cancelled_by="coach", reason="")
        refused = client.post(url, {"start": f"{monday}T12:00"}, **JSON)
        assert refused.status_code == 409
        assert "Alleen een geplande afspraak" in json.loads(refused.content)["message"]

    def test_another_coach_gets_a_404(self, client, coach_a, coach_b, traject):
        appointment = book(coach_a, at(next_monday(), 10), 60, traject=traject)
        client.force_login(coach_b)
        response = client.post(
            f"/coach/afspraken/{appointment.uuid}/verzetten/",
            {"start": f"{next_monday()}T12:00"},
            **JSON,
        )
        assert response.status_code == 404

    def test_the_form_still_gets_its_page(self, client, coach_a, traject):
        monday = next_monday()
        appointment = book(coach_a, at(monday, 10), 60, traject=traject)
        book(coach_a, at(monday, 14), 60, traject=traject)
        client.force_login(coach_a)
        url = f"/coach/afspraken/{appointment.uuid}/verzetten/"
        refused = client.post(url, {"start": f"{monday}T13:30"}, follow=True)
        assert refused.redirect_chain == [(f"/coach/afspraken/{appointment.uuid}/", 302)]
        assert str(SLOT_TAKEN) in refused.content.decode()
        moved = client.post(url, {"start": f"{monday}T16:00"}, follow=True)
        assert "De afspraak is verzet." in moved.content.decode()


@pytest.mark.django_db
class TestDraggingAMeeting:
    def test_a_free_time_moves_it_and_the_participants_are_told(
        self, client, coach_a, coachee, mailoutbox, django_capture_on_commit_callbacks
    ):
        group = make_group(coach_a)
        member_add(group=group, client=coachee.client_record, joined_on=date.today())
        meeting = group.meetings.select_related("appointment").get(number=2)
        new = timezone.localtime(meeting.appointment.start) + timedelta(days=1, minutes=30)
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/coach/bijeenkomsten/{meeting.uuid}/verzetten/",
                {"start": new.strftime("%Y-%m-%dT%H:%M")},
                **JSON,
            )
        assert response.status_code == 200
        assert json.loads(response.content) == {
            "ok": True,
            "message": "De bijeenkomst is verzet; de deelnemers krijgen bericht.",
        }
        meeting.appointment.refresh_from_db()
        assert meeting.appointment.start == new
        assert [m.to for m in mailoutbox] == [[coachee.email]]

    def test_a_broken_rhythm_and_a_taken_time_are_refused(self, client, coach_a, traject):
        group = make_group(coach_a)
        meeting = group.meetings.select_related("appointment").get(number=2)
        start = timezone.localtime(meeting.appointment.start)
        client.force_login(coach_a)
        url = f"/coach/bijeenkomsten/{meeting.uuid}/verzetten/"
        too_soon = client.post(
            url,
            {"start": (start - timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")},
            **JSON,
        )
        assert too_soon.status_code == 409
        assert "twee tot vier weken" in json.loads(too_soon.content)["message"]
        book(coach_a, start + timedelta(days=1), 60, traject=traject)
        taken = client.post(
            url,
            {"start": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")},
            **JSON,
        )
        assert taken.status_code == 409
        assert json.loads(taken.content) == {"ok": False, "message": str(SLOT_TAKEN)}
        meeting.appointment.refresh_from_db()
        assert meeting.appointment.start == start

    def test_a_past_meeting_is_refused(self, client, coach_a):
        group = make_group(coach_a)
        meeting = group.meetings.select_related("appointment").get(number=1)
        Appointment.objects.filter(pk=meeting.appointment_id).update(
            start=timezone.now() - timedelta(hours=3), end=timezone.now()
        )
        client.force_login(coach_a)
        response = client.post(
            f"/coach/bijeenkomsten/{meeting.uuid}/verzetten/",
            {"start": f"{next_monday()}T19:00"},
            **JSON,
        )
        assert response.status_code == 409
        assert json.loads(response.content)["ok"] is False

    def test_another_coach_gets_a_404_and_the_form_its_page(self, client, coach_a, coach_b):
        group = make_group(coach_a)
        meeting = group.meetings.select_related("appointment").get(number=2)
        start = timezone.localtime(meeting.appointment.start)
        data = {"start": (start - timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")}
        url = f"/coach/bijeenkomsten/{meeting.uuid}/verzetten/"
        client.force_login(coach_b)
        assert client.post(url, data, **JSON).status_code == 404
        client.force_login(coach_a)
        page = client.post(url, data, follow=True)
        assert page.redirect_chain == [(f"/coach/bijeenkomsten/{meeting.uuid}/", 302)]
        assert "twee tot vier weken" in page.content.decode()
