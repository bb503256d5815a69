"""The audit log's retention in the nightly purge (privacy.erasure.purge_old_log): nothing goes
unless PRAKTIJK_AUDIT_LOG_YEARS is set; then on PostgreSQL every month wholly older than the
period is detached and dropped (a month straddling the cutoff stays whole, as does the current
one) and the months ahead are made; on SQLite the older rows are deleted."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from audit import partitions
from audit.models import AuditEvent
from privacy import erasure

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 15, 12, tzinfo=UTC)  # two years before: 15 December 2024, noon
POSTGRES = connection.vendor == "postgresql"


def _rows(*moments: datetime) -> list[AuditEvent]:
    if POSTGRES:
        for moment in moments:
            partitions.create_month(moment)
    return [
        AuditEvent.objects.create(at=at, actor_role="system", action="view", what="dossier")
        for at in moments
    ]


def test_the_log_is_kept_for_ever_unless_a_period_is_set(settings):
    settings.PRAKTIJK_AUDIT_LOG_YEARS = 0
    old = _rows(datetime(2001, 5, 1, tzinfo=UTC))[0]
    assert erasure.purge_old_log(NOW) == 0
    assert AuditEvent.objects.filter(pk=old.pk).exists()


def test_the_log_older_than_the_period_goes(settings):
    settings.PRAKTIJK_AUDIT_LOG_YEARS = 2
    long_ago, november, december, recent = _rows(
        datetime(2023, 6, 10, tzinfo=UTC),
        datetime(2024, 11, 30, 23, tzinfo=UTC),  # its month ended before the cutoff
        datetime(2024, 12, 2, tzinfo=UTC),  # before the cutoff, in the month of it
        datetime(2026, 12, 14, tzinfo=UTC),
    )
    gone = erasure.purge_old_log(NOW)
    left = set(AuditEvent.objects.values_list("pk", flat=True))
    if POSTGRES:
        # Whole months: December 2024 waits until every row of it is past the period.
        assert gone == 2
        assert left == {december.pk, recent.pk}
        made = partitions.monthly_partitions()
        assert date(2023, 6, 1) not in made and date(2024, 11, 1) not in made
        assert {date(2024, 12, 1), date(2026, 12, 1), date(2027, 3, 1)} <= set(made)
    else:
        assert gone == 3
        assert left == {recent.pk}
    assert long_ago.pk not in left and november.pk not in left


def test_the_nightly_purge_keeps_the_log_up(monkeypatch):
    calls = []
    monkeypatch.setattr(erasure, "purge_old_log", lambda: calls.append("log") or 0)
    erasure.purge_expired(dry_run=True)
    assert calls == []
    erasure.purge_expired()
    assert calls == ["log"]
