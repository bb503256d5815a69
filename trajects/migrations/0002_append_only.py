"""The dossier is append-only in the database itself (DESIGN.md §4.8): an UPDATE of an entry, a
version of its text, an intake version or a timeline step is refused, whoever sends it (the
application, the admin, a shell). Corrections are new versions. Rows can still be deleted with
their traject (erasure of a client, later)."""

from django.db import migrations

TABLES = [
    "trajects_intakeversion",
    "trajects_dossierentry",
    "trajects_dossierentryversion",
    "trajects_trajectevent",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION praktijk_refuse_update()"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: add a new version'); END"
            )


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION praktijk_refuse_update() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '%% is append-only: add a new version', TG_TABLE_NAME "
            "USING ERRCODE = 'integrity_constraint_violation'; END; $$ LANGUAGE plpgsql"
        )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS praktijk_refuse_update()")


class Migration(migrations.Migration):
    dependencies = [("trajects", "0001_initial")]

    operations = [
        migrations.RunPython(create_function, drop_function),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
