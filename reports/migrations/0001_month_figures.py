"""The report's figures kept per month, and the marks that the triggers on the tables it counts
leave (reports/triggers.py: installed after every migration run, by its post_migrate handler)."""

import django.core.serializers.json
from django.db import migrations, models

from reports import triggers


def drop(apps, schema_editor):
    triggers.drop(schema_editor.connection, triggers.SOURCES)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("agenda", "0009_waitlist"),
        ("coaching", "0018_send_kind_intake_prep"),
        ("trajects", "0015_intake_agreement"),
        ("groups", "0005_place_stop_and_team_exceptions"),
        ("billing", "0007_session_packages"),
    ]

    operations = [
        migrations.CreateModel(
            name="MonthFigures",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("coach", models.BigIntegerField(verbose_name="coach")),
                ("month", models.DateField(verbose_name="maand")),
                ("section", models.CharField(max_length=40, verbose_name="onderdeel")),
                ("version", models.CharField(max_length=16, verbose_name="versie")),
                ("figures", models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name="cijfers")),
                ("counted_at", models.DateTimeField(verbose_name="geteld op")),
                ("fresh_until", models.DateTimeField(blank=True, null=True, verbose_name="geldig tot")),
            ],
            options={"verbose_name": "maandcijfers", "verbose_name_plural": "maandcijfers"},
        ),
        migrations.CreateModel(
            name="Touched",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("coach", models.BigIntegerField(null=True, verbose_name="coach")),
                ("day", models.DateField(null=True, verbose_name="dag")),
                ("source", models.CharField(max_length=40, verbose_name="bron")),
            ],
            options={"verbose_name": "gewijzigde gegevens", "verbose_name_plural": "gewijzigde gegevens"},
        ),
        migrations.AddConstraint(
            model_name="monthfigures",
            constraint=models.UniqueConstraint(fields=("coach", "section", "month"), name="reports_monthfigures_once"),
        ),
        migrations.RunPython(migrations.RunPython.noop, drop),
    ]
