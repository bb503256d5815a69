"""The invoice e-mail, with the PDF attached, sent once through the outbox (a double click, a
retry or a second worker sends nothing more)."""

from django.utils.translation import gettext_noop

from billing.models import Invoice
from coaching.emails import templated_message
from coaching.outbox import register

NO_ADDRESS = gettext_noop("Geen e-mailadres bij de factuur.")


def compose_invoices(sends) -> dict:
    from billing.pdf import invoice_filename, invoice_pdf

    ids = {int(send.subject.split(":")[1]): send for send in sends}
    invoices = {
        invoice.pk: invoice
        for invoice in Invoice.objects.filter(pk__in=ids)
        .select_related("credit_for", "client")
        .prefetch_related("lines")  # the PDFs: one query for the chunk's lines
    }
    result = {}
    for pk, send in ids.items():
        invoice = invoices.get(pk)
        if invoice is None or invoice.is_draft:
            result[send.pk] = []
            continue
        if not invoice.bill_to_email:
            result[send.pk] = NO_ADDRESS
            continue
        result[send.pk] = [
            templated_message(
                "invoice",
                to=invoice.bill_to_email,
                context={"invoice": invoice},
                language=invoice.language,
                attachments=[(invoice_filename(invoice), invoice_pdf(invoice), "application/pdf")],
            )
        ]
    return result


def register_mail() -> None:
    register("invoice", compose_invoices)
