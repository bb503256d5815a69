"""End to end, a group's place and its stop as people click through them: the coach creates a group
with its place and finds that place on a meeting in the week (and in the calendar feed); a
participant finds the meeting with its place among the portal's appointments and downloads its
.ics; the coach stops a group through the confirmation page, and its meetings to come are gone
from the week.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py.
"""

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from coaching.tests.browser import PageLog, assert_accessible, log_in_as, path_is
from groups.models import BackstageGroup
from groups.services.groups import group_create
from groups.services.members import member_add
from groups.tests.test_browser_groups import label, participant, url_matches
from sessions.models import Appointment

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"
PLACE = "Buurthuis De Linde, zaal 2"
SHOTS = Path("/tmp")


def evening(days_ahead: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days_ahead)
    return timezone.make_aware(datetime.combine(day, time(19, 0)))


def week_of(moment: datetime) -> str:
    return f"/coach/agenda/?week={timezone.localtime(moment).date():%Y-%m-%d}"


def day_of(page: Page, moment: datetime):
    """The week view's column of the day of `moment` (a region named by its heading)."""
    local = timezone.localtime(moment)
    index = local.weekday() + 1  # the days are day-1 … day-7
    return page.locator(f"section[aria-labelledby='day-{index}']")


def screenshots(page: Page, name: str) -> None:
    """At a laptop's width and a phone's, for a person to look at (not asserted)."""
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"backstage-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def group_with(coach, *, first_start: datetime, name: str = "Leidinggevenden Oost"):
    return group_create(
        coach=coach,
        name=name,
        composition="mixed",
        daypart="evening",
        interval_weeks=3,
        first_start=first_start,
        location=PLACE,
        video_link="https://meet.example/linde",
    )


def test_the_coach_creates_a_group_with_its_place_and_sees_it_in_the_week(
    page: Page, page_log: PageLog, coach_a
):
    first = evening(15)
    log_in_as(page, coach_a)
    page.goto("/coach/groepen/nieuw/")
    page.get_by_label(label("Naam van de groep")).fill("Leidinggevenden Oost")
    page.get_by_label(label("Dagdeel")).select_option("evening")
    page.get_by_label(label("Om de hoeveel weken")).select_option("3")
    # First a time that does not fit the evening: the form says so at the field.
    page.get_by_label(label("Eerste bijeenkomst")).fill(f"{first:%Y-%m-%d}T14:00")
    page.get_by_role("button", name="Opslaan").click()
    start_field = page.get_by_label(label("Eerste bijeenkomst"))
    expect(start_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error_1_id_first_start")).to_contain_text(
        "Een avondgroep begint om 17:00 of later"
    )
    expect(page.locator("#error_1_id_location")).to_contain_text("de deelnemers moeten weten waar")
    # The time kept its value (the datetime-local input), the coach only changes the hour.
    expect(start_field).to_have_value(f"{first:%Y-%m-%d}T14:00")
    start_field.fill(f"{first:%Y-%m-%d}T19:00")
    page.get_by_label(label("Locatie")).fill(PLACE)
    page.get_by_role("button", name="Opslaan").click()

    page.wait_for_url(url_matches(rf"/coach/groepen/{UUID}/"))
    expect(page.get_by_role("alert")).to_contain_text("De groep en haar acht bijeenkomsten")
    expect(page.locator("#group-place")).to_contain_text(f"Waar: {PLACE}")
    group = BackstageGroup.objects.get()

    # --- The week of the first meeting -------------------------------------------------------
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Agenda").click()
    page.wait_for_url(path_is("/coach/agenda/"))
    page.goto(week_of(first))
    # A block on the time grid: the group, which of the eight, the place.
    meeting = day_of(page, first).get_by_role("listitem").filter(has_text="bijeenkomst 1 van 8")
    expect(meeting).to_have_count(1)
    expect(meeting).to_contain_text("19:00–21:30")
    expect(meeting).to_contain_text("Leidinggevenden Oost")
    expect(meeting).to_contain_text(PLACE)
    assert_accessible(page)
    screenshots(page, "week")

    # The coach's calendar feed has the place too.
    feed_url = page.locator("section[aria-labelledby='feed-heading'] code").inner_text()
    feed = page.request.get(feed_url).text().replace("\r\n ", "")
    assert feed.count("LOCATION:Buurthuis De Linde\\, zaal 2") == 8
    assert group.meetings.count() == 8
    page_log.assert_stayed_local()


