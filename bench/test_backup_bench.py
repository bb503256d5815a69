"""`make bench`: backing up and restoring a practice of each size (coaching.backup).

For S and L: a new database with the practice seeded (bench.seed) and settled; `make_backup`
timed with the archive's size; `restore --check` (read and check everything) timed; `restore`
into another new database timed, with every table's row count checked as restore checks it.
One round each (these take seconds to minutes, not milliseconds). Written to bench/BACKUP.md."""

import platform
import time
from pathlib import Path

import django
import pytest
from django.core.management import call_command
from django.db import connection

from bench.seed import seed, settle
from coaching.backup import make_backup, restore
from coaching.tests.databases import new_database

RESULTS = Path(__file__).with_name("BACKUP.md")
SIZES = ("S", "L")


def _one(size: str, tmp_path: Path, settings) -> dict:
    settings.MEDIA_ROOT = tmp_path / f"media-{size}"
    with new_database("backup"):
        call_command("migrate", verbosity=0)
        seed(size, prefix=f"backup{size.lower()}")
        settle()
        made = make_backup(tmp_path / f"archives-{size}")
    started = time.perf_counter()
    checked = restore(made.path, check_only=True)
    check_seconds = time.perf_counter() - started
    settings.MEDIA_ROOT = tmp_path / f"restored-media-{size}"
    with new_database("backup"):
        started = time.perf_counter()
        restored = restore(made.path)
        restore_seconds = time.perf_counter() - started
    assert restored.rows == made.rows == checked.rows
    return {
        "rows": made.rows,
        "tables": made.tables,
        "bytes": made.size,
        "backup": made.seconds,
        "check": check_seconds,
        "restore": restore_seconds,
    }


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_at_each_size(tmp_path, settings):
    figures = {size: _one(size, tmp_path, settings) for size in SIZES}
    server = connection.vendor
    lines = [
        "# Backup and restore, S and L",
        "",
        f"`make bench` (bench/test_backup_bench.py) on {platform.node()}: Python "
        f"{platform.python_version()}, Django {django.get_version()}, {server}. Each practice "
        "seeded into a new database; `manage.py backup` (database dump, uploads, manifest, "
        "encrypted); `restore --check` (every chunk authenticated, every checksum compared, "
        "nothing written); `restore` into another new database (in one transaction, every "
        "table's row count checked before the commit; then ANALYZE).",
        "",
        "| size | rows | archive | backup | check | restore |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for size, found in figures.items():
        lines.append(
            f"| {size} | {found['rows']:,} | {found['bytes'] / 1e6:.1f} MB | "
            f"{found['backup']:.1f} s | {found['check']:.1f} s | {found['restore']:.1f} s |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
