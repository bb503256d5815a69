"""Session packages (strippenkaarten): selling one, using its strips, withdrawing a sale.

When a strip is taken
---------------------
A strip is taken when the appointment's outcome is recorded: the coach marks it held (or a
no-show), or the client's side cancels late, or a fee is waived (which gives a strip back). The
calendar (sessions, below billing) calls `sessions.fees.outcome_changed` at those moments and
billing's hook runs `packages_settle` for the client, in the same transaction. So the coach and
the client see what is left the moment a session is held, not only once it is invoiced.

`packages_settle` makes the client's strips match their appointments as they are now, from
scratch each time, so a correction is simply settled again:

- An appointment uses a strip when it counts for a purchase: its type counts (the types fixed
  at the sale; none fixed: every coaching session), it was held (or, when the card says so, it
  was cancelled late by the client's side or missed, and the fee was not waived), and its day
  lies between the sale and the last valid day. Of the purchases that cover it, the one that
  expires first (then the oldest) gives the strip; appointments are served in date order.
- An appointment that no longer counts (held corrected to a no-show on a card that does not
  count those, a fee waived) gives its strip back; an appointment without a strip may then take
  it.
- An appointment that is on an invoice line already (claimed, billing.models.Claim) never takes
  a strip: it was invoiced at the tariff, and an invoice is corrected only by a credit invoice.
  Once a credit invoice (or deleting a draft) gives its claim back, the next settle may cover it
  with a strip instead: `invoice_create` settles the client first.
- An appointment with a strip is not an invoice item (billing.items): the sale's own invoice
  line paid for it. One beyond the card (none left, expired, or of another type) is invoiced at
  the tariff, as without a card.

The sale itself is an invoice item of its own, once ("package:<uuid>"), on the day it was sold,
at the price and VAT fixed at the sale. A sale can be withdrawn while it is on no sent invoice
(or after its invoice was credited): its strips come back to the appointments, which are then
invoiced at the tariff (or use another card).

Races: two sessions of one client marked held at once. The client's purchases are locked
(select_for_update, on SQLite the IMMEDIATE transaction's write lock), and a strip is taken by a
conditional UPDATE (`used < sessions`) that a check constraint backs; an appointment's strip is
unique (PackageUse.appointment). So the last strip goes to one of them; the other is invoiced at
the tariff.
"""

import calendar
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.models import Claim, Invoice, Package, PackagePrice, PackagePurchase, PackageUse
from coaching.models import Client, User
from sessions.models import FEE_STATUSES, Appointment

HELD = Appointment.Status.COMPLETED


def package_valid_until(starts_on: date, months: int) -> date:
    """The last valid day: N months after the sale, less a day (sold 15 March for 6 months:
    valid through 14 September)."""
    months_since_zero = starts_on.year * 12 + starts_on.month - 1 + months
    year, month = divmod(months_since_zero, 12)
    # 31 August + 6 months: the last day of February.
    day = min(starts_on.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day) - timedelta(days=1)


@transaction.atomic
def package_sell(
    *, client: Client, package: Package, by: User, on: date | None = None
) -> PackagePurchase:
    """Sell a card to a client, on the terms of today: its price and VAT valid today, its number
    of sessions, its validity and what counts. Sessions held today already take their strips."""
    today = on or timezone.localdate()
    if not package.active:
        raise ValidationError(_("Deze strippenkaart is niet meer te koop."))
    price = package.price_on(today)
    if price is None:
        raise ValidationError(
            _(
                "Deze strippenkaart heeft vandaag geen prijs. De beheerder voegt er een toe onder "
                "Beheer → Strippenkaarten."
            )
        )
    purchase = PackagePurchase.objects.create(
        client=client,
        package=package,
        name=package.name,
        sessions=package.sessions,
        price=price.price,
        vat=price.vat,
        starts_on=today,
        valid_until=package_valid_until(today, package.validity_months),
        missed_counts=package.missed_counts,
        sold_by=by,
    )
    purchase.session_types.set(package.session_types.all())
    packages_settle(client=client)
    purchase.refresh_from_db(fields=["used"])
    return purchase


