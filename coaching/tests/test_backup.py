"""Backups that restore (coaching.backup): the drill a practice needs to trust them, on the
database this run uses (SQLite by default, PostgreSQL in CI's second run).

The demo practice plus a sentinel dossier note and an attachment is backed up, then restored
into a new, empty database and an empty MEDIA_ROOT; every table holds as many rows as the
original's, the note is read back through the traject's page and the attachment downloads as
uploaded. A damaged, truncated, forged or foreign archive (another key) is refused with a
message that says so, and leaves the new database without a table and MEDIA_ROOT without a file.
"""

import io
import json
import os
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections

from coaching import backup_archive
from coaching.backup import BackupError, make_backup, prune, restore
from coaching.backup_archive import ArchiveError, Reader, Writer, key_bytes
from coaching.models import BackupRun, Client, User
from coaching.tests.databases import new_database
from trajects.models import Message, Traject
from trajects.tests.factories import note, running_traject

SENTINEL = f"ZEGEL-{uuid.uuid4().hex}"
PDF = b"%PDF-1.7\n1 0 obj << /Title (" + SENTINEL.encode() + b") >> endobj\n%%EOF\n"


# --- The archive's format -------------------------------------------------------------------------


def _archive(entries: dict[str, bytes], key: bytes) -> bytes:
    out = io.BytesIO()
    writer = Writer(out, key)
    for name, content in entries.items():
        writer.entry(name, [content[i : i + 1000] for i in range(0, len(content), 1000)])
    writer.close()
    return out.getvalue()


def _read(data: bytes, keys: list[bytes]) -> dict[str, bytes]:
    return {name: b"".join(blocks) for name, blocks in Reader(io.BytesIO(data), keys).entries()}


def _records(data: bytes) -> list[int]:
    """Where each chunk's record (its length, then the sealed bytes) begins."""
    starts, at = [], 40
    while at < len(data):
        starts.append(at)
        at += 4 + (int.from_bytes(data[at : at + 4], "big") & ~(1 << 31))
    return starts


def _flag_first_as_last(data: bytes) -> bytes:
    """The first chunk's length with the 'last' bit set: an archive cut after it, disguised."""
    first = _records(data)[0]
    length = int.from_bytes(data[first : first + 4], "big") | (1 << 31)
    return data[:first] + length.to_bytes(4, "big") + data[first + 4 :]


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 KiB, so that a small database fills many and a fault lands inside it."""
    monkeypatch.setattr(backup_archive, "CHUNK", 4096)


KEY = os.urandom(32)
CONTENT = {"head.json": b"{}", "database.x": os.urandom(50_000), "manifest.json": b"{}"}


def test_an_archive_reads_back_what_was_written(small_chunks):
    data = _archive(CONTENT, KEY)
    assert _read(data, [os.urandom(32), KEY]) == CONTENT
    # Nothing of the content is readable in the file.
    assert CONTENT["database.x"][:64] not in data


@pytest.mark.parametrize(
    "spoil, says",
    [
        (lambda data: data[: len(data) // 2], "afgebroken"),
        (lambda data: data[:-1], "afgebroken"),
        (lambda data: data[: _records(data)[-1]], "afgebroken"),
        (lambda data: data[:5000] + bytes([data[5000] ^ 1]) + data[5001:], "beschadigd"),
        (lambda data: data[:40] + data[40 + 4116 : 40 + 2 * 4116] + data[40:], "beschadigd"),
        (lambda data: data + b"x", "Na het einde"),
        (lambda data: _flag_first_as_last(data), "beschadigd"),
        (lambda data: b"ZIP" + data[3:], "geen back-up van Praktijk"),
    ],
    ids=["cut-in-half", "last-byte-missing", "last-chunk-missing", "bit-flipped",
         "chunks-swapped", "data-appended", "first-chunk-said-to-be-last", "not-ours"],
)  # fmt: skip
def test_a_spoiled_archive_is_refused_where_the_fault_is(small_chunks, spoil, says):
    data = spoil(_archive(CONTENT, KEY))
    with pytest.raises(ArchiveError, match=says):
        _read(data, [KEY])


def test_an_archive_of_another_key_is_refused_naming_both_keys():
    data = _archive(CONTENT, KEY)
    with pytest.raises(ArchiveError, match="andere back-upsleutel") as refused:
        _read(data, [os.urandom(32)])
    assert backup_archive.key_id(KEY).hex() in str(refused.value)


def test_a_backup_key_must_be_32_bytes_of_base64():
    with pytest.raises(ArchiveError, match="32 bytes"):
        key_bytes("kort")
    assert len(key_bytes(Fernet.generate_key().decode())) == 32


# --- The drill ------------------------------------------------------------------------------------


def _counts() -> dict[str, int]:
    """Rows per table (on PostgreSQL the tables that hold rows: the audit log's partitions, not
    their parent as well)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' "
                "AND relnamespace = current_schema()::regnamespace"
            )
            tables = [name for (name,) in cursor.fetchall()]
        else:
            tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _media(root) -> dict[str, bytes]:
    root = Path(root)
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def practice(client, settings, coach_a, coachee):
    """The demo practice, and coach A's e-mail traject with coachee Eva: a note and a message
    with an attachment, each holding the sentinel."""
    call_command("seed_demo", stdout=io.StringIO())
    traject = running_traject(
        coach_a, client=Client.objects.get(account=coachee), kind=Traject.Kind.EMAIL
    )
    note(traject, coach_a, text=f"Verslag van het gesprek: {SENTINEL}")
    client.force_login(coachee)
    response = client.post(
        f"/portaal/berichten/{traject.uuid}/",
        {"body": f"Zie bijlage {SENTINEL}", "attachment": SimpleUploadedFile("verslag.pdf", PDF)},
    )
    assert response.status_code == 302
    client.logout()
    return traject


