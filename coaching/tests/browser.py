"""Browser-test support: Debian's Chromium through Playwright (sync API) against the live
server, as a pytest plugin (loaded from the root conftest.py) with the fixtures `browser`,
`page` and `page_log`, and helpers to log in, check a page stays local and run axe-core.

Without Chromium every test that uses a page is skipped with a notice, unless E2E=required, in
which case it fails. Set CHROMIUM_PATH to use another Chromium binary.
"""

import base64
import hashlib
import hmac
import os
import shutil
import struct
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.core.signals import request_finished, request_started
from django.test.client import AsyncClientHandler, ClientHandler
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    expect,
    sync_playwright,
)

from coaching.tests.factories import TEST_PASSWORD

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
# axe-core, only for the tests (see assets/README.md): the WCAG 2.0, 2.1 and 2.2 A and AA rules.
AXE_PATH = Path(__file__).parent / "assets" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


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


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Skips (or, with E2E=required, fails) before the live server or database is set up."""
    path = find_chromium()
    if path is None:
        if os.environ.get("E2E") == "required":
            pytest.fail(NOT_FOUND.replace("skipped", "required (E2E=required)"), pytrace=False)
        pytest.skip(NOT_FOUND)
    return path


@pytest.fixture(scope="module")
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


def _new_page(browser: Browser, live_server, log: PageLog) -> tuple[Page, BrowserContext]:
    # An English browser: the site must still start in Dutch.
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("request", log.on_request)
    page.on("console", log.on_console)
    return page, context


class _Requests:
    """How many requests the live server's threads are handling, from Django's own signals
    (request_finished is sent when the response is closed, after everything the request
    wrote). The test client's requests, in the test's own thread, are not counted."""

    def __init__(self) -> None:
        self.running = 0
        self.changed = threading.Condition()

    @staticmethod
    def _served(handler: type | None) -> bool:
        # (None: a response closed outside any handler.)
        return handler is not None and not issubclass(handler, (ClientHandler, AsyncClientHandler))

    def started(self, sender, **kwargs) -> None:
        if not self._served(sender):
            return
        with self.changed:
            self.running += 1

    def finished(self, sender, **kwargs) -> None:
        if not self._served(sender):
            return
        with self.changed:
            self.running -= 1
            self.changed.notify_all()

    def wait_until_none_runs(self, seconds: float) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: self.running <= 0, timeout=seconds):
                raise AssertionError(f"{self.running} request(s) still running after {seconds} s")


REQUESTS = _Requests()
request_started.connect(REQUESTS.started, dispatch_uid="browser-tests-requests-started")
request_finished.connect(REQUESTS.finished, dispatch_uid="browser-tests-requests-finished")


@pytest.fixture
def page(browser: Browser, live_server, transactional_db, page_log: PageLog) -> Iterator[Page]:
    page, context = _new_page(browser, live_server, page_log)
    yield page
    context.close()
    # A closed browser leaves the server to finish what it was asked last (a page, a file):
    # the database is emptied after this (TRUNCATE) only once no request holds a table, or the
    # two would deadlock.
    REQUESTS.wait_until_none_runs(TIMEOUT_MS / 1000)


@pytest.fixture
def other_page(browser: Browser, live_server, page) -> Iterator[tuple[Page, PageLog]]:
    """A second person at another computer, in a browser context of their own."""
    log = PageLog(origin=live_server.url)
    other, context = _new_page(browser, live_server, log)
    yield other, log
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


AXE_RUN = """async ({tags, disabled}) => {
    const rules = Object.fromEntries(disabled.map((id) => [id, {enabled: false}]));
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"],
    });
    return results.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
        targets: v.nodes.slice(0, 3).map((node) => node.target.join(" ")),
        summary: v.nodes[0].failureSummary,
    }));
}"""


def axe_violations(page: Page, disabled_rules: tuple[str, ...] = ()) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now (see assert_accessible)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    return page.evaluate(AXE_RUN, {"tags": AXE_TAGS, "disabled": list(disabled_rules)})


def violations_report(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; {v['count']} element(s), first: "
        f"{' | '.join(v['targets'])}\n{textwrap.indent(v['summary'], '    ')}"
        for v in violations
    )


def assert_accessible(page: Page, disabled_rules: tuple[str, ...] = ()) -> None:
    """Runs axe-core's WCAG 2.2 A/AA rules on the page as it is now; fails with what it found.

    The site's Content-Security-Policy (script-src 'self' + nonce) blocks page.add_script_tag, which
    inserts an inline <script> (and that would also log a CSP error in the console). page.evaluate
    runs through the DevTools protocol, which CSP does not govern, so axe is defined that way. The
    page itself keeps its CSP (no bypass_csp): it is checked exactly as visitors get it.
    disabled_rules: axe rule ids to skip on this page only (axe refuses unknown ids).
    """
    # A control just clicked or hovered changes colour over a CSS transition (Bootstrap's .btn):
    # measured halfway, its contrast is neither the old nor the new one. Wait for it to end.
    page.evaluate(
        """() => Promise.all(document.getAnimations()
            .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity)
            .map((a) => a.finished.catch(() => null)))"""
    )
    violations = axe_violations(page, disabled_rules)
    assert not violations, (
        f"accessibility violations on {page.url}:\n{violations_report(violations)}"
    )


# --- Tests ----------------------------------------------------------------------------------------


def log_in_as(page: Page, user) -> None:
    """Password, then (when the account has one) the code from the authenticator app."""
    log_in_with_password(page, user.email)
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        enter_authenticator_code(page, totp_secret_of(user))
    page.wait_for_url(
        lambda url: urlsplit(url).path not in ("/account/login/", "/account/2fa/authenticate/")
    )


# --- Looks ----------------------------------------------------------------------------------------

# Where the browser tests leave screenshots for a person to look at: printed
# by look_at, so the test output names them. SCREENSHOTS_DIR moves them.
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOTS_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots")
)
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}


def no_sideways_scroll(page: Page) -> None:
    """Nothing on the page is wider than the window (a phone never scrolls sideways)."""
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls {overflow} px sideways at {page.viewport_size}"


def look_at(
    page: Page, name: str, *, widths=(LAPTOP, PHONE), accessible: bool = True
) -> list[Path]:
    """The page at a laptop's width and a phone's: a full-page screenshot of each under
    var/screenshots/ (the paths are printed), no sideways scrolling, and (unless told) axe-core's
    0 violations at each width. The window is a laptop's again afterwards."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    try:
        for size in widths:
            page.set_viewport_size(size)
            no_sideways_scroll(page)
            if accessible:
                assert_accessible(page)
            path = SCREENSHOTS / f"{name}-{size['width']}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot: {path}")  # noqa: T201 - the test output names the screenshots
            paths.append(path)
    finally:
        page.set_viewport_size(LAPTOP)
    return paths
