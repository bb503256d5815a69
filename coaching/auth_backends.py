"""The user of a signed-in request, loaded in one query with what every page asks of it.

Every page of the site asks three things of the user before its view runs: who they are
(the session's user id), whether they are a coach (`roles.has_role`: a coach account *with* a
coach profile) and whether they have a second factor (`middleware.EnforceMFAMiddleware`). Loaded
one by one that is three queries on every request; here it is one: the user, their coach profile
joined in, and whether a TOTP key or passkey exists as an EXISTS subquery.

The two backends are Django's and allauth's (allauth's signs in by e-mail address), each with this
`get_user`. A session names the backend it was signed in with, so after changing the list a session
made with another backend is signed out once.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from coaching.models import User

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def load_user(user_id) -> User | None:
    """The user with their coach profile (if any) and `has_second_factor`, in one query."""
    second_factor = Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTORS)
    return (
        User._default_manager.select_related("coach_profile")
        .annotate(has_second_factor=Exists(second_factor))
        .filter(pk=user_id)
        .first()
    )


class UserWithRoleMixin:
    def get_user(self, user_id):
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class PraktijkModelBackend(UserWithRoleMixin, ModelBackend):
    """Django's backend (the admin's sign-in, `force_login`), loading the user in one query."""


class PraktijkAllauthBackend(UserWithRoleMixin, AllauthBackend):
    """allauth's backend (sign-in by e-mail address), loading the user in one query."""