def test_a_participant_finds_the_meeting_with_its_place_and_downloads_its_ics(
    page: Page, page_log: PageLog, coach_a
):
    group = group_with(coach_a, first_start=evening(8))
    account, client = participant(coach_a, "Noor")
    member_add(group=group, client=client, joined_on=date.today())
    first = group.meetings.select_related("appointment").get(number=1)

    log_in_as(page, account)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Afspraken").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    planned = page.get_by_role("region", name="Gepland")
    item = planned.get_by_role("listitem").filter(has_text="Backstage-bijeenkomst 1:")
    expect(item).to_contain_text(f"Backstage-bijeenkomst 1: {group.name}")
    expect(item).to_contain_text(f"Waar: {PLACE}")
    expect(item.get_by_role("link", name="Deelnemen via video")).to_have_attribute(
        "href", "https://meet.example/linde"
    )
    expect(planned.get_by_role("listitem")).to_have_count(8)
    assert_accessible(page)
    screenshots(page, "portal-afspraken")

    with page.expect_download() as download_info:
        item.get_by_role("link", name="In mijn agenda – bijeenkomst 1").click()
    download = download_info.value
    assert download.suggested_filename == "bijeenkomst-1.ics"
    ics = Path(download.path()).read_text().replace("\r\n ", "")
    assert "LOCATION:Buurthuis De Linde\\, zaal 2" in ics
    assert f"UID:{first.appointment.uuid}@praktijk" in ics

    # The Backstage page says where too.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Backstage").click()
    page.wait_for_url(path_is("/portaal/backstage/"))
    expect(page.get_by_role("region", name=group.name)).to_contain_text(f"Waar: {PLACE}")
    page_log.assert_stayed_local()


def test_the_coach_stops_a_group_and_its_meetings_to_come_leave_the_week(
    page: Page, page_log: PageLog, coach_a
):
    group = group_with(coach_a, first_start=evening(4))
    _account, noor = participant(coach_a, "Noor")
    member_add(group=group, client=noor, joined_on=date.today())
    first, second = (
        group.meetings.select_related("appointment").get(number=n).appointment for n in (1, 2)
    )
    # Meeting 1 was held (test time travel): the group can be stopped, not deleted.
    held = timezone.now() - timedelta(days=2)
    Appointment.objects.filter(pk=first.pk).update(
        start=held, end=held + timedelta(minutes=150), status="completed"
    )

    log_in_as(page, coach_a)
    page.goto(week_of(second.start))
    day = day_of(page, second.start)
    expect(day.get_by_role("listitem").filter(has_text="Backstage-bijeenkomst")).to_have_count(1)

    page.goto(f"/coach/groepen/{group.uuid}/")
    expect(page.get_by_role("link", name="Groep verwijderen")).to_have_count(0)
    page.get_by_role("link", name="Groep stoppen").click()
    page.wait_for_url(path_is(f"/coach/groepen/{group.uuid}/groep-stoppen/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Groep {group.name} stoppen")
    expect(page.get_by_role("main")).to_contain_text(
        "7 bijeenkomsten die nog moesten komen gaan niet door"
    )
    expect(page.get_by_role("main")).to_contain_text(str(noor))
    assert_accessible(page)
    screenshots(page, "stop-confirm")
    # Without a reason: asked again, nothing stopped.
    page.get_by_role("button", name="Groep stoppen").click()
    expect(page.get_by_label(re.compile(r"Waarom stopt de groep"))).to_have_attribute(
        "aria-invalid", "true"
    )
    assert BackstageGroup.objects.get().stopped_on is None
    page.get_by_label(re.compile(r"Waarom stopt de groep")).fill("Te veel uitval")
    page.get_by_role("button", name="Groep stoppen").click()

    page.wait_for_url(path_is(f"/coach/groepen/{group.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text(
        "De groep is gestopt; 7 bijeenkomsten zijn uit de agenda gehaald."
    )
    expect(page.get_by_role("status")).to_contain_text("Te veel uitval")
    expect(page.get_by_role("link", name="Groep stoppen")).to_have_count(0)
    screenshots(page, "stopped")

    page.goto(week_of(second.start))
    day = day_of(page, second.start)
    expect(day.get_by_role("listitem").filter(has_text="Backstage-bijeenkomst")).to_have_count(0)
    expect(day).to_contain_text("Geen afspraken.")
    # The held meeting is still in its week.
    page.goto(week_of(held))
    expect(
        day_of(page, held).get_by_role("listitem").filter(has_text="Backstage-bijeenkomst")
    ).to_have_count(1)
    statuses = set(group.meetings.values_list("appointment__status", flat=True))
    assert statuses == {"completed", "cancelled"}
    page_log.assert_stayed_local()
