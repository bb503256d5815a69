"""The frame around every page: the menu on a laptop and on a phone, tap
targets on a phone, no sideways scrolling, and screenshots of the main pages for a person to look
at (var/screenshots/, named in the test output).

Per kind of user, in the demo practice (coaching/tests/test_browser.py's `demo_world`): a coach, an
adult coachee, a parent of two children, the practice admin, and the practice owner who is coach
and admin at once.
"""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from coaching.tests.browser import (
    LAPTOP,
    PHONE,
    SCREENSHOTS,
    PageLog,
    log_in_as,
    look_at,
    path_is,
)
from coaching.tests.test_browser import DemoWorld, demo_world  # noqa: F401 - the fixture


@pytest.fixture
def world(request) -> DemoWorld:
    """The demo practice of the accessibility tour (its fixture `demo_world`)."""
    return request.getfixturevalue("demo_world")


# What each kind of user finds in the menu: in the bar, and under "Meer" (not used every day).
MENUS = {
    "coach": (
        ["Vandaag", "Cliënten", "Agenda", "Groepen", "Facturen", "Meer"],
        ["Wachtlijst", "Antwoordtijden", "Rapportage", "Uitnodigingen"],
    ),
    "coachee": (
        ["Mijn portaal", "Afspraken", "Berichten", "Backstage", "Evaluaties", "Meer"],
        ["Intake en overeenkomst", "Toestemmingen", "Facturen", "Mijn gegevens"],
    ),
    "guardian": (
        ["Mijn portaal", "Afspraken", "Berichten", "Backstage", "Evaluaties", "Meer"],
        ["Intake en overeenkomst", "Toestemmingen", "Facturen", "Mijn gegevens"],
    ),
    "admin": (["Uitnodigingen", "Facturen", "Rapportage", "Status", "Beheer"], []),
    "owner": (
        ["Vandaag", "Cliënten", "Agenda", "Groepen", "Facturen", "Meer"],
        ["Wachtlijst", "Antwoordtijden", "Rapportage", "Uitnodigingen", "Status", "Beheer"],
    ),
}

# The main pages per kind of user (names in DemoWorld.paths).
PAGES = {
    "coach": (
        "coach-today",
        "client-list",
        "client-detail-adult",
        "calendar-week",
        "group-list",
        "group-detail",
        "invoice-list",
        "message-statistics",
        "invitations",
    ),
    "coachee": (
        "portal-home",
        "portal-appointments",
        "portal-messages",
        "portal-groups",
        "portal-evaluations",
        "portal-consents",
        "portal-invoices",
        "portal-privacy",
    ),
    "guardian": ("portal-home", "portal-appointments", "portal-evaluations", "portal-consents"),
    "admin": ("admin-status", "invitations", "invoice-list"),
    "owner": ("coach-today", "admin-status"),
}
# The Django admin has its own look (and its own narrow layout): looked at, without the tap-target
# check (its compact widgets are Django's), but still no sideways scrolling and axe at both widths.
DJANGO_ADMIN_PAGES = ("admin-index", "admin-clients", "admin-client", "admin-sends")

MIN_TARGET = 44  # CSS px, WCAG 2.5.5 (enhanced); axe only checks 2.5.8's 24 px

# Everything that is tapped or typed into, outside running text, that is smaller than MIN_TARGET.
# A link is in running text when its block holds more text than the link (2.5.5's "inline"
# exception); a checkbox or radio is tapped through its label, so the two together count.
SMALL_TARGETS = """([min, root]) => {
    const INTERACTIVE = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
        + "[role=button], [tabindex]:not([tabindex='-1'])";
    const CONTROLS = ".btn, .nav-link, .dropdown-item, .list-group-item, .page-link, "
        + ".navbar-brand, .navbar-toggler";
    const blockOf = (e) => {
        let b = e.parentElement;
        while (b && getComputedStyle(b).display.startsWith("inline")) b = b.parentElement;
        return b;
    };
    const inRunningText = (e) => {
        if (e.tagName !== "A" || e.matches(CONTROLS)) return false;
        if (!getComputedStyle(e).display.startsWith("inline")) return false;
        const block = blockOf(e);
        return block && block.innerText.trim().length > e.innerText.trim().length;
    };
    const shown = (e) => {
        const style = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        return r.width > 1 && r.height > 1 && style.visibility !== "hidden"
            && style.pointerEvents !== "none" && !e.closest(".visually-hidden-focusable");
    };
    const box = (e) => {
        const rects = [e.getBoundingClientRect()];
        if (e.matches("input[type=checkbox], input[type=radio]") && e.labels) {
            rects.push(...[...e.labels].map((l) => l.getBoundingClientRect()));
        }
        const top = Math.min(...rects.map((r) => r.top));
        const left = Math.min(...rects.map((r) => r.left));
        return {
            width: Math.max(...rects.map((r) => r.right)) - left,
            height: Math.max(...rects.map((r) => r.bottom)) - top,
        };
    };
    const tag = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
        + (e.classList.length ? "." + [...e.classList].join(".") : "");
    const name = (e) => `${tag(e.parentElement)} > ${tag(e)}`
        + ` "${(e.innerText || e.value || e.ariaLabel || "").trim().slice(0, 30)}"`;
    return [...document.querySelector(root).querySelectorAll(INTERACTIVE)]
        .filter((e) => shown(e) && !inRunningText(e))
        .map((e) => [e, box(e)])
        .filter(([, b]) => b.width < min - 0.5 || b.height < min - 0.5)
        .map(([e, b]) => `${name(e)}: ${Math.round(b.width)} x ${Math.round(b.height)}`);
}"""

