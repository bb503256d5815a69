"""The traject keeps its client's coach (a copy the database keeps equal, through a foreign key
over (client, coach) to the client's (id, coach) with ON UPDATE CASCADE), so that a coach's
lists read the trajects and one index instead of joining every client of the practice.
Filled in for the trajects there are; the dossier index is now per coach. And an index of the
messages waiting for an answer."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import coaching.constraints

FILL = (
    "UPDATE trajects_traject SET coach_id = "
    "(SELECT coach_id FROM coaching_client WHERE coaching_client.id = trajects_traject.client_id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0013_client_coach_pair_and_list_order"),
        ("trajects", "0013_message_read_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="traject",
            name="coach",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="coach",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
        migrations.AlterField(
            model_name="traject",
            name="coach",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="coach",
            ),
        ),
        migrations.AddConstraint(
            model_name="traject",
            constraint=coaching.constraints.CompositeForeignKey(
                fields=("client", "coach"), name="traject_client_coach", to_fields=("id", "coach")
            ),
        ),
        migrations.RemoveIndex(
            model_name="traject",
            name="traject_dossier_changed",
        ),
        migrations.AddIndex(
            model_name="traject",
            index=models.Index(
                condition=models.Q(("status__in", ["afgerond", "gestopt"]), _negated=True),
                fields=["coach", "kind", "status"],
                name="traject_open_per_coach",
            ),
        ),
        migrations.AddIndex(
            model_name="traject",
            index=models.Index(
                condition=models.Q(("switch_requested_at__isnull", False)),
                fields=["coach", "switch_requested_at"],
                name="traject_switch_requested",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("answered_at__isnull", True), ("from_coach", False)),
                fields=["traject"],
                name="message_open",
            ),
        ),
        migrations.AddIndex(
            model_name="traject",
            index=models.Index(
                models.F("coach"),
                models.OrderBy(models.F("dossier_changed_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("dossier_changed_at__isnull", False)),
                name="traject_coach_dossier_changed",
            ),
        ),
    ]
