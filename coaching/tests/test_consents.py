"""Consents at the seams: a parent's parental authority is asked, never assumed, and
without it a parent cannot consent for the child; a withdrawal asks first, reaches
the coach on *Vandaag* and by an e-mail without details, and a refused contact names the day it
was withdrawn."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching import outbox
from coaching.dates import readable
from coaching.models import Client, Consent, Guardian, Send
from coaching.services.consents import consent_record, consent_withdraw
from coaching.tests.factories import ClientFactory, GuardianFactory
from trajects.tests.factories import ConsentFactory, ThirdPartyFactory, note, running_traject
from trajects.views.dashboard import WITHDRAWN_DAYS

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def years_ago(years: int) -> date:
    return TODAY.replace(year=TODAY.year - years) - timedelta(days=30)


def give(client, guardian, party=None):
    return consent_record(
        client=client,
        third_party=party or ThirdPartyFactory(client=client),
        purpose="verslag aan de mentor",
        given_on=TODAY,
        valid_until=None,
        given_by_guardian=guardian,
        by=client.coach,
    )


class TestParentalAuthorityIsAskedNotAssumed:
    def test_a_new_parent_has_no_authority_until_someone_says_so(self):
        assert Guardian().has_parental_authority is None

    def test_a_parent_whose_authority_is_not_known_cannot_consent(self, coach_a):
        # As the website registered parents: the question was never asked.
        parent = GuardianFactory(
            client__coach=coach_a, client__date_of_birth=years_ago(10), first_name="Noor",
            has_parental_authority=None,
        )  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            give(parent.client, parent)
        [message] = refused.value.message_dict["given_by_guardian"]
        assert "Van Noor is niet bekend of die ouderlijk gezag heeft" in message
        assert not Consent.objects.exists()

    def test_a_parent_without_authority_cannot_consent_for_a_child_of_16_or_17(self, coach_a):
        # From 16 the child may consent; a parent still only with authority.
        parent = GuardianFactory(
            client__coach=coach_a, client__date_of_birth=years_ago(17), first_name="Kees",
            has_parental_authority=False,
        )  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            give(parent.client, parent)
        [message] = refused.value.message_dict["given_by_guardian"]
        assert "Kees heeft geen ouderlijk gezag en kan daarom geen toestemming geven" in message
        parent.has_parental_authority = True
        parent.save()
        assert give(parent.client, parent).given_by_guardian == parent

    def test_the_service_reads_the_authority_as_it_is_now(self, coach_a):
        parent = GuardianFactory(client__coach=coach_a, client__date_of_birth=years_ago(10))
        stale = Guardian.objects.get(pk=parent.pk)  # read by the form a moment ago
        Guardian.objects.filter(pk=parent.pk).update(has_parental_authority=False)
        with pytest.raises(ValidationError):
            give(parent.client, stale)

    def test_the_coachs_consent_page_refuses_with_the_reason(self, client, coach_a):
        parent = GuardianFactory(
            client__coach=coach_a, client__date_of_birth=years_ago(17), first_name="Kees",
            has_parental_authority=False,
        )  # fmt: skip
        party = ThirdPartyFactory(client=parent.client)
        client.force_login(coach_a)
        response = client.post(
            f"/coach/clienten/{parent.client.uuid}/toestemmingen/nieuw/",
            {
                "third_party": party.pk,
                "purpose": "verslag",
                "given_by_guardian": parent.pk,
                "given_on": TODAY.isoformat(),
            },
        )
        assert response.status_code == 200
        assert "geen ouderlijk gezag" in response.content.decode()
        assert not Consent.objects.exists()

    def test_the_coachs_guardian_form_asks_it(self, client, coach_a):
        child = ClientFactory(coach=coach_a, date_of_birth=years_ago(9))
        client.force_login(coach_a)
        url = f"/coach/clienten/{child.uuid}/ouders/nieuw/"
        data = {"first_name": "Ilse", "last_name": "Jansen", "relation": "mother"}
        response = client.post(url, data)
        assert response.status_code == 200 and not child.guardians.exists()
        client.post(url, {**data, "has_parental_authority": "False"})
        assert child.guardians.get().has_parental_authority is False
        page = client.get(f"/coach/clienten/{child.uuid}/").content.decode()
        assert "geen ouderlijk gezag" in page

    def test_the_migration_forgets_what_the_website_assumed(self, coach_a):
        from_website = GuardianFactory(client__coach=coach_a, relation="other")
        by_the_coach = GuardianFactory(client__coach=coach_a, relation="mother")
        migration = importlib.import_module("coaching.migrations.0010_parental_authority_asked")
        migration.assumed_is_unknown(apps, None)
        from_website.refresh_from_db()
        by_the_coach.refresh_from_db()
        assert from_website.has_parental_authority is None
        assert by_the_coach.has_parental_authority is True


@pytest.fixture
def evas_consent(coachee):
    eva = Client.objects.get(account=coachee)
    return ConsentFactory(third_party=ThirdPartyFactory(client=eva, name="De Linde"))


def dashboard(client, coach) -> str:
    client.force_login(coach)
    return client.get("/coach/").content.decode()


class TestAWithdrawalIsVisible:
    def test_the_coach_gets_an_email_without_details_once(
        self, evas_consent, coachee, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert consent_withdraw(consent=evas_consent, by=coachee, on=TODAY)
        [mail] = mailoutbox
        eva = evas_consent.client
        assert mail.to == [coach_a.email] and "Een toestemming is ingetrokken" in mail.subject
        assert "Bij Eva is een toestemming ingetrokken" in mail.body
        assert f"/coach/clienten/{eva.uuid}/" in mail.body
        for detail in ("De Linde", "mentor", "Coachee"):  # the party, the purpose, the surname
            assert detail not in mail.body and detail not in mail.alternatives[0][0]
        with django_capture_on_commit_callbacks(execute=True):
            assert not consent_withdraw(consent=evas_consent, by=coachee, on=TODAY)
            outbox.sweep()
        assert len(mailoutbox) == 1

    def test_the_coachs_own_withdrawal_sends_nothing_and_is_not_a_notice(
        self, client, evas_consent, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            consent_withdraw(consent=evas_consent, by=coach_a, on=TODAY)
        assert mailoutbox == [] and not Send.objects.exists()
        assert "Toestemming ingetrokken" not in dashboard(client, coach_a)

    def test_vandaag_shows_the_withdrawal_for_a_while(
        self, client, evas_consent, coachee, coach_a, coach_b
    ):
        consent_withdraw(consent=evas_consent, by=coachee, on=TODAY)
        bea = ClientFactory(coach=coach_b, first_name="Bea")
        theirs = ConsentFactory(third_party=ThirdPartyFactory(client=bea, name="Het Kompas"))
        consent_withdraw(consent=theirs, by=coachee, on=TODAY)  # another coach's client
        page = dashboard(client, coach_a)
        notice = page[page.index('id="withdrawn-heading"') :]
        notice = notice[: notice.index("</section>")]
        day = readable(TODAY, long=True)
        assert f"toestemming voor De Linde ingetrokken op {day}" in notice
        assert f"/coach/clienten/{evas_consent.client.uuid}/" in notice
        assert notice.count("<li>") == 1 and "Het Kompas" not in page
        theirs_page = dashboard(client, coach_b)
        assert "Het Kompas" in theirs_page and "De Linde" not in theirs_page
        Consent.objects.filter(pk=evas_consent.pk).update(
            withdrawn_on=TODAY - timedelta(days=WITHDRAWN_DAYS + 1)
        )
        assert "withdrawn-heading" not in dashboard(client, coach_a)

    def test_vandaag_runs_the_same_queries_for_one_withdrawal_as_for_many(
        self, client, coach_a, coachee
    ):
        def withdrawals(n):
            for _ in range(n):
                consent = ConsentFactory(
                    third_party=ThirdPartyFactory(client=ClientFactory(coach=coach_a))
                )
                consent_withdraw(consent=consent, by=coachee, on=TODAY)

        def count() -> int:
            client.get("/coach/")
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/coach/").status_code == 200
            return len(queries)

        client.force_login(coach_a)
        withdrawals(1)
        one = count()
        withdrawals(12)
        page = client.get("/coach/").content.decode()
        assert "10 van 13 getoond" in page and "/coach/clienten/?status=ingetrokken" in page
        assert count() == one
        listed = client.get("/coach/clienten/?status=ingetrokken").content.decode()
        assert "13 cliënten" in listed

    def test_a_refused_contact_names_the_day_of_the_withdrawal(self, coach_a):
        traject = running_traject(coach_a, client__coach=coach_a)
        party = ThirdPartyFactory(client=traject.client, name="De Linde")
        consent = ConsentFactory(third_party=party, given_on=TODAY - timedelta(days=30))
        withdrawn_on = TODAY - timedelta(days=2)
        consent_withdraw(consent=consent, by=coach_a, on=withdrawn_on)
        with pytest.raises(ValidationError) as refused:
            note(traject, coach_a, kind="contact", third_party=party, occurred_on=TODAY)
        [message] = refused.value.message_dict["third_party"]
        day = readable(withdrawn_on, long=True, year=True)
        assert f"De toestemming voor De Linde is ingetrokken op {day}." in message
        assert "geen geldige toestemming" not in message


class TestWithdrawingAsksFirst:
    def test_in_the_portal(self, client, coachee, evas_consent, mailoutbox):
        client.force_login(coachee)
        url = f"/portaal/toestemmingen/{evas_consent.uuid}/intrekken/"
        assert f'href="{url}"' in client.get("/portaal/toestemmingen/").content.decode()
        asked = client.get(url)
        html = asked.content.decode()
        assert asked.status_code == 200 and "Toestemming voor De Linde intrekken" in html
        assert (
            "geen contact meer met De Linde" in html and "Je coach krijgt hiervan bericht" in html
        )
        evas_consent.refresh_from_db()
        assert evas_consent.withdrawn_on is None
        response = client.post(url)
        assert response["Location"] == "/portaal/toestemmingen/"
        evas_consent.refresh_from_db()
        assert (evas_consent.withdrawn_on, evas_consent.withdrawn_by) == (TODAY, coachee)
        # Again: nothing more happens.
        again = client.post(url, follow=True)
        assert "al ingetrokken" in again.content.decode()

    def test_by_the_coach(self, client, coach_a, coach_b, evas_consent):
        url = f"/coach/toestemmingen/{evas_consent.uuid}/intrekken/"
        client.force_login(coach_b)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        client.force_login(coach_a)
        page = client.get(f"/coach/clienten/{evas_consent.client.uuid}/").content.decode()
        assert f'href="{url}"' in page
        html = client.get(url).content.decode()
        assert "Toestemming voor De Linde intrekken" in html and "Wat er gebeurt" in html
        evas_consent.refresh_from_db()
        assert evas_consent.withdrawn_on is None
        client.post(url)
        evas_consent.refresh_from_db()
        assert evas_consent.withdrawn_by == coach_a
