"""The audit log at scale: what one row costs to write, and what the dossier's log costs to read,
in a committed benchmark practice (`make bench`: at L, measured before XL is seeded beside it,
and at XL with its 20,000,000 rows).

- insert: 1,000 rows written one at a time as a page writes them (`audit.log.record` for the
  opening of a dossier, with the request, each in its own transaction and commit), median and
  95th percentile;
- the dossier's log (`AuditEvent.objects.openings_per_day`, what the traject page shows), for
  the traject the benchmark's traject page opens (the first coach's) and for a busy dossier (the
  last coach's, which the 1,000 rows above are about, on top of what the practice holds);
- the client's log (the coach's *Logboek* page of the client: its count and first page).

    python -m bench.audit_bench <prefix>   # prints JSON
"""

import json
import os
import statistics
import sys
import time

INSERTS, READS = 1000, 50


def _timed(function, times: int) -> dict:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        function()
        spent.append((time.perf_counter() - started) * 1000)
    return {
        "median": statistics.median(spent),
        "p95": statistics.quantiles(spent, n=20, method="inclusive")[18],
    }


def _dossiers(prefix: str):
    """The traject of the benchmark's traject page (the first coach's) and a busy one (the
    last coach's first running traject)."""
    from bench.tests.test_budgets import pages
    from coaching.models import User
    from trajects.models import Traject

    coaches = User.objects.filter(email__startswith=f"{prefix}-coach-").order_by("pk")
    page = pages({"coaches": [coaches.first()]})["coach: traject met dossier"][1]
    shown = Traject.objects.select_related("client").get(uuid=page.split("/")[3])
    last = coaches.last()
    busy = (
        Traject.objects.filter(client__coach=last, kind="standard", status="lopend")
        .select_related("client")
        .order_by("pk")
        .first()
    )
    return last, shown, busy


def log_size() -> dict:
    """The log's rows (the planner's count: an exact count of 20 million rows takes seconds)
    and partitions."""
    from django.db import connection

    from audit import partitions

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint, count(*) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [partitions.PARENT],
        )
        rows, count = cursor.fetchone()
    return {"rows": rows, "partitions": count}


def measure_audit(prefix: str) -> dict:
    """The figures above for the practice whose accounts start with `prefix`; in autocommit
    (each row its own commit, as a request writes it). Writes INSERTS rows to the log."""
    from django.core.paginator import Paginator
    from django.test import RequestFactory
    from django.urls import resolve

    from audit.log import Action, What, record
    from audit.models import AuditEvent

    coach, shown, busy = _dossiers(prefix)
    url = f"/coach/trajecten/{busy.uuid}/"
    request = RequestFactory().get(url, REMOTE_ADDR="10.0.0.1")
    request.user, request.resolver_match = coach, resolve(url)
    insert = _timed(
        lambda: record(request, Action.VIEW, What.DOSSIER, client=busy.client, obj=busy),
        INSERTS,
    )

    def client_log():
        events = AuditEvent.objects.about_client(shown.client).select_related("actor")
        list(Paginator(events, 25).get_page(1))

    return {
        "insert": insert,
        "dossier log (the page's)": _timed(
            lambda: AuditEvent.objects.openings_per_day(str(shown.uuid)), READS
        ),
        "dossier log (busy)": _timed(
            lambda: AuditEvent.objects.openings_per_day(str(busy.uuid)), READS
        ),
        "client log (first page)": _timed(client_log, READS),
        "busy dossier's rows": AuditEvent.objects.filter(object_id=str(busy.uuid)).count(),
        **log_size(),
    }


def main(prefix: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    json.dump(measure_audit(prefix), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
