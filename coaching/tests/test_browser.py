"""End-to-end tests: a person clicking through Praktijk in headless Chromium (Playwright, sync API).

They run against pytest-django's live server and Debian's system Chromium (never a browser that
Playwright downloads). Without Chromium every test here is skipped with a notice, unless
E2E=required, in which case they fail. Set CHROMIUM_PATH to use another Chromium binary.
"""

import base64
import hashlib
import hmac
import os
import re
import shutil
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect, sync_playwright

from coaching.tests.factories import TEST_PASSWORD, CoachFactory, give_totp

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
NOT_FOUND = (
    "Chromium not found: browser tests skipped; install Debian's chromium or set CHROMIUM_PATH"
)


def find_chromium() -> str | None:
    """CHROMIUM_PATH when set (and only that), else Debian's chromium, else one on the PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if os.path.isfile(configured) and os.access(configured, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 code as an authenticator app shows it (SHA1, 30 s, 6 digits, base32 secret)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(time.time() if at is None else at) // 30
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def fresh_totp_code(secret: str) -> str:
    """A code that stays valid for a few seconds (the server allows no clock tolerance)."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.1)
    return totp_code(secret)


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def chromium_path() -> str:
    """Skips (or, with E2E=required, fails) before the live server or database is set up."""
    path = find_chromium()
    if path is None:
        if os.environ.get("E2E") == "required":
            pytest.fail(NOT_FOUND.replace("skipped", "required (E2E=required)"), pytrace=False)
        pytest.skip(NOT_FOUND)
    return path


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_next_to_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop in the main thread; Django's ORM would refuse."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(chromium_path: str, _allow_orm_next_to_playwright) -> Iterator[Browser]:
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageLog:
    """What the page asked for and complained about, to check it stays on the practice's server."""

    origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def on_console(self, message: ConsoleMessage) -> None:
        # Every console error counts (a CSP violation, a missing file), except the 403 of a page
        # that a test opens on purpose to see it refused.
        if message.type == "error" and "status of 403" not in message.text:
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def assert_stayed_local(self) -> None:
        own = urlsplit(self.origin)
        elsewhere = [
            url
            for url in self.requests
            if not url.startswith("data:")
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]
        assert self.requests, "no requests were recorded"
        assert elsewhere == [], f"requests to another host than {self.origin}"
        assert self.console_errors == [], "errors in the browser console"


@pytest.fixture
def page_log(live_server) -> PageLog:
    return PageLog(origin=live_server.url)


@pytest.fixture
def page(browser: Browser, live_server, transactional_db, page_log: PageLog) -> Iterator[Page]:
    # An English browser: the site must still start in Dutch.
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("request", page_log.on_request)
    page.on("console", page_log.on_console)
    yield page
    context.close()


# --- Helpers --------------------------------------------------------------------------------------


def path_is(path: str, **query: str):
    """A wait_for_url predicate: this path, and these query parameters."""

    def matches(url: str) -> bool:
        parts = urlsplit(url)
        params = parse_qs(parts.query)
        return parts.path == path and all(params.get(k) == [v] for k, v in query.items())

    return matches


def log_in_with_password(page: Page, email: str) -> None:
    if not path_is("/account/login/")(page.url):
        page.goto("/account/login/")
    # Not exact: labels of required fields end in an asterisk ("E-mailadres*").
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()


def enter_authenticator_code(page: Page, secret: str) -> None:
    """The second step: type the code from the authenticator app and press Enter."""
    page.wait_for_url(path_is("/account/2fa/authenticate/"))
    code = page.locator("input[name='code']")
    code.fill(fresh_totp_code(secret))
    code.press("Enter")


def totp_secret_of(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return get_mfa_adapter().decrypt(authenticator.data["secret"])


# --- Tests ----------------------------------------------------------------------------------------


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
