"""End to end, the calendar as people click through it: a prospect asks for a kennismaking on the
public site, a coachee books, moves and cancels a session in the portal, two people want the same
time at once, and the coach marks a session held from the week view.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser, Locator, Page, expect

from coaching.models import Client
from coaching.templatetags.dates import datum
from coaching.tests.browser import (
    TIMEOUT_MS,
    PageLog,
    assert_accessible,
    log_in_as,
    path_is,
)
from sessions.models import Appointment, SessionType
from sessions.services.booking import appointment_book
from sessions.tests.test_pages import future, open_all_week
from trajects.models import Traject
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"


def label(text: str) -> re.Pattern:
    """Exactly this label; a required field's label ends in an asterisk ("Je voornaam*")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def dutch(day, flags: str = "dag,lang") -> str:
    """A date as the pages show it, through the pages' own filter (`datum`), in Dutch."""
    with translation.override("nl"):
        return datum(day, flags)


def url_matches(pattern: str):
    return re.compile(rf"^https?://[^/]+{pattern}$")


def when(moment: datetime) -> str:
    """An appointment as the portal's "Gepland" list shows it: "woensdag 3 juni 10:00"."""
    return dutch(moment, "dag,lang,tijd")


def pick_slot(day_group: Locator, hh_mm: str) -> Locator:
    """Click the time "button" (a label styled as one) and return its radio, now checked."""
    radio = day_group.get_by_role("radio", name=hh_mm, exact=True)
    day_group.locator("label").filter(has_text=re.compile(rf"^{hh_mm}$")).click()
    expect(radio).to_be_checked()
    return radio


@pytest.fixture
def eva_traject(coach_a, coachee) -> Traject:
    open_all_week(coach_a)
    return running_traject(coach_a, client=Client.objects.get(account=coachee))


