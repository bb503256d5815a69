"""A sent invoice may be deleted once the fiscal retention is over: 7 years after the end of
the year it was issued in (the purge of erased clients, privacy.erasure); its lines go with it.
Until then the database refuses, as in 0002. PostgreSQL only: on SQLite deletes were never
refused (0002)."""

from importlib import import_module

from django.db import migrations

earlier = import_module("billing.migrations.0002_sent_is_final")
FIXED, MESSAGE = earlier.FIXED, earlier.MESSAGE
# Still within the retention (privacy.models.INVOICE_YEARS: 7 years after the year of issue).
KEPT = "extract(year from {day}) + 7 >= extract(year from current_date)"


def functions(*, old_ones_go: bool) -> str:
    refuse = f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';"
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED)
    kept = f" AND {KEPT.format(day='OLD.issued_on')}" if old_ones_go else ""
    line_goes = (
        f"IF TG_OP = 'DELETE' AND invoice_issued IS NOT NULL "
        f"AND NOT {KEPT.format(day='invoice_issued')} THEN RETURN OLD; END IF;"
        if old_ones_go
        else ""
    )
    return f"""
CREATE OR REPLACE FUNCTION billing_invoice_final() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft'{kept} THEN {refuse} END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (NEW.status = 'draft' OR {changed}) THEN {refuse} END IF;
    RETURN NEW;
END; $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION billing_invoiceline_final() RETURNS trigger AS $$
DECLARE
    invoice_status varchar;
    invoice_issued date;
BEGIN
    SELECT status, issued_on INTO invoice_status, invoice_issued FROM billing_invoice
        WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END;
    {line_goes}
    IF invoice_status IS NOT NULL AND invoice_status <> 'draft' THEN {refuse} END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END; $$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(functions(old_ones_go=True))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(functions(old_ones_go=False))


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_sent_is_final")]

    operations = [migrations.RunPython(forward, backward)]
