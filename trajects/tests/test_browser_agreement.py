"""End to end, the intake prepared online: the coach plans the intake of a 13-year-old; her
father fills in the intake questionnaire and accepts the coaching agreement in the portal; she
accepts it from the link in her own e-mail, without an account; the coach sees both on the
traject page, with the PDF, and the answers in the intake form.

Runs in headless Chromium against the live server (coaching/tests/browser.py).
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from coaching.tests.browser import PageLog, log_in_as, look_at, path_is
from coaching.tests.factories import ClientFactory, GuardianFactory, UserFactory
from sessions.models import Appointment
from sessions.services.booking import appointment_book
from trajects.default_agreement import create_defaults
from trajects.models import AgreementAcceptance, AgreementText, Question, Questionnaire
from trajects.tests.factories import START, TrajectFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def noor(coach_a):
    """Noor, 13, with her own e-mail address; her father Marco has parental authority and a
    portal account. Her traject is in its intake phase, the intake planned in three days."""
    create_defaults(AgreementText, Questionnaire, Question)  # emptied by the live server's test
    today = timezone.localdate()
    child = ClientFactory(
        coach=coach_a,
        first_name="Noor",
        last_name="Visser",
        date_of_birth=date(today.year - 14, today.month, 1) + timedelta(days=40),
        email="noor@example.test",
    )
    father = UserFactory(first_name="Marco", last_name="Visser", email="marco@example.test")
    GuardianFactory(
        client=child,
        account=father,
        first_name="Marco",
        last_name="Visser",
        relation="father",
        has_parental_authority=True,
    )
    traject = TrajectFactory(client=child, title="faalangst")
    traject.advance("record_kennismaking", by=coach_a, on=START + timedelta(days=1), mode="phone")
    traject.advance("start_intake", by=coach_a, on=START + timedelta(days=8))
    start = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
    start += timedelta(days=3)
    appointment_book(
        coach=coach_a,
        start=start,
        end=start + timedelta(minutes=90),
        kind=Appointment.Kind.INTAKE,
        mode="practice",
        by=coach_a,
        traject=traject,
        notify=True,
    )
    return traject, father


def test_a_parent_of_a_13_year_old_and_the_child_both_accept(
    page: Page, page_log: PageLog, other_page, coach_a, noor, mailoutbox
):
    traject, father = noor
    assert traject.client.age == 13
    mails = {m.to[0]: m for m in mailoutbox if "voorbereiden" in m.subject}
    assert set(mails) == {"marco@example.test", "noor@example.test"}
    # Her personal link, on this server (the mail names the site's address).
    child_link = re.search(r"/overeenkomst/\S+/", mails["noor@example.test"].body)[0]

    # --- The father, in the portal --------------------------------------------------------------
    log_in_as(page, father)
    page.goto("/portaal/")
    home = page.get_by_role("region", name="Intake voorbereiden")
    expect(home).to_contain_text("Intakevragenlijst: nog in te vullen")
    home.get_by_role("link", name="Naar de voorbereiding").click()
    page.wait_for_url(path_is("/portaal/intake/"))
    noor_card = page.get_by_role("region", name=re.compile("De coaching van Noor"))
    expect(noor_card).to_contain_text(
        "Noor is 13: Noor geeft zelf akkoord, en een ouder met ouderlijk gezag ook."
    )
    look_at(page, "intake-portal")

    noor_card.get_by_role("link", name="Vragenlijst invullen").click()
    page.wait_for_url(re.compile("/evaluatie/"))
    page.get_by_label("Wat is je hulpvraag").fill("Noor slaapt slecht voor toetsen.")
    page.get_by_label("Wat heb je al geprobeerd").fill("Een training op school.")
    page.get_by_label("Wat wil je bereiken").fill("Rustig een toets maken.")
    page.get_by_role("button", name="Versturen").click()
    expect(page.get_by_role("alert")).to_contain_text("Je antwoorden zijn opgeslagen.")

    page.goto("/portaal/intake/")
    noor_card.get_by_role("link", name="Lezen en akkoord geven").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coachingsovereenkomst")
    expect(page.get_by_role("heading", name=re.compile("^Privacyverklaring"))).to_be_visible()
    # Not ticked: a clear message, the name stays.
    page.get_by_label("Je volledige naam").fill("Marco Visser")
    page.get_by_role("button", name="Ik ga akkoord").click()
    expect(page.get_by_text("Vink aan dat je akkoord gaat.")).to_be_visible()
    expect(page.get_by_label("Je volledige naam")).to_have_value("Marco Visser")
    look_at(page, "agreement-accept")
    page.get_by_label("Ik heb de coachingsovereenkomst").check()
    page.get_by_role("button", name="Ik ga akkoord").click()
    expect(page.get_by_role("alert")).to_contain_text("Je akkoord is vastgelegd.")
    expect(page.get_by_role("status")).to_contain_text("Marco Visser (vader, ouder met gezag)")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download de overeenkomst")).click()
    assert download.value.suggested_filename.startswith("overeenkomst-marco-visser-")

    page.goto("/portaal/intake/")
    # Noor herself, from her own link: her father cannot accept in her name.
    expect(noor_card).to_contain_text("Nog geen akkoord; Noor kreeg een eigen link per e-mail")
    expect(noor_card.get_by_role("link", name="Lezen en akkoord geven")).to_have_count(0)
    page_log.assert_stayed_local()

    # --- Noor, from her own e-mail, without an account ------------------------------------------
    child, child_log = other_page
    child.goto(child_link)
    expect(child.get_by_role("heading", level=1)).to_have_text("Coachingsovereenkomst")
    child.get_by_label("Je volledige naam").fill("Noor Visser")
    child.get_by_label("Ik heb de coachingsovereenkomst").check()
    child.get_by_role("button", name="Ik ga akkoord").click()
    expect(child.get_by_role("status")).to_contain_text("Noor Visser (de cliënt)")
    child_log.assert_stayed_local()

    page.goto("/portaal/intake/")
    expect(noor_card.locator(".badge")).to_have_text("klaar")
    page.goto("/portaal/")
    expect(page.get_by_role("region", name="Intake voorbereiden")).to_have_count(0)

    accepted = {a.party: a for a in AgreementAcceptance.objects.filter(traject=traject)}
    assert accepted["guardian"].account_email == father.email
    assert accepted["client"].account_email == ""
    assert accepted["client"].client_age == 13

    # --- The coach ------------------------------------------------------------------------------
    page.context.clear_cookies()
    log_in_as(page, coach_a)
    page.goto(f"/coach/trajecten/{traject.uuid}/")
    card = page.get_by_role("region", name="Voorbereiding van de intake")
    expect(card.locator(".badge")).to_have_text("klaar")
    expect(card).to_contain_text("Marco Visser gaf akkoord op")
    expect(card).to_contain_text("Noor Visser gaf akkoord op")
    look_at(page, "agreement-coach", widths=({"width": 1280, "height": 900},))
    page.goto(f"/coach/trajecten/{traject.uuid}/stap/record_intake/")
    expect(page.get_by_label("Hulpvraag")).to_have_value("Noor slaapt slecht voor toetsen.")
    page_log.assert_stayed_local()
