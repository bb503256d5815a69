"""End to end, the coach's calendar on a time grid: the week, the day and
the month as a coach sees them (screenshots at a laptop's and a phone's width, axe-core at
both), dragging an appointment to a free time (moved, the client told) and onto a taken one
(refused, the reason shown, the block back in place), a free time clicked to plan, and the
phone's day list.

Runs in headless Chromium against the live server (coaching/tests/browser.py).
"""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from coaching.models import Client
from coaching.tests.browser import (
    LAPTOP,
    PHONE,
    PageLog,
    log_in_as,
    look_at,
    path_is,
)
from groups.services.groups import group_create
from groups.services.members import member_add
from sessions.models import Appointment, AvailabilityException, WorkingHours
from sessions.services.booking import SLOT_TAKEN, appointment_book, appointment_cancel
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.browser

ZONE = timezone.get_current_timezone()
# Tall enough for a day from 07:00 to 22:00 without scrolling while dragging.
TALL = {"width": 1280, "height": 1500}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def book(coach, start: datetime, minutes: int, traject, **extra) -> Appointment:
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


def working_week(coach) -> None:
    for weekday in range(5):
        WorkingHours.objects.create(
            coach=coach, weekday=weekday, start_time=time(9), end_time=time(17)
        )


def refusals_only(page_log: PageLog) -> PageLog:
    """The browser logs a refused move (409, on purpose) as a failed request; nothing else may
    be in the console."""
    page_log.console_errors = [
        error for error in page_log.console_errors if "status of 409 (Conflict)" not in error
    ]
    return page_log


def drag(page: Page, block: Locator, target: Locator) -> None:
    """Take the block near its top and let it go at the same height of the target, with the
    mouse, in small steps (as a hand does)."""
    source = block.bounding_box()
    goal = target.bounding_box()
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + 4)
    page.mouse.down()
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 4, steps=12)
    page.mouse.up()


@pytest.fixture
def eva(coach_a, coachee):
    return running_traject(coach_a, client=Client.objects.get(account=coachee))


