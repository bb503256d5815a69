"""The Django admin, used by the practice admin (not a developer): every page renders, and
accounts can be added and changed there."""

import pytest
from django.urls import reverse

from coaching.models import Client, Role, User


@pytest.mark.django_db
class TestAdmin:
    @pytest.mark.parametrize("model", ["user", "client", "invitation", "heartbeat"])
    def test_lists_and_searches(self, client, admin_user, coachee, guardian, model):
        client.force_login(admin_user)
        response = client.get(reverse(f"admin:coaching_{model}_changelist"), {"q": "Eva"})
        assert response.status_code == 200

    def test_add_an_account(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:coaching_user_add"),
            {
                "email": "Nieuw@Praktijk.test",
                "first_name": "Nieuw",
                "last_name": "Account",
                "role": Role.CLIENT,
                "password1": "een-lang-wachtwoord-1",
                "password2": "een-lang-wachtwoord-1",
                "usable_password": "true",
                "coach_profile-TOTAL_FORMS": "0",
                "coach_profile-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.context and response.context.get("errors")
        assert User.objects.get(email="nieuw@praktijk.test").check_password("een-lang-wachtwoord-1")

    def test_client_account_cannot_be_made_staff_in_the_admin(self, client, admin_user, coachee):
        client.force_login(admin_user)
        url = reverse("admin:coaching_user_change", args=[coachee.pk])
        page = client.get(url)
        assert page.status_code == 200
        data = {
            "email": coachee.email,
            "first_name": coachee.first_name,
            "last_name": coachee.last_name,
            "role": Role.CLIENT,
            "language": "nl",
            "is_active": "on",
            "is_staff": "on",
            "coach_profile-TOTAL_FORMS": "0",
            "coach_profile-INITIAL_FORMS": "0",
        }
        data["is_staff"] = "on"
        response = client.post(url, data)
        assert response.status_code == 200  # shown again with the reason
        assert "Een cliëntaccount kan geen praktijkbeheerder zijn." in response.content.decode()
        coachee.refresh_from_db()
        assert not coachee.is_staff

    def test_client_change_page(self, client, admin_user, guardian):
        client.force_login(admin_user)
        child = Client.objects.get(first_name="Lotte")
        assert (
            client.get(reverse("admin:coaching_client_change", args=[child.pk])).status_code == 200
        )

    def test_invited_admin_can_use_the_admin(
        self, client, admin_user, django_capture_on_commit_callbacks
    ):
        from coaching.accounts import account_invite

        invitation = account_invite(
            email="beheer2@praktijk.test",
            first_name="B",
            last_name="Twee",
            role=Role.ADMIN,
            invited_by=admin_user,
        )
        new_admin = invitation.user
        from coaching.tests.factories import give_totp

        give_totp(new_admin)
        client.force_login(new_admin)
        assert client.get(reverse("admin:coaching_user_changelist")).status_code == 200
        assert client.get(reverse("admin:coaching_client_add")).status_code == 200

    def test_coach_added_in_the_admin_gets_a_profile(self, client, admin_user):
        from coaching.roles import has_role

        client.force_login(admin_user)
        response = client.post(
            reverse("admin:coaching_user_add"),
            {
                "email": "coach3@praktijk.test",
                "first_name": "Cor",
                "last_name": "Coach",
                "role": Role.COACH,
                "password1": "een-lang-wachtwoord-1",
                "password2": "een-lang-wachtwoord-1",
                "usable_password": "true",
                "coach_profile-TOTAL_FORMS": "0",
                "coach_profile-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302
        assert has_role(User.objects.get(email="coach3@praktijk.test"), Role.COACH)

    def test_staff_box_means_full_administration(self, client, admin_user, coach_a):
        client.force_login(admin_user)
        url = reverse("admin:coaching_user_change", args=[coach_a.pk])
        data = {
            "first_name": coach_a.first_name,
            "last_name": coach_a.last_name,
            "role": Role.COACH,
            "language": "nl",
            "is_active": "on",
            "is_staff": "on",
            "coach_profile-TOTAL_FORMS": "1",
            "coach_profile-INITIAL_FORMS": "1",
            "coach_profile-0-id": coach_a.coach_profile.pk,
            "coach_profile-0-user": coach_a.pk,
        }
        response = client.post(url, data)
        assert response.status_code == 302, response.context["errors"]
        coach_a.refresh_from_db()
        assert coach_a.is_staff and coach_a.is_superuser

    def test_email_cannot_be_changed_in_the_admin(self, client, admin_user, coachee):
        client.force_login(admin_user)
        url = reverse("admin:coaching_user_change", args=[coachee.pk])
        html = client.get(url).content.decode()
        assert 'name="email"' not in html
        client.post(
            url,
            {
                "email": "ander@praktijk.test",
                "first_name": coachee.first_name,
                "last_name": coachee.last_name,
                "role": Role.CLIENT,
                "language": "nl",
                "is_active": "on",
                "coach_profile-TOTAL_FORMS": "0",
                "coach_profile-INITIAL_FORMS": "0",
            },
        )
        coachee.refresh_from_db()
        assert coachee.email == "coachee@praktijk.test"

    def test_a_child_cannot_get_an_account_of_their_own(self, client, admin_user, coachee):
        client.force_login(admin_user)
        record = Client.objects.get(account=coachee)
        url = reverse("admin:coaching_client_change", args=[record.pk])
        response = client.post(
            url,
            {
                "coach": record.coach_id,
                "first_name": record.first_name,
                "last_name": record.last_name,
                "date_of_birth": "2018-05-05",
                "email": "",
                "account": coachee.pk,
                "guardians-TOTAL_FORMS": "0",
                "guardians-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert "jonger dan 18" in response.content.decode()
        record.refresh_from_db()
        assert record.date_of_birth.year != 2018
