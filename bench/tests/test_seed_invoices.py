"""The benchmark practice's invoices (bench.seed_invoices) keep the billing app's rules: numbers
gapless per year in the order of the invoice dates, the year's counter up to date (the next
invoice sent continues from it), every held session invoiced at most once, a credited invoice's
sessions claimed by its corrected invoice."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

import bench.seed_invoices
from bench.seed import seed
from billing.models import Claim, Invoice, InvoiceCounter
from billing.services.invoicing import invoice_send

pytestmark = pytest.mark.django_db


def test_the_numbers_are_gapless_per_year_in_date_order_and_the_counter_follows():
    made = seed("S")
    assert made["invoices"]["invoices"] >= 8
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert {Invoice.Status.DRAFT, Invoice.Status.SENT, Invoice.Status.PAID} <= statuses
    by_year = defaultdict(list)
    numbers = Invoice.objects.exclude(status=Invoice.Status.DRAFT).order_by("year", "sequence")
    for year, sequence, issued_on in numbers.values_list("year", "sequence", "issued_on"):
        by_year[year].append((sequence, issued_on))
    for year, numbered in by_year.items():
        assert [sequence for sequence, _day in numbered] == list(range(1, len(numbered) + 1))
        days = [day for _sequence, day in numbered]
        assert days == sorted(days) and {day.year for day in days} == {year}
        assert InvoiceCounter.objects.get(year=year).last == len(numbered)
    # Every invoice has its lines; every held session on one line that claims it at most.
    assert not Invoice.objects.filter(lines=None).exists()
    assert Claim.objects.count() == made["invoices"]["claims"]
    draft = Invoice.objects.filter(status=Invoice.Status.DRAFT).order_by("pk").first()
    sent = invoice_send(invoice=draft)
    assert (sent.year, sent.sequence) == (
        sent.issued_on.year,
        len(by_year[sent.issued_on.year]) + 1,
    )


def test_a_credited_invoice_is_followed_by_its_credit_and_the_corrected_invoice(monkeypatch):
    monkeypatch.setattr(bench.seed_invoices, "CREDITED", 1.0)
    seed("S")
    credits = Invoice.objects.exclude(credit_for=None).select_related("credit_for")
    assert credits
    for credit in credits:
        original = credit.credit_for
        credited = original.lines.aggregate(total=Sum("amount"))["total"]
        assert credit.lines.aggregate(total=Sum("amount"))["total"] == -credited < Decimal(0)
        assert not Claim.objects.filter(line__invoice__in=[original, credit]).exists()
        corrected = Invoice.objects.get(
            client=original.client,
            credit_for=None,
            issued_on=credit.issued_on,
            sequence=credit.sequence + 1,
            year=credit.year,
        )
        assert corrected.lines.count() == Claim.objects.filter(line__invoice=corrected).count()
        assert corrected.lines.count() == original.lines.count()
