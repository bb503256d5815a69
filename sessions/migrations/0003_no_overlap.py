"""No double booking, in the database (DESIGN.md §4.1).

PostgreSQL: an exclusion constraint on (coach, time range) for the appointments that hold time
(booked, completed, no-show); two requests at the same moment cannot both commit. SQLite has no
such constraint: there the booking transaction takes the write lock before it checks
(sessions.services.booking), which serialises all bookings.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = (
    "ALTER TABLE agenda_appointment ADD CONSTRAINT appointment_no_overlap "
    "EXCLUDE USING gist (coach_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
    "WHERE (status IN ('booked', 'completed', 'no_show'))"
)


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE agenda_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap"
        )


class Migration(migrations.Migration):
    dependencies = [("agenda", "0002_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
