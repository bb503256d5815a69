"""The benchmark practice's invoice history: `seed_invoices(coaches, rng=..., size_name=...)`,
called by `bench.seed.seed` after the appointments are written.

The coach invoices a client after every few held sessions (a child's to a parent), within a few
days of the last one; the last sessions of a traject that stopped go on one more invoice.
So L (98,560 held sessions of 8,000 clients) gets some 27,000 invoices with 100,000 lines and
S (one coach's first weeks) about ten. Most invoices were paid within the payment term, some
late, some are open and a few overdue; about one in thirty was credited and sent again
(corrected); the last weeks' work waits in drafts.

The rows go straight into the tables in bulk (with COPY on PostgreSQL, as `bench.seed.write`),
numbered as `invoice_send` numbers them: per year of issue, gapless, in the order of the
invoice dates, after the year's counter (practices in one database share it), which is brought
up to date. The database checks every row (the numbers' uniqueness, the status constraints,
the foreign keys at the commit). One rule is stepped around on purpose, for history: a sent
invoice's lines are written before the invoice (the trigger of migration 0002, which refuses a
line for a sent invoice, finds no invoice yet).
"""

import itertools
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from billing.models import Claim, Invoice, InvoiceCounter, InvoiceLine
from coaching.models import Client, Guardian, User, Vat
from sessions.models import Appointment

# An invoice after every so many held sessions (at random, from..to).
SESSIONS_PER_INVOICE = (2, 6)
# The work of the last weeks is not invoiced yet; some of it is on a draft.
RECENT_DAYS, RECENT_DRAFTS = 45, 0.2
CREDITED = 0.03  # credited (and sent again, corrected)
NEVER_PAID = 0.01  # still open long after the due date (a reminder case)
# The price of a session of an hour, per year (a new tariff each January).
FIRST_PRICE, YEARLY_RISE = Decimal("85.00"), Decimal("2.50")


@dataclass
class Plan:
    """An invoice as planned, before it is written."""

    client: int
    sessions: list[tuple]  # (uuid, day)
    issued_on: date | None  # None: a draft


@dataclass
class Row:
    """An invoice's row (its columns by attribute name) and what its lines are."""

    values: dict
    plan: Plan
    credit: bool = False
    claims: bool = True  # its lines claim the sessions (not on a credited or credit invoice)


def seed_invoices(coaches: list[User], *, rng: random.Random, size_name: str) -> dict:
    """Writes the invoice history of the coaches' practice (see the module's docstring);
    returns the counts. Inside the caller's transaction; on PostgreSQL with COPY."""
    today = timezone.localdate()
    sessions = _held_sessions(coaches)
    recipients = _recipients(list(sessions))
    plans = []
    for client, held in sessions.items():
        plans.extend(_plan_client(client, held, rng=rng, today=today))
    invoices = _invoices(plans, recipients, rng=rng, today=today)
    _number(invoices)
    # The lines and claims are made as they are written (XL has a million of each).
    first_line = _new_ids(InvoiceLine, sum(len(invoice.plan.sessions) for invoice in invoices))
    lines = _put(InvoiceLine, _lines(invoices, first_line, rng=rng))
    _put(Invoice, (invoice.values for invoice in invoices))
    claims = _put(Claim, _claims(invoices, first_line))
    _update_counters(invoices)
    if connection.vendor == "postgresql":
        # The foreign keys are checked at the commit by queries planned once per connection:
        # planned for the empty tables of an earlier, smaller seed, they would scan these
        # tables once per row. Fresh statistics make them plan again.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE billing_invoice, billing_invoiceline")
    return {
        "size": size_name,
        "invoices": len(invoices),
        "lines": lines,
        "claims": claims,
        "drafts": sum(invoice.values["status"] == Invoice.Status.DRAFT for invoice in invoices),
    }


def _held_sessions(coaches: list[User]) -> dict[int, list[tuple]]:
    """Per client (pk), their held sessions as (uuid, day), oldest first."""
    rows = (
        Appointment.objects.filter(
            coach__in=coaches,
            status=Appointment.Status.COMPLETED,
            kind="session",
            traject__isnull=False,
        )
        .order_by("traject__client", "start", "pk")
        .values_list("traject__client", "uuid", "start")
    )
    held: dict[int, list[tuple]] = {}
    for client, key, start in rows.iterator(chunk_size=10_000):
        held.setdefault(client, []).append((key, timezone.localdate(start)))
    return held


