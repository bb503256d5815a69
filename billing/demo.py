"""Demo: Eva's sessions of the last weeks on a sent invoice, so the coach's list and Eva's
portal show one; a strippenkaart of six sessions on sale, one sold to Eva today; and a request
for a quote from the website, waiting on the coach's Vandaag (safe to run again)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import Invoice, Package, PackagePrice, QuoteRequest
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


def demo_package(*, anna, eva, **others) -> None:
    """Six sessions for six months, on sale; Eva bought one today (after her invoice, which
    holds the sessions before today)."""
    from billing.services.packages import package_sell

    if Package.objects.exists():
        return
    package = Package.objects.create(
        name="Strippenkaart 6 sessies",
        name_en="Package of 6 sessions",
        sessions=6,
        validity_months=6,
    )
    PackagePrice.objects.create(
        package=package, price=420, vat="exempt", valid_from=timezone.localdate()
    )
    package_sell(client=eva, package=package, by=anna)


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
