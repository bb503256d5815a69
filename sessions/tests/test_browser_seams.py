"""End to end, cancelling and its fee as people click through them: the coach cancels an
hour before through the confirmation page and the client's draft invoice shows no fee; the coach
marks a no-show (it asks first) and waives its fee; a coachee cancels in the portal through the
confirmation page, having seen until when that is free; a booking inside the cancellation window
shows the warning before it books.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from coaching.models import Client, Tariff
from coaching.templatetags.dates import datum
from coaching.tests.browser import PageLog, assert_accessible, log_in_as, path_is
from sessions.models import Appointment, BookingRules, SessionType
from sessions.services.booking import appointment_mark
from sessions.tests.factories import appointment_for
from sessions.tests.test_pages import future, open_all_week
from trajects.models import Traject
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"
SCREENSHOTS = "/tmp"  # noqa: S108 - a look at the pages, not read back


def dutch(moment, flags: str = "dag,tijd") -> str:
    with translation.override("nl"):
        return datum(moment, flags)


def url_matches(pattern: str) -> re.Pattern:
    return re.compile(rf"^https?://[^/]+{pattern}$")


def label(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


@pytest.fixture
def session_type(db):
    return SessionType.objects.create(
        kind="session",
        name="Coachingsessie",
        default_minutes=60,
        allowed_modes=["practice"],
        bookable_online=True,
    )


@pytest.fixture
def eva_traject(coach_a, coachee) -> Traject:
    open_all_week(coach_a)
    coach_a.coach_profile.phone = "030 123 45 67"
    coach_a.coach_profile.save()
    return running_traject(coach_a, client=Client.objects.get(account=coachee))


@pytest.fixture
def tariffs(db):
    since = timezone.localdate() - timedelta(days=400)
    for component, price, name, minutes in (
        ("session", "80", "Coachingsessie 60 min", 60),
        ("late_cancel", "50", "Te laat afgezegd", None),
        ("no_show", "60", "Niet verschenen", None),
    ):
        Tariff.objects.create(
            component=component, unit="appointment", name=name, price=Decimal(price),
            vat="exempt", valid_from=since, duration_minutes=minutes,
        )  # fmt: skip


def both_widths(page: Page, name: str) -> None:
    """A look at the page on a laptop and on a phone."""
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SCREENSHOTS}/seams-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_coach_cancels_an_hour_before_and_the_draft_invoice_has_no_fee(
    page: Page, page_log: PageLog, coach_a, eva_traject, session_type, tariffs
):
    held = appointment_for(
        eva_traject, timezone.now() - timedelta(days=2), session_type=session_type
    )
    appointment_mark(appointment=held, status="completed")
    soon = appointment_for(
        eva_traject, timezone.now() + timedelta(hours=1), session_type=session_type
    )

    log_in_as(page, coach_a)
    page.goto(f"/coach/afspraken/{soon.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("coachingsessie – Eva Coachee")
    expect(page.get_by_text("Kosteloos afzeggen kon tot")).to_be_visible()
    page.get_by_role("link", name="Annuleren", exact=True).click()

    # --- It asks first: who cancels, what that costs, what happens ------------------------------
    page.wait_for_url(url_matches(rf"/coach/afspraken/{UUID}/annuleren/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Afspraak annuleren")
    expect(page.get_by_role("main")).to_contain_text("de tijd komt vrij in je agenda")
    expect(page.get_by_role("main")).to_contain_text("Eva krijgt een e-mail met de annulering")
    who = page.get_by_role("group", name=label("Wie zegt af?"))
    expect(who.get_by_label("de cliënt – te laat afgezegd: € 50,00")).to_be_visible()
    expect(who.get_by_label("de ouder")).to_have_count(0)  # Eva is an adult
    assert_accessible(page)
    both_widths(page, "coach-cancel")
    who.get_by_label("ik, de coach – geen kosten voor de cliënt").check()
    page.get_by_label(label("Reden")).fill("Ziek")
    page.get_by_role("button", name="Afspraak annuleren").click()

    page.wait_for_url(url_matches(rf"/coach/afspraken/{UUID}/"))
    expect(page.get_by_role("alert")).to_contain_text("De afspraak is geannuleerd door de coach.")
    expect(page.locator(".badge.fs-6")).to_have_text("geannuleerd door de coach")
    expect(page.get_by_role("main")).to_contain_text("Ziek")

    # --- The draft invoice: the held session, no late fee ---------------------------------------
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Facturen").click()
    page.get_by_role("link", name="Nieuwe factuur").click()
    page.wait_for_url(path_is("/facturen/nieuw/"))
    today = timezone.localdate()
    page.get_by_label(label("Aan")).select_option(label="Eva Coachee")
    page.get_by_label(label("Periode vanaf")).fill(f"{today - timedelta(days=7):%Y-%m-%d}")
    page.get_by_label(label("Periode tot en met")).fill(f"{today:%Y-%m-%d}")  # up to today
    page.get_by_role("button", name="Concept maken").click()
    page.wait_for_url(url_matches(rf"/facturen/{UUID}/"))
    lines = page.get_by_role("table", name="Factuurregels")
    expect(lines.locator("tbody tr")).to_have_count(1)
    expect(lines.locator("tbody tr")).to_contain_text("Coachingsessie 60 min")
    expect(lines).not_to_contain_text("Te laat afgezegd")
    page_log.assert_stayed_local()

    soon.refresh_from_db()
    assert (soon.status, soon.cancelled_by, soon.cancel_reason) == ("cancelled", "coach", "Ziek")


def test_coach_marks_a_no_show_after_confirming_and_waives_the_fee(
    page: Page, page_log: PageLog, coach_a, eva_traject, session_type, tariffs
):
    missed = appointment_for(
        eva_traject, timezone.now() - timedelta(hours=3), session_type=session_type
    )

    log_in_as(page, coach_a)
    page.goto(f"/coach/afspraken/{missed.uuid}/")
    after = page.get_by_role("region", name="Na afloop")
    after.get_by_label("niet verschenen").check()
    after.get_by_role("button", name="Vastleggen").click()

    page.wait_for_url(url_matches(rf"/coach/afspraken/{UUID}/niet-verschenen/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet verschenen vastleggen")
    expect(page.get_by_role("status")).to_contain_text("Kosten voor de cliënt: € 60,00")
    assert_accessible(page)
    missed.refresh_from_db()
    assert missed.status == "booked"  # asking changed nothing
    page.get_by_role("button", name="Vastleggen: niet verschenen").click()

    page.wait_for_url(url_matches(rf"/coach/afspraken/{UUID}/"))
    expect(page.get_by_role("alert")).to_contain_text("Vastgelegd: niet verschenen.")
    fee = page.get_by_role("region", name="Kosten voor de cliënt")
    fee.get_by_role("link", name="Kosten kwijtschelden").click()

    page.wait_for_url(url_matches(rf"/coach/afspraken/{UUID}/kwijtschelden/"))
    expect(page.get_by_role("status")).to_contain_text("Dit scheelt de cliënt € 60,00.")
    page.get_by_label(label("Waarom vervallen de kosten?")).fill("Ziek kind, te laat gemeld")
    page.get_by_role("button", name="Kosten kwijtschelden").click()

    page.wait_for_url(url_matches(rf"/coach/afspraken/{UUID}/"))
    expect(page.get_by_role("alert")).to_contain_text("De kosten zijn kwijtgescholden.")
    expect(page.locator(".badge.fs-6")).to_have_text("niet verschenen (kosten kwijtgescholden)")
    expect(page.get_by_role("main")).to_contain_text("Ziek kind, te laat gemeld")
    page_log.assert_stayed_local()

    missed.refresh_from_db()
    assert (missed.status, missed.fee_waived_reason) == ("no_show", "Ziek kind, te laat gemeld")


def test_coachee_sees_until_when_it_is_free_and_cancels_after_confirming(
    page: Page, page_log: PageLog, coachee, eva_traject, session_type
):
    from sessions.services.booking import portal_book

    start = future(3)
    appointment = portal_book(
        account=coachee, traject=eva_traject, session_type=session_type, start=start,
        mode="practice",
    )  # fmt: skip
    free_until = dutch(start - timedelta(hours=24))

    log_in_as(page, coachee)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Afspraken").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    item = page.get_by_role("region", name="Gepland").get_by_role("listitem")
    expect(item).to_contain_text(f"Kosteloos afzeggen kan tot {free_until}; verzetten ook.")
    both_widths(page, "portal-list")
    item.get_by_role("link", name=re.compile(r"^Annuleren")).click()

    page.wait_for_url(url_matches(rf"/portaal/afspraken/{UUID}/annuleren/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Afspraak annuleren")
    expect(page.get_by_role("status")).to_have_text(
        f"Geen kosten: kosteloos afzeggen kan tot {free_until}."
    )
    expect(page.get_by_role("main")).to_contain_text("Anna Coach krijgt bericht")
    assert_accessible(page)
    both_widths(page, "portal-cancel")
    page.get_by_label(label("Waarom zeg je af? (niet verplicht)")).fill("Op vakantie")
    page.get_by_role("button", name="Ja, annuleren").click()

    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("alert")).to_contain_text("Je afspraak is geannuleerd.")
    expect(page.get_by_role("region", name="Eerder")).to_contain_text(
        "(geannuleerd door de cliënt): Op vakantie"
    )
    page_log.assert_stayed_local()

    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == ("cancelled", "client")


def test_a_booking_inside_the_window_warns_before_it_books(
    page: Page, page_log: PageLog, coach_a, coachee, eva_traject, session_type
):
    # This coach: free cancellation until five days before; a time three days ahead is inside.
    BookingRules.objects.filter(coach=coach_a).update(cancel_window_hours=120)
    slot = future(3, 11)

    log_in_as(page, coachee)
    page.goto("/portaal/afspraken/")
    page.get_by_role("region", name="Een afspraak maken").get_by_role(
        "link", name="Coachingsessie"
    ).click()
    page.wait_for_url(url_matches(rf"/portaal/afspraken/boeken/{eva_traject.uuid}/.*"))
    expect(
        page.get_by_text("Kosteloos afzeggen of verzetten kan online tot 120 uur")
    ).to_be_visible()
    day = page.get_by_role("group", name=dutch(slot, "dag,lang"), exact=True)
    day.locator("label").filter(has_text=re.compile(r"^11:00$")).click()
    page.get_by_role("button", name="Boeken").click()

    warning = page.get_by_role(
        "region", name="Je kunt deze afspraak daarna niet meer online afzeggen"
    )
    expect(warning).to_contain_text(
        f"voor deze afspraak was dat tot {dutch(slot - timedelta(hours=120))}"
    )
    assert not Appointment.objects.exists()  # nothing booked yet
    assert_accessible(page)
    both_widths(page, "booking-warning")
    warning.get_by_role("button", name="Toch boeken").click()

    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("alert")).to_contain_text("Je afspraak staat vast.")
    item = page.get_by_role("region", name="Gepland").get_by_role("listitem")
    expect(item).to_contain_text("Online afzeggen of verzetten kon tot")
    expect(item.get_by_role("link", name="030 123 45 67")).to_be_visible()
    expect(item.get_by_role("link", name=re.compile(r"^Annuleren"))).to_have_count(0)
    page_log.assert_stayed_local()

    assert Appointment.objects.get().start == slot
