"""End to end, the portal's home of an adult (the next appointment by video,
the next Backstage meeting with her turn and her agreements, an evaluation waiting, unread
messages that are read once opened) and of a parent of two children (a card per child); each
looked at on a laptop and on a phone, with axe-core at both widths.

Runs in headless Chromium against the live server (coaching/tests/browser.py)."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from coaching.models import Client
from coaching.tests.browser import PageLog, log_in_as, look_at, path_is
from coaching.tests.factories import ClientFactory, GuardianFactory
from coaching.tests.test_portal_home import backstage, traject_of
from sessions.tests.factories import appointment_for
from sessions.tests.test_pages import future, open_all_week
from trajects.models import Traject
from trajects.services.email_coaching import message_write
from trajects.services.evaluations import evaluation_request
from trajects.tests.factories import TrajectFactory, running_traject

pytestmark = pytest.mark.browser


def test_an_adults_home_shows_what_comes_next(
    page: Page, page_log: PageLog, coach_a, coachee, session_type, questionnaires
):
    open_all_week(coach_a)
    coach_a.coach_profile.phone = "030 123 45 67"
    coach_a.coach_profile.save()
    eva = Client.objects.get(account=coachee)
    traject = running_traject(coach_a, client=eva)
    appointment_for(
        traject,
        future(3, 14),
        session_type=session_type,
        mode="video",
        video_link="https://meet.example.org/praktijk-eva",
    )
    appointment_for(traject, future(17, 14), session_type=session_type)
    backstage(coach_a, eva)
    evaluation_request(key="eva:1", kind="interim", client=eva, traject=traject, prompt=False)
    conversation = TrajectFactory(client=eva, kind=Traject.Kind.EMAIL, title="Werkdruk")
    message_write(traject=conversation, by=coachee, body="Mijn vraag", from_coach=False)
    for text in ("Antwoord één", "Antwoord twee"):
        message_write(traject=conversation, by=coach_a, body=text, from_coach=True)

    log_in_as(page, coachee)
    page.goto("/portaal/")
    expect(page.get_by_role("heading", name="Welkom, Eva")).to_be_visible()
    next_card = page.get_by_role("region", name="Volgende afspraak")
    video = next_card.get_by_role("link", name=re.compile("^Deelnemen via video"))
    expect(video).to_have_attribute("href", "https://meet.example.org/praktijk-eva")
    expect(next_card.get_by_role("link", name=re.compile("In mijn agenda"))).to_have_attribute(
        "href", re.compile(r"/afspraken/[0-9a-f-]{36}/afspraak\.ics$")
    )
    expect(next_card).to_contain_text("14:00 – 15:00")
    expect(next_card).to_contain_text("Kosteloos afzeggen kan tot")
    expect(next_card.get_by_role("link", name="Nog 1 afspraak gepland")).to_be_visible()
    meeting = page.get_by_role("region", name="Volgende Backstage-bijeenkomst")
    expect(meeting).to_contain_text("Jij bent aan de beurt")
    expect(meeting).to_contain_text("Elke maandag een één-op-één")
    evaluations = page.get_by_role("region", name="Evaluaties")
    expect(evaluations).to_contain_text("1 evaluatie om in te vullen")
    expect(evaluations.get_by_role("link", name=re.compile("^Invullen"))).to_have_attribute(
        "href", re.compile(r"^/evaluatie/[0-9a-f-]{36}/\w+/$")
    )
    messages = page.get_by_role("region", name="E-mailcoaching")
    expect(messages).to_contain_text("2 nieuwe berichten van je coach")
    coach = page.get_by_role("region", name="Je coach")
    expect(coach.get_by_role("link", name="030 123 45 67")).to_have_attribute(
        "href", "tel:0301234567"
    )
    look_at(page, "portaal-volwassene")

    messages.get_by_role("link", name=re.compile("^Lezen")).click()
    page.wait_for_url(path_is(f"/portaal/berichten/{conversation.uuid}/"))
    expect(page.get_by_text("Antwoord twee")).to_be_visible()
    page.goto("/portaal/")
    expect(page.get_by_role("region", name="E-mailcoaching")).to_contain_text(
        "Geen nieuwe berichten."
    )
    page_log.assert_stayed_local()


def test_a_parents_home_has_a_card_per_child(
    page: Page, page_log: PageLog, coach_a, coach_b, guardian, session_type
):
    lotte = Client.objects.get(guardians__account=guardian)
    sem = ClientFactory(coach=coach_b, first_name="Sem", date_of_birth=date(2014, 5, 1))
    GuardianFactory(client=sem, account=guardian)
    for child in (lotte, sem):
        open_all_week(child.coach)
        running_traject(child.coach, client=child)
    appointment_for(traject_of(lotte), future(2, 15), session_type=session_type)
    appointment_for(
        traject_of(sem), future(5, 10), mode="video", video_link="https://meet.example.org/sem"
    )
    conversation = TrajectFactory(client=sem, kind=Traject.Kind.EMAIL)
    message_write(traject=conversation, by=coach_b, body="Hoe ging het?", from_coach=True)

    log_in_as(page, guardian)
    page.goto("/portaal/")
    expect(page.get_by_role("heading", name="Voor Lotte", level=2)).to_be_visible()
    expect(page.get_by_role("heading", name="Voor Sem", level=2)).to_be_visible()
    expect(page.get_by_role("heading", name="Volgende afspraak", level=3)).to_have_count(2)
    expect(page.get_by_role("link", name=re.compile("^Deelnemen via video"))).to_have_count(1)
    expect(page.get_by_text("1 nieuw bericht van je coach")).to_be_visible()
    expect(page.get_by_text("Je handelt namens Sem. De coach is Bram Coach.")).to_be_visible()
    look_at(page, "portaal-ouder")
    page_log.assert_stayed_local()
