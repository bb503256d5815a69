"""End to end, the pages the one-way redesign touched, clicked through as the people who use them:
the coach works through a Backstage meeting (each form posts to a view of its own); the client
books and moves a session in the portal (one path) and the coach finds the e-mails about it on
the client's page and the Logboek; the coach's invitation shows its state from the outbox; a
client resets a forgotten password from the e-mail (allauth's mail through the outbox); a parent
opens *Mijn gegevens*; the admin erases a client from the admin's list.

Every page is looked at (coaching.tests.browser.look_at): screenshots at a laptop's and a
phone's width under var/screenshots/redesign-*.png, axe-core's 0 violations, no sideways scroll.
E-mails are delivered by the outbox when the request commits (Celery runs eagerly in tests), so
they are in django.core.mail.outbox by the time the next page shows.
"""

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from audit.log import Action, What, record
from coaching.models import Client, Send
from coaching.tests.browser import (
    PageLog,
    log_in_as,
    look_at,
    path_is,
)
from coaching.tests.factories import ClientFactory, UserFactory
from groups.models import Attendance, Contribution
from groups.services.meetings import turn_claim
from groups.services.members import member_add
from groups.tests.test_groups import make_group
from sessions.tests.test_browser_calendar import dutch, pick_slot, when
from sessions.tests.test_pages import future, open_all_week
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"


