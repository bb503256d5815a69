"""The coach's invoice list in number order, newest first, read from an index: a page of 25
without sorting all of the coach's invoices (InvoiceQuerySet.with_totals)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_quote_requests")]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                fields=["coach", "-year", "-sequence", "-created_at", "-id"],
                name="invoice_coach_number",
            ),
        ),
    ]
