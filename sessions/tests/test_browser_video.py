"""End to end: the coach sets their video room on "Mijn profiel" and plans a
video session; the client finds "Deelnemen via video" with that room in the portal, in the
confirmation e-mail and in the session's .ics; the coach's calendar feed never has it.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from coaching.models import Client, CoachProfile
from coaching.tests.browser import PageLog, log_in_as, look_at, path_is
from sessions.models import Appointment, SessionType
from sessions.tests.test_pages import future, open_all_week
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.browser

ROOM = "https://meet.example/anna-coach"


def label(text: str) -> re.Pattern:
    """Exactly this label; a required field's label ends in an asterisk."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def test_the_coachs_room_reaches_the_client(
    page: Page, page_log: PageLog, coach_a, coachee, mailoutbox
):
    open_all_week(coach_a)
    traject = running_traject(coach_a, client=Client.objects.get(account=coachee))
    SessionType.objects.create(
        kind="session",
        name="Coachingsessie",
        default_minutes=60,
        allowed_modes=["practice", "video"],
        bookable_online=True,
    )

    # --- The coach sets their room on Mijn profiel, from the user menu ------------------------
    log_in_as(page, coach_a)
    page.get_by_role("button", name="Anna").or_(page.get_by_role("link", name="Anna")).click()
    page.get_by_role("link", name="Mijn profiel").click()
    page.wait_for_url(path_is("/coach/profiel/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn profiel")
    expect(page.get_by_role("region", name="Video-afspraken")).to_contain_text(
        "eigen ruimte van de praktijk"
    )
    room = page.get_by_label(label("Eigen videoruimte"))
    room.fill("ftp://meet.example/anna")
    page.get_by_role("button", name="Opslaan").click()
    expect(room).to_have_attribute("aria-invalid", "true")
    room.fill(ROOM)
    page.get_by_label(label("Telefoon")).fill("06 1234 5678")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("Je profiel is opgeslagen.")
    expect(page.get_by_role("region", name="Video-afspraken")).to_contain_text(ROOM)
    assert CoachProfile.objects.get(user=coach_a).video_room_url == ROOM
    look_at(page, "mijn-profiel")

    # --- A video session, the link left empty ---------------------------------------------------
    start = future(3, 11)
    page.goto(f"/coach/agenda/nieuw/?traject={traject.uuid}")
    page.get_by_label(label("Soort afspraak")).select_option(label="Coachingsessie")
    page.get_by_label(label("Vorm")).select_option("video")
    page.get_by_label(label("Begin")).fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r"/coach/afspraken/[0-9a-f-]{36}/$"))
    join = page.get_by_role("link", name=re.compile("^Deelnemen via video"))
    expect(join).to_have_attribute("href", ROOM)
    expect(join).to_have_attribute("target", "_blank")
    appointment = Appointment.objects.get()
    assert appointment.video_link == ROOM

    # The confirmation e-mail to the client says it plainly, in text and HTML.
    (mail,) = [m for m in mailoutbox if m.to == [coachee.email]]
    assert f"Videolink: {ROOM}" in mail.body
    assert f'<a href="{ROOM}">{ROOM}</a>' in mail.alternatives[0][0]

    # The coach's private feed: the session is there, the room is not.
    page.goto("/coach/agenda/")
    feed_url = page.locator("section[aria-labelledby='feed-heading'] code").inner_text()
    feed = page.request.get(feed_url).text().replace("\r\n ", "")
    assert f"UID:{appointment.uuid}@praktijk" in feed
    assert "anna-coach" not in feed

    # --- The client in the portal --------------------------------------------------------------
    page.context.clear_cookies()
    log_in_as(page, coachee)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Afspraken").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    item = page.get_by_role("region", name="Gepland").get_by_role("listitem")
    expect(item).to_have_count(1)
    join = item.get_by_role("link", name=re.compile("^Deelnemen via video"))
    expect(join).to_have_attribute("href", ROOM)
    expect(join).to_have_attribute("rel", "noopener noreferrer")
    with page.expect_download() as download_info:
        item.get_by_role("link", name="In mijn agenda").click()
    ics = Path(download_info.value.path()).read_bytes().decode().replace("\r\n ", "")
    assert f"LOCATION:{ROOM}" in ics and f"URL:{ROOM}" in ics
    assert re.search(rf"^CONFERENCE;.*FEATURE=\"?AUDIO,VIDEO\"?.*:{re.escape(ROOM)}\r?$", ics, re.M)
    look_at(page, "portaal-afspraken-video")
    page_log.assert_stayed_local()
