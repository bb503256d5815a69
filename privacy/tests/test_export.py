"""Right of access and portability: the ZIP with all of a client's data.

`test_every_model_with_client_data_is_exported_or_excluded` walks the model graph: a model that
refers to a client or an account (directly or through another such model) must be a section
of the export or on its written exclusion list.
"""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from coaching.models import Client, Send
from coaching.tests.factories import ClientFactory, GuardianFactory
from coaching.tests.test_permissions import billing_world, quick_group
from groups.models import Attendance, Contribution, GroupEvaluation, Membership
from groups.services.members import member_add
from privacy.export import EXCLUDED, SECTIONS
from sessions.models import Appointment, SessionType, WaitlistOffer, WaitlistRequest
from trajects.default_agreement import create_defaults
from trajects.models import AgreementAcceptance, AgreementText, Question, Questionnaire
from trajects.services.agreement import current_texts
from trajects.services.email_coaching import message_write
from trajects.services.evaluations import evaluation_request, evaluation_submit
from trajects.tests.factories import (
    ConsentFactory,
    ThirdPartyFactory,
    TrajectFactory,
    note,
    running_traject,
)

pytestmark = pytest.mark.django_db


def holds_client_data() -> set[str]:
    """Every model with a relation to a client or an account, or to a model that has one."""
    found = {"coaching.Client", "coaching.User"}
    models = list(apps.get_models())
    while True:
        more = {
            model._meta.label
            for model in models
            if model._meta.label not in found
            and any(
                field.is_relation
                and field.concrete
                and field.related_model is not None
                and field.related_model._meta.label in found
                for field in model._meta.get_fields()
            )
        }
        if not more:
            return found
        found |= more


def test_every_model_with_client_data_is_exported_or_excluded():
    exported = {section.model._meta.label for section in SECTIONS}
    reached = holds_client_data()
    assert sorted(reached - exported - set(EXCLUDED)) == []
    # The lists name nothing that is not there (a model renamed or removed).
    assert sorted((exported | set(EXCLUDED)) - reached) == []
    assert not exported & set(EXCLUDED)


def _filled(text: str, coach, client: Client, *, account=None, questionnaires=None) -> dict:
    """A client with something in every section, each text marked with `text`."""
    party = ThirdPartyFactory(client=client, name=f"School {text}")
    ConsentFactory(third_party=party, purpose=f"Overleg {text}")
    traject = running_traject(coach, client=client)
    note(traject, coach, text=f"Aantekening {text}")
    conversation = TrajectFactory(client=client, kind="email")
    message = message_write(
        traject=conversation,
        by=account or coach,
        body=f"Bericht {text}",
        from_coach=account is None,
        attachment=SimpleUploadedFile("verslag.pdf", f"%PDF-1.7 {text}".encode()),
    )
    evaluation = evaluation_request(
        key=f"export-{text}", kind="interim", client=client, traject=traject, prompt=False
    )
    answers = {}
    for question in evaluation.questionnaire.questions.all():
        if question.kind == "scale":
            answers[question.pk] = 8
        elif question.kind == "choice":
            answers[question.pk] = question.dutch_options()[0]
        else:
            answers[question.pk] = f"Antwoord {text}"
    evaluation_submit(evaluation=evaluation, answers=answers, by=None)
    # Each call its own hours: one coach's appointments never overlap (PostgreSQL refuses it).
    shift = timedelta(hours=4 * Appointment.objects.filter(coach=coach).count())
    group = quick_group(coach, first_start=timezone.now() - timedelta(days=2) + shift)
    joined = date.today() - timedelta(7)
    if client.age is not None and client.age < 18:
        # A child never joins a group (member_add refuses it); the export shows whatever is
        # stored, so the row is written as it is to fill every section.
        membership = Membership.objects.create(group=group, client=client, joined_on=joined)
    else:
        membership = member_add(group=group, client=client, joined_on=joined)
    meeting = group.meetings.get(number=1)
    Attendance.objects.create(meeting=meeting, membership=membership, present=True)
    Contribution.objects.create(
        meeting=meeting, membership=membership, turn=1, problem=f"Inbreng {text}"
    )
    group_evaluation = evaluation_request(
        key=f"group-{text}", kind="backstage", client=client, traject=None, prompt=False
    )
    GroupEvaluation.objects.create(
        evaluation=group_evaluation, group=group, membership=membership, after_meeting=4
    )
    Appointment.objects.create(
        coach=coach,
        traject=traject,
        kind="session",
        mode="practice",
        start=timezone.now() + timedelta(days=3) + shift,
        end=timezone.now() + timedelta(days=3, hours=1) + shift,
        location=f"Kamer {text}",
    )
    waiting = WaitlistRequest.objects.create(
        traject=traject,
        session_type=SessionType.objects.create(
            kind="session", name=f"Sessie {text}", default_minutes=60, allowed_modes=["practice"]
        ),
        before=date.today() + timedelta(days=30),
        weekdays=[0, 1],
        dayparts=["morning"],
        modes=["practice"],
    )
    WaitlistOffer.objects.create(
        request=waiting,
        coach=coach,
        start=timezone.now() + timedelta(days=4) + shift,
        end=timezone.now() + timedelta(days=4, hours=1) + shift,
        mode="practice",
        expires_at=timezone.now() + timedelta(hours=12),
    )
    _strippenkaart(text, coach, client, traject, shift)
    create_defaults(AgreementText, Questionnaire, Question)
    terms, privacy = current_texts()
    AgreementAcceptance.objects.create(
        traject=traject,
        party="client",
        name=f"Akkoord {text}",
        language="nl",
        terms=terms,
        terms_sha256="a" * 64,
        privacy=privacy,
        privacy_sha256="b" * 64,
    )
    AuditEvent.objects.create(
        actor=coach, actor_role="coach", client=client, action="view", what="dossier"
    )
    Send.objects.create(
        subject=f"test:{text}",
        kind=Send.Kind.APPOINTMENT_BOOKED,
        client=client,
        recipients=[f"geheim-{text.lower()}@example.test"],
        context={"secret": text},
    )
    return {"party": party, "message": message}


