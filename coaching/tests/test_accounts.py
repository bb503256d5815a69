"""allauth as configured: e-mail login, mandatory verification, password reset, no sign-up."""

import re
from datetime import timedelta

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.core.context import request_context
from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from coaching import outbox
from coaching.account_mail import ACCOUNT_GONE, RESET_EXPIRED, email_confirmation_record
from coaching.models import Client, Send
from coaching.tests.factories import TEST_PASSWORD, UserFactory


@pytest.mark.django_db
class TestLogin:
    def test_login_is_by_email_whatever_the_case(self, client, coachee):
        response = client.post(
            "/account/login/", {"login": coachee.email.upper(), "password": TEST_PASSWORD}
        )
        assert response["Location"] == "/portaal/"

    def test_unverified_address_cannot_log_in_and_gets_a_verification_mail(
        self, client, mailoutbox, django_capture_on_commit_callbacks
    ):
        user = UserFactory(email="nog-niet@praktijk.test", verified_email=False)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
        with django_capture_on_commit_callbacks(execute=True):  # the outbox hands it over
            response = client.post(
                "/account/login/", {"login": user.email, "password": TEST_PASSWORD}
            )
        assert response["Location"] == "/account/confirm-email/"
        assert "_auth_user_id" not in client.session
        assert len(mailoutbox) == 1
        key_url = re.search(r"http://testserver(/account/confirm-email/\S+/)", mailoutbox[0].body)
        client.post(key_url.group(1))
        assert EmailAddress.objects.get(user=user).verified

    def test_there_is_no_public_sign_up(self, client):
        response = client.post(
            "/account/signup/",
            {"email": "nieuw@praktijk.test", "password1": "x" * 12, "password2": "x" * 12},
        )
        assert response.status_code == 200
        assert "account/signup_closed.html" in [t.name for t in response.templates]
        assert not EmailAddress.objects.filter(email="nieuw@praktijk.test").exists()


