from django.db import migrations, models

from coaching.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY on PostgreSQL: accounts can still be made and changed meanwhile.
    atomic = False

    dependencies = [
        ("coaching", "0018_send_kind_intake_prep"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=models.Index(
                condition=models.Q(("role", "coach")),
                fields=["first_name", "last_name", "id"],
                name="user_coaches_by_name",
            ),
        ),
    ]