# The menu's rows: each list of the menu is as high as its highest item (nothing wrapped onto a
# second line), and the two lists (pages; language and account) sit side by side.
MENU_ROWS = """() => {
    const menu = document.querySelector("#main-nav");
    const lists = [...menu.querySelectorAll(":scope > .navbar-nav")];
    const items = lists.flatMap((ul) => [...ul.children]);
    const highest = Math.max(...items.map((li) => li.getBoundingClientRect().height));
    const pages = [...lists[0].children].map((li) => li.getBoundingClientRect());
    return {
        menu: menu.getBoundingClientRect().height,
        lists: lists.map((ul) => ul.getBoundingClientRect().height),
        highest,
        tops: [...new Set(pages.map((r) => Math.round(r.top)))],
        links: [...menu.querySelectorAll(".nav-link")].filter((a) => a.offsetParent)
            .map((a) => [a.innerText.trim(), Math.round(a.getBoundingClientRect().height)]),
    };
}"""


def user_of(world: DemoWorld, persona: str):
    """The demo's account for the persona; the owner is the demo's coach, made admin too."""
    if persona != "owner":
        return world.users[persona]
    owner = world.users["coach"]
    owner.is_staff = owner.is_superuser = True
    owner.save(update_fields=["is_staff", "is_superuser"])
    return owner


def give_marco_a_second_child(world: DemoWorld) -> None:
    from coaching.tests.factories import ClientFactory, GuardianFactory

    marco = world.users["guardian"]
    daan = ClientFactory(
        coach=world.users["coach"],
        first_name="Daan",
        last_name="Ouder",
        date_of_birth=date(2019, 2, 14),
    )
    GuardianFactory(client=daan, account=marco, first_name="Marco", last_name="Ouder")


def small_targets(page: Page, root: str = "body") -> list[str]:
    """The targets under `root` smaller than MIN_TARGET, as "selector "text": width x height"."""
    return page.evaluate(SMALL_TARGETS, [MIN_TARGET, root])


