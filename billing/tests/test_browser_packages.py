"""End to end, a strippenkaart as people click through it: the coach sells one on the client's
page, marks a session held, and sees what is left; the coachee sees on the portal's home how
many sessions are left and until when. Every page on the way is checked with axe.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py.
"""

import re
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from billing.models import Package, PackagePrice, PackagePurchase
from billing.services.packages import package_valid_until
from coaching.dates import readable
from coaching.models import Client
from coaching.tests.browser import PageLog, assert_accessible, log_in_as, path_is
from sessions.tests.factories import appointment_for
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.browser


def test_the_coach_sells_a_card_and_the_coachee_sees_what_is_left(
    page: Page, page_log: PageLog, other_page, coach_a, coachee
):
    package = Package.objects.create(name="Vijf sessies", sessions=5, validity_months=6)
    PackagePrice.objects.create(
        package=package, price=Decimal("400"), vat="21", valid_from=date(2024, 1, 1)
    )
    eva = Client.objects.get(account=coachee)
    traject = running_traject(coach_a, client=eva)
    # A session earlier today, not marked yet.
    if timezone.localtime().time() < time(0, 40):
        pytest.skip("a session earlier today needs the day to have begun")
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time(0, 5)))
    session = appointment_for(traject, start, minutes=30)

    # --- The client's page: Strippenkaart verkopen ---------------------------------------------
    log_in_as(page, coach_a)
    page.goto(f"/coach/clienten/{eva.uuid}/")
    cards = page.get_by_role("region", name="Strippenkaarten")
    expect(cards).to_contain_text("Nog geen strippenkaart.")
    cards.get_by_role("link", name="Strippenkaart verkopen").click()
    page.wait_for_url(path_is(f"/coach/clienten/{eva.uuid}/strippenkaart/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Strippenkaart verkopen aan {eva}")
    assert_accessible(page)
    page.get_by_label(re.compile("Vijf sessies: 5 sessies, 6 maanden geldig, € 484,00")).check()
    page.get_by_role("button", name="Verkopen").click()
    page.wait_for_url(path_is(f"/coach/clienten/{eva.uuid}/"))
    purchase = PackagePurchase.objects.get()
    with translation.override("nl"):
        until = readable(purchase.valid_until, year=True)
    expect(page.get_by_role("alert").or_(page.locator(".alert-success"))).to_contain_text(
        "Vijf sessies is verkocht aan"
    )
    cards = page.get_by_role("region", name="Strippenkaarten")
    expect(cards).to_contain_text("0 van 5 gebruikt, 5 over")
    expect(cards).to_contain_text(f"geldig tot en met {until}")
    expect(cards).to_contain_text("Nog niet gefactureerd")
    assert_accessible(page)

    # --- The coach marks the session held: a strip goes -----------------------------------------
    page.goto(f"/coach/afspraken/{session.uuid}/")
    after = page.get_by_role("region", name="Na afloop")
    after.get_by_label("gehouden").check()
    after.get_by_role("button", name="Vastleggen").click()
    page.wait_for_url(re.compile(r".*/coach/afspraken/.*"))
    expect(
        page.get_by_text("Er gaat een sessie af van de strippenkaart ‘Vijf sessies’: nog 4 over.")
    )
    page.goto(f"/coach/clienten/{eva.uuid}/")
    expect(page.get_by_role("region", name="Strippenkaarten")).to_contain_text(
        "1 van 5 gebruikt, 4 over"
    )

    # --- The coachee sees it on the portal's home ----------------------------------------------
    portal, _log = other_page
    log_in_as(portal, coachee)
    portal.goto("/portaal/")
    card = portal.get_by_role("region", name="Strippenkaart")
    expect(card).to_contain_text("Vijf sessies")
    expect(card).to_contain_text("Nog 4 sessies over")
    expect(card).to_contain_text(f"1 van 5 gebruikt · geldig tot en met {until}")
    assert_accessible(portal)
    assert purchase.uses.get().appointment == session
    assert purchase.valid_until == package_valid_until(today, 6)
