"""The audit log, and the database's refusal to change or delete a row of it.

On PostgreSQL a trigger refuses every UPDATE and DELETE, whoever sends it: the application, the
admin, a shell. Only the database owner can purge the log (ALTER TABLE ... DISABLE TRIGGER), which
is an operation outside the application. SQLite (development) refuses UPDATEs; its DELETEs stay
allowed, because Django's test runner empties SQLite tables with DELETE.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION praktijk_audit_refuse() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log cannot be changed or deleted (%%)', TG_OP "
            "USING ERRCODE = 'integrity_constraint_violation'; END; $$ LANGUAGE plpgsql"
        )
        schema_editor.execute(
            "CREATE TRIGGER audit_auditevent_immutable BEFORE UPDATE OR DELETE "
            "ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION praktijk_audit_refuse()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER audit_auditevent_immutable BEFORE UPDATE ON audit_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END"
        )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS audit_auditevent_immutable ON audit_auditevent"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS praktijk_audit_refuse()")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_auditevent_immutable")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('coaching', '0006_organisation_address'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='wanneer')),
                ('actor_role', models.CharField(choices=[('coach', 'coach'), ('coachee', 'cliënt'), ('guardian', 'ouder/verzorger'), ('admin', 'praktijkbeheerder'), ('system', 'de praktijksoftware'), ('anonymous', 'niet ingelogd')], max_length=10, verbose_name='als')),
                ('action', models.CharField(choices=[('view', 'ingezien'), ('export', 'gedownload'), ('create', 'toegevoegd'), ('change', 'gewijzigd'), ('erase', 'gewist'), ('anonymise', 'geanonimiseerd'), ('login', 'ingelogd'), ('logout', 'uitgelogd'), ('login_failed', 'inloggen mislukt'), ('login_blocked', 'inloggen geblokkeerd na te veel pogingen'), ('mfa_failed', 'verkeerde code voor de tweede stap'), ('denied', 'toegang geweigerd')], max_length=14, verbose_name='wat')),
                ('what', models.CharField(choices=[('client', 'cliëntgegevens'), ('dossier', 'traject en dossier'), ('intake', 'intake'), ('entry', 'dossieraantekening'), ('messages', 'berichten'), ('attachment', 'bijlage bij een bericht'), ('guardian', 'ouder/verzorger'), ('third_party', 'derde partij'), ('consent', 'toestemming'), ('evaluation', 'evaluatie'), ('all_data', 'alle gegevens'), ('account', 'account'), ('page', 'pagina')], max_length=12, verbose_name='welke gegevens')),
                ('object_id', models.CharField(blank=True, max_length=40, verbose_name='kenmerk')),
                ('page', models.CharField(blank=True, max_length=80, verbose_name='pagina')),
                ('ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='adres')),
                ('detail', models.CharField(blank=True, max_length=200, verbose_name='toelichting')),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='wie')),
                ('client', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='coaching.client', verbose_name='cliënt')),
            ],
            options={
                'verbose_name': 'logregel',
                'verbose_name_plural': 'logboek',
                'ordering': ['-at', '-pk'],
                'indexes': [models.Index(fields=['client', '-at'], name='audit_client_recent'), models.Index(fields=['actor', '-at'], name='audit_actor_recent'), models.Index(fields=['object_id', '-at'], name='audit_object_recent'), models.Index(fields=['-at'], name='audit_recent')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
