"""Recording and withdrawing a client's consent for a third party (DESIGN.md §4.5).

`consent_record` is the one place a consent is given: a parent gives it for a child only with
parental authority (asked, never assumed: Guardian.has_parental_authority). A withdrawal by the
client or a parent reaches the coach: on the dashboard (trajects' *Vandaag*) and in an e-mail
through the outbox that says only that a consent was withdrawn, with the client's first name and
a link (DESIGN.md §7)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coaching.emails import templated_message
from coaching.models import Client, Consent, Guardian, Send, ThirdParty, User
from coaching.outbox import one_by_one, outbox_add, register

CONSENT_WITHDRAWN = Send.Kind.CONSENT_WITHDRAWN
NOT_WITHDRAWN = gettext_noop("De toestemming is niet (meer) ingetrokken, of de cliënt is gewist.")


@transaction.atomic
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
    """Record a consent; a ValidationError (per field) says why it cannot be given."""
    if given_by_guardian is not None:
        # Locked and read again: a coach who records at this moment that this parent has no
        # parental authority (guardian_edit) waits for this consent, or this consent sees it.
        given_by_guardian = (
            Guardian.objects.select_for_update().filter(pk=given_by_guardian.pk).first()
        )
        if given_by_guardian is None:
            raise ValidationError(
                {"given_by_guardian": _("Deze ouder/verzorger bestaat niet meer.")}
            )
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
    withdrawal for the entry), so the two cannot cross. A withdrawal by someone else than the
    coach (the client or a parent, in the portal) is mailed to the coach, in this transaction.
    """
    consent = Consent.objects.select_for_update().select_related("client").get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        return False
    if on < consent.given_on:
        raise ValidationError(_("Intrekken kan niet vóór de datum van de toestemming."))
    consent.withdrawn_on = on
    consent.withdrawn_by = by
    consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
    if by is None or by.pk != consent.client.coach_id:
        outbox_add(
            [(f"consent:{consent.pk}", CONSENT_WITHDRAWN, timezone.now())], client=consent.client
        )
    return True


def compose_consent_withdrawn(send: Send) -> EmailMessage | str:
    """To the coach: a consent was withdrawn, with the client's first name and a link; not the
    party, not the purpose."""
    pk = int(send.subject.removeprefix("consent:"))
    consent = (
        Consent.objects.select_related("client__coach")
        .filter(pk=pk, withdrawn_on__isnull=False, client__erased_on__isnull=True)
        .first()
    )
    if consent is None:
        return NOT_WITHDRAWN
    client = consent.client
    coach = client.coach
    return templated_message(
        "consent_withdrawn",
        to=coach.email,
        language=coach.language,
        context={
            "first_name": coach.first_name,
            "client_first_name": client.first_name,
            "url": settings.SITE_URL + reverse("client_detail", args=[client.uuid]),
        },
    )


def register_composers() -> None:
    register(CONSENT_WITHDRAWN, one_by_one(compose_consent_withdrawn))
