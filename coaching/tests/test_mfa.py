import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time

from coaching.tests.factories import TEST_PASSWORD, AdminFactory, CoachFactory

ACTIVATE_URL = "/account/2fa/totp/activate/"


def password_login(client, user) -> None:
    """Log in through allauth's form (force_login would skip what allauth records at login)."""
    response = client.post("/account/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content


def reauthenticate(client) -> None:
    """allauth asks for the password once more before an authenticator is added (on purpose: a
    borrowed session cannot attach someone else's authenticator app)."""
    response = client.post("/account/reauthenticate/", {"password": TEST_PASSWORD})
    assert response.status_code == 302, response.content


def current_code(secret: str) -> str:
    counter = next(yield_hotp_counters_from_time())
    return f"{hotp_value(secret, counter):06d}"


@pytest.mark.django_db
class TestEnforcement:
    @pytest.mark.parametrize("factory", [CoachFactory, AdminFactory])
    @pytest.mark.parametrize("path", ["/coach/", "/portaal/", "/uitnodigingen/", "/beheer/", "/"])
    def test_coach_or_admin_without_second_factor_is_sent_to_setup(self, client, factory, path):
        client.force_login(factory())
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"{ACTIVATE_URL}?next={path.replace('/', '%2F')}"

    def test_setup_page_itself_and_logout_stay_reachable(self, client):
        password_login(client, CoachFactory())
        reauthenticate(client)
        assert client.get(ACTIVATE_URL).status_code == 200
        assert client.post("/account/logout/").status_code == 302
        assert "_auth_user_id" not in client.session

    def test_post_without_second_factor_changes_nothing(self, client):
        from coaching.models import Client, User

        client.force_login(CoachFactory())
        response = client.post(
            "/uitnodigingen/client/",
            {
                "invite_for": "adult",
                "first_name": "X",
                "last_name": "Y",
                "email": "x@praktijk.test",
                "language": "nl",
                "date_of_birth": "1990-01-01",
            },
        )
        assert response["Location"] == ACTIVATE_URL
        assert not User.objects.filter(email="x@praktijk.test").exists()
        assert not Client.objects.exists()

    def test_htmx_request_is_redirected_by_header(self, client):
        client.force_login(CoachFactory())
        response = client.get("/coach/", headers={"HX-Request": "true"})
        assert response.status_code == 204
        assert response["HX-Redirect"].startswith(ACTIVATE_URL)

    def test_coach_with_authenticator_passes(self, client, coach_a):
        client.force_login(coach_a)
        assert client.get("/coach/").status_code == 200

    def test_client_account_is_not_forced(self, client, coachee):
        client.force_login(coachee)
        assert client.get("/portaal/").status_code == 200

    def test_setting_turns_enforcement_off(self, client, settings):
        settings.PRAKTIJK_REQUIRE_MFA = False
        client.force_login(CoachFactory())
        assert client.get("/coach/").status_code == 200

    def test_activating_totp_with_a_computed_code_opens_the_dashboard(self, client):
        coach = CoachFactory()
        password_login(client, coach)
        assert client.get(ACTIVATE_URL)["Location"].startswith("/account/reauthenticate/")
        reauthenticate(client)
        page = client.get(ACTIVATE_URL)
        secret = page.context["form"].secret
        response = client.post(ACTIVATE_URL, {"code": current_code(secret)})
        assert response.status_code == 302
        assert Authenticator.objects.filter(user=coach, type=Authenticator.Type.TOTP).exists()
        assert client.get("/coach/").status_code == 200

    def test_wrong_code_is_refused_with_a_message(self, client):
        coach = CoachFactory()
        password_login(client, coach)
        reauthenticate(client)
        response = client.post(ACTIVATE_URL, {"code": "000000"})
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not Authenticator.objects.filter(user=coach).exists()


@pytest.mark.django_db
class TestLoginWithSecondFactor:
    def test_password_then_code(self, client, coach_a):
        from coaching.tests.factories import give_totp

        Authenticator.objects.filter(user=coach_a).delete()
        secret = give_totp(coach_a)
        response = client.post(
            "/account/login/", {"login": coach_a.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == "/account/2fa/authenticate/"
        assert "_auth_user_id" not in client.session  # not logged in before the code
        response = client.post("/account/2fa/authenticate/", {"code": current_code(secret)})
        assert response["Location"] == "/coach/"
        assert client.get("/coach/").status_code == 200

    def test_admin_login_goes_through_allauth(self, client):
        response = client.get("/beheer/")
        assert response.status_code == 302
        assert response["Location"].startswith("/beheer/login/")
        response = client.get(response["Location"])
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/?next=")


# What a coach or admin without a second factor may still open; everything else sends them to
# the setup. A name added to MFA_SETUP_URL_NAMES without being listed here fails this test.
EXEMPT = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_add_webauthn",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "account_logout",
    "account_email_verification_sent",
    "account_confirm_email",
    "set_language",
    "healthz",
    "favicon",
}


def test_exempt_pages_are_exactly_the_setup_and_its_way_out():
    from coaching.middleware import MFA_SETUP_URL_NAMES

    assert MFA_SETUP_URL_NAMES == EXEMPT


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coach", "admin"])
def test_every_other_url_sends_them_to_the_setup(client, role):
    from django.urls import reverse

    from coaching.tests.test_permissions import ADMIN_KWARGS, ALLAUTH_KWARGS, all_url_patterns

    user = CoachFactory() if role == "coach" else AdminFactory()
    client.force_login(user)
    kwargs_pool = {
        **ADMIN_KWARGS,
        **ALLAUTH_KWARGS,
        "invitation": "00000000-0000-0000-0000-000000000000",
        "token": "x-y",
        **dict.fromkeys(
            ["client", "guardian", "consent", "traject", "entry"],
            "00000000-0000-0000-0000-000000000000",
        ),
        "step": "stop",
        "appointment": "00000000-0000-0000-0000-000000000000",
        "session_type": 1,
        "feed_token": "x",
        "group": "00000000-0000-0000-0000-000000000000",
        "message": "00000000-0000-0000-0000-000000000000",
        "meeting": "00000000-0000-0000-0000-000000000000",
        "turn": "00000000-0000-0000-0000-000000000000",
        "evaluation": "00000000-0000-0000-0000-000000000000",
        "link_token": "x",
        "key": "client",
        "agreement_token": "x",
        **dict.fromkeys(
            [
                "invoice",
                "line",
                "quote",
                "quote_request",
                "purchase",
                "waitlist_request",
                "offer",
                "acceptance",
            ],
            "00000000-0000-0000-0000-000000000000",
        ),
    }
    checked = 0
    for name, params in all_url_patterns():
        if name in EXEMPT or name == "admin:None":
            continue
        url = reverse(name, kwargs={key: kwargs_pool[key] for key in params})
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (name, url, response.status_code)
            assert response["Location"].startswith(ACTIVATE_URL), (name, url)
            checked += 1
    assert checked > 100


@pytest.mark.django_db
class TestNoWayAroundTheSecondFactor:
    """A password reset, the admin's own login or a direct URL never stands in
    for the code."""

    def test_a_password_reset_does_not_log_in(
        self, client, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        import re

        with django_capture_on_commit_callbacks(execute=True):  # the outbox hands it over
            client.post("/account/password/reset/", {"email": coach_a.email})
        (message,) = mailoutbox
        link = re.search(r"http://testserver(/account/password/reset/key/\S+/)", message.body)[1]
        form_url = client.get(link)["Location"]  # the key moves into the session
        new = "een-heel-nieuw-wachtwoord-42"
        response = client.post(form_url, {"password1": new, "password2": new})
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session
        assert client.get("/coach/")["Location"].startswith("/account/login/")
        # The new password leads to the code, not in.
        response = client.post("/account/login/", {"login": coach_a.email, "password": new})
        assert response["Location"] == "/account/2fa/authenticate/"
        assert "_auth_user_id" not in client.session

    def test_between_password_and_code_no_page_opens(self, client, admin_user):
        client.post("/account/login/", {"login": admin_user.email, "password": TEST_PASSWORD})
        for path in ["/beheer/", "/beheer/coaching/tariff/", "/facturen/", "/coach/"]:
            response = client.get(path, follow=True)
            final = response.redirect_chain[-1][0] if response.redirect_chain else path
            # The login asks for the code first (allauth resumes the login in progress).
            assert final == "/account/2fa/authenticate/" or "/account/login/" in final, (
                path,
                final,
            )
        assert "_auth_user_id" not in client.session
