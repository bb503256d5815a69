"""End to end, an interim evaluation as people click through it: the coach marks the session
held that completes a round of sessions, the coachee gets the prompt by e-mail, opens the
personal link (no login), fills in the questionnaire with the keyboard and the mouse, and the
coach reads the answers and the chart on the traject page. The link then works no more.

Runs in headless Chromium against the live server (fixtures from coaching/tests/browser.py).
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from coaching.models import Client
from coaching.tests.browser import TIMEOUT_MS, PageLog, assert_accessible, log_in_as
from sessions.models import Appointment
from sessions.services.booking import appointment_book, appointment_mark
from trajects.models import Evaluation
from trajects.tests.factories import running_traject

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("questionnaires")]


def session(traject, coach, days_ago):
    start = timezone.now() - timedelta(days=days_ago)
    return appointment_book(
        coach=coach,
        start=start.replace(minute=0, second=0, microsecond=0),
        end=start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1),
        kind=Appointment.Kind.SESSION,
        mode="practice",
        by=coach,
        traject=traject,
    )


def test_a_coachee_fills_in_the_interim_evaluation_and_the_coach_reads_it(
    page: Page, page_log: PageLog, browser: Browser, live_server, coach_a, coachee, settings
):
    settings.PRAKTIJK_EVALUATION_EVERY_SESSIONS = 2
    settings.SITE_URL = live_server.url
    traject = running_traject(coach_a, client=Client.objects.get(account=coachee))
    appointment_mark(
        appointment=session(traject, coach_a, days_ago=8), status=Appointment.Status.COMPLETED
    )
    second = session(traject, coach_a, days_ago=1)

    # The coach marks the second session held.
    log_in_as(page, coach_a)
    page.goto(f"/coach/afspraken/{second.uuid}/")
    page.get_by_role("region", name="Na afloop").get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Vastgelegd.")

    # The coachee's e-mail, with the personal link.
    (prompt,) = [m for m in mail.outbox if m.to == [coachee.email]]
    assert prompt.subject == "[Praktijk] Wil je een evaluatie invullen? Tussentijdse evaluatie"
    link = re.search(r"http://\S+/evaluatie/\S+/", prompt.body).group(0)

    # She opens it on her own computer, without logging in.
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    theirs = context.new_page()
    theirs.on("request", page_log.on_request)
    theirs.goto(link)
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Tussentijdse evaluatie")
    assert_accessible(theirs)
    # Sent without the first question: it is named, and what she typed stays.
    theirs.get_by_label("Wat helpt je het meest?").fill("De opdrachten tussen de sessies.")
    theirs.get_by_role("button", name="Versturen").click()
    first = theirs.get_by_role("group", name=re.compile("^Hoe tevreden ben je over de coaching"))
    expect(first).to_contain_text("Dit veld is verplicht.")
    expect(theirs.get_by_label("Wat helpt je het meest?")).to_have_value(
        "De opdrachten tussen de sessies."
    )
    assert_accessible(theirs)
    first.get_by_label("8", exact=True).check()
    closer = theirs.get_by_role("group", name="In hoeverre kom je dichter bij je doel?")
    closer.get_by_label("7", exact=True).focus()
    theirs.keyboard.press("Space")  # a radio button chosen with the keyboard
    theirs.get_by_role("group", name="Hoe ervaar je het contact met je coach?").get_by_label(
        "9", exact=True
    ).check()
    theirs.get_by_role("group", name="Hoe vaak wil je een sessie?").get_by_label("Zoals nu").check()
    theirs.get_by_role("button", name="Versturen").click()
    expect(theirs.get_by_role("alert")).to_contain_text(
        "Dank je wel! Je antwoorden zijn opgeslagen."
    )
    expect(theirs.get_by_role("status")).to_contain_text("Deze evaluatie is ingevuld op")
    expect(theirs.get_by_role("button", name="Versturen")).to_have_count(0)
    context.close()

    evaluation = Evaluation.objects.get()
    assert sorted(a.scale for a in evaluation.answers.exclude(scale=None)) == [7, 8, 9]

    # The coach reads it on the traject page, with the chart.
    page.goto(f"/coach/trajecten/{traject.uuid}/")
    section = page.get_by_role("region", name="Evaluaties")
    expect(section.get_by_role("img", name=re.compile("Gemiddelde score"))).to_be_visible()
    expect(section).to_contain_text("ingevuld op")
    expect(section).to_contain_text("De opdrachten tussen de sessies.")
    expect(section).to_contain_text("8 / 10")
    assert_accessible(page)
    page_log.assert_stayed_local()
