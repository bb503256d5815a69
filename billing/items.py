"""What there is to invoice: the delivered work of a client, or an organisation's in-company
groups, in a period, each item with the tariff valid on its day (DESIGN.md §4.10).

Each item has a key ("appointment:<uuid>"); an item whose key is claimed by an invoice line
already is left out (see billing.models.Claim)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.models import Claim, Invoice, PackagePurchase
from coaching.models import (
    Client,
    Component,
    Organisation,
    Tariff,
    Unit,
    tariff_for,
    tariffs_between,
    to_cents,
)
from coaching.templatetags.money import money
from groups.models import BackstageGroup, Membership
from sessions.fees import COMPONENT_OF_KIND, COMPONENT_OF_STATUS, fee_tariff
from sessions.models import Appointment
from trajects.models import Message, Traject


@dataclass
class Item:
    key: str
    day: date
    description: str
    quantity: Decimal
    tariff: Tariff | None
    # What is missing when there is no tariff ("coachingsessie van 75 minuten").
    wanted: str = ""
    # A price other than the tariff's (a group with another number of meetings: pro rata).
    price: Decimal | None = None
    # The VAT of an item priced without a tariff (a strippenkaart: as fixed at its sale).
    vat: str | None = None

    @property
    def priced(self) -> bool:
        return self.tariff is not None or (self.price is not None and self.vat is not None)

    @property
    def vat_rate(self) -> str:
        return self.vat if self.vat is not None else self.tariff.vat

    @property
    def unit_price(self) -> Decimal:
        if self.price is not None:
            return self.price
        return self.tariff.price if self.tariff else Decimal(0)


def _local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _appointment_items(
    client: Client, since: datetime, until: datetime, book: list[Tariff]
) -> list[Item]:
    # Held; or a late cancellation by the client's own side, or a no-show, whose fee was not
    # waived: a cancellation by the coach or the practice is never charged. One that used a
    # strip of a strippenkaart was paid for with the card (billing.services.packages).
    appointments = (
        Appointment.objects.chargeable()
        .filter(
            traject__client=client,
            kind__in=list(COMPONENT_OF_KIND),
            start__gte=since,
            start__lt=until,
            package_use__isnull=True,
        )
        .order_by("start")
    )
    items = []
    for appointment in appointments:
        day = timezone.localdate(appointment.start)
        minutes = appointment.duration_minutes
        component = COMPONENT_OF_STATUS.get(appointment.status, COMPONENT_OF_KIND[appointment.kind])
        if component != COMPONENT_OF_KIND[appointment.kind]:
            tariff = fee_tariff(appointment, appointment.status, among=book)
            if tariff is None and _free(appointment, day, book):
                continue  # no fee for missing what costs nothing itself (a free kennismaking)
        else:
            tariff = tariff_for(component, on=day, minutes=minutes, among=book)
        kind = appointment.get_kind_display()
        if component in COMPONENT_OF_STATUS.values():
            description = f"{tariff.label if tariff else Component(component).label}: {kind}"
        else:
            description = tariff.label if tariff else kind
        price = None
        if tariff and tariff.unit == Unit.HOUR:
            # Priced by the minute on one line: 50 minutes at 90 an hour is 75.00 (a quantity
            # of 0.83 hours would make it 74.70).
            price = to_cents(tariff.price * minutes / 60)
            description = _("%(what)s, %(minutes)s minuten à %(price)s per uur") % {
                "what": description,
                "minutes": minutes,
                "price": money(tariff.price),
            }
        wanted = Component(component).label
        if component == Component.SESSION:
            wanted = _("%(what)s van %(minutes)s minuten") % {"what": wanted, "minutes": minutes}
        items.append(
            Item(
                key=f"appointment:{appointment.uuid}",
                day=day,
                description=description,
                quantity=Decimal(1),
                tariff=tariff,
                wanted=str(wanted),
                price=price,
            )
        )
    return items


def _free(appointment: Appointment, day: date, book: list[Tariff]) -> bool:
    own = tariff_for(
        COMPONENT_OF_KIND[appointment.kind],
        on=day,
        minutes=appointment.duration_minutes,
        among=book,
    )
    return own is not None and own.price == 0


def fee_on_invoice(appointment: Appointment, *, release: bool = False, change: bool = False) -> str:
    """The invoice's say on waiving an appointment's fee (registered in sessions.fees by
    BillingConfig.ready()): "" when the fee is on no invoice; refused (ValidationError) when it
    is on a sent invoice, which only a credit invoice corrects; on a draft, `release` takes its
    line off (the waived fee then never comes back: it is no item any more)."""
    claim = (
        Claim.objects.select_related("line").filter(key=f"appointment:{appointment.uuid}").first()
    )
    if claim is None:
        return ""
    invoices = Invoice.objects.filter(pk=claim.line.invoice_id)
    # Locked when the line goes: sending the draft at this moment waits, and then sends it
    # without the line; or it was sent a moment ago, and this sees it.
    invoice = (invoices.select_for_update() if release else invoices).first()
    if invoice is None:  # deleted a moment ago, with its lines and claims
        return ""
    if not invoice.is_draft:
        if change:
            refused = _(
                "Deze afspraak staat op factuur %(number)s, die al is verstuurd: hoe ze ging, kan "
                "daarom niet meer veranderen. Corrigeer de factuur met een creditfactuur."
            )
        else:
            refused = _(
                "Deze kosten staan op factuur %(number)s, die al is verstuurd: kwijtschelden kan "
                "niet meer. Corrigeer de factuur met een creditfactuur."
            )
        raise ValidationError(refused % {"number": invoice.number}, code="invoiced")
    if change:
        if release:
            claim.line.delete()
            return _(
                "De regel voor deze afspraak is van de conceptfactuur gehaald; een nieuwe factuur "
                "neemt haar mee zoals ze nu is vastgelegd."
            )
        return ""
    if release:
        claim.line.delete()  # its claim goes with it
        return _("De kosten zijn van de conceptfactuur gehaald.")
    return _("De kosten staan op een conceptfactuur; kwijtschelden haalt ze daar af.")


def register_fee_guard() -> None:
    from sessions.fees import register_fee_guard as register

    register(fee_on_invoice)


def _email_items(
    client: Client, since: datetime, until: datetime, book: list[Tariff]
) -> list[Item]:
    """E-mail coaching, per month in which the coachee wrote (the tariff's unit 'per maand'),
    or per answer of the coach ('per antwoord')."""
    items = []
    messages = (
        Message.objects.filter(
            traject__client=client,
            traject__kind=Traject.Kind.EMAIL,
            created_at__gte=since,
            created_at__lt=until,
        )
        .select_related("traject")
        .only("uuid", "created_at", "from_coach", "traject__uuid")  # not the texts
        .order_by("created_at")
    )
    months_seen = set()
    for message in messages:
        day = timezone.localdate(message.created_at)
        tariff = tariff_for(Component.EMAIL, on=day, among=book)
        if tariff is not None and tariff.unit == Unit.MESSAGE:
            if message.from_coach:
                items.append(
                    Item(
                        key=f"email-answer:{message.uuid}",
                        day=day,
                        description=tariff.label,
                        quantity=Decimal(1),
                        tariff=tariff,
                    )
                )
            continue
        if message.from_coach:
            continue
        month = (message.traject.uuid, day.year, day.month)
        if month in months_seen:
            continue
        months_seen.add(month)
        label = tariff.label if tariff else Component.EMAIL.label
        items.append(
            Item(
                key=f"email-month:{message.traject.uuid}:{day:%Y-%m}",
                day=day,
                description=f"{label}, {date_format(day, 'F Y')}",
                quantity=Decimal(1),
                tariff=tariff,
                wanted=str(Component.EMAIL.label),
            )
        )
    return items


def backstage_price(
    *, size: int, meetings: int, on: date, unit: str, among: list[Tariff] | None = None
) -> tuple[Tariff, Decimal, Decimal] | None:
    """(tariff, quantity, unit price) for a Backstage group of this size and number of meetings:
    the tariff's price is for its own number of meetings, so another number is priced pro rata;
    per participant, the quantity is the group's size."""
    tariff = tariff_for(Component.BACKSTAGE, on=on, participants=size, unit=unit, among=among)
    if tariff is None:
        return None
    unit_price = tariff.price
    if tariff.meetings and meetings != tariff.meetings:
        unit_price = to_cents(tariff.price * meetings / tariff.meetings)
    quantity = Decimal(size) if tariff.unit == Unit.PARTICIPANT else Decimal(1)
    return tariff, quantity, unit_price


def _groups_at_their_start(groups) -> dict:
    """The groups by pk, each with its first meeting's start, its number of meetings and its
    size on the day of the first meeting (who joined by then and had not left): two queries.

    A stopped group's meetings to come left the calendar (cancelled): only the meetings held or
    still planned count, so a group stopped after four meetings is priced for four (pro rata),
    and one stopped before its first meeting is not invoiced at all."""
    groups = {
        group.pk: group
        for group in groups.annotate(
            first_start=Min("meetings__appointment__start"),
            meeting_count=Count(
                "meetings",
                filter=~Q(meetings__appointment__status=Appointment.Status.CANCELLED),
                distinct=True,
            ),
        )
    }
    for group in groups.values():
        group.size = 0
        group.first_day = timezone.localdate(group.first_start) if group.first_start else None
    members = Membership.objects.filter(group__in=list(groups)).values_list(
        "group_id", "joined_on", "left_on"
    )
    for group_id, joined_on, left_on in members:
        group = groups[group_id]
        if group.first_day and joined_on <= group.first_day and not _left_before(left_on, group):
            group.size += 1
    return groups


def _left_before(left_on: date | None, group) -> bool:
    return left_on is not None and group.first_day is not None and left_on < group.first_day


def _membership_items(
    client: Client, since: datetime, until: datetime, book: list[Tariff]
) -> list[Item]:
    """A place in a mixed Backstage group, invoiced once, in the period of its first meeting."""
    memberships = list(
        Membership.objects.filter(
            client=client, group__composition=BackstageGroup.Composition.MIXED
        ).select_related("group")
    )
    groups = _groups_at_their_start(
        BackstageGroup.objects.filter(pk__in=[m.group_id for m in memberships])
    )
    items = []
    for membership in memberships:
        group = groups[membership.group_id]
        if not group.meeting_count or not since <= group.first_start < until:
            continue
        if _left_before(membership.left_on, group):
            continue  # left before the group began: no place to pay for
        day = group.first_day
        priced = backstage_price(
            size=max(group.size, 1),
            meetings=group.meeting_count,
            on=day,
            unit=Unit.PARTICIPANT,
            among=book,
        )
        tariff, _quantity, unit_price = priced if priced else (None, None, None)
        items.append(
            Item(
                key=f"backstage-place:{membership.group.uuid}:{client.uuid}",
                day=day,
                description=_("%(what)s: %(group)s, %(count)s bijeenkomsten")
                % {
                    "what": tariff.label if tariff else Component.BACKSTAGE.label,
                    "group": group.name,
                    "count": group.meeting_count,
                },
                quantity=Decimal(1),
                tariff=tariff,
                wanted=str(Component.BACKSTAGE.label),
                price=unit_price,
            )
        )
    return items


def _package_items(client: Client, start: date, end: date) -> list[Item]:
    """A strippenkaart sold in the period: once, on its day of sale, at the price and VAT fixed
    then."""
    items = []
    for purchase in PackagePurchase.objects.filter(
        client=client, starts_on__gte=start, starts_on__lte=end
    ).order_by("starts_on", "pk"):
        items.append(
            Item(
                key=purchase.claim_key,
                day=purchase.starts_on,
                description=_("Strippenkaart: %(name)s, %(count)s sessies, geldig t/m %(day)s")
                % {
                    "name": purchase.name,
                    "count": purchase.sessions,
                    "day": date_format(purchase.valid_until, "j F Y"),
                },
                quantity=Decimal(1),
                tariff=None,
                price=purchase.price,
                vat=purchase.vat,
            )
        )
    return items


def client_items(client: Client, start: date, end: date) -> list[Item]:
    since, until = _local_bounds(start, end)
    book = tariffs_between(start, end)
    items = (
        _appointment_items(client, since, until, book)
        + _email_items(client, since, until, book)
        + _membership_items(client, since, until, book)
        + _package_items(client, start, end)
    )
    return unclaimed(sorted(items, key=lambda item: item.day))


def organisation_items(organisation: Organisation, coach, start: date, end: date) -> list[Item]:
    """An organisation's in-company groups (of this coach), in the period of their first meeting."""
    since, until = _local_bounds(start, end)
    groups = _groups_at_their_start(
        BackstageGroup.objects.filter(
            organisation=organisation, composition=BackstageGroup.Composition.TEAM, coach=coach
        )
    )
    book = tariffs_between(start, end)
    items = []
    for group in groups.values():
        if not group.meeting_count or not since <= group.first_start < until:
            continue
        day = group.first_day
        size = max(group.size, 1)
        priced = backstage_price(
            size=size, meetings=group.meeting_count, on=day, unit=Unit.GROUP, among=book
        ) or backstage_price(
            size=size, meetings=group.meeting_count, on=day, unit=Unit.PARTICIPANT, among=book
        )
        tariff, quantity, unit_price = priced if priced else (None, Decimal(1), Decimal(0))
        item = Item(
            key=f"backstage-group:{group.uuid}",
            day=day,
            description=_("%(what)s: %(group)s, %(size)s deelnemers, %(count)s bijeenkomsten")
            % {
                "what": tariff.label if tariff else Component.BACKSTAGE.label,
                "group": group.name,
                "size": size,
                "count": group.meeting_count,
            },
            quantity=quantity,
            tariff=tariff,
            wanted=str(Component.BACKSTAGE.label),
            price=unit_price if tariff else None,
        )
        items.append(item)
    return unclaimed(sorted(items, key=lambda item: item.day))


def unclaimed(items: list[Item]) -> list[Item]:
    claimed = set(
        Claim.objects.filter(key__in=[item.key for item in items]).values_list("key", flat=True)
    )
    return [item for item in items if item.key not in claimed]