def test_prospect_asks_for_a_kennismaking_at_a_free_time(
    page: Page,
    page_log: PageLog,
    coach_a,
    mailoutbox,
):
    SessionType.objects.create(
        kind="kennismaking",
        name="Kennismaking",
        default_minutes=30,
        allowed_modes=["phone", "video"],
        bookable_online=True,
    )
    open_all_week(coach_a)
    tomorrow = timezone.localdate() + timedelta(days=1)

    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Kennismaking aanvragen").click()
    page.wait_for_url(path_is("/kennismaking/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Een kennismakingsgesprek aanvragen")
    expect(page.get_by_label("Vorm van het gesprek")).to_have_value("phone")
    assert_accessible(page)

    page.get_by_role("group", name=label("Voor wie is de coaching?")).get_by_label(
        "Voor mijzelf"
    ).check()
    page.get_by_label(label("Je voornaam")).fill("Noor")
    page.get_by_label(label("Je achternaam")).fill("Jansen")
    page.get_by_label(label("Je e-mailadres")).fill("noor@example.org")
    page.get_by_label(label("Je telefoonnummer")).fill("0612345678")
    page.get_by_label(label("Geboortedatum van wie de coaching krijgt")).fill("1990-05-05")
    page.get_by_role("group", name=label("Hoe wil je kennismaken?")).get_by_label(
        "Een gesprek op een tijd die ik kies"
    ).check()

    # The first free time of tomorrow (today's first time could pass while the form is filled in:
    # the minimum notice is 0 here). Times are grouped per day, named after the day.
    expect(page.get_by_role("heading", name="Kies een tijd bij Anna Coach")).to_be_visible()
    day = page.get_by_role("group", name=dutch(tomorrow))
    first = day.locator("label").first
    expect(first).to_have_text("09:00")
    first.click()
    radio = day.get_by_role("radio").first
    expect(radio).to_be_checked()
    picked_label = first.inner_text().strip()
    picked = datetime.fromisoformat(radio.get_attribute("value"))
    page.get_by_role("button", name="Aanvragen").click()

    page.wait_for_url(path_is("/kennismaking/bedankt/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dank je wel voor je aanvraag")
    page_log.assert_stayed_local()

    client = Client.objects.get(first_name="Noor", last_name="Jansen")
    assert (client.coach, client.email, client.phone) == (coach_a, "noor@example.org", "0612345678")
    traject = Traject.objects.get(client=client)
    assert traject.status == Traject.Status.KENNISMAKING
    appointment = Appointment.objects.get(traject=traject)
    assert (appointment.kind, appointment.mode, appointment.status) == (
        "kennismaking",
        "phone",
        "booked",
    )
    assert appointment.start == picked
    assert f"{timezone.localtime(appointment.start):%H:%M}" == picked_label == "09:00"
    assert timezone.localtime(appointment.start).date() == tomorrow
    assert appointment.end - appointment.start == timedelta(minutes=30)
    # A confirmation with the .ics for the prospect, a notice for the coach.
    assert sorted(m.to[0] for m in mailoutbox) == ["coach-a@praktijk.test", "noor@example.org"]


def test_coachee_books_moves_and_cancels_a_session(
    page: Page,
    page_log: PageLog,
    coachee,
    eva_traject,
    session_type,
):
    booked_at, moved_to = future(2, 10), future(3, 14)

    log_in_as(page, coachee)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Afspraken").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Afspraken")
    planned = page.get_by_role("region", name="Gepland")
    expect(planned).to_contain_text("Geen geplande afspraken.")

    # --- Book a session two days ahead ---------------------------------------------------------
    page.get_by_role("region", name="Een afspraak maken").get_by_role(
        "link", name="Coachingsessie"
    ).click()
    page.wait_for_url(
        url_matches(rf"/portaal/afspraken/boeken/{eva_traject.uuid}/{session_type.pk}/")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Coachingsessie boeken")
    expect(page.get_by_text("Voor Eva, bij Anna Coach.")).to_be_visible()
    expect(page.get_by_label("Vorm")).to_have_value("practice")
    assert_accessible(page)
    pick_slot(page.get_by_role("group", name=dutch(booked_at), exact=True), "10:00")
    page.get_by_role("button", name="Boeken").click()

    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Je afspraak staat vast. Je krijgt een bevestiging per e-mail."
    )
    item = planned.get_by_role("listitem")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"{when(booked_at)} – coachingsessie")
    expect(item).to_contain_text("Anna Coach · in de praktijk")
    expect(item.get_by_role("link", name="In mijn agenda")).to_be_visible()

    # --- Move it to another day and time --------------------------------------------------------
    item.get_by_role("link", name=re.compile(r"^Verzetten")).click()
    page.wait_for_url(url_matches(rf"/portaal/afspraken/{UUID}/verzetten/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Afspraak verzetten")
    expect(page.get_by_text(f"Nu gepland op {when(booked_at)}.")).to_be_visible()
    # Its own time is not offered as a new one.
    expect(
        page.get_by_role("group", name=dutch(booked_at), exact=True).get_by_role(
            "radio", name="10:00"
        )
    ).to_have_count(0)
    pick_slot(page.get_by_role("group", name=dutch(moved_to), exact=True), "14:00")
    page.get_by_role("button", name="Verzetten naar dit tijdstip").click()

    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("alert")).to_contain_text("Je afspraak is verzet.")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"{when(moved_to)} – coachingsessie")
    expect(planned).not_to_contain_text(when(booked_at))

    # --- Cancel it (days ahead: within the window, so free of charge); it asks first ----------
    item.get_by_role("link", name=re.compile(r"^Annuleren")).click()
    page.wait_for_url(url_matches(rf"/portaal/afspraken/{UUID}/annuleren/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Afspraak annuleren")
    page.get_by_role("button", name="Ja, annuleren").click()
    page.wait_for_url(path_is("/portaal/afspraken/"))
    expect(page.get_by_role("alert")).to_contain_text("Je afspraak is geannuleerd.")
    expect(planned.get_by_role("listitem")).to_have_count(0)
    expect(planned).to_contain_text("Geen geplande afspraken.")
    expect(page.get_by_role("region", name="Eerder")).to_contain_text(
        f"{dutch(moved_to, 'tijd')} – coachingsessie (geannuleerd door de cliënt)"
    )
    page_log.assert_stayed_local()

    appointment = Appointment.objects.get(traject=eva_traject)
    assert (appointment.start, appointment.status) == (moved_to, "cancelled")
    assert appointment.sequence == 2  # moved, then cancelled: the same event, updated twice


def test_two_people_want_the_same_time_only_the_first_gets_it(
    browser: Browser,
    live_server,
    page: Page,
    page_log: PageLog,
    coach_a,
    coachee,
    guardian,
    eva_traject,
    session_type,
):
    lotte_traject = running_traject(coach_a, client=Client.objects.get(guardians__account=guardian))
    slot = future(3, 11)

    # A second person in a browser of their own: Lotte's father.
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    other_log = PageLog(origin=live_server.url)
    father = context.new_page()
    father.on("request", other_log.on_request)
    father.on("console", other_log.on_console)
    try:
        log_in_as(page, coachee)
        log_in_as(father, guardian)
        for person, traject in ((page, eva_traject), (father, lotte_traject)):
            person.goto("/portaal/afspraken/")
            person.get_by_role("region", name="Een afspraak maken").get_by_role(
                "link", name="Coachingsessie"
            ).click()
            person.wait_for_url(
                url_matches(rf"/portaal/afspraken/boeken/{traject.uuid}/{session_type.pk}/")
            )
        expect(father.get_by_text("Voor Lotte, bij Anna Coach.")).to_be_visible()
        eva_radio = pick_slot(page.get_by_role("group", name=dutch(slot), exact=True), "11:00")
        father_day = father.get_by_role("group", name=dutch(slot), exact=True)
        father_radio = pick_slot(father_day, "11:00")
        assert eva_radio.get_attribute("value") == father_radio.get_attribute("value")

        page.get_by_role("button", name="Boeken").click()
        page.wait_for_url(path_is("/portaal/afspraken/"))
        expect(page.get_by_role("alert")).to_contain_text("Je afspraak staat vast.")
        expect(page.get_by_role("region", name="Gepland")).to_contain_text(when(slot))

        father.get_by_role("button", name="Boeken").click()
        expect(father.get_by_role("alert")).to_have_text(
            "Dit tijdstip is net bezet. Kies een ander moment."
        )
        expect(father).to_have_url(
            url_matches(rf"/portaal/afspraken/boeken/{lotte_traject.uuid}/{session_type.pk}/")
        )
        # The times are shown again, without the one just taken; the hours around it are free.
        expect(father_day.get_by_role("radio", name="11:00")).to_have_count(0)
        expect(father_day.get_by_role("radio", name="10:00")).to_have_count(1)
        expect(father_day.get_by_role("radio", name="12:00")).to_have_count(1)
        father.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Afspraken"
        ).click()
        father.wait_for_url(path_is("/portaal/afspraken/"))
        expect(father.get_by_role("region", name="Gepland")).to_contain_text(
            "Geen geplande afspraken."
        )
        other_log.assert_stayed_local()
    finally:
        context.close()
    page_log.assert_stayed_local()

    at_that_time = Appointment.objects.filter(start=slot)
    assert at_that_time.count() == 1
    assert at_that_time.get().traject == eva_traject
    assert not Appointment.objects.filter(traject=lotte_traject).exists()


