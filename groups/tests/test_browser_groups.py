"""End to end, Backstage groups as people click through them: the coach creates a team group and
adds a participant, three participants want the two turns of one meeting, and the coach records
an agreement at one meeting and the report-back on it at the next.

Runs in headless Chromium against the live server; the fixtures (and the skip without Chromium,
or the failure with E2E=required) come from coaching/tests/browser.py.
"""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from coaching.models import Organisation
from coaching.tests.browser import (
    TIMEOUT_MS,
    PageLog,
    assert_accessible,
    log_in_as,
    path_is,
)
from coaching.tests.factories import ClientFactory, UserFactory
from groups.models import BackstageGroup, Contribution
from groups.services.meetings import turn_claim
from groups.services.members import member_add
from groups.tests.test_groups import make_group

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"
FULL = "Bij deze bijeenkomst zijn beide beurten al bezet. Kies een andere bijeenkomst."


def label(text: str) -> re.Pattern:
    """Exactly this label; a required field's label ends in an asterisk ("Naam van de groep*")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def url_matches(pattern: str):
    return re.compile(rf"^https?://[^/]+{pattern}$")


def meeting_item(page: Page, group, number: int):
    """The participant's line for meeting `number` of this group in Backstage."""
    return page.get_by_role("region", name=group.name).get_by_role("listitem").nth(number - 1)


def participant(coach, first_name: str):
    """A client of the coach with a portal account of their own."""
    account = UserFactory(first_name=first_name)
    client = ClientFactory(coach=coach, account=account, first_name=first_name)
    return account, client


