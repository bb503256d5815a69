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
