"""What waits for the coach on *Vandaag*, beyond the day itself: the visit
that decides what is new, evaluations answered since the previous visit, consents that end
within 30 days, draft invoices of a month that is over; and the whole page's query count,
the same for a quiet practice as for a busy one."""

from datetime import date, datetime, timedelta
from unittest.mock import patch

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Invoice
from coaching.dashboard import FIRST_VISIT_LOOKS_BACK, SITTING, visit
from coaching.dates import readable
from coaching.models import CoachProfile
from sessions.services.booking import appointment_cancel
from sessions.tests.factories import appointment_for
from sessions.tests.test_vandaag import at, meeting_today, part, shift_clock
from trajects.models import Evaluation, Questionnaire
from trajects.services.evaluations import evaluation_request
from trajects.tests.factories import ConsentFactory, ThirdPartyFactory, running_traject
from trajects.views.dashboard import ENDING_DAYS, SHOWN

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch) -> date:
    day = timezone.localdate()
    shift_clock(monkeypatch, at(day, 11, 30))
    return day


def vandaag(client, coach) -> str:
    client.force_login(coach)
    response = client.get("/coach/")
    assert response.status_code == 200
    return response.content.decode()


def profile_of(coach) -> CoachProfile:
    return CoachProfile.objects.get(user=coach)


class TestTheVisit:
    def test_the_first_visit_looks_a_week_back(self, coach_a):
        now = timezone.now()
        assert visit(profile_of(coach_a), now) == now - FIRST_VISIT_LOOKS_BACK
        profile = profile_of(coach_a)
        assert profile.today_seen_at == now and profile.today_since is None

    def test_within_the_hour_the_same_sitting_after_it_a_new_one(self, coach_a):
        first = timezone.now() - timedelta(hours=5)
        visit(profile_of(coach_a), first)
        second = first + timedelta(hours=2)  # a new sitting: new since the first visit
        assert visit(profile_of(coach_a), second) == first
        # Back within the hour, again and again: still new since the first visit.
        for minutes in (20, 50, 100):
            assert visit(profile_of(coach_a), second + timedelta(minutes=minutes)) == first
        later = second + timedelta(minutes=100) + SITTING + timedelta(seconds=1)
        assert visit(profile_of(coach_a), later) == second + timedelta(minutes=100)
        profile = profile_of(coach_a)
        assert profile.today_seen_at == later
        assert profile.today_since == second + timedelta(minutes=100)

    def test_opening_the_page_is_a_visit_of_one_update(self, client, coach_a):
        """One UPDATE of the profile; on PostgreSQL in the WITH of the page's first SELECT (the
        one that asks which lists have rows), not a statement of its own."""
        client.force_login(coach_a)
        with CaptureQueriesContext(connection) as queries:
            client.get("/coach/")
        updates = [q["sql"] for q in queries if 'UPDATE "coaching_coachprofile"' in q["sql"]]
        assert len(updates) == 1
        assert updates[0].startswith(
            'WITH visit AS (UPDATE "coaching_coachprofile"'
            if connection.vendor == "postgresql"
            else 'UPDATE "coaching_coachprofile"'
        )
        seen = profile_of(coach_a).today_seen_at
        assert seen is not None and seen <= timezone.now()
        # The next opening, an hour and more later, is a new sitting: what is new counts from
        # the moment the page recorded.
        later = timezone.now() + SITTING + timedelta(minutes=1)
        with patch("django.utils.timezone.now", return_value=later):
            client.get("/coach/")
        profile = profile_of(coach_a)
        assert profile.today_since == seen and profile.today_seen_at == later


def answered(traject, *, at_moment: datetime, key: str) -> Evaluation:
    evaluation = evaluation_request(
        key=key, kind=Questionnaire.Kind.INTERIM, client=traject.client, traject=traject,
        prompt=False,
    )  # fmt: skip
    Evaluation.objects.filter(pk=evaluation.pk).update(completed_at=at_moment)
    return evaluation


