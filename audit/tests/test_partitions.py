"""The audit log by month on PostgreSQL (audit/partitions.py, migration 0004): every row in its
month's partition (or the default one), the trigger in every partition, nothing referring to a
row, the months ahead made in time, and the dossier's log read through the partitions' indexes.
The retention job's dropping of old months is in privacy/tests/test_audit_log_retention.py."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit import partitions
from audit.models import AuditEvent
from coaching.models import Client, User

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite keeps the log in a plain table"
    ),
]


def _partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s AND at = %s",
            [event.pk, event.at],
        )
        return cursor.fetchone()[0]


def _row(at: datetime, **fields) -> AuditEvent:
    return AuditEvent.objects.create(
        at=at, actor_role="coach", action="view", what="dossier", **fields
    )


def _months_ago(count: int) -> date:
    return partitions.months_later(partitions.first_of_month(timezone.now()), -count)


def _middle_of(month: date) -> datetime:
    return datetime.combine(month, datetime.min.time(), tzinfo=UTC) + timedelta(days=14)


def test_the_log_is_partitioned_by_month_with_a_default_partition():
    assert partitions.partitioned()
    this_month = partitions.first_of_month(timezone.now())
    made = partitions.monthly_partitions()
    for ahead in range(partitions.AHEAD + 1):
        assert partitions.months_later(this_month, ahead) in made
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partitions.DEFAULT])
        assert cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'audit_auditevent'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, at)"


def test_nothing_refers_to_a_row_of_the_log():
    """A partitioned table's key is (id, at): id alone cannot be the target of a foreign key,
    in the database or in a model."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE confrelid = 'audit_auditevent'::regclass"
        )
        assert cursor.fetchone()[0] == 0
    relations = [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields(include_hidden=True)
        if field.is_relation and field.concrete and field.related_model is AuditEvent
    ]
    assert relations == []


def test_rows_land_in_their_months_partition_and_never_fail():
    now = timezone.now()
    this_month = partitions.first_of_month(now)
    next_month = partitions.months_later(this_month, 1)
    assert _partition_of(_row(now)) == partitions.name_of(this_month)
    assert _partition_of(_row(_middle_of(next_month))) == partitions.name_of(next_month)
    # A month without a partition of its own: the default partition takes the row; that
    # month's partition is then not made over it (the row stays where it is).
    far = partitions.months_later(this_month, 120)
    assert _partition_of(_row(_middle_of(far))) == partitions.DEFAULT
    assert partitions.create_month(far) is False
    assert far not in partitions.monthly_partitions()


def test_the_months_ahead_are_made_and_then_take_their_rows():
    later = partitions.months_later(partitions.first_of_month(timezone.now()), 24)
    made = partitions.ensure_ahead(later, ahead=2)
    assert made == [partitions.name_of(partitions.months_later(later, n)) for n in range(3)]
    assert partitions.ensure_ahead(later, ahead=2) == []  # made once
    assert _partition_of(_row(_middle_of(later))) == partitions.name_of(later)


@pytest.mark.parametrize("months_ago", [0, 30], ids=["this month", "an old month"])
def test_no_row_can_be_changed_or_deleted_in_any_partition(months_ago):
    month = _months_ago(months_ago)
    partitions.create_month(month)
    event = _row(timezone.now() if months_ago == 0 else _middle_of(month))
    assert _partition_of(event) == partitions.name_of(month)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="export")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {partitions.name_of(month)}")  # the partition itself
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def _fill(months: int, per_month: int, dossiers: list[str]) -> None:
    """`per_month` rows in each of the last `months` months, spread over the dossiers, with
    COPY (as the benchmark's XL practice is seeded)."""
    partitions.ensure_months(_months_ago(months), _months_ago(0))
    columns = "at, actor_role, action, what, object_id, page, detail, actor_id, client_id"
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY audit_auditevent ({columns}) FROM STDIN") as copy,
    ):
        for back in range(months, 0, -1):
            start = _middle_of(_months_ago(back)) - timedelta(days=13)
            for n in range(per_month):
                dossier = dossiers[n % len(dossiers)]
                at = start + timedelta(seconds=n * 60)
                copy.write_row((at, "coach", "view", "dossier", dossier, "", "", n % 50, n % 997))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")


def _plan(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


def test_the_dossiers_log_is_read_through_the_partitions_indexes():
    """At a few hundred thousand rows over two years, who opened a dossier is an index scan
    in every month that holds rows, not a scan of the months."""
    dossiers = [f"00000000-0000-4000-8000-{n:012d}" for n in range(2000)]
    _fill(months=24, per_month=12_500, dossiers=dossiers)
    assert AuditEvent.objects.count() == 300_000
    with CaptureQueriesContext(connection) as queries:
        lines = AuditEvent.objects.openings_per_day(dossiers[7])
    assert len(lines) == 20  # one a person a day, the latest 20
    plan = _plan(queries[-1]["sql"])
    filled = [partitions.name_of(_months_ago(back)) for back in range(1, 25)]
    assert all(f"Seq Scan on {name}" not in plan for name in filled), plan
    assert "Index Scan" in plan, plan
    # From the dossier's creation on (the traject page): the months before it are not read.
    since = _middle_of(_months_ago(3))
    with CaptureQueriesContext(connection) as queries:
        recent = AuditEvent.objects.openings_per_day(dossiers[7], since=since)
    assert recent == [line for line in lines if line["last"] >= since - timedelta(days=1)]
    plan = _plan(queries[-1]["sql"])
    assert partitions.name_of(_months_ago(3)) in plan
    assert partitions.name_of(_months_ago(4)) not in plan
    # The coach's page of the client's log, and what the client is shown: the same.
    client, account = Client(pk=7, account_id=3), User(pk=3)
    for events in (
        AuditEvent.objects.about_client(client),
        AuditEvent.objects.opened_by_others([client], account),
    ):
        plan = _plan(*events.select_related("actor")[:25].query.sql_with_params())
        assert all(f"Seq Scan on {name}" not in plan for name in filled), plan
        assert "Index Scan" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_rows_and_the_ids_go_on():
    """From the plain table (0003) to the partitioned one (0004) and back and forth: every
    row kept, in its month's partition, new ids after the old ones, the trigger in place."""
    old_month = _months_ago(14)
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0003_backstage")])
    try:
        with connection.cursor() as cursor:
            for at in (_middle_of(old_month), timezone.now()):
                cursor.execute(
                    "INSERT INTO audit_auditevent (at, actor_role, action, what, object_id, "
                    "page, detail) VALUES (%s, 'coach', 'view', 'dossier', 'x', '', '')",
                    [at],
                )
            cursor.execute("SELECT max(id) FROM audit_auditevent")
            highest = cursor.fetchone()[0]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate([("audit", "0004_partition_by_month")])
    assert partitions.partitioned()
    assert old_month in partitions.monthly_partitions()
    kept = list(AuditEvent.objects.order_by("at"))
    assert [_partition_of(event) for event in kept] == [
        partitions.name_of(old_month),
        partitions.name_of(_months_ago(0)),
    ]
    assert _row(timezone.now()).pk > highest
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=kept[0].pk).update(action="export")
