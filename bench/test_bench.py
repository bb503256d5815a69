"""`make bench`: the coach's and the coachee's busiest pages at a small and a large practice.

For each page: the number of queries (must not grow with the data) and the median and slowest
time of 15 requests through the test client, written to bench/RESULTS.md. Not part of `make test`:
the figures depend on the machine; the query counts are pinned by the tests themselves."""

import platform
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import django
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Invoice, InvoiceLine
from billing.services.invoicing import invoice_send
from billing.tests.helpers import practice_tariffs
from coaching.models import Client, Tariff
from coaching.tests.factories import GuardianFactory
from trajects.models import Message, Traject
from trajects.services.email_coaching import email_switch_request
from trajects.tests.factories import TrajectFactory, note, running_traject

RESULTS = Path(__file__).with_name("RESULTS.md")
RUNS = 15
SIZES = {"klein": (10, 20), "groot": (300, 1000)}  # clients of the coach, messages in the talk
# Invoices of the coach, and lines on the one whose PDF is made.
INVOICES = {"klein": (10, 5), "groot": (300, 60)}


def practice(coach, conversation: Traject, clients: int, messages: int) -> None:
    """clients more clients (every tenth with an e-mail question waiting) and messages more
    messages in the coachee's conversation."""
    for number in range(clients):
        traject = running_traject(coach, client__coach=coach)
        GuardianFactory(client=traject.client)
        note(traject, coach)
        if number % 10 == 0:
            email = TrajectFactory(client__coach=coach, kind=Traject.Kind.EMAIL)
            Message.objects.create(
                traject=email, from_coach=False, body="Vraag", due_at=timezone.now()
            )
            email_switch_request(traject=email)
    coachee = conversation.client.account
    start = timezone.now() - timedelta(days=messages)
    Message.objects.bulk_create(
        Message(
            traject=conversation,
            from_coach=bool(n % 2),
            author=coach if n % 2 else coachee,
            body=f"Bericht {n} " + "tekst " * 80,
            created_at=start + timedelta(days=n),
            due_at=None if n % 2 else start + timedelta(days=n, hours=24),
            answered_at=(start + timedelta(days=n + 1)) if n % 2 == 0 else None,
        )
        for n in range(messages)
    )


def invoices(coach, count: int, lines: int) -> Invoice:
    """count sent invoices of the coach, the last with lines lines; returns that last one."""
    for tariff in practice_tariffs().values():
        tariff.public = True
        tariff.save()
    clients = list(Client.objects.filter(coach=coach)[:count])
    made = Invoice.objects.bulk_create(
        Invoice(
            coach=coach,
            recipient_kind="client",
            client=clients[n % len(clients)],
            bill_to_name=str(clients[n % len(clients)]),
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            created_by=coach,
        )
        for n in range(count)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice, day=date(2026, 10, 1 + n % 28), description="Coachingsessie",
            quantity=Decimal(1), unit_price=Decimal("80.00"), vat="21",
        ).price()
        for invoice in made
        for n in range(lines if invoice is made[-1] else 2)
    )  # fmt: skip
    for invoice in made:
        invoice_send(invoice=invoice, on=date(2026, 11, 1))
    return made[-1]


def measure(client, url: str) -> tuple[int, float, float]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    count = len(captured)  # before the next request: its start empties the log
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return count, statistics.median(times), max(times)


@pytest.mark.django_db
def test_bench(client, coach_a, coachee):
    rows = {}
    conversation = TrajectFactory(
        client=Client.objects.get(account=coachee), kind=Traject.Kind.EMAIL
    )
    done = (0, 0)
    for size, (clients, messages) in SIZES.items():
        practice(coach_a, conversation, clients - done[0], messages - done[1])
        done = (clients, messages)
        Tariff.objects.all().delete()  # made again with the invoices
        count, lines = INVOICES[size]
        big_invoice = invoices(coach_a, count - Invoice.objects.count(), lines)
        pages = {
            "coach: Vandaag (/coach/)": (coach_a, "/coach/"),
            "coach: cliënten": (coach_a, "/coach/clienten/"),
            "coach: agenda (week)": (coach_a, "/coach/agenda/"),
            "coach: traject met e-mailgesprek": (
                coach_a,
                f"/coach/trajecten/{conversation.uuid}/",
            ),
            "coach: antwoordtijden": (coach_a, "/coach/berichten/statistiek/"),
            "coachee: gesprek": (coachee, f"/portaal/berichten/{conversation.uuid}/"),
            "coach: facturen": (coach_a, "/facturen/"),
            "coach: factuur (pdf)": (coach_a, f"/facturen/{big_invoice.uuid}/pdf/"),
            "coachee: facturen": (coachee, "/portaal/facturen/"),
            "bezoeker: tarieven": (None, "/tarieven/"),
        }
        for name, (user, url) in pages.items():
            if user is None:
                client.logout()
            else:
                client.force_login(user)
            rows.setdefault(name, {})[size] = measure(client, url)

    lines = [
        "# Benchmark",
        "",
        f"`make bench` on {timezone.localdate():%Y-%m-%d}: Python {platform.python_version()}, "
        f"Django {django.get_version()}, {connection.vendor}; {RUNS} requests per page "
        "through the test client (no network, no static files).",
        "",
        f"klein = {SIZES['klein'][0]} cliënten, gesprek van {SIZES['klein'][1]} berichten; "
        f"groot = {SIZES['groot'][0]} cliënten, gesprek van {SIZES['groot'][1]} berichten. "
        f"Facturen: {INVOICES['klein'][0]} en {INVOICES['groot'][0]}; de pdf heeft "
        f"{INVOICES['klein'][1]} en {INVOICES['groot'][1]} regels.",
        "",
        "| pagina | queries klein | queries groot | mediaan klein | mediaan groot | "
        "traagste groot |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, by_size in rows.items():
        (q_small, med_small, _), (q_big, med_big, worst_big) = by_size["klein"], by_size["groot"]
        lines.append(
            f"| {name} | {q_small} | {q_big} | {med_small:.1f} ms | {med_big:.1f} ms | "
            f"{worst_big:.1f} ms |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
