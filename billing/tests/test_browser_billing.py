"""End to end, tariffs and invoices as people click through them: the practice admin sets a new
price from a date and a visitor sees it on the tariffs page; a coach makes an invoice of last
month's sessions, sends it, marks it paid and the coachee finds it in the portal; a coach credits
a sent invoice and invoices the same sessions again. Every page on the way is checked with axe.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py.
"""

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from billing.forms import last_month
from billing.models import Claim, Invoice
from billing.services.invoicing import Recipient, invoice_create, invoice_send
from coaching.dates import readable
from coaching.models import Client, Send, Tariff
from coaching.tests.browser import (
    PageLog,
    assert_accessible,
    log_in_as,
    path_is,
)
from sessions.models import Appointment
from sessions.tests.factories import appointment_for
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"
SESSION = "Coachingsessie van 60 minuten"


def label(text: str) -> re.Pattern:
    """Exactly this label; a required field's label ends in an asterisk ("Aan*")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def url_matches(pattern: str) -> re.Pattern:
    return re.compile(rf"^https?://[^/]+{pattern}$")


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def number(sequence: int) -> str:
    """An invoice number as sending gives it today: "2026-0001"."""
    return f"{timezone.localdate().year}-{sequence:04d}"


def session_tariff(**kwargs) -> Tariff:
    return Tariff.objects.create(
        **{
            "component": Tariff.Component.SESSION,
            "unit": Tariff.Unit.APPOINTMENT,
            "name": SESSION,
            "duration_minutes": 60,
            "price": Decimal("80.00"),
            "vat": Tariff.Vat.HIGH,
            "valid_from": date(2020, 1, 1),
            **kwargs,
        }
    )


@dataclass
class Delivered:
    client: Client
    appointments: list[Appointment]
    start: date
    end: date


@pytest.fixture
def delivered(coach_a, coachee) -> Delivered:
    """Eva's two sessions of last month, held; the tariff for them applies since long ago."""
    session_tariff()
    client = Client.objects.get(account=coachee)
    traject = running_traject(coach_a, client=client)
    start, end = last_month()
    held = []
    for day in (start + timedelta(days=9), start + timedelta(days=16)):
        at = timezone.make_aware(datetime.combine(day, time(10, 0)))
        held.append(appointment_for(traject, at, minutes=60))
    Appointment.objects.filter(pk__in=[a.pk for a in held]).update(
        status=Appointment.Status.COMPLETED
    )
    return Delivered(client=client, appointments=held, start=start, end=end)


