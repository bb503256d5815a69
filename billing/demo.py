"""Demo: Eva's sessions of the last weeks on a sent invoice, so the coach's list and Eva's
portal show one (safe to run again)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import Invoice
from billing.services import Recipient, invoice_create, invoice_send


def demo_invoice(*, anna, eva, **others) -> None:
    if Invoice.objects.exists():
        return
    today = timezone.localdate()
    try:
        invoice = invoice_create(
            recipient=Recipient(Invoice.Recipient.CLIENT, client=eva),
            by=anna,
            start=today - timedelta(days=60),
            end=today - timedelta(days=1),
        )
    except ValidationError:
        return  # nothing held yet, or no tariff: the demo goes on without an invoice
    invoice_send(invoice=invoice)
