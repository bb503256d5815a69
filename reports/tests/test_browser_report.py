"""End to end: the practice's owner (the admin) opens the report from the menu, chooses March
and April 2026, reads the month's figures in the chart's table, downloads a table as CSV, and
narrows the report to one coach; a coach reads their own report, without a coach filter. Each
page is looked at on a laptop and a phone (screenshots under var/screenshots/, axe-core, no
sideways scrolling).

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium)
come from coaching/tests/browser.py."""

import re

import pytest
from playwright.sync_api import Page, expect

from coaching.tests.browser import PageLog, log_in_as, look_at
from coaching.tests.factories import give_totp
from reports.tests import practice

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    made = practice.build()
    for user in made.values():
        give_totp(user)
    return made


def choose_period(page: Page, first: str, last: str) -> None:
    page.get_by_label("Van (maand)").fill(first)
    page.get_by_label("Tot en met (maand)").fill(last)
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url(re.compile(rf"van={first}&tot={last}"))


def test_the_owner_reads_the_months_report_and_downloads_its_csv(
    page: Page, page_log: PageLog, world
):
    log_in_as(page, world["admin"])
    page.get_by_role("navigation").get_by_role("link", name="Rapportage").click()
    expect(page.get_by_role("heading", name="Rapportage", level=1)).to_be_visible()
    choose_period(page, "2026-03", "2026-04")
    expect(page.get_by_test_id("report-scope")).to_have_text(
        "De hele praktijk, per maand, van maart 2026 tot en met april 2026."
    )

    # The sessions: the chart has a name, and its table under it the same figures.
    sessions = page.locator("section#sessies")
    expect(
        sessions.get_by_role("img", name=re.compile("Grafiek: Sessies per maand"))
    ).to_be_visible()
    table = sessions.get_by_role("table", name="Sessies per maand")
    march = table.get_by_role("row", name=re.compile("^maart 2026"))
    expect(march.get_by_role("cell")).to_have_text(["3", "1", "2", "0", "1"])
    expect(table.get_by_role("row", name=re.compile("^Totaal"))).to_contain_text("5")
    # The invoices in euro, the e-mail answer time against the deadline.
    invoices = page.get_by_role("table", name="Facturen per maand")
    expect(invoices.get_by_role("row", name=re.compile("^maart 2026"))).to_contain_text("€ 181,50")
    email = page.locator("section#email")
    expect(email.locator("figcaption")).to_contain_text("termijn 24 uur")
    look_at(page, "report-admin")

    # A table as CSV: a file named after the section and the period, in a Dutch Excel's form.
    with page.expect_download() as download_info:
        page.get_by_test_id("csv-facturen").click()
    download = download_info.value
    assert download.suggested_filename == "rapportage-facturen-2026-03-tot-en-met-2026-04.csv"
    content = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115, PTH123
    assert content.splitlines()[:2] == [
        "Maand;Gefactureerd;Betaald;Te laat, onbetaald",
        "2026-03;181,50;121,00;60,50",
    ]

    # One coach: Bert's work only.
    page.get_by_label("Coach", exact=True).select_option(label=str(world["bert"]))
    page.get_by_role("button", name="Toon").click()
    expect(page.get_by_test_id("report-scope")).to_contain_text(f"Het werk van {world['bert']}")
    march = page.get_by_role("table", name="Sessies per maand").get_by_role(
        "row", name=re.compile("^maart 2026")
    )
    expect(march.get_by_role("cell")).to_have_text(["1", "0", "1", "0", "0"])

    # A month that is no month: said in Dutch, no report.
    page.get_by_label("Van (maand)").fill("2026-05")
    page.get_by_role("button", name="Toon").click()
    expect(page.get_by_test_id("report-errors")).to_contain_text("draai ze om")
    expect(page.locator("section#sessies")).to_have_count(0)
    page_log.assert_stayed_local()


def test_a_coach_reads_their_own_report_without_a_coach_filter(
    page: Page, page_log: PageLog, world
):
    log_in_as(page, world["anna"])
    page.get_by_role("button", name="Meer").click()
    page.get_by_role("link", name="Rapportage").click()
    choose_period(page, "2026-03", "2026-04")
    expect(page.get_by_test_id("report-scope")).to_contain_text(f"Het werk van {world['anna']}")
    expect(page.get_by_label("Coach", exact=True)).to_have_count(0)
    march = page.get_by_role("table", name="Sessies per maand").get_by_role(
        "row", name=re.compile("^maart 2026")
    )
    expect(march.get_by_role("cell")).to_have_text(["2", "1", "1", "0", "1"])
    look_at(page, "report-coach")
    page_log.assert_stayed_local()
