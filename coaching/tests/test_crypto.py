"""Encryption at rest: what the application writes is not in the database's
raw contents, old rows stay readable after a new key is added, and `reencrypt` rewrites them."""

import uuid
from datetime import date, timedelta
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from coaching.crypto import PREFIX, UnreadableText, encrypted_fields
from coaching.models import Client, Consent
from groups.models import Contribution
from trajects.models import DossierEntryVersion, Message, Traject
from trajects.tests.factories import ThirdPartyFactory, note, running_traject

pytestmark = pytest.mark.django_db
KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))


def raw_contents() -> str:
    """Every value of every row of every table, as the database holds it."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # nosec B608
            parts += [repr(row) for row in cursor.fetchall()]
    return "\n".join(parts)


def raw(model, pk, column) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s",  # nosec B608
            [pk],
        )
        return cursor.fetchone()[0]


def test_the_encrypted_fields_are_the_dossier_texts_and_messages():
    names = {
        f"{model._meta.label}.{field.name}"
        for model, fields in encrypted_fields()
        for field in fields
    }
    assert names == {
        "agenda.CalendarFeed.url",  # a key to the coach's own calendar
        "coaching.Consent.purpose",
        "trajects.Traject.stop_reason",
        "trajects.TrajectEvent.note",
        "trajects.IntakeVersion.help_question",
        "trajects.IntakeVersion.life_history",
        "trajects.IntakeVersion.steps_taken",
        "trajects.IntakeVersion.goals",
        "trajects.DossierEntryVersion.text",
        "trajects.Message.body",
        "trajects.Answer.text",
        "groups.Contribution.problem",
        "groups.Contribution.concretised",
        "groups.Contribution.analysis",
        "groups.Contribution.solutions",
        "groups.Contribution.own_share",
        "groups.Contribution.feedback",
        "groups.Contribution.agreements",
        "groups.Contribution.report_back",
    }


def test_a_sentinel_written_through_the_pages_is_not_in_the_database(
    client, coach_a, coachee, guardian, questionnaires
):
    sentinel = f"ZEGEL-{uuid.uuid4().hex}"
    child = Client.objects.get(guardians__account=guardian)
    traject = running_traject(coach_a, client=child)
    party = ThirdPartyFactory(client=child)
    client.force_login(coach_a)
    base = f"/coach/trajecten/{traject.uuid}"
    assert (
        client.post(
            f"{base}/aantekeningen/nieuw/",
            {"kind": "phone", "occurred_on": str(date.today()), "text": f"Notitie {sentinel}"},
        ).status_code
        == 302
    )
    assert (
        client.post(f"{base}/intake/", {"help_question": f"Hulpvraag {sentinel}"}).status_code
        == 302
    )
    assert (
        client.post(
            f"/coach/clienten/{child.uuid}/toestemmingen/nieuw/",
            {
                "third_party": party.pk,
                "purpose": f"Doel {sentinel}",
                "given_on": str(date.today()),
                "given_by_guardian": child.guardians.get().pk,
            },
        ).status_code
        == 302
    )
    from trajects.tests.factories import TrajectFactory

    own = Client.objects.get(account=coachee)
    conversation = TrajectFactory(client=own, kind="email")
    client.force_login(coachee)
    assert (
        client.post(
            f"/portaal/berichten/{conversation.uuid}/", {"body": f"Vraag {sentinel}"}
        ).status_code
        == 302
    )
    from coaching.tests.test_permissions import quick_group
    from groups.services.members import member_add

    group = quick_group(coach_a, first_start=timezone.now() + timedelta(days=30))
    member_add(group=group, client=own, joined_on=date.today())
    meeting = group.meetings.get(number=1)
    assert (
        client.post(
            f"/portaal/backstage/{meeting.uuid}/beurt/", {"problem": f"Werk {sentinel}"}
        ).status_code
        == 302
    )
    assert Contribution.objects.get().problem == f"Werk {sentinel}"

    assert sentinel not in raw_contents()
    # ...and the pages read it back.
    client.force_login(coach_a)
    page = client.get(f"{base}/").content.decode()
    assert f"Notitie {sentinel}" in page and f"Hulpvraag {sentinel}" in page
    assert (
        f"Vraag {sentinel}" in client.get(f"/coach/trajecten/{conversation.uuid}/").content.decode()
    )
    assert Consent.objects.get(purpose__isnull=False, client=child).purpose == f"Doel {sentinel}"


def test_empty_stays_empty_so_the_application_can_ask_for_it(coach_a):
    running = running_traject(coach_a)
    stopped = running_traject(coach_a)
    Traject.objects.filter(pk=stopped.pk).update(
        status="gestopt", stop_reason="Verhuisd", closed_on=date.today()
    )
    assert raw(Traject, running.pk, "stop_reason") == ""
    assert raw(Traject, stopped.pk, "stop_reason").startswith(PREFIX)
    assert list(Traject.objects.filter(stop_reason="")) == [running]
    assert Traject.objects.get(pk=stopped.pk).stop_reason == "Verhuisd"


class TestKeys:
    def test_a_new_key_in_front_keeps_old_rows_readable_and_reencrypt_moves_them(
        self, settings, coach_a
    ):
        settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_A]
        traject = running_traject(coach_a)
        version = note(traject, coach_a, text="Onder sleutel A").versions.get()
        under_a = raw(DossierEntryVersion, version.pk, "text")

        settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_B, KEY_A]
        assert DossierEntryVersion.objects.get(pk=version.pk).text == "Onder sleutel A"
        newer = note(traject, coach_a, text="Onder sleutel B").versions.get()

        settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_B]
        with pytest.raises(UnreadableText, match="key it was written with is missing"):
            DossierEntryVersion.objects.get(pk=version.pk)
        assert DossierEntryVersion.objects.get(pk=newer.pk).text == "Onder sleutel B"

        settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_B, KEY_A]
        out = StringIO()
        call_command("reencrypt", stdout=out)
        assert "trajects.DossierEntryVersion: 1" in out.getvalue()
        assert raw(DossierEntryVersion, version.pk, "text") != under_a
        settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_B]  # the old key can go now
        assert DossierEntryVersion.objects.get(pk=version.pk).text == "Onder sleutel A"
        out = StringIO()
        call_command("reencrypt", stdout=out)  # again: nothing left to do
        assert "0 row(s) rewritten" in out.getvalue()

    def test_rows_written_before_encryption_are_read_and_then_encrypted(self, coach_a):
        traject = running_traject(coach_a)
        message_pk = Message.objects.create(traject=traject, body="x", from_coach=True).pk
        with connection.cursor() as cursor:  # as a row written before the field was encrypted
            cursor.execute(
                "UPDATE trajects_message SET body = %s WHERE id = %s", ["Oud", message_pk]
            )
        assert Message.objects.get(pk=message_pk).body == "Oud"
        call_command("reencrypt", stdout=StringIO())
        assert raw(Message, message_pk, "body").startswith(PREFIX)
        assert Message.objects.get(pk=message_pk).body == "Oud"

    def test_reencrypt_rewrites_append_only_rows_and_they_stay_append_only(self, settings, coach_a):
        settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_A]
        traject = running_traject(coach_a)
        version = note(traject, coach_a, text="Vast").versions.get()
        settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_C, KEY_A]
        with transaction.atomic():
            call_command("reencrypt", stdout=StringIO())
        settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_C]
        assert DossierEntryVersion.objects.get(pk=version.pk).text == "Vast"
        with pytest.raises(IntegrityError), transaction.atomic():
            DossierEntryVersion.objects.filter(pk=version.pk).update(text="Anders")

    def test_a_key_that_is_no_fernet_key_is_refused(self, settings):
        from coaching.crypto import encrypt

        settings.PRAKTIJK_ENCRYPTION_KEYS = ["geen-sleutel"]
        with pytest.raises(Exception, match="not a Fernet key"):
            encrypt("x")
