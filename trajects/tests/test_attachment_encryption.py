"""Attachments are encrypted at rest: with the same keys as the texts
(coaching.crypto), served decrypted only to the traject's coach and client, in the data
download as uploaded, moved to a new key by `reencrypt`; files stored before are encrypted by
the migration and by `reencrypt`."""

import io
import json
import re
import zipfile
from io import StringIO
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from coaching.crypto import FILE_PREFIX, UnreadableText, encrypt_files
from coaching.models import Client
from coaching.tests.factories import UserFactory
from trajects.models import Message, Traject
from trajects.tests.factories import TrajectFactory

pytestmark = pytest.mark.django_db
KEY_OLD, KEY_NEW = (Fernet.generate_key().decode() for _ in range(2))


def _pdf(sentinel: str) -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj << /Title (" + sentinel.encode() + b") >> endobj\n"
        b"BT (Vertrouwelijk verslag " + sentinel.encode() + b") Tj ET\n%%EOF\n"
    )


def _media_files(root) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in Path(root).rglob("*")
        if path.is_file()
    }


def _holding(root, sentinel: str) -> list[str]:
    """The files under MEDIA_ROOT whose raw bytes hold the sentinel."""
    return [name for name, content in _media_files(root).items() if sentinel.encode() in content]


@pytest.fixture
def conversation(coachee):
    return TrajectFactory(client=Client.objects.get(account=coachee), kind=Traject.Kind.EMAIL)


def _download(client, user, message):
    client.force_login(user)
    return client.get(f"/berichten/{message.uuid}/bijlage/")


def test_an_uploaded_pdf_is_encrypted_on_disk_and_served_to_the_coach_and_client_only(
    client, settings, coachee, coach_a, coach_b, conversation, django_capture_on_commit_callbacks
):
    settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_OLD]
    sentinel = f"ZEGEL-{uuid4().hex}"
    pdf = _pdf(sentinel)
    client.force_login(coachee)
    response = client.post(
        f"/portaal/berichten/{conversation.uuid}/",
        {"body": "Zie de bijlage", "attachment": SimpleUploadedFile("verslag.pdf", pdf)},
    )
    assert response.status_code == 302
    message = Message.objects.get()
    # On disk: one file, under our own name, and nothing of the PDF in any file.
    assert list(_media_files(settings.MEDIA_ROOT)) == [message.attachment.name]
    assert message.attachment.name.endswith(f"{message.uuid.hex}.pdf.fernet")
    assert _holding(settings.MEDIA_ROOT, sentinel) == []
    assert _holding(settings.MEDIA_ROOT, "%PDF") == []

    for user in (coachee, coach_a):
        response = _download(client, user, message)
        assert response.status_code == 200
        assert response.content == pdf
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="bijlage-{message.uuid.hex[:8]}.pdf"'
        )
        assert response["Cache-Control"] == "no-store"
    assert _download(client, coach_b, message).status_code == 404

    # The data download holds it as it was uploaded.
    client.force_login(coach_a)
    client_row = conversation.client
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"/coach/clienten/{client_row.uuid}/gegevens.zip").content)
    )
    assert archive.read(f"bijlagen/{message.uuid}-verslag.pdf") == pdf
    assert json.loads(archive.read("gegevens.json"))["_meta"]["missing_attachments"] == []

    # Rotation: a new key in front, then reencrypt moves the file to it.
    settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reencrypt", stdout=out)
    assert "trajects.Message.attachment: 1" in out.getvalue()
    message.refresh_from_db()
    # The old file is gone; the new one is all there is, and holds nothing readable either.
    assert list(_media_files(settings.MEDIA_ROOT)) == [message.attachment.name]
    assert _holding(settings.MEDIA_ROOT, sentinel) == []
    stored = default_storage.open(message.attachment.name).read()
    assert stored.startswith(FILE_PREFIX)
    with pytest.raises(InvalidToken):  # the old key alone cannot read it any more
        Fernet(KEY_OLD.encode()).decrypt(stored[len(FILE_PREFIX) :])
    settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_OLD]
    with pytest.raises(UnreadableText, match="key it was written with is missing"):
        Message.objects.get().attachment.decrypted()
    settings.PRAKTIJK_ENCRYPTION_KEYS = [KEY_NEW]  # the old key can go
    assert _download(client, coachee, message).content == pdf
    assert _download(client, coach_a, message).content == pdf
    out = StringIO()
    call_command("reencrypt", stdout=out)  # again: nothing left to do
    assert "0 file(s) rewritten" in out.getvalue()


