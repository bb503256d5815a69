"""The intake prepared online: who must accept the coaching agreement by the client's age (Dutch
law on minors), accepting it once (also at the same moment), the texts and acceptances that
never change, the PDF, the intake questionnaire and its answers in the intake form, the e-mails,
the portal, the coach's traject page and Vandaag, and who may reach what."""

import io
import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from coaching.models import Client, Guardian, Send
from coaching.tests.factories import ClientFactory, GuardianFactory
from sessions.models import Appointment
from sessions.services.booking import appointment_book
from trajects.admin import AgreementTextAdmin
from trajects.agreement_pdf import agreement_pdf
from trajects.default_agreement import create_defaults
from trajects.models import (
    AgreementAcceptance,
    AgreementText,
    Evaluation,
    IntakeVersion,
    Question,
    Questionnaire,
    Traject,
)
from trajects.services.agreement import (
    CLIENT,
    agreement_accept,
    agreement_state,
    current_texts,
    party_path,
)
from trajects.services.evaluations import evaluation_submit
from trajects.services.intake_prep import intake_initial, intake_key, intake_planned, preparation
from trajects.tests.factories import START, TrajectFactory


@pytest.fixture(autouse=True)
def texts(db):
    """The first versions and the intake questionnaire (made by migration 0015, but a
    transactional test empties the tables behind it)."""
    create_defaults(AgreementText, Questionnaire, Question)


def born(age: int) -> date:
    """A birthday that makes the client `age` today (half a year past it)."""
    today = timezone.localdate()
    return today.replace(year=today.year - age) - timedelta(days=182)


def in_intake(coach, client=None, **fields) -> Traject:
    """A traject in its intake phase, of `client` or a new client with these fields."""
    traject = TrajectFactory(client=client or ClientFactory(coach=coach, **fields))
    traject.advance("record_kennismaking", by=coach, on=START + timedelta(days=1), mode="phone")
    traject.advance("start_intake", by=coach, on=START + timedelta(days=8))
    traject.refresh_from_db()
    return traject


def family(coach, age):
    """A client of `age` (None: no date of birth) with four adults around them: a mother and a
    father with parental authority (she with a portal account), a stepfather without, and a
    grandmother whose authority nobody recorded yet."""
    traject = in_intake(
        coach,
        first_name="Noor",
        last_name="Jansen",
        date_of_birth=born(age) if age is not None else None,
        email="noor@example.test",
    )
    client = traject.client
    people = {
        "mother": GuardianFactory(client=client, first_name="Moeder", has_parental_authority=True),
        "father": GuardianFactory(
            client=client,
            first_name="Vader",
            relation=Guardian.Relation.FATHER,
            has_parental_authority=True,
            account=None,
            email="vader@example.test",
        ),
        "stepfather": GuardianFactory(
            client=client, first_name="Stief", has_parental_authority=False, account=None
        ),
        "grandmother": GuardianFactory(
            client=client, first_name="Oma", has_parental_authority=None, account=None
        ),
    }
    keys = {name: str(guardian.uuid) for name, guardian in people.items()}
    keys["client"] = CLIENT
    return traject, keys


def logged() -> list[tuple]:
    """The audit log: (action, what, client, actor) of each row, oldest first."""
    return list(
        AuditEvent.objects.order_by("pk").values_list("action", "what", "client_id", "actor_id")
    )


def accept(traject, key, name="Iemand Naam", **kwargs):
    kwargs.setdefault("ip_address", "192.0.2.7")
    kwargs.setdefault("account", None)
    kwargs.setdefault("language", "nl")
    return agreement_accept(traject=traject, key=key, name=name, **kwargs)


# --- Who must accept, by age -------------------------------------------------------------------

