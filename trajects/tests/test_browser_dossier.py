"""End to end, as a coach clicks: a child is registered with her mother, a traject runs from the
kennismaking to the intake, notes go into the dossier and one is corrected, and contact with a
third party is allowed only once consent is on record.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from coaching.models import Client, Consent
from coaching.templatetags.dates import datum
from coaching.tests.browser import (
    PageLog,
    assert_accessible,
    log_in_as,
    path_is,
)
from trajects.models import DossierEntry, Traject

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"


def label(text: str) -> re.Pattern:
    """Exactly this label; a required field's label ends in an asterisk ("Voornaam*")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def dutch(day, flags: str = "") -> str:
    """A date as the pages show it, through the pages' own filter (`datum`), in Dutch."""
    with translation.override("nl"):
        return datum(day, flags)


def url_matches(pattern: str):
    return re.compile(rf"^https?://[^/]+{pattern}$")


def test_coach_registers_a_child_and_keeps_her_dossier(page: Page, page_log: PageLog, coach_a):
    today = timezone.localdate()
    days_ago = {n: today - timedelta(days=n) for n in (30, 25, 20, 15, 10, 5)}

    # --- 1. A new client: a child of ten, with her mother --------------------------------------
    log_in_as(page, coach_a)
    page.wait_for_url(path_is("/coach/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Goedendag, Anna")
    page.get_by_role("link", name="Nieuwe cliënt").click()
    page.wait_for_url(path_is("/coach/clienten/nieuw/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe cliënt")

    # The client's fields come first; the guardian's have the same labels, in their own fieldset.
    guardian_part = page.get_by_role("group", name="Ouder of verzorger")
    page.get_by_label(label("Voornaam")).first.fill("Sam")
    page.get_by_label(label("Achternaam")).first.fill("de Boer")
    born = today.replace(year=today.year - 10, day=1)
    page.get_by_label(label("Geboortedatum")).fill(born.isoformat())
    guardian_part.get_by_label(label("Voornaam")).fill("Marieke")
    guardian_part.get_by_label(label("Achternaam")).fill("de Boer")
    guardian_part.get_by_label(label("Relatie")).select_option(label="moeder")
    guardian_part.get_by_label(label("E-mailadres")).fill("marieke.deboer@praktijk.test")
    # Asked, with no answer given in advance.
    authority = guardian_part.get_by_role("group", name="ouderlijk gezag")
    expect(authority.get_by_role("radio", name="Ja")).not_to_be_checked()
    expect(authority.get_by_role("radio", name="Nee")).not_to_be_checked()
    authority.get_by_role("radio", name="Ja").check()
    expect(authority.get_by_role("radio", name="Ja")).to_be_checked()
    page.get_by_role("button", name="Inschrijven").click()

    page.wait_for_url(url_matches(rf"/coach/clienten/{UUID}/"))
    client_url = page.url
    expect(page.get_by_role("alert")).to_contain_text("Sam de Boer is ingeschreven.")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Sam de Boer")
    expect(heading.get_by_text("kind", exact=True)).to_be_visible()
    guardians = page.get_by_role("region", name="Ouders en verzorgers")
    expect(guardians).to_contain_text("Marieke de Boer (moeder)")
    expect(guardians).to_contain_text("marieke.deboer@praktijk.test")
    expect(guardians.get_by_text("ouderlijk gezag", exact=True)).to_be_visible()
    expect(page.get_by_text("Nog geen trajecten.")).to_be_visible()

    # --- 2. A traject, from the kennismaking to the intake -------------------------------------
    page.get_by_role("link", name="Nieuw traject").click()
    page.wait_for_url(url_matches(rf"/coach/clienten/{UUID}/trajecten/nieuw/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuw traject voor Sam de Boer")
    page.get_by_label("standaard: sessies in de praktijk of via video").check()
    page.get_by_label(label("Onderwerp")).fill("faalangst")
    page.get_by_label(label("Aangemeld op")).fill(days_ago[30].isoformat())
    page.get_by_role("button", name="Opslaan").click()

    page.wait_for_url(url_matches(rf"/coach/trajecten/{UUID}/"))
    traject_url = page.url
    expect(page.get_by_role("alert")).to_contain_text("Het traject is aangemaakt.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam de Boer – faalangst")
    expect(page.get_by_text(f"aangemeld op {dutch(days_ago[30])}")).to_be_visible()
    steps = page.get_by_role("group", name="Volgende stap")
    timeline = page.get_by_role("region", name="Tijdlijn")
    intake = page.get_by_role("region", name="Intakeverslag")
    expect(timeline).to_contain_text("Nog niets op de tijdlijn.")

    steps.get_by_role("link", name="Kennismaking vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Kennismaking vastleggen – Sam de Boer"
    )
    page.get_by_label(label("Gehouden op")).fill(days_ago[25].isoformat())
    page.get_by_label("telefonisch", exact=True).check()
    page.get_by_label(label("Toelichting")).fill("Moeder belde; Sam luisterde mee.")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(traject_url)
    expect(page.get_by_role("alert")).to_contain_text("Het traject is nu in de fase ‘bedenktijd’.")
    expect(page.locator(".badge.fs-6")).to_have_text("bedenktijd")

    steps.get_by_role("link", name="Cliënt wil starten").click()
    page.get_by_label(label("Datum")).fill(days_ago[20].isoformat())
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(traject_url)
    expect(page.get_by_role("alert")).to_contain_text("Het traject is nu in de fase ‘intake’.")

    steps.get_by_role("link", name="Intake vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intake vastleggen – Sam de Boer")
    page.get_by_label(label("Intake gehouden op")).fill(days_ago[15].isoformat())
    page.get_by_label(label("Hulpvraag")).fill("Sam raakt in paniek bij toetsen.")
    page.get_by_label(label("Doelen")).fill("Rustig een toets kunnen maken.")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(traject_url)
    expect(page.get_by_role("alert")).to_contain_text("Het traject is nu in de fase ‘lopend’.")
    expect(page.locator(".badge.fs-6")).to_have_text("lopend")

    expect(intake).to_contain_text("Sam raakt in paniek bij toetsen.")
    expect(intake).to_contain_text("Rustig een toets kunnen maken.")
    expect(intake).to_contain_text("Versie 1 – Anna Coach")
    # Newest first: the intake, then "wants to start", then the kennismaking with its note.
    expect(timeline.locator("li > strong")).to_have_text(
        ["Intake vastleggen", "Cliënt wil starten", "Kennismaking vastleggen"]
    )
    expect(timeline).to_contain_text(dutch(days_ago[25]))
    expect(timeline).to_contain_text("Moeder belde; Sam luisterde mee.")
    expect(steps.get_by_role("link")).to_have_text(
        ["Traject afronden", "Traject stoppen", "Nieuwe aantekening", "Afspraak plannen"]
    )
    assert_accessible(page)

    # --- 3. Two notes; the first is corrected, the earlier text stays readable ------------------
    def add_entry(kind: str, day, text: str, party: str | None = None) -> None:
        page.get_by_role("link", name="Nieuwe aantekening").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Nieuwe aantekening – Sam de Boer"
        )
        page.get_by_label(label("Soort")).select_option(label=kind)
        page.get_by_label(label("Datum")).fill(day.isoformat())
        if party:
            page.get_by_label(label("Derde partij")).select_option(label=party)
        page.get_by_label(label("Aantekening")).fill(text)
        page.get_by_role("button", name="Opslaan").click()

    add_entry("sessieverslag", days_ago[10], "Eerste sessie: ademhaling geoefend.")
    page.wait_for_url(traject_url)
    expect(page.get_by_role("alert")).to_contain_text("De aantekening staat in het dossier.")
    add_entry("telefonisch contact", days_ago[5], "Moeder belde: het gaat beter.")
    page.wait_for_url(traject_url)
    expect(timeline.locator("li > strong")).to_have_text(
        [
            "telefonisch contact",
            "sessieverslag",
            "Intake vastleggen",
            "Cliënt wil starten",
            "Kennismaking vastleggen",
        ]
    )

    session = timeline.get_by_role("listitem").filter(has_text="sessieverslag")
    expect(session).to_contain_text("Anna Coach")
    session.get_by_role("link", name=f"Corrigeren – sessieverslag {dutch(days_ago[10])}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Aantekening corrigeren – sessieverslag van {dutch(days_ago[10], 'lang')}"
    )
    corrected = page.get_by_label(label("Verbeterde tekst"))
    expect(corrected).to_have_value("Eerste sessie: ademhaling geoefend.")
    corrected.fill("Eerste sessie: ademhaling en ontspanning geoefend.")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(traject_url)
    expect(page.get_by_role("alert")).to_contain_text(
        "De correctie is opgeslagen; de vorige tekst blijft leesbaar."
    )
    expect(session).to_contain_text("Eerste sessie: ademhaling en ontspanning geoefend.")
    earlier = session.locator("details")
    expect(earlier.locator("summary")).to_have_text("1 eerdere versie")
    expect(earlier.get_by_text("Eerste sessie: ademhaling geoefend.")).to_be_hidden()
    earlier.locator("summary").click()
    expect(earlier).to_have_attribute("open", "")
    old = earlier.locator("div.border")
    expect(old).to_be_visible()
    expect(old).to_contain_text("Eerste sessie: ademhaling geoefend.")
    expect(old).to_contain_text(re.compile(rf"Versie 1 – Anna Coach, {dutch(today)} \d"))
    # The phone call was not corrected: no earlier versions there.
    phone = timeline.get_by_role("listitem").filter(has_text="telefonisch contact")
    expect(phone.locator("details")).to_have_count(0)

    # --- 4. A school, with the mother's consent; contact with it is recorded --------------------
    page.get_by_role("link", name="← Sam de Boer").click()
    page.wait_for_url(client_url)
    parties = page.get_by_role("region", name="Derde partijen en toestemming")
    expect(parties.get_by_role("link", name="Toestemming vastleggen")).to_have_count(0)
    parties.get_by_role("link", name="Derde partij toevoegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Derde partij bij Sam de Boer")
    page.get_by_label(label("Soort")).select_option(label="school")
    page.get_by_label(label("Naam")).fill("Basisschool De Linde")
    page.get_by_label(label("Contactpersoon")).fill("juf Petra")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(client_url)
    expect(page.get_by_role("alert")).to_contain_text("Basisschool De Linde is toegevoegd.")
    expect(parties).to_contain_text("Basisschool De Linde (school, juf Petra)")

    parties.get_by_role("link", name="Toestemming vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Toestemming van Sam de Boer")
    expect(page.get_by_text("Deze cliënt is jonger dan 16")).to_be_visible()
    page.get_by_label(label("Derde partij")).select_option(label="Basisschool De Linde (school)")
    page.get_by_label(label("Doel")).fill("Overleg met de mentor over toetsen")
    page.get_by_label(label("Gegeven op")).fill(days_ago[10].isoformat())
    # A child of ten cannot consent herself: only the parent with authority is offered.
    given_by = page.get_by_label(label("Gegeven door ouder/verzorger"))
    expect(given_by.locator("option")).to_have_text(["Marieke de Boer (moeder)"])
    given_by.select_option(label="Marieke de Boer (moeder)")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(client_url)
    expect(page.get_by_role("alert")).to_contain_text("De toestemming is vastgelegd.")
    school = parties.get_by_role("listitem").filter(has_text="Basisschool De Linde").first
    expect(school.get_by_text("geldig", exact=True)).to_be_visible()
    expect(school).to_contain_text(f"gegeven {dutch(days_ago[10])} door Marieke de Boer (moeder)")
    assert_accessible(page)

    page.get_by_role("link", name="faalangst").click()
    page.wait_for_url(traject_url)
    add_entry(
        "contact met een derde partij",
        days_ago[5],
        "Juf Petra: Sam oefent de ademhaling ook in de klas.",
        party="Basisschool De Linde (school)",
    )
    page.wait_for_url(traject_url)
    expect(page.get_by_role("alert")).to_contain_text("De aantekening staat in het dossier.")
    school_contact = timeline.get_by_role("listitem").filter(
        has_text="contact met een derde partij"
    )
    expect(school_contact.locator("strong")).to_have_text("contact met een derde partij")
    expect(school_contact).to_contain_text("– Basisschool De Linde")
    expect(school_contact).to_contain_text("Sam oefent de ademhaling ook in de klas.")

    # --- A daycare without consent: contact with it is refused, nothing typed is lost -----------
    page.get_by_role("link", name="← Sam de Boer").click()
    page.wait_for_url(client_url)
    parties.get_by_role("link", name="Derde partij toevoegen").click()
    page.get_by_label(label("Soort")).select_option(label="kinderdagverblijf")
    page.get_by_label(label("Naam")).fill("Kinderdagverblijf Het Bos")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(client_url)
    daycare = parties.get_by_role("listitem").filter(has_text="Kinderdagverblijf Het Bos")
    expect(daycare).to_contain_text("(kinderdagverblijf)")
    expect(daycare.get_by_text("geldig", exact=True)).to_have_count(0)

    page.get_by_role("link", name="faalangst").click()
    page.wait_for_url(traject_url)
    typed = "Leidster: Sam speelt vaker alleen.\nVolgende week opnieuw bellen."
    add_entry(
        "contact met een derde partij",
        days_ago[5],
        typed,
        party="Kinderdagverblijf Het Bos (kinderdagverblijf)",
    )
    refusal = page.get_by_text("Er is geen geldige toestemming voor contact met")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(
        "Er is geen geldige toestemming voor contact met Kinderdagverblijf Het Bos op "
        f"{dutch(days_ago[5], 'lang')}. Leg eerst bij de cliënt vast"
    )
    expect(page).to_have_url(url_matches(rf"/coach/trajecten/{UUID}/aantekeningen/nieuw/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe aantekening – Sam de Boer")
    expect(page.get_by_label(label("Aantekening"))).to_have_value(typed)
    expect(page.get_by_label(label("Soort"))).to_have_value("contact")
    expect(page.get_by_label(label("Datum"))).to_have_value(days_ago[5].isoformat())
    expect(page.get_by_label(label("Derde partij")).locator("option:checked")).to_have_text(
        "Kinderdagverblijf Het Bos (kinderdagverblijf)"
    )
    assert_accessible(page)

    # --- 5. What was stored, and the page stayed on the practice's own server ------------------
    page_log.assert_stayed_local()

    client = Client.objects.get(first_name="Sam", last_name="de Boer", coach=coach_a)
    assert client.is_child
    guardian = client.guardians.get()
    assert (guardian.relation, guardian.has_parental_authority) == ("mother", True)
    traject = Traject.objects.get(client=client)
    assert traject.status == Traject.Status.LOPEND
    assert list(traject.events.values_list("step", flat=True)) == [
        "record_kennismaking",
        "start_intake",
        "record_intake",
    ]
    consent = Consent.objects.get(client=client)
    assert consent.given_by_guardian == guardian
    entries = DossierEntry.objects.filter(traject=traject)
    assert sorted(entries.values_list("kind", flat=True)) == ["contact", "phone", "session"]
    assert entries.get(kind="contact").third_party.name == "Basisschool De Linde"
    assert entries.get(kind="session").versions.count() == 2