def _strippenkaart(text: str, coach, client: Client, traject, shift: timedelta) -> None:
    """A card sold ten days ago, one strip used by a session cancelled late three days ago (a
    cancelled appointment holds no time: the erasure tests move every appointment to one
    moment, where two that hold the coach's time would overlap)."""
    from billing.models import Package, PackagePrice
    from billing.services.packages import package_sell, packages_settle

    card = Package.objects.create(
        name=f"Kaart {text}", sessions=5, validity_months=6, missed_counts=True
    )
    PackagePrice.objects.create(package=card, price=400, valid_from=date(2024, 1, 1))
    package_sell(client=client, package=card, by=coach, on=date.today() - timedelta(days=10))
    start = timezone.now() - timedelta(days=3) + shift
    Appointment.objects.create(
        coach=coach,
        traject=traject,
        kind="session",
        mode="practice",
        start=start,
        end=start + timedelta(hours=1),
        status="cancelled_late",
        cancelled_by="client",
    )
    packages_settle(client=client)
    assert card.purchases.get().used == 1


def _open(response) -> tuple[dict, str, dict]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    files = {name: archive.read(name) for name in archive.namelist()}
    return (
        json.loads(files.pop("gegevens.json")),
        files.pop("gegevens.html").decode(),
        files,
    )


@pytest.fixture
def child_with_everything(coach_a, guardian, questionnaires):
    child = Client.objects.get(guardians__account=guardian)
    filled = _filled("KIND-GEHEIM", coach_a, child, account=guardian)
    billing_world(coach_a, child)
    return child, filled