# age: (who must each accept, of whom one must accept, who may not accept at all)
AGE_TABLE = {
    7: ({"mother", "father"}, set(), {"client", "stepfather", "grandmother"}),
    11: ({"mother", "father"}, set(), {"client", "stepfather", "grandmother"}),
    12: ({"client"}, {"mother", "father"}, {"stepfather", "grandmother"}),
    13: ({"client"}, {"mother", "father"}, {"stepfather", "grandmother"}),
    15: ({"client"}, {"mother", "father"}, {"stepfather", "grandmother"}),
    16: ({"client"}, set(), {"mother", "father", "stepfather", "grandmother"}),
    17: ({"client"}, set(), {"mother", "father", "stepfather", "grandmother"}),
    40: ({"client"}, set(), {"mother", "father", "stepfather", "grandmother"}),
    None: ({"client"}, set(), {"mother", "father", "stepfather", "grandmother"}),
}


@pytest.mark.parametrize("age", list(AGE_TABLE))
def test_who_must_and_may_accept_follows_the_age_of_the_client(coach_a, age):
    traject, keys = family(coach_a, age)
    needed, one_of, refused = AGE_TABLE[age]
    state = agreement_state(traject)
    by_key = {value: name for name, value in keys.items()}
    assert {by_key[party.key] for party in state.needed} == needed
    assert {by_key[party.key] for party in state.one_of} == one_of
    assert not state.done
    for name in sorted(refused):
        with pytest.raises(ValidationError) as refusal:
            accept(traject, keys[name])
        assert refusal.value.code == "not_a_party"
    assert AgreementAcceptance.objects.count() == 0
    # Each who must, and one of those of whom one must: then it is done, and not before.
    order = sorted(needed) + sorted(one_of)[:1]
    for done_count, name in enumerate(order, start=1):
        assert not agreement_state(traject).done
        accept(traject, keys[name], name=f"{name} naam")
        assert AgreementAcceptance.objects.count() == done_count
    assert agreement_state(traject).done
    if one_of:  # the other parent may still accept too
        accept(traject, keys[sorted(one_of)[1]], name="tweede ouder")
        assert agreement_state(traject).done


def test_under_12_without_a_parent_with_authority_nobody_can_accept_yet(coach_a):
    traject = in_intake(coach_a, date_of_birth=born(9))
    GuardianFactory(client=traject.client, has_parental_authority=None)
    state = agreement_state(traject)
    assert state.needed == [] and not state.done
    assert any("geen ouder met ouderlijk gezag" in line for line in state.missing())
    assert len(state.unknown_authority) == 1


def test_12_to_15_the_child_alone_is_not_enough(coach_a):
    traject, keys = family(coach_a, 13)
    accept(traject, CLIENT, name="Noor Jansen")
    state = agreement_state(traject)
    assert not state.done
    assert state.missing() == ["Nog geen ouder met ouderlijk gezag heeft akkoord gegeven."]


# --- One acceptance, immutable -----------------------------------------------------------------


def test_an_acceptance_keeps_who_when_where_and_the_texts_checksums(coach_a, coachee):
    traject = in_intake(coach_a, Client.objects.get(account=coachee))
    acceptance = accept(traject, CLIENT, name="  Eva   de  Vries ", account=coachee)
    terms, privacy = current_texts()
    assert acceptance.name == "Eva de Vries"
    assert acceptance.ip_address == "192.0.2.7"
    assert acceptance.account_email == coachee.email
    assert acceptance.client_age == traject.client.age
    assert (acceptance.terms, acceptance.privacy) == (terms, privacy)
    assert acceptance.terms_sha256 == AgreementText.digest(terms.title, terms.body)
    assert acceptance.privacy_sha256 == AgreementText.digest(privacy.title, privacy.body)
    with pytest.raises(ValidationError) as again:
        accept(traject, CLIENT)
    assert again.value.code == "already_accepted"


def test_english_readers_accept_the_english_text_and_its_checksum(coach_a):
    traject = in_intake(coach_a, date_of_birth=born(30))
    acceptance = accept(traject, CLIENT, language="en-gb")
    terms, _privacy = current_texts()
    assert acceptance.language == "en"
    assert acceptance.terms_sha256 == AgreementText.digest(terms.title_en, terms.body_en)


def test_no_name_no_acceptance(coach_a):
    traject = in_intake(coach_a, date_of_birth=born(30))
    with pytest.raises(ValidationError):
        accept(traject, CLIENT, name="  ")
    assert not AgreementAcceptance.objects.exists()


