"""The triggers that mark which coach's months a write touched (reports.models.Touched), on every
table the report counts, in PostgreSQL and SQLite alike.

They are in the database because every write must reach them: a model's save, a queryset's
update(), a bulk_create, a cascade, the admin, a shell. A row inserted or deleted marks its own
days; an update marks the old and the new days, and only when a column the report reads changed
(a reminder's flag does not); moving a client, traject or group to another coach marks every
month of both coaches.

A day is the UTC date of a moment (the reader takes it as the local months around it) or a date
as it is. A day that is null by the data (an intake not yet held, a draft's invoice date) marks
nothing: such a row is in no month.

They are dropped before every migration run and installed again after it (`before_migrate`,
`after_migrate`): PostgreSQL refuses to change the type of a column a trigger reads, and SQLite
drops a table's triggers when it rebuilds the table (and cannot rename the rebuilt table while
another table's trigger names it). So a change of SOURCES takes effect at the next migration
run; the stored months are counted afresh after each run (what was written meanwhile left no
marks)."""

from dataclasses import dataclass

from django.db import connections


@dataclass(frozen=True)
class Day:
    sql: str  # the value, with {row} for NEW or OLD
    moment: bool = True  # a timestamp (its UTC date is marked), or a date


@dataclass(frozen=True)
class Source:
    table: str
    sections: tuple[str, ...]  # the report's sections (reports.sections) it feeds
    coach: str  # the coach's id, with {row}
    days: tuple[Day, ...] = ()
    watched: tuple[str, ...] = ()  # an update of one of these marks
    reassigned: str = ""  # a column whose change marks every month of the old and the new coach
    # A condition on the row for inserts and deletes (the outbox: only the kennismaking's mail).
    only: str = ""
    # Another coach whose months the row's days are in, where there is one (null: none).
    also: tuple[str, ...] = ()


def _via(table: str, column: str, key: str) -> str:
    return f"(SELECT {column} FROM {table} WHERE id = {{row}}.{key})"


_MEETING_COACH = (
    "(SELECT g.coach_id FROM groups_meeting m JOIN groups_backstagegroup g ON g.id = m.group_id "
    "WHERE m.id = {row}.meeting_id)"
)
_MEETING_START = (
    "(SELECT a.start FROM groups_meeting m JOIN agenda_appointment a ON a.id = m.appointment_id "
    "WHERE m.id = {row}.meeting_id)"
)

SOURCES: dict[str, Source] = {
    "appointment": Source(
        "agenda_appointment",
        ("sessies", "backstage", "strippenkaarten"),
        "{row}.coach_id",
        (Day("{row}.start"),),
        ("coach_id", "start", "status", "kind", "cancelled_by"),
        # A Backstage meeting counts for its group's coach, who need not be the appointment's.
        also=(
            "(SELECT g.coach_id FROM groups_meeting m JOIN groups_backstagegroup g "
            "ON g.id = m.group_id WHERE m.appointment_id = {row}.id)",
        ),
    ),
    "client": Source(
        "coaching_client",
        ("clienten", "strippenkaarten"),
        "{row}.coach_id",
        (Day("{row}.created_at"),),
        ("created_at",),
        reassigned="coach_id",
    ),
    "send": Source(
        "coaching_send",
        ("clienten",),
        _via("coaching_client", "coach_id", "client_id"),
        (Day(_via("coaching_client", "created_at", "client_id")),),
        only="{row}.kind = 'kennismaking_received'",
    ),
    "traject": Source(
        "trajects_traject",
        ("trajecten", "email"),
        "{row}.coach_id",
        (
            Day("{row}.registered_on", moment=False),
            Day("{row}.intake_on", moment=False),
            Day("{row}.closed_on", moment=False),
        ),
        ("status", "registered_on", "intake_on", "closed_on"),
        reassigned="coach_id",
    ),
    "message": Source(
        "trajects_message",
        ("email",),
        _via("trajects_traject", "coach_id", "traject_id"),
        (Day("{row}.created_at"),),
        ("traject_id", "from_coach", "created_at", "answered_at", "due_at"),
    ),
    "group": Source(
        "groups_backstagegroup", ("backstage",), "{row}.coach_id", reassigned="coach_id"
    ),
    "meeting": Source(
        "groups_meeting",
        ("backstage",),
        _via("groups_backstagegroup", "coach_id", "group_id"),
        (Day(_via("agenda_appointment", "start", "appointment_id")),),
        ("group_id", "appointment_id"),
    ),
    "attendance": Source(
        "groups_attendance",
        ("backstage",),
        _MEETING_COACH,
        (Day(_MEETING_START),),
        ("meeting_id", "present"),
    ),
    "invoice": Source(
        "billing_invoice",
        ("facturen",),
        "{row}.coach_id",
        (
            Day("{row}.issued_on", moment=False),
            # A credit invoice changes what is overdue of the month of the invoice it credits.
            Day(_via("billing_invoice", "issued_on", "credit_for_id"), moment=False),
        ),
        ("coach_id", "status", "issued_on", "due_on", "credit_for_id"),
    ),
    "invoice_line": Source(
        "billing_invoiceline",
        ("facturen",),
        _via("billing_invoice", "coach_id", "invoice_id"),
        (Day(_via("billing_invoice", "issued_on", "invoice_id"), moment=False),),
        ("invoice_id", "amount", "vat_amount"),
    ),
    "purchase": Source(
        "billing_packagepurchase",
        ("strippenkaarten",),
        _via("coaching_client", "coach_id", "client_id"),
        (Day("{row}.starts_on", moment=False), Day("{row}.valid_until", moment=False)),
        ("client_id", "sessions", "used", "starts_on", "valid_until"),
    ),
    "package_use": Source(
        "billing_packageuse",
        ("strippenkaarten",),
        _via("agenda_appointment", "coach_id", "appointment_id"),
        (Day(_via("agenda_appointment", "start", "appointment_id")),),
        ("purchase_id", "appointment_id"),
    ),
}


