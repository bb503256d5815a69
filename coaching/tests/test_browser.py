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
    axe_violations,
    enter_authenticator_code,
    fresh_totp_code,
    log_in_as,
    log_in_with_password,
    path_is,
    totp_secret_of,
    violations_report,
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
    from coaching.services.accounts import Invitee, guardian_invite

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


# --- Accessibility of every main page, per role ---------------------------------------------------
#
# One tour per role (and width): the practice of the demo (`manage.py seed_demo`: trajects in
# every phase, dossiers, appointments, a Backstage group halfway, evaluations, an invoice) plus
# what it lacks (e-mail coaching with Eva, a quote, an open invitation, a failed e-mail), logged in
# once and every page checked with axe. All that is found on the way is reported at the end.


@dataclass(frozen=True)
class A11yTour:
    persona: str | None  # a demo account (DemoWorld.users); None: a visitor
    pages: tuple[str, ...]  # names in DemoWorld.paths
    # A phone's viewport width (CSS px; 0: a desktop's): the menu is opened (and checked) on the
    # first page, and no page may scroll sideways.
    phone: int = 0
    dark: bool = False  # a browser that prefers a dark colour scheme (the Django admin follows it)


@dataclass
class DemoWorld:
    users: dict
    paths: dict[str, str]
    # Where a page lands by design, per persona: the portal's messages go straight to the only
    # conversation.
    lands_on: dict[tuple[str | None, str], str]


PUBLIC_PAGES = (
    "home",
    "way-of-working",
    "backstage",
    "tariffs",
    "contact",
    "kennismaking",
    "kennismaking-thanks",
    "evaluation-fill",
    "invitation-accept",
    "quote-request",
    "quote-request-thanks",
)
COACH_PAGES = (
    "coach-today",
    "client-list",
    "client-detail-child",
    "client-detail-adult",
    "client-new",
    "client-edit",
    "guardian-new",
    "third-party-new",
    "consent-new",
    "traject-standard",
    "traject-email",
    "traject-new",
    "traject-step",
    "intake-edit",
    "entry-new",
    "calendar-week",
    "appointment-new",
    "appointment-detail",
    "availability",
    "group-list",
    "group-new",
    "group-detail",
    "meeting-detail",
    "invitations",
    "invoice-list",
    "invoice-new",
    "invoice-detail",
    "quote-new",
    "quote-detail",
    "quote-request-detail",
    "message-statistics",
    "client-log",
    "client-erase",
)
PORTAL_PAGES = (
    "portal-home",
    "portal-appointments",
    "portal-book",
    "portal-messages",
    "portal-groups",
    "portal-evaluations",
    "portal-consents",
    "portal-invoices",
    "portal-privacy",
    "account-email",
    "account-password",
)
GUARDIAN_PAGES = (
    "portal-home",
    "portal-appointments",
    "portal-book-child",
    "portal-message-list",
    "portal-evaluations",
    "portal-consents",
    "portal-invoices",
    "portal-privacy",
)
ADMIN_PAGES = (
    "admin-status",
    "admin-index",
    "admin-tariffs",
    "admin-tariff-current",
    "admin-tariff-future",
    "admin-tariff-add",
    "admin-clients",
    "admin-client",
    "admin-sends",
    "admin-send",
    "admin-users",
    "admin-user",
    "admin-appointments",
    "admin-invoices",
    "admin-invoice",
    "admin-groups",
    "admin-group",
    "admin-questionnaire",
    "admin-retention",
    "invitations",
    "invoice-list",
)
A11Y_TOURS = {
    "visitor": A11yTour(None, PUBLIC_PAGES),
    # The narrowest phone, the width of WCAG's reflow criterion (1.4.10).
    "visitor-phone": A11yTour(None, PUBLIC_PAGES[:6], phone=320),
    "coach": A11yTour("coach", COACH_PAGES),
    # A coach between two appointments, on the narrowest phone: her day, the week, a client, a
    # traject, an appointment, a group.
    "coach-phone": A11yTour(
        "coach",
        (
            "coach-today",
            "calendar-week",
            "client-detail-child",
            "traject-standard",
            "appointment-detail",
            "group-detail",
        ),
        phone=320,
    ),
    "coachee": A11yTour("coachee", PORTAL_PAGES),
    "coachee-phone": A11yTour("coachee", PORTAL_PAGES, phone=PHONE["width"]),
    "guardian": A11yTour("guardian", GUARDIAN_PAGES),
    "guardian-phone": A11yTour("guardian", GUARDIAN_PAGES, phone=PHONE["width"]),
    "admin": A11yTour("admin", ADMIN_PAGES),
    # The admin's dark theme: the same templates, other colours; one page of each kind.
    "admin-dark": A11yTour(
        "admin",
        ("admin-index", "admin-tariffs", "admin-tariff-future", "admin-client", "admin-sends"),
        dark=True,
    ),
}