def test_a_closed_traject_takes_no_acceptance(coach_a):
    traject = in_intake(coach_a, date_of_birth=born(30))
    traject.advance("stop", by=coach_a, on=timezone.localdate(), note="verhuisd")
    with pytest.raises(ValidationError) as refusal:
        accept(traject, CLIENT)
    assert refusal.value.code == "closed"


def test_the_database_refuses_to_change_an_acceptance_or_a_text(coach_a):
    traject = in_intake(coach_a, date_of_birth=born(30))
    acceptance = accept(traject, CLIENT)
    with pytest.raises(DatabaseError), transaction.atomic():
        AgreementAcceptance.objects.filter(pk=acceptance.pk).update(name="Iemand anders")
    with pytest.raises(DatabaseError), transaction.atomic():
        AgreementText.objects.filter(pk=acceptance.terms_id).update(body="Andere voorwaarden.")
    acceptance.refresh_from_db()
    assert acceptance.name == "Iemand Naam"


def test_the_database_refuses_a_second_acceptance_by_the_same_person(coach_a):
    traject, keys = family(coach_a, 8)
    first = accept(traject, keys["mother"])
    terms, privacy = current_texts()
    with pytest.raises(DatabaseError), transaction.atomic():
        AgreementAcceptance.objects.create(
            traject=traject,
            party="guardian",
            guardian_uuid=first.guardian_uuid,
            name="nog eens",
            language="nl",
            terms=terms,
            terms_sha256="x",
            privacy=privacy,
            privacy_sha256="y",
        )


def test_a_new_version_changes_nothing_that_was_accepted(coach_a, admin_user, rf):
    traject, keys = family(coach_a, 8)
    first = accept(traject, keys["mother"], name="Moeder Jansen")
    before = agreement_pdf(first)
    old_terms = AgreementText.objects.get(pk=first.terms_id)
    old_body = old_terms.body

    # The admin "changes" the terms: the admin saves a new version.
    request = rf.post("/")
    request.user = admin_user
    old_terms.body = "Nieuwe voorwaarden: de annuleringstermijn is voortaan 48 uur."
    AgreementTextAdmin(AgreementText, None).save_model(request, old_terms, None, change=True)

    terms, _privacy = current_texts()
    assert terms.version == 2 and terms.pk != first.terms_id
    first.refresh_from_db()
    kept = AgreementText.objects.get(pk=first.terms_id)
    assert kept.version == 1 and kept.body == old_body
    assert agreement_pdf(first) == before  # the same bytes: the text as it was accepted
    assert b"48 uur" not in before

    # The second parent accepts the new version; the first keeps theirs.
    second = accept(traject, keys["father"], name="Vader Jansen")
    assert (second.terms.version, first.terms.version) == (2, 1)
    assert agreement_state(traject).done


def test_a_text_renewed_while_the_page_was_open_is_not_accepted_unread(coach_a, admin_user, rf):
    traject = in_intake(coach_a, date_of_birth=born(30))
    shown = tuple(text.version for text in current_texts())
    request = rf.post("/")
    request.user = admin_user
    privacy = current_texts()[1]
    privacy.body += "\n\nEen nieuwe alinea."
    AgreementTextAdmin(AgreementText, None).save_model(request, privacy, None, change=True)
    with pytest.raises(ValidationError) as refusal:
        accept(traject, CLIENT, versions=shown)
    assert refusal.value.code == "new_version"


@pytest.mark.django_db(transaction=True)
def test_accepting_twice_at_the_same_moment_records_one_acceptance(coach_a):
    create_defaults(AgreementText, Questionnaire, Question)
    traject, keys = family(coach_a, 8)
    workers = 8
    barrier = threading.Barrier(workers)
    results, lock = [], threading.Lock()

    def attempt(n):
        barrier.wait()
        try:
            accept(traject, keys["mother"], name=f"Moeder {n}")
            outcome = "accepted"
        except ValidationError as error:
            outcome = error.code
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test below
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["accepted"] + ["already_accepted"] * (workers - 1), results
    assert AgreementAcceptance.objects.filter(traject=traject).count() == 1


