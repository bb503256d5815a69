"""End to end, a date-and-time field keeps its value: the coach opens an
appointment and a Backstage meeting, finds the current start already in the move field (a
browser empties a datetime-local input whose value it cannot read), changes only the hour and
moves it.

Runs in headless Chromium against the live server (coaching/tests/browser.py).
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from coaching.tests.browser import PageLog, log_in_as, path_is
from groups.tests.test_groups import make_group
from sessions.models import Appointment
from sessions.services.booking import appointment_book
from sessions.tests.test_pages import future
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.browser


def as_browser_value(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_coach_moves_an_appointment_by_changing_only_the_hour(
    page: Page, page_log: PageLog, coach_a
):
    traject = running_traject(coach_a, client__coach=coach_a)
    start = future(3, 10)
    booked = appointment_book(
        coach=coach_a, start=start, end=start + timedelta(hours=1), kind="session",
        mode="practice", by=coach_a, traject=traject,
    )  # fmt: skip
    log_in_as(page, coach_a)
    page.goto(f"/coach/afspraken/{booked.uuid}/")
    field = page.get_by_label("Nieuw begin")
    expect(field).to_have_value(as_browser_value(start))

    later = start + timedelta(hours=3)
    field.fill(as_browser_value(later))
    page.get_by_role("button", name="Verzetten").click()
    page.wait_for_url(path_is(f"/coach/afspraken/{booked.uuid}/"))
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text(
        "De afspraak is verzet."
    )
    expect(page.get_by_label("Nieuw begin")).to_have_value(as_browser_value(later))
    booked.refresh_from_db()
    assert (booked.start, booked.end) == (later, later + timedelta(hours=1))
    page_log.assert_stayed_local()


def test_coach_finds_a_meetings_start_in_its_move_field(page: Page, page_log: PageLog, coach_a):
    group = make_group(coach_a)
    meeting = group.meetings.select_related("appointment").get(number=2)
    log_in_as(page, coach_a)
    page.goto(f"/coach/bijeenkomsten/{meeting.uuid}/")
    field = page.get_by_label("Nieuw begin")
    start = meeting.appointment.start
    expect(field).to_have_value(as_browser_value(start))

    later = start + timedelta(hours=1)
    field.fill(as_browser_value(later))
    page.get_by_role("button", name="Verzetten").click()
    expect(page.get_by_label("Nieuw begin")).to_have_value(as_browser_value(later))
    assert Appointment.objects.get(pk=meeting.appointment_id).start == later
    page_log.assert_stayed_local()