@pytest.fixture
def demo_world(transactional_db) -> DemoWorld:
    """The demo practice, and what a page needs that the demo does not make."""
    import io
    from decimal import Decimal

    from django.core.management import call_command
    from django.urls import reverse

    from billing.models import Invoice, QuoteRequest
    from billing.services.invoicing import quote_create
    from coaching.models import Client, Send, Tariff, User
    from coaching.services.accounts import Invitee, guardian_invite, invitation_tokens
    from coaching.tests.factories import give_totp
    from groups.models import BackstageGroup
    from privacy.models import RetentionPeriod
    from sessions.models import Appointment, SessionType
    from trajects.default_questionnaires import create_defaults
    from trajects.demo import demo_messages
    from trajects.models import Evaluation, Question, Questionnaire, Traject
    from trajects.services.evaluations import token_for

    # Made by migrations; emptied by the flush of the test before.
    create_defaults(Questionnaire, Question)
    for kind, years in RetentionPeriod.DEFAULT_YEARS.items():
        RetentionPeriod.objects.get_or_create(kind=kind, defaults={"years": years})
    call_command("seed_demo", stdout=io.StringIO())
    users = {
        "coach": User.objects.get(email="coach@praktijk.example"),
        "coachee": User.objects.get(email="coachee@praktijk.example"),
        "guardian": User.objects.get(email="ouder@praktijk.example"),
        "admin": User.objects.get(email="beheer@praktijk.example"),
    }
    for user in users.values():
        user.set_password(TEST_PASSWORD)
        user.save(update_fields=["password"])
    give_totp(users["coach"])
    give_totp(users["admin"])
    anna = users["coach"]
    eva = Client.objects.get(account=users["coachee"])
    lotte = Client.objects.get(guardians__account=users["guardian"])

    invoice = Invoice.objects.get(client=eva)
    quote_request = QuoteRequest.objects.get(coach=anna)  # the demo's, from the website
    quote = quote_create(
        coach=anna,
        organisation_name="Ziekenhuis Oost",
        contact_person="P. de Wit",
        group_size=5,
        meetings=8,
        wishes="Een extra terugkombijeenkomst",
        wishes_price=Decimal("250"),
    )
    # E-mail coaching between Anna and Eva, with a message that waits for an answer.
    email = Traject.objects.create(
        client=eva, kind="email", title="Vragen tussendoor", registered_on=date(2026, 1, 5)
    )
    demo_messages(email, anna)
    invitation = guardian_invite(
        coach=anna,
        invitee=Invitee("ouder-uitgenodigd@praktijk.test", "Kim", "Smit"),
        relation="mother",
        child_first_name="Noah",
        child_last_name="Smit",
        child_date_of_birth=date(2017, 5, 3),
    )
    Send.objects.create(
        subject="appointment:999",
        kind="reminder_24h",
        status=Send.Status.FAILED,
        attempts=3,
        error="SMTP 550: mailbox unavailable",
    )
    standard = eva.trajects.get(kind="standard")
    session = SessionType.objects.get(kind="session")
    waiting = Evaluation.objects.filter(traject=standard, completed_at=None).first()
    group = BackstageGroup.objects.get(coach=anna)
    kennismaking = Traject.objects.get(client__first_name="Fatima")
    closed = Client.objects.get(first_name="Kees")
    appointment = Appointment.objects.filter(coach=anna, traject=lotte.trajects.get()).first()
    today = Tariff.objects.valid_on(date.today()).order_by("pk")
    future = Tariff.objects.filter(valid_from__gt=date.today()).get()
    questionnaire = Questionnaire.objects.filter(kind="interim").first()

    def admin(model, *args):
        return reverse(f"admin:{model}", args=args)

    paths = {
        "home": "/",
        "way-of-working": reverse("way_of_working"),
        "backstage": reverse("backstage_info"),
        "tariffs": reverse("tariffs"),
        "contact": reverse("contact"),
        "kennismaking": reverse("kennismaking"),
        "kennismaking-thanks": reverse("kennismaking_thanks"),
        "evaluation-fill": reverse("evaluation_fill", args=[waiting.uuid, token_for(waiting)]),
        "invitation-accept": reverse(
            "invitation_accept",
            args=[invitation.uuid, invitation_tokens.make_token(invitation.user)],
        ),
        "coach-today": reverse("coach_dashboard"),
        "client-list": reverse("client_list"),
        "client-detail-child": reverse("client_detail", args=[lotte.uuid]),
        "client-detail-adult": reverse("client_detail", args=[eva.uuid]),
        "client-new": reverse("client_create"),
        "client-edit": reverse("client_edit", args=[lotte.uuid]),
        "guardian-new": reverse("guardian_create", args=[lotte.uuid]),
        "third-party-new": reverse("third_party_create", args=[lotte.uuid]),
        "consent-new": reverse("consent_create", args=[lotte.uuid]),
        "traject-standard": reverse("traject_detail", args=[standard.uuid]),
        "traject-email": reverse("traject_detail", args=[email.uuid]),
        "traject-new": reverse("traject_new", args=[eva.uuid]),
        "traject-step": reverse("traject_step", args=[kennismaking.uuid, "record_kennismaking"]),
        "intake-edit": reverse("intake_edit", args=[standard.uuid]),
        "entry-new": reverse("entry_new", args=[standard.uuid]),
        "calendar-week": reverse("calendar_week"),
        "appointment-new": reverse("appointment_new"),
        "appointment-detail": reverse("appointment_detail", args=[appointment.uuid]),
        "availability": reverse("availability"),
        "group-list": reverse("group_list"),
        "group-new": reverse("group_new"),
        "group-detail": reverse("group_detail", args=[group.uuid]),
        "meeting-detail": reverse("meeting_detail", args=[group.meetings.get(number=4).uuid]),
        "invitations": reverse("invitations"),
        "invoice-list": reverse("invoice_list"),
        "invoice-new": reverse("invoice_new"),
        "invoice-detail": reverse("invoice_detail", args=[invoice.uuid]),
        "quote-new": reverse("quote_new"),
        "quote-detail": reverse("quote_detail", args=[quote.uuid]),
        "quote-request": reverse("quote_request"),
        "quote-request-thanks": reverse("quote_request_thanks"),
        "quote-request-detail": reverse("quote_request_detail", args=[quote_request.uuid]),
        "message-statistics": reverse("message_statistics"),
        "client-log": reverse("client_log", args=[lotte.uuid]),
        "client-erase": reverse("client_erase", args=[closed.uuid]),
        "portal-home": reverse("portal_home"),
        "portal-appointments": reverse("portal_appointments"),
        "portal-book": reverse("portal_book", args=[standard.uuid, session.pk]),
        "portal-book-child": reverse("portal_book", args=[lotte.trajects.get().uuid, session.pk]),
        "portal-messages": reverse("portal_messages"),
        "portal-message-list": reverse("portal_messages"),
        "portal-groups": reverse("portal_groups"),
        "portal-evaluations": reverse("portal_evaluations"),
        "portal-consents": reverse("portal_consents"),
        "portal-invoices": reverse("portal_invoices"),
        "portal-privacy": reverse("portal_privacy"),
        "account-email": reverse("account_email"),
        "account-password": reverse("account_change_password"),
        "admin-status": reverse("admin_status"),
        "admin-index": admin("index"),
        "admin-tariffs": admin("coaching_tariff_changelist"),
        "admin-tariff-current": admin("coaching_tariff_change", today.first().pk),
        "admin-tariff-future": admin("coaching_tariff_change", future.pk),
        "admin-tariff-add": admin("coaching_tariff_add"),
        "admin-clients": admin("coaching_client_changelist"),
        "admin-client": admin("coaching_client_change", lotte.pk),
        "admin-sends": admin("coaching_send_changelist"),
        "admin-send": admin("coaching_send_change", Send.objects.get(status="failed").pk),
        "admin-users": admin("coaching_user_changelist"),
        "admin-user": admin("coaching_user_change", anna.pk),
        "admin-appointments": admin("agenda_appointment_changelist"),
        "admin-invoices": admin("billing_invoice_changelist"),
        "admin-invoice": admin("billing_invoice_change", invoice.pk),
        "admin-groups": admin("groups_backstagegroup_changelist"),
        "admin-group": admin("groups_backstagegroup_change", group.pk),
        "admin-questionnaire": admin("trajects_questionnaire_change", questionnaire.pk),
        "admin-retention": admin("privacy_retentionperiod_changelist"),
    }
    lands_on = {
        # Eva has one conversation: the list goes straight to it (Marco has none: the list).
        ("coachee", "portal-messages"): reverse("portal_conversation", args=[email.uuid]),
    }
    return DemoWorld(users=users, paths=paths, lands_on=lands_on)


