"""Creating accounts by invitation: a coach or admin invites, the owner sets a password."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coaching.emails import send_templated
from coaching.models import CoachProfile, Invitation, Role, User


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """A token that stops working once the password is set (it hashes the password and last
    login), and after PRAKTIJK_INVITATION_DAYS."""

    key_salt = "coaching.accounts.InvitationTokenGenerator"

    def __init__(self):
        super().__init__()
        self.timeout = settings.PRAKTIJK_INVITATION_DAYS * 24 * 3600

    def _make_hash_value(self, user, timestamp):
        return super()._make_hash_value(user, timestamp) + str(user.pk)


invitation_tokens = InvitationTokenGenerator()


def invitation_url(invitation: Invitation) -> str:
    token = invitation_tokens.make_token(invitation.user)
    path = reverse("invitation_accept", args=[invitation.uuid, token])
    return settings.SITE_URL + path


@transaction.atomic
def account_invite(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: Role,
    invited_by: User,
    language: str = settings.LANGUAGE_CODE,
) -> Invitation:
    """Create an account without a usable password and e-mail its owner a link to set one."""
    user = User.objects.create_user(
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        language=language,
        is_staff=role == Role.ADMIN,
    )
    if role == Role.COACH:
        CoachProfile.objects.create(user=user)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    invitation = Invitation.objects.create(user=user, invited_by=invited_by)
    transaction.on_commit(lambda: invitation_send(invitation=invitation))
    return invitation


def invitation_send(*, invitation: Invitation) -> None:
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    send_templated(
        "invitation",
        to=invitation.user.email,
        language=invitation.user.language,
        context={
            "invitation": invitation,
            "user": invitation.user,
            "invited_by": invitation.invited_by,
            "url": invitation_url(invitation),
            "days": settings.PRAKTIJK_INVITATION_DAYS,
        },
    )


def invitation_is_valid(invitation: Invitation, token: str) -> bool:
    return (
        invitation.accepted_at is None
        and not invitation.is_expired
        and invitation.user.is_active
        and invitation_tokens.check_token(invitation.user, token)
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> None:
    """Set the password. The link came by e-mail, so the address is verified too."""
    # Lock the row: two submits of the same link (a double click) accept it once.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        return
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
