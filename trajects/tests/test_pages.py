"""The coach's pages for clients and trajects, through HTTP: what they show, what they refuse,
and how many queries they run (pinned at two data sizes)."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from coaching.models import Client, Consent, Guardian, Send, ThirdParty
from coaching.tests.factories import ClientFactory, GuardianFactory
from trajects.models import DossierEntry, Traject
from trajects.services.email_coaching import email_switch_request, message_write
from trajects.tests.factories import (
    ConsentFactory,
    ThirdPartyFactory,
    TrajectFactory,
    note,
    running_traject,
)

TODAY = timezone.localdate()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
    return len(captured)


def email_conversation(coach) -> None:
    """An e-mail coaching traject with an open message and a request to switch to live."""
    traject = TrajectFactory(client__coach=coach, kind=Traject.Kind.EMAIL)
    message_write(traject=traject, by=coach, body="Een vraag", from_coach=False)
    email_switch_request(traject=traject)


def grow(coach, n: int) -> None:
    """n more clients, each with a guardian, a running traject and a few entries."""
    for _ in range(n):
        traject = running_traject(coach, client__coach=coach)
        GuardianFactory(client=traject.client)
        note(traject, coach)
        note(traject, coach, kind="phone")


@pytest.mark.django_db
class TestQueryCounts:
    def test_dashboard(self, client, coach_a):
        client.force_login(coach_a)
        grow(coach_a, 1)
        TrajectFactory(client__coach=coach_a, registered_on=TODAY)
        email_conversation(coach_a)
        small = queries(client, "/coach/")
        grow(coach_a, 8)
        for _ in range(5):
            TrajectFactory(client__coach=coach_a, registered_on=TODAY)
            email_conversation(coach_a)
        # session, user, MFA check, coach profile (role), counts, waiting trajects with their
        # clients, recent versions with their entries, open messages with their clients, switch
        # requests, quiet conversations, consents withdrawn by clients with their clients and
        # parties, the sections of the apps above (quote requests); for the coach's day: the
        # visit (an UPDATE), consents ending, evaluations answered, today's appointments, the
        # days ahead, appointments without an outcome, draft invoices (a meeting today adds
        # one: trajects/tests/test_vandaag_day.py)
        assert queries(client, "/coach/") == small <= 19

    def test_client_list(self, client, coach_a):
        client.force_login(coach_a)
        grow(coach_a, 2)
        small = queries(client, "/coach/clienten/?q=&status=lopend")
        grow(coach_a, 10)
        # session, user, MFA check, coach profile, count, page of clients with employer,
        # their trajects
        assert queries(client, "/coach/clienten/?q=&status=lopend") == small <= 7

    def test_client_detail(self, client, coach_a):
        client.force_login(coach_a)
        child = GuardianFactory(client__coach=coach_a).client
        TrajectFactory(client=child)
        ConsentFactory(third_party=ThirdPartyFactory(client=child))
        url = f"/coach/clienten/{child.uuid}/"
        small = queries(client, url)
        for n in range(5):
            GuardianFactory(client=child)
            TrajectFactory(client=child)
            party = ThirdPartyFactory(client=child)
            ConsentFactory(third_party=party, given_by_guardian=child.guardians.first())
            Send.objects.create(
                subject=f"invitation:{n}:1", kind=Send.Kind.INVITATION, client=child
            )
        # session, user, MFA, coach profile, client, the audit log's row, guardians, trajects,
        # parties, consents (with party and guardian), the latest e-mails about the client
        assert queries(client, url) == small <= 11

    def test_traject_detail(self, client, coach_a):
        client.force_login(coach_a)
        traject = running_traject(coach_a, client__coach=coach_a)
        entry = note(traject, coach_a)
        url = f"/coach/trajecten/{traject.uuid}/"
        small = queries(client, url)
        from trajects.services.dossier import dossier_entry_correct

        for n in range(10):
            extra = note(traject, coach_a, f"Aantekening {n}", kind="phone")
            dossier_entry_correct(entry=extra, by=coach_a, text=f"Gecorrigeerd {n}")
        dossier_entry_correct(entry=entry, by=coach_a, text="Gecorrigeerd")
        # the user (with what the floor loads with them), the traject with its client and
        # whether it has e-mail messages, the view logged, intake versions, the traject's
        # evaluations with the client's scores over time, steps, entries with their versions
        # (one query), who opened it, the coaching agreement's acceptances
        assert queries(client, url) == small <= 9


@pytest.mark.django_db
class TestClients:
    def test_register_a_child_with_a_guardian(self, client, coach_a):
        client.force_login(coach_a)
        response = client.post(
            "/coach/clienten/nieuw/",
            {
                "first_name": "Sam",
                "last_name": "de Boer",
                "date_of_birth": str(TODAY.replace(year=TODAY.year - 10) - timedelta(days=3)),
                "new_organisation": "",
                "guardian-first_name": "Ilse",
                "guardian-last_name": "de Boer",
                "guardian-relation": "mother",
                "guardian-email": "ilse@praktijk.test",
                "guardian-has_parental_authority": "True",
                "guardian-may_act_in_portal": "on",
            },
        )
        sam = Client.objects.get(first_name="Sam")
        assert response["Location"] == f"/coach/clienten/{sam.uuid}/"
        assert sam.coach == coach_a and sam.is_child
        assert Guardian.objects.get(client=sam).has_parental_authority is True

    def test_the_parents_authority_is_asked_not_assumed(self, client, coach_a):
        # The question has no answer given in advance, and "nee" is an answer.
        client.force_login(coach_a)
        page = client.get("/coach/clienten/nieuw/").content.decode()
        radios = re.findall(r"<input[^>]*guardian-has_parental_authority[^>]*>", page)
        assert len(radios) == 2 and not any("checked" in radio for radio in radios)
        data = {
            "first_name": "Sam",
            "last_name": "de Boer",
            "date_of_birth": str(TODAY.replace(year=TODAY.year - 10)),
            "new_organisation": "",
            "guardian-first_name": "Ilse",
            "guardian-last_name": "de Boer",
            "guardian-relation": "mother",
        }
        response = client.post("/coach/clienten/nieuw/", data)
        assert response.status_code == 200 and not Client.objects.filter(first_name="Sam")
        assert "Heeft deze ouder/verzorger ouderlijk gezag?" in response.content.decode()
        client.post("/coach/clienten/nieuw/", {**data, "guardian-has_parental_authority": "False"})
        assert Guardian.objects.get(client__first_name="Sam").has_parental_authority is False

    def test_a_child_needs_a_guardian(self, client, coach_a):
        client.force_login(coach_a)
        response = client.post(
            "/coach/clienten/nieuw/",
            {"first_name": "Sam", "last_name": "de Boer", "date_of_birth": "2016-01-01"},
        )
        assert response.status_code == 200
        assert response.context["guardian_form"].errors["first_name"]
        assert not Client.objects.exists()

    def test_an_adult_without_guardian_and_a_new_employer(self, client, coach_a):
        client.force_login(coach_a)
        client.post(
            "/coach/clienten/nieuw/",
            {
                "first_name": "Eva",
                "last_name": "Bakker",
                "date_of_birth": "1988-04-12",
                "new_organisation": "Ziekenhuis  Oost",
            },
        )
        eva = Client.objects.get(first_name="Eva")
        assert eva.organisation.name == "Ziekenhuis Oost"
        assert not eva.guardians.exists()

    def test_search_and_filter(self, client, coach_a, coach_b):
        # Last names of their own: a random one ("Noordam") would match the search too.
        running_traject(
            coach_a, client__coach=coach_a, client__first_name="Noor", client__last_name="Bakker"
        )
        ClientFactory(coach=coach_a, first_name="Nora", last_name="Jansen")
        ClientFactory(coach=coach_b, first_name="Noortje", last_name="Visser")
        client.force_login(coach_a)
        names = lambda url: [c.first_name for c in client.get(url).context["page"].object_list]  # noqa: E731
        assert sorted(names("/coach/clienten/?q=noo")) == ["Noor"]
        assert sorted(names("/coach/clienten/?q=nor")) == ["Nora"]
        assert names("/coach/clienten/?status=lopend") == ["Noor"]
        assert names("/coach/clienten/?status=bedenktijd") == []

    def test_a_search_with_a_nul_character_gets_the_forms_error(self, client, coach_a):
        """Found by the fuzzer (coaching/tests/test_fuzz.py): PostgreSQL refuses a NUL in
        a query; the search used the raw parameter, and the page failed (500)."""
        ClientFactory(coach=coach_a, first_name="Nora", last_name="Jansen")
        client.force_login(coach_a)
        response = client.get("/coach/clienten/?q=no%00ra&status=lopend")
        assert response.status_code == 200
        assert response.context["form"].errors["q"] == ["Null-tekens zijn niet toegestaan."]
        assert "Null-tekens zijn niet toegestaan." in response.content.decode()
        # The search is left out; the valid status still filters.
        assert list(response.context["page"].object_list) == []
        response = client.get("/coach/clienten/?q=no%00ra")
        assert [c.first_name for c in response.context["page"].object_list] == ["Nora"]

    def test_invite_an_adult_client_to_the_portal(self, client, coach_a, mailoutbox,
                                                 django_capture_on_commit_callbacks):  # fmt: skip
        adult = ClientFactory(coach=coach_a, email="noor@praktijk.test")
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/coach/clienten/{adult.uuid}/portaal/")
        adult.refresh_from_db()
        assert adult.account.email == "noor@praktijk.test"
        assert mailoutbox[0].to == ["noor@praktijk.test"]

    def test_a_child_is_not_invited_itself(self, client, coach_a):
        child = GuardianFactory(client__coach=coach_a).client
        child.email = "kind@praktijk.test"
        child.save()
        client.force_login(coach_a)
        response = client.post(f"/coach/clienten/{child.uuid}/portaal/", follow=True)
        assert "nodig een ouder of verzorger uit" in response.content.decode()
        child.refresh_from_db()
        assert child.account is None


@pytest.mark.django_db
class TestConsentPages:
    def test_consent_of_a_young_child_names_the_guardian(self, client, coach_a):
        guardian = GuardianFactory(client__coach=coach_a, client__date_of_birth=date(2016, 1, 1))
        child = guardian.client
        party = ThirdPartyFactory(client=child)
        client.force_login(coach_a)
        url = f"/coach/clienten/{child.uuid}/toestemmingen/nieuw/"
        data = {"third_party": party.pk, "purpose": "verslag", "given_on": str(TODAY)}
        response = client.post(url, data)
        assert "jonger dan 16" in response.content.decode()
        assert not Consent.objects.exists()
        response = client.post(url, {**data, "given_by_guardian": guardian.pk})
        assert response.status_code == 302
        assert Consent.objects.get().given_by_guardian == guardian

    def test_a_party_of_another_client_cannot_be_chosen(self, client, coach_a):
        own = ClientFactory(coach=coach_a)
        other = ThirdPartyFactory(client__coach=coach_a)
        client.force_login(coach_a)
        response = client.post(
            f"/coach/clienten/{own.uuid}/toestemmingen/nieuw/",
            {"third_party": other.pk, "purpose": "x", "given_on": str(TODAY)},
        )
        assert "third_party" in response.context["forms"][0].errors
        assert not Consent.objects.exists()

    def test_guardian_sees_and_withdraws_in_the_portal(self, client, guardian):
        child = Client.objects.get(guardians__account=guardian)
        consent = ConsentFactory(
            third_party=ThirdPartyFactory(client=child, name="Basisschool De Linde"),
            given_by_guardian=child.guardians.get(),
        )
        client.force_login(guardian)
        html = client.get("/portaal/toestemmingen/").content.decode()
        assert "Basisschool De Linde" in html and "Intrekken" in html
        response = client.post(f"/portaal/toestemmingen/{consent.uuid}/intrekken/")
        assert response.status_code == 302
        consent.refresh_from_db()
        assert consent.withdrawn_on == TODAY and consent.withdrawn_by == guardian
        # twice: nothing changes
        client.post(f"/portaal/toestemmingen/{consent.uuid}/intrekken/")
        consent.refresh_from_db()
        assert consent.withdrawn_on == TODAY

    def test_another_client_cannot_see_or_withdraw_it(self, client, guardian, coachee):
        child = Client.objects.get(guardians__account=guardian)
        consent = ConsentFactory(third_party=ThirdPartyFactory(client=child, name="De Linde"))
        client.force_login(coachee)
        assert "De Linde" not in client.get("/portaal/toestemmingen/").content.decode()
        assert client.post(f"/portaal/toestemmingen/{consent.uuid}/intrekken/").status_code == 404
        consent.refresh_from_db()
        assert consent.withdrawn_on is None


@pytest.mark.django_db
class TestTrajectPages:
    def test_steps_through_the_pages(self, client, coach_a):
        traject = TrajectFactory(client__coach=coach_a, registered_on=TODAY - timedelta(30))
        client.force_login(coach_a)
        base = f"/coach/trajecten/{traject.uuid}"
        day = lambda n: str(TODAY - timedelta(n))  # noqa: E731
        r = client.post(f"{base}/stap/record_kennismaking/", {"on": day(20), "mode": "phone"})
        assert r.status_code == 302
        client.post(f"{base}/stap/start_intake/", {"on": day(15)})
        client.post(
            f"{base}/stap/record_intake/",
            {"on": day(10), "help_question": "Faalangst", "goals": "Rustiger"},
        )
        traject.refresh_from_db()
        assert traject.status == Traject.Status.LOPEND
        page = client.get(f"{base}/").content.decode()
        assert "Faalangst" in page and "Intake vastleggen" in page

    def test_a_step_that_does_not_fit_is_explained(self, client, coach_a):
        traject = TrajectFactory(client__coach=coach_a)
        client.force_login(coach_a)
        response = client.post(f"/coach/trajecten/{traject.uuid}/stap/close/", {"on": str(TODAY)})
        assert response.status_code == 200
        assert "Dit kan niet in de fase" in response.content.decode()
        assert client.get(f"/coach/trajecten/{traject.uuid}/stap/vliegen/").status_code == 404

    def test_opening_the_dossier_is_recorded_and_shown(self, client, coach_a):
        traject = TrajectFactory(client__coach=coach_a)
        client.force_login(coach_a)
        client.get(f"/coach/trajecten/{traject.uuid}/")
        html = client.get(f"/coach/trajecten/{traject.uuid}/").content.decode()
        views = AuditEvent.objects.filter(object_id=str(traject.uuid), action="view")
        assert [(v.actor, v.client, v.what) for v in views] == [
            (coach_a, traject.client, "dossier")
        ] * 2
        assert "Wie opende dit dossier" in html and str(coach_a) in html

    def test_openings_are_one_line_per_person_per_day_with_the_count(self, client, coach_a):
        traject = TrajectFactory(client__coach=coach_a)
        earlier = timezone.now() - timedelta(days=1)
        AuditEvent.objects.create(
            actor=coach_a, client=traject.client, what="dossier", action="view",
            object_id=str(traject.uuid), at=earlier,
        )  # fmt: skip
        client.force_login(coach_a)
        for _ in range(3):
            html = client.get(f"/coach/trajecten/{traject.uuid}/").content.decode()
        section = html.split('id="views-heading"')[1].split("</ul>")[0]
        lines = re.findall(r"<li>(.*?)</li>", section)
        assert len(lines) == 2, lines  # today's three openings on one line, yesterday's on one
        assert lines[0].startswith(str(coach_a)) and "3 keer, laatst om" in lines[0]
        assert "keer" not in lines[1] and timezone.localtime(earlier).strftime("%H:%M") in lines[1]

    def test_another_coach_does_not_open_it_and_leaves_no_trace(self, client, coach_a, coach_b):
        traject = TrajectFactory(client__coach=coach_a)
        client.force_login(coach_b)
        assert client.get(f"/coach/trajecten/{traject.uuid}/").status_code == 404
        assert not AuditEvent.objects.filter(action="view").exists()
        denied = AuditEvent.objects.get(action="denied")
        assert (denied.actor, denied.page) == (coach_b, "traject_detail")
        assert str(traject.uuid) in denied.detail

    def test_entry_without_consent_keeps_the_text_and_says_what_to_do(self, client, coach_a):
        traject = running_traject(coach_a, client__coach=coach_a)
        party = ThirdPartyFactory(client=traject.client, name="Het Bos")
        client.force_login(coach_a)
        response = client.post(
            f"/coach/trajecten/{traject.uuid}/aantekeningen/nieuw/",
            {"kind": "contact", "occurred_on": str(TODAY), "third_party": party.pk,
             "text": "Gebeld met de leidster"},
        )  # fmt: skip
        html = response.content.decode()
        assert "geen geldige toestemming voor contact met Het Bos" in html
        assert "Gebeld met de leidster" in html
        assert not DossierEntry.objects.exists()

    def test_correction_through_the_page(self, client, coach_a):
        traject = running_traject(coach_a, client__coach=coach_a)
        entry = note(traject, coach_a, "Eerste tekst")
        client.force_login(coach_a)
        client.post(f"/coach/aantekeningen/{entry.uuid}/corrigeren/", {"text": "Tweede tekst"})
        html = client.get(f"/coach/trajecten/{traject.uuid}/").content.decode()
        assert "Tweede tekst" in html and "Eerste tekst" in html and "1 eerdere versie" in html
        # the same text again changes nothing
        client.post(f"/coach/aantekeningen/{entry.uuid}/corrigeren/", {"text": "Tweede tekst"})
        assert entry.versions.count() == 2


@pytest.mark.django_db
def test_the_coachs_notes_never_reach_the_portal(client, coach_a, coachee, guardian):
    own = Client.objects.get(account=coachee)
    child = Client.objects.get(guardians__account=guardian)
    for record in (own, child):
        traject = running_traject(coach_a, client=record)
        note(traject, coach_a, "GEHEIME-NOTITIE over de sessie")
    for account in (coachee, guardian):
        client.force_login(account)
        for url in ("/portaal/", "/portaal/toestemmingen/"):
            html = client.get(url).content.decode()
            assert "GEHEIME-NOTITIE" not in html and "Faalangst bij toetsen" not in html


@pytest.mark.django_db
def test_a_traject_cannot_start_in_the_future(client, coach_a):
    record = ClientFactory(coach=coach_a)
    client.force_login(coach_a)
    response = client.post(
        f"/coach/clienten/{record.uuid}/trajecten/nieuw/",
        {"kind": "standard", "title": "x", "registered_on": str(TODAY + timedelta(days=3))},
    )
    assert "Deze datum ligt in de toekomst." in response.content.decode()
    assert not Traject.objects.exists()


@pytest.mark.django_db
class TestReviewedRules:
    @pytest.mark.parametrize("page", ["traject", "intake", "correct"])
    def test_every_page_that_shows_the_dossier_records_the_opening(self, client, coach_a, page):
        traject = running_traject(coach_a, client__coach=coach_a)
        entry = note(traject, coach_a)
        url = {
            "traject": f"/coach/trajecten/{traject.uuid}/",
            "intake": f"/coach/trajecten/{traject.uuid}/intake/",
            "correct": f"/coach/aantekeningen/{entry.uuid}/corrigeren/",
        }[page]
        client.force_login(coach_a)
        assert client.get(url).status_code == 200
        assert (
            AuditEvent.objects.filter(client=traject.client, actor=coach_a, action="view").count()
            == 1
        )

    def test_a_guardian_of_an_adult_or_without_permission_is_not_invited(self, client, coach_a):
        adult_guardian = GuardianFactory(
            client=ClientFactory(coach=coach_a), email="ouder@praktijk.test", account=None
        )
        not_allowed = GuardianFactory(
            client__coach=coach_a, may_act_in_portal=False, email="oom@praktijk.test", account=None
        )
        client.force_login(coach_a)
        for guardian, message in [
            (adult_guardian, "Een volwassen cliënt gebruikt het portaal zelf"),
            (not_allowed, "mag niet namens het kind handelen"),
        ]:
            response = client.post(f"/coach/ouders/{guardian.uuid}/portaal/", follow=True)
            assert message in response.content.decode()
            guardian.refresh_from_db()
            assert guardian.account is None and guardian.may_act_in_portal is (
                guardian is adult_guardian
            )

    def test_a_consent_cannot_be_recorded_ahead(self, client, coach_a):
        party = ThirdPartyFactory(client__coach=coach_a)
        client.force_login(coach_a)
        response = client.post(
            f"/coach/clienten/{party.client.uuid}/toestemmingen/nieuw/",
            {"third_party": party.pk, "purpose": "x", "given_on": str(TODAY + timedelta(2))},
        )
        assert "op of na de dag dat ze gegeven is" in response.content.decode()
        assert not Consent.objects.exists()

    def test_a_second_party_with_the_same_name_is_refused_kindly(self, client, coach_a):
        party = ThirdPartyFactory(client__coach=coach_a, name="De Linde")
        client.force_login(coach_a)
        response = client.post(
            f"/coach/clienten/{party.client.uuid}/derden/nieuw/",
            {"kind": "school", "name": "de  linde"},
        )
        assert response.status_code == 200
        assert "al een derde partij met deze naam" in response.content.decode()
        assert ThirdParty.objects.count() == 1

    def test_a_party_chosen_with_a_session_note_is_ignored(self, client, coach_a):
        traject = running_traject(coach_a, client__coach=coach_a)
        party = ThirdPartyFactory(client=traject.client)
        client.force_login(coach_a)
        response = client.post(
            f"/coach/trajecten/{traject.uuid}/aantekeningen/nieuw/",
            {"kind": "session", "occurred_on": str(TODAY), "third_party": party.pk,
             "location": "school", "text": "Sessie"},
        )  # fmt: skip
        assert response.status_code == 302
        entry = DossierEntry.objects.get()
        assert entry.third_party is None and entry.location == ""

    def test_a_coach_who_wrote_in_a_dossier_cannot_be_deleted(self, client, admin_user, coach_a):
        from django.urls import reverse

        note(running_traject(coach_a, client__coach=coach_a), coach_a)
        client.force_login(admin_user)
        url = reverse("admin:coaching_user_delete", args=[coach_a.pk])
        response = client.post(url, {"post": "yes"})
        assert response.status_code == 200  # the admin explains what protects it
        assert type(coach_a).objects.filter(pk=coach_a.pk).exists()

    def test_an_unknown_filter_keeps_the_search(self, client, coach_a):
        # Last names of their own: a random one ("Noordam") would match the search too.
        ClientFactory(coach=coach_a, first_name="Noor", last_name="Bakker")
        ClientFactory(coach=coach_a, first_name="Piet", last_name="Jansen")
        client.force_login(coach_a)
        page = client.get("/coach/clienten/?q=noor&status=onzin").context["page"]
        assert [c.first_name for c in page.object_list] == ["Noor"]

    def test_a_parent_of_a_child_is_invited(
        self, client, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        parent = GuardianFactory(client__coach=coach_a, email="moeder@praktijk.test", account=None)
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/coach/ouders/{parent.uuid}/portaal/")
        parent.refresh_from_db()
        assert parent.account.email == "moeder@praktijk.test"
        assert list(Client.objects.for_account(parent.account)) == [parent.client]
        assert mailoutbox[0].to == ["moeder@praktijk.test"]

    def test_a_parent_with_an_account_gets_the_second_child_linked(
        self, client, coach_a, guardian, mailoutbox, django_capture_on_commit_callbacks
    ):
        first_child = Client.objects.get(guardians__account=guardian)
        sibling = ClientFactory(coach=coach_a, first_name="Pim", date_of_birth=date(2019, 5, 5))
        parent = GuardianFactory(client=sibling, email=guardian.email.upper(), account=None)
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/coach/ouders/{parent.uuid}/portaal/", follow=True)
        assert "had al een account: Pim is eraan gekoppeld" in response.content.decode()
        parent.refresh_from_db()
        assert parent.account == guardian
        assert set(Client.objects.for_account(guardian)) == {first_child, sibling}
        assert mailoutbox[0].to == [guardian.email]
        assert "namens Pim" in mailoutbox[0].body
        assert "Faalangst" not in mailoutbox[0].body  # no dossier content in mail

    def test_a_coach_address_is_never_linked_as_a_parent(self, client, coach_a, coach_b):
        parent = GuardianFactory(client__coach=coach_a, email=coach_b.email, account=None)
        client.force_login(coach_a)
        response = client.post(f"/coach/ouders/{parent.uuid}/portaal/", follow=True)
        assert "Er bestaat al een account met dit e-mailadres." in response.content.decode()
        parent.refresh_from_db()
        assert parent.account is None


@pytest.mark.django_db
def test_the_pages_of_a_searched_list_keep_the_search(client, coach_a):
    for n in range(27):
        ClientFactory(coach=coach_a, first_name=f"Zilvia{n:02}")
    ClientFactory(coach=coach_a, first_name="Anders")
    client.force_login(coach_a)
    first = client.get("/coach/clienten/", {"q": "zilvia", "status": ""}).content.decode()
    assert "28 cliënten" not in first and "27 cliënten" in first
    assert 'href="?q=zilvia&amp;status=&amp;page=2"' in first
    second = client.get("/coach/clienten/?q=zilvia&status=&page=2").content.decode()
    assert 'href="?q=zilvia&amp;status=&amp;page=1"' in second
    # The search's second page: the 2 matches after the first 25, none of the others.
    assert second.count(">Zilvia") == 2 and "Anders" not in second