class TestTheExport:
    def test_every_section_is_there_with_its_rows(self, client, guardian, child_with_everything):
        child, filled = child_with_everything
        client.force_login(guardian)
        response = client.get(f"/portaal/mijn-gegevens/{child.uuid}/gegevens.zip")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"].startswith('attachment; filename="gegevens-lotte')
        data, html, files = _open(response)
        assert data["_meta"]["client"] == str(child.uuid)
        empty = [s.model._meta.label_lower for s in SECTIONS if not data[s.model._meta.label_lower]]
        # The child has no portal account of her own: her parent acts for her.
        assert empty == ["coaching.user"]
        for text in (
            "Aantekening KIND-GEHEIM",
            "Bericht KIND-GEHEIM",
            "Antwoord KIND-GEHEIM",
            "Inbreng KIND-GEHEIM",
            "School KIND-GEHEIM",
            "Kamer KIND-GEHEIM",
            "Akkoord KIND-GEHEIM",
        ):
            assert text in json.dumps(data, ensure_ascii=False), text
            assert text in html, text
        message = filled["message"]
        # The accepted agreement as its PDF, with the texts as they were accepted.
        (acceptance,) = data["trajects.agreementacceptance"]
        agreement = files.pop(
            f"overeenkomsten/{acceptance['uuid']}-overeenkomst-akkoord-kind-geheim-"
            f"{timezone.localdate().isoformat()}.pdf"
        )
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(agreement)).pages)
        assert "Akkoord KIND-GEHEIM (de cliënt)" in text
        assert files == {
            f"bijlagen/{message.uuid}-verslag.pdf": b"%PDF-1.7 KIND-GEHEIM",
        }
        assert data["trajects.message"][0]["attachment_name"] == "verslag.pdf"

    def test_secrets_and_internal_keys_stay_out(self, client, coachee, coach_a, questionnaires):
        own = Client.objects.get(account=coachee)
        _filled("EVA", coach_a, own, account=coachee)
        client.force_login(coachee)
        response = client.get(f"/portaal/mijn-gegevens/{own.uuid}/gegevens.zip")
        data, html, _files = _open(response)
        account = data["coaching.user"][0]
        assert account["email"] == coachee.email
        assert "password" not in account and "is_superuser" not in account
        assert coachee.password not in response.content.decode("latin-1")
        assert all("key" not in row for row in data["trajects.evaluation"])
        assert all("ip" not in row for row in data["audit.auditevent"])
        # What was sent about her, not the outbox's workings or its addresses.
        mails = data["coaching.send"]
        assert "appointment_booked" in {mail["kind"] for mail in mails}
        assert not any({"subject", "claim_token", "recipients", "context"} & set(m) for m in mails)
        assert "geheim-eva@" not in json.dumps(data) + html

    def test_nothing_of_another_client(self, client, coach_a, coach_b, guardian, coachee):
        child = Client.objects.get(guardians__account=guardian)
        _filled("KIND", coach_a, child, account=guardian)
        _filled("EVA-ANDERS", coach_a, Client.objects.get(account=coachee), account=coachee)
        _filled("BEA-ANDERS", coach_b, ClientFactory(coach=coach_b, first_name="Bea"))
        client.force_login(coach_a)
        response = client.get(f"/coach/clienten/{child.uuid}/gegevens.zip")
        assert response.status_code == 200
        data, html, files = _open(response)
        everything = json.dumps(data, ensure_ascii=False) + html + repr(files)
        assert "KIND" in everything
        assert "ANDERS" not in everything
        assert "Eva Coachee" not in everything and "Bea " not in everything

    def test_the_download_is_logged_for_the_client_to_see(
        self, client, coach_a, coachee, questionnaires
    ):
        own = Client.objects.get(account=coachee)
        client.force_login(coach_a)
        client.get(f"/coach/clienten/{own.uuid}/gegevens.zip", REMOTE_ADDR="192.0.2.3")
        event = AuditEvent.objects.get(action="export")
        assert (event.actor, event.client, event.what, event.ip) == (
            coach_a,
            own,
            "all_data",
            "192.0.2.3",
        )
        client.force_login(coachee)
        html = client.get("/portaal/mijn-gegevens/").content.decode()
        assert "gedownload" in html and "alle gegevens" in html and "Anna Coach" in html

    def test_the_readable_file_is_in_the_language_of_the_page(self, client, coachee):
        own = Client.objects.get(account=coachee)
        client.force_login(coachee)
        client.cookies["django_language"] = "en"
        _data, html, _files = _open(client.get(f"/portaal/mijn-gegevens/{own.uuid}/gegevens.zip"))
        assert '<html lang="en">' in html and "Everything the practice" in html


