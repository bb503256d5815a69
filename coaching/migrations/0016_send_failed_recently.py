from django.db import migrations, models

from coaching.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY on PostgreSQL: the outbox stays open for writing meanwhile.
    atomic = False

    dependencies = [
        ("coaching", "0015_health"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="send",
            index=models.Index(
                condition=models.Q(("status", "failed")),
                fields=["failed_at"],
                name="send_failed_recently",
            ),
        ),
    ]