class TestEvaluationsSinceTheLastVisit:
    def test_answered_after_the_previous_visit_and_never_another_coachs(
        self, client, coach_a, coach_b, questionnaires
    ):
        now = timezone.now()
        eva = running_traject(coach_a, client__coach=coach_a, client__first_name="Eva")
        jan = running_traject(coach_a, client__coach=coach_a, client__first_name="Jan")
        theirs = running_traject(coach_b, client__coach=coach_b, client__first_name="Andermans")
        previous = now - timedelta(days=2)
        CoachProfile.objects.filter(user=coach_a).update(
            today_seen_at=previous, today_since=previous - timedelta(days=1)
        )
        new = answered(eva, at_moment=previous + timedelta(minutes=1), key="t:eva")
        seen = answered(jan, at_moment=previous - timedelta(minutes=1), key="t:jan")
        answered(theirs, at_moment=now - timedelta(hours=1), key="t:theirs")
        page = part(vandaag(client, coach_a), "evaluations-new-heading")
        assert f'/coach/trajecten/{eva.uuid}/#evaluation-{new.uuid}"' in page
        assert f"Sinds je vorige bezoek ({readable(previous, weekday=True, time=True)})" in page
        # (By their links: a first name may be part of another's surname, "Eva Jansen".)
        assert str(seen.uuid) not in page and f"/coach/trajecten/{jan.uuid}/" not in page
        assert f"/coach/trajecten/{theirs.uuid}/" not in page and "Andermans" not in page
        dossier = client.get(f"/coach/trajecten/{eva.uuid}/").content.decode()
        assert f'id="evaluation-{new.uuid}"' in dossier
        # Within the hour the same list; a new sitting later: seen, so gone.
        assert str(new.uuid) in vandaag(client, coach_a)
        CoachProfile.objects.filter(user=coach_a).update(today_seen_at=now - 2 * SITTING)
        vandaag(client, coach_a)
        assert "evaluations-new-heading" not in vandaag(client, coach_a)

    def test_the_first_visit_lists_the_last_week(self, client, coach_a, questionnaires):
        now = timezone.now()
        eva = running_traject(coach_a, client__coach=coach_a, client__first_name="Eva")
        jan = running_traject(coach_a, client__coach=coach_a, client__first_name="Jan")
        within = answered(eva, at_moment=now - timedelta(days=6), key="t:eva")
        before = answered(jan, at_moment=now - timedelta(days=8), key="t:jan")
        page = part(vandaag(client, coach_a), "evaluations-new-heading")
        assert str(within.uuid) in page and str(before.uuid) not in page
        assert "In de afgelopen week." in page


