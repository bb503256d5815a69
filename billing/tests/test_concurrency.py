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