def page_overflow(page: Page) -> list[dict]:
    """WCAG 1.4.10 (reflow), which axe does not check: at phone width nothing makes the whole page
    scroll sideways (a wide table scrolls in its own box). As a violation in axe's form."""
    wide = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= width) return [];
            return [...document.querySelectorAll("body *")]
                .filter((e) => e.getBoundingClientRect().right > width + 1)
                .filter((e) => !e.parentElement.closest(".table-responsive"))
                .slice(0, 3)
                .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                    + (e.classList.length ? "." + [...e.classList].join(".") : ""));
        }"""
    )
    if not wide:
        return []
    return [
        {
            "id": "reflow",
            "impact": "serious",
            "help": "The page must not scroll sideways at phone width",
            "count": len(wide),
            "targets": wide,
            "summary": "Wider than the screen",
        }
    ]


def open_account_menu(page: Page) -> None:
    page.locator("#account-menu").click()
    expect(page.locator("#account-menu + .dropdown-menu.show")).to_be_visible()


def choose_parent(page: Page) -> None:
    page.get_by_label("Een ouder of verzorger").check()
    expect(page.locator("#child-fields")).to_be_visible()


def send_empty(button: str):
    """Send the form as it is (empty): the page comes back with what is missing."""

    def send(page: Page) -> None:
        page.get_by_role("main").get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state()
        shown = page.locator(":is(.invalid-feedback, .alert-danger, [role=alert]):visible")
        expect(shown.first).to_be_visible()

    return send


def pick_first_time(page: Page) -> None:
    """A time "button" (a radio, drawn as a button) chosen: its colours change."""
    page.get_by_role("main").locator("input.btn-check + label").first.click()
    expect(page.get_by_role("main").locator("input.btn-check:checked")).to_have_count(1)


def confirm_erasure(page: Page) -> None:
    """The admin's action "erase the selected clients" asks first (our template)."""
    page.locator("input.action-select").first.check()
    page.locator("select[name=action]").select_option("erase_selected")
    page.locator("#changelist-form button[name=index]").click()
    expect(page.get_by_role("button", name="Ja, definitief wissen")).to_be_visible()