# --- The PDF -----------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_holds_who_when_and_both_texts(coach_a):
    traject, keys = family(coach_a, 13)
    acceptance = accept(traject, keys["mother"], name="Moeder Jansen")
    text = pdf_text(agreement_pdf(acceptance))
    assert "Moeder Jansen (moeder, ouder met gezag)" in text
    assert "Coachingsovereenkomst en voorwaarden (versie 1)" in text
    assert "Privacyverklaring (versie 1)" in text
    assert acceptance.terms_sha256 in text.replace("\n", "")
    assert "192.0.2.7" in text


# --- When the intake is planned ----------------------------------------------------------------


@pytest.fixture
def intake_type(db):
    from sessions.models import SessionType

    return SessionType.objects.create(
        kind="intake", name="Intakegesprek", default_minutes=90, allowed_modes=["practice"]
    )


def plan_intake(traject, coach, days=3, **kwargs):
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=days)
    return appointment_book(
        coach=coach,
        start=start,
        end=start + timedelta(minutes=90),
        kind=Appointment.Kind.INTAKE,
        mode="practice",
        by=coach,
        traject=traject,
        notify=True,
        **kwargs,
    )


def delivered(django_capture_on_commit_callbacks, action):
    with django_capture_on_commit_callbacks(execute=True):
        result = action()  # the outbox's rows go to the (eager) worker on commit
    return result


def test_planning_the_intake_asks_the_questionnaire_and_mails_the_preparation(
    coach_a, coachee, django_capture_on_commit_callbacks
):
    other = in_intake(coach_a)  # another client's traject: untouched
    own = TrajectFactory(client=Client.objects.get(account=coachee))
    own.advance("record_kennismaking", by=coach_a, on=START + timedelta(days=1), mode="phone")
    own.advance("start_intake", by=coach_a, on=START + timedelta(days=8))
    own.refresh_from_db()
    appointment = delivered(django_capture_on_commit_callbacks, lambda: plan_intake(own, coach_a))
    evaluation = Evaluation.objects.get(key=intake_key(own))
    assert evaluation.questionnaire.kind == Questionnaire.Kind.INTAKE
    assert timezone.localdate(evaluation.expires_at) == timezone.localdate(appointment.start)
    (prep,) = [m for m in mail.outbox if "voorbereiden" in m.subject]
    assert prep.to == ["coachee@praktijk.test"]
    assert "/evaluatie/" in prep.body and party_path(own, CLIENT) in prep.body
    assert Send.objects.get(subject=f"intake:{own.pk}").status == Send.Status.SENT
    assert not Evaluation.objects.filter(key=intake_key(other)).exists()
    # Moved to a later day: no second mail, and the questionnaire stays open until then.
    from sessions.services.booking import appointment_move

    later = appointment.start + timedelta(days=4)
    delivered(
        django_capture_on_commit_callbacks,
        lambda: appointment_move(
            appointment=appointment, start=later, end=later + timedelta(hours=1)
        ),
    )
    evaluation.refresh_from_db()
    assert timezone.localdate(evaluation.expires_at) == timezone.localdate(later)
    assert len([m for m in mail.outbox if "voorbereiden" in m.subject]) == 1


def test_a_child_of_13_gets_a_mail_of_their_own_and_each_parent_theirs(
    coach_a, django_capture_on_commit_callbacks
):
    traject, keys = family(coach_a, 13)
    delivered(django_capture_on_commit_callbacks, lambda: plan_intake(traject, coach_a))
    by_address = {
        message.to[0]: message for message in mail.outbox if "voorbereiden" in message.subject
    }
    assert set(by_address) >= {"noor@example.test", "vader@example.test"}
    child = by_address["noor@example.test"]
    assert party_path(traject, CLIENT) in child.body and "/evaluatie/" not in child.body
    father = by_address["vader@example.test"]
    assert "intakegesprek van Noor" in father.body
    assert party_path(traject, keys["father"]) in father.body
    # The stepfather (no authority) hears of the intake but gets no link to accept.
    for message in by_address.values():
        assert party_path(traject, keys["stepfather"]) not in message.body


