"""Query budgets: every main page runs the same number of queries for a
practice of 10 clients (S) as for an organisation of 10,000 (L), and no more than its budget.

Each size is seeded once (`bench.seed`, the same practice as `manage.py seed_bench`) inside a
transaction that is rolled back; the pages are opened by the first coach and one of their
clients, the objects picked the same way at both sizes.
"""

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection, transaction
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import plans
from bench.seed import seed
from coaching.models import User
from coaching.tests.factories import AdminFactory, give_totp
from groups.models import BackstageGroup, Meeting
from sessions.models import SessionType
from trajects.models import Traject

pytestmark = pytest.mark.django_db

# The most queries each page may run, whatever the practice's size (what it runs on
# 2 December 2026: a page that needs one more query raises its budget here, with the reason).
BUDGET = {
    # The visit (one UPDATE; on PostgreSQL in the WITH of the next query, one statement); one
    # query that says which of the lists that are empty on most days have rows (e-mails to
    # answer, requests for live sessions, quiet conversations, consents withdrawn or ending,
    # evaluations answered, past appointments without an outcome, quote requests), with the
    # counts of open trajects: each list with rows is one query more (none in the
    # benchmark's practice); the trajects waiting for the coach;
    # today's appointments (+ their meetings' groups and contributors, when there are any);
    # the days ahead (counted per day); drafts of a month over (billing); recent dossiers.
    "coach: Vandaag": 7 if connection.vendor == "postgresql" else 8,
    # The count, a page of clients (with their employers), the phases of their trajects.
    "coach: cliënten": 4,
    # The client (with employer and portal account), the access log's row, the third parties
    # (+ their consents, when there are any), the latest e-mails about the client (the
    # outbox's rows that name them), the guardians, the trajects; and (6 December 2026) the
    # client's strippenkaarten (+ their strips and the invoices they are on, when there are
    # any) and whether a card is on sale (billing.card_pages).
    "coach: cliënt": 9,
    # The traject (with its client, and whether it has messages), the access log's row (one
    # INSERT), the intake's versions, the evaluations (the traject's and the client's scores
    # over time in one; + the answers, when one of the traject's was completed), the steps,
    # the entries with their versions (one query), who opened the dossier, and (6 December
    # 2026) the coaching agreement's acceptances (in the intake phase its preparation: the
    # intake questionnaire and the parents, two more).
    "coach: traject met dossier": 9,
    # As the traject, + the latest messages (+ how many earlier ones, when there are more).
    "coach: e-mailgesprek": 10,
    # The time grid: the appointments (with their client's name or their meeting's number and
    # group, as values), the exceptions (days off), the working hours, and (5 December 2026)
    # the busy times of the coach's own calendars (sessions.feeds), however many.
    "coach: agenda (week)": 5,
    "coach: agenda (dag)": 5,
    # The month: how many appointments each day, the first few of each day (with the names),
    # the days off; no working hours.
    "coach: agenda (maand)": 4,
    # The group, its participants (everyone who took part, with the client), the meetings
    # (with their appointments), the turns, the attendance, the access log's rows (one
    # INSERT), the evaluations after meetings 4 and 8.
    "coach: Backstage-groep": 8,
    # The meeting (with its group and appointment), its turns and last meeting's agreements
    # (one query), the participants with their attendance, the access log's rows (one
    # INSERT), the reminders sent.
    "coach: Backstage-bijeenkomst": 6,
    # The coach's invoices: the count and one page of invoices with their totals.
    "coach: facturen": 3,
    # The traject (with the client, the coach, the coach's profile and booking rules), the
    # session type, the client's upcoming online bookings (counted against the practice's
    # limit), the working hours, the exceptions, the appointments with the busy times of the
    # coach's own calendars (one UNION ALL, however many); + a kennismaking or intake to come, in
    # a traject's phase that offers one (not in the benchmark's running traject); + whether a
    # parent acts for the child (not for the client's own account).
    "cliënt: vrije tijden (boeken)": 7,
    # The home shows what comes next (coaching.portal's sections), for the account's clients
    # (with their coaches): + the next appointment (with its coach's booking rules), + the
    # next Backstage meeting with the turns and agreements (one query), + the evaluations
    # waiting, + the conversations with their unread counts; and (6 December 2026) + the
    # waitlist's offers still to answer, + the trajects in their intake phase (their
    # questionnaire, parents and acceptances three more, when there is one), + the
    # strippenkaarten (+ their strips, when there are any).
    "cliënt: portaal": 9,
    # The conversation (with its client and coach), the access log's row (one INSERT), the
    # latest messages; + for a parent's account, whether it acts for the client; + marking the
    # coach's new messages read, when there are any.
    "cliënt: berichten (inbox)": 4,
    # (6 December 2026) The monthly report, the last twelve months, read again (its months
    # stored, reports.stored): the session (as on every page), the report's transaction (here
    # a savepoint: 2) and, on PostgreSQL, its lock; the triggers' marks applied (none) and the
    # stored months read. The admin's adds the coaches for the filter. (Counted again, a month
    # a write touched costs one aggregate per section and one insert: reports/tests/test_pages.)
    "coach: rapportage": 6 if connection.vendor == "postgresql" else 5,
    "beheer: rapportage (praktijk)": 7 if connection.vendor == "postgresql" else 6,
}


