"""The demo is what the README promises.

The README's table of demo accounts (### Demo accounts) is read here, row by row: each account
exists and logs in with the password the README gives, is who the first column says (a coach,
an adult coachee, a father of a child of that age, the practice admin), and each claim of the
last column (split at ";") holds in the database `seed_demo` made, as the first `make run` on a
fresh machine leaves it; a second start changes nothing. A claim that no check below
understands fails the test: a new promise in the README needs a check here, and a demo that
stops keeping one fails its check."""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from coaching.management.commands.seed_demo import DEMO_ACCOUNTS
from coaching.models import Client, Guardian, Role, Tariff, User

README = Path(__file__).resolve().parents[2] / "README.md"
NUMBERS = {
    word: n
    for n, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
}


def number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text.lower()]


def demo_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Demo accounts")
    return text[start : text.index("\n#", start + 1)]


@dataclass(frozen=True)
class Row:
    who: str
    email: str
    claims: tuple[str, ...]


def demo_rows() -> list[Row]:
    """The table's rows (its header and the line under it left out)."""
    rows = []
    for line in demo_section().splitlines():
        if not line.startswith("|"):
            continue
        who, email, what = (cell.strip() for cell in line.strip().strip("|").split("|"))
        if who == "who" or set(who) <= {"-", ":"}:
            continue
        claims = tuple(claim.strip() for claim in what.split(";") if claim.strip())
        rows.append(Row(who=who, email=email.strip("`"), claims=claims))
    return rows


def demo_password() -> str:
    found = re.search(r"password \*\*`([^`]+)`\*\*", demo_section())
    assert found, "The README no longer says the demo accounts' password"
    return found[1]


ROWS = demo_rows()


# --- The seeded practice ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The demo as the first `make run` leaves it, built once for the module and rolled back at
    its end."""
    from privacy.models import RetentionPeriod
    from trajects.default_questionnaires import create_defaults
    from trajects.models import Question, Questionnaire

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        # Made by migrations; a transactional test elsewhere may have emptied them.
        create_defaults(Questionnaire, Question)
        for kind, years in RetentionPeriod.DEFAULT_YEARS.items():
            RetentionPeriod.objects.get_or_create(kind=kind, defaults={"years": years})
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_once, db, settings):
    # As `make run` serves the demo: without a second factor.
    settings.PRAKTIJK_REQUIRE_MFA = False


@dataclass
class Seen:
    """One claim's account, and the pages as that account sees them."""

    user: User
    http: HttpClient

    def page(self, name: str, *args) -> str:
        response = self.http.get(reverse(name, args=args))
        assert response.status_code == 200, (name, response.status_code)
        return response.content.decode()


def as_user(email: str) -> Seen:
    user = User.objects.get(email=email)
    http = HttpClient()
    http.force_login(user)
    return Seen(user=user, http=http)


# --- What the first column says of the account -------------------------------------------------

WHO: list[tuple[re.Pattern, Callable]] = []
CLAIMS: list[tuple[re.Pattern, Callable]] = []


def who(pattern: str):
    def register(check: Callable) -> Callable:
        WHO.append((re.compile(pattern), check))
        return check

    return register


def claim(pattern: str):
    def register(check: Callable) -> Callable:
        CLAIMS.append((re.compile(pattern), check))
        return check

    return register


def named(user: User, name: str) -> None:
    assert user.get_full_name() == name, (user.get_full_name(), name)


@who(r"coach (?P<name>.+)")
def is_coach(seen: Seen, name: str) -> None:
    named(seen.user, name)
    assert seen.user.role == Role.COACH and hasattr(seen.user, "coach_profile")
    assert seen.page("coach_dashboard")


@who(r"coachee (?P<name>.+) \(adult\)")
def is_adult_coachee(seen: Seen, name: str) -> None:
    named(seen.user, name)
    assert seen.user.role == Role.CLIENT
    assert Client.objects.get(account=seen.user).age >= 18


@who(r"(?P<name>.+), (?P<relation>father|mother) of (?P<child>\S+) \((?P<age>\d+)\)")
def is_parent(seen: Seen, name: str, relation: str, child: str, age: str) -> None:
    named(seen.user, name)
    assert seen.user.role == Role.CLIENT
    guardian = Guardian.objects.select_related("client").get(account=seen.user)
    assert guardian.relation == relation
    assert guardian.client.first_name == child
    assert guardian.client.age == int(age)