def test_the_link_page_accepts_without_logging_in_and_then_offers_the_pdf(client, coach_a):
    traject, keys = family(coach_a, 13)
    path = party_path(traject, CLIENT)
    page = client.get(path)
    assert page.status_code == 200
    assert "Coachingsovereenkomst en voorwaarden" in page.text
    assert "Noor is 13: Noor geeft zelf akkoord, en een ouder met ouderlijk gezag ook." in page.text
    terms, privacy = current_texts()
    versions = {"terms_version": terms.version, "privacy_version": privacy.version}
    refused = client.post(path, {"name": "Noor Jansen", **versions})
    assert "Vink aan dat je akkoord gaat." in refused.text
    assert not AgreementAcceptance.objects.exists()
    done = client.post(path, {"name": "Noor Jansen", "agree": "on", **versions}, follow=True)
    assert "Dank je wel! Je akkoord is vastgelegd." in done.text
    acceptance = AgreementAcceptance.objects.get()
    assert acceptance.party == "client" and acceptance.account_email == ""
    assert acceptance.ip_address == "127.0.0.1"
    assert logged() == [("create", "agreement", traject.client_id, None)]
    pdf = client.get(path + "pdf/")
    assert logged()[-1] == ("export", "agreement", traject.client_id, None)
    assert pdf["Content-Type"] == "application/pdf"
    assert "Noor Jansen (de cliënt)" in pdf_text(pdf.content)


def test_a_wrong_token_or_another_persons_key_is_a_404(client, coach_a):
    traject, keys = family(coach_a, 8)
    path = party_path(traject, keys["mother"])
    assert client.get(path.replace(keys["mother"], keys["father"])).status_code == 404
    assert client.get(path[:-3] + "xx/").status_code == 404
    assert client.get(path + "pdf/").status_code == 404  # nothing accepted yet


def test_a_coach_who_opens_the_link_reads_but_cannot_accept(client, coach_a):
    traject, keys = family(coach_a, 8)
    client.force_login(coach_a)
    path = party_path(traject, keys["mother"])
    page = client.get(path)
    assert (
        "Je bent ingelogd als coach of beheerder." in page.text
        and "<form" not in page.text.split("<main")[-1]
    )
    terms, privacy = current_texts()
    client.post(path, {"name": "Anna", "agree": "on", "terms_version": 1, "privacy_version": 1})
    assert not AgreementAcceptance.objects.exists()


def test_the_parent_in_the_portal_sees_what_to_do_and_downloads_the_pdf(client, coach_a, guardian):
    child = Client.objects.get(guardians__account=guardian)
    traject = TrajectFactory(client=child)
    traject.advance("record_kennismaking", by=coach_a, on=START + timedelta(days=1), mode="phone")
    traject.advance("start_intake", by=coach_a, on=START + timedelta(days=8))
    traject.refresh_from_db()
    key = str(child.guardians.get().uuid)
    client.force_login(guardian)
    home = client.get(reverse("portal_home"))
    assert "Intake voorbereiden" in home.text
    page = client.get(reverse("portal_intake"))
    assert party_path(traject, key) in page.text
    acceptance = accept(traject, key, name="Marco Ouder", account=guardian)
    page = client.get(reverse("portal_intake"))
    pdf_url = reverse("portal_agreement_pdf", args=[acceptance.uuid])
    assert pdf_url in page.text
    assert client.get(pdf_url)["Content-Type"] == "application/pdf"
    # Done (Lotte is 10: her parents accept): the home no longer asks.
    assert agreement_state(traject).done
    assert "Intake voorbereiden" not in client.get(reverse("portal_home")).text


def test_nobody_else_reaches_an_acceptance(client, coach_a, coach_b, coachee, guardian):
    traject, keys = family(coach_a, 8)
    acceptance = accept(traject, keys["mother"])
    client.force_login(coachee)
    assert client.get(reverse("portal_agreement_pdf", args=[acceptance.uuid])).status_code == 404
    client.force_login(coach_b)
    assert client.get(reverse("coach_agreement_pdf", args=[acceptance.uuid])).status_code == 404
    client.force_login(coach_a)
    assert client.get(reverse("coach_agreement_pdf", args=[acceptance.uuid])).status_code == 200
    assert logged()[-1] == ("export", "agreement", traject.client_id, coach_a.pk)