@transaction.atomic
def package_price_add(*, price: PackagePrice) -> PackagePrice | None:
    """Save a new price. When the package's price had no end yet, that one now runs until the
    day before (first: on PostgreSQL the exclusion constraint would refuse the overlap).
    Returns the price that was given an end, if any."""
    earlier = price.superseded().select_for_update().order_by("-valid_from").first()
    if earlier is not None:
        earlier.valid_until = price.valid_from - timedelta(days=1)
        earlier.save(update_fields=["valid_until"])
    price.save()
    return earlier


@transaction.atomic
def package_withdraw(*, purchase: PackagePurchase) -> None:
    """Undo a sale made by mistake. Refused while it is on a sent invoice (a credit invoice
    corrects that first); on a draft its line goes. Its strips come back: the appointments are
    then invoiced at the tariff, or use another card of the client."""
    # All the client's cards locked, in the order packages_settle locks them (one card first
    # and then the others could deadlock with a settle that holds those).
    locked = _locked_cards(purchase.client_id)
    purchase = next((card for card in locked if card.pk == purchase.pk), None)
    if purchase is None:
        raise ValidationError(_("Deze verkoop is al ingetrokken."))
    claim = Claim.objects.select_related("line").filter(key=purchase.claim_key).first()
    if claim is not None:
        invoice = Invoice.objects.select_for_update().get(pk=claim.line.invoice_id)
        if not invoice.is_draft:
            raise ValidationError(
                _(
                    "Deze strippenkaart staat op factuur %(number)s, die al is verstuurd. "
                    "Crediteer die factuur eerst; daarna kan de verkoop worden ingetrokken."
                )
                % {"number": invoice.number}
            )
        claim.line.delete()  # its claim goes with it
    client = purchase.client
    purchase.uses.all().delete()
    purchase.delete()
    packages_settle(client=client)


def _locked_cards(client_id: int) -> list[PackagePurchase]:
    """The client's cards, locked until the transaction ends, always in the order of their
    primary keys (so that two transactions that lock them never wait on each other in a
    circle)."""
    return list(
        PackagePurchase.objects.select_for_update()
        .filter(client_id=client_id)
        .order_by("pk")
        .prefetch_related("session_types")
    )


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _fits(appointment: Appointment, purchase: PackagePurchase, types: set[int]) -> bool:
    """Whether the card is for this appointment: its day and its type."""
    day = timezone.localdate(appointment.start)
    if not purchase.starts_on <= day <= purchase.valid_until:
        return False
    if types:
        return appointment.session_type_id in types
    return appointment.kind == Appointment.Kind.SESSION


def _counts(appointment: Appointment, purchase: PackagePurchase, types: set[int]) -> bool:
    """Whether this appointment uses a strip of this card (if one is left)."""
    if not _fits(appointment, purchase, types):
        return False
    if appointment.status == HELD:
        return True
    return (
        purchase.missed_counts
        and appointment.status in FEE_STATUSES
        and appointment.fee_waived_at is None
    )


# No savepoint of its own: it runs inside the caller's transaction (marking a session, making an
# invoice) and has nothing to undo on its own; `_take` has its savepoint.
@transaction.atomic(savepoint=False)
def packages_settle(*, client: Client) -> None:
    """Make the client's strips match their appointments as they are now (see the module's
    docstring). Idempotent: a second call changes nothing."""
    # Locked: two appointments of this client settled at once take strips one after the other.
    purchases = sorted(_locked_cards(client.pk), key=lambda p: (p.valid_until, p.pk))
    if not purchases:
        return
    types = {p.pk: {t.pk for t in p.session_types.all()} for p in purchases}
    by_pk = {p.pk: p for p in purchases}
    # Give back what no longer counts.
    for use in PackageUse.objects.filter(purchase__in=purchases).select_related("appointment"):
        purchase = by_pk[use.purchase_id]
        if not _counts(use.appointment, purchase, types[purchase.pk]):
            use.delete()
            PackagePurchase.objects.filter(pk=purchase.pk).update(used=F("used") - 1)
            purchase.used -= 1
    # Take a strip for what counts and has none, oldest appointment first.
    first = min(p.starts_on for p in purchases)
    last = max(p.valid_until for p in purchases)
    candidates = list(
        Appointment.objects.chargeable()
        .filter(
            traject__client=client,
            package_use__isnull=True,
            start__gte=_local_start(first),
            start__lt=_local_start(last + timedelta(days=1)),
        )
        .order_by("start", "pk")
    )
    claimed = set(
        Claim.objects.filter(key__in=[f"appointment:{a.uuid}" for a in candidates]).values_list(
            "key", flat=True
        )
    )
    for appointment in candidates:
        if f"appointment:{appointment.uuid}" in claimed:
            continue  # invoiced at the tariff already
        for purchase in purchases:
            fits = purchase.used < purchase.sessions
            if (
                fits
                and _counts(appointment, purchase, types[purchase.pk])
                and _take(purchase, appointment)
            ):
                break