@who(r"practice admin (?P<name>.+)")
def is_admin(seen: Seen, name: str) -> None:
    named(seen.user, name)
    assert seen.user.role == Role.ADMIN and seen.user.is_staff


# --- What the last column promises ---------------------------------------------------------------


@claim(
    r"coach pages: (?P<count>\w+) clients with trajects in every phase, "
    r"among them (?P<names>.+)"
)
def clients_in_every_phase(seen: Seen, count: str, names: str) -> None:
    from trajects.models import Traject

    mine = Client.objects.for_coach(seen.user).filter(trajects__isnull=False).distinct()
    assert mine.count() == number(count)
    phases = set(Traject.objects.filter(client__coach=seen.user).values_list("status", flat=True))
    assert phases == set(Traject.Status.values), set(Traject.Status.values) - phases
    listed = seen.page("client_list")
    for first_name in re.split(r", | and ", names):
        assert mine.filter(first_name=first_name).exists(), first_name
        assert first_name in listed


@claim(r"coach pages: (?P<count>\w+) e-mail coaching clients?")
def email_coaching_clients(seen: Seen, count: str) -> None:
    mine = Client.objects.for_coach(seen.user)
    assert mine.count() == number(count)
    assert all(client.trajects.filter(kind="email").exists() for client in mine)
    listed = seen.page("client_list")
    assert all(client.first_name in listed for client in mine)


@claim(r"(?:he|she) never sees (?P<other>\S+)'s")
def never_sees_another_coachs(seen: Seen, other: str) -> None:
    theirs = Client.objects.filter(coach__first_name=other)
    assert theirs.exists()
    listed = seen.page("client_list")
    for client in theirs:
        assert str(client) not in listed
        assert seen.http.get(reverse("client_detail", args=[client.uuid])).status_code == 404


@claim(r"a calendar with working hours and appointments")
def calendar(seen: Seen) -> None:
    from sessions.models import Appointment, WorkingHours

    assert WorkingHours.objects.filter(coach=seen.user).exists()
    upcoming = Appointment.objects.filter(coach=seen.user, start__gte=timezone.now())
    assert upcoming.filter(traject__isnull=False).exists()
    assert seen.page("calendar_week")


@claim(r"a sent invoice for (?P<name>\S+)'s sessions")
def sent_invoice(seen: Seen, name: str) -> None:
    """Made and sent by the invoicing service: numbered without a gap, every line claiming one
    of the client's held sessions, every held session of its period on it, its e-mail in the
    outbox; on the coach's list, and in the client's portal."""
    from billing.models import Claim, Invoice, InvoiceCounter
    from coaching.models import Send
    from sessions.models import Appointment

    client = Client.objects.get(coach=seen.user, first_name=name)
    invoice = Invoice.objects.get(coach=seen.user, client=client)
    assert invoice.status == Invoice.Status.SENT and invoice.supplier
    sent = Invoice.objects.filter(year=invoice.year).values_list("sequence", flat=True)
    last = InvoiceCounter.objects.get(year=invoice.year).last
    assert sorted(sent) == list(range(1, last + 1))
    held = Appointment.objects.filter(
        traject__client=client,
        kind="session",
        status=Appointment.Status.COMPLETED,
        start__date__range=(invoice.period_start, invoice.period_end),
    )
    assert held.exists()
    claimed = set(Claim.objects.filter(line__invoice=invoice).values_list("key", flat=True))
    assert claimed == {f"appointment:{appointment.uuid}" for appointment in held}
    assert invoice.lines.count() == len(claimed)
    assert Send.objects.filter(subject=f"invoice:{invoice.pk}", kind="invoice").exists()
    listed = seen.page("invoice_list")
    assert invoice.number in listed and "Nog geen facturen" not in listed
    portal = as_user(client.account.email).page("portal_invoices")
    assert invoice.number in portal