def _plan_client(client: int, held: list[tuple], *, rng, today: date) -> list[Plan]:
    """An invoice after every few sessions (two to six: the clients' invoices fall on
    different days), within days of the last; the rest of a traject that stopped on one more
    invoice; the last weeks' work on a draft now and then, else on nothing yet."""
    plans, first = [], 0
    while first < len(held):
        size = rng.randint(*SESSIONS_PER_INVOICE)
        chunk = held[first : first + size]
        first += size
        last_day = chunk[-1][1]
        if len(chunk) < size and last_day >= today - timedelta(days=RECENT_DAYS):
            if rng.random() < RECENT_DRAFTS:
                plans.append(Plan(client, chunk, None))
            continue
        issued_on = last_day + timedelta(days=rng.randint(0, 4))
        plans.append(Plan(client, chunk, issued_on if issued_on <= today else None))
    return plans


def _recipients(clients: list[int]) -> dict[int, dict]:
    """Per client, the invoice's addressee as `Recipient.address` gives it: the client, or
    for a child the first parent."""
    parents = {}
    for guardian in Guardian.objects.filter(client__in=clients).select_related("account"):
        parents.setdefault(guardian.client_id, guardian)
    found = {}
    for client in Client.objects.filter(pk__in=clients).select_related("account"):
        address = "\n".join(
            part for part in [client.street, f"{client.postal_code} {client.city}".strip()] if part
        )
        found[client.pk] = {
            "coach_id": client.coach_id,
            "client_id": client.pk,
            "recipient_kind": Invoice.Recipient.CLIENT,
            "bill_to_name": str(client),
            "bill_to_address": address,
            "bill_to_email": client.portal_email,
            "language": client.account.language if client.account_id else "nl",
        }
        parent = parents.get(client.pk)
        if client.is_child and parent is not None:
            found[client.pk] |= {
                "recipient_kind": Invoice.Recipient.GUARDIAN,
                "guardian_id": parent.pk,
                "bill_to_name": f"{parent.first_name} {parent.last_name}",
                "bill_to_email": parent.account.email if parent.account_id else parent.email,
                "language": parent.account.language if parent.account_id else "nl",
            }
    return found


# Long: one invoice's whole life (sent, paid or open, or credited and sent again) in one place.
def _invoices(plans: list[Plan], recipients: dict, *, rng, today: date) -> list[Row]:
    """The invoices of the plans, with their primary keys: a draft; or sent and then paid,
    open or credited (the credit invoice and the corrected one follow it)."""
    supplier = {"name": settings.PRAKTIJK_NAME, **settings.PRAKTIJK_DETAILS}
    term = timedelta(days=settings.PRAKTIJK_PAYMENT_DAYS)
    now = timezone.now()
    invoices = []

    def invoice(plan: Plan, issued_on: date | None, credit_for: int | None = None) -> Row:
        to = recipients[plan.client]
        values = {
            "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
            "guardian_id": None,
            **to,
            "organisation_id": None,
            "period_start": plan.sessions[0][1].replace(day=1),
            "period_end": min(_month_end(plan.sessions[-1][1]), today),
            "status": Invoice.Status.DRAFT,
            "year": None,
            "sequence": None,
            "issued_on": issued_on,
            "due_on": None,
            "paid_on": None,
            "supplier": {},
            "credit_for_id": credit_for,
            "created_by_id": to["coach_id"],
            # Made on its invoice date (a draft: within days of the last session), in the day.
            "created_at": min(_during(issued_on or _drafted_on(plan, rng, today), rng), now),
        }
        if issued_on is not None:
            values |= {"status": Invoice.Status.SENT, "due_on": issued_on + term}
            values["supplier"] = supplier
        row = Row(values, plan, credit=credit_for is not None)
        invoices.append(row)
        return row

    ids = itertools.count(_new_ids(Invoice, len(plans) * 3))  # at most three invoices a plan
    for plan in plans:
        if plan.issued_on is None:
            invoice(plan, None).values["id"] = next(ids)
            continue
        sent = invoice(plan, plan.issued_on)
        sent.values["id"] = next(ids)
        corrected_on = plan.issued_on + timedelta(days=rng.randint(3, 20))
        if rng.random() < CREDITED and corrected_on <= today:
            sent.claims = False  # given back by the credit invoice, claimed by the corrected
            credit = invoice(plan, corrected_on, credit_for=sent.values["id"])
            credit.values["id"], credit.claims = next(ids), False
            sent = invoice(plan, corrected_on)
            sent.values["id"] = next(ids)
        _pay(sent.values, rng=rng, today=today)
    return invoices


def _drafted_on(plan: Plan, rng, today: date) -> date:
    return min(plan.sessions[-1][1] + timedelta(days=rng.randint(0, 4)), today)