def test_coach_marks_a_past_session_held_from_the_week_view(
    page: Page,
    page_log: PageLog,
    coach_a,
    eva_traject,
    session_type,
):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    start = datetime.combine(yesterday, time(10), tzinfo=timezone.get_current_timezone())
    appointment_book(
        coach=coach_a,
        start=start,
        end=start + timedelta(hours=1),
        kind="session",
        mode="practice",
        by=coach_a,
        traject=eva_traject,
        session_type=session_type,
    )
    monday = today - timedelta(days=today.weekday())

    log_in_as(page, coach_a)
    page.wait_for_url(path_is("/coach/"))
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Agenda").click()
    page.wait_for_url(path_is("/coach/agenda/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Week van {dutch(monday, '')}")
    expect(page.get_by_role("region", name=re.compile(rf"^{dutch(today)}"))).to_contain_text(
        "vandaag"
    )
    assert_accessible(page)
    if yesterday < monday:  # today is Monday: yesterday was last week
        page.get_by_role("link", name="Vorige week").click()
        page.wait_for_url(path_is("/coach/agenda/", date=(monday - timedelta(days=7)).isoformat()))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Week van {dutch(monday - timedelta(days=7), '')}"
        )

    day = page.get_by_role("region", name=dutch(yesterday), exact=True)
    entry = day.get_by_role("listitem")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Eva Coachee")
    expect(entry).to_contain_text("coachingsessie · in de praktijk")
    # On the time grid: the block's link says the day, the time, who and what.
    entry.get_by_role(
        "link", name=f"{dutch(yesterday)}, 10:00–11:00 Eva Coachee coachingsessie · in de praktijk"
    ).click()

    page.wait_for_url(url_matches(rf"/coach/afspraken/{UUID}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("coachingsessie – Eva Coachee")
    status = page.locator(".badge.fs-6")
    expect(status).to_have_text("gepland")
    expect(page.get_by_text(f"{dutch(yesterday, 'dag,lang')} 10:00–11:00")).to_be_visible()
    after = page.get_by_role("region", name="Na afloop")
    expect(after.get_by_label("gehouden", exact=True)).to_be_checked()  # the usual case first
    after.get_by_label("niet verschenen").check()
    after.get_by_label("gehouden", exact=True).check()
    after.get_by_role("button", name="Vastleggen").click()

    page.wait_for_url(url_matches(rf"/coach/afspraken/{UUID}/"))
    expect(page.get_by_role("alert")).to_contain_text("Vastgelegd.")
    expect(status).to_have_text("gehouden")

    # Back in the week (of that appointment), the entry says so too.
    page.get_by_role("link", name="← Agenda").click()
    expect(entry).to_contain_text(re.compile(r"coachingsessie · in de praktijk\s+gehouden"))
    page_log.assert_stayed_local()

    assert Appointment.objects.get(traject=eva_traject).status == "completed"