def _day(vendor: str, day: Day, row: str) -> str:
    value = day.sql.format(row=row)
    if vendor == "sqlite":
        return f"date({value})"
    return f"(({value}) AT TIME ZONE 'UTC')::date" if day.moment else f"({value})::date"


def _marks(vendor: str, key: str, source: Source, row: str) -> list[str]:
    coach = source.coach.format(row=row)
    found = []
    for value in (_day(vendor, day, row) for day in source.days):
        found.append(
            f"INSERT INTO reports_touched (coach, day, source) "
            f"SELECT {coach}, {value}, '{key}' WHERE {value} IS NOT NULL"
        )
        found.extend(
            f"INSERT INTO reports_touched (coach, day, source) "
            f"SELECT {other}, {value}, '{key}' WHERE {value} IS NOT NULL AND {other} IS NOT NULL"
            for other in (also.format(row=row) for also in source.also)
        )
    return found


def _every_month(key: str, source: Source) -> list[str]:
    return [
        f"INSERT INTO reports_touched (coach, day, source) "
        f"VALUES ({source.coach.format(row=row)}, NULL, '{key}')"
        for row in ("OLD", "NEW")
    ]


def _changed(vendor: str, columns: tuple[str, ...]) -> str:
    differs = "IS NOT" if vendor == "sqlite" else "IS DISTINCT FROM"
    return " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in columns)


def triggers(vendor: str, key: str, source: Source) -> list[tuple[str, str, str, list[str]]]:
    """(name, event, condition, statements) of each trigger of a source."""
    only = {
        row: f"({source.only.format(row=row)})" if source.only else "" for row in ("NEW", "OLD")
    }
    found = []
    if source.days:
        found.append(("ins", "INSERT", only["NEW"], _marks(vendor, key, source, "NEW")))
        found.append(("del", "DELETE", only["OLD"], _marks(vendor, key, source, "OLD")))
    if source.days and source.watched:
        found.append(
            (
                "upd",
                "UPDATE",
                _changed(vendor, source.watched),
                _marks(vendor, key, source, "OLD") + _marks(vendor, key, source, "NEW"),
            )
        )
    if source.reassigned:
        found.append(
            ("moved", "UPDATE", _changed(vendor, (source.reassigned,)), _every_month(key, source))
        )
    return found


def install(connection, sources: dict[str, Source]) -> None:
    """Create the triggers (replacing those there)."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for key, source in sources.items():
            for name, event, condition, statements in triggers(vendor, key, source):
                trigger = f"reports_{source.table}_{name}"
                when = f" WHEN ({condition})" if condition else ""
                if vendor == "postgresql":
                    body = "; ".join(statements)
                    cursor.execute(
                        f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger "
                        f"LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
                    )
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {source.table}")
                    cursor.execute(
                        f"CREATE TRIGGER {trigger} AFTER {event} ON {source.table} "
                        f"FOR EACH ROW{when} EXECUTE FUNCTION {trigger}()"
                    )
                else:
                    body = "".join(f"{statement}; " for statement in statements)
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
                    cursor.execute(
                        f"CREATE TRIGGER {trigger} AFTER {event} ON {source.table} "
                        f"FOR EACH ROW{when} BEGIN {body}END"
                    )


def drop(connection, sources: dict[str, Source]) -> None:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for key, source in sources.items():
            for name, *_rest in triggers(vendor, key, source):
                trigger = f"reports_{source.table}_{name}"
                if vendor == "postgresql":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {source.table}")
                    cursor.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
                else:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def _ours(connection, plan) -> bool:
    """A migration to run, and the report's tables there."""
    return bool(plan) and "reports_touched" in connection.introspection.table_names()


def before_migrate(sender, using, plan=None, **kwargs) -> None:
    """pre_migrate: no triggers while migrations change the tables."""
    connection = connections[using]
    if _ours(connection, plan):
        drop(connection, SOURCES)


def after_migrate(sender, using, plan=None, **kwargs) -> None:
    """post_migrate: the triggers (as SOURCES has them now), and every stored month counted
    afresh: what the migrations, and the pages while they ran, wrote left no marks."""
    connection = connections[using]
    if _ours(connection, plan):
        install(connection, SOURCES)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reports_monthfigures")


def installed(connection) -> set[tuple[str, str]]:
    """(table, trigger) of the report's triggers in the database (a test holds them to SOURCES:
    SQLite drops a table's triggers when a migration rebuilds the table)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'reports_%%' AND NOT t.tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'reports_%'"
            )
        return set(cursor.fetchall())
