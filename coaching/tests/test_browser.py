"""End-to-end tests: a person clicking through Praktijk in headless Chromium (Playwright, sync API).

They run against pytest-django's live server and Debian's system Chromium (never a browser that
Playwright downloads). Without Chromium every test here is skipped with a notice, unless
E2E=required, in which case they fail. Set CHROMIUM_PATH to use another Chromium binary.
"""

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from coaching.models import Heartbeat
from coaching.tests.browser import (
    PageLog,
    assert_accessible,
    enter_authenticator_code,
    fresh_totp_code,
    log_in_as,
    log_in_with_password,
    path_is,
    totp_secret_of,
)
from coaching.tests.factories import TEST_PASSWORD, CoachFactory, give_totp

pytestmark = pytest.mark.browser


def test_visitor_sees_dutch_and_can_switch_to_english(page: Page, page_log: PageLog):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom bij Praktijk")

    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Praktijk")

    # The choice sticks: on the next page, and when the home page is loaded again.
    page.goto("/account/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Praktijk")

    page_log.assert_stayed_local()


def test_coach_without_authenticator_must_activate_one_first(page: Page, page_log: PageLog):
    CoachFactory(email="nieuwe-coach@praktijk.test", first_name="Anna")

    log_in_with_password(page, "nieuwe-coach@praktijk.test")
    # On the way to the setup, allauth asks for the password once more (on purpose: a borrowed
    # session cannot attach someone else's authenticator app); the page says why.
    page.wait_for_url(lambda url: urlsplit(url).path == "/account/reauthenticate/")
    expect(page.get_by_text("Stel eerst tweestapsverificatie in.")).to_be_visible()
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.wait_for_url(path_is("/account/2fa/totp/activate/", next="/coach/"))

    # Not even the dashboard before the second factor is set up.
    page.goto("/coach/")
    page.wait_for_url(path_is("/account/2fa/totp/activate/", next="/coach/"))
    expect(page.get_by_role("heading", level=1, name="Goedendag, Anna")).to_have_count(0)

    secret = page.locator("#authenticator_secret").get_attribute("value")
    assert secret
    code = page.locator("input[name='code']")
    code.fill(fresh_totp_code(secret))
    code.press("Enter")
    page.wait_for_url(path_is("/account/2fa/recovery-codes/"))

    page.goto("/coach/")
    page.wait_for_url(path_is("/coach/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Goedendag, Anna")

    page_log.assert_stayed_local()


def test_coach_with_authenticator_logs_in_with_code(page: Page, page_log: PageLog):
    coach = CoachFactory(email="coach-totp@praktijk.test", first_name="Anna")
    secret = give_totp(coach)

    log_in_with_password(page, "coach-totp@praktijk.test")
    enter_authenticator_code(page, secret)

    page.wait_for_url(path_is("/coach/"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Goedendag, Anna")

    page_log.assert_stayed_local()


def test_coachee_lands_on_portal_and_is_kept_out_of_coach_and_admin(
    page: Page, page_log: PageLog, coachee
):
    log_in_with_password(page, coachee.email)
    page.wait_for_url(path_is("/portaal/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welkom, {coachee.first_name}")

    response = page.goto("/coach/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")

    response = page.goto("/beheer/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    expect(page.locator("#site-name")).to_have_count(0)

    page_log.assert_stayed_local()


def test_admin_reaches_django_admin_through_allauth_login(
    page: Page, page_log: PageLog, admin_user
):
    secret = totp_secret_of(admin_user)

    page.goto("/beheer/")
    page.wait_for_url(path_is("/account/login/", next="/beheer/"))
    log_in_with_password(page, admin_user.email)
    enter_authenticator_code(page, secret)

    page.wait_for_url(path_is("/beheer/"))
    expect(page).to_have_title(re.compile("Praktijk"))
    expect(page.locator("#site-name")).to_have_text("Praktijk")
    expect(page.locator("#content-main table").first).to_be_visible()

    page_log.assert_stayed_local()


# --- Accessibility (axe-core, WCAG 2.2 AA) --------------------------------------------------------


@dataclass(frozen=True)
class A11yCase:
    path: str
    persona: str | None = None  # a fixture from conftest.py; logged in through the login page
    fixtures: tuple[str, ...] = ()  # more data on the page (clients, a heartbeat)
    english: bool = False  # click "English" on the home page first
    phone: bool = False  # a phone-sized viewport, and the menu opened there too
    status: int = 200
    disabled_rules: tuple[str, ...] = ()


A11Y_CASES = {
    "home": A11yCase("/"),
    "login": A11yCase("/account/login/"),
    "password-reset": A11yCase("/account/password/reset/"),
    "coach-dashboard": A11yCase("/coach/", "coach_a", fixtures=("coachee", "guardian")),
    "portal-coachee": A11yCase("/portaal/", "coachee"),
    "portal-guardian": A11yCase("/portaal/", "guardian"),
    "admin-status": A11yCase("/beheer/status/", "admin_user", fixtures=("fresh_heartbeat",)),
    "not-found": A11yCase("/bestaat-niet/", status=404),
    "mfa-overview": A11yCase("/account/2fa/", "coach_a"),
    "home-en": A11yCase("/", english=True),
    "login-en": A11yCase("/account/login/", english=True),
    "home-phone": A11yCase("/", phone=True),
    "invitations-coach": A11yCase("/uitnodigingen/", "coach_a", fixtures=("sent_invitation",)),
    "invitations-admin": A11yCase("/uitnodigingen/", "admin_user", fixtures=("sent_invitation",)),
}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def fresh_heartbeat():
    return Heartbeat.objects.create(
        source=Heartbeat.Source.BEAT, last_seen_at=timezone.now(), hostname="worker-1", count=3
    )


@pytest.fixture
def sent_invitation(coach_a):
    from coaching.accounts import Invitee, guardian_invite

    return guardian_invite(
        coach=coach_a,
        invitee=Invitee("ouder-uitgenodigd@praktijk.test", "Marco", "Visser"),
        relation="father",
        child_first_name="Lotte",
        child_last_name="Visser",
        child_date_of_birth=date(2016, 9, 3),
    )


@pytest.mark.parametrize("case", list(A11Y_CASES.values()), ids=list(A11Y_CASES))
def test_page_is_accessible(request, page: Page, page_log: PageLog, case: A11yCase):
    for name in case.fixtures:
        request.getfixturevalue(name)
    if case.phone:
        page.set_viewport_size(PHONE)
    if case.persona:
        log_in_as(page, request.getfixturevalue(case.persona))
    language = "nl"
    if case.english:
        page.goto("/")
        page.get_by_role("button", name="English", exact=True).click()
        language = "en"
        expect(page.locator("html")).to_have_attribute("lang", language)

    response = page.goto(case.path)
    assert response is not None and response.status == case.status
    assert path_is(case.path)(page.url), f"expected {case.path}, landed on {page.url}"
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_accessible(page, case.disabled_rules)

    if case.phone:
        # The collapsed menu is hidden from everyone; check it once it is open too.
        toggler = page.locator(".navbar-toggler")
        expect(toggler).to_be_visible()
        toggler.click()
        expect(page.locator("#main-nav.collapse.show")).to_be_visible()
        expect(toggler).to_have_attribute("aria-expanded", "true")
        assert_accessible(page, case.disabled_rules)

    if case.status == 404:
        # Chromium logs the status of the page itself; this one is opened on purpose.
        page_log.console_errors = [e for e in page_log.console_errors if "status of 404" not in e]
    page_log.assert_stayed_local()


def test_accessibility_check_reports_what_axe_finds(page: Page, page_log: PageLog):
    """The check itself: a picture without a text alternative must fail it, readably."""
    page.goto("/")
    page.evaluate(
        """() => {
            const img = document.createElement("img");
            img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
            img.id = "no-alt";
            document.querySelector("main").append(img);
        }"""
    )
    with pytest.raises(AssertionError, match=r"- image-alt \(critical\): .*first: #no-alt"):
        assert_accessible(page)
    assert_accessible(page, disabled_rules=("image-alt",))
    page_log.assert_stayed_local()


# --- Journeys -------------------------------------------------------------------------------------


def test_coach_invites_a_parent_who_then_acts_for_the_child(
    page: Page, page_log: PageLog, coach_a, mailoutbox
):
    log_in_as(page, coach_a)
    page.get_by_role("link", name="Uitnodigingen").click()
    page.wait_for_url(path_is("/uitnodigingen/"))

    # The child's fields appear only for a parent or guardian.
    child_fields = page.locator("#child-fields")
    expect(child_fields).to_be_hidden()
    page.get_by_label("Een ouder of verzorger").check()
    expect(child_fields).to_be_visible()
    expect(page.locator("#adult-fields")).to_be_hidden()

    # Exact labels; required fields end in an asterisk ("Voornaam*").
    page.get_by_label(re.compile(r"^\s*Voornaam\s*\*?\s*$")).fill("Marco")
    page.get_by_label(re.compile(r"^\s*Achternaam\s*\*?\s*$")).fill("Visser")
    page.get_by_label("E-mailadres").fill("marco.visser@praktijk.test")
    page.get_by_label("Relatie tot het kind").select_option(label="vader")
    page.get_by_label("Voornaam van het kind").fill("Lotte")
    page.get_by_label("Geboortedatum van het kind").fill("2016-09-03")
    page.get_by_role("button", name="Uitnodiging versturen").click()

    # The child's last name was forgotten: said clearly, nothing typed is lost.
    expect(page.get_by_text("Vul dit in voor een kind.")).to_be_visible()
    expect(child_fields).to_be_visible()
    expect(page.get_by_label("Voornaam van het kind")).to_have_value("Lotte")
    assert_accessible(page)
    assert mailoutbox == []

    page.get_by_label("Achternaam van het kind").fill("Visser")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Uitnodiging verstuurd naar marco.visser@praktijk.test"
    )
    expect(page.get_by_role("cell", name="vader van Lotte")).to_be_visible()
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+(/uitnodiging/\S+/)", mailoutbox[0].body).group(1)

    page.get_by_role("button", name=coach_a.first_name).click()
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(path_is("/"))

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Marco")
    page.get_by_label(re.compile(r"^\s*Nieuw wachtwoord\s*\*?\s*$")).fill("lotte-haar-vader-2026")
    page.get_by_label("Nieuw wachtwoord bevestigen").fill("lotte-haar-vader-2026")
    page.get_by_role("button", name="Wachtwoord instellen").click()
    page.wait_for_url(path_is("/account/login/"))
    page.get_by_label("E-mailadres").fill("marco.visser@praktijk.test")
    page.get_by_label("Wachtwoord").fill("lotte-haar-vader-2026")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(path_is("/portaal/"))
    expect(page.get_by_text("Je handelt namens Lotte.")).to_be_visible()

    page_log.assert_stayed_local()