# What a page shows after a click, per persona, checked as well: a menu opened, fields that
# appear, a choice made, a form sent back with its errors. Not at phone width (the same markup;
# the collapsed main menu is checked there).
A11Y_STATES = {
    ("coach", "coach-today"): ("account menu open", open_account_menu),
    ("coach", "invitations"): ("a parent's fields", choose_parent),
    ("coach", "client-new"): ("sent empty", send_empty("Inschrijven")),
    (None, "kennismaking"): ("sent empty", send_empty("Aanvragen")),
    (None, "evaluation-fill"): ("sent empty", send_empty("Versturen")),
    ("coachee", "portal-book"): ("a time chosen", pick_first_time),
    ("coachee", "portal-messages"): ("sent empty", send_empty("Versturen")),
    ("admin", "admin-clients"): ("erase confirmation", confirm_erasure),
}


@pytest.mark.parametrize("tour", list(A11Y_TOURS.values()), ids=list(A11Y_TOURS))
def test_every_page_is_accessible(page: Page, page_log: PageLog, demo_world, tour: A11yTour):
    # Without Bootstrap's transitions (its styles honour this): axe sees the colours a click
    # ends in, not halfway there.
    page.emulate_media(reduced_motion="reduce", color_scheme="dark" if tour.dark else "light")
    if tour.phone:
        page.set_viewport_size({"width": tour.phone, "height": PHONE["height"]})
    if tour.persona:
        log_in_as(page, demo_world.users[tour.persona])
    found = []
    for number, name in enumerate(tour.pages):
        path = demo_world.paths[name]
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{name}: {path}"
        landing = demo_world.lands_on.get((tour.persona, name), path)
        assert path_is(landing)(page.url), f"{name}: expected {landing}, landed on {page.url}"
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        checks = [("", axe_violations(page))]
        if tour.phone:
            checks.append((" (reflow)", page_overflow(page)))
        if tour.phone and number == 0:
            toggler = page.locator(".navbar-toggler")
            toggler.click()
            expect(page.locator("#main-nav.collapse.show")).to_be_visible()
            checks.append((" (menu open)", axe_violations(page)))
        if (tour.persona, name) in A11Y_STATES and not tour.phone:
            state, act = A11Y_STATES[tour.persona, name]
            act(page)
            checks.append((f" ({state})", axe_violations(page)))
        found += [(f"{name}{where}: {path}", v) for where, v in checks if v]
    report = "\n".join(f"{where}\n{violations_report(v)}" for where, v in found)
    assert not found, f"accessibility violations on {len(found)} page(s):\n{report}"
    page_log.assert_stayed_local()


# --- Journeys -------------------------------------------------------------------------------------


def test_coach_invites_a_parent_who_then_acts_for_the_child(
    page: Page, page_log: PageLog, coach_a, mailoutbox
):
    log_in_as(page, coach_a)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("button", name="Meer").click()  # not used every day: under "Meer"
    menu.get_by_role("link", name="Uitnodigingen").click()
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
    # Parental authority is asked, with no answer given in advance.
    authority = page.get_by_role("group", name="ouderlijk gezag")
    expect(authority.get_by_role("radio", name="Ja")).not_to_be_checked()
    authority.get_by_role("radio", name="Ja").check()
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