def _during(day: date, rng) -> datetime:
    """A moment in the working day."""
    return timezone.make_aware(
        datetime.combine(day, time(9)) + timedelta(minutes=rng.randrange(480))
    )


def _pay(invoice: dict, *, rng, today: date) -> None:
    """Paid within the term mostly, some late; a few never (open, overdue once due)."""
    if rng.random() < NEVER_PAID:
        return
    late = rng.random() < 0.1
    paid_on = invoice["issued_on"] + timedelta(
        days=rng.randint(15, 45) if late else rng.randint(1, settings.PRAKTIJK_PAYMENT_DAYS)
    )
    if paid_on <= today:
        invoice["status"], invoice["paid_on"] = Invoice.Status.PAID, paid_on


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _number(invoices: list[Row]) -> None:
    """Numbers per year of issue, in the order of the invoice dates, after the counter's last."""
    sent = sorted(
        (invoice.values for invoice in invoices if invoice.values["issued_on"] is not None),
        key=lambda values: values["issued_on"],
    )
    last = dict(InvoiceCounter.objects.values_list("year", "last"))
    for values in sent:
        year = values["issued_on"].year
        last[year] = last.get(year, 0) + 1
        values["year"], values["sequence"] = year, last[year]


def _update_counters(invoices: list[Row]) -> None:
    last: dict[int, int] = {}
    for invoice in invoices:
        if year := invoice.values["year"]:
            last[year] = max(last.get(year, 0), invoice.values["sequence"])
    InvoiceCounter.objects.bulk_create(
        [InvoiceCounter(year=year, last=number) for year, number in last.items()],
        update_conflicts=True,
        unique_fields=["year"],
        update_fields=["last"],
    )


def _lines(invoices: list[Row], first_id: int, *, rng) -> Iterator[dict]:
    """A line per session (a credit invoice's negated), numbered from `first_id` on."""
    priced = {}  # (quantity, price): (amount, VAT)
    line_id = first_id
    for invoice in invoices:
        quantity = Decimal(-1 if invoice.credit else 1)
        for _key, day in invoice.plan.sessions:
            price = FIRST_PRICE + YEARLY_RISE * max(0, day.year - 2020)
            if (quantity, price) not in priced:
                priced[quantity, price] = InvoiceLine.amounts(quantity, price, Vat.HIGH)
            amount, vat_amount = priced[quantity, price]
            yield {
                "id": line_id,
                "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                "invoice_id": invoice.values["id"],
                "day": day,
                "description": "Coachingsessie van 60 minuten",
                "quantity": quantity,
                "unit_price": price,
                "vat": Vat.HIGH,
                "amount": amount,
                "vat_amount": vat_amount,
                "tariff_id": None,
            }
            line_id += 1


def _claims(invoices: list[Row], first_line: int) -> Iterator[dict]:
    """The sessions claimed by the lines of `_lines` (the same order, the same ids)."""
    line_id = first_line
    for invoice in invoices:
        for key, _day in invoice.plan.sessions:
            if invoice.claims:
                yield {"key": f"appointment:{key}", "line_id": line_id}
            line_id += 1


def _new_ids(model, count: int) -> int:
    """The first of `count` primary keys for rows written later: an invoice's lines refer to
    it before it is written (see the module's docstring), the claims to their lines. The
    ones not used are skipped, as a rolled-back insert skips them."""
    if connection.vendor == "postgresql":
        from bench.seed import reserve_ids  # bench.seed calls this module

        return reserve_ids(model, count)
    return (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1


def _put(model, rows: Iterable[dict]) -> int:
    """Writes the rows (each a model's columns by attribute name, the same in every row), as
    they are: on PostgreSQL with COPY (psycopg takes each value as it is, a dict as JSON),
    elsewhere with one INSERT run for every row (each value prepared by its field, as
    bulk_create prepares it, without making the objects: ten times faster). Returns how many."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    names = list(first)
    fields = {field.attname: field for field in model._meta.concrete_fields}
    columns = [fields[name].column for name in names]
    rows = itertools.chain([first], rows)
    if connection.vendor == "postgresql":
        return _copy(model, names, columns, rows)
    quote = connection.ops.quote_name
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    prepare = [fields[name].get_db_prep_save for name in names]
    prepared = [
        [to_db(row[name], connection) for name, to_db in zip(names, prepare, strict=True)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, prepared)
    return len(prepared)


def _copy(model, names: list[str], columns: list[str], rows: Iterable[dict]) -> int:
    from psycopg.types.json import Jsonb

    from bench.seed import copying

    written = 0
    with copying(model._meta.db_table, columns) as copy:
        for row in rows:
            values = (row[name] for name in names)
            copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in values])
            written += 1
    return written
