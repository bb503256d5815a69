import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from coaching.services.consents import consent_withdraw
from coaching.tests.factories import GuardianFactory
from trajects.models import DossierEntry, DossierEntryVersion, IntakeVersion
from trajects.services.dossier import dossier_entry_correct, intake_update
from trajects.tests.factories import (
    START,
    ConsentFactory,
    ThirdPartyFactory,
    TrajectFactory,
    note,
    running_traject,
)

DAY = START + timedelta(days=20)


@pytest.fixture
def traject(coach_a):
    return running_traject(coach_a)


@pytest.mark.django_db
class TestVersions:
    def test_a_correction_keeps_the_earlier_text_with_who_and_when(self, traject, coach_a):
        entry = note(traject, coach_a, "Eerste versie")
        dossier_entry_correct(entry=entry, by=coach_a, text="Verbeterde versie")
        versions = list(entry.versions.values_list("number", "text", "created_by"))
        assert versions == [(2, "Verbeterde versie", coach_a.pk), (1, "Eerste versie", coach_a.pk)]
        assert entry.current.text == "Verbeterde versie"

    def test_the_database_refuses_to_change_a_version(self, traject, coach_a):
        entry = note(traject, coach_a, "Eerste versie")
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            DossierEntryVersion.objects.filter(entry=entry).update(text="stiekem anders")
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            DossierEntry.objects.filter(pk=entry.pk).update(occurred_on=START)
        assert entry.current.text == "Eerste versie"

    def test_intake_updates_are_versions(self, traject, coach_a):
        intake_update(
            traject=traject, by=coach_a, help_question="Faalangst en slapen",
            life_history="", steps_taken="", goals="",
        )  # fmt: skip
        assert list(traject.intake_versions.values_list("number", flat=True)) == [2, 1]
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            IntakeVersion.objects.filter(traject=traject).update(goals="x")

    def test_the_intake_record_is_updated_only_after_it_was_recorded(self, coach_a):
        fresh = TrajectFactory(client__coach=coach_a)
        with pytest.raises(ValidationError):
            intake_update(
                traject=fresh, by=coach_a, help_question="x",
                life_history="", steps_taken="", goals="",
            )  # fmt: skip


@pytest.mark.django_db
class TestEntryRules:
    def test_no_session_notes_before_the_intake(self, coach_a):
        fresh = TrajectFactory(client__coach=coach_a)
        with pytest.raises(ValidationError) as error:
            note(fresh, coach_a, occurred_on=START)
        assert "vanaf de datum van de intake" in str(error.value)
        note(fresh, coach_a, kind="phone", occurred_on=START)  # a phone call is fine

    def test_nothing_new_on_a_closed_traject(self, traject, coach_a):
        traject.advance("close", by=coach_a, on=DAY)
        with pytest.raises(ValidationError) as error:
            note(traject, coach_a, kind="other", occurred_on=DAY)
        assert "afgesloten" in str(error.value)

    def test_observation_needs_a_place(self, traject, coach_a):
        with pytest.raises(ValidationError):
            note(traject, coach_a, kind="observation")
        note(traject, coach_a, kind="observation", location="school")


@pytest.mark.django_db
class TestConsentEnforcement:
    def contact(self, traject, coach_a, party, on=DAY):
        return note(traject, coach_a, "Gesprek met de mentor", kind="contact", third_party=party,
                    occurred_on=on)  # fmt: skip

    def test_contact_with_consent(self, traject, coach_a):
        party = ThirdPartyFactory(client=traject.client)
        ConsentFactory(third_party=party)
        entry = self.contact(traject, coach_a, party)
        assert entry.third_party == party

    def test_no_contact_without_consent_and_the_message_says_what_to_do(self, traject, coach_a):
        party = ThirdPartyFactory(client=traject.client, name="Het Kompas")
        with pytest.raises(ValidationError) as error:
            self.contact(traject, coach_a, party)
        message = error.value.message_dict["third_party"][0]
        assert "geen geldige toestemming voor contact met Het Kompas" in message
        assert "Leg eerst bij de cliënt vast" in message
        assert not DossierEntry.objects.exists()

    def test_consent_for_another_party_does_not_count(self, traject, coach_a):
        ConsentFactory(third_party=ThirdPartyFactory(client=traject.client))
        other = ThirdPartyFactory(client=traject.client)
        with pytest.raises(ValidationError):
            self.contact(traject, coach_a, other)

    def test_withdrawn_consent(self, traject, coach_a):
        party = ThirdPartyFactory(client=traject.client)
        consent = ConsentFactory(third_party=party)
        consent_withdraw(consent=consent, by=coach_a, on=DAY)
        with pytest.raises(ValidationError):
            self.contact(traject, coach_a, party, on=DAY)
        # Not even back-dated to a day it was still valid: after a withdrawal nothing more is
        # recorded for that party.
        with pytest.raises(ValidationError):
            self.contact(traject, coach_a, party, on=DAY - timedelta(1))
        assert not DossierEntry.objects.filter(kind="contact").exists()

    def test_expired_consent(self, traject, coach_a):
        party = ThirdPartyFactory(client=traject.client)
        ConsentFactory(third_party=party, valid_until=DAY - timedelta(1))
        with pytest.raises(ValidationError):
            self.contact(traject, coach_a, party)

    def test_consent_given_later_does_not_cover_earlier_contact(self, traject, coach_a):
        party = ThirdPartyFactory(client=traject.client)
        ConsentFactory(third_party=party, given_on=DAY + timedelta(1))
        with pytest.raises(ValidationError):
            self.contact(traject, coach_a, party)

    def test_a_party_of_another_client_is_refused(self, traject, coach_a):
        elsewhere = ConsentFactory().third_party
        with pytest.raises(ValidationError):
            self.contact(traject, coach_a, elsewhere)


