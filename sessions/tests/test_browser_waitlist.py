"""End to end, booking beyond the anchors: a coach links their own calendar and sees its busy
times in the week; a coachee joins the waitlist, a parent cancels, and the coachee accepts the
freed time.

Runs in headless Chromium against the live server (coaching/tests/browser.py).
"""

import re
import threading
from datetime import timedelta
from http.server import ThreadingHTTPServer

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from coaching.models import Client
from coaching.tests.browser import PageLog, assert_accessible, log_in_as, path_is
from sessions.models import Appointment, CalendarFeed, ExternalBusy, WaitlistRequest
from sessions.tests.factories import appointment_for
from sessions.tests.test_browser_calendar import dutch, url_matches, when
from sessions.tests.test_feeds import Calendar, _calendar
from sessions.tests.test_pages import future, open_all_week
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.browser


@pytest.fixture
def calendar_server():
    """A coach's own calendar, served on this machine: one busy hour (10:00–11:00) a week from
    today, and a free (transparent) one at 14:00."""
    day = timezone.localdate() + timedelta(days=7)
    Calendar.answer, Calendar.body = "calendar", _calendar(day)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Calendar)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/agenda.ics", day
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_coach_links_their_own_calendar_and_sees_its_busy_times_in_the_week(
    page: Page, page_log: PageLog, coach_a, calendar_server
):
    address, day = calendar_server
    open_all_week(coach_a)
    log_in_as(page, coach_a)
    page.goto("/coach/beschikbaarheid/")
    feeds = page.get_by_role("region", name="Eigen agenda's")
    expect(feeds).to_contain_text("Geen eigen agenda gekoppeld.")
    feeds.get_by_label("Naam").fill("Privé")
    feeds.get_by_label("Geheim adres (iCal)").fill(address)
    feeds.get_by_role("button", name="Agenda koppelen").click()
    page.wait_for_url(path_is("/coach/beschikbaarheid/"))
    linked = page.get_by_test_id("calendar-feeds").get_by_role("listitem")
    expect(linked).to_have_count(1)
    expect(linked).to_contain_text("Privé")
    expect(linked).to_contain_text("Opgehaald:")
    expect(linked).not_to_contain_text(address)  # the secret address is never shown whole
    assert_accessible(page)

    page.goto(f"/coach/agenda/?view=week&date={day:%Y-%m-%d}")
    busy = page.get_by_text("bezet (eigen agenda) 10:00–11:00").first
    expect(busy).to_be_visible()
    expect(page.get_by_text("Geheim overleg")).to_have_count(0)  # only when, never what
    assert_accessible(page)
    page_log.assert_stayed_local()
    feed = CalendarFeed.objects.get(coach=coach_a)
    assert ExternalBusy.objects.filter(feed=feed).count() == 1


def test_a_coachee_joins_the_waitlist_a_parent_cancels_and_the_coachee_accepts(
    page: Page,
    page_log: PageLog,
    other_page,
    coach_a,
    coachee,
    guardian,
    session_type,
    mailoutbox,
):
    open_all_week(coach_a)
    eva = running_traject(coach_a, client=Client.objects.get(account=coachee))
    lotte = running_traject(coach_a, client=Client.objects.get(guardians__account=guardian))
    freed = future(3, 10)
    taken = appointment_for(lotte, freed, session_type=session_type, by=guardian)
    # Eva's own session next week: she would like one sooner.
    appointment_for(eva, future(9, 15), session_type=session_type, by=coachee)

    # --- Eva asks for an earlier time ----------------------------------------------------------
    log_in_as(page, coachee)
    page.goto("/portaal/afspraken/")
    page.get_by_role("region", name="Wachtlijst").get_by_role("link", name="Coachingsessie").click()
    page.wait_for_url(url_matches(rf"/portaal/wachtlijst/{eva.uuid}/{session_type.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Eerder een tijd voor: Coachingsessie"
    )
    # Nothing chosen: clear errors, and what was filled in stays.
    page.get_by_role("button", name="Zet me op de wachtlijst").click()
    expect(page.get_by_text("Kies minstens één dag.")).to_be_visible()
    expect(page.get_by_text("Kies minstens één dagdeel.")).to_be_visible()
    assert_accessible(page)
    assert not WaitlistRequest.objects.exists()
    page.get_by_role("group", name=re.compile("^Op welke dagen")).get_by_label(
        dutch(freed, "dag").split()[0]
    ).check()
    page.get_by_role("group", name=re.compile("^Welke dagdelen")).get_by_label("ochtend").check()
    page.get_by_role("button", name="Zet me op de wachtlijst").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("alert")).to_contain_text("Je staat op de wachtlijst.")
    waiting = page.get_by_role("region", name="Wachtlijst").get_by_role("listitem")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Coachingsessie – uiterlijk")
    expect(waiting).to_contain_text("ochtend")

    # --- Lotte's father cancels her session: the time comes free ------------------------------
    father, father_log = other_page
    log_in_as(father, guardian)
    father.goto("/portaal/afspraken/")
    father.get_by_role("region", name="Gepland").get_by_role(
        "link", name=re.compile(r"^Annuleren")
    ).click()
    father.get_by_role("button", name="Ja, annuleren").click()
    father.wait_for_url(path_is("/portaal/afspraken/"))
    expect(father.get_by_role("alert")).to_contain_text("Je afspraak is geannuleerd.")
    father_log.assert_stayed_local()
    subject = f"Er is een eerdere tijd vrij: {when(freed)}"
    offered = [m for m in mailoutbox if m.subject.endswith(subject)]
    assert [m.to for m in offered] == [[coachee.email]]

    # --- Eva sees the offer and takes it --------------------------------------------------------
    page.goto("/portaal/afspraken/")
    offers = page.get_by_role("region", name="Een eerdere tijd is vrijgekomen")
    expect(offers).to_contain_text(when(freed))
    offers.get_by_role("link", name=re.compile("^Bekijken en aannemen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Een eerdere tijd")
    expect(page.get_by_text(when(freed))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ja, deze tijd wil ik").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("alert")).to_contain_text("Je afspraak staat vast.")
    expect(page.get_by_role("region", name="Gepland")).to_contain_text(when(freed))
    expect(waiting).to_have_count(0)  # the request ended with the booking
    expect(page.get_by_role("region", name="Een eerdere tijd is vrijgekomen")).to_have_count(0)
    page_log.assert_stayed_local()

    booked = Appointment.objects.get(traject=eva, start=freed)
    assert (booked.status, booked.created_by) == ("booked", coachee)
    taken.refresh_from_db()
    assert taken.status == "cancelled"
    assert WaitlistRequest.objects.get().status == WaitlistRequest.Status.BOOKED