@pytest.mark.django_db(transaction=True)
def test_the_restore_drill(client, settings, tmp_path, practice):
    files_before = _media(settings.MEDIA_ROOT)
    assert len(files_before) == 1
    made = make_backup(tmp_path / "backups")
    assert made.path.name.startswith("praktijk-") and made.path.stat().st_mode & 0o777 == 0o600
    assert SENTINEL.encode() not in made.path.read_bytes()
    run = BackupRun.objects.get()
    assert run.succeeded and run.file_name == made.path.name and run.size_bytes == made.size
    before = _counts()
    assert before["coaching_user"] > 5 and before["trajects_message"] > 1

    # Everything is gone: a new database and an empty folder for the files.
    settings.MEDIA_ROOT = tmp_path / "new-media"
    with new_database("restore"):
        assert connection.introspection.table_names() == []
        done = restore(made.path)
        assert (done.tables, done.rows, done.files) == (len(before), sum(before.values()), 1)
        after = _counts()
        # Table by table, as many rows as before (the backup's own row was written before the
        # dump, its outcome after).
        assert after == before
        assert _media(settings.MEDIA_ROOT) == files_before

        coach = User.objects.get(email="coach-a@praktijk.test")
        client.force_login(coach)
        page = client.get(f"/coach/trajecten/{practice.uuid}/")
        assert page.status_code == 200
        assert SENTINEL in page.content.decode()
        message = Message.objects.get(traject=practice)
        download = client.get(f"/berichten/{message.uuid}/bijlage/")
        assert download.status_code == 200
        assert download.content == PDF

        # A database with data is refused unless told; told, it is replaced.
        with pytest.raises(BackupError, match="niet leeg"):
            restore(made.path)
        call_command("restore", str(made.path), "--replace", stdout=io.StringIO())
        assert _counts() == after


