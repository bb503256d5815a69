"""Demo: Eva's sessions of the last weeks on a sent invoice, so the coach's list and Eva's
portal show one; and a request for a quote from the website, waiting on the coach's Vandaag
(safe to run again)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import Invoice, QuoteRequest
from billing.services.invoicing import Recipient, invoice_create, invoice_send
from billing.services.quote_requests import backstage_coach, quote_request_submit


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


def demo_quote_request() -> None:
    """As the public form stores one (the coach's e-mail goes to var/mail/ too)."""
    coach = backstage_coach()
    if QuoteRequest.objects.exists() or coach is None:
        return
    quote_request_submit(
        coach=coach,
        organisation_name="Gemeente Zuid",
        contact_person="Karin Mol",
        email="k.mol@gemeente-zuid.example",
        phone="",
        group_size=6,
        daypart=QuoteRequest.Daypart.DAY,
        composition=QuoteRequest.Composition.TEAM,
        wishes="Voor de teamleiders van Burgerzaken; graag bij ons op het stadhuis.",
        language="nl",
    )
