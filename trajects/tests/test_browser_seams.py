"""End to end, where trajects meet the calendar and the consents: the coach records a
kennismaking held by phone while its appointment is still planned, and the appointment no longer
stands as "gepland"; a coachee withdraws a consent in the portal through the page that
asks first, and the coach sees it on *Vandaag*.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py. Screenshots of the pages
(at 1280 px and at phone width) go to the temporary directory of the test.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from coaching.models import Client
from coaching.templatetags.dates import datum
from coaching.tests.browser import PageLog, assert_accessible, log_in_as, path_is
from sessions.models import Appointment
from sessions.services.booking import appointment_book
from trajects.models import Traject
from trajects.tests.factories import ConsentFactory, ThirdPartyFactory, TrajectFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def dutch(day, flags: str = "lang") -> str:
    """A date as the pages show it, through the pages' own filter (`datum`), in Dutch."""
    with translation.override("nl"):
        return datum(day, flags)


def label(text: str) -> re.Pattern:
    """Exactly this label; a required field's label ends in an asterisk ("Vorm*")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def screenshots(page: Page, tmp_path, name: str) -> None:
    for size, viewport in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(tmp_path / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def noor_with_a_kennismaking(coach_a) -> Appointment:
    """Noor asked for a kennismaking: it is in the calendar for tomorrow at 10:00, by video."""
    traject = TrajectFactory(
        client__coach=coach_a,
        client__first_name="Noor",
        client__last_name="Jansen",
        client__email="noor@example.org",
        registered_on=timezone.localdate() - timedelta(days=3),
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(10), tzinfo=timezone.get_current_timezone())
    return appointment_book(
        coach=coach_a,
        start=start,
        end=start + timedelta(minutes=30),
        kind=Appointment.Kind.KENNISMAKING,
        mode="video",
        by=coach_a,
        traject=traject,
    )


def test_recording_a_kennismaking_by_phone_settles_its_planned_appointment(
    page: Page, page_log: PageLog, coach_a, noor_with_a_kennismaking, tmp_path
):
    appointment = noor_with_a_kennismaking
    traject = appointment.traject
    monday = timezone.localtime(appointment.start).date()
    monday -= timedelta(days=monday.weekday())
    week = f"/coach/agenda/?week={monday.isoformat()}"
    page.set_viewport_size(DESKTOP)
    log_in_as(page, coach_a)

    # --- The week view: Noor's kennismaking stands planned --------------------------------------
    page.goto(week)
    item = page.get_by_role("listitem").filter(has_text="Noor Jansen")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("kennismakingsgesprek")
    expect(item).not_to_contain_text("geannuleerd")

    # --- Noor called today: the coach records the kennismaking, by phone -----------------------
    page.goto(f"/coach/trajecten/{traject.uuid}/")
    expect(page.get_by_role("main")).to_contain_text("kennismaking gepland op")
    page.get_by_role("link", name="Kennismaking vastleggen").click()
    page.wait_for_url(path_is(f"/coach/trajecten/{traject.uuid}/stap/record_kennismaking/"))
    expect(page.get_by_label(label("Gehouden op"))).to_have_value(timezone.localdate().isoformat())
    page.get_by_role("radio", name="telefonisch").check()
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(path_is(f"/coach/trajecten/{traject.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("in de fase ‘bedenktijd’")
    assert_accessible(page)

    # --- The appointment is not "gepland" any more: cancelled by the coach, Noor told ----------
    page.goto(week)
    item = page.get_by_role("listitem").filter(has_text="Noor Jansen")
    expect(item).to_contain_text("geannuleerd")
    expect(item).to_have_class(re.compile("text-decoration-line-through"))
    screenshots(page, tmp_path, "week")
    item.get_by_role("link").click()
    page.wait_for_url(path_is(f"/coach/afspraken/{appointment.uuid}/"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("geannuleerd")
    expect(main).not_to_contain_text("gepland")
    # Nothing left to cancel: no button and no link to the cancellation page.
    expect(main.get_by_role("button", name=re.compile("Annuleren"))).to_have_count(0)
    expect(main.get_by_role("link", name=re.compile("^Annuleren$"))).to_have_count(0)
    expect(
        main.locator(f'a[href$="/coach/afspraken/{appointment.uuid}/annuleren/"]')
    ).to_have_count(0)
    assert_accessible(page)
    screenshots(page, tmp_path, "appointment")

    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == ("cancelled", "coach")
    traject.refresh_from_db()
    assert (traject.status, traject.kennismaking_mode) == (Traject.Status.BEDENKTIJD, "phone")
    page_log.assert_stayed_local()


def test_the_coachee_withdraws_a_consent_after_being_asked_and_the_coach_sees_it(
    page: Page, page_log: PageLog, other_page, coach_a, coachee, tmp_path
):
    eva = Client.objects.get(account=coachee)
    consent = ConsentFactory(
        third_party=ThirdPartyFactory(client=eva, name="Bureau Werk & Zo"),
        purpose="Overleg over re-integratie",
        given_on=timezone.localdate() - timedelta(days=20),
    )
    today = dutch(timezone.localdate())
    today_short = dutch(timezone.localdate(), "")  # the portal's list: "3 dec."
    coach, coach_log = other_page

    # --- Eva withdraws it in the portal; the page asks first ------------------------------------
    page.set_viewport_size(DESKTOP)
    log_in_as(page, coachee)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("button", name="Meer").click()  # not used every day: under "Meer"
    menu.get_by_role("link", name="Toestemmingen").click()
    page.wait_for_url(path_is("/portaal/toestemmingen/"))
    page.set_viewport_size(PHONE)
    party = page.get_by_role("listitem").filter(has_text="Bureau Werk & Zo")
    expect(party).to_contain_text("geldig")
    party.get_by_role("link", name=re.compile("Intrekken")).click()
    page.wait_for_url(path_is(f"/portaal/toestemmingen/{consent.uuid}/intrekken/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Toestemming voor Bureau Werk & Zo intrekken"
    )
    what = page.get_by_role("main").get_by_role("list")
    expect(what).to_contain_text("geen contact meer met Bureau Werk & Zo")
    expect(what).to_contain_text("Je coach krijgt hiervan bericht.")
    assert_accessible(page)
    screenshots(page, tmp_path, "withdraw-confirm")
    consent.refresh_from_db()
    assert consent.withdrawn_on is None  # asking changed nothing
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Toestemming intrekken").click()
    page.wait_for_url(path_is("/portaal/toestemmingen/"))
    expect(page.get_by_role("alert")).to_contain_text(
        "De toestemming voor Bureau Werk & Zo is ingetrokken."
    )
    expect(party).to_contain_text(f"ingetrokken op {today_short}")
    expect(party.get_by_role("link", name=re.compile("Intrekken"))).to_have_count(0)
    assert_accessible(page)

    # --- The coach sees it on Vandaag, and follows it to Eva --------------------------------------
    coach.set_viewport_size(DESKTOP)
    log_in_as(coach, coach_a)
    coach.goto("/coach/")
    notice = coach.get_by_role("region", name="Toestemming ingetrokken")
    entry = notice.get_by_role("listitem").filter(has_text="Eva Coachee")
    expect(entry).to_contain_text(f"toestemming voor Bureau Werk & Zo ingetrokken op {today}")
    assert_accessible(coach)
    screenshots(coach, tmp_path, "vandaag")
    entry.get_by_role("link", name="Eva Coachee").click()
    coach.wait_for_url(path_is(f"/coach/clienten/{eva.uuid}/"))
    consents = coach.get_by_role("region", name="Derde partijen en toestemming")
    expect(consents).to_contain_text("ingetrokken")
    expect(consents.get_by_role("link", name=re.compile("Intrekken"))).to_have_count(0)

    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawn_by) == (timezone.localdate(), coachee)
    page_log.assert_stayed_local()
    coach_log.assert_stayed_local()
