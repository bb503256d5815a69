"""allauth as configured: e-mail login, mandatory verification, password reset, no sign-up."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

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
    def test_reset_by_mail_link(self, client, coachee, mailoutbox):
        response = client.post("/account/password/reset/", {"email": coachee.email})
        assert response.status_code == 302
        assert len(mailoutbox) == 1
        link = re.search(r"http://testserver(/account/password/reset/key/\S+/)", mailoutbox[0].body)
        response = client.get(link.group(1))  # allauth moves the key into the session
        form_url = response["Location"]
        new = "een-heel-nieuw-wachtwoord"
        response = client.post(form_url, {"password1": new, "password2": new})
        assert response.status_code == 302
        coachee.refresh_from_db()
        assert coachee.check_password(new)

    def test_unknown_address_reveals_nothing(self, client, coachee):
        known = client.post("/account/password/reset/", {"email": coachee.email})
        unknown = client.post("/account/password/reset/", {"email": "onbekend@praktijk.test"})
        assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
        assert unknown["Location"] == "/account/password/reset/done/"


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
