"""A kennismaking asked for by e-mail on the website made the traject e-mail coaching.
It is a kennismaking to be held by e-mail in a standard traject: only the client's choice at
the start makes e-mail coaching. The trajects the website made that way (its request is the
dossier entry without an author) and that have not started (no intake, no messages) are put
right; one that started as e-mail coaching stays what the client chose."""

from django.db import migrations


def kennismaking_by_email(apps, schema_editor):
    Traject = apps.get_model("trajects", "Traject")
    DossierEntry = apps.get_model("trajects", "DossierEntry")
    Message = apps.get_model("trajects", "Message")
    from_website = DossierEntry.objects.filter(created_by__isnull=True).values("traject")
    not_started = (
        Traject.objects.filter(
            kind="email",
            status__in=["aanmelding", "kennismaking", "bedenktijd", "gestopt"],
            intake_on__isnull=True,
            pk__in=from_website,
        )
        .exclude(pk__in=Message.objects.values("traject"))
        .values_list("pk", flat=True)
    )
    pks = list(not_started)
    Traject.objects.filter(pk__in=pks).update(kind="standard")
    Traject.objects.filter(pk__in=pks, kennismaking_mode="").update(kennismaking_mode="email")


class Migration(migrations.Migration):
    dependencies = [
        ("trajects", "0011_encrypt_attachments"),
    ]

    operations = [
        migrations.RunPython(kennismaking_by_email, migrations.RunPython.noop),
    ]