@pytest.mark.django_db
class TestConsentOfAChild:
    def test_under_16_consent_comes_from_a_guardian_with_authority(self, coach_a):
        from coaching.services.consents import consent_record

        child_guardian = GuardianFactory(
            client__coach=coach_a, client__date_of_birth=date(2014, 1, 1)
        )
        child = child_guardian.client
        school = ThirdPartyFactory(client=child)
        with pytest.raises(ValidationError) as error:
            consent_record(client=child, third_party=school, purpose="verslag", given_on=DAY,
                           valid_until=None, given_by_guardian=None, by=coach_a)  # fmt: skip
        assert "jonger dan 16" in str(error.value)
        no_authority = GuardianFactory(client=child, has_parental_authority=False)
        with pytest.raises(ValidationError):
            consent_record(
                client=child,
                third_party=school,
                purpose="verslag",
                given_on=DAY,
                valid_until=None,
                given_by_guardian=no_authority,
                by=coach_a,
            )
        consent = consent_record(client=child, third_party=school, purpose="verslag",
                                 given_on=DAY, valid_until=None,
                                 given_by_guardian=child_guardian, by=coach_a)  # fmt: skip
        assert consent.given_by_guardian == child_guardian

    def test_a_16_year_old_consents_themselves(self, coach_a):
        from coaching.services.consents import consent_record
        from coaching.tests.factories import ClientFactory

        teen = ClientFactory(coach=coach_a, date_of_birth=date(2009, 1, 1))
        school = ThirdPartyFactory(client=teen)
        consent = consent_record(client=teen, third_party=school, purpose="verslag",
                                 given_on=DAY, valid_until=None, given_by_guardian=None,
                                 by=coach_a)  # fmt: skip
        assert consent.given_by_label == "de cliënt zelf"


@pytest.mark.django_db(transaction=True)
def test_a_contact_waits_for_a_withdrawal_in_progress_and_is_then_refused(coach_a):
    """The consent row is locked by both workflows. While a withdrawal holds it (not yet
    committed), a contact for that party must wait, and after the withdrawal commits it must be
    refused. Without the lock the contact would read the old row and be recorded."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises all writes")
    import time

    from coaching.models import Consent

    traject = running_traject(coach_a)
    party = ThirdPartyFactory(client=traject.client)
    consent = ConsentFactory(third_party=party)
    locked = threading.Event()
    outcome = {}

    def withdraw_slowly():
        try:
            with transaction.atomic():
                row = Consent.objects.select_for_update().get(pk=consent.pk)
                row.withdrawn_on = DAY
                row.save(update_fields=["withdrawn_on"])
                locked.set()
                time.sleep(1.0)  # the contact arrives now
        finally:
            connection.close()

    def contact():
        locked.wait(10)
        try:
            note(traject, coach_a, kind="contact", third_party=party, occurred_on=DAY)
            outcome["contact"] = "recorded"
        except ValidationError:
            outcome["contact"] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=withdraw_slowly), threading.Thread(target=contact)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome["contact"] == "refused"
    assert not DossierEntry.objects.filter(kind="contact").exists()


@pytest.mark.django_db
class TestEntryDates:
    def test_not_before_registration_nor_in_the_future(self, traject, coach_a):
        for day in (traject.registered_on - timedelta(1), date.today() + timedelta(1)):
            with pytest.raises(ValidationError) as error:
                note(traject, coach_a, kind="phone", occurred_on=day)
            assert "vanaf de aanmelding" in str(error.value)

    def test_no_session_note_back_dated_before_the_intake(self, traject, coach_a):
        with pytest.raises(ValidationError):
            note(traject, coach_a, occurred_on=traject.intake_on - timedelta(1))
        note(traject, coach_a, occurred_on=traject.intake_on)

    def test_the_same_form_sent_twice_stores_one_entry(self, traject, coach_a):
        import uuid

        form_id = uuid.uuid4()
        first = note(traject, coach_a, submission=form_id)
        second = note(traject, coach_a, submission=form_id)
        assert first == second
        assert traject.entries.count() == 1