def test_coach_creates_a_team_group_and_adds_a_participant(page: Page, page_log: PageLog, coach_a):
    _, noor = participant(coach_a, "Noor")
    # She works there: a team takes its organisation's employees.
    noor.organisation = Organisation.objects.create(name="Gemeente Oost")
    noor.save()
    first = timezone.localdate() + timedelta(days=14)

    log_in_as(page, coach_a)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Groepen").click()
    page.wait_for_url(path_is("/coach/groepen/"))
    page.get_by_role("link", name="Nieuwe groep").click()
    page.wait_for_url(path_is("/coach/groepen/nieuw/"))

    page.get_by_label(label("Naam van de groep")).fill("Teamleiders Oost")
    page.get_by_role("group", name=label("Samenstelling")).get_by_label(
        re.compile(r"^\s*team:")
    ).check()
    page.get_by_label(label("Of een nieuwe organisatie")).fill("Gemeente Oost")
    page.get_by_label(label("Contactpersoon")).fill("P. de Wit")
    page.get_by_label(label("Dagdeel")).select_option("evening")
    page.get_by_label(label("Om de hoeveel weken")).select_option("3")
    page.get_by_label(label("Eerste bijeenkomst")).fill(f"{first:%Y-%m-%d}T19:00")
    page.get_by_label(label("Locatie")).fill("Stadskantoor")
    page.get_by_role("button", name="Opslaan").click()

    page.wait_for_url(url_matches(rf"/coach/groepen/{UUID}/"))
    expect(page.get_by_role("alert")).to_contain_text(
        "De groep en haar acht bijeenkomsten staan in de agenda."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Teamleiders Oost")
    expect(page.get_by_text("Gemeente Oost (P. de Wit)", exact=False)).to_be_visible()
    meetings = page.get_by_role("region", name="De acht bijeenkomsten")
    expect(meetings.locator("tbody tr")).to_have_count(8)
    expect(meetings.get_by_role("link", name="8", exact=True)).to_be_visible()
    assert_accessible(page)

    group = BackstageGroup.objects.get(name="Teamleiders Oost")
    assert (group.composition, group.organisation.name, group.interval_weeks) == (
        "team",
        "Gemeente Oost",
        3,
    )
    starts = [
        timezone.localtime(m.appointment.start)
        for m in group.meetings.select_related("appointment")
    ]
    assert starts[0] == timezone.make_aware(datetime.combine(first, time(19, 0)))
    assert [s.date() for s in starts] == [first + timedelta(weeks=3 * i) for i in range(8)]

    # --- Add a participant ---------------------------------------------------------------------
    members = page.get_by_role("region", name="Deelnemers")
    expect(members).to_contain_text("Nog niemand.")
    members.get_by_label("Deelnemer toevoegen: zoek op naam").fill(noor.last_name)
    members.get_by_role("button", name="Zoeken").click()
    found = members.get_by_role("list", name="Gevonden cliënten")
    found.get_by_role("button", name=f"Toevoegen – {noor}").click()
    page.wait_for_url(f"**/coach/groepen/{group.uuid}/?zoek=*")
    expect(page.get_by_role("alert")).to_contain_text(f"{noor} doet mee.")
    taking_part = members.get_by_role("list").first
    expect(taking_part.get_by_role("listitem")).to_have_count(1)
    expect(taking_part.get_by_role("listitem")).to_contain_text(str(noor))
    # Back at the same search, where she is no longer offered.
    expect(found).to_contain_text("Geen cliënt gevonden die nog niet meedoet.")
    assert list(group.members.active().values_list("client", flat=True)) == [noor.pk]
    page_log.assert_stayed_local()


def test_three_participants_want_the_two_turns_of_one_meeting(
    page: Page, page_log: PageLog, browser: Browser, live_server, coach_a
):
    group = make_group(coach_a)
    people = [participant(coach_a, name) for name in ("Sara", "Tom", "Wim")]
    for _, client in people:
        member_add(group=group, client=client, joined_on=date.today())
    meeting = group.meetings.get(number=1)

    contexts, pages, logs = [], [page], [page_log]
    try:
        for _ in range(2):
            context = browser.new_context(base_url=live_server.url, locale="en-US")
            context.set_default_timeout(TIMEOUT_MS)
            other_log = PageLog(origin=live_server.url)
            other = context.new_page()
            other.on("request", other_log.on_request)
            other.on("console", other_log.on_console)
            contexts.append(context)
            pages.append(other)
            logs.append(other_log)

        # All three open Backstage while both turns of meeting 1 are still free.
        for person, (account, _) in zip(pages, people, strict=True):
            log_in_as(person, account)
            person.get_by_role("navigation", name="Hoofdmenu").get_by_role(
                "link", name="Backstage"
            ).click()
            person.wait_for_url(path_is("/portaal/backstage/"))
            expect(person.get_by_role("heading", name=group.name)).to_be_visible()
            expect(
                person.get_by_role("button", name="Beurt nemen bij bijeenkomst 1")
            ).to_be_visible()
        assert_accessible(pages[0])

        for person, problem in zip(
            pages[:2], ("Mijn team luistert niet", "Lastig gesprek"), strict=True
        ):
            meeting_item(person, group, 1).get_by_label(
                "Je praktijkprobleem, kort (alleen de coach leest dit vooraf)"
            ).fill(problem)
            person.get_by_role("button", name="Beurt nemen bij bijeenkomst 1").click()
            person.wait_for_url(path_is("/portaal/backstage/"))
            expect(person.get_by_role("alert")).to_contain_text(
                "Je hebt een beurt bij bijeenkomst 1."
            )
            expect(meeting_item(person, group, 1)).to_contain_text("jouw beurt")
        # The second sees the meeting full now.
        expect(meeting_item(pages[1], group, 1)).to_contain_text("Beide beurten zijn bezet.")

        # The third still has the button from before: the claim loses, nothing is booked.
        late = pages[2]
        late.get_by_role("button", name="Beurt nemen bij bijeenkomst 1").click()
        late.wait_for_url(path_is("/portaal/backstage/"))
        expect(late.get_by_role("alert")).to_contain_text(FULL)
        expect(meeting_item(late, group, 1)).to_contain_text("Beide beurten zijn bezet.")
        expect(meeting_item(late, group, 1)).not_to_contain_text("jouw beurt")
        expect(late.get_by_role("button", name="Beurt nemen bij bijeenkomst 1")).to_have_count(0)
        expect(late.get_by_role("button", name="Beurt nemen bij bijeenkomst 2")).to_be_visible()

        turns = Contribution.objects.filter(meeting=meeting).order_by("turn")
        assert [(c.turn, c.membership.client.first_name, c.problem) for c in turns] == [
            (1, "Sara", "Mijn team luistert niet"),
            (2, "Tom", "Lastig gesprek"),
        ]
        assert Contribution.objects.filter(meeting__group=group).count() == 2
        for log in logs:
            log.assert_stayed_local()
    finally:
        for context in contexts:
            context.close()


def test_coach_records_an_agreement_and_the_report_back_next_time(
    page: Page, page_log: PageLog, coach_a
):
    group = make_group(coach_a)
    _, sara = participant(coach_a, "Sara")
    membership = member_add(group=group, client=sara, joined_on=date.today())
    first, second = group.meetings.get(number=1), group.meetings.get(number=2)
    turn = turn_claim(meeting=first, membership=membership, problem="Mijn team luistert niet")

    log_in_as(page, coach_a)
    page.goto(f"/coach/groepen/{group.uuid}/")
    page.get_by_role("region", name="De acht bijeenkomsten").get_by_role(
        "link", name="1", exact=True
    ).click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{first.uuid}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bijeenkomst 1 van 8")
    # Nothing to report back on at the first meeting.
    expect(
        page.get_by_role("heading", name="Terugkoppeling op de afspraken van vorige keer")
    ).to_have_count(0)
    section = page.get_by_role("region", name=f"Beurt 1: {sara}")
    expect(section.get_by_label(label("Het probleem zoals ingebracht"))).to_have_value(
        "Mijn team luistert niet"
    )
    assert_accessible(page)
    section.get_by_label(label("Afspraken")).fill("Elke week één teamoverleg voorzitten")
    section.get_by_role("button", name="Beurt vastleggen").click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{first.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("De beurt van Sara is vastgelegd.")
    turn.refresh_from_db()
    assert turn.agreements == "Elke week één teamoverleg voorzitten"

    # --- The next meeting: Sara reports back ---------------------------------------------------
    page.get_by_role("link", name=group.name).click()
    page.wait_for_url(path_is(f"/coach/groepen/{group.uuid}/"))
    expect(page.get_by_role("region", name="Open afspraken")).to_contain_text(
        "Elke week één teamoverleg voorzitten"
    )
    page.get_by_role("region", name="De acht bijeenkomsten").get_by_role(
        "link", name="2", exact=True
    ).click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{second.uuid}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bijeenkomst 2 van 8")
    report = page.get_by_role("region", name="Terugkoppeling op de afspraken van vorige keer")
    expect(report).to_contain_text("Sara: Elke week één teamoverleg voorzitten")
    report.get_by_label("Hoe ging het, Sara?").fill("Twee keer gelukt, één keer afgezegd")
    report.get_by_role("button", name="Terugkoppeling vastleggen").click()
    page.wait_for_url(path_is(f"/coach/bijeenkomsten/{second.uuid}/"))
    expect(page.get_by_role("alert")).to_contain_text("De terugkoppeling is vastgelegd.")
    expect(report.get_by_label("Hoe ging het, Sara?")).to_have_value(
        "Twee keer gelukt, één keer afgezegd"
    )

    assert Contribution.objects.get(pk=turn.pk).report_back == "Twee keer gelukt, één keer afgezegd"
    page_log.assert_stayed_local()