def screenshot(page: Page, name: str) -> None:
    """The window as it is (a menu open), next to look_at's screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")  # noqa: T201 - the test output names the screenshots


def menu(page: Page):
    """The main menu (its name is "Hoofdmenu" in Dutch, "Main menu" in English)."""
    return page.locator("header nav.navbar")


def assert_menu_is_one_row(page: Page) -> None:
    rows = page.evaluate(MENU_ROWS)
    one_line = min(height for _, height in rows["links"])
    assert len(rows["tops"]) == 1, f"the menu's items wrap onto {len(rows['tops'])} rows: {rows}"
    assert all(h == one_line for _, h in rows["links"]), f"a menu item wraps: {rows}"
    assert all(h <= rows["highest"] + 1 for h in rows["lists"]), f"a list wraps: {rows}"
    assert rows["menu"] <= rows["highest"] + 1, f"the lists do not fit side by side: {rows}"


@pytest.mark.parametrize("persona", list(MENUS))
def test_the_menu_is_one_row_on_a_laptop_and_a_list_of_big_targets_on_a_phone(
    page: Page,
    page_log: PageLog,
    world,
    persona,
):
    bar, more = MENUS[persona]
    if persona == "guardian":
        give_marco_a_second_child(world)
    page.set_viewport_size(LAPTOP)
    log_in_as(page, user_of(world, persona))

    # --- Laptop: one row, the daily items in the bar, the rest under "Meer" ------------------
    nav = menu(page)
    expect(page.locator(".navbar-toggler")).to_be_hidden()
    shown = nav.locator("#main-nav > .navbar-nav").first.locator(":scope > li > :is(a, button)")
    expect(shown).to_have_text(bar)
    assert_menu_is_one_row(page)
    if more:
        nav.get_by_role("button", name="Meer").click()
        expect(nav.locator(".nav-more .dropdown-item")).to_have_text(more)
        screenshot(page, f"{persona}-menu-1280")
        page.keyboard.press("Escape")
        expect(nav.locator(".nav-more .dropdown-menu")).to_be_hidden()
    # The language: one button, the other language; the menu stays one row in English too.
    nav.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_menu_is_one_row(page)
    menu(page).get_by_role("button", name="Nederlands", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    # --- Phone: the toggler opens one list, every item (also those under "Meer") 44 px high ---
    page.set_viewport_size(PHONE)
    toggler = page.locator(".navbar-toggler")
    toggler.click()
    expect(page.locator("#main-nav.collapse.show")).to_be_visible()
    items = nav.locator("#main-nav > .navbar-nav").first.locator(
        ".nav-link:visible, .dropdown-item:visible"
    )
    expect(items).to_have_text([name for name in bar if name != "Meer"] + more)
    small = small_targets(page, "header")
    assert small == [], f"targets smaller than {MIN_TARGET} px in the open menu:\n" + "\n".join(
        small
    )
    screenshot(page, f"{persona}-menu-360")
    page.locator("#account-menu").click()
    expect(page.locator("#account-menu + .dropdown-menu")).to_be_visible()
    small = small_targets(page, "header")
    assert small == [], f"targets smaller than {MIN_TARGET} px in the account menu:\n" + "\n".join(
        small
    )
    page_log.assert_stayed_local()


@pytest.mark.parametrize(
    ("persona", "page_name", "within"),
    [
        ("coach", "message-statistics", "Antwoordtijden"),
        ("coach", "invitations", "Uitnodigingen"),
        ("coachee", "portal-consents", "Toestemmingen"),
        ("owner", "admin-status", "Status"),
    ],
)
def test_a_page_under_meer_marks_meer_and_itself_as_current(
    page: Page,
    world,
    persona,
    page_name,
    within,
):
    log_in_as(page, user_of(world, persona))
    page.goto(world.paths[page_name])
    nav = menu(page)
    toggle = nav.get_by_role("button", name="Meer")
    expect(toggle).to_have_attribute("aria-current", "page")
    toggle.click()
    expect(nav.get_by_role("link", name=within, exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    # The pages in the bar are not current; on a page in the bar, "Meer" is not either.
    expect(nav.locator("[aria-current]")).to_have_count(2)
    nav.locator(".nav-link").first.click()
    page.wait_for_load_state()
    expect(nav.get_by_role("button", name="Meer")).not_to_have_attribute("aria-current", "page")
    expect(nav.locator("[aria-current=page]")).to_have_count(1)


@pytest.mark.parametrize("persona", list(PAGES))
def test_the_main_pages_fit_a_phone_with_big_targets_and_look_right(
    page: Page,
    page_log: PageLog,
    world,
    persona,
):
    """No sideways scrolling at 360 and 1280 px, axe 0 violations at both, every target outside
    running text at least 44 x 44 px on the phone, and a screenshot of each for a person to look
    at. All that is wrong is reported at the end, per page."""
    if persona == "guardian":
        give_marco_a_second_child(world)
    page.emulate_media(reduced_motion="reduce")
    log_in_as(page, user_of(world, persona))
    found = []
    for name in PAGES[persona] + (DJANGO_ADMIN_PAGES if persona == "admin" else ()):
        path = world.paths[name]
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{name}: {path}"
        landing = world.lands_on.get((persona, name), path)
        assert path_is(landing)(page.url), f"{name}: expected {landing}, landed on {page.url}"
        if name not in DJANGO_ADMIN_PAGES:
            page.set_viewport_size(PHONE)
            small = small_targets(page)
            if small:
                found.append(
                    f"{name} ({path}): targets under {MIN_TARGET} px:\n  " + "\n  ".join(small)
                )
        try:
            look_at(page, f"{persona}-{name}")
        except AssertionError as error:
            found.append(f"{name} ({path}): {error}")
    assert not found, "\n".join(found)
    page_log.assert_stayed_local()
