"""The dossier's openings recorded before the audit log existed (trajects.DossierView) become
rows of the log; trajects 0007 then removes the old table."""

from django.db import migrations


def copy_views(apps, schema_editor):
    DossierView = apps.get_model("trajects", "DossierView")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    rows = []
    for view in DossierView.objects.select_related("traject", "viewer").iterator(chunk_size=1000):
        role = "anonymous"  # an account deleted since
        if view.viewer is not None:
            role = {"coach": "coach", "admin": "admin"}.get(view.viewer.role, "coachee")
        rows.append(
            AuditEvent(
                at=view.viewed_at,
                actor_id=view.viewer_id,
                actor_role=role,
                client_id=view.traject.client_id,
                action="view",
                what="dossier",
                object_id=str(view.traject.uuid),
                page="traject_detail",
            )
        )
        if len(rows) == 1000:
            AuditEvent.objects.bulk_create(rows)
            rows = []
    AuditEvent.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("trajects", "0006_default_questionnaires"),
    ]

    # Going back leaves the copied rows: the log is never deleted from.
    operations = [migrations.RunPython(copy_views, migrations.RunPython.noop)]