def label(text: str) -> re.Pattern:
    """Exactly this label; a required field's label ends in an asterisk ("Afspraken*")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def url_matches(pattern: str):
    return re.compile(rf"^https?://[^/]+{pattern}$")


def participant(coach, first_name: str):
    account = UserFactory(first_name=first_name)
    return ClientFactory(coach=coach, account=account, first_name=first_name)


# --- The coach at a Backstage meeting ---------------------------------------------------------


def test_coach_works_through_a_meeting_form_by_form(
    page: Page, page_log: PageLog, coach_a, mailoutbox
):
    group = make_group(coach_a)
    sara, tom, wim = (participant(coach_a, name) for name in ("Sara", "Tom", "Wim"))
    sara_m, tom_m, wim_m = (
        member_add(group=group, client=c, joined_on=date.today()) for c in (sara, tom, wim)
    )
    first, second = group.meetings.get(number=1), group.meetings.get(number=2)
    earlier = turn_claim(meeting=first, membership=sara_m, problem="Mijn team luistert niet")
    earlier.agreements = "Elke week één teamoverleg voorzitten"
    earlier.save()
    turn = turn_claim(meeting=second, membership=tom_m, problem="Een lastig gesprek")

    log_in_as(page, coach_a)
    page.goto(f"/coach/bijeenkomsten/{second.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bijeenkomst 2 van 8")
    look_at(page, "redesign-bijeenkomst")

    # --- Report back on last time's agreements ----------------------------------------------
    report = page.get_by_role("region", name="Terugkoppeling op de afspraken van vorige keer")
    report.get_by_label("Hoe ging het, Sara?").fill("Twee keer gelukt")
    report.get_by_role("button", name="Terugkoppeling vastleggen").click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{second.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("De terugkoppeling is vastgelegd.")
    expect(report.get_by_label("Hoe ging het, Sara?")).to_have_value("Twee keer gelukt")

    # --- Record Tom's turn -------------------------------------------------------------------
    section = page.get_by_role("region", name=f"Beurt 1: {tom}")
    section.get_by_label(label("Afspraken")).fill("Het gesprek deze week voeren")
    section.get_by_role("button", name="Beurt vastleggen").click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{second.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("De beurt van Tom is vastgelegd.")
    expect(section.get_by_label(label("Afspraken"))).to_have_value("Het gesprek deze week voeren")

    # --- Give the free turn to Wim, then release it -----------------------------------------
    free = page.get_by_role("region", name="Nog 1 beurt vrij")
    free.get_by_label("Beurt toewijzen aan").select_option(label=str(wim))
    free.get_by_role("button", name="Toewijzen").click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{second.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("De beurt is toegewezen.")
    expect(page.get_by_role("region", name=f"Beurt 2: {wim}")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile(r"^Nog \d beurt"))).to_have_count(0)
    look_at(page, "redesign-bijeenkomst-twee-beurten")

    page.get_by_role("button", name=f"Beurt vrijgeven – {wim}").click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{second.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("De beurt is vrijgegeven.")
    expect(page.get_by_role("region", name=f"Beurt 2: {wim}")).to_have_count(0)
    expect(page.get_by_role("region", name="Nog 1 beurt vrij")).to_be_visible()

    # --- Who was there ----------------------------------------------------------------------
    present = page.get_by_role("region", name="Aanwezig")
    present.get_by_label(str(sara)).check()
    present.get_by_label(str(tom)).check()
    present.get_by_role("button", name="Aanwezigheid vastleggen").click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{second.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("De aanwezigheid is vastgelegd.")
    expect(present.get_by_label(str(sara))).to_be_checked()
    expect(present.get_by_label(str(wim))).not_to_be_checked()

    # --- Move it a day on -------------------------------------------------------------------
    was = timezone.localtime(second.appointment.start)
    moving = page.get_by_role("region", name="Verzetten")
    moving.get_by_label(label("Nieuw begin")).fill(f"{was + timedelta(days=1):%Y-%m-%dT%H:%M}")
    moving.get_by_role("button", name="Verzetten").click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{second.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text(
        "De bijeenkomst is verzet; de deelnemers krijgen bericht."
    )
    look_at(page, "redesign-bijeenkomst-verzet")
    # Each participant was told (by the outbox, when the move committed).
    assert sorted(m.to[0] for m in mailoutbox) == sorted(c.account.email for c in (sara, tom, wim))

    turn.refresh_from_db()
    earlier.refresh_from_db()
    second.appointment.refresh_from_db()
    assert earlier.report_back == "Twee keer gelukt"
    assert turn.agreements == "Het gesprek deze week voeren"
    assert [c.membership_id for c in Contribution.objects.filter(meeting=second)] == [tom_m.pk]
    assert {a.membership_id: a.present for a in Attendance.objects.filter(meeting=second)} == {
        sara_m.pk: True,
        tom_m.pk: True,
        wim_m.pk: False,
    }
    assert timezone.localtime(second.appointment.start) == was + timedelta(days=1)
    page_log.assert_stayed_local()


# --- The client books and moves; the coach sees the e-mails -----------------------------------


def test_client_books_and_moves_and_the_coach_sees_the_mails(
    page: Page, page_log: PageLog, other_page, coach_a, coachee, session_type, mailoutbox
):
    open_all_week(coach_a)
    eva = Client.objects.get(account=coachee)
    traject = running_traject(coach_a, client=eva)
    booked_at, moved_to = future(2, 10), future(3, 14)

    log_in_as(page, coachee)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Afspraken").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    page.get_by_role("region", name="Een afspraak maken").get_by_role(
        "link", name="Coachingsessie"
    ).click()
    page.wait_for_url(url_matches(rf"/portaal/afspraken/boeken/{traject.uuid}/{session_type.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Coachingsessie boeken")
    look_at(page, "redesign-portaal-boeken")
    pick_slot(page.get_by_role("group", name=dutch(booked_at), exact=True), "10:00")
    page.get_by_role("button", name="Boeken").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Je afspraak staat vast. Je krijgt een bevestiging per e-mail."
    )
    planned = page.get_by_role("region", name="Gepland").get_by_role("listitem")
    expect(planned).to_contain_text(f"{when(booked_at)} – coachingsessie")
    # The confirmation went out with the request (the outbox delivers when it commits).
    assert sorted(m.to[0] for m in mailoutbox) == [coach_a.email, coachee.email]

    planned.get_by_role("link", name=re.compile(r"^Verzetten")).click()
    page.wait_for_url(url_matches(rf"/portaal/afspraken/{UUID}/verzetten/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Afspraak verzetten")
    expect(page.get_by_text(f"Nu gepland op {when(booked_at)}.")).to_be_visible()
    look_at(page, "redesign-portaal-verzetten")
    pick_slot(page.get_by_role("group", name=dutch(moved_to), exact=True), "14:00")
    page.get_by_role("button", name="Verzetten naar dit tijdstip").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Je afspraak is verzet. Je krijgt een bevestiging per e-mail."
    )
    expect(planned).to_contain_text(f"{when(moved_to)} – coachingsessie")
    look_at(page, "redesign-portaal-afspraken")
    assert len(mailoutbox) == 4  # the move: to Eva, and to the coach (Eva moved it)
    (moved,) = [m for m in mailoutbox[2:] if m.to == [coachee.email]]
    (notice,) = [m for m in mailoutbox[2:] if m.to == [coach_a.email]]
    assert when(booked_at) in moved.body and when(moved_to) in moved.body
    assert "http://testserver/coach/agenda/" in notice.body  # the site's own link

    # --- The coach opens Eva's page: the e-mails about her, sent -----------------------------
    coach, coach_log = other_page
    log_in_as(coach, coach_a)
    coach.goto(f"/coach/clienten/{eva.uuid}/")
    expect(coach.get_by_role("heading", level=1)).to_contain_text(str(eva))
    # About her: to her, and to the coach (the notices that she booked and moved it).
    mails = coach.get_by_role("region", name="E-mails over deze cliënt")
    for kind, to in [
        ("Bevestiging van een afspraak", coachee.email),
        ("Afspraak verplaatst", coachee.email),
        ("Bericht aan de coach over een online afspraak", coach_a.email),
    ]:
        item = mails.get_by_role("listitem").filter(has_text=kind).first
        expect(item).to_contain_text(f"verstuurd aan {to}")
    look_at(coach, "redesign-client-emails")

    # --- And the Logboek, which shows that Eva's page was opened --------------------------------
    coach.get_by_role("link", name="Logboek").click()
    coach.wait_for_url(path_is(f"/coach/clienten/{eva.uuid}/logboek/"))
    expect(coach.get_by_role("heading", level=1)).to_have_text(f"Logboek – {eva}")
    expect(coach.get_by_role("table", name="Logboek")).to_contain_text(str(coach_a))
    look_at(coach, "redesign-logboek")

    assert set(Send.objects.filter(client=eva).values_list("status", flat=True)) == {"sent"}
    page_log.assert_stayed_local()
    coach_log.assert_stayed_local()


# --- The invitation's state, read from the outbox ---------------------------------------------


def test_coach_sees_the_invitation_sent(page: Page, page_log: PageLog, coach_a, mailoutbox):
    log_in_as(page, coach_a)
    page.goto("/uitnodigingen/")
    page.get_by_label(label("Voornaam")).fill("Noor")
    page.get_by_label(label("Achternaam")).fill("Jansen")
    page.get_by_label("E-mailadres").fill("noor.jansen@praktijk.test")
    page.get_by_label(label("Geboortedatum")).fill("1990-05-05")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Uitnodiging verstuurd naar noor.jansen@praktijk.test"
    )
    row = page.get_by_role("row").filter(has_text="noor.jansen@praktijk.test")
    expect(row).to_contain_text("verstuurd")
    expect(row).not_to_contain_text("wordt verstuurd")
    look_at(page, "redesign-uitnodigingen")
    assert [m.to for m in mailoutbox] == [["noor.jansen@praktijk.test"]]
    page_log.assert_stayed_local()


# --- A forgotten password, reset from the e-mail ----------------------------------------------


def test_client_resets_her_password_from_the_mail(
    page: Page, page_log: PageLog, coachee, mailoutbox
):
    page.goto("/account/login/")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.wait_for_url(path_is("/account/password/reset/"))
    look_at(page, "redesign-wachtwoord-vergeten")
    page.get_by_label("E-mailadres").fill(coachee.email)
    page.get_by_role("button", name="Herstel mijn wachtwoord").click()
    page.wait_for_url(path_is("/account/password/reset/done/"))
    look_at(page, "redesign-wachtwoord-vergeten-verstuurd")

    (message,) = mailoutbox
    assert message.to == [coachee.email]
    link = urlsplit(re.search(r"https?://\S+/account/password/reset/key/\S+/", message.body)[0])
    page.goto(link.path)
    page.wait_for_url(re.compile(r".*/account/password/reset/key/.+-set-password/$"))
    look_at(page, "redesign-nieuw-wachtwoord")
    page.get_by_label(label("Nieuw wachtwoord")).fill("eva-haar-nieuwe-2026")
    page.get_by_label(label("Nieuw wachtwoord (bevestigen)")).fill("eva-haar-nieuwe-2026")
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    page.wait_for_url(path_is("/account/password/reset/key/done/"))
    look_at(page, "redesign-wachtwoord-gewijzigd")

    page.goto("/account/login/")
    page.get_by_label("E-mailadres").fill(coachee.email)
    page.get_by_label("Wachtwoord").fill("eva-haar-nieuwe-2026")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(path_is("/portaal/"))
    page_log.assert_stayed_local()


# --- The parent's Mijn gegevens ---------------------------------------------------------------


def test_parent_opens_mijn_gegevens(page: Page, page_log: PageLog, coach_a, guardian):
    lotte = Client.objects.get(guardians__account=guardian)
    # The coach opened Lotte's data: the parent sees who, and when.
    record(None, Action.VIEW, What.CLIENT, client=lotte, obj=lotte, user=coach_a)

    log_in_as(page, guardian)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("button", name="Meer").click()
    menu.get_by_role("link", name="Mijn gegevens").click()
    page.wait_for_url(path_is("/portaal/mijn-gegevens/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn gegevens")
    download = page.get_by_role("link", name="De gegevens van Lotte downloaden")
    expect(download).to_be_visible()
    seen = page.get_by_role("table", name="Wie heeft mijn gegevens ingezien?")
    expect(seen.get_by_role("row").filter(has_text="Anna Coach")).to_contain_text("ingezien")
    look_at(page, "redesign-mijn-gegevens-ouder")

    with page.expect_download() as downloading:
        download.click()
    assert downloading.value.suggested_filename.endswith(".zip")
    page_log.assert_stayed_local()


# --- The admin erases a client from the list --------------------------------------------------


def test_admin_erases_a_client_from_the_list(page: Page, page_log: PageLog, coach_a, admin_user):
    gone = ClientFactory(coach=coach_a, first_name="Ruud", last_name="Verlaten")
    busy = ClientFactory(coach=coach_a, first_name="Sanne", last_name="Bezig")
    running_traject(coach_a, client=busy)

    log_in_as(page, admin_user)
    page.goto("/beheer/coaching/client/")
    for client in (gone, busy):
        row = page.get_by_role("row").filter(has_text=client.last_name)
        row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Geselecteerde cliënten wissen (AVG)")
    page.locator("#changelist-form button[name=index]").click()

    # It asks first, and says who cannot be erased yet and why.
    confirm = page.get_by_role("button", name="Ja, definitief wissen")
    expect(confirm).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=str(busy))).to_contain_text(
        "kan nog niet: Sluit eerst de lopende trajecten af"
    )
    look_at(page, "redesign-admin-wissen-bevestigen")
    confirm.click()

    page.wait_for_url(path_is("/beheer/coaching/client/"))
    messages = page.locator("ul.messagelist")
    expect(messages).to_contain_text(f"{gone} is gewist.")
    expect(messages).to_contain_text(f"{busy}: Sluit eerst de lopende trajecten af")
    look_at(page, "redesign-admin-gewist")
    # Without invoices to keep, nothing of Ruud is left; Sanne is untouched.
    assert not Client.objects.filter(pk=gone.pk).exists()
    busy.refresh_from_db()
    assert busy.erased_on is None
    page_log.assert_stayed_local()
