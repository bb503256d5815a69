import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from coaching.models import CoachProfile, Invitation, Role, User

NEW_PASSWORD = "een-lang-nieuw-wachtwoord"


def invite(client, **data):
    payload = {
        "first_name": "Eva",
        "last_name": "Nieuw",
        "email": "eva.nieuw@praktijk.test",
        "role": Role.CLIENT,
        "language": "nl",
    }
    payload.update(data)
    return client.post("/uitnodigingen/", payload)


def link_from(mail) -> str:
    return re.search(r"http://testserver(/uitnodiging/\S+/)", mail.body).group(1)


@pytest.mark.django_db
class TestInvite:
    def test_coach_invites_a_client_who_gets_a_link_and_no_password(
        self, client, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = invite(client)
        assert response.status_code == 302
        user = User.objects.get(email="eva.nieuw@praktijk.test")
        assert user.role == Role.CLIENT
        assert not user.has_usable_password()
        assert not EmailAddress.objects.get(user=user).verified
        invitation = Invitation.objects.get(user=user)
        assert invitation.invited_by == coach_a and invitation.sent_at is not None
        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert mail.to == ["eva.nieuw@praktijk.test"]
        assert "Beste Eva" in mail.body
        assert link_from(mail).startswith(f"/uitnodiging/{invitation.uuid}/")

    def test_invitation_mail_is_in_the_chosen_language(
        self, client, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            invite(client, language="en")
        assert "Dear Eva" in mailoutbox[0].body
        assert User.objects.get(email="eva.nieuw@praktijk.test").language == "en"

    def test_a_coach_cannot_invite_a_coach_or_admin(self, client, coach_a):
        client.force_login(coach_a)
        for role in (Role.COACH, Role.ADMIN):
            response = invite(client, role=role, email=f"{role}@praktijk.test")
            assert response.status_code == 200
            assert "role" in response.context["form"].errors
        assert not User.objects.filter(email__in=["coach@praktijk.test", "admin@praktijk.test"])

    def test_admin_invites_a_coach_who_gets_a_profile(
        self, client, admin_user, django_capture_on_commit_callbacks
    ):
        client.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            invite(client, role=Role.COACH, email="nieuwe.coach@praktijk.test")
        coach = User.objects.get(email="nieuwe.coach@praktijk.test")
        assert coach.role == Role.COACH
        assert CoachProfile.objects.filter(user=coach).exists()

    def test_existing_address_is_refused_with_a_message_and_keeps_the_input(
        self, client, coach_a, coachee, mailoutbox
    ):
        client.force_login(coach_a)
        response = invite(client, email=coachee.email.upper(), first_name="Iemand")
        assert response.status_code == 200
        assert response.context["form"].errors["email"] == [
            "Er bestaat al een account met dit e-mailadres."
        ]
        assert 'value="Iemand"' in response.content.decode()
        assert mailoutbox == []

    def test_invalid_address_is_refused(self, client, coach_a):
        client.force_login(coach_a)
        response = invite(client, email="geen-adres")
        assert response.status_code == 200
        assert "email" in response.context["form"].errors

    def test_wrong_method(self, client, coach_a):
        client.force_login(coach_a)
        assert client.put("/uitnodigingen/").status_code == 405

    def test_client_account_cannot_invite(self, client, coachee):
        client.force_login(coachee)
        assert invite(client).status_code == 403
        assert not User.objects.filter(email="eva.nieuw@praktijk.test").exists()

    def test_coach_sees_only_own_invitations_admin_sees_all(
        self, client, coach_a, coach_b, admin_user
    ):
        client.force_login(coach_a)
        invite(client, email="van-a@praktijk.test")
        client.force_login(coach_b)
        invite(client, email="van-b@praktijk.test")
        page = client.get("/uitnodigingen/")
        emails = [i.user.email for i in page.context["page"].object_list]
        assert emails == ["van-b@praktijk.test"]
        client.force_login(admin_user)
        page = client.get("/uitnodigingen/")
        assert {i.user.email for i in page.context["page"].object_list} == {
            "van-a@praktijk.test",
            "van-b@praktijk.test",
        }

    def test_invitations_page_runs_a_fixed_number_of_queries(
        self, client, coach_a, django_assert_num_queries
    ):
        client.force_login(coach_a)
        invite(client, email="een@praktijk.test")

        def measure() -> int:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as queries:
                assert client.get("/uitnodigingen/").status_code == 200
            return len(queries)

        few = measure()
        for n in range(12):
            invite(client, email=f"meer{n}@praktijk.test")
        assert measure() == few


@pytest.mark.django_db
class TestResend:
    def test_resend_sends_again(
        self, client, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            invite(client)
        invitation = Invitation.objects.get()
        response = client.post(f"/uitnodigingen/{invitation.uuid}/opnieuw/")
        assert response.status_code == 302
        assert len(mailoutbox) == 2

    def test_another_coach_gets_404(self, client, coach_a, coach_b, mailoutbox):
        client.force_login(coach_a)
        invite(client)
        invitation = Invitation.objects.get()
        client.force_login(coach_b)
        assert client.post(f"/uitnodigingen/{invitation.uuid}/opnieuw/").status_code == 404
        assert mailoutbox == []

    def test_get_is_not_allowed(self, client, coach_a):
        client.force_login(coach_a)
        invite(client)
        invitation = Invitation.objects.get()
        assert client.get(f"/uitnodigingen/{invitation.uuid}/opnieuw/").status_code == 405


@pytest.mark.django_db
class TestAccept:
    @pytest.fixture
    def link(self, client, coach_a, mailoutbox, django_capture_on_commit_callbacks):
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            invite(client)
        client.logout()
        return link_from(mailoutbox[0])

    def test_accepting_sets_the_password_and_verifies_the_address(self, client, link):
        assert client.get(link).status_code == 200
        response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response["Location"] == "/account/login/"
        user = User.objects.get(email="eva.nieuw@praktijk.test")
        assert user.check_password(NEW_PASSWORD)
        assert EmailAddress.objects.get(user=user).verified
        assert Invitation.objects.get(user=user).accepted_at is not None
        response = client.post("/account/login/", {"login": user.email, "password": NEW_PASSWORD})
        assert response["Location"] == "/portaal/"

    def test_link_works_once(self, client, link):
        client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        response = client.post(
            link, {"new_password1": "iets-anders-12345", "new_password2": "iets-anders-12345"}
        )
        assert response.status_code == 410
        assert User.objects.get(email="eva.nieuw@praktijk.test").check_password(NEW_PASSWORD)

    def test_expired_link_is_refused(self, client, link, settings):
        Invitation.objects.update(sent_at=timezone.now() - timedelta(days=8))
        assert client.get(link).status_code == 410

    def test_tampered_token_is_refused(self, client, link):
        assert client.get(link[:-3] + "xx/").status_code == 410

    def test_unknown_invitation_is_404(self, client):
        url = "/uitnodiging/00000000-0000-0000-0000-000000000000/abc-def/"
        assert client.get(url).status_code == 404

    def test_weak_or_mismatched_password_is_explained(self, client, link):
        response = client.post(link, {"new_password1": "kort", "new_password2": "kort"})
        assert response.status_code == 200
        assert response.context["form"].errors["new_password2"]
        response = client.post(
            link, {"new_password1": NEW_PASSWORD, "new_password2": "anders-dan-dat"}
        )
        assert response.context["form"].errors["new_password2"]
        assert not User.objects.get(email="eva.nieuw@praktijk.test").has_usable_password()

    def test_logged_in_user_is_not_switched(self, client, link, coachee):
        client.force_login(coachee)
        response = client.get(link)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(coachee.pk)

    def test_coach_must_still_set_up_mfa_after_accepting(
        self, client, admin_user, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            invite(client, role=Role.COACH, email="nieuwe.coach@praktijk.test")
        client.logout()
        link = link_from(mailoutbox[0])
        client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        client.post(
            "/account/login/", {"login": "nieuwe.coach@praktijk.test", "password": NEW_PASSWORD}
        )
        response = client.get("/coach/")
        assert response["Location"].startswith("/account/2fa/totp/activate/")
