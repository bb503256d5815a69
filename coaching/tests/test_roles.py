import pytest
from django.db import IntegrityError
from django.test import RequestFactory

from coaching.models import Role
from coaching.roles import has_role, home_url_for, role_required, roles_of
from coaching.tests.factories import CoachFactory, UserFactory


@pytest.mark.django_db
class TestHasRole:
    def test_each_persona_has_exactly_its_own_role(self, coach_a, coachee, guardian, admin_user):
        assert roles_of(coach_a) == {Role.COACH}
        assert roles_of(coachee) == {Role.CLIENT}
        assert roles_of(guardian) == {Role.CLIENT}
        assert roles_of(admin_user) == {Role.ADMIN}

    def test_anonymous_has_no_role(self):
        from django.contrib.auth.models import AnonymousUser

        assert roles_of(AnonymousUser()) == frozenset()

    def test_practice_owner_can_be_coach_and_admin(self):
        owner = CoachFactory(is_staff=True, is_superuser=True)
        assert roles_of(owner) == {Role.COACH, Role.ADMIN}

    def test_coach_without_profile_is_not_a_coach(self):
        coach = CoachFactory(profile=None)
        assert not has_role(coach, Role.COACH)

    def test_inactive_user_has_no_role(self, coach_a):
        coach_a.is_active = False
        assert roles_of(coach_a) == frozenset()

    def test_home_url_per_role(self, coach_a, coachee, admin_user):
        assert home_url_for(coach_a) == "/coach/"
        assert home_url_for(coachee) == "/portaal/"
        assert home_url_for(admin_user) == "/beheer/status/"


@pytest.mark.django_db
class TestRoleConstraints:
    def test_client_account_can_never_be_staff(self):
        with pytest.raises(IntegrityError):
            UserFactory(role=Role.CLIENT, is_staff=True)

    def test_client_account_can_never_be_superuser(self):
        with pytest.raises(IntegrityError):
            UserFactory(role=Role.CLIENT, is_superuser=True)

    def test_admin_role_is_always_staff(self):
        with pytest.raises(IntegrityError):
            UserFactory(role=Role.ADMIN, is_staff=False)

    def test_no_half_admins(self):
        with pytest.raises(IntegrityError):
            CoachFactory(is_staff=True, is_superuser=False)

    def test_email_is_unique_whatever_the_case(self):
        UserFactory(email="eva@praktijk.test")
        with pytest.raises(IntegrityError):
            UserFactory(email="Eva@Praktijk.test", verified_email=False)


@pytest.mark.django_db
class TestRoleRequired:
    def view(self, request):
        from django.http import HttpResponse

        return HttpResponse("ok")

    def call(self, user):
        from django.contrib.auth.models import AnonymousUser

        request = RequestFactory().get("/somewhere/")
        request.user = user or AnonymousUser()
        return role_required(Role.COACH)(self.view)(request)

    def test_role_passes(self, coach_a):
        assert self.call(coach_a).status_code == 200

    def test_other_role_is_denied(self, coachee):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            self.call(coachee)

    def test_anonymous_goes_to_login(self):
        response = self.call(None)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/?next=/somewhere/")
