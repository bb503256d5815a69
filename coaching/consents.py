"""Recording and withdrawing a client's consent for a third party (DESIGN.md §4.5)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coaching.models import Client, Consent, Guardian, ThirdParty, User


def consent_record(
    *,
    client: Client,
    third_party: ThirdParty,
    purpose: str,
    given_on: date,
    valid_until: date | None,
    given_by_guardian: Guardian | None,
    by: User,
) -> Consent:
    consent = Consent(
        client=client,
        third_party=third_party,
        purpose=purpose,
        given_on=given_on,
        valid_until=valid_until,
        given_by_guardian=given_by_guardian,
        recorded_by=by,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: User, on: date) -> bool:
    """Withdraw from the given day on. False when it was already withdrawn.

    Locks the row: a dossier entry that needs this consent waits for the withdrawal (or the
    withdrawal for the entry), so the two cannot cross.
    """
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        return False
    if on < consent.given_on:
        raise ValidationError(_("Intrekken kan niet vóór de datum van de toestemming."))
    consent.withdrawn_on = on
    consent.withdrawn_by = by
    consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
    return True
