"""Races with real threads against the real database (PostgreSQL in CI; SQLite serialises
writers with IMMEDIATE transactions): numbers stay gapless and unique, and an item is invoiced
once when several invoices are made at the same moment."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from billing.models import Invoice, InvoiceLine
from billing.services.invoicing import Recipient, invoice_create, invoice_send
from billing.tests.helpers import delivered, practice_tariffs, traject_of
from coaching.models import Client


def run_at_once(count: int, work) -> list[str]:
    barrier = threading.Barrier(count)
    results, lock = [], threading.Lock()

    def attempt(n):
        barrier.wait()
        try:
            outcome = work(n)
        except ValidationError as error:
            outcome = "refused: " + " ".join(error.messages)
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_invoices_sent_at_the_same_moment_get_consecutive_numbers(coach_a, coachee):
    practice_tariffs()
    eva = Client.objects.get(account=coachee)
    traject = traject_of(eva, coach_a)
    workers = 16
    drafts = []
    for n in range(workers):
        day = date(2026, 10, 1 + n)
        delivered(traject, day)
        drafts.append(
            invoice_create(
                recipient=Recipient("client", client=eva),
                by=coach_a,
                start=day,
                end=day,
            )
        )

    def send(n):
        return invoice_send(invoice=drafts[n], on=date(2026, 11, 30)).sequence

    results = run_at_once(workers, send)
    assert sorted(results) == list(range(1, workers + 1)), results
    numbers = list(Invoice.objects.values_list("year", "sequence"))
    assert sorted(numbers) == [(2026, n) for n in range(1, workers + 1)]


@pytest.mark.django_db(transaction=True)
def test_the_same_work_invoiced_at_the_same_moment_lands_on_one_invoice(coach_a, coachee):
    practice_tariffs()
    eva = Client.objects.get(account=coachee)
    traject = traject_of(eva, coach_a)
    for day in (2, 3, 4):
        delivered(traject, date(2026, 11, day))

    def create(n):
        invoice_create(
            recipient=Recipient("client", client=eva),
            by=coach_a,
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
        )
        return "made"

    results = run_at_once(8, create)
    assert results.count("made") == 1, results
    assert all(r.startswith("refused") for r in results if r != "made"), results
    assert Invoice.objects.count() == 1
    assert InvoiceLine.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_sessions_marked_held_at_once_take_the_last_strip_once(coach_a, coachee):
    """Two sessions of one client, in two trajects (so the traject's lock does not already
    put them in a row), marked held at the same moment with one strip left: one takes it, the
    other is invoiced at the tariff; the card never gives more than it has. A few rounds, each
    with a card of one strip sold that day."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from billing.models import Package, PackagePrice, PackageUse
    from billing.services.packages import package_sell
    from sessions.services.booking import appointment_mark

    practice_tariffs()
    eva = Client.objects.get(account=coachee)
    first_day = timezone.localdate() - timedelta(days=10)
    package = Package.objects.create(name="Eén", sessions=1, validity_months=6)
    PackagePrice.objects.create(package=package, price=Decimal(75), valid_from=first_day)
    first, second = traject_of(eva, coach_a), traject_of(eva, coach_a)
    for n in range(4):
        day = first_day + timedelta(days=n)
        card = package_sell(client=eva, package=package, by=coach_a, on=day)
        both = [
            delivered(first, day, status="booked", hour=10),
            delivered(second, day, status="booked", hour=12),
        ]
        results = run_at_once(
            2,
            lambda i, both=both: appointment_mark(appointment=both[i], status="completed").status,
        )
        assert results == ["completed", "completed"], results
        card.refresh_from_db()
        assert card.used == 1 == PackageUse.objects.filter(purchase=card).count()
        assert PackageUse.objects.filter(appointment__in=both).count() == 1
    # The four sessions beyond the cards are invoiced at the tariff, the cards at their price.
    invoice = invoice_create(
        recipient=Recipient("client", client=eva),
        by=coach_a,
        start=first_day,
        end=first_day + timedelta(days=3),
    )
    prices = sorted(invoice.lines.values_list("unit_price", flat=True))
    assert prices == [Decimal("75.00")] * 4 + [Decimal("80.00")] * 4