# --- What the coach sees -----------------------------------------------------------------------


def answer_intake(traject, by=None):
    evaluation = Evaluation.objects.get(key=intake_key(traject))
    questions = {q.intake_field: q.pk for q in evaluation.questionnaire.questions.all()}
    evaluation_submit(
        evaluation=evaluation,
        answers={
            questions["help_question"]: "Ik lig wakker van toetsen.",
            questions["steps_taken"]: "Een cursus faalangst, hielp een beetje.",
            questions["goals"]: "Rustig een toets maken.",
        },
        by=by,
    )


def test_the_answers_fill_the_intake_form_which_the_coach_edits(client, coach_a, intake_type):
    traject = in_intake(coach_a, date_of_birth=born(30))
    plan_intake(traject, coach_a)
    answer_intake(traject)
    assert intake_initial(traject) == {
        "help_question": "Ik lig wakker van toetsen.",
        "steps_taken": "Een cursus faalangst, hielp een beetje.",
        "goals": "Rustig een toets maken.",
    }
    client.force_login(coach_a)
    url = reverse("traject_step", args=[traject.uuid, "record_intake"])
    page = client.get(url)
    assert logged()[-1] == ("view", "intake", traject.client_id, coach_a.pk)
    assert "Ik lig wakker van toetsen.</textarea>" in page.text
    assert "De velden zijn ingevuld met de antwoorden op de intakevragenlijst." in page.text
    assert "de coachingsovereenkomst is nog niet rond" in page.text
    client.post(
        url,
        {
            "on": timezone.localdate().isoformat(),
            "help_question": "Faalangst bij toetsen (besproken)",
        },
    )
    assert IntakeVersion.objects.get(traject=traject).help_question == (
        "Faalangst bij toetsen (besproken)"
    )


def test_the_traject_page_shows_the_preparation(client, coach_a):
    traject, keys = family(coach_a, 13)
    accept(traject, keys["mother"], name="Moeder Jansen")
    client.force_login(coach_a)
    page = client.get(reverse("traject_detail", args=[traject.uuid]))
    assert "Voorbereiding van de intake" in page.text
    assert "Moeder Jansen gaf akkoord op" in page.text
    assert "Noor Jansen: nog geen akkoord" in page.text
    assert party_path(traject, CLIENT) in page.text  # to hand over in person
    assert "Gezag nog niet vastgelegd:" in page.text


def test_vandaag_says_of_todays_intake_whether_it_was_prepared(client, coach_a, intake_type):
    traject = in_intake(coach_a, date_of_birth=born(30))
    # Early today: before now (written down) unless the test runs in the day's first minutes.
    start = timezone.localtime().replace(hour=0, minute=5, second=0, microsecond=0)
    appointment_book(
        coach=coach_a,
        start=start,
        end=start + timedelta(minutes=30),
        kind=Appointment.Kind.INTAKE,
        mode="practice",
        by=coach_a,
        traject=traject,
    )
    intake_planned(traject, start)  # as the booking does for an intake still to come
    client.force_login(coach_a)
    page = client.get(reverse("coach_dashboard"))
    assert "vragenlijst nog niet ingevuld" in page.text
    assert "overeenkomst nog niet geaccepteerd" in page.text
    answer_intake(traject)
    accept(traject, CLIENT)
    page = client.get(reverse("coach_dashboard"))
    assert "vragenlijst ingevuld" in page.text and "overeenkomst geaccepteerd" in page.text
    assert "nog niet" not in page.text.split("today-prep")[1].split("</div>")[0]
    assert preparation(traject).done


def test_without_an_intake_questionnaire_in_use_the_agreement_alone_prepares_it(coach_a):
    Questionnaire.objects.filter(kind=Questionnaire.Kind.INTAKE).update(active=False)
    traject = in_intake(coach_a, date_of_birth=born(30))
    assert intake_planned(traject, timezone.now() + timedelta(days=2)) is None
    assert not preparation(traject).done
    accept(traject, CLIENT)
    assert preparation(traject).done