class TestAParentsExport:
    def test_not_the_other_parents_details_nor_their_invoices(
        self, client, coach_a, guardian, questionnaires
    ):
        child = Client.objects.get(guardians__account=guardian)
        billing_world(coach_a, child)  # an invoice to the father
        mother = GuardianFactory(
            client=child, first_name="Mila", email="mila-geheim@praktijk.test", phone="0611"
        )
        from decimal import Decimal

        from billing.models import Invoice
        from billing.services.invoicing import invoice_line_add, invoice_send

        to_mother = Invoice.objects.create(
            coach=coach_a,
            recipient_kind="guardian",
            client=child,
            guardian=mother,
            bill_to_name="Mila Adres-Geheim",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            created_by=coach_a,
        )
        invoice_line_add(
            invoice=to_mother,
            day=date(2026, 10, 5),
            description="Sessie",
            quantity=Decimal(1),
            unit_price=Decimal(80),
            vat="21",
        )
        invoice_send(invoice=to_mother)
        client.force_login(guardian)
        data, html, _files = _open(client.get(f"/portaal/mijn-gegevens/{child.uuid}/gegevens.zip"))
        everything = json.dumps(data, ensure_ascii=False) + html
        assert "mila-geheim" not in everything and "Adres-Geheim" not in everything
        assert [g["first_name"] for g in data["coaching.guardian"]] == ["Marco"]
        assert len(data["billing.invoice"]) == 1
        # The coach's export of the same child holds both.
        client.force_login(coach_a)
        data, _html, _files = _open(client.get(f"/coach/clienten/{child.uuid}/gegevens.zip"))
        assert len(data["coaching.guardian"]) == 2 and len(data["billing.invoice"]) == 2

    def test_of_the_mails_about_the_child_not_the_other_parents_own(
        self, client, coach_a, guardian, django_capture_on_commit_callbacks
    ):
        """The mails about the child are in both parents' downloads; a mail to one parent
        about their own account or their invoice only in theirs (and in the coach's)."""
        from decimal import Decimal

        from allauth.account.adapter import get_adapter

        from billing.models import Invoice
        from billing.services.invoicing import invoice_line_add, invoice_send
        from trajects.models import Traject
        from trajects.services.email_coaching import email_traject_switch
        from trajects.tests.factories import TrajectFactory

        child = Client.objects.get(guardians__account=guardian)
        mother = GuardianFactory(client=child, first_name="Mila", email="mila@praktijk.test")
        invoice = Invoice.objects.create(
            coach=coach_a,
            recipient_kind="guardian",
            client=child,
            guardian=mother,
            bill_to_name="Mila",
            bill_to_email=mother.email,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            created_by=coach_a,
        )
        invoice_line_add(
            invoice=invoice,
            day=date(2026, 10, 5),
            description="Sessie",
            quantity=Decimal(1),
            unit_price=Decimal(80),
            vat="21",
        )
        traject = TrajectFactory(client=child, kind=Traject.Kind.EMAIL)
        with django_capture_on_commit_callbacks(execute=True):
            for parent in (guardian, mother.account):
                get_adapter().send_mail(
                    "account/email/password_changed", parent.email, {"user": parent}
                )
            invoice_send(invoice=invoice)  # to the mother
            email_traject_switch(traject=traject, by=coach_a)  # to both parents
        assert Send.objects.filter(client=child, status=Send.Status.SENT).count() == 4
        client.force_login(guardian)
        data, _html, _files = _open(client.get(f"/portaal/mijn-gegevens/{child.uuid}/gegevens.zip"))
        assert sorted(row["kind"] for row in data["coaching.send"]) == [
            "account_mail",  # his own
            "switched_to_live",
        ]
        client.force_login(coach_a)
        data, _html, _files = _open(client.get(f"/coach/clienten/{child.uuid}/gegevens.zip"))
        assert len(data["coaching.send"]) == 4

    def test_a_missing_attachment_file_is_named_not_a_500(self, client, coach_a, coachee):
        own = Client.objects.get(account=coachee)
        message = _filled("WEG", coach_a, own, account=coachee)["message"]
        message.attachment.storage.delete(message.attachment.name)
        client.force_login(coachee)
        response = client.get(f"/portaal/mijn-gegevens/{own.uuid}/gegevens.zip")
        assert response.status_code == 200
        data, html, files = _open(response)
        assert data["_meta"]["missing_attachments"] == [f"bijlagen/{message.uuid}-verslag.pdf"]
        assert not [name for name in files if name.startswith("bijlagen/")]
        assert "niet meer gevonden" in html


