"""Backup and restore of the whole practice: the database, the uploaded files and a manifest.

``make_backup(directory)`` writes one archive (coaching/backup_archive.py: encrypted with the
backup key of PRAKTIJK_BACKUP_KEYS, never with the keys of the texts), holding, in this order:

- ``head.json``: the manifest without its checksums (the format, when, which database and
  versions, the migrations applied, the rows of every table, the fingerprints of the
  encryption keys the texts were written with), so that a restore can refuse an archive it
  cannot take before it touches anything;
- the database: on PostgreSQL ``database.pgdump`` (``pg_dump`` in its custom format, streamed
  in, taken in the snapshot in which the rows were counted); on SQLite ``database.sqlite3``, a
  copy made by SQLite's online backup API (never a copy of the live file);
- ``media/…``: every uploaded file (the attachments, already encrypted at rest);
- ``manifest.json``: the head with the SHA-256 and size of the database and of every file.

``restore(archive)`` takes an archive into an empty database (or, with ``replace``, one whose
tables it drops first) and an empty MEDIA_ROOT. It reads the archive once; everything is kept
back until the last chunk has been authenticated and every checksum and row count agrees:
PostgreSQL's restore runs in one transaction that is committed only then (psql reading
pg_restore's script, the row counts checked inside it), SQLite's copy is checked in a file of its
own and then copied in with the backup API in one transaction, and the files wait in a folder
beside MEDIA_ROOT that is moved into place last. So a damaged, truncated or foreign archive
restores nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess  # nosec B404: pg_dump, pg_restore and psql, by fixed names and arguments
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import django
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.backup_archive import CHUNK, ArchiveError, Reader, Writer, key_bytes
from coaching.models import BackupRun

FORMAT = 1
PREFIX = "praktijk-"
SUFFIX = ".backup"
DATABASE_ENTRY = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# A restore's folders inside MEDIA_ROOT while it runs (never backed up, never counted as files).
STAGING, OLD = ".restore-", ".old-"


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in the user's language."""


# --- Keys -----------------------------------------------------------------------------------------


def backup_keys() -> list[bytes]:
    """PRAKTIJK_BACKUP_KEYS as bytes, newest first; refuses when none is set."""
    if not settings.PRAKTIJK_BACKUP_KEYS:
        raise BackupError(
            _(
                "Er is geen back-upsleutel: zet PRAKTIJK_BACKUP_KEYS (maak een sleutel met "
                "`manage.py generate_encryption_key`) en bewaar hem elders dan de back-ups."
            )
        )
    try:
        return [key_bytes(key) for key in settings.PRAKTIJK_BACKUP_KEYS]
    except ArchiveError as error:
        raise BackupError(str(error)) from None


def fingerprint(key: str) -> str:
    """Names a key of the texts in a manifest without revealing it."""
    return hashlib.sha256(b"praktijk key fingerprint:" + key.encode()).hexdigest()[:16]


# --- Backup ---------------------------------------------------------------------------------------


@dataclass
class Made:
    path: Path
    size: int
    seconds: float
    tables: int
    rows: int
    files: int


