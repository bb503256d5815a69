"""An erasure leaves nothing readable on disk: after *Wissen* the
database's files (the SQLite file, its write-ahead log and shared-memory index) hold none of the
erased client's texts.

The embedded mode's database is an SQLite file in WAL mode that the web process, the worker
and beat keep open. The test runs that configuration as it is, in a process of its own (the
test database may be PostgreSQL, and is shared with the other tests): a fresh `var/` directory,
the migrations, a client with sentinel texts, the erasure, and then a byte search of the files
while the connections are still open, as they are minutes after an erasure.
"""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[2]
# Plain columns: names, a date of birth (stored as text), addresses.
BIRTHDAY = date(1923, 11, 7)
BIRTHDAY_ANONYMISED = date(1924, 2, 19)


def _database_files(var: Path) -> dict[str, bytes]:
    database = var / "praktijk.sqlite3"
    return {
        path.name: path.read_bytes()
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"))
        if path.exists()
    }


def _hits(var: Path, sentinels: list[str]) -> dict[str, list[str]]:
    """Per sentinel, the database files whose raw bytes hold it."""
    files = _database_files(var)
    return {
        sentinel: sorted(name for name, content in files.items() if sentinel.encode() in content)
        for sentinel in sentinels
    }


def _in_the_embedded_mode(var: Path, marker: str) -> dict:
    """Runs in the subprocess: Django with the default settings under `var`."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from coaching import celery_app
    from coaching.tests.factories import ClientFactory
    from coaching.tests.personas import coach_a
    from privacy.erasure import client_erase
    from privacy.tests.test_erasure import _close_everything, _sent_invoice
    from trajects.tests.factories import note, running_traject

    celery_app.conf.task_always_eager = True
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA secure_delete")
        secure_delete = cursor.fetchone()[0]
    coach = coach_a()
    clients, sentinels = [], {}
    for kind, born in (("erased", BIRTHDAY), ("anonymised", BIRTHDAY_ANONYMISED)):
        texts = {
            "first_name": f"Voornaam{kind}{marker}",
            "last_name": f"Achternaam{kind}{marker}",
            "email": f"{kind}{marker}@voorbeeld.nl",
            "street": f"Zegelstraat{kind}{marker} 12",
        }
        client = ClientFactory(coach=coach, date_of_birth=born, **texts)
        traject = running_traject(coach, client=client)
        note(traject, coach, text=f"Dossiertekst{kind}{marker}")
        _close_everything(client)
        if kind == "anonymised":  # a sent invoice keeps the (anonymised) row
            _sent_invoice(coach, client, timezone.localdate() - timedelta(days=10))
        clients.append(client)
        sentinels[kind] = [*texts.values(), born.isoformat(), f"Dossiertekst{kind}{marker}"]
    every = [text for texts in sentinels.values() for text in texts]
    # Another process (the worker, beat) has the database open too, as in the embedded mode.
    other = sqlite3.connect(var / "praktijk.sqlite3")
    other.execute("SELECT count(*) FROM coaching_client").fetchone()
    before = _hits(var, every)
    for client in clients:
        client_erase(client=client, by=coach)
    after = _hits(var, every)
    from coaching.models import Client

    anonymised = Client.objects.get(pk=clients[1].pk)
    from django.conf import settings

    result = {
        # Set for every connection, whatever SQLite's compiled-in default (often off).
        "init_command": settings.DATABASES["default"]["OPTIONS"]["init_command"],
        "journal_mode": journal,
        "secure_delete": secure_delete,
        "files": sorted(_database_files(var)),
        "before": before,
        "after": after,
        "erased_exists": Client.objects.filter(pk=clients[0].pk).exists(),
        "anonymised": [anonymised.first_name, anonymised.erased_on is not None],
    }
    other.close()
    return result


def test_after_an_erasure_the_database_files_hold_none_of_the_erased_texts(tmp_path):
    marker = uuid4().hex[:12]
    env = {
        key: value
        for key, value in os.environ.items()
        # The embedded mode as a new user gets it: not CI's PostgreSQL, Redis or mail server.
        if key
        not in {
            "DATABASE_URL",
            "CACHE_URL",
            "CELERY_BROKER_URL",
            "EMAIL_HOST",
            "MEDIA_ROOT",
            "PRAKTIJK_ENV",
        }
    }
    env |= {"PRAKTIJK_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "coaching.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "privacy.tests.test_erasure_on_disk", str(tmp_path), marker],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "PRAGMA secure_delete=ON" in result["init_command"]
    assert (result["journal_mode"], result["secure_delete"]) == ("wal", 1)
    assert "praktijk.sqlite3-wal" in result["files"]  # the log is there (empty), not closed away
    # The search finds the plain texts while the client is there (the dossier text is
    # encrypted at rest: never found)...
    found = {text for text, files in result["before"].items() if files}
    assert found == {text for text in result["before"] if not text.startswith("Dossiertekst")}
    # ...and nothing of them after the erasure: not in the file, the WAL or its index.
    assert {text: files for text, files in result["after"].items() if files} == {}
    assert result["erased_exists"] is False
    assert result["anonymised"] == ["—", True]


if __name__ == "__main__":
    print(json.dumps(_in_the_embedded_mode(Path(sys.argv[1]), sys.argv[2])))