@claim(r"a strippenkaart sold to (?P<name>\w+)")
def strippenkaart_sold(seen: Seen, name: str) -> None:
    """A card sold to the client: on the coach's page of the client, and on their portal."""
    from billing.models import PackagePurchase

    client = Client.objects.get(coach=seen.user, first_name=name)
    card = PackagePurchase.objects.get(client=client)
    assert card.name in seen.page("client_detail", client.uuid)
    assert "sessies over" in as_user(client.account.email).page("portal_home")


@claim(r"a request for a quote from the website on \*Vandaag\*")
def quote_request_on_vandaag(seen: Seen) -> None:
    from billing.models import QuoteRequest

    waiting = QuoteRequest.objects.open().get(coach=seen.user)
    today = seen.page("coach_dashboard")
    assert reverse("quote_request_detail", args=[waiting.uuid]) in today
    assert waiting.organisation_name in seen.page("quote_request_detail", waiting.uuid)


@claim(r"the client portal")
def client_portal(seen: Seen) -> None:
    client = Client.objects.get(account=seen.user)
    assert client.first_name in seen.page("portal_home")


@claim(r"the client portal, acting for (?P<child>\S+)")
def portal_for_a_child(seen: Seen, child: str) -> None:
    assert Client.objects.filter(guardians__account=seen.user, first_name=child).exists()
    assert child in seen.page("portal_home")


@claim(
    r"status page and the admin \(`(?P<path>/[^`]+)`\), with example tariffs and "
    r"(?P<count>\w+) price changes? ahead"
)
def admin_with_tariffs(seen: Seen, path: str, count: str) -> None:
    today = timezone.localdate()
    assert seen.page("admin_status")
    assert seen.http.get(path).status_code == 200
    assert Tariff.objects.valid_on(today).count() > 1
    ahead = Tariff.objects.filter(valid_from__gt=today)
    assert ahead.count() == number(count)
    for tariff in ahead:  # a new price of a tariff that applies today
        assert Tariff.objects.valid_on(today).filter(
            component=tariff.component, unit=tariff.unit, name=tariff.name
        ), tariff
    assert seen.http.get(reverse("admin:coaching_tariff_changelist")).status_code == 200


def check_of(checks: list, text: str) -> tuple[Callable, dict]:
    found = [
        (check, match.groupdict())
        for pattern, check in checks
        if (match := pattern.fullmatch(text))
    ]
    assert found, f"The README promises {text!r}, and no check here understands it: add one."
    assert len(found) == 1, f"More than one check reads {text!r}"
    return found[0]


# --- The tests ------------------------------------------------------------------------------


def test_the_table_lists_every_demo_account_and_only_those():
    assert ROWS, "No demo table in the README"
    assert sorted(row.email for row in ROWS) == sorted(account[0] for account in DEMO_ACCOUNTS)


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[row.email for row in ROWS])
def test_each_account_logs_in_with_the_readme_password(demo, row):
    http = HttpClient()
    response = http.post(
        reverse("account_login"), {"login": row.email, "password": demo_password()}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert http.get(response["Location"]).status_code in (200, 302)
    assert http.session.get("_auth_user_id") == str(User.objects.get(email=row.email).pk)


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[row.email for row in ROWS])
def test_each_account_is_who_the_readme_says(demo, row):
    check, groups = check_of(WHO, row.who)
    check(as_user(row.email), **groups)


CLAIM_CASES = [(row.email, text) for row in ROWS for text in row.claims]


@pytest.mark.django_db
@pytest.mark.parametrize(("email", "text"), CLAIM_CASES, ids=[t for _e, t in CLAIM_CASES])
def test_each_claim_holds(demo, email, text):
    check, groups = check_of(CLAIMS, text)
    check(as_user(email), **groups)


@pytest.mark.django_db
def test_a_second_start_changes_nothing(demo):
    """`make run` seeds at every start: the second adds nothing (so "a sent invoice" and "one
    price change ahead" stay one)."""
    from django.apps import apps

    def counts() -> dict[str, int]:
        return {
            model._meta.label: model._default_manager.count()
            for model in apps.get_models()
            if model._meta.app_label in {"coaching", "trajects", "sessions", "groups", "billing"}
        }

    before = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == before


def test_a_claim_no_check_understands_fails():
    with pytest.raises(AssertionError, match="no check here understands it"):
        check_of(CLAIMS, "a unicorn in the waiting room")