class TestConsentsEnding:
    def test_within_thirty_days_shown_after_not_withdrawn_not(self, client, coach_a, coach_b):
        today = timezone.localdate()
        eva = running_traject(coach_a, client__coach=coach_a, client__first_name="Eva").client

        def consent(name, client, **extra):
            return ConsentFactory(third_party=ThirdPartyFactory(client=client, name=name), **extra)

        consent("Ends30", eva, valid_until=today + timedelta(days=ENDING_DAYS))
        consent("EndsToday", eva, valid_until=today)
        consent("Ends31", eva, valid_until=today + timedelta(days=ENDING_DAYS + 1))
        consent("Ended", eva, valid_until=today - timedelta(days=1))
        consent("NoEnd", eva)
        consent(
            "Withdrawn", eva, valid_until=today + timedelta(days=5), withdrawn_on=today,
            withdrawn_by=coach_a,
        )  # fmt: skip
        bea = running_traject(coach_b, client__coach=coach_b, client__first_name="Bea").client
        consent("Theirs", bea, valid_until=today + timedelta(days=3))
        page = part(vandaag(client, coach_a), "ending-heading")
        assert page.index("EndsToday") < page.index("Ends30")
        for name in ("Ends31", "Ended", "NoEnd", "Withdrawn", "Theirs"):
            assert name not in page, name
        listed = client.get("/coach/clienten/?status=verloopt").content.decode()
        assert "1 cliënt" in listed and "Eva" in listed and "Bea" not in listed

    def test_renewed_for_the_same_party_is_not_ending(self, client, coach_a):
        """A new consent for the same third party that lasts longer (or has no end) replaces
        the one that ends: nothing to ask for. A renewal that was withdrawn, or that ends
        sooner, replaces nothing."""
        today = timezone.localdate()
        eva = running_traject(coach_a, client__coach=coach_a, client__first_name="Eva").client
        school = ThirdPartyFactory(client=eva, name="Renewed")
        ConsentFactory(third_party=school, valid_until=today + timedelta(days=10))
        ConsentFactory(third_party=school, given_on=today, valid_until=today + timedelta(400))
        mentor = ThirdPartyFactory(client=eva, name="Openended")
        ConsentFactory(third_party=mentor, valid_until=today + timedelta(days=10))
        ConsentFactory(third_party=mentor, given_on=today)
        club = ThirdPartyFactory(client=eva, name="WithdrawnRenewal")
        ConsentFactory(third_party=club, valid_until=today + timedelta(days=10))
        ConsentFactory(third_party=club, given_on=today, withdrawn_on=today, withdrawn_by=coach_a)
        page = part(vandaag(client, coach_a), "ending-heading")
        assert "WithdrawnRenewal" in page
        assert "Renewed" not in page and "Openended" not in page
        listed = client.get("/coach/clienten/?status=verloopt").content.decode()
        assert "1 cliënt" in listed

    def test_the_first_rows_and_the_rest_in_the_client_list(self, client, coach_a):
        today = timezone.localdate()
        for n in range(SHOWN + 1):
            client_ = running_traject(coach_a, client__coach=coach_a).client
            ConsentFactory(
                third_party=ThirdPartyFactory(client=client_), valid_until=today + timedelta(n)
            )
        page = part(vandaag(client, coach_a), "ending-heading")
        assert page.count("<li>") == SHOWN
        assert f"{SHOWN} van {SHOWN + 1} getoond" in page
        assert "/coach/clienten/?status=verloopt" in page


def invoice(coach, client, start: date, end: date, **extra) -> Invoice:
    return Invoice.objects.create(
        coach=coach,
        recipient_kind=Invoice.Recipient.CLIENT,
        client=client,
        bill_to_name=extra.pop("name", str(client)),
        period_start=start,
        period_end=end,
        created_by=coach,
        **extra,
    )


class TestDraftInvoices:
    def test_a_draft_of_last_month_not_this_months_nor_a_sent_one(self, client, coach_a, coach_b):
        this_month = timezone.localdate().replace(day=1)
        last_end = this_month - timedelta(days=1)
        last_start = last_end.replace(day=1)
        eva = running_traject(coach_a, client__coach=coach_a, client__first_name="Eva").client
        old = invoice(coach_a, eva, last_start, last_end, name="Vorige maand")
        older = invoice(
            coach_a, eva, last_start - timedelta(days=40), last_start - timedelta(days=10),
            name="Nog ouder",
        )  # fmt: skip
        invoice(coach_a, eva, this_month, this_month + timedelta(days=5), name="Deze maand")
        invoice(
            coach_a, eva, last_start, last_end, name="Verstuurd", status="sent", year=2026,
            sequence=1, issued_on=this_month,
        )  # fmt: skip
        bea = running_traject(coach_b, client__coach=coach_b).client
        invoice(coach_b, bea, last_start, last_end, name="Andermans")
        page = part(vandaag(client, coach_a), "drafts-heading")
        assert f"/facturen/{old.uuid}/" in page and f"/facturen/{older.uuid}/" in page
        assert page.index("Nog ouder") < page.index("Vorige maand")
        for name in ("Deze maand", "Verstuurd", "Andermans"):
            assert name not in page, name

    def test_none_no_section(self, client, coach_a):
        assert "drafts-heading" not in vandaag(client, coach_a)

    def test_the_name_billed_is_text_not_html(self, client, coach_a):
        """The rows are written in Python (billing/today.py), not by the template engine."""
        last_end = timezone.localdate().replace(day=1) - timedelta(days=1)
        eva = running_traject(coach_a, client__coach=coach_a).client
        invoice(coach_a, eva, last_end.replace(day=1), last_end, name="<b>Stichting</b> & Zn")
        page = part(vandaag(client, coach_a), "drafts-heading")
        assert "&lt;b&gt;Stichting&lt;/b&gt; &amp; Zn" in page
        assert "<b>" not in page
        assert f"periode {readable(last_end.replace(day=1))} – {readable(last_end)}" in page