def _take(purchase: PackagePurchase, appointment: Appointment) -> bool:
    """One strip of the purchase for the appointment; False when none was left after all, or
    the appointment has one already (a concurrent settle was first)."""
    try:
        with transaction.atomic():
            taken = PackagePurchase.objects.filter(pk=purchase.pk, used__lt=F("sessions")).update(
                used=F("used") + 1
            )
            if not taken:
                return False
            PackageUse.objects.create(purchase=purchase, appointment=appointment)
    except IntegrityError:
        return False
    purchase.used += 1
    return True


def settle_after_outcome(appointment: Appointment) -> str:
    """The calendar's hook (sessions.fees.outcome_changed): settle the appointment's client, if
    they ever bought a card (one query when not, the common case), and say what it meant for
    this appointment."""
    if appointment.traject_id is None:
        return ""
    card = PackagePurchase.objects.filter(client__trajects__pk=appointment.traject_id).first()
    if card is None:
        return ""
    packages_settle(client=card.client)
    use = PackageUse.objects.filter(appointment=appointment).select_related("purchase").first()
    if use is not None:
        return ngettext(
            "Er gaat een sessie af van de strippenkaart ‘%(name)s’: nog %(left)s over.",
            "Er gaat een sessie af van de strippenkaart ‘%(name)s’: nog %(left)s over.",
            use.purchase.left,
        ) % {"name": use.purchase.name, "left": use.purchase.left}
    if appointment.status == HELD and appointment.kind == Appointment.Kind.SESSION:
        return _(
            "Deze sessie gaat niet van een strippenkaart af (die is op, verlopen of geldt niet "
            "voor deze soort afspraak): ze wordt tegen het tarief gefactureerd."
        )
    return ""


def strip_for_fee(appointment: Appointment, status: str) -> str:
    """The calendar's question (sessions.fees.fee_covered): does a card pay the fee of a late
    cancellation or a no-show of this appointment, instead of an invoice? The card whose strip
    it has, if that card counts missed sessions; else a card that would give it one."""
    strip = PackageUse.objects.filter(appointment=appointment).select_related("purchase").first()
    if strip is not None and strip.purchase.missed_counts:
        card = strip.purchase
    else:
        cards = PackagePurchase.objects.filter(
            client__trajects__pk=appointment.traject_id,
            missed_counts=True,
            used__lt=F("sessions"),
        ).order_by("valid_until", "pk")
        card = next(
            (
                card
                for card in cards.prefetch_related("session_types")
                if _fits(appointment, card, {t.pk for t in card.session_types.all()})
            ),
            None,
        )
    if card is None:
        return ""
    return _("een sessie van de strippenkaart ‘%(name)s’") % {"name": card.name}


def register_packages() -> None:
    from sessions.fees import register_fee_cover, register_outcome_hook

    register_outcome_hook(settle_after_outcome)
    register_fee_cover(strip_for_fee)


def packages_overview(purchases: list[PackagePurchase], today: date | None = None) -> list:
    """Each purchase with what a page shows: used, left, valid or expired, lapsed strips, its
    uses by date. `purchases` come with `uses__appointment` prefetched."""
    today = today or timezone.localdate()
    for purchase in purchases:
        purchase.expired = purchase.is_expired(today)
        purchase.lapsed_count = purchase.lapsed(today)
        purchase.use_list = sorted(purchase.uses.all(), key=lambda u: u.appointment.start)
    return purchases