def make_backup(directory: str | Path) -> Made:
    """Writes one archive into ``directory`` and records it (BackupRun); see the module."""
    directory = Path(directory)
    keys = backup_keys()
    if connection.in_atomic_block:
        # The dump is taken by another connection (pg_dump) or of what is committed (SQLite):
        # rows written in an open transaction would be missing, and the snapshot needs its own.
        raise BackupError(_("Een back-up wordt buiten een transactie gemaakt."))
    directory.mkdir(parents=True, exist_ok=True)
    run = BackupRun.objects.create()
    started = time.monotonic()
    name = f"{PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%SZ}{SUFFIX}"
    partial = directory / f".{name}.partial"
    opened = False
    try:
        with _lock(directory), _private_file(partial) as file:
            opened = True
            writer = Writer(file, keys[0])
            head = _write_database(writer)
            media = _write_media(writer)
            manifest = {**head, "media": media}
            writer.entry("manifest.json", [json.dumps(manifest, indent=1).encode()])
            writer.close()
            file.flush()
            os.fsync(file.fileno())
        path = directory / name
        partial.rename(path)
    except BaseException as error:
        if opened:  # not another run's file, when the lock was refused
            partial.unlink(missing_ok=True)
        BackupRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(),
            seconds=time.monotonic() - started,
            error=str(error)[:2000] if isinstance(error, BackupError) else type(error).__name__,
        )
        raise
    seconds = time.monotonic() - started
    size = path.stat().st_size
    BackupRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), succeeded=True, file_name=name, size_bytes=size, seconds=seconds
    )
    return Made(
        path=path,
        size=size,
        seconds=seconds,
        tables=len(head["tables"]),
        rows=sum(head["tables"].values()),
        files=len(media["files"]),
    )


def prune(directory: str | Path, keep: int) -> list[Path]:
    """Deletes all but the ``keep`` newest archives of ``directory`` (only ours, by name)."""
    archives = sorted(Path(directory).glob(f"{PREFIX}*{SUFFIX}"), key=lambda path: path.name)
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


@contextlib.contextmanager
def _lock(directory: Path) -> Iterator[None]:
    """One backup at a time into a folder (a nightly task and a cron job may meet)."""
    with open(directory / ".praktijk-backup.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                _("Er loopt al een back-up naar %(folder)s.") % {"folder": directory}
            ) from None
        yield


@contextlib.contextmanager
def _private_file(path: Path):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        yield file


def _head(vendor: str, server: str, tables: dict[str, int], migrations: list) -> dict:
    return {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {
            "python": platform.python_version(),
            "django": django.get_version(),
        },
        "database": {"vendor": vendor, "server": server, "entry": DATABASE_ENTRY[vendor]},
        "migrations": migrations,
        "tables": tables,
        # The keys the texts in the database were written with, by fingerprint only: the keys
        # themselves are kept apart from the backups.
        "encryption_keys": [fingerprint(key) for key in settings.PRAKTIJK_ENCRYPTION_KEYS],
    }


def _summed(blocks: Iterator[bytes], into: dict) -> Iterator[bytes]:
    digest, size = hashlib.sha256(), 0
    for block in blocks:
        digest.update(block)
        size += len(block)
        yield block
    into.update(sha256=digest.hexdigest(), bytes=size)


def _write_database(writer: Writer) -> dict:
    if connection.vendor == "postgresql":
        return _write_postgresql(writer)
    if connection.vendor == "sqlite":
        return _write_sqlite(writer)
    raise BackupError(_("Back-ups kunnen alleen van PostgreSQL en SQLite."))


def _write_postgresql(writer: Writer) -> dict:
    with transaction.atomic(), connection.cursor() as cursor:
        # The rows are counted, and pg_dump dumps, in one snapshot: the counts are the dump's.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(
            "SELECT pg_export_snapshot(), current_schema(), current_setting('server_version')"
        )
        snapshot, schema, server = cursor.fetchone()
        tables = _postgresql_counts(cursor)
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        head = _head("postgresql", server, tables, [list(row) for row in cursor.fetchall()])
        head["database"]["schema"] = schema
        writer.entry("head.json", [json.dumps(head).encode()])
        # No large objects (the schema has none): their restore script would begin and commit a
        # transaction of its own inside the restore's.
        command = _pg_command(
            "pg_dump", ["--format=custom", "--no-blobs", f"--snapshot={snapshot}"]
        )
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(  # nosec B603: fixed arguments, no shell
                command.args, stdout=subprocess.PIPE, stderr=errors, env=command.env
            )
            try:
                writer.entry(
                    "database.pgdump",
                    _summed(iter(lambda: process.stdout.read(CHUNK), b""), head["database"]),
                )
            finally:
                process.stdout.close()
                status = process.wait()
            if status != 0:
                raise BackupError(_tool_failed("pg_dump", status, errors))
    return head


