"""allauth's e-mail verification through the outbox: a login or an address change that needs a
verification never waits for the mail server, and never fails because it is unreachable (it was
a 500). The row is written in the request's transaction; a worker sends it, tries again after a
passing trouble, and the admin sees it under *Verzendingen*.

The link is made when the message is written, not stored: allauth's key is an HMAC of the
address's id (valid for ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS), so no secret sits in the
outbox."""

import time

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from coaching.emails import templated_message
from coaching.models import Send
from coaching.outbox import one_by_one, outbox_add, register

EMAIL_CONFIRMATION = "email_confirmation"
GONE = gettext_noop("Het adres bestaat niet meer.")
VERIFIED = gettext_noop("Het adres is al bevestigd.")


def email_confirmation_record(address: EmailAddress) -> None:
    # One row per request (allauth allows a new one every few minutes, ACCOUNT_RATE_LIMITS).
    subject = f"emailaddress:{address.pk}:{time.time_ns()}"
    outbox_add([(subject, EMAIL_CONFIRMATION, timezone.now())])


def compose_email_confirmation(send: Send) -> EmailMessage | str:
    pk = int(send.subject.split(":")[1])
    address = EmailAddress.objects.select_related("user").filter(pk=pk).first()
    if address is None:
        return GONE
    if address.verified:
        return VERIFIED
    key = EmailConfirmationHMAC(address).key
    return templated_message(
        "email_confirmation",
        to=address.email,
        language=address.user.language,
        context={
            "first_name": address.user.first_name,
            "email": address.email,
            "url": settings.SITE_URL + reverse("account_confirm_email", args=[key]),
            "days": settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS,
        },
    )


def register_composers() -> None:
    register(EMAIL_CONFIRMATION, one_by_one(compose_email_confirmation))
