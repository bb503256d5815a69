"""django-allauth customisation (through its adapter, not by copying its views)."""

from collections.abc import Callable

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from coaching.roles import home_url_for

# Who hears that allauth refused a login attempt over its rate limits (allauth sends no signal
# for it): the audit log registers itself here in its AppConfig.ready(), as the core does not
# import the layers above it.
LOGIN_BLOCKED: list[Callable[[HttpRequest, dict], None]] = []


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by invitation from a coach or the admin; prospects ask for a
        # kennismaking on the public site instead of signing up.
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return home_url_for(request.user)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every other allauth e-mail (the password reset, the security notices, "no account with
        this address") through the outbox as well (coaching/account_mail.py): a row in the
        request's transaction, its link made when a worker writes the message."""
        from coaching.account_mail import account_mail_record

        account_mail_record(template_prefix, email, context)

    def send_notification_mail(self, template_prefix: str, user, context=None, email=None):
        """allauth passes the account on to send_mail for none of its notices: add it (the
        message's language, the client the row concerns)."""
        context = {**(context or {}), "user": user}
        return super().send_notification_mail(template_prefix, user, context, email)

    def send_confirmation_mail(self, request: HttpRequest, emailconfirmation, signup: bool):
        """Through the outbox (coaching/account_mail.py), not from the request: an unreachable
        mail server must not turn a login into an error."""
        from coaching.account_mail import email_confirmation_record

        email_confirmation_record(emailconfirmation.email_address)

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        """allauth refuses a login attempt over its rate limits here; the audit log notes it."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            for listener in LOGIN_BLOCKED:
                listener(request, credentials)
            raise
