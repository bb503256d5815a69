"""A new, empty database for a block of a test or benchmark (the restore drill, the migrations at
L, the backup benchmark), on the run's own kind of database."""

import contextlib
import uuid
from pathlib import Path

from django.db import connection, connections


@contextlib.contextmanager
def new_database(purpose: str):
    """Points the default connection at a new database for the block (PostgreSQL: CREATE
    DATABASE beside the test database; SQLite: a new file beside it), and drops it after."""
    original = connection.settings_dict["NAME"]
    marker = f"{purpose}_{uuid.uuid4().hex[:8]}"
    connections.close_all()
    if connection.vendor == "postgresql":
        name = f"{original}_{marker}"[-63:]
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connections.close_all()
    else:
        name = str(Path(original).with_name(f"{marker}.sqlite3"))
    connection.settings_dict["NAME"] = name
    try:
        yield name
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = original
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)