class TestWhoMayDownload:
    def test_from_16_the_child_asks_for_it_not_the_parent(self, client, guardian):
        child = Client.objects.get(guardians__account=guardian)
        today = date.today()
        Client.objects.filter(pk=child.pk).update(date_of_birth=today.replace(year=today.year - 16))
        client.force_login(guardian)
        assert client.get(f"/portaal/mijn-gegevens/{child.uuid}/gegevens.zip").status_code == 404
        html = client.get("/portaal/mijn-gegevens/").content.decode()
        assert "De gegevens van Lotte kun je hier niet downloaden" in html
        assert "gegevens.zip" not in html

    def test_a_parent_without_parental_authority_does_not(self, client, guardian):
        child = Client.objects.get(guardians__account=guardian)
        child.guardians.update(has_parental_authority=False)
        client.force_login(guardian)
        assert client.get(f"/portaal/mijn-gegevens/{child.uuid}/gegevens.zip").status_code == 404

    def test_a_parent_downloads_the_child_not_a_stranger(self, client, guardian, coachee):
        child = Client.objects.get(guardians__account=guardian)
        own = Client.objects.get(account=coachee)
        client.force_login(guardian)
        assert client.get(f"/portaal/mijn-gegevens/{child.uuid}/gegevens.zip").status_code == 200
        assert client.get(f"/portaal/mijn-gegevens/{own.uuid}/gegevens.zip").status_code == 404

    def test_another_coach_gets_a_404(self, client, coach_b, coachee):
        own = Client.objects.get(account=coachee)
        client.force_login(coach_b)
        assert client.get(f"/coach/clienten/{own.uuid}/gegevens.zip").status_code == 404
        assert not AuditEvent.objects.filter(action="export").exists()

    def test_the_portal_page_offers_a_download_per_client(self, client, guardian, coach_a):
        child = Client.objects.get(guardians__account=guardian)
        client.force_login(guardian)
        html = client.get("/portaal/mijn-gegevens/").content.decode()
        assert f"/portaal/mijn-gegevens/{child.uuid}/gegevens.zip" in html
        assert "De gegevens van Lotte downloaden" in html


def test_the_export_runs_the_same_queries_for_one_note_and_for_ten(
    client, coach_a, guardian, questionnaires
):
    child = Client.objects.get(guardians__account=guardian)
    traject = running_traject(coach_a, client=child)
    note(traject, coach_a)
    client.force_login(coach_a)
    url = f"/coach/clienten/{child.uuid}/gegevens.zip"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(9):
        note(traject, coach_a)
    ThirdPartyFactory.create_batch(3, client=child)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    assert len(few) <= len(SECTIONS) + 12


class TestWhatTheDownloadHolds:
    """The client's download holds the coach's dossier (the right of
    access, AVG art. 15), which the portal does not show; the page says so."""

    def test_the_coach_notes_and_intake_are_in_the_clients_own_download_not_in_the_portal(
        self, client, coach_a, coachee
    ):
        from trajects.services.dossier import dossier_entry_correct, intake_update

        own = Client.objects.get(account=coachee)
        traject = running_traject(coach_a, client=own)
        intake_update(
            traject=traject,
            by=coach_a,
            help_question="HULPVRAAG-INZAGE",
            life_history="LEVENSLOOP-INZAGE",
            steps_taken="",
            goals="DOEL-INZAGE",
        )
        entry = note(traject, coach_a, text="AANTEKENING-INZAGE eerste versie")
        dossier_entry_correct(entry=entry, by=coach_a, text="AANTEKENING-INZAGE verbeterd")
        client.force_login(coachee)

        texts = [
            "HULPVRAAG-INZAGE",
            "LEVENSLOOP-INZAGE",
            "DOEL-INZAGE",
            "AANTEKENING-INZAGE eerste versie",
            "AANTEKENING-INZAGE verbeterd",
        ]
        # The portal's pages do not show them...
        for page in ("/portaal/", "/portaal/afspraken/", "/portaal/mijn-gegevens/"):
            html = client.get(page).content.decode()
            assert not [text for text in texts if text in html], page
        # ...the download does, in both files, every version.
        response = client.get(f"/portaal/mijn-gegevens/{own.uuid}/gegevens.zip")
        assert response.status_code == 200
        data, html, _files = _open(response)
        versions = [row["text"] for row in data["trajects.dossierentryversion"]]
        assert versions == ["AANTEKENING-INZAGE eerste versie", "AANTEKENING-INZAGE verbeterd"]
        assert "HULPVRAAG-INZAGE" in [
            row["help_question"] for row in data["trajects.intakeversion"]
        ]
        for text in texts:
            assert text in html, text
        assert "Hierin staat ook het dossier van je coach" in html

    def test_the_page_says_the_download_holds_the_coach_notes_and_why(self, client, coachee):
        client.force_login(coachee)
        html = client.get("/portaal/mijn-gegevens/").content.decode()
        assert "Ook het dossier dat je coach bijhoudt staat erin:" in html
        assert "alle aantekeningen van je coach" in html
        assert "In het portaal zie je die aantekeningen niet" in html
        assert "AVG, artikel 15: het recht op inzage" in html
