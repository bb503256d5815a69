"""End to end: an organisation asks for a quote on the public site, on a
phone; the coach finds it on Vandaag, in the e-mail's link, and answers it with the quote filled
in from the request. Every page on the way is checked with axe; at 1280 px and at 390 px.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py. SCREENSHOTS=<folder>
keeps a picture of each page there.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from billing.models import Quote, QuoteRequest
from billing.tests.helpers import tariff
from coaching.tests.browser import PageLog, assert_accessible, log_in_as, path_is

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}


def label(text: str) -> re.Pattern:
    """Exactly this label; a required field's label ends in an asterisk."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def look(page: Page, name: str) -> None:
    """Axe finds nothing, nothing scrolls sideways; a screenshot when asked for."""
    assert_accessible(page)
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), f"{name} scrolls sideways at {page.viewport_size['width']} px"
    if folder := os.environ.get("SCREENSHOTS"):
        width = page.viewport_size["width"]
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_an_organisation_asks_and_the_coach_answers(
    page: Page, page_log: PageLog, coach_a, mailoutbox, size
):
    tariff("backstage", "5600", unit="group", min_participants=4, max_participants=6, meetings=8)
    page.set_viewport_size(size)

    # The visitor reads about the group and asks for a quote.
    page.goto("/backstage-groep/")
    page.get_by_role("link", name="Offerte aanvragen").click()
    page.wait_for_url(path_is("/backstage-groep/offerte-aanvragen/"))
    look(page, "quote-request-form")
    page.get_by_label(label("Organisatie")).fill("Gemeente Zuid")
    page.get_by_label(label("Contactpersoon")).fill("Karin Mol")
    page.get_by_label(label("E-mailadres")).fill("k.mol@zuid.example")
    page.get_by_label(label("Aantal deelnemers")).fill("40")
    page.get_by_label("een team uit onze organisatie (in-company)").check()
    page.get_by_label("'s avonds").check()
    page.get_by_label(label("Wensen en vragen")).fill("Graag bij ons op het stadhuis.")
    page.get_by_role("button", name="Offerte aanvragen").click()

    # Too many people for one group: said at the field, nothing typed is lost.
    expect(page.get_by_text("Zorg ervoor dat deze waarde hoogstens 30 is.")).to_be_visible()
    expect(page.get_by_label(label("Organisatie"))).to_have_value("Gemeente Zuid")
    expect(page.get_by_label("'s avonds")).to_be_checked()
    look(page, "quote-request-form-error")
    page.get_by_label(label("Aantal deelnemers")).fill("6")
    page.get_by_role("button", name="Offerte aanvragen").click()
    page.wait_for_url(path_is("/backstage-groep/offerte-aanvragen/bedankt/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dank je wel voor je aanvraag")
    look(page, "quote-request-thanks")
    asked = QuoteRequest.objects.get()

    # The coach: an e-mail with only the link; the request on Vandaag.
    (message,) = mailoutbox
    assert "Gemeente Zuid" not in message.body
    link = re.search(r"https?://\S+(/offertes/aanvragen/\S+/)", message.body).group(1)
    assert link == f"/offertes/aanvragen/{asked.uuid}/"
    log_in_as(page, coach_a)
    page.goto("/coach/")
    section = page.get_by_role("region", name=re.compile("Offerteaanvragen"))
    look(page, "vandaag-with-request")
    section.get_by_role("link", name="Gemeente Zuid").click()
    page.wait_for_url(path_is(link))
    expect(page.get_by_text("wacht op een offerte")).to_be_visible()
    expect(page.get_by_label(label("Organisatie"))).to_have_value("Gemeente Zuid")
    expect(page.get_by_label(label("Aantal deelnemers"))).to_have_value("6")
    look(page, "quote-request-detail")

    page.get_by_label(label("Meerprijs voor de wensen (excl. btw)")).fill("250")
    page.get_by_role("button", name="Offerte maken").click()
    quote = Quote.objects.get()
    page.wait_for_url(path_is(f"/offertes/{quote.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("Stuur de pdf naar k.mol@zuid.example")
    look(page, "quote-from-request")
    assert quote.request == asked

    # Answered: it left Vandaag, and the request says so.
    page.goto("/coach/")
    expect(page.get_by_role("region", name=re.compile("Offerteaanvragen"))).to_have_count(0)
    page.goto(link)
    expect(page.get_by_text("beantwoord", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=f"Offerte {quote.number}")).to_be_visible()
    page_log.assert_stayed_local()
