"""The openings of a dossier are now rows of the audit log (audit 0002 copied them there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("trajects", "0006_default_questionnaires"),
        ("audit", "0002_dossier_views"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="dossierview", name="dossier_view_recent"),
        migrations.DeleteModel(name="DossierView"),
    ]
