"""The practice's questionnaires to start with (Dutch and English); the admin changes them."""

from django.db import migrations

from trajects.default_questionnaires import create_defaults


def create(apps, schema_editor):
    create_defaults(apps.get_model("trajects", "Questionnaire"), apps.get_model("trajects", "Question"))


class Migration(migrations.Migration):
    dependencies = [("trajects", "0005_evaluations")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