def busy_practice(coach, today: date, numbers: range) -> None:
    """Of everything on Vandaag, one per number: an appointment today, one in the days ahead
    (every third cancelled), one in the past without an outcome; an evaluation answered; a
    consent ending; a draft of last month. And a meeting today with two contributors (one
    more today and one ahead for a busy practice)."""
    this_month = today.replace(day=1)
    for i in numbers:
        traject = running_traject(coach, client__coach=coach, client__first_name=f"C{i:02}")
        appointment_for(traject, at(today, 7, 0) + timedelta(minutes=20 * i), minutes=15)
        ahead = appointment_for(traject, at(today + timedelta(days=1 + i % 6), 8 + i % 8, 0))
        if i % 3 == 0:
            appointment_cancel(appointment=ahead, by=coach, cancelled_by="coach", reason="Ziek")
        appointment_for(traject, at(today - timedelta(days=i + 1), 10, 0))
        answered(traject, at_moment=timezone.now() - timedelta(hours=i + 1), key=f"t:{i}")
        ConsentFactory(
            third_party=ThirdPartyFactory(client=traject.client),
            valid_until=today + timedelta(days=i % 30),
        )
        invoice(coach, traject.client, this_month - timedelta(days=20), this_month - timedelta(1))
    if 0 in numbers:
        meeting_today(coach, at(today, 12, 0), contributors=("Ilse", "Kees"))
    else:
        meeting_today(coach, at(today, 14, 30), contributors=("Lotte", "Mo"))
        meeting_today(coach, at(today + timedelta(days=3), 12, 0), contributors=())


def test_vandaag_runs_the_same_queries_for_a_quiet_day_as_for_a_busy_one(
    client, coach_a, today, questionnaires
):
    def count(numbers: range) -> tuple[int, str]:
        busy_practice(coach_a, today, numbers)
        client.force_login(coach_a)
        client.get("/coach/")  # warm: the session
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/coach/").content.decode()
        statements = [query["sql"] for query in queries]
        # Each list read once: what the page reads together (coaching.compiled.together) is
        # what its lists and sections ask for, or they would each read again.
        assert len(set(statements)) == len(statements), statements
        return len(queries), page

    few, _page = count(range(1))
    many, page = count(range(1, SHOWN + 3))
    assert few == many, (few, many)
    day = part(page, "today-heading")
    assert day.count("bijeenkomst 1 van 8") == 2 and "Inbreng: Lotte, Mo" in day
    assert f"{SHOWN} van {SHOWN + 3} getoond" in part(page, "without-outcome-heading")
    assert f"{SHOWN} van {SHOWN + 3} getoond" in part(page, "evaluations-new-heading")
    assert f"{SHOWN} van {SHOWN + 3} getoond" in part(page, "ending-heading")
    assert f"{SHOWN} van {SHOWN + 3} getoond" in part(page, "drafts-heading")
    print(f"Vandaag: {few} queries for one of each, {many} for {SHOWN + 3} of each")  # noqa: T201