def _postgresql_counts(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname"
    )
    tables = [name for (name,) in cursor.fetchall()]
    counts = {}
    for name in tables:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")  # nosec B608
        counts[name] = cursor.fetchone()[0]
    return counts


def _write_sqlite(writer: Writer) -> dict:
    live = Path(connection.settings_dict["NAME"])
    descriptor, copy_name = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite3", dir=live.parent)
    os.close(descriptor)
    copy = Path(copy_name)
    try:
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        try:
            # The online backup API: a consistent copy while the site and workers write.
            connection.connection.backup(target)
            tables = _sqlite_counts(target)
            migrations = [
                list(row)
                for row in target.execute("SELECT app, name FROM django_migrations ORDER BY id")
            ]
        finally:
            target.close()
        head = _head("sqlite", sqlite3.sqlite_version, tables, migrations)
        writer.entry("head.json", [json.dumps(head).encode()])
        with open(copy, "rb") as file:
            writer.entry(
                "database.sqlite3", _summed(iter(lambda: file.read(CHUNK), b""), head["database"])
            )
    finally:
        copy.unlink(missing_ok=True)
    return head


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {}
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        counts[name] = db.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # nosec B608
    return counts


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(
        (path.relative_to(root).as_posix(), path)
        for path in root.rglob("*")
        if path.is_file()
        and not path.is_symlink()
        and not path.relative_to(root).parts[0].startswith((STAGING, OLD))
    )


def _write_media(writer: Writer) -> dict:
    files = {}
    for relative, path in _media_files():
        summed = {}
        try:
            file = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            continue  # deleted since the listing (an erasure): not in the archive, nor its manifest
        with file:
            writer.entry(
                f"media/{relative}", _summed(iter(lambda f=file: f.read(CHUNK), b""), summed)
            )
        files[relative] = summed
    return {"files": files}


# --- The PostgreSQL tools -------------------------------------------------------------------------


@dataclass
class _Command:
    args: list[str]
    env: dict[str, str]


def _pg_command(tool: str, parameters: list[str]) -> _Command:
    """A PostgreSQL client tool with the connection of DATABASES["default"] (password in env)."""
    binary = shutil.which(tool, path=settings.PRAKTIJK_PG_BINDIR or None)
    if binary is None:
        raise BackupError(
            _(
                "%(tool)s is niet gevonden: installeer PostgreSQL's clientprogramma's (Debian: "
                "postgresql-client, van de versie van de server of nieuwer) of zet "
                "PRAKTIJK_PG_BINDIR."
            )
            % {"tool": tool}
        )
    args, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, parameters)
    return _Command([binary, *args[1:]], {**os.environ, **(env or {})})


def _tool_failed(tool: str, status: int, errors) -> str:
    errors.seek(0)
    said = errors.read().decode("utf-8", errors="replace").strip()[-2000:]
    return _("%(tool)s stopte met code %(status)s: %(said)s") % {
        "tool": tool,
        "status": status,
        "said": said or "-",
    }


# --- Restore --------------------------------------------------------------------------------------


@dataclass
class Restored:
    head: dict
    archive_bytes: int
    chunks: int
    seconds: float
    files: int
    checked_only: bool
    # Migrations of this code that the archive's database lacks (`manage.py migrate` adds them).
    newer_here: list[str] = field(default_factory=list)
    # Keys the archive's texts were written with that PRAKTIJK_ENCRYPTION_KEYS lacks now.
    keys_missing: list[str] = field(default_factory=list)

    @property
    def tables(self) -> int:
        return len(self.head["tables"])

    @property
    def rows(self) -> int:
        return sum(self.head["tables"].values())


