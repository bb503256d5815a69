"""Migrations that a running practice can take (docs/production.md, "Writing a migration").

Every migration after BASELINE (the ones each installation had run when this check began) is
checked by its operations: what would hold a lock on a big table while it scans or rewrites it,
or break the processes still running the old code during an upgrade, is refused unless it is
reviewed below with its reason. On PostgreSQL, those migrations are then applied to a database
holding the L benchmark's practice (10,000 clients, 100,000 appointments) while another
connection writes to the appointments and the outbox every 20 ms: each migration within
MIGRATION_SECONDS, and no write waiting longer than LOCK_SECONDS.
"""

import threading
import time

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, migrations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from coaching.migration_ops import AddIndexConcurrently
from coaching.tests.databases import new_database

# The last migration of each app on 2026-12-05: these ran on every installation before the check.
BASELINE = {
    "coaching": "0013_client_coach_pair_and_list_order",
    "trajects": "0014_traject_coach",
    "groups": "0005_place_stop_and_team_exceptions",
    "agenda": "0007_who_cancelled_and_fee_waivers",  # the sessions app
    "billing": "0006_invoice_list_in_number_order",
    "audit": "0004_partition_by_month",
    "privacy": "0001_initial",
}
# (app, migration, operation index): why it is safe after all.
REVIEWED: dict[tuple[str, str, int], str] = {
    ("billing", "0007_session_packages", 13): "adds the exclusion constraint of the prices of a "
    "strippenkaart (PostgreSQL) to their table, made empty in the same migration",
    ("trajects", "0015_intake_agreement", 4): "append-only triggers on the two tables this "
    "migration creates: empty, nothing is scanned",
    ("trajects", "0015_intake_agreement", 5): "the first version of two texts and one "
    "questionnaire of four questions: the same few rows at any size",
}
MIGRATION_SECONDS = 30.0
LOCK_SECONDS = 1.0
OURS = set(BASELINE)


def _new_migrations(loader: MigrationLoader) -> list[tuple[str, str]]:
    """The project's migrations after the baseline, in the order they are applied."""
    graph = loader.graph
    plan = []
    for node in graph.leaf_nodes():
        for step in graph.forwards_plan(node):
            if step[0] in OURS and step not in plan:
                plan.append(step)
    return [
        (app, name)
        for app, name in plan
        if (app, BASELINE[app]) in graph.forwards_plan((app, name)) and name != BASELINE[app]
    ]


def _problem(operation, app: str, before, after, created: set[str]) -> str | None:
    """Why the operation is not safe on a big table in use, or None."""
    model = getattr(operation, "model_name_lower", None) or getattr(operation, "name_lower", "")
    if model in created or isinstance(
        operation,
        (
            migrations.CreateModel,
            migrations.AlterModelOptions,
            migrations.AlterModelManagers,
            migrations.RemoveIndex,
            migrations.RemoveConstraint,
            AddIndexConcurrently,
        ),
    ):
        return None
    if isinstance(operation, migrations.AddField):
        field = operation.field
        if field.many_to_many:
            return None
        if field.is_relation or field.db_index or field.unique:
            return "adds an index or a foreign key under lock: the column first, then the index"
        if field.null or field.has_db_default() or field.has_default():
            return None
        return "adds a NOT NULL column without a default"
    if isinstance(operation, migrations.AlterField):
        old = before.apps.get_model(app, operation.model_name)._meta.get_field(operation.name)
        new = after.apps.get_model(app, operation.model_name)._meta.get_field(operation.name)
        editor = connection.SchemaEditorClass(connection, collect_sql=True)
        if not editor._field_should_be_altered(old, new):
            return None  # choices, labels, validators: nothing in the database changes
        return "alters a column (a type change rewrites the table, SET NOT NULL scans it)"
    if isinstance(operation, migrations.AddIndex):
        return "builds an index under a lock that blocks writes: use AddIndexConcurrently"
    if isinstance(operation, migrations.AddConstraint):
        return "validates a constraint under lock: add it NOT VALID, then validate"
    if isinstance(operation, (migrations.RunPython, migrations.RunSQL)):
        return "runs code or SQL over the data: review its cost at L"
    return f"{type(operation).__name__}: the old code still runs during an upgrade"