@pytest.mark.parametrize("by", ["migration", "reencrypt"])
def test_a_file_stored_before_encryption_is_read_and_then_encrypted(
    by, client, settings, coachee, conversation, django_capture_on_commit_callbacks
):
    sentinel = f"ZEGEL-{uuid4().hex}"
    pdf = _pdf(sentinel)
    message = Message.objects.create(traject=conversation, body="Oud", from_coach=True)
    plain = default_storage.save(f"messages/2025/01/{message.uuid.hex}.pdf", ContentFile(pdf))
    Message.objects.filter(pk=message.pk).update(
        attachment=plain, attachment_name="oud.pdf", attachment_type="application/pdf"
    )
    assert _download(client, coachee, message).content == pdf  # still served as it is

    with django_capture_on_commit_callbacks(execute=True):
        if by == "migration":  # trajects 0011's RunPython
            encrypt_files("trajects")[0](apps, None)
        else:
            call_command("reencrypt", stdout=StringIO())
    message.refresh_from_db()
    assert message.attachment.name == f"{plain}.fernet"
    assert list(_media_files(settings.MEDIA_ROOT)) == [message.attachment.name]
    assert _holding(settings.MEDIA_ROOT, sentinel) == []
    assert _download(client, coachee, message).content == pdf


def test_the_migration_back_leaves_the_files_plain(
    settings, coachee, conversation, django_capture_on_commit_callbacks
):
    from trajects.services.email_coaching import message_write

    message = message_write(
        traject=conversation,
        by=conversation.client.account,
        body="Vraag",
        from_coach=False,
        attachment=SimpleUploadedFile("a.pdf", _pdf("terug")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        encrypt_files("trajects")[1](apps, None)
    message.refresh_from_db()
    assert message.attachment.name.endswith(f"{message.uuid.hex}.pdf")
    assert default_storage.open(message.attachment.name).read() == _pdf("terug")
    assert list(_media_files(settings.MEDIA_ROOT)) == [message.attachment.name]


def test_names_do_not_grow_with_every_rotation(
    settings, coachee, conversation, django_capture_on_commit_callbacks
):
    from trajects.services.email_coaching import message_write

    message = message_write(
        traject=conversation,
        by=conversation.client.account,
        body="Vraag",
        from_coach=False,
        attachment=SimpleUploadedFile("a.pdf", _pdf("rond")),
    )
    names = {message.attachment.name}
    keys = list(settings.PRAKTIJK_ENCRYPTION_KEYS)
    for _rotation in range(4):
        keys.insert(0, Fernet.generate_key().decode())  # a new key in front
        settings.PRAKTIJK_ENCRYPTION_KEYS = keys
        with django_capture_on_commit_callbacks(execute=True):
            call_command("reencrypt", stdout=StringIO())
        message.refresh_from_db()
        names.add(message.attachment.name)
        assert message.attachment.decrypted() == _pdf("rond")
        assert list(_media_files(settings.MEDIA_ROOT)) == [message.attachment.name]
    # The first name, or the first with one random part when that is taken: never longer.
    stem = message.uuid.hex
    assert all(re.search(rf"/{stem}(_[A-Za-z0-9]{{7}})?\.pdf\.fernet$", name) for name in names)
    assert len(names) > 2  # each rotation wrote a new file


def test_the_attachment_is_a_404_for_everyone_but_the_trajects_coach_and_client(
    client, coachee, guardian, coach_a, coach_b, admin_user, conversation
):
    """Another client of the same coach, a parent of another child, another coach's client,
    another coach and the practice admin: none of them gets the file, nor learns it exists."""
    from coaching.tests.personas import coachee_b
    from trajects.services.email_coaching import message_write

    message = message_write(
        traject=conversation,
        by=coachee,
        body="Vraag",
        from_coach=False,
        attachment=SimpleUploadedFile("a.pdf", _pdf("van-eva")),
    )
    same_coach = Client.objects.create(coach=coach_a, first_name="Ruud", last_name="Ander")
    same_coach.account = UserFactory(email="ruud@praktijk.test")
    same_coach.save(update_fields=["account"])
    others = [same_coach.account, guardian, coachee_b(coach_b), coach_b, admin_user]
    for user in others:
        assert _download(client, user, message).status_code == 404, user
    client.logout()
    assert client.get(f"/berichten/{message.uuid}/bijlage/").status_code == 404
    assert _download(client, coachee, message).content == _pdf("van-eva")


def test_a_missing_file_is_not_found_and_logged_without_a_name(
    client, coachee, conversation, caplog
):
    """A message whose file is gone from the storage (restored without its files): the coachee
    gets a 404, not a server error, and the practice a log line with the message's id only."""
    from trajects.services.email_coaching import message_write

    message = message_write(
        traject=conversation,
        by=coachee,
        body="Vraag",
        from_coach=False,
        attachment=SimpleUploadedFile("a.pdf", _pdf("weg")),
    )
    message.attachment.storage.delete(message.attachment.name)
    with caplog.at_level("ERROR", logger="trajects.views.messages"):
        assert _download(client, coachee, message).status_code == 404
    (line,) = [r.getMessage() for r in caplog.records if r.name == "trajects.views.messages"]
    assert str(message.uuid) in line
    assert conversation.client.first_name not in line
