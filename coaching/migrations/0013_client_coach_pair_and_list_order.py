"""The client list's index (a coach's current clients by name), and the unique (id, coach) pair
that a traject's copy of its client's coach refers to (trajects 0014)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0012_outbox_every_mail"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                condition=models.Q(("erased_on__isnull", True)),
                fields=["coach", "last_name", "first_name"],
                name="client_list_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="client",
            constraint=models.UniqueConstraint(fields=("id", "coach"), name="client_coach_pair"),
        ),
    ]