def test_the_week_the_day_and_the_month(page: Page, page_log: PageLog, coach_a, eva):
    today = timezone.localdate()
    working_week(coach_a)
    lotte = running_traject(coach_a, client__coach=coach_a, client__first_name="Lotte")
    soon = today + timedelta(days=1)
    book(coach_a, at(soon, 9), 60, eva)
    book(coach_a, at(soon, 10, 30), 30, lotte, kind="evaluation", mode="video")
    cancelled = book(coach_a, at(soon, 13), 60, lotte)
    # The client cancelled two hours before: late, whatever the time of day the test runs (at
    # 13:00 tomorrow is within the 24 hours only after 13:00 today).
    appointment_cancel(
        appointment=cancelled,
        by=coach_a,
        cancelled_by="client",
        reason="Ziek",
        now=cancelled.start - timedelta(hours=2),
    )
    book(coach_a, at(soon, 13), 45, eva)
    AvailabilityException.objects.create(
        coach=coach_a, date=today + timedelta(days=2), kind="blocked", note="Studiedag"
    )
    group = group_create(
        coach=coach_a,
        name="Leidinggevenden Oost",
        composition="mixed",
        daypart="evening",
        interval_weeks=3,
        first_start=at(soon, 19),
        location="Buurthuis De Linde",
    )
    member_add(group=group, client=eva.client, joined_on=today)

    log_in_as(page, coach_a)
    page.set_viewport_size(LAPTOP)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Agenda").click()
    page.wait_for_url(path_is("/coach/agenda/"))
    monday = today - timedelta(days=today.weekday())
    expect(page.get_by_role("heading", level=1)).to_contain_text("Week van")
    grid = page.locator("#cal-grid")
    expect(grid.locator("section.cal-day")).to_have_count(7)
    day = page.get_by_role("region", name=re.compile(r"vandaag$"))
    expect(day).to_have_count(1)
    if soon - monday < timedelta(days=7):  # tomorrow is in this week (not on a Sunday)
        tomorrow = grid.locator("section.cal-day").nth(soon.weekday())
        expect(tomorrow.get_by_role("link", name=re.compile("09:00–10:00 Eva"))).to_be_visible()
        expect(tomorrow.get_by_role("link", name=re.compile("bijeenkomst 1 van 8"))).to_be_visible()
        # A cancelled one next to the one now at its time, struck through and not draggable.
        struck = tomorrow.locator("li.status-cancelled_late")
        expect(struck).to_contain_text("te laat geannuleerd door de cliënt")
        expect(struck).not_to_have_attribute("data-move-url", re.compile("."))
        # Half an hour: time and name on one line, the block no higher than two lines.
        short = tomorrow.locator("li.cal-short")
        expect(short).to_contain_text("10:30–11:00 Lotte")
        assert short.bounding_box()["height"] < 40
    look_at(page, "agenda-week")
    look_at(page, "agenda-week-tablet", widths=({"width": 820, "height": 1000},))

    # --- The day: one column; tomorrow ------------------------------------------------------
    page.get_by_role("navigation", name="Weergave").get_by_role("link", name="Dag").click()
    page.wait_for_url(path_is("/coach/agenda/", view="day"))
    expect(grid.locator("section.cal-day")).to_have_count(1)
    page.get_by_role("link", name="Volgende dag").click()
    page.wait_for_url(path_is("/coach/agenda/", view="day", date=soon.isoformat()))
    nine = grid.get_by_role("link", name=re.compile("09:00–10:00 Eva"))
    ten_thirty = grid.get_by_role("link", name=re.compile("10:30–11:00 Lotte"))
    # Sized by duration: an hour is twice half an hour (one row a quarter).
    assert nine.bounding_box()["height"] == pytest.approx(
        2 * ten_thirty.bounding_box()["height"], abs=3
    )
    expect(page.locator("#cal-now")).to_have_count(0)  # not today
    look_at(page, "agenda-day")

    # --- The phone: the day as a list, every appointment a tap target of 44 px or more ----
    page.set_viewport_size(PHONE)
    expect(grid).to_be_hidden()
    items = page.locator(".cal-list").get_by_role("listitem")
    expect(items).to_have_count(5)
    for link in page.locator(".cal-list-link").all():
        assert link.bounding_box()["height"] >= 44
    expect(items.first).to_contain_text("09:00–10:00 Eva")
    page.set_viewport_size(LAPTOP)

    # --- The month: counts per day, a day opens its day view -----------------------------------
    page.get_by_role("navigation", name="Weergave").get_by_role("link", name="Maand").click()
    page.wait_for_url(path_is("/coach/agenda/", view="month"))
    if soon.month == today.month:
        cell = page.locator("td").filter(has=page.locator(f'a[href*="date={soon.isoformat()}"]'))
        expect(cell).to_contain_text("4 afspraken")  # the cancelled one holds no time
        page.set_viewport_size(PHONE)
        busy = page.locator(".cal-list-link").filter(has_text="4 afspraken")
        expect(busy).to_be_visible()
        assert busy.bounding_box()["height"] >= 44
        page.set_viewport_size(LAPTOP)
    look_at(page, "agenda-month")
    page_log.assert_stayed_local()