@pytest.mark.django_db
def test_every_new_migration_is_safe_for_a_practice_in_use():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    problems = []
    for app, name in _new_migrations(loader):
        migration = loader.get_migration(app, name)
        state = loader.project_state((app, name), at_end=False)
        created = {
            operation.name_lower
            for operation in migration.operations
            if isinstance(operation, migrations.CreateModel)
        }
        for index, operation in enumerate(migration.operations):
            if isinstance(operation, AddIndexConcurrently) and migration.atomic:
                problems.append(f"{app}.{name}: AddIndexConcurrently needs atomic = False")
            before = state.clone()
            operation.state_forwards(app, state)
            problem = _problem(operation, app, before, state, created)
            if problem and (app, name, index) not in REVIEWED:
                problems.append(f"{app}.{name} #{index} {operation.describe()}: {problem}")
    assert problems == []


@pytest.mark.django_db
def test_the_check_refuses_what_would_lock():
    """The rules themselves: a plain index, a NOT NULL column without default, a type change."""
    from django.db import models

    loader = MigrationLoader(None, ignore_no_migrations=True)
    state = loader.project_state(("agenda", BASELINE["agenda"]))

    def problem(operation):
        after = state.clone()
        operation.state_forwards("agenda", after)
        return _problem(operation, "agenda", state, after, set())

    index = models.Index(fields=["ends_at"], name="x_ends")
    assert "AddIndexConcurrently" in problem(migrations.AddIndex("appointment", index))
    assert problem(AddIndexConcurrently("appointment", index)) is None
    assert "NOT NULL" in problem(migrations.AddField("appointment", "x", models.IntegerField()))
    assert problem(migrations.AddField("appointment", "x", models.IntegerField(null=True))) is None
    assert problem(migrations.AddField("appointment", "x", models.IntegerField(default=0))) is None
    assert "alters a column" in problem(
        migrations.AlterField("appointment", "status", models.TextField())
    )
    assert "review" in problem(migrations.RunSQL("UPDATE agenda_appointment SET status = 'x'"))


class _Probe(threading.Thread):
    """Writes to a table every 20 ms on a connection of its own; keeps the longest wait."""

    def __init__(self, dsn: str, table: str):
        super().__init__(daemon=True)
        self.dsn, self.table = dsn, table
        self.longest = 0.0
        self.writes = 0
        self.error: Exception | None = None
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            self._write()
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.error = error

    def _write(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as db:
            db.execute("SET lock_timeout = '10s'")
            (row,) = db.execute(f"SELECT min(id) FROM {self.table}").fetchone()  # nosec B608
            while not self.stopped.is_set():
                started = time.monotonic()
                db.execute(f"UPDATE {self.table} SET id = id WHERE id = %s", [row])  # nosec B608
                self.longest = max(self.longest, time.monotonic() - started)
                self.writes += 1
                time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_the_new_migrations_apply_to_the_l_practice_without_holding_the_appointments(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the lock times are PostgreSQL's (CI's second run measures them)")
    from bench.seed import seed, settle

    timings = {}
    with new_database("migrate") as name:
        call_command("migrate", verbosity=0)
        seed("L", prefix="migrate")
        settle()
        new = _new_migrations(MigrationLoader(connection))
        assert new, "nothing after the baseline to apply"
        executor = MigrationExecutor(connection)
        # Back to the baseline (the new migrations are reversible), then forward one by one.
        executor.migrate([(app, BASELINE[app]) for app in {app for app, _ in new}])
        db = connection.settings_dict
        dsn = f"host={db['HOST'] or 'localhost'} port={db['PORT'] or 5432} dbname={name}"
        dsn += f" user={db['USER']}"
        if db["PASSWORD"]:
            dsn += f" password={db['PASSWORD']}"
        probes = [_Probe(dsn, "agenda_appointment"), _Probe(dsn, "coaching_send")]
        for probe in probes:
            probe.start()
        deadline = time.monotonic() + 30
        while any(p.writes < 3 and p.error is None for p in probes) and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            for app, migration in new:
                executor = MigrationExecutor(connection)
                started = time.monotonic()
                executor.migrate([(app, migration)])
                timings[f"{app}.{migration}"] = time.monotonic() - started
        finally:
            for probe in probes:
                probe.stopped.set()
                probe.join()
    waits = {probe.table: round(probe.longest, 3) for probe in probes}
    print(f"\nMigrations at L (seconds): {timings}; longest write waits: {waits}")
    slow = {step: seconds for step, seconds in timings.items() if seconds > MIGRATION_SECONDS}
    assert slow == {}
    for probe in probes:
        assert probe.error is None and probe.writes >= 3
        assert probe.longest <= LOCK_SECONDS, (probe.table, probe.longest, timings)
