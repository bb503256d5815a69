"""allauth's e-mails through the outbox: a login, a password reset or an address change never
waits for the mail server, and never fails because it is unreachable (it was a 500). The row is
written in the request's transaction; a worker sends it, tries again after a passing trouble,
and the admin sees it under *Verzendingen*.

No secret sits in the outbox: the links are made when the message is written. The verification
key is an HMAC of the address's id (valid for ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS); the
password reset's token is made by allauth's own generator from the account (valid for
PASSWORD_RESET_TIMEOUT, and only until the password changes). The other mails (the security
notices, "no account with this address") keep the template, the account and the plain values
allauth gave them (an address that was changed, the time); they are rendered with allauth's
templates by its adapter, in the account's language."""

import time
from datetime import datetime, timedelta
from types import SimpleNamespace
from urllib.parse import quote, urlparse

from allauth.account.adapter import get_adapter
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from coaching.emails import templated_message
from coaching.models import Send, User
from coaching.outbox import one_by_one, outbox_send, register
from coaching.services.accounts import client_of_account

EMAIL_CONFIRMATION = "email_confirmation"
GONE = gettext_noop("Het adres bestaat niet meer.")
VERIFIED = gettext_noop("Het adres is al bevestigd.")
ACCOUNT_GONE = gettext_noop("Het account bestaat niet meer of is uitgeschakeld.")
RESET_EXPIRED = gettext_noop("Het verzoek is verlopen: de link zou niet meer werken.")

PASSWORD_RESET_KEY = "account/email/password_reset_key"
# Links allauth puts in a mail, made again when it is written (the pages' URL names).
LINKS = {
    "account/email/account_already_exists": {
        "signup_url": "account_signup",
        "password_reset_url": "account_reset_password",
    },
    "account/email/unknown_account": {"signup_url": "account_signup"},
}
# What allauth passes that is not kept: secrets (made again, or refused), the request, and what
# the row holds otherwise (the account, the address) or the message gets anew (the site).
NOT_KEPT = {"key", "uid", "password_reset_url", "activate_url", "signup_url", "request"}
NOT_KEPT |= {"user", "email", "current_site", "username"}


def email_confirmation_record(address: EmailAddress) -> None:
    # One row per request (allauth allows a new one every few minutes, ACCOUNT_RATE_LIMITS).
    subject = f"emailaddress:{address.pk}:{time.time_ns()}"
    outbox_send(subject, EMAIL_CONFIRMATION, client=client_of_account(address.user))


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


def account_mail_record(template_prefix: str, email: str, context: dict) -> None:
    """An e-mail of allauth (its adapter's send_mail) as an ACCOUNT_MAIL row: the template, the
    account (when there is one), the address and the plain values of its context."""
    if "code" in context:
        # A code by e-mail (login or reset by code) lives in the session only: it could not be
        # made again, and must not be stored. Those allauth settings stay off.
        raise ImproperlyConfigured(f"{template_prefix}: codes by e-mail are not sent")
    user = context.get("user")
    if not isinstance(user, User):
        user = User.objects.filter(email__iexact=email).first()
    values: dict = {"template": template_prefix, "email": email}
    if user is not None:
        values["user"] = user.pk
    else:  # nobody's account: the language of the page that asked for it
        values["language"] = translation.get_language() or settings.LANGUAGE_CODE
    for key, value in context.items():
        if key in NOT_KEPT:
            continue
        if isinstance(value, datetime):
            values.setdefault("datetimes", []).append(key)
            value = value.isoformat()
        if isinstance(value, str | int | float | bool) or value is None:
            values[key] = value
    outbox_send(
        f"accountmail:{user.pk if user else '-'}:{time.time_ns()}",
        Send.Kind.ACCOUNT_MAIL,
        client=client_of_account(user),
        context=values,
    )


def compose_account_mail(send: Send) -> EmailMessage | str:
    """allauth's message, as its adapter renders it (its templates, subject prefix and sender),
    in the account's language; the links made now."""
    values = dict(send.context)
    template, email = values.pop("template"), values.pop("email")
    user = None
    if "user" in values:
        user = User.objects.filter(pk=values.pop("user"), is_active=True).first()
        if user is None:
            return ACCOUNT_GONE
    language = user.language if user else values.pop("language", settings.LANGUAGE_CODE)
    for key in values.pop("datetimes", []):
        values[key] = datetime.fromisoformat(values[key])
    host = urlparse(settings.SITE_URL).netloc
    # What allauth's send_mail adds: the address, and the site (a RequestSite: the host).
    context = {"email": email, "current_site": SimpleNamespace(name=host, domain=host), **values}
    if user is not None:
        context["user"] = user
    for name, url_name in LINKS.get(template, {}).items():
        context[name] = settings.SITE_URL + reverse(url_name)
    if template == PASSWORD_RESET_KEY:
        if user is None:
            return ACCOUNT_GONE
        if timezone.now() - send.created_at > timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT):
            return RESET_EXPIRED
        context["password_reset_url"] = password_reset_url(user)
    with translation.override(language):
        return get_adapter().render_mail(template, email, context)


def password_reset_url(user: User) -> str:
    """The link of allauth's password reset mail, as allauth makes it (its token generator, its
    URL with the account's id and the token as one key)."""
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return settings.SITE_URL + path.replace("UID-KEY", quote(key))


def register_composers() -> None:
    register(EMAIL_CONFIRMATION, one_by_one(compose_email_confirmation))
    register(Send.Kind.ACCOUNT_MAIL, one_by_one(compose_account_mail))
