"""The audit log by month, on PostgreSQL (migration 0004).

The log is the table that grows without end: every opening of a dossier writes a row. On
PostgreSQL `audit_auditevent` is partitioned by range of `at`: one partition a calendar month
(UTC), named `audit_auditevent_y2026m12`, and a DEFAULT partition that takes a row whose month
has no partition of its own, so that an insert never fails for want of one. The nightly
retention job (privacy.erasure.purge_expired) creates the months ahead (`ensure_ahead`) and
drops the months wholly older than the log's retention period (`drop_older_than`): a DROP of a
whole month instead of a DELETE of its rows, which the immutability trigger refuses.

The trigger is defined on the partitioned table and holds for every partition, present and
future. The primary key is (id, at): a partitioned table's unique keys contain the partition
key. Nothing refers to a row of the log by a foreign key (it could not: id alone is not a key).

SQLite (development, the tests) keeps a plain table: `partitioned()` is False there, and the
functions below are not called.
"""

import logging
import re
from datetime import UTC, date, datetime

from django.db import connection, transaction

log = logging.getLogger(__name__)

PARENT = "audit_auditevent"
DEFAULT = f"{PARENT}_default"
# The months the retention job keeps ready beyond the current one.
AHEAD = 3
MONTHLY = re.compile(rf"^{PARENT}_y(\d{{4}})m(\d{{2}})$")
# A nightly job waits this long for its lock, then tries again the next night, rather than
# holding up every request that writes to the log behind it.
LOCK_TIMEOUT = "5s"


def first_of_month(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def months_later(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def name_of(month: date) -> str:
    return f"{PARENT}_y{month.year}m{month.month:02d}"


def bound(month: date) -> str:
    """The month's first moment (UTC) as an SQL literal: partition bounds are constants."""
    return f"'{month.isoformat()} 00:00:00+00'"


def partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def monthly_partitions() -> dict[date, str]:
    """The monthly partitions there are, by their month."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [PARENT],
        )
        names = [name for (name,) in cursor.fetchall()]
    found = {}
    for name in names:
        if match := MONTHLY.match(name):
            found[date(int(match[1]), int(match[2]), 1)] = name
    return found


def create_month(month: date) -> bool:
    """Creates the month's partition. False when it is there already, or when the default
    partition holds rows of that month: PostgreSQL cannot create a partition over rows of the
    default one, and those rows must not move (the trigger refuses their DELETE); they stay in
    the default partition, and so does the rest of that month."""
    month = first_of_month(month)
    name, low, high = name_of(month), bound(month), bound(months_later(month, 1))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        cursor.execute(f"SELECT EXISTS (SELECT FROM {DEFAULT} WHERE at >= {low} AND at < {high})")  # nosec B608
        if cursor.fetchone()[0]:
            log.warning("Audit log: rows of %s are in the default partition; kept there", month)
            return False
        # Takes a short exclusive lock on the log (and scans the default partition, which is
        # empty while the months ahead are made in time).
        cursor.execute(
            f"CREATE TABLE {name} PARTITION OF {PARENT} FOR VALUES FROM ({low}) TO ({high})"
        )
    return True


def ensure_months(first: date, last: date) -> list[str]:
    """Creates every missing month's partition from `first`'s month to `last`'s; returns the
    names of those it made."""
    made, month, last = [], first_of_month(first), first_of_month(last)
    while month <= last:
        if create_month(month):
            made.append(name_of(month))
        month = months_later(month, 1)
    return made


def ensure_ahead(today: date | None = None, ahead: int = AHEAD) -> list[str]:
    """The current month and the `ahead` months after it, each with its partition."""
    this_month = first_of_month(today or datetime.now(UTC))
    return ensure_months(this_month, months_later(this_month, ahead))


def drop_older_than(cutoff: datetime) -> dict[str, int]:
    """Detaches and drops every monthly partition whose month ended at or before `cutoff`
    (every row of it older than the cutoff); returns their names with their rows. A month
    that straddles the cutoff stays whole, and so does the default partition."""
    dropped = {}
    for month, name in sorted(monthly_partitions().items()):
        ends = datetime.combine(months_later(month, 1), datetime.min.time(), tzinfo=UTC)
        if ends > cutoff:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            # Not CONCURRENTLY: PostgreSQL does not allow that beside a default partition. The
            # exclusive lock on the log lasts as long as the catalog change, not a scan.
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {name}")
            cursor.execute(f"SELECT count(*) FROM {name}")  # nosec B608
            dropped[name] = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {name}")
    return dropped