def restore(archive: str | Path, *, replace: bool = False, check_only: bool = False) -> Restored:
    """Restores ``archive`` (or, ``check_only``, reads and checks it all); see the module."""
    keys = backup_keys()
    path = Path(archive)
    if not path.is_file():
        raise BackupError(_("Het bestand %(path)s bestaat niet.") % {"path": path})
    started = time.monotonic()
    with open(path, "rb") as file:
        try:
            reader = Reader(file, keys)
            entries = reader.entries()
            name, blocks = next(entries)
            if name != "head.json":
                raise ArchiveError(_("De back-up begint niet met zijn beschrijving (head.json)."))
            head = json.loads(b"".join(blocks))
        except ArchiveError as error:
            raise BackupError(str(error)) from None
        except StopIteration:
            raise BackupError(_("De back-up is leeg.")) from None
        except ValueError:  # not JSON, not UTF-8: cannot be, in an authenticated archive
            raise BackupError(_("De beschrijving in de back-up is onleesbaar.")) from None
        newer_here = _preflight(head, replace=replace, check_only=check_only)
        try:
            media = _Media(check_only=check_only)
        except OSError as error:
            raise BackupError(_media_trouble(error)) from None
        target = None
        try:
            target = _target(head, replace=replace, check_only=check_only)
            manifest, database = _read_rest(entries, head, target, media)
            _verify(manifest, head, database, media.sums)
            target.commit(head)
        except BaseException as error:
            if target is not None:
                target.abort()
            media.discard()
            if isinstance(error, ArchiveError):
                raise BackupError(str(error)) from None
            if isinstance(error, OSError):
                raise BackupError(_media_trouble(error)) from None
            if isinstance(error, (sqlite3.Error, ValueError)):
                raise BackupError(
                    _("Terugzetten lukte niet (%(error)s). Er is niets teruggezet.")
                    % {"error": type(error).__name__}
                ) from None
            raise
    media.place()
    if not check_only:
        _after_restore()
    now = set(map(fingerprint, settings.PRAKTIJK_ENCRYPTION_KEYS))
    return Restored(
        head=manifest,
        archive_bytes=path.stat().st_size,
        chunks=reader.chunks,
        seconds=time.monotonic() - started,
        files=len(media.sums),
        checked_only=check_only,
        newer_here=newer_here,
        keys_missing=[key for key in head["encryption_keys"] if key not in now],
    )


def _media_trouble(error: OSError) -> str:
    return _(
        "Een bestand of map kon niet worden geschreven (%(error)s: %(name)s). Er is niets "
        "teruggezet."
    ) % {"error": type(error).__name__, "name": error.filename or "-"}


def _read_rest(entries, head: dict, target, media: _Media) -> tuple[dict, dict]:
    manifest, database = None, {}
    for name, blocks in entries:
        if manifest is not None:
            raise ArchiveError(_("Na het manifest staan nog gegevens in de back-up."))
        if name == head["database"]["entry"] and not database:
            target.feed(_summed(blocks, database))
        elif name.startswith("media/"):
            media.add(name.removeprefix("media/"), blocks)
        elif name == "manifest.json":
            manifest = json.loads(b"".join(blocks))
        else:
            raise ArchiveError(_("Onbekend onderdeel in de back-up: %(name)s") % {"name": name})
    if manifest is None or not database:
        raise ArchiveError(_("De back-up mist zijn database of zijn manifest."))
    return manifest, database


