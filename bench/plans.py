"""The compiled queries of the main pages, each planned for its values (a custom plan) and once
for any values (the generic plan the pages run on PostgreSQL: coaching/compiled.py, the
connection's `plan_cache_mode = force_generic_plan`): what each plan costs to make and to run.

    python -m bench.plans bench-l     # a committed practice (manage.py seed_bench)

`bench/tests/test_budgets.py` holds every page's compiled queries at L to a generic plan that
runs about as fast as the custom one (a constant left as a placeholder once made one 20 times
slower: a partial index cannot be used for a value the plan does not know)."""

import json
import os
import re
import secrets
import statistics
import sys

from django.db import connection, transaction
from django.test import Client as Browser

RUNS = 5


def prepared_statements(made: dict) -> dict[str, tuple[str, list]]:
    """Per statement the pages run prepared (SQL with %s placeholders, and the values of one
    run), read from the pages as their first coach and client open them."""
    from bench.tests.test_budgets import pages

    found: dict[str, tuple[str, list]] = {}

    def note(execute, sql, params, many, context):
        prepared = type(context["cursor"].cursor).__name__ == "PreparedCursor"
        # (A WITH may hold an UPDATE, Vandaag's visit: compared in a transaction rolled back.)
        if prepared and sql.lstrip().upper().startswith(("SELECT", "WITH")):
            found.setdefault(sql, (sql, list(params or ())))
        return execute(sql, params, many, context)

    browser = Browser()
    for _name, (user, url) in pages(made).items():
        browser.force_login(user)
        browser.get(url)
        with connection.execute_wrapper(note):
            browser.get(url)
    return found


def _timings(cursor, mode: str, statement: str, arguments: str) -> tuple[float, float]:
    """The fastest planning and execution (ms) of RUNS, for the plan of `mode`."""
    # A name of its own (a statement prepared stays when its transaction is rolled back), and
    # only it deallocated: the connection's own prepared statements are psycopg's to keep.
    name = f"compared_{secrets.token_hex(6)}"
    cursor.execute(f"SET LOCAL plan_cache_mode = {mode}")
    cursor.execute(f"PREPARE {name} AS {statement}")  # nosec B608 - the pages' own SQL
    runs = []
    for _ in range(RUNS):
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {name}{arguments}")
        (plan,) = cursor.fetchone()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        runs.append((plan[0]["Planning Time"], plan[0]["Execution Time"]))
    cursor.execute(f"DEALLOCATE {name}")
    return min(run[0] for run in runs), min(run[1] for run in runs)


def _numbered(sql: str) -> str:
    """The SQL with $1, $2, … for its placeholders, and each %% a %, as psycopg sends it."""
    parts, number = [], 0
    for token in re.split(r"(%%|%s)", sql):
        if token == "%s":
            number += 1
            parts.append(f"${number}")
        else:
            parts.append("%" if token == "%%" else token)
    return "".join(parts)


def compare(made: dict) -> list[dict]:
    """Each prepared statement of the pages: planning and execution (ms) of the custom and the
    generic plan. On a connection of its own state: in a transaction that is rolled back."""
    rows = []
    for sql, params in prepared_statements(made).values():
        statement = _numbered(sql)
        values = [connection.ops.compose_sql("%s", [value]) for value in params]
        arguments = f"({', '.join(values)})" if values else ""
        with transaction.atomic(), connection.cursor() as cursor:
            custom = _timings(cursor, "force_custom_plan", statement, arguments)
            generic = _timings(cursor, "force_generic_plan", statement, arguments)
            transaction.set_rollback(True)
        rows.append({"sql": sql, "custom": custom, "generic": generic})
    return rows


def main(prefix: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")
    import django

    django.setup()
    from django.conf import settings

    from coaching.models import User

    settings.ALLOWED_HOSTS = ["testserver"]
    made = {"coaches": [User.objects.get(email=f"{prefix}-coach-0@praktijk.test")]}
    rows = compare(made)
    print("custom plan: planning + execution | generic plan | statement")  # noqa: T201
    for row in rows:
        (cp, ce), (gp, ge) = row["custom"], row["generic"]
        print(f"{cp:.3f} + {ce:.3f} ms | {gp:.3f} + {ge:.3f} ms | {row['sql'][:70]}")  # noqa: T201
    planning = statistics.fsum(row["custom"][0] - row["generic"][0] for row in rows)
    print(f"{len(rows)} statements; planning saved on one opening of each page: {planning:.2f} ms")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1])
