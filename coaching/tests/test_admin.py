"""The Django admin, used by the practice admin (not a developer): every page renders, and
accounts can be added and changed there."""

import pytest
from django.urls import reverse

from coaching.models import Client, Role, User
from coaching.roles import has_role
from coaching.services.accounts import Invitee, account_invite
from coaching.tests.factories import give_totp

PASSWORD = "een-lang-wachtwoord-1"


def add_account(client, email: str, role: Role, **extra):
    """Post the admin's 'add account' form."""
    data = {
        "email": email,
        "first_name": "Nieuw",
        "last_name": "Account",
        "role": role,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "usable_password": "true",
        "coach_profile-TOTAL_FORMS": "0",
        "coach_profile-INITIAL_FORMS": "0",
        **extra,
    }
    return client.post(reverse("admin:coaching_user_add"), data)


def change_account(client, user: User, **changes):
    """Post the admin's change form for an account, with its current values and the changes."""
    profile = getattr(user, "coach_profile", None)
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "language": user.language,
        "is_active": "on",
        "coach_profile-TOTAL_FORMS": "1" if profile else "0",
        "coach_profile-INITIAL_FORMS": "1" if profile else "0",
        **({"coach_profile-0-id": profile.pk, "coach_profile-0-user": user.pk} if profile else {}),
        **changes,
    }
    return client.post(reverse("admin:coaching_user_change", args=[user.pk]), data)


@pytest.mark.django_db
class TestAdmin:
    @pytest.mark.parametrize("model", ["user", "client", "invitation", "heartbeat"])
    def test_lists_and_searches(self, client, admin_user, coachee, guardian, model):
        client.force_login(admin_user)
        response = client.get(reverse(f"admin:coaching_{model}_changelist"), {"q": "Eva"})
        assert response.status_code == 200

    def test_add_an_account(self, client, admin_user):
        client.force_login(admin_user)
        response = add_account(client, "Nieuw@Praktijk.test", Role.CLIENT)
        assert response.status_code == 302
        assert User.objects.get(email="nieuw@praktijk.test").check_password(PASSWORD)

    def test_coach_added_in_the_admin_gets_a_profile(self, client, admin_user):
        client.force_login(admin_user)
        assert add_account(client, "coach3@praktijk.test", Role.COACH).status_code == 302
        assert has_role(User.objects.get(email="coach3@praktijk.test"), Role.COACH)

    def test_client_account_cannot_be_made_staff_in_the_admin(self, client, admin_user, coachee):
        client.force_login(admin_user)
        response = change_account(client, coachee, is_staff="on")
        assert response.status_code == 200  # shown again with the reason
        assert "Een cliëntaccount kan geen praktijkbeheerder zijn." in response.content.decode()
        coachee.refresh_from_db()
        assert not coachee.is_staff and not coachee.is_superuser

    def test_staff_box_means_full_administration(self, client, admin_user, coach_a):
        client.force_login(admin_user)
        response = change_account(client, coach_a, is_staff="on")
        assert response.status_code == 302, response.context["errors"]
        coach_a.refresh_from_db()
        assert coach_a.is_staff and coach_a.is_superuser

    def test_email_cannot_be_changed_in_the_admin(self, client, admin_user, coachee):
        client.force_login(admin_user)
        url = reverse("admin:coaching_user_change", args=[coachee.pk])
        assert 'name="email"' not in client.get(url).content.decode()
        change_account(client, coachee, email="ander@praktijk.test")
        coachee.refresh_from_db()
        assert coachee.email == "coachee@praktijk.test"

    def test_invited_admin_can_use_the_admin(self, client, admin_user):
        invitation = account_invite(
            invitee=Invitee("beheer2@praktijk.test", "B", "Twee"),
            role=Role.ADMIN,
            invited_by=admin_user,
        )
        give_totp(invitation.user)
        client.force_login(invitation.user)
        assert client.get(reverse("admin:coaching_user_changelist")).status_code == 200
        assert client.get(reverse("admin:coaching_client_add")).status_code == 200

    def test_client_change_page(self, client, admin_user, guardian):
        client.force_login(admin_user)
        child = Client.objects.get(first_name="Lotte")
        assert (
            client.get(reverse("admin:coaching_client_change", args=[child.pk])).status_code == 200
        )

    def test_a_child_cannot_get_an_account_of_their_own(self, client, admin_user, coachee):
        client.force_login(admin_user)
        record = Client.objects.get(account=coachee)
        response = client.post(
            reverse("admin:coaching_client_change", args=[record.pk]),
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


# --- Inputs without a <label>, named for screen readers (coaching/admin_base.py) ------------------


def test_every_tabular_inline_and_editable_list_names_its_inputs():
    """A tabular inline or an editable change list shows inputs under a column header, without
    a <label>: ours name them (axe's label rule; the browser tests check the pages themselves)."""
    from django.contrib import admin

    from coaching.admin_base import EditableListAdmin, TabularInline

    for model, model_admin in admin.site._registry.items():
        if model_admin.list_editable:
            assert isinstance(model_admin, EditableListAdmin), model
        for inline in model_admin.inlines:
            if issubclass(inline, admin.TabularInline):
                assert issubclass(inline, TabularInline), inline


@pytest.mark.django_db
def test_editable_list_and_inline_rows_are_named(client, admin_user, guardian):
    from privacy.models import RetentionPeriod

    client.force_login(admin_user)
    RetentionPeriod.objects.get_or_create(kind="adult", defaults={"years": 2})
    page = client.get(reverse("admin:privacy_retentionperiod_changelist")).content.decode()
    assert 'aria-label="Jaren bewaren na het einde: coaching van een volwassene"' in page

    child = Client.objects.get(guardians__account=guardian)
    page = client.get(reverse("admin:coaching_client_change", args=[child.pk])).content.decode()
    father = child.guardians.get()
    assert f'aria-label="Voornaam: {father}"' in page
    assert f'aria-label="Verwijderen: {father}"' in page
    assert 'aria-label="Voornaam"' in page  # the empty row that "add another" copies


@pytest.mark.django_db
def test_date_shortcuts_are_named_in_dutch(client, admin_user):
    """Django 6.1's Dutch lacks the spoken names of the date widget's shortcuts."""
    client.force_login(admin_user)
    catalog = client.get(reverse("admin:jsi18n"), headers={"accept-language": "nl"})
    assert '"Today (%(date)s)": "Vandaag (%(date)s)"' in catalog.content.decode()
