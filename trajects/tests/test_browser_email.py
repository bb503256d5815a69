"""End to end, e-mail coaching as people click through it: the coachee writes, the coach sees it
waiting on "Vandaag", answers on the traject page and the coachee reads the answer; and the
coachee asks for live sessions, after which the coach switches the traject over.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from coaching.models import Client
from coaching.tests.browser import (
    TIMEOUT_MS,
    PageLog,
    assert_accessible,
    log_in_as,
    path_is,
)
from trajects.models import Traject
from trajects.tests.factories import TrajectFactory

pytestmark = pytest.mark.browser

QUESTION = "Ik zie op tegen het gesprek met mijn leidinggevende. Hoe bereid ik me voor?"
ANSWER = "Schrijf eerst op wat je wilt bereiken, en welke vraag je zeker wilt stellen."


def label(text: str) -> re.Pattern:
    """Exactly this label; a required field's label ends in an asterisk ("Bericht*")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


@pytest.fixture
def eva_traject(coachee) -> Traject:
    return TrajectFactory(client=Client.objects.get(account=coachee), kind="email")


@pytest.fixture
def coach_page(browser: Browser, live_server) -> Iterator[tuple[Page, PageLog]]:
    """A second person at another computer: the coach, in a context of her own."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    log = PageLog(origin=live_server.url)
    other = context.new_page()
    other.on("request", log.on_request)
    other.on("console", log.on_console)
    yield other, log
    context.close()


def open_conversation(page: Page, coachee, traject: Traject) -> None:
    log_in_as(page, coachee)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Berichten").click()
    page.wait_for_url(path_is(f"/portaal/berichten/{traject.uuid}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mailcoaching")


def test_coachee_writes_and_the_coach_answers_within_the_day(
    page: Page, page_log: PageLog, coach_page, coach_a, coachee, eva_traject
):
    eva = eva_traject.client
    coach, coach_log = coach_page

    # --- Eva writes ----------------------------------------------------------------------------
    open_conversation(page, coachee, eva_traject)
    expect(page.get_by_text("Nog geen berichten.")).to_be_visible()
    page.get_by_label(label("Bericht")).fill(QUESTION)
    page.get_by_role("button", name="Versturen", exact=True).click()
    page.wait_for_url(path_is(f"/portaal/berichten/{eva_traject.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("Je bericht is verstuurd.")
    expect(page.get_by_role("listitem").filter(has_text=QUESTION)).to_have_count(1)
    expect(page.get_by_label(label("Bericht"))).to_have_value("")
    assert_accessible(page)

    # --- The coach sees it waiting on "Vandaag" ------------------------------------------------
    log_in_as(coach, coach_a)
    coach.goto("/coach/")
    waiting = coach.get_by_role("region", name="E-mailcoaching: te beantwoorden")
    item = waiting.get_by_role("listitem").filter(has_text=str(eva))
    expect(item).to_have_count(1)
    expect(item).to_contain_text("uiterlijk")
    item.get_by_role("link", name=str(eva)).click()
    coach.wait_for_url(path_is(f"/coach/trajecten/{eva_traject.uuid}/"))

    # --- She reads the message and answers -----------------------------------------------------
    conversation = coach.get_by_role("region", name="E-mailcoaching: het gesprek")
    expect(conversation).to_contain_text(QUESTION)
    expect(conversation).to_contain_text("antwoord uiterlijk")
    assert_accessible(coach)
    conversation.get_by_label(label("Bericht")).fill(ANSWER)
    conversation.get_by_role("button", name="Antwoord versturen").click()
    coach.wait_for_url(path_is(f"/coach/trajecten/{eva_traject.uuid}/"))
    expect(coach.get_by_role("alert")).to_contain_text("Je bericht is verstuurd.")
    expect(conversation).to_contain_text(ANSWER)
    expect(conversation).to_contain_text("beantwoord")

    coach.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Vandaag").click()
    coach.wait_for_url(path_is("/coach/"))
    expect(coach.get_by_role("region", name="E-mailcoaching: te beantwoorden")).to_have_count(0)
    expect(coach.get_by_role("main")).not_to_contain_text("uiterlijk")

    # --- Eva reads the answer ------------------------------------------------------------------
    page.reload()
    answer = page.get_by_role("listitem").filter(has_text=ANSWER)
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text("Coach")

    messages = list(eva_traject.messages.order_by("created_at"))
    assert [(m.from_coach, m.body) for m in messages] == [(False, QUESTION), (True, ANSWER)]
    assert messages[0].answered_at is not None
    page_log.assert_stayed_local()
    coach_log.assert_stayed_local()


def test_coachee_asks_for_live_sessions_and_the_coach_switches(
    page: Page, page_log: PageLog, coach_page, coach_a, coachee, eva_traject
):
    eva = eva_traject.client
    coach, coach_log = coach_page

    # --- Eva asks for live sessions ------------------------------------------------------------
    open_conversation(page, coachee, eva_traject)
    page.get_by_label(label("Bericht")).fill(QUESTION)
    page.get_by_role("button", name="Versturen", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Je bericht is verstuurd.")
    page.get_by_role("button", name="Ik wil liever live sessies").click()
    page.wait_for_url(path_is(f"/portaal/berichten/{eva_traject.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Je coach ziet je verzoek om live sessies en neemt contact op."
    )
    expect(page.get_by_role("button", name="Ik wil liever live sessies")).to_have_count(0)
    expect(page.get_by_text("Je hebt om live sessies gevraagd")).to_be_visible()
    assert_accessible(page)

    # --- The coach sees the request and switches -----------------------------------------------
    log_in_as(coach, coach_a)
    coach.goto("/coach/")
    attention = coach.get_by_role("region", name="E-mailcoaching", exact=True)
    request = attention.get_by_role("listitem").filter(has_text="vraagt om live sessies")
    expect(request).to_contain_text(str(eva))
    request.get_by_role("link", name=str(eva)).click()
    coach.wait_for_url(path_is(f"/coach/trajecten/{eva_traject.uuid}/"))
    conversation = coach.get_by_role("region", name="E-mailcoaching: het gesprek")
    expect(conversation).to_contain_text("De cliënt vraagt om live sessies.")
    conversation.get_by_role("link", name="Overstappen naar live sessies").click()
    # The switch asks first, saying what happens.
    coach.wait_for_url(path_is(f"/coach/trajecten/{eva_traject.uuid}/live-sessies/"))
    consequences = coach.get_by_role("main").get_by_role("list")
    expect(consequences).to_contain_text("De cliënt krijgt een e-mail")
    expect(consequences).to_contain_text("Nieuwe berichten kunnen niet meer")
    expect(consequences).to_contain_text("Het gesprek blijft leesbaar")
    assert_accessible(coach)
    coach.get_by_role("button", name="Overstappen naar live sessies").click()
    coach.wait_for_url(path_is(f"/coach/trajecten/{eva_traject.uuid}/"))
    expect(coach.get_by_role("alert")).to_contain_text("Het traject gaat verder met live sessies")

    # The conversation stays in the dossier; the timeline shows the switch; no more replies.
    expect(conversation).to_contain_text(QUESTION)
    expect(conversation).not_to_contain_text("De cliënt vraagt om live sessies.")
    expect(conversation.get_by_role("link", name="Overstappen naar live sessies")).to_have_count(0)
    expect(conversation.get_by_role("button", name="Antwoord versturen")).to_have_count(0)
    timeline = coach.get_by_role("region", name="Tijdlijn")
    expect(timeline).to_contain_text("Overgestapt naar live sessies")
    assert_accessible(coach)

    # --- Eva sees it in the portal: no more promise of an answer, the conversation readable ---
    page.reload()
    notice = page.get_by_role("status")
    expect(notice).to_contain_text("gaat de coaching verder met live sessies")
    expect(notice).to_contain_text("het gesprek blijft hier leesbaar")
    expect(page.get_by_role("main")).not_to_contain_text("antwoordt binnen")
    expect(page.get_by_role("listitem").filter(has_text=QUESTION)).to_have_count(1)
    expect(page.get_by_role("button", name="Versturen", exact=True)).to_have_count(0)
    assert_accessible(page)

    eva_traject.refresh_from_db()
    assert (eva_traject.kind, eva_traject.switch_requested_at) == (Traject.Kind.STANDARD, None)
    page_log.assert_stayed_local()
    coach_log.assert_stayed_local()
