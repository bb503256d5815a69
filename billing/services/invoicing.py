"""Invoice workflows: make a draft from what was delivered, send it (numbered), mark it paid,
correct it with a credit invoice; quotes for in-company Backstage groups."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from billing.items import Item, backstage_price, client_items, organisation_items
from billing.models import (
    LINE_LIMITS,
    Claim,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Quote,
    QuoteRequest,
)
from billing.services.packages import packages_settle
from coaching.models import Client, Guardian, Organisation, Tariff, Unit, User, Vat
from coaching.outbox import outbox_add
from coaching.services.clients import organisation_for_name

INVOICE_MAIL = "invoice"


@dataclass(frozen=True)
class Recipient:
    """Who an invoice is addressed to, and whose work it is for."""

    kind: str
    client: Client | None = None
    guardian: Guardian | None = None
    organisation: Organisation | None = None
    # Of an organisation: the coach whose in-company groups are invoiced.
    group_coach: User | None = None

    @property
    def coach(self) -> User | None:
        return self.client.coach if self.client else self.group_coach

    def address(self) -> tuple[str, str, str, str]:
        """(name, address, e-mail, language) as they are today."""
        if self.kind == Invoice.Recipient.ORGANISATION:
            org = self.organisation
            name = org.name
            if org.contact_person:
                name += "\n" + _("t.a.v. %(person)s") % {"person": org.contact_person}
            return name, _address(org), org.email, settings.LANGUAGE_CODE
        if self.kind == Invoice.Recipient.GUARDIAN:
            person = self.guardian
            email = person.account.email if person.account_id else person.email
            language = person.account.language if person.account_id else settings.LANGUAGE_CODE
            name = f"{person.first_name} {person.last_name}"
            return name, _address(self.client), email, language
        client = self.client
        language = client.account.language if client.account_id else settings.LANGUAGE_CODE
        return str(client), _address(client), client.portal_email, language


def _address(holder: Client | Organisation) -> str:
    return "\n".join(
        part for part in [holder.street, f"{holder.postal_code} {holder.city}".strip()] if part
    )


def _items(recipient: Recipient, start: date, end: date) -> list[Item]:
    if recipient.kind == Invoice.Recipient.ORGANISATION:
        return organisation_items(recipient.organisation, recipient.coach, start, end)
    return client_items(recipient.client, start, end)


@transaction.atomic
def invoice_create(*, recipient: Recipient, by: User, start: date, end: date) -> Invoice:
    """A draft with everything delivered to the recipient in the period that was not invoiced
    yet, for the client's coach (of an organisation: the groups' coach). Refused
    (ValidationError) when there is nothing, or something has no tariff."""
    if end < start:
        raise ValidationError(_("De periode eindigt vóór het begin."))
    name, address, email, language = recipient.address()
    if recipient.client is not None and recipient.kind != Invoice.Recipient.ORGANISATION:
        # The strips as the appointments are now: what used one is not invoiced at the tariff.
        packages_settle(client=recipient.client)
    with translation.override(language):  # the lines are written in the addressee's language
        items = _items(recipient, start, end)
    if not items:
        raise ValidationError(
            _("Er is in deze periode niets (meer) te factureren voor %(who)s.")
            % {"who": name.splitlines()[0]}
        )
    missing = sorted({item.wanted for item in items if not item.priced})
    if missing:
        raise ValidationError(
            _(
                "Er is geen tarief voor: %(what)s. De beheerder voegt het toe onder Beheer → "
                "Tarieven; maak de factuur daarna opnieuw."
            )
            % {"what": ", ".join(missing)}
        )
    invoice = Invoice.objects.create(
        coach=recipient.coach,
        recipient_kind=recipient.kind,
        client=recipient.client,
        guardian=recipient.guardian,
        organisation=recipient.organisation,
        bill_to_name=name,
        bill_to_address=address,
        bill_to_email=email,
        language=language,
        period_start=start,
        period_end=end,
        created_by=by,
    )
    lines = InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                day=item.day,
                description=item.description,
                quantity=item.quantity,
                unit_price=item.unit_price,
                vat=item.vat_rate,
                tariff=item.tariff,
            ).price()
            for item in items
        ]
    )
    _claim([(item.key, line) for item, line in zip(items, lines, strict=True)])
    return invoice


def _claim(claims: list[tuple[str, InvoiceLine]]) -> None:
    try:
        with transaction.atomic():
            Claim.objects.bulk_create([Claim(key=key, line=line) for key, line in claims])
    except IntegrityError:
        # Another invoice took one of these items a moment ago (two clicks, two tabs).
        raise ValidationError(
            _("Een deel hiervan is zojuist al op een andere factuur gezet. Kijk bij de facturen.")
        ) from None


def _locked(invoice: Invoice) -> Invoice:
    """The invoice's row, locked until the transaction ends: two clicks on 'send', or 'send'
    and 'delete' at once, are handled one after the other."""
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _next_number(year: int) -> int:
    """The next number of the year, from its counter row, locked until the caller's transaction
    ends (so two invoices sent at once get consecutive numbers, and a rollback gives its number
    back: no gaps)."""
    InvoiceCounter.objects.bulk_create([InvoiceCounter(year=year)], ignore_conflicts=True)
    InvoiceCounter.objects.filter(year=year).update(last=F("last") + 1)
    return InvoiceCounter.objects.get(year=year).last


SUPPLIER_REQUIRED = {
    "address": _lazy("adres"),
    "postal_code": _lazy("postcode"),
    "city": _lazy("plaats"),
    "kvk": _lazy("KvK-nummer"),
}


def missing_supplier_details(invoice: Invoice) -> list:
    """What the law asks on an invoice of the practice and its settings do not give: the
    address and KvK number, and the VAT number unless every line is exempt."""
    details = settings.PRAKTIJK_DETAILS
    missing = [label for key, label in SUPPLIER_REQUIRED.items() if not details[key].strip()]
    taxed = invoice.lines.exclude(vat=Vat.EXEMPT).exists()
    if taxed and not details["vat_number"].strip():
        missing.append(_lazy("btw-identificatienummer"))
    return missing


@transaction.atomic
def invoice_send(*, invoice: Invoice, on: date | None = None) -> Invoice:
    """Number the draft, date it and e-mail it (after the commit, once)."""
    invoice = _locked(invoice)
    if not invoice.is_draft:
        raise ValidationError(_("Deze factuur is al verstuurd."))
    if not invoice.lines.exists():
        raise ValidationError(_("Een factuur zonder regels wordt niet verstuurd."))
    missing = missing_supplier_details(invoice)
    if missing:
        raise ValidationError(
            _(
                "Op een factuur horen de gegevens van de praktijk; nu ontbreekt: %(what)s. De "
                "beheerder stelt ze in (zie docs/configuration.md: PRAKTIJK_ADDRESS en verder)."
            )
            % {"what": ", ".join(str(label) for label in missing)}
        )
    today = on or timezone.localdate()
    invoice.year = today.year
    invoice.sequence = _next_number(today.year)
    invoice.issued_on = today
    invoice.due_on = today + timedelta(days=settings.PRAKTIJK_PAYMENT_DAYS)
    invoice.status = Invoice.Status.SENT
    # The practice's details as they are today stay with the invoice (its PDF never changes).
    invoice.supplier = {"name": settings.PRAKTIJK_NAME, **settings.PRAKTIJK_DETAILS}
    invoice.save(update_fields=["year", "sequence", "issued_on", "due_on", "status", "supplier"])
    if invoice.bill_to_email:
        outbox_add([(f"invoice:{invoice.pk}", INVOICE_MAIL, timezone.now())], client=invoice.client)
    return invoice


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, on: date) -> Invoice:
    invoice = _locked(invoice)
    if invoice.status != Invoice.Status.SENT:
        raise ValidationError(_("Alleen een verstuurde factuur kan als betaald worden gemarkeerd."))
    if invoice.is_credit or Invoice.objects.filter(credit_for=invoice).exists():
        raise ValidationError(
            _("Een gecrediteerde factuur of een creditfactuur wordt niet betaald.")
        )
    if on < invoice.issued_on or on > timezone.localdate():
        raise ValidationError(_("De betaaldatum ligt tussen de factuurdatum en vandaag."))
    invoice.status = Invoice.Status.PAID
    invoice.paid_on = on
    invoice.save(update_fields=["status", "paid_on"])
    return invoice


@transaction.atomic
def invoice_credit(*, invoice: Invoice, by: User) -> Invoice:
    """A credit invoice for a sent invoice: its lines negated, numbered and sent. What the
    original invoiced can then be invoiced again (its claims are given back)."""
    invoice = _locked(invoice)
    if invoice.is_draft:
        raise ValidationError(
            _("Een concept wordt niet gecrediteerd: pas het aan of verwijder het.")
        )
    if invoice.is_credit:
        raise ValidationError(_("Een creditfactuur wordt niet zelf gecrediteerd."))
    if Invoice.objects.filter(credit_for=invoice).exists():
        raise ValidationError(_("Deze factuur is al gecrediteerd."))
    credit = Invoice.objects.create(
        coach=invoice.coach,
        recipient_kind=invoice.recipient_kind,
        client=invoice.client,
        guardian=invoice.guardian,
        organisation=invoice.organisation,
        bill_to_name=invoice.bill_to_name,
        bill_to_address=invoice.bill_to_address,
        bill_to_email=invoice.bill_to_email,
        language=invoice.language,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        credit_for=invoice,
        created_by=by,
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=credit,
                day=line.day,
                description=line.description,
                quantity=-line.quantity,
                unit_price=line.unit_price,
                vat=line.vat,
                tariff=line.tariff,
            ).price()
            for line in invoice.lines.select_related("tariff")
        ]
    )
    Claim.objects.filter(line__invoice=invoice).delete()
    return invoice_send(invoice=credit)


@transaction.atomic
def invoice_delete(*, invoice: Invoice) -> None:
    invoice = _locked(invoice)
    if not invoice.is_draft:
        raise ValidationError(
            _("Een verstuurde factuur blijft bewaard; corrigeer haar met een creditfactuur.")
        )
    invoice.delete()  # its lines and claims go with it: the items can be invoiced again


@transaction.atomic
def invoice_line_add(
    *,
    invoice: Invoice,
    day: date,
    description: str,
    quantity: Decimal,
    tariff: Tariff | None = None,
    unit_price: Decimal | None = None,
    vat: str | None = None,
) -> InvoiceLine:
    """An extra line on a draft: priced by the tariff valid on its day, or by hand."""
    invoice = _locked(invoice)
    if not invoice.is_draft:
        raise ValidationError(_("Een verstuurde factuur wordt niet meer gewijzigd."))
    if tariff is not None:
        if not (
            tariff.valid_from <= day and (tariff.valid_until is None or day <= tariff.valid_until)
        ):
            raise ValidationError(
                _("Dit tarief geldt niet op die datum; kies het tarief dat toen gold.")
            )
        unit_price, vat = tariff.price, tariff.vat
        with translation.override(invoice.language):
            description = description or tariff.label
    if not (0 < quantity <= LINE_LIMITS["quantity"] and 0 <= unit_price <= LINE_LIMITS["price"]):
        raise ValidationError(
            _("Dat aantal of die prijs past niet op een factuur van deze praktijk.")
        )
    line = InvoiceLine(
        invoice=invoice,
        day=day,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        vat=vat,
        tariff=tariff,
    )
    line.price().save()
    return line


@transaction.atomic
def invoice_line_remove(*, line: InvoiceLine) -> None:
    invoice = _locked(line.invoice)
    if not invoice.is_draft:
        raise ValidationError(_("Een verstuurde factuur wordt niet meer gewijzigd."))
    line.delete()  # its claim goes with it: the item can go on a later invoice


@transaction.atomic
def quote_create(
    *,
    coach: User,
    organisation_name: str,
    contact_person: str,
    group_size: int,
    meetings: int,
    wishes: str,
    wishes_price: Decimal,
    on: date | None = None,
    request: QuoteRequest | None = None,
) -> Quote:
    """A quote for an in-company group: the group tariff for its size (else the per-participant
    tariff), pro rata for another number of meetings than the tariff's. Made for a request from
    the public site, it answers that request."""
    today = on or timezone.localdate()
    priced = backstage_price(
        size=group_size, meetings=meetings, on=today, unit=Unit.GROUP
    ) or backstage_price(size=group_size, meetings=meetings, on=today, unit=Unit.PARTICIPANT)
    if priced is None:
        raise ValidationError(
            _(
                "Er is vandaag geen Backstage-tarief voor een groep van %(size)s deelnemers. De "
                "beheerder voegt het toe onder Beheer → Tarieven."
            )
            % {"size": group_size}
        )
    tariff, quantity, unit_price = priced
    if request is not None:
        # Locked until the commit: closing the request at the same moment waits, and then
        # finds it answered (billing.services.quote_requests.quote_request_close).
        QuoteRequest.objects.select_for_update().get(pk=request.pk)
    organisation = organisation_for_name(organisation_name)
    description = _("%(what)s: %(meetings)s bijeenkomsten, %(size)s deelnemers") % {
        "what": tariff.label,
        "meetings": meetings,
        "size": group_size,
    }
    return Quote.objects.create(
        coach=coach,
        organisation=organisation,
        contact_person=contact_person or organisation.contact_person,
        group_size=group_size,
        meetings=meetings,
        wishes=wishes,
        wishes_price=wishes_price,
        tariff=tariff,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        vat=tariff.vat,
        issued_on=today,
        valid_until=today + timedelta(days=30),
        request=request,
    )