def test_dragging_an_appointment_to_a_free_time_moves_it_and_the_client_is_told(
    page: Page, page_log: PageLog, coach_a, coachee, eva, mailoutbox
):
    monday = next_monday()
    working_week(coach_a)
    appointment = book(coach_a, at(monday, 10), 60, eva)
    book(coach_a, at(monday, 14), 60, eva)
    log_in_as(page, coach_a)
    page.set_viewport_size(TALL)
    page.goto(f"/coach/agenda/?date={monday.isoformat()}")
    block = page.locator(f"#blk-{appointment.uuid}")
    expect(block).to_contain_text("10:00–11:00")
    before = block.bounding_box()

    # --- Onto a taken time: refused, the reason said, the block back in place --------------
    drag(page, block, page.locator("#c-1-810"))  # Monday 13:30, into the 14:00 one
    expect(page.get_by_role("alert")).to_have_text(str(SLOT_TAKEN))
    expect(block).not_to_have_class(re.compile("cal-busy"))
    assert block.bounding_box() == before
    expect(block).to_contain_text("10:00–11:00")
    appointment.refresh_from_db()
    assert timezone.localtime(appointment.start) == at(monday, 10)
    assert mailoutbox == []

    # --- To a free time on Tuesday: moved, said, the client told -------------------------------
    drag(page, block, page.locator("#c-2-870"))  # Tuesday 14:30
    expect(page.get_by_role("status")).to_contain_text("De afspraak is verzet naar")
    tuesday = page.get_by_role("region", name=re.compile(r"^dinsdag"))
    expect(tuesday.get_by_role("link", name=re.compile("14:30–15:30 Eva"))).to_be_visible()
    appointment.refresh_from_db()
    assert timezone.localtime(appointment.start) == at(monday + timedelta(days=1), 14, 30)
    assert [message.to for message in mailoutbox] == [[coachee.email]]
    assert "verzet" in mailoutbox[0].subject.lower()
    # After a reload it is there too, and a plain click still opens the appointment.
    page.reload()
    moved = page.locator(f"#blk-{appointment.uuid}")
    expect(moved).to_contain_text("14:30–15:30")
    moved.get_by_role("link").click()
    page.wait_for_url(path_is(f"/coach/afspraken/{appointment.uuid}/"))
    refusals_only(page_log).assert_stayed_local()


def test_dragging_a_meeting_keeps_its_rhythm(page: Page, page_log: PageLog, coach_a, eva):
    monday = next_monday()
    group = group_create(
        coach=coach_a,
        name="Leidinggevenden Oost",
        composition="mixed",
        daypart="evening",
        interval_weeks=3,
        first_start=at(monday, 19),
        location="Buurthuis De Linde",
    )
    meeting = group.meetings.select_related("appointment").get(number=1)
    log_in_as(page, coach_a)
    page.set_viewport_size(TALL)
    page.goto(f"/coach/agenda/?date={monday.isoformat()}")
    block = page.locator(f"#blk-{meeting.appointment.uuid}")
    expect(block).to_contain_text("bijeenkomst 1 van 8")
    # Into the afternoon: an evening group meets in the evening.
    drag(page, block, page.locator("#c-2-840"))
    expect(page.get_by_role("alert")).to_contain_text("avond")
    meeting.appointment.refresh_from_db()
    assert timezone.localtime(meeting.appointment.start) == at(monday, 19)
    # A day later, the same hour: moved.
    drag(page, block, page.locator("#c-2-1140"))
    expect(page.get_by_role("status")).to_contain_text("De bijeenkomst is verzet")
    meeting.appointment.refresh_from_db()
    assert timezone.localtime(meeting.appointment.start) == at(monday + timedelta(days=1), 19)
    refusals_only(page_log).assert_stayed_local()


def test_clicking_a_free_time_plans_an_appointment_then(
    page: Page, page_log: PageLog, coach_a, eva
):
    monday = next_monday()
    log_in_as(page, coach_a)
    page.goto(f"/coach/agenda/?date={monday.isoformat()}&traject={eva.uuid}")
    wednesday = monday + timedelta(days=2)
    page.locator("#c-3-630").click()  # Wednesday 10:30
    page.wait_for_url(
        path_is("/coach/agenda/nieuw/", start=f"{wednesday}T10:30", traject=str(eva.uuid))
    )
    expect(page.get_by_label(re.compile(r"^\s*Begin"))).to_have_value(f"{wednesday}T10:30")
    expect(page.get_by_label(re.compile(r"^\s*Traject"))).to_have_value(str(eva.pk))
    # The keyboard's way: the button, in the tab order (the free times are not).
    page.goto(f"/coach/agenda/?date={monday.isoformat()}")
    expect(page.locator(".cal-free").first).to_have_attribute("tabindex", "-1")
    new = page.get_by_role("link", name="Nieuwe afspraak")
    new.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(path_is("/coach/agenda/nieuw/"))
    page_log.assert_stayed_local()