def _preflight(head: dict, *, replace: bool, check_only: bool) -> list[str]:
    """Refuses what cannot be restored here, before anything is touched; the newer migrations."""
    if head.get("format") != FORMAT:
        raise BackupError(
            _("Deze back-up heeft een vorm (%(format)s) die deze versie niet kent.")
            % {"format": head.get("format")}
        )
    vendor = head["database"]["vendor"]
    if vendor != connection.vendor and not check_only:
        raise BackupError(
            _(
                "Deze back-up is van een %(theirs)s-database; DATABASE_URL wijst naar %(ours)s. "
                "Zet hem terug in een database van dezelfde soort."
            )
            % {"theirs": vendor, "ours": connection.vendor}
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    theirs = {tuple(pair) for pair in head["migrations"]}
    unknown = sorted(f"{app}.{name}" for app, name in theirs - known)
    if unknown and not check_only:
        raise BackupError(
            _(
                "Deze back-up is gemaakt door een nieuwere versie van Praktijk (migraties die "
                "deze code niet kent: %(names)s). Installeer die versie en zet hem dan terug."
            )
            % {"names": ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")}
        )
    if not check_only and not replace:
        tables = connection.introspection.table_names(include_views=True)
        if tables:
            raise BackupError(
                _(
                    "De database %(name)s is niet leeg (%(count)s tabellen). Zet terug in een "
                    "lege database (createdb), of geef --replace om alles erin eerst te wissen."
                )
                % {"name": connection.settings_dict["NAME"], "count": len(tables)}
            )
        if _media_files():
            raise BackupError(
                _(
                    "MEDIA_ROOT (%(root)s) bevat al bestanden. Zet terug in een lege map, of geef "
                    "--replace om ze te vervangen."
                )
                % {"root": settings.MEDIA_ROOT}
            )
    return sorted(f"{app}.{name}" for app, name in known - theirs)


def _verify(manifest: dict, head: dict, database: dict, files: dict) -> None:
    problems = []
    if {key: manifest.get(key) for key in ("format", "migrations", "tables")} != {
        key: head.get(key) for key in ("format", "migrations", "tables")
    }:
        problems.append(_("het manifest en de beschrijving aan het begin verschillen"))
    expected = manifest.get("database", {})
    if (expected.get("sha256"), expected.get("bytes")) != (database["sha256"], database["bytes"]):
        problems.append(_("de controlesom van de database klopt niet"))
    if manifest.get("media", {}).get("files") != files:
        problems.append(_("de controlesommen van de bestanden kloppen niet"))
    if problems:
        raise ArchiveError(
            _("De back-up klopt niet met zijn manifest: %(problems)s. Er is niets teruggezet.")
            % {"problems": "; ".join(problems)}
        )


def _after_restore() -> None:
    """New connections see the restored tables; PostgreSQL gets its planner statistics."""
    connections.close_all()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connections.close_all()


def _target(head: dict, *, replace: bool, check_only: bool):
    if check_only:
        return _CheckOnly()
    if connection.vendor == "postgresql":
        return _PostgresTarget(head, replace=replace)
    return _SqliteTarget()


class _CheckOnly:
    def feed(self, blocks) -> None:
        for _block in blocks:
            pass

    def commit(self, head: dict) -> None:
        pass

    def abort(self) -> None:
        pass


class _PostgresTarget:
    """psql runs pg_restore's script in one transaction, committed when its input ends."""

    def __init__(self, head: dict, *, replace: bool):
        connections.close_all()
        # Closed by commit() or abort(), one of which always ends a restore.
        self._errors = {tool: tempfile.TemporaryFile() for tool in ("pg_restore", "psql")}  # noqa: SIM115
        # One transaction, begun here and committed by commit() alone: psql that stops for any
        # reason before (an error, its input closed, this process killed) leaves it open, and
        # the server rolls it back. (Not --single-transaction: it commits at the end of input.)
        psql = _pg_command("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"])
        # pg_restore without a database writes the script to its output (no connection).
        restore = _pg_command("pg_restore", [])
        restore.args = [
            restore.args[0],
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "-f",
            "-",
        ]
        self.psql = subprocess.Popen(  # nosec B603: fixed arguments, no shell
            psql.args,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._errors["psql"],
            env=psql.env,
        )
        # A service still connected would make the drops wait: a clear error instead.
        self.psql.stdin.write(b"BEGIN;\nSET lock_timeout = '30s';\n")
        if replace:
            self.psql.stdin.write(DROP_EVERYTHING.encode())
        self.pg_restore = subprocess.Popen(  # nosec B603: fixed arguments, no shell
            restore.args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors["pg_restore"],
            env=restore.env,
        )
        self._forwarder = threading.Thread(target=self._forward, daemon=True)
        self._forwarder.start()

    def _forward(self) -> None:
        """pg_restore's script into psql, without closing psql's input (that would commit)."""
        broken = False
        for block in iter(lambda: self.pg_restore.stdout.read(CHUNK), b""):
            if not broken:
                try:
                    self.psql.stdin.write(block)
                except OSError:
                    broken = True  # psql stopped on an error; keep pg_restore from blocking

    def feed(self, blocks) -> None:
        try:
            for block in blocks:
                self.pg_restore.stdin.write(block)
            self.pg_restore.stdin.close()
        except BrokenPipeError:
            pass
        status = self.pg_restore.wait()
        self._forwarder.join()
        if status != 0:
            raise BackupError(_tool_failed("pg_restore", status, self._errors["pg_restore"]))
        if self.psql.poll() is not None:
            raise BackupError(_tool_failed("psql", self.psql.returncode, self._errors["psql"]))

    def commit(self, head: dict) -> None:
        try:
            self.psql.stdin.write(_count_check(head).encode() + b"COMMIT;\n")
            self.psql.stdin.close()
        except BrokenPipeError:
            pass
        status = self.psql.wait()
        if status != 0:
            raise BackupError(_tool_failed("psql", status, self._errors["psql"]))
        self._close()

    def abort(self) -> None:
        # psql killed before its input ended: the server rolls the transaction back.
        for process in (self.pg_restore, self.psql):
            if process.poll() is None:
                process.kill()
            process.wait()
            with contextlib.suppress(OSError):
                process.stdin.close()
        self._close()

    def _close(self) -> None:
        for file in self._errors.values():
            file.close()


# --replace on PostgreSQL: every table, view, sequence and function of the schema is dropped
# first, in the restore's own transaction (so a failed restore leaves them as they were).
DROP_EVERYTHING = """
DO $$
DECLARE item record;
BEGIN
  FOR item IN
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm')
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format(
      CASE item.relkind WHEN 'v' THEN 'DROP VIEW IF EXISTS %I.%I CASCADE'
        WHEN 'm' THEN 'DROP MATERIALIZED VIEW IF EXISTS %I.%I CASCADE'
        ELSE 'DROP TABLE IF EXISTS %I.%I CASCADE' END,
      current_schema(), item.relname);
  END LOOP;
  -- The sequences left (a table's own went with it).
  FOR item IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'S'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', current_schema(), item.relname);
  END LOOP;
  FOR item IN
    SELECT p.oid::regprocedure AS routine FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema()
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE 'DROP ROUTINE IF EXISTS ' || item.routine || ' CASCADE';
  END LOOP;
END $$;
"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _count_check(head: dict) -> str:
    """Inside the restore's transaction: every table holds the rows the manifest says, or none
    of it is committed."""
    schema = head["database"]["schema"]
    lines = ["DO $$", "DECLARE found bigint;", "BEGIN"]
    in_schema = f"n.nspname = {_literal(schema)}"
    lines.append(
        "  SELECT count(*) INTO found FROM pg_class c JOIN pg_namespace n "  # nosec B608
        f"ON n.oid = c.relnamespace WHERE {in_schema} AND c.relkind = 'r';"
    )
    lines.append(
        f"  IF found <> {len(head['tables'])} THEN RAISE EXCEPTION "
        f"'praktijk restore: % tables, the manifest says {len(head['tables'])}', found; END IF;"
    )
    for table, rows in head["tables"].items():
        quoted = connection.ops.quote_name(schema) + "." + connection.ops.quote_name(table)
        lines.append(f"  SELECT count(*) INTO found FROM {quoted};")  # nosec B608: quoted names
        lines.append(
            f"  IF found <> {int(rows)} THEN RAISE EXCEPTION 'praktijk restore: table % holds "
            f"% rows, the manifest says {int(rows)}', {_literal(table)}, found; END IF;"
        )
    lines += ["END $$;", ""]
    return "\n".join(lines)


class _SqliteTarget:
    """The database is written to a file beside the live one, checked, then copied in."""

    def __init__(self):
        self.live = Path(connection.settings_dict["NAME"])
        self.live.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(
            prefix=".restore-", suffix=".sqlite3", dir=self.live.parent
        )
        os.close(descriptor)
        self.copy = Path(name)

    def feed(self, blocks) -> None:
        with open(self.copy, "wb") as file:
            for block in blocks:
                file.write(block)

    def commit(self, head: dict) -> None:
        try:
            source = sqlite3.connect(self.copy)
            try:
                (integrity,) = source.execute("PRAGMA integrity_check").fetchone()
                if integrity != "ok":
                    raise BackupError(
                        _("De database in de back-up is beschadigd (%(said)s).")
                        % {"said": integrity}
                    )
                counts = _sqlite_counts(source)
                if counts != head["tables"]:
                    raise BackupError(_count_difference(counts, head["tables"]))
                connections.close_all()
                live = sqlite3.connect(self.live, timeout=20)
                try:
                    # One transaction on the live file: all of it, or none.
                    source.backup(live)
                finally:
                    live.close()
            finally:
                source.close()
        finally:
            _unlink_sqlite(self.copy)

    def abort(self) -> None:
        _unlink_sqlite(self.copy)


def _unlink_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _count_difference(found: dict, expected: dict) -> str:
    differences = [
        f"{table}: {found.get(table, '-')} / {expected.get(table, '-')}"
        for table in sorted(set(found) | set(expected))
        if found.get(table) != expected.get(table)
    ]
    return _(
        "De rijen in de back-up kloppen niet met het manifest (tabel: gevonden / verwacht): "
        "%(differences)s. Er is niets teruggezet."
    ) % {"differences": ", ".join(differences[:10])}


class _Media:
    """The archive's files, written to a folder inside MEDIA_ROOT (so on its file system, also
    when MEDIA_ROOT is a mount point) and moved into place last, after the database."""

    def __init__(self, *, check_only: bool):
        self.root = Path(settings.MEDIA_ROOT)
        self.sums: dict[str, dict] = {}
        self.staging = None
        self.made_root = False
        if not check_only:
            self.made_root = not self.root.exists()
            self.root.mkdir(parents=True, exist_ok=True)
            self.staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=self.root))

    def add(self, relative: str, blocks) -> None:
        parts = Path(relative).parts
        if not parts or Path(relative).is_absolute() or ".." in parts:
            raise ArchiveError(_("Een bestandsnaam in de back-up is ongeldig."))
        summed: dict = {}
        if self.staging is None:
            for _block in _summed(blocks, summed):
                pass
        else:
            target = self.staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as file:
                for block in _summed(blocks, summed):
                    file.write(block)
        self.sums[relative] = summed

    def discard(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            if self.made_root:
                with contextlib.suppress(OSError):
                    self.root.rmdir()

    def place(self) -> None:
        """What MEDIA_ROOT held goes aside (and then away), the archive's files take its place."""
        if self.staging is None:
            return
        old = Path(tempfile.mkdtemp(prefix=OLD, dir=self.root))
        try:
            for entry in list(self.root.iterdir()):
                if entry not in (self.staging, old):
                    entry.rename(old / entry.name)
            for entry in list(self.staging.iterdir()):
                entry.rename(self.root / entry.name)
        except OSError as error:
            raise BackupError(
                _(
                    "De database is teruggezet, maar de bestanden konden niet op hun plaats "
                    "(%(error)s). Ze staan in %(staging)s; wat MEDIA_ROOT had, staat in %(old)s."
                )
                % {"error": type(error).__name__, "staging": self.staging, "old": old}
            ) from None
        shutil.rmtree(self.staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