def pages(made: dict) -> dict[str, tuple]:
    """(user, url) per page, for the first coach of the practice."""
    coach = made["coaches"][0]
    if not Authenticator.objects.filter(user=coach).exists():
        give_totp(coach)
    standard = (
        Traject.objects.filter(client__coach=coach, kind="standard", status="lopend")
        .exclude(client__account=None)
        .order_by("client__last_name", "pk")
        .select_related("client__account")
        .first()
    )
    email = (
        Traject.objects.filter(client__coach=coach, kind="email", status="lopend")
        .exclude(client__account=None)
        .order_by("pk")
        .select_related("client__account")
        .first()
    )
    session_type = SessionType.objects.get(name="Coachingsessie")
    group = BackstageGroup.objects.filter(coach=coach).order_by("pk").first()
    # The group's next meeting: the one a coach opens to prepare (turns, attendance to come).
    meeting = (
        Meeting.objects.filter(group=group, appointment__start__gte=timezone.now())
        .order_by("appointment__start")
        .first()
    ) or Meeting.objects.filter(group=group).order_by("-number").first()
    # The practice's admin (the benchmark's practice has none): reads the whole practice.
    admin = User.objects.filter(email="bench-admin@praktijk.test").first() or AdminFactory(
        email="bench-admin@praktijk.test"
    )
    if not Authenticator.objects.filter(user=admin).exists():
        give_totp(admin)
    return {
        "coach: Vandaag": (coach, "/coach/"),
        "coach: cliënten": (coach, "/coach/clienten/"),
        "coach: cliënt": (coach, f"/coach/clienten/{standard.client.uuid}/"),
        "coach: traject met dossier": (coach, f"/coach/trajecten/{standard.uuid}/"),
        "coach: e-mailgesprek": (coach, f"/coach/trajecten/{email.uuid}/"),
        "coach: agenda (week)": (coach, "/coach/agenda/"),
        "coach: agenda (dag)": (coach, "/coach/agenda/?view=day"),
        "coach: agenda (maand)": (coach, "/coach/agenda/?view=month"),
        "coach: Backstage-groep": (coach, f"/coach/groepen/{group.uuid}/"),
        "coach: Backstage-bijeenkomst": (coach, f"/coach/bijeenkomsten/{meeting.uuid}/"),
        "coach: facturen": (coach, "/facturen/"),
        "cliënt: vrije tijden (boeken)": (
            standard.client.account,
            f"/portaal/afspraken/boeken/{standard.uuid}/{session_type.pk}/",
        ),
        "cliënt: portaal": (email.client.account, "/portaal/"),
        "cliënt: berichten (inbox)": (
            email.client.account,
            f"/portaal/berichten/{email.uuid}/",
        ),
        "coach: rapportage": (coach, "/rapportage/"),
        "beheer: rapportage (praktijk)": (admin, "/rapportage/"),
    }


def count_queries(made: dict) -> dict[str, int]:
    counts = {}
    browser = Browser()
    for name, (user, url) in pages(made).items():
        browser.force_login(user)
        browser.get(url)  # warm: the session, the caches
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        counts[name] = len(queries)
    return counts


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    result = {}
    with django_db_blocker.unblock():
        for size in ("S", "L"):
            with transaction.atomic():
                made = seed(size)
                result[size] = count_queries(made)
                if size == "L" and connection.vendor == "postgresql":
                    result["plans"] = plans.compare(made)
                transaction.set_rollback(True)
    return result


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_the_one_plan_of_each_compiled_query_runs_about_as_fast_as_one_made_for_its_values(
    counts,
):
    """The pages' compiled queries are planned once for all values (generic plans). Each,
    at L, runs within twice its custom plan's time and half a millisecond (the fastest of five
    runs of each): a constant passed as a placeholder, which a partial index cannot be used
    for, made Vandaag's first query 20 times slower (0.4 → 8 ms)."""
    compared = counts["plans"]
    assert len(compared) >= 25, len(compared)  # the main pages' compiled SELECTs
    slower = [
        (row["sql"][:90], row["custom"], row["generic"])
        for row in compared
        if row["generic"][1] > 2 * row["custom"][1] + 0.5
    ]
    assert slower == []
    # What it is for: planning, which the custom plans pay on each run.
    assert sum(row["custom"][0] for row in compared) > sum(row["generic"][0] for row in compared)


# Lists that S's practice has no rows of, and the page does not read when empty.
EMPTY_AT_S = {"coach: Vandaag": 1}


def test_every_page_has_a_budget(counts):
    assert set(counts["S"]) == set(BUDGET)


@pytest.mark.parametrize("page", sorted(BUDGET))
def test_the_page_runs_the_same_queries_at_s_and_at_l_within_its_budget(counts, page):
    # Never more at L; fewer at S only where a list S has no rows of is not read at all (a
    # draft invoice on Vandaag).
    assert counts["S"][page] <= counts["L"][page], counts
    assert counts["L"][page] - counts["S"][page] <= EMPTY_AT_S.get(page, 0), counts
    assert counts["L"][page] <= BUDGET[page], counts