@pytest.mark.django_db
class TestPasswordReset:
    def test_reset_by_mail_link(
        self, client, coachee, mailoutbox, django_capture_on_commit_callbacks
    ):
        """Request → an outbox row without a secret → the worker writes and sends the mail, its
        link made then → the link sets a new password."""
        with django_capture_on_commit_callbacks() as handed_over:
            response = client.post("/account/password/reset/", {"email": coachee.email})
        assert response.status_code == 302
        assert mailoutbox == []  # not from the request
        send = Send.objects.get()
        assert (send.kind, send.status) == (Send.Kind.ACCOUNT_MAIL, Send.Status.PENDING)
        assert send.context == {
            "template": "account/email/password_reset_key",
            "email": coachee.email,
            "user": coachee.pk,
        }
        for deliver in handed_over:  # the worker (eager in the tests)
            deliver()
        send.refresh_from_db()
        assert send.status == Send.Status.SENT and send.recipients == [coachee.email]
        (mail,) = mailoutbox
        assert mail.subject == "[Praktijk] Nieuw wachtwoord"
        assert mail.extra_headers["Message-ID"].startswith(f"<send.{send.pk}.0.")
        link = re.search(r"http://testserver(/account/password/reset/key/\S+/)", mail.body)
        assert link.group(1).split("/")[-2] not in str(send.context) + send.subject
        response = client.get(link.group(1))  # allauth moves the key into the session
        form_url = response["Location"]
        new = "een-heel-nieuw-wachtwoord"
        response = client.post(form_url, {"password1": new, "password2": new})
        assert response.status_code == 302
        coachee.refresh_from_db()
        assert coachee.check_password(new)
        # The link works once: the new password changed what its token hashes.
        again = client.get(link.group(1), follow=True)
        assert again.context["token_fail"] is True

    def test_the_mail_is_in_the_accounts_language(
        self, client, coachee, mailoutbox, django_capture_on_commit_callbacks
    ):
        coachee.language = "en"
        coachee.save(update_fields=["language"])
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/account/password/reset/", {"email": coachee.email})
        assert mailoutbox[0].subject == "[Praktijk] Password Reset Email"

    def test_a_request_left_waiting_too_long_sends_no_link(
        self, client, coachee, mailoutbox, settings
    ):
        client.post("/account/password/reset/", {"email": coachee.email})
        send = Send.objects.get()
        age = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
        Send.objects.filter(pk=send.pk).update(created_at=send.created_at - age)
        outbox.deliver([send.pk])
        send.refresh_from_db()
        assert (send.status, send.error) == (Send.Status.SKIPPED, RESET_EXPIRED)
        assert mailoutbox == []

    def test_unknown_address_reveals_nothing(self, client, coachee):
        known = client.post("/account/password/reset/", {"email": coachee.email})
        unknown = client.post("/account/password/reset/", {"email": "onbekend@praktijk.test"})
        assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
        assert unknown["Location"] == "/account/password/reset/done/"

    def test_an_unknown_address_is_told_in_the_language_of_the_page(
        self, client, db, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.cookies["django_language"] = "en"
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/account/password/reset/", {"email": "onbekend@praktijk.test"})
        send = Send.objects.get()
        assert send.client is None and send.context["language"] == "en"
        (mail,) = mailoutbox
        assert mail.to == ["onbekend@praktijk.test"]
        assert mail.subject == "[Praktijk] Unknown Account"
        assert "http://testserver/account/signup/" in mail.body


@pytest.mark.django_db
class TestAllauthMailThroughTheOutbox:
    """Every e-mail of allauth goes through the adapter's send_mail into the outbox."""

    def test_a_security_notice_keeps_plain_values_and_names_the_client(
        self, coachee, mailoutbox, django_capture_on_commit_callbacks, settings
    ):
        settings.ACCOUNT_EMAIL_NOTIFICATIONS = True  # off in the practice's settings
        request = RequestFactory().get("/", HTTP_USER_AGENT="Testbrowser")
        with django_capture_on_commit_callbacks(execute=True), request_context(request):
            adapter = get_adapter(request)
            adapter.send_notification_mail(
                "account/email/email_changed",
                coachee,
                {"from_email": coachee.email, "to_email": "nieuw@praktijk.test"},
                email=coachee.email,
            )
        send = Send.objects.get()
        assert send.kind == Send.Kind.ACCOUNT_MAIL
        assert send.client == Client.objects.get(account=coachee)
        assert send.context["to_email"] == "nieuw@praktijk.test"
        assert send.context["user_agent"] == "Testbrowser"
        assert send.context["datetimes"] == ["timestamp"]
        (mail,) = mailoutbox
        assert mail.to == [coachee.email] and mail.subject == "[Praktijk] E-mailadres gewijzigd"
        assert "nieuw@praktijk.test" in mail.body and "Testbrowser" in mail.body

    def test_a_verification_mail_of_a_clients_account_names_the_client(self, coachee):
        address = EmailAddress.objects.create(user=coachee, email="nieuw@praktijk.test")
        email_confirmation_record(address)
        send = Send.objects.get()
        assert (send.kind, send.client) == (
            Send.Kind.EMAIL_CONFIRMATION,
            Client.objects.get(account=coachee),
        )

    def test_a_parent_who_is_a_client_too_is_named_as_the_client_not_as_the_child(
        self, coach_a, coach_b
    ):
        """Their own coach sees the mails about their account, not the coach of their child
        (whose record may well be the older one)."""
        from coaching.tests.factories import ClientFactory, GuardianFactory

        child = ClientFactory(coach=coach_b)
        parent = UserFactory(email="ouder-en-client@praktijk.test")
        own = ClientFactory(coach=coach_a, account=parent)
        GuardianFactory(client=child, account=parent)
        assert child.pk < own.pk
        get_adapter().send_mail("account/email/password_changed", parent.email, {"user": parent})
        assert Send.objects.get().client == own

    def test_a_mail_with_a_code_is_refused_not_stored(self, coachee):
        with pytest.raises(ImproperlyConfigured):
            get_adapter().send_mail("account/email/login_code", coachee.email, {"code": "123456"})
        assert not Send.objects.exists()

    def test_the_settings_keep_the_code_mails_off(self, settings):
        for name in (
            "ACCOUNT_LOGIN_BY_CODE_ENABLED",
            "ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED",
            "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED",
        ):
            assert not getattr(settings, name, False), name

    def test_an_account_deleted_meanwhile_gets_nothing(self, coachee, mailoutbox):
        other = UserFactory(email="weg@praktijk.test")
        get_adapter().send_mail("account/email/password_changed", other.email, {"user": other})
        send = Send.objects.get()
        other.delete()
        outbox.deliver([send.pk])
        send.refresh_from_db()
        assert (send.status, send.error) == (Send.Status.SKIPPED, ACCOUNT_GONE)
        assert mailoutbox == []


@pytest.mark.django_db
def test_activating_totp_also_creates_recovery_codes(client):
    from coaching.tests.factories import CoachFactory
    from coaching.tests.test_mfa import current_code, password_login, reauthenticate

    coach = CoachFactory()
    password_login(client, coach)
    reauthenticate(client)
    secret = client.get("/account/2fa/totp/activate/").context["form"].secret
    response = client.post("/account/2fa/totp/activate/", {"code": current_code(secret)})
    assert response["Location"] == "/account/2fa/recovery-codes/"
    types = set(Authenticator.objects.filter(user=coach).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}


@pytest.mark.django_db
class TestNavigation:
    def nav(self, client, user) -> str:
        client.force_login(user)
        html = client.get("/").content.decode()
        return html[html.index("<nav") : html.index("</nav>")]

    def test_coach(self, client, coach_a):
        nav = self.nav(client, coach_a)
        assert 'href="/coach/"' in nav and 'href="/uitnodigingen/"' in nav
        assert 'href="/beheer/' not in nav and 'href="/portaal/"' not in nav

    def test_client(self, client, guardian):
        nav = self.nav(client, guardian)
        assert 'href="/portaal/"' in nav
        assert 'href="/coach/"' not in nav and 'href="/uitnodigingen/"' not in nav

    def test_admin(self, client, admin_user):
        nav = self.nav(client, admin_user)
        assert 'href="/beheer/status/"' in nav and 'href="/beheer/"' in nav
        assert 'href="/coach/"' not in nav

    def test_anonymous(self, client, db):
        html = client.get("/").content.decode()
        assert 'href="/account/login/"' in html


@pytest.mark.django_db
def test_a_failed_login_is_announced(client, coachee):
    response = client.post("/account/login/", {"login": coachee.email, "password": "fout"})
    html = response.content.decode()
    assert 'class="alert alert-block alert-danger" role="alert"' in html
    assert "Het door jou opgegeven e-mailadres en/of wachtwoord is niet correct." in html


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nobody listens


@pytest.mark.django_db
def test_a_login_that_needs_a_verification_is_no_error_when_the_mail_server_is_down(
    client, settings, django_capture_on_commit_callbacks
):
    """The verification e-mail goes through the outbox: the login page answers, says what
    happens, and the row waits for the worker to try again (it was a 500)."""
    from coaching.account_mail import EMAIL_CONFIRMATION
    from coaching.models import Send

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }
    user = UserFactory(email="nog-niet@praktijk.test", verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    with django_capture_on_commit_callbacks(execute=True):  # the worker's attempt fails
        response = client.post(
            "/account/login/", {"login": user.email, "password": TEST_PASSWORD}, follow=True
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bevestig je e-mailadres" in page
    assert "We sturen een e-mail met een bevestigingslink naar nog-niet@praktijk.test" in page
    send = Send.objects.get(kind=EMAIL_CONFIRMATION)
    assert send.status == Send.Status.PENDING and "Connection refused" in send.error
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_first_admin_made_on_the_command_line_can_log_in(client, monkeypatch):
    """docs/production.md: `createsuperuser` with its required fields; the address is taken as
    verified, so the login goes on to setting up the second factor, not to a verification."""
    from django.core.management import call_command

    from coaching.models import User

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "een-lang-wachtwoord-2026")
    call_command(
        "createsuperuser",
        "--noinput",
        email="Eigenaar@Praktijk.Example",
        first_name="Sanne",
        last_name="Smit",
    )
    admin = User.objects.get(email="eigenaar@praktijk.example")
    assert admin.is_staff and admin.is_superuser and admin.role == "admin"
    assert EmailAddress.objects.get(user=admin).verified
    response = client.post(
        "/account/login/",
        {"login": "eigenaar@praktijk.example", "password": "een-lang-wachtwoord-2026"},
    )
    assert response.status_code == 302
    assert "confirm-email" not in response["Location"]
    assert client.session["_auth_user_id"] == str(admin.pk)