def open_new_invoice(page: Page) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Facturen").click()
    page.wait_for_url(path_is("/facturen/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Facturen")
    page.get_by_role("link", name="Nieuwe factuur").click()
    page.wait_for_url(path_is("/facturen/nieuw/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe factuur")


def make_draft(page: Page, who: str, start: date, end: date) -> None:
    page.get_by_label(label("Aan")).select_option(label=who)
    page.get_by_label(label("Periode vanaf")).fill(f"{start:%Y-%m-%d}")
    page.get_by_label(label("Periode tot en met")).fill(f"{end:%Y-%m-%d}")
    page.get_by_role("button", name="Concept maken").click()


def lines_table(page: Page):
    return page.get_by_role("table", name="Factuurregels")


def total_row(page: Page):
    return (
        lines_table(page)
        .locator("tfoot tr")
        .filter(has=page.get_by_role("rowheader", name="Totaal", exact=True))
    )


def what_now(page: Page):
    return page.get_by_role("region", name="Wat nu")


# --- Tariffs: the admin sets a new price, the tariffs page shows it ----------------------------


def test_admin_sets_a_new_price_from_today_and_the_tariffs_page_shows_it(
    page: Page, page_log: PageLog, other_page, admin_user
):
    today = timezone.localdate()
    old = session_tariff(valid_from=today - timedelta(days=200))

    # --- Beheer → Tarieven ---------------------------------------------------------------------
    log_in_as(page, admin_user)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").click()
    page.wait_for_url(path_is("/beheer/"))
    page.get_by_role("link", name="Tarieven", exact=True).click()
    page.wait_for_url(path_is("/beheer/coaching/tariff/"))

    filters = page.get_by_role("search", name="Filter")
    expect(filters.locator("summary")).to_have_text(
        ["Op geldigheid", "Op onderdeel", "Op btw", "Op openbaar"]
    )
    validity = filters.get_by_role("group").filter(has_text="Op geldigheid")
    expect(validity.get_by_role("link")).to_have_text(
        ["Alle", "geldt vandaag", "gaat later in", "verlopen"]
    )
    filters.get_by_role("link", name="geldt vandaag").click()
    page.wait_for_url(path_is("/beheer/coaching/tariff/", geldig="nu"))
    results = page.locator("#result_list")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("96,80")  # the price including VAT

    # --- The price applies already: read-only, with a link to a new price ----------------------
    results.get_by_role("link", name=SESSION).click()
    page.wait_for_url(path_is(f"/beheer/coaching/tariff/{old.pk}/change/"))
    expect(page.locator("input[name='price']")).to_have_count(0)
    expect(page.locator(".field-price .readonly")).to_contain_text("80")
    page.get_by_role("link", name="Nieuwe prijs vanaf een datum").click()
    page.wait_for_url(path_is("/beheer/coaching/tariff/add/"))

    # The add form comes filled in with the same thing, from tomorrow; the admin makes it today.
    expect(page.locator("input[name='name']")).to_have_value(SESSION)
    expect(page.locator("select[name='component']")).to_have_value("session")
    expect(page.locator("input[name='duration_minutes']")).to_have_value("60")
    valid_from = page.locator("input[name='valid_from']")
    expect(valid_from).to_have_value(re.compile(rf"{today + timedelta(days=1):%Y-%m-%d}"))
    page.locator("input[name='price']").fill("90")
    valid_from.fill(f"{today:%d-%m-%Y}")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    page.wait_for_url(path_is("/beheer/coaching/tariff/"))
    messages = page.locator("ul.messagelist")
    with translation.override("nl"):
        yesterday = readable(today - timedelta(days=1), long=True)
    expect(messages).to_contain_text(f"{SESSION} geldt nu tot en met {yesterday}.")
    expect(messages).to_contain_text(f"Toegevoegd: tarief ‘{SESSION} (")  # not "De tarief"

    new = Tariff.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    assert (new.price, new.valid_from, new.valid_until) == (Decimal("90.00"), today, None)
    assert old.valid_until == today - timedelta(days=1)

    # --- A visitor sees the new price ----------------------------------------------------------
    visitor, visitor_log = other_page
    visitor.goto("/")
    visitor.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Tarieven").click()
    visitor.wait_for_url(path_is("/tarieven/"))
    main = visitor.get_by_role("main")
    row = main.get_by_role("row").filter(has_text=SESSION)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("€ 108,90")
    expect(row).to_contain_text("€ 90,00 excl. btw")
    expect(main).not_to_contain_text("€ 96,80")
    assert_accessible(visitor)

    page_log.assert_stayed_local()
    visitor_log.assert_stayed_local()


# --- Invoices: make, send, mark paid; the coachee finds it in the portal -----------------------


def test_coach_invoices_last_month_sends_it_and_marks_it_paid(
    page: Page, page_log: PageLog, other_page, coach_a, coachee, delivered
):
    first = number(1)

    # --- Facturen → Nieuwe factuur: the recipient and last month ------------------------------
    log_in_as(page, coach_a)
    open_new_invoice(page)
    expect(page.get_by_label(label("Periode vanaf"))).to_have_value(f"{delivered.start:%Y-%m-%d}")
    expect(page.get_by_label(label("Periode tot en met"))).to_have_value(
        f"{delivered.end:%Y-%m-%d}"
    )
    recipient = page.get_by_label(label("Aan"))
    expect(recipient.locator("optgroup[label='Cliënten'] option")).to_have_text(["Eva Coachee"])
    assert_accessible(page)
    make_draft(page, "Eva Coachee", delivered.start, delivered.end)

    # --- The draft: two sessions, 2 × € 80 + 21 % ----------------------------------------------
    page.wait_for_url(url_matches(rf"/facturen/{UUID}/"))
    expect(page.get_by_role("alert")).to_contain_text("Het concept staat klaar.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Conceptfactuur")
    expect(page.get_by_role("heading", level=1)).to_contain_text("concept")
    rows = lines_table(page).locator("tbody tr")
    expect(rows).to_have_count(2)
    for row, appointment in zip(rows.all(), delivered.appointments, strict=True):
        day = timezone.localdate(appointment.start)
        with translation.override("nl"):
            expect(row).to_contain_text(readable(day, year=True))  # as on the PDF
        expect(row).to_contain_text(SESSION)
        expect(row).to_contain_text("€ 80,00")
    expect(lines_table(page).locator("tfoot")).to_contain_text("Btw 21 % over € 160,00")
    expect(lines_table(page).locator("tfoot")).to_contain_text("€ 33,60")
    expect(total_row(page)).to_contain_text("€ 193,60")
    assert_accessible(page)

    # --- Versturen: numbered and e-mailed with the PDF -----------------------------------------
    what_now(page).get_by_role("button", name="Versturen").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"De factuur is genummerd en gaat per e-mail naar {coachee.email}."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Factuur {first}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("verstuurd")
    expect(what_now(page)).to_contain_text("verstuurd op")
    expect(lines_table(page).get_by_role("button", name=re.compile("verwijderen"))).to_have_count(0)
    expect(page.get_by_role("button", name="Versturen")).to_have_count(0)
    assert_accessible(page)

    invoice = Invoice.objects.get()
    assert (invoice.number, invoice.status) == (first, Invoice.Status.SENT)
    send = Send.objects.get(subject=f"invoice:{invoice.pk}")
    assert (send.kind, send.status) == ("invoice", Send.Status.SENT)
    (message,) = [m for m in mail.outbox if m.to == [coachee.email]]
    assert first in message.subject
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == (f"factuur-{first}.pdf", "application/pdf")
    mailed = pdf_text(content)
    assert f"Factuur {first}" in mailed
    assert "€ 193,60" in mailed

    # --- Markeren als betaald --------------------------------------------------------------------
    today = timezone.localdate()
    paid_on = what_now(page).get_by_label(label("Betaald op"))
    expect(paid_on).to_have_value(f"{today:%Y-%m-%d}")
    # Not a day in the future.
    paid_on.fill(f"{today + timedelta(days=1):%Y-%m-%d}")
    what_now(page).get_by_role("button", name="Markeren als betaald").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "De betaaldatum ligt tussen de factuurdatum en vandaag."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("verstuurd")
    assert_accessible(page)
    paid_on.fill(f"{today:%Y-%m-%d}")
    what_now(page).get_by_role("button", name="Markeren als betaald").click()
    expect(page.get_by_role("alert")).to_contain_text("De factuur staat op betaald.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("betaald")
    expect(what_now(page)).to_contain_text("Betaald op")
    expect(what_now(page).get_by_role("button", name="Markeren als betaald")).to_have_count(0)
    assert_accessible(page)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_on) == (Invoice.Status.PAID, today)

    # --- The PDF, as the link gives it -----------------------------------------------------------
    href = page.get_by_role("link", name="Pdf bekijken").get_attribute("href")
    assert href == f"/facturen/{invoice.uuid}/pdf/"
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    for expected in (f"Factuur {first}", "€ 193,60", "Betaald op", "Eva Coachee"):
        assert expected in text

    # The list shows it, paid.
    page.get_by_role("link", name="Facturen", exact=True).first.click()
    page.wait_for_url(path_is("/facturen/"))
    listed = page.get_by_role("table", name="Facturen").locator("tbody tr")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(first)
    expect(listed).to_contain_text("€ 193,60")
    expect(listed).to_contain_text("betaald")
    assert_accessible(page)

    # --- Eva finds it in her portal --------------------------------------------------------------
    eva, eva_log = other_page
    log_in_as(eva, coachee)
    eva_menu = eva.get_by_role("navigation", name="Hoofdmenu")
    eva_menu.get_by_role("button", name="Meer").click()  # a client's invoices: under "Meer"
    eva_menu.get_by_role("link", name="Facturen").click()
    eva.wait_for_url(path_is("/portaal/facturen/"))
    item = eva.get_by_role("main").get_by_role("listitem")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("€ 193,60")
    expect(item).to_contain_text("betaald")
    link = item.get_by_role("link", name=f"Factuur {first}")
    assert link.get_attribute("href") == f"/portaal/facturen/{invoice.uuid}/pdf/"
    assert_accessible(eva)
    response = eva.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f"Factuur {first}" in pdf_text(response.body())

    page_log.assert_stayed_local()
    eva_log.assert_stayed_local()


# --- Credit: a sent invoice is corrected, and its sessions can be invoiced again ---------------


def test_coach_credits_a_sent_invoice_and_invoices_the_sessions_again(
    page: Page, page_log: PageLog, coach_a, coachee, delivered
):
    sent = invoice_send(
        invoice=invoice_create(
            recipient=Recipient(Invoice.Recipient.CLIENT, client=delivered.client),
            by=coach_a,
            start=delivered.start,
            end=delivered.end,
        )
    )
    first, second = number(1), number(2)
    assert sent.number == first

    # Everything of last month is on that invoice: a new one finds nothing.
    log_in_as(page, coach_a)
    open_new_invoice(page)
    make_draft(page, "Eva Coachee", delivered.start, delivered.end)
    page.wait_for_url(path_is("/facturen/nieuw/"))
    expect(page.get_by_role("main")).to_contain_text(
        "Er is in deze periode niets (meer) te factureren voor Eva Coachee."
    )
    assert_accessible(page)

    # --- Crediteren ------------------------------------------------------------------------------
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Facturen").click()
    page.wait_for_url(path_is("/facturen/"))
    page.get_by_role("link", name=first, exact=True).click()
    page.wait_for_url(path_is(f"/facturen/{sent.uuid}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Factuur {first}")
    # Crediting cannot be undone: the first click only opens what it does and asks to confirm.
    what_now(page).get_by_text("Crediteren", exact=True).click()
    expect(what_now(page)).to_contain_text("Dat kan niet ongedaan worden.")
    assert not Invoice.objects.filter(credit_for=sent).exists()
    what_now(page).get_by_role("button", name="Ja, crediteer deze factuur").click()

    page.wait_for_url(url_matches(rf"/facturen/{UUID}/"))
    expect(page.get_by_role("alert")).to_contain_text("De creditfactuur is gemaakt en verstuurd.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Creditfactuur {second}")
    expect(page.get_by_role("main")).to_contain_text(f"Corrigeert factuur {first}.")
    expect(lines_table(page).locator("tbody tr")).to_have_count(2)
    expect(total_row(page)).to_contain_text("€ -193,60")
    # A credit invoice is neither paid nor credited itself.
    expect(what_now(page).get_by_role("button")).to_have_count(0)
    assert_accessible(page)

    credit = Invoice.objects.get(credit_for=sent)
    assert credit.number == second
    assert Send.objects.get(subject=f"invoice:{credit.pk}").status == Send.Status.SENT
    (message,) = [m for m in mail.outbox if f"creditfactuur-{second}.pdf" in str(m.attachments)]
    assert message.to == [coachee.email]
    assert not Claim.objects.exists()

    # The credited invoice points to its credit invoice and cannot be credited again.
    page.get_by_role("link", name="Naar die factuur").click()
    page.wait_for_url(path_is(f"/facturen/{sent.uuid}/"))
    expect(page.get_by_role("main")).to_contain_text(
        f"Deze factuur is gecrediteerd met creditfactuur {second}."
    )
    expect(what_now(page).get_by_text("Crediteren", exact=True)).to_have_count(0)

    # The list shows both, the credit one marked.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Facturen").click()
    page.wait_for_url(path_is("/facturen/"))
    listed = page.get_by_role("table", name="Facturen").locator("tbody tr")
    expect(listed).to_have_count(2)
    expect(listed.filter(has_text=second)).to_contain_text("credit")
    expect(listed.filter(has_text=second)).to_contain_text("€ -193,60")

    # --- The same sessions on a new invoice ------------------------------------------------------
    page.get_by_role("link", name="Nieuwe factuur").click()
    page.wait_for_url(path_is("/facturen/nieuw/"))
    make_draft(page, "Eva Coachee", delivered.start, delivered.end)
    page.wait_for_url(url_matches(rf"/facturen/{UUID}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Conceptfactuur")
    expect(lines_table(page).locator("tbody tr")).to_have_count(2)
    expect(total_row(page)).to_contain_text("€ 193,60")
    assert Invoice.objects.filter(status=Invoice.Status.DRAFT).count() == 1
    assert Claim.objects.count() == 2

    page_log.assert_stayed_local()
