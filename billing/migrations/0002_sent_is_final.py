"""A sent invoice is never changed, in the database itself: whoever sends the UPDATE or
DELETE (the application, the admin, a shell) is refused. Of a sent invoice only its payment may
change (sent ⇄ paid, with the date); its lines cannot be added to, changed or deleted. A credit
invoice corrects it.

On SQLite (the embedded demo mode) only the changes are refused, not deletes: Django empties a
SQLite test database with DELETE (PostgreSQL's TRUNCATE fires no row triggers), and there the
application's own `invoice_delete` refuses a sent invoice."""

from django.db import migrations

# The columns of a sent invoice that never change (all but status and paid_on).
FIXED = [
    "uuid",
    "coach_id",
    "recipient_kind",
    "client_id",
    "guardian_id",
    "organisation_id",
    "bill_to_name",
    "bill_to_address",
    "bill_to_email",
    "language",
    "period_start",
    "period_end",
    "year",
    "sequence",
    "issued_on",
    "due_on",
    "credit_for_id",
    "supplier",
    "created_by_id",
]
MESSAGE = "a sent invoice is final: correct it with a credit invoice"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION billing_invoice_final() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.status = 'draft' OR {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED)}
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END; $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION billing_invoiceline_final() RETURNS trigger AS $$
DECLARE
    invoice_status varchar;
BEGIN
    SELECT status INTO invoice_status FROM billing_invoice
        WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END;
    IF invoice_status IS NOT NULL AND invoice_status <> 'draft' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END; $$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoice_final BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_final();
CREATE TRIGGER billing_invoiceline_final BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_final();
"""

SQLITE = [
    f"""CREATE TRIGGER billing_invoice_final_update BEFORE UPDATE ON billing_invoice
    WHEN OLD.status <> 'draft' AND (
        NEW.status = 'draft' OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED)})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    *[
        f"""CREATE TRIGGER billing_invoiceline_final_{op.lower()} BEFORE {op} ON billing_invoiceline
    WHEN (SELECT status FROM billing_invoice WHERE id = {row}.invoice_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
        for op, row in [("INSERT", "NEW"), ("UPDATE", "OLD")]
    ],
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS billing_invoice_final ON billing_invoice; "
            "DROP TRIGGER IF EXISTS billing_invoiceline_final ON billing_invoiceline; "
            "DROP FUNCTION IF EXISTS billing_invoice_final(); "
            "DROP FUNCTION IF EXISTS billing_invoiceline_final();"
        )
    elif vendor == "sqlite":
        for name in [
            "billing_invoice_final_update",
            "billing_invoiceline_final_insert",
            "billing_invoiceline_final_update",
        ]:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
