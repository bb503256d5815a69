"""The audit log partitioned by month on PostgreSQL (audit/partitions.py says why and how).

The table is rebuilt with its rows: renamed, a partitioned table made in its place (a DEFAULT
partition and one partition a month, from the oldest row's month to three months ahead), the
rows copied over, the old table dropped, and then the primary key (id, at), the indexes and
the immutability trigger made on the partitioned table, which gives them to every partition.
The ids go on from where they were (a sequence owned by the column: PostgreSQL 15 has no
identity column on a partitioned table).

It holds an exclusive lock on the log from start to end: nothing reads or writes the log
meanwhile (a page that opens a dossier waits, and then writes its row to the new table; the
rest of the database is not held up). It runs once, in an upgrade; its time grows with the rows: about 40 s
for 2,000,000 rows on the benchmark's machine (2 shared cores), and the same back.

On both databases the single-column indexes of actor and client go: the composite indexes lead
with those columns. SQLite keeps the plain table.
"""

from datetime import UTC, date, datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PARENT = "audit_auditevent"
OLD = "audit_auditevent_unpartitioned"
AHEAD = 3
INDEXES = {
    "audit_client_recent": "(client_id, at DESC)",
    "audit_actor_recent": "(actor_id, at DESC)",
    "audit_object_recent": "(object_id, at DESC)",
    "audit_recent": "(at DESC)",
}
SINGLE = {
    "audit_auditevent_actor_id_270bb4b7": "(actor_id)",
    "audit_auditevent_client_id_b7cf9ec4": "(client_id)",
}
TRIGGER = (
    f"CREATE TRIGGER audit_auditevent_immutable BEFORE UPDATE OR DELETE ON {PARENT} "
    "FOR EACH ROW EXECUTE FUNCTION praktijk_audit_refuse()"
)


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _months(oldest: datetime | None) -> list[date]:
    now = datetime.now(UTC)
    first = (oldest or now).astimezone(UTC)
    start, end = first.year * 12 + first.month - 1, now.year * 12 + now.month - 1 + AHEAD
    return [_month(index) for index in range(start, end + 1)]


def _next_id(cursor, table: str) -> int:
    """Where the table's ids go on: past its sequence and past every row."""
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
    last, called = cursor.fetchone()
    cursor.execute(f"SELECT max(id) FROM {table}")
    highest = cursor.fetchone()[0] or 0
    return max(last + 1 if called else last, highest + 1)


def _partitioned_beside_the_old(cursor) -> None:
    """The old table renamed, locked, and the partitioned table with its months made in its
    place (empty; no keys or indexes yet: they are built after the copy, which is faster)."""
    cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {OLD}")
    cursor.execute(f"CREATE TABLE {PARENT} (LIKE {OLD}) PARTITION BY RANGE (at)")
    cursor.execute(f"CREATE TABLE {PARENT}_default PARTITION OF {PARENT} DEFAULT")
    cursor.execute(f"SELECT min(at) FROM {OLD}")
    for month in _months(cursor.fetchone()[0]):
        after = _month(month.year * 12 + month.month)
        cursor.execute(
            f"CREATE TABLE {PARENT}_y{month.year}m{month.month:02d} PARTITION OF {PARENT} "
            f"FOR VALUES FROM ('{month} 00:00:00+00') TO ('{after} 00:00:00+00')"
        )


def partition(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in SINGLE:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    if vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # More memory for the index builds after the copy; for this transaction only.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        _partitioned_beside_the_old(cursor)
        cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {OLD}")
        next_id = _next_id(cursor, OLD)
        cursor.execute(f"DROP TABLE {OLD}")
        cursor.execute(f"CREATE SEQUENCE {PARENT}_id_seq OWNED BY {PARENT}.id")
        cursor.execute(f"SELECT setval('{PARENT}_id_seq', {next_id}, false)")
        cursor.execute(
            f"ALTER TABLE {PARENT} ALTER COLUMN id SET DEFAULT nextval('{PARENT}_id_seq')"
        )
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id, at)")
        for name, columns in INDEXES.items():
            cursor.execute(f"CREATE INDEX {name} ON {PARENT} {columns}")
        cursor.execute(TRIGGER)


def unpartition(apps, schema_editor):
    """Back to one plain table with every row (the partitions' rows copied back)."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name, columns in SINGLE.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {PARENT} {columns}")
    if vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {OLD}")
        cursor.execute(f"ALTER SEQUENCE {PARENT}_id_seq RENAME TO {OLD}_id_seq")
        for name in INDEXES:
            cursor.execute(f"ALTER INDEX {name} RENAME TO {name}_old")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {PARENT}_pkey TO {OLD}_pkey")
        cursor.execute(f"CREATE TABLE {PARENT} (LIKE {OLD})")
        cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {OLD}")
        next_id = _next_id(cursor, OLD)
        cursor.execute(f"DROP TABLE {OLD}")
        cursor.execute(
            f"ALTER TABLE {PARENT} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY "
            f"(START WITH {next_id})"
        )
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id)")
        for name, columns in {**INDEXES, **SINGLE}.items():
            cursor.execute(f"CREATE INDEX {name} ON {PARENT} {columns}")
        cursor.execute(TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_backstage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="wie",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="client",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="coaching.client",
                        verbose_name="cliënt",
                    ),
                ),
            ],
        ),
        migrations.RunPython(partition, unpartition),
    ]
