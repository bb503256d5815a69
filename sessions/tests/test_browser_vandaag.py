"""End to end, the coach's morning on *Vandaag*: the day's appointments and a
Backstage meeting in time order, preparing (the dossier opens at the last session note), and
marking the session that has begun held, from Vandaag and back to it.

The clock is moved to 11:30 today (it keeps ticking), so that one session has begun and the
rest of the day is still to come whatever the hour the test runs.

Runs in headless Chromium against the live server; the fixtures come from
coaching/tests/browser.py."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from coaching.tests.browser import PageLog, log_in_as, look_at, path_is
from sessions.models import Appointment
from sessions.tests.factories import appointment_for
from sessions.tests.test_vandaag import at, meeting_today, shift_clock
from trajects.tests.factories import ConsentFactory, ThirdPartyFactory, note, running_traject
from trajects.tests.test_vandaag_day import answered, invoice

pytestmark = pytest.mark.browser


def test_the_coachs_morning(page: Page, page_log: PageLog, coach_a, monkeypatch, questionnaires):
    today = timezone.localdate()
    shift_clock(monkeypatch, at(today, 11, 30))
    eva = running_traject(coach_a, client__coach=coach_a, client__first_name="Eva")
    jan = running_traject(coach_a, client__coach=coach_a, client__first_name="Jan")
    note(jan, coach_a, text="Jan oefent met nee zeggen.", occurred_on=today.replace(day=1))
    last = note(jan, coach_a, text="Afspraak: elke dag één keer nee.", occurred_on=today)
    begun = appointment_for(eva, at(today, 11, 0), location="Kamer 1")
    appointment_for(
        jan, at(today, 15, 30), mode="video", video_link="https://meet.example/praktijk-jan"
    )
    meeting_today(coach_a, at(today, 12, 30), contributors=("Ilse",))
    # The rest of the page, to look at: the days ahead, and a row in each list that waits.
    tomorrow = today + timedelta(days=1)
    appointment_for(jan, at(tomorrow, 9, 0))
    appointment_for(eva, at(tomorrow, 14, 0), minutes=90)
    forgotten = appointment_for(eva, at(today - timedelta(days=1), 10, 0))
    ConsentFactory(
        third_party=ThirdPartyFactory(client=eva.client, name="Basisschool De Linde"),
        valid_until=today + timedelta(days=10),
    )
    last_month = today.replace(day=1) - timedelta(days=1)
    invoice(coach_a, jan.client, last_month.replace(day=1), last_month)
    answered(jan, at_moment=timezone.now() - timedelta(hours=2), key="browser:jan")

    log_in_as(page, coach_a)
    page.wait_for_url(path_is("/coach/"))
    day = page.get_by_role("region", name=re.compile(r"^Vandaag, "))
    rows = day.get_by_role("listitem")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("11:00–12:00")
    expect(rows.nth(0)).to_contain_text("Eva")
    expect(rows.nth(0)).to_contain_text("nu")
    expect(rows.nth(1)).to_contain_text("Leidinggevenden Oost")
    expect(rows.nth(1)).to_contain_text("bijeenkomst 1 van 8")
    expect(rows.nth(1)).to_contain_text("Inbreng: Ilse")
    expect(rows.nth(2)).to_contain_text("15:30–16:30")
    expect(
        rows.nth(2).get_by_role("link", name=re.compile("^Deelnemen via video"))
    ).to_have_attribute("href", "https://meet.example/praktijk-jan")
    expect(
        page.get_by_role("region", name="De komende dagen").get_by_role("link").first
    ).to_contain_text("2 afspraken")
    waiting = page.get_by_role("region", name=re.compile("^Afspraken zonder uitkomst"))
    expect(waiting.get_by_role("link", name=re.compile("^Eva"))).to_have_attribute(
        "href", f"/coach/afspraken/{forgotten.uuid}/"
    )
    # No dossier text on Vandaag: it is seen over the shoulder.
    expect(page.get_by_text("nee zeggen")).to_have_count(0)
    look_at(page, "vandaag")
    # On a phone each action is a button to tap: at least 44 px high and wide.
    page.set_viewport_size({"width": 360, "height": 780})
    sizes = page.eval_on_selector_all(
        ".today-actions a, .today-actions button, .day-card",
        "els => els.map(e => [e.textContent.trim().slice(0, 30), e.getBoundingClientRect().height,"
        " e.getBoundingClientRect().width])",
    )
    assert len(sizes) == 15, sizes  # 6 on the day, 2 without an outcome, 7 days ahead
    small = [(text, h, w) for text, h, w in sizes if h < 44 or w < 44]
    assert not small, small
    page.set_viewport_size({"width": 1280, "height": 900})

    # Preparing Jan's session: the dossier opens at the last session note.
    rows.nth(2).get_by_role("link", name=re.compile("^Voorbereiden")).click()
    page.wait_for_url(re.compile(rf"/coach/trajecten/{jan.uuid}/#entry-{last.uuid}$"))
    entry = page.locator(f"#entry-{last.uuid}")
    expect(entry).to_contain_text("Afspraak: elke dag één keer nee.")
    expect(entry).to_be_in_viewport()
    page.go_back()
    page.wait_for_url(path_is("/coach/"))

    # Eva's session has begun: held, in one click, and back on Vandaag.
    eva_row = rows.nth(0)
    expect(eva_row.get_by_role("link", name=re.compile("^Niet verschenen"))).to_be_visible()
    eva_row.get_by_role("button", name=re.compile("^Gehouden")).click()
    page.wait_for_url(path_is("/coach/"))
    expect(page.get_by_role("alert")).to_contain_text("Vastgelegd.")
    expect(eva_row).to_contain_text("gehouden")
    expect(eva_row.get_by_role("button", name=re.compile("^Gehouden"))).to_have_count(0)
    expect(eva_row.get_by_role("link", name=re.compile("^Niet verschenen"))).to_have_count(0)
    expect(eva_row.get_by_role("link", name=re.compile("^Verslag schrijven"))).to_be_visible()
    begun.refresh_from_db()
    assert begun.status == Appointment.Status.COMPLETED
    look_at(page, "vandaag-na-afronden", widths=({"width": 360, "height": 780},))
    page_log.assert_stayed_local()