def test_the_mail_is_skipped_once_the_traject_left_its_intake_phase(
    coach_a, coachee, django_capture_on_commit_callbacks
):
    traject = TrajectFactory(client=Client.objects.get(account=coachee))
    traject.advance("record_kennismaking", by=coach_a, on=START + timedelta(days=1), mode="phone")
    traject.advance("start_intake", by=coach_a, on=START + timedelta(days=8))
    traject.refresh_from_db()
    start = timezone.now() + timedelta(days=2)
    with transaction.atomic():
        intake_planned(traject, start)
        traject.advance("stop", by=coach_a, on=timezone.localdate(), note="toch niet")
    from coaching import outbox

    (send,) = Send.objects.filter(kind="intake_prep")
    outbox.deliver([send.pk])
    send.refresh_from_db()
    assert send.status == Send.Status.SKIPPED
    assert not [m for m in mail.outbox if "voorbereiden" in m.subject]


def test_the_coach_is_told_when_no_parent_with_authority_is_known(client, coach_a):
    traject = in_intake(coach_a, date_of_birth=born(9))
    GuardianFactory(client=traject.client, first_name="Onbekend", has_parental_authority=None)
    client.force_login(coach_a)
    page = client.get(reverse("traject_detail", args=[traject.uuid])).text
    assert "Er is geen ouder met ouderlijk gezag bekend" in page
    assert "Gezag nog niet vastgelegd:" in page and "Onbekend" in page


# --- Each person for themselves ----------------------------------------------------------------


def test_a_logged_in_account_accepts_only_as_itself(client, coach_a, guardian):
    """A parent on the child's link, or on the other parent's: refused, nothing stored."""
    child = Client.objects.get(guardians__account=guardian)
    child.date_of_birth = born(13)
    child.save()
    traject = in_intake(coach_a, child)
    other = GuardianFactory(client=child, first_name="Moeder", account=None)
    client.force_login(guardian)
    terms, privacy = current_texts()
    form = {"name": "Marco", "agree": "on", "terms_version": 1, "privacy_version": 1}
    for key in (CLIENT, str(other.uuid)):
        page = client.post(party_path(traject, key), form)
        assert "Je bent ingelogd als iemand anders dan voor wie deze link is." in page.text
    assert not AgreementAcceptance.objects.exists()
    # His own link: accepted, with his login recorded.
    own = str(child.guardians.get(account=guardian).uuid)
    client.post(party_path(traject, own), form)
    assert AgreementAcceptance.objects.get().account_email == guardian.email


def test_a_parent_without_authority_or_of_a_16_year_old_cannot_accept(client, coach_a, guardian):
    child = Client.objects.get(guardians__account=guardian)
    mine = child.guardians.get(account=guardian)
    traject = in_intake(coach_a, child)
    form = {"name": "Marco", "agree": "on", "terms_version": 1, "privacy_version": 1}
    client.force_login(guardian)
    for authority, age, refusal in (
        (False, 10, "Alleen een ouder met ouderlijk gezag kan akkoord geven."),
        (None, 13, "Alleen een ouder met ouderlijk gezag kan akkoord geven."),
        (True, 16, "Vanaf 16 jaar geeft de cliënt zelf akkoord"),
    ):
        Guardian.objects.filter(pk=mine.pk).update(has_parental_authority=authority)
        Client.objects.filter(pk=child.pk).update(date_of_birth=born(age))
        page = client.get(party_path(traject, str(mine.uuid)))
        assert refusal in page.text and "Ik ga akkoord" not in page.text
        client.post(party_path(traject, str(mine.uuid)), form)
        portal = client.get(reverse("portal_intake")).text
        assert "Lezen en akkoord geven" not in portal
        assert "Vragenlijst invullen" not in portal
    assert not AgreementAcceptance.objects.exists()


def test_from_16_the_client_gets_the_questionnaire_and_the_parents_no_mail(
    coach_a, django_capture_on_commit_callbacks
):
    traject, keys = family(coach_a, 16)
    delivered(django_capture_on_commit_callbacks, lambda: plan_intake(traject, coach_a))
    (prep,) = [m for m in mail.outbox if "voorbereiden" in m.subject]
    assert prep.to == ["noor@example.test"]
    assert "/evaluatie/" in prep.body and party_path(traject, CLIENT) in prep.body
    assert Send.objects.get(subject=f"intake:{traject.pk}").status == Send.Status.SKIPPED