def _spoiled(path: Path, how: str) -> Path:
    data = path.read_bytes()
    spoiled = path.with_name(f"spoiled-{how}.backup")
    if how == "bit-flipped-in-the-database":
        at = len(data) // 2
        spoiled.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])
    elif how == "truncated":
        spoiled.write_bytes(data[: len(data) * 3 // 4])
    else:
        spoiled.write_bytes(data)
    return spoiled


def _forged(path: Path, key: bytes) -> Path:
    """The archive re-encrypted with a table's count changed in both head and manifest: every
    chunk authentic, the database not as described."""
    entries = _read(path.read_bytes(), [key])
    for name in ("head.json", "manifest.json"):
        described = json.loads(entries[name])
        described["tables"]["coaching_user"] += 1
        entries[name] = json.dumps(described).encode()
    forged = path.with_name("forged.backup")
    forged.write_bytes(_archive(entries, key))
    return forged


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "how, says",
    [
        ("bit-flipped-in-the-database", "beschadigd"),
        ("truncated", "afgebroken"),
        ("another-key", "andere back-upsleutel"),
        ("forged-counts", "coaching_user"),
    ],
)
def test_a_bad_archive_restores_nothing(settings, tmp_path, small_chunks, practice, how, says):
    made = make_backup(tmp_path / "backups")
    assert made.size > 20 * 4096  # the fault lands after some of the database was restored
    key = key_bytes(settings.PRAKTIJK_BACKUP_KEYS[0])
    archive = _forged(made.path, key) if how == "forged-counts" else _spoiled(made.path, how)
    if how == "another-key":
        settings.PRAKTIJK_BACKUP_KEYS = [Fernet.generate_key().decode()]
    settings.MEDIA_ROOT = tmp_path / "new-media"
    with new_database("restore"):
        with pytest.raises(CommandError, match=says):
            call_command("restore", str(archive), stdout=io.StringIO())
        # Nothing half-restored: no table, no file, no folder left beside MEDIA_ROOT.
        assert connection.introspection.table_names() == []
        assert not Path(settings.MEDIA_ROOT).exists()
        assert [path.name for path in tmp_path.iterdir() if "restore" in path.name] == []
        if connection.vendor == "sqlite":
            live = Path(connection.settings_dict["NAME"])
            assert [p.name for p in live.parent.glob(".restore-*")] == []


@pytest.mark.django_db(transaction=True)
def test_check_reads_the_whole_archive_and_restores_nothing(settings, tmp_path, practice):
    made = make_backup(tmp_path / "backups")
    tables = len(_counts())
    out = io.StringIO()
    call_command("restore", str(made.path), "--check", stdout=out)
    assert f"Inhoud: tabellen {tables}, " in out.getvalue()
    assert "Niets teruggezet (--check)." in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_archive_is_refused_by_a_database_of_another_kind(settings, tmp_path, practice):
    made = make_backup(tmp_path / "backups")
    key = key_bytes(settings.PRAKTIJK_BACKUP_KEYS[0])
    entries = _read(made.path.read_bytes(), [key])
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    head = json.loads(entries["head.json"])
    head["database"]["vendor"] = other
    entries["head.json"] = json.dumps(head).encode()
    moved = made.path.with_name("other.backup")
    moved.write_bytes(_archive(entries, key))
    with pytest.raises(BackupError, match=f"van een {other}-database"):
        restore(moved)


@pytest.mark.django_db(transaction=True)
def test_an_archive_of_a_newer_version_is_refused(settings, tmp_path, practice):
    made = make_backup(tmp_path / "backups")
    key = key_bytes(settings.PRAKTIJK_BACKUP_KEYS[0])
    entries = _read(made.path.read_bytes(), [key])
    head = json.loads(entries["head.json"])
    head["migrations"].append(["coaching", "9999_from_the_future"])
    entries["head.json"] = json.dumps(head).encode()
    newer = made.path.with_name("newer.backup")
    newer.write_bytes(_archive(entries, key))
    with pytest.raises(BackupError, match="nieuwere versie.*9999_from_the_future"):
        restore(newer)


@pytest.mark.django_db(transaction=True)
def test_the_manifest_names_the_text_keys_by_fingerprint_only(settings, tmp_path):
    settings.PRAKTIJK_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    made = make_backup(tmp_path / "backups")
    key = key_bytes(settings.PRAKTIJK_BACKUP_KEYS[0])
    manifest = json.loads(_read(made.path.read_bytes(), [key])["manifest.json"])
    assert settings.PRAKTIJK_ENCRYPTION_KEYS[0] not in json.dumps(manifest)
    assert len(manifest["encryption_keys"]) == 1 and len(manifest["encryption_keys"][0]) == 16
    assert manifest["database"]["sha256"] and manifest["migrations"] and manifest["tables"]


def test_prune_keeps_the_newest_archives_and_nothing_else_is_touched(tmp_path):
    names = [f"praktijk-2026120{day}T023000Z.backup" for day in range(1, 6)]
    for name in [*names, "notes.txt", "other-20261201.backup"]:
        (tmp_path / name).write_bytes(b"x")
    removed = prune(tmp_path, keep=2)
    assert sorted(path.name for path in removed) == names[:3]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [*names[3:], "notes.txt", "other-20261201.backup"]
    )


def test_without_a_backup_key_nothing_is_written(settings, tmp_path, db):
    settings.PRAKTIJK_BACKUP_KEYS = []
    with pytest.raises(CommandError, match="PRAKTIJK_BACKUP_KEYS"):
        call_command("backup", str(tmp_path), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_a_backup_is_not_made_inside_a_transaction(tmp_path, db):
    """What an open transaction wrote would be missing from the dump (the tests' own
    transaction here)."""
    with pytest.raises(BackupError, match="buiten een transactie"):
        make_backup(tmp_path / "backups")
    assert not (tmp_path / "backups").exists()


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_restore_that_stops_before_its_end_changes_nothing(settings, practice):
    """The restore's transaction is committed by its last statement alone: psql whose input
    ends before it (this process killed, an error in Python) rolls back, --replace's drops too."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's restore runs in psql (SQLite's is copied in one step)")
    from coaching.backup import _PostgresTarget

    before = _counts()
    head = {"database": {"schema": "public"}, "tables": {}}
    target = _PostgresTarget(head, replace=True)
    target.psql.stdin.close()  # as when this process dies: psql's input ends, no COMMIT
    target.pg_restore.stdin.close()
    target.psql.wait()
    target.abort()
    connections.close_all()
    assert _counts() == before


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_backs_up_and_keeps_the_newest(settings, tmp_path):
    settings.PRAKTIJK_BACKUP_DIR = str(tmp_path / "nightly")
    settings.PRAKTIJK_BACKUP_KEEP = 2
    (tmp_path / "nightly").mkdir()
    for day in (1, 2, 3):
        (tmp_path / "nightly" / f"praktijk-2026110{day}T023000Z.backup").write_bytes(b"old")
    from coaching.tasks import backup_nightly

    backup_nightly.delay()  # in-process, as the tests run tasks
    kept = sorted(path.name for path in (tmp_path / "nightly").glob("praktijk-*.backup"))
    assert len(kept) == 2 and kept[0] == "praktijk-20261103T023000Z.backup"
    assert restore(tmp_path / "nightly" / kept[1], check_only=True).tables > 10
    assert BackupRun.objects.get().succeeded
