"""What an appointment that did not take place costs the client: the fee rule's one place.

Only the client's own late cancellation (or a parent's, for a child) and a no-show may be
charged, at the tariff for it valid on the appointment's day; a cancellation by the coach or the
practice, however late, costs the client nothing; and the coach can waive a fee with a reason
until it is on an invoice that was sent. billing.items prices what this module says may be
charged.

The calendar sits below billing (DESIGN.md §3): it does not know invoices. Billing registers a
guard here (in its AppConfig.ready()) that says whether a fee is on an invoice already, and
takes it off a draft when the fee is waived.
"""

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.models import Component, Tariff, User, tariff_for
from coaching.templatetags.money import money
from sessions.models import FEE_STATUSES, Appointment

# The appointment's kind → the component of the practice's work it is priced as.
COMPONENT_OF_KIND = {
    Appointment.Kind.KENNISMAKING: Component.KENNISMAKING,
    Appointment.Kind.INTAKE: Component.INTAKE,
    Appointment.Kind.SESSION: Component.SESSION,
    Appointment.Kind.EVALUATION: Component.SESSION,
    Appointment.Kind.THIRD_PARTY: Component.THIRD_PARTY,
    Appointment.Kind.OBSERVATION: Component.OBSERVATION,
}
# A status that is charged as something else than the work itself.
COMPONENT_OF_STATUS = {
    Appointment.Status.CANCELLED_LATE: Component.LATE_CANCEL,
    Appointment.Status.NO_SHOW: Component.NO_SHOW,
}


def fee_tariff(
    appointment: Appointment, status: str, *, among: list[Tariff] | None = None
) -> Tariff | None:
    """The tariff of the fee for `status` (a late cancellation or a no-show) of this
    appointment on its day; None when there is none, or when the appointment itself costs
    nothing (a free kennismaking is not charged for either)."""
    if appointment.kind not in COMPONENT_OF_KIND or status not in COMPONENT_OF_STATUS:
        return None
    day = timezone.localdate(appointment.start)
    minutes = appointment.duration_minutes
    own = tariff_for(COMPONENT_OF_KIND[appointment.kind], on=day, minutes=minutes, among=among)
    if own is not None and own.price == 0:
        return None
    return tariff_for(COMPONENT_OF_STATUS[status], on=day, minutes=minutes, among=among)


def costs_nothing(appointment: Appointment) -> bool:
    """Missing this appointment (late, or not at all) costs nobody anything, whatever the fee
    tariffs say: there is no client to charge, its kind is not priced, or the appointment
    itself is free on its day (a free kennismaking). billing.items leaves such a fee off the
    invoice in the same way, so the pages must not announce one (nor offer to waive it)."""
    if appointment.traject_id is None or appointment.kind not in COMPONENT_OF_KIND:
        return True
    own = tariff_for(
        COMPONENT_OF_KIND[appointment.kind],
        on=timezone.localdate(appointment.start),
        minutes=appointment.duration_minutes,
    )
    return own is not None and own.price == 0


# cover(appointment, status) → "" or what pays the fee instead of an invoice ("een sessie van
# de strippenkaart ‘6 sessies’"): registered by billing (a card that counts missed sessions).
FeeCover = Callable[[Appointment, str], str]
_covers: list[FeeCover] = []


def register_fee_cover(cover: FeeCover) -> None:
    if cover not in _covers:
        _covers.append(cover)


def fee_covered(appointment: Appointment, status: str) -> str:
    """What pays the fee for `status` instead of an invoice ("" when nothing does)."""
    if status not in COMPONENT_OF_STATUS or appointment.traject_id is None:
        return ""
    return next((text for cover in _covers if (text := cover(appointment, status))), "")


def fee_text(appointment: Appointment, status: str) -> str:
    """What the fee for `status` comes to, for a page: "€ 50,00"; "geen kosten" for what costs
    nothing itself (a free kennismaking); a session of the client's strippenkaart when a card
    pays it; or that the tariff is still to be set."""
    if status not in COMPONENT_OF_STATUS or costs_nothing(appointment):
        return _("geen kosten")
    if covered := fee_covered(appointment, status):
        return covered
    tariff = fee_tariff(appointment, status)
    if tariff is not None:
        return money(tariff.price_incl_vat)
    return _("het tarief daarvoor (de beheerder stelt het nog in)")


# --- The invoice's say (registered by billing) ------------------------------------------------

# guard(appointment, release=...) → a sentence for the coach ("" when the fee is on no
# invoice); raises ValidationError when waiving is no longer possible (a sent invoice). With
# release=True it also takes the fee off a draft invoice, inside the caller's transaction.
FeeGuard = Callable[..., str]
_guards: list[FeeGuard] = []


def register_fee_guard(guard: FeeGuard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def fee_invoice_notes(
    appointment: Appointment, *, release: bool = False, change: bool = False
) -> list[str]:
    """What the registered guards say about the fee (ValidationError: it cannot be waived).
    `change`: not a waiver but another outcome (held ↔ no-show) of an appointment whose line
    may be on an invoice; the same rule, in its own words."""
    notes = [guard(appointment, release=release, change=change) for guard in _guards]
    return [note for note in notes if note]


# hook(appointment) → a sentence for the coach ("" for nothing to say): what the appointment's
# outcome (held, missed, cancelled late, a fee waived) means to a higher app, in the caller's
# transaction. Billing registers one that takes a strip of the client's strippenkaart, or gives
# it back (billing.services.packages).
OutcomeHook = Callable[[Appointment], str]
_outcome_hooks: list[OutcomeHook] = []


def register_outcome_hook(hook: OutcomeHook) -> None:
    if hook not in _outcome_hooks:
        _outcome_hooks.append(hook)


def outcome_changed(appointment: Appointment) -> list[str]:
    """Tell the registered hooks that what the appointment costs may have changed; what they
    say to the coach."""
    notes = [hook(appointment) for hook in _outcome_hooks]
    return [note for note in notes if note]


def waivable(appointment: Appointment) -> bool:
    """A fee to waive: a late cancellation or a no-show, not waived yet, that costs something."""
    return (
        appointment.status in FEE_STATUSES
        and not appointment.fee_waived
        and not costs_nothing(appointment)
    )


@transaction.atomic
def appointment_waive_fee(
    *, appointment: Appointment, by: User, reason: str, now: datetime | None = None
) -> tuple[Appointment, list[str]]:
    """The coach waives the fee of a late cancellation or a no-show, with a reason. Refused once
    the fee is on a sent invoice (a credit invoice corrects that); on a draft, its line is taken
    off. Returns the appointment and what happened to an invoice."""
    # Locked: a waiver and a second one, or a re-marking of the appointment, one after another.
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.fee_waived:
        raise ValidationError(_("De kosten zijn al kwijtgescholden."), code="already")
    if appointment.status not in FEE_STATUSES:
        raise ValidationError(
            _("Alleen een te late afzegging of een no-show heeft kosten om kwijt te schelden."),
            code="no_fee",
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Schrijf op waarom de kosten vervallen."), code="reason")
    notes = fee_invoice_notes(appointment, release=True)
    appointment.fee_waived_reason = reason
    appointment.fee_waived_by = by
    appointment.fee_waived_at = now or timezone.now()
    appointment.save(
        update_fields=["fee_waived_reason", "fee_waived_by", "fee_waived_at", "updated_at"]
    )
    notes += outcome_changed(appointment)  # a strip it used comes back
    return appointment, notes