def test_under_16_only_parents_with_authority_get_the_questionnaire(
    coach_a, django_capture_on_commit_callbacks
):
    traject, keys = family(coach_a, 9)
    Guardian.objects.filter(first_name="Stief").update(email="stief@example.test")
    delivered(django_capture_on_commit_callbacks, lambda: plan_intake(traject, coach_a))
    prepared = {m.to[0]: m for m in mail.outbox if "voorbereiden" in m.subject}
    assert "stief@example.test" not in prepared
    assert "/evaluatie/" in prepared["vader@example.test"].body


def test_a_parent_downloads_their_own_acceptance_not_the_other_parents(client, coach_a, guardian):
    child = Client.objects.get(guardians__account=guardian)
    traject = in_intake(coach_a, child)
    other = GuardianFactory(client=child, first_name="Moeder", account=None)
    mine = accept(
        traject, str(child.guardians.get(account=guardian).uuid), account=guardian, name="Marco"
    )
    theirs = accept(traject, str(other.uuid), name="Moeder")
    client.force_login(guardian)
    assert client.get(reverse("portal_agreement_pdf", args=[mine.uuid])).status_code == 200
    assert client.get(reverse("portal_agreement_pdf", args=[theirs.uuid])).status_code == 404
    page = client.get(reverse("portal_intake")).text
    assert reverse("portal_agreement_pdf", args=[theirs.uuid]) not in page
    assert "Akkoord gegeven op" in page  # that she accepted shows, her PDF does not


def test_the_coachs_pdf_says_where_from_the_export_does_not(coach_a):
    traject, keys = family(coach_a, 8)
    acceptance = accept(traject, keys["mother"], name="Moeder Jansen")
    assert "192.0.2.7" in pdf_text(agreement_pdf(acceptance))
    assert "192.0.2.7" not in pdf_text(agreement_pdf(acceptance, trace=False))


def test_a_client_who_accepted_is_erased_with_the_acceptance(client, coach_a, guardian):
    """Erasure deletes the trajects with their acceptances, and the parent's account that
    accepted (append-only rows that point to nothing that is deleted)."""
    from privacy.erasure import client_erase

    child = Client.objects.get(guardians__account=guardian)
    traject = in_intake(coach_a, child)
    accept(traject, str(child.guardians.get().uuid), account=guardian, name="Marco")
    traject.advance("stop", by=coach_a, on=timezone.localdate(), note="verhuisd")
    client_erase(client=child, by=coach_a, request=None)
    assert not AgreementAcceptance.objects.exists()
    assert not type(guardian).objects.filter(pk=guardian.pk).exists()


def test_the_admin_saves_a_version_only_when_the_text_changed(coach_a, admin_user, client):
    client.force_login(admin_user)
    terms, _privacy = current_texts()
    url = reverse("admin:trajects_agreementtext_change", args=[terms.pk])
    form = {"title": terms.title, "title_en": terms.title_en, "body": terms.body}
    form["body_en"] = terms.body_en
    page = client.post(url, form, follow=True)
    assert "Er is niets veranderd; versie 1 blijft." in page.text
    assert AgreementText.objects.filter(kind="terms").count() == 1
    page = client.post(url, {**form, "body": terms.body + "\n\nEen alinea erbij."}, follow=True)
    assert "Opgeslagen als versie 2." in page.text
    new = current_texts()[0]
    assert new.version == 2 and new.created_at > terms.created_at
    assert new.created_by == admin_user.get_full_name()


def test_the_intake_questionnaire_is_not_among_the_portals_evaluations(client, coach_a, coachee):
    traject = in_intake(coach_a, Client.objects.get(account=coachee))
    intake_planned(traject, timezone.now() + timedelta(days=2))
    client.force_login(coachee)
    assert (
        "Voorbereiding op het intakegesprek" not in client.get(reverse("portal_evaluations")).text
    )
    assert "Voorbereiding op het intakegesprek" not in client.get(reverse("portal_home")).text
    assert "Vragenlijst invullen" in client.get(reverse("portal_intake")).text
