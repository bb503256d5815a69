"""Creating accounts by invitation: a coach invites clients, the admin invites coaches and admins;
the invited person sets a password through an e-mailed link.

The e-mails (the invitation, and "a child was linked to your account") are outbox rows written in
the transaction that creates the account or the link: a rolled-back invitation sends nothing, a
committed one cannot lose its mail. The link is made when the message is written
(`compose_invitation`), so no token sits in the outbox."""

import time
from dataclasses import dataclass
from datetime import date

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from coaching.emails import templated_message
from coaching.models import (
    EMAIL_IN_USE,
    Client,
    CoachProfile,
    Guardian,
    Invitation,
    Role,
    Send,
    User,
)
from coaching.outbox import one_by_one, outbox_send, register

# Why an invitation's or a link's mail was not sent (kept on the outbox row; translated where
# it is shown).
INVITATION_GONE = gettext_noop("De uitnodiging bestaat niet meer.")
INVITATION_USED = gettext_noop("De uitnodiging is al gebruikt: er is een wachtwoord gekozen.")
ACCOUNT_INACTIVE = gettext_noop("Het account is uitgeschakeld.")
NOT_LINKED = gettext_noop("De ouder/verzorger is niet meer aan een account gekoppeld.")


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """A token that stops working once the password is set (it hashes the password and last
    login), and after PRAKTIJK_INVITATION_DAYS."""

    key_salt = "coaching.services.accounts.InvitationTokenGenerator"

    def __init__(self):
        super().__init__()
        self.timeout = settings.PRAKTIJK_INVITATION_DAYS * 24 * 3600


invitation_tokens = InvitationTokenGenerator()


def email_in_use(email: str) -> bool:
    """An address already used by an account: as its login, or added in allauth (being verified
    as the new address). One address belongs to one account."""
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


def invitation_url(invitation: Invitation) -> str:
    token = invitation_tokens.make_token(invitation.user)
    return settings.SITE_URL + reverse("invitation_accept", args=[invitation.uuid, token])


@dataclass(frozen=True)
class Invitee:
    """The person who gets an account: name, address, and the language of mail and site."""

    email: str
    first_name: str
    last_name: str
    language: str = settings.LANGUAGE_CODE


@transaction.atomic
def account_invite(*, invitee: Invitee, role: Role, invited_by: User | None) -> Invitation:
    """Create an account without a usable password; its owner gets a link to choose one (an
    outbox row in this transaction: a slow or failing mail server neither delays nor breaks the
    request)."""
    invitation = _invited_account(invitee=invitee, role=role, invited_by=invited_by)
    invitation_send(invitation=invitation)
    return invitation


def _invited_account(*, invitee: Invitee, role: Role, invited_by: User | None) -> Invitation:
    """The account and its invitation, without the e-mail: the caller sends it once the client
    it concerns exists (the outbox row names the client, for the coach's page and erasure)."""
    user = User.objects.create_user(
        email=invitee.email,
        first_name=invitee.first_name,
        last_name=invitee.last_name,
        role=role,
        language=invitee.language,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if role == Role.COACH:
        CoachProfile.objects.create(user=user)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    return Invitation.objects.create(user=user, invited_by=invited_by)


@transaction.atomic
def client_invite(*, coach: User, invitee: Invitee, date_of_birth: date | None) -> Invitation:
    """An adult client of this coach, who uses the portal with their own account."""
    invitation = _invited_account(invitee=invitee, role=Role.CLIENT, invited_by=coach)
    client = Client(
        coach=coach,
        first_name=invitee.first_name,
        last_name=invitee.last_name,
        date_of_birth=date_of_birth,
        account=invitation.user,
    )
    client.full_clean()  # a minor gets no account of their own
    client.save()
    invitation_send(invitation=invitation)
    return invitation


@transaction.atomic
def guardian_invite(
    *,
    coach: User,
    invitee: Invitee,
    relation: Guardian.Relation,
    child_first_name: str,
    child_last_name: str,
    child_date_of_birth: date,
    has_parental_authority: bool | None = None,
) -> Invitation:
    """A child client of this coach, and the parent or guardian who acts for them in the portal
    (whether they have parental authority as the coach asked it; None: not known yet)."""
    invitation = _invited_account(invitee=invitee, role=Role.CLIENT, invited_by=coach)
    child = Client.objects.create(
        coach=coach,
        first_name=child_first_name,
        last_name=child_last_name,
        date_of_birth=child_date_of_birth,
    )
    Guardian.objects.create(
        client=child,
        account=invitation.user,
        first_name=invitee.first_name,
        last_name=invitee.last_name,
        relation=relation,
        has_parental_authority=has_parental_authority,
    )
    invitation_send(invitation=invitation)
    return invitation


def invitation_send(*, invitation: Invitation) -> bool:
    """Put the invitation's e-mail in the outbox, in the caller's transaction. Each call is a
    row of its own (a resend is a new e-mail, with a new link). False, and nothing sent, when
    the invitation was used already."""
    if not invitation.is_open:
        return False
    outbox_send(
        f"invitation:{invitation.pk}:{time.time_ns()}",
        Send.Kind.INVITATION,
        client=client_of_account(invitation.user),
        context={"invitation": invitation.pk},
    )
    return True


def invitation_sends(invitations) -> dict[int, Send]:
    """The latest e-mail (outbox row) of each invitation, by the invitation's id, in one query:
    what the coach sees of it (being sent, sent, failed)."""
    pks = [invitation.pk for invitation in invitations]
    if not pks:
        return {}
    rows = Send.objects.filter(kind=Send.Kind.INVITATION, context__invitation__in=pks)
    latest = {}
    for send in rows.only("context", "status", "sent_at", "due_at").order_by("created_at", "pk"):
        latest[send.context["invitation"]] = send
    return latest


def client_of_account(user: User | None) -> Client | None:
    """The client an account's mail concerns (shown on the coach's page of that client, erased
    with it): the account's own client record, or the first child it acts for."""
    if user is None or user.pk is None:
        return None
    own = Client.objects.filter(account=user).first()
    return own or Client.objects.filter(guardians__account=user).order_by("pk").first()


def compose_invitation(send: Send) -> EmailMessage | str:
    """The invitation with a fresh link (its token is made now, valid for
    PRAKTIJK_INVITATION_DAYS from now, which is what `sent_at` records), or why not: the
    invitation was deleted or used in the meantime."""
    invitation = (
        Invitation.objects.select_related("user", "invited_by")
        .filter(pk=send.context.get("invitation"))
        .first()
    )
    if invitation is None:
        return INVITATION_GONE
    if not invitation.is_open:
        return INVITATION_USED
    if not invitation.user.is_active:
        return ACCOUNT_INACTIVE
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return templated_message(
        "invitation",
        to=invitation.user.email,
        language=invitation.user.language,
        context={
            "user": invitation.user,
            "invited_by": invitation.invited_by,
            "url": invitation_url(invitation),
            "days": settings.PRAKTIJK_INVITATION_DAYS,
        },
    )


def invitation_is_valid(invitation: Invitation, token: str) -> bool:
    return (
        invitation.is_open
        and not invitation.is_expired
        and invitation.user.is_active
        and invitation_tokens.check_token(invitation.user, token)
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> bool:
    """Set the password. The link came by e-mail, so the address is verified too.

    False when the invitation was accepted in the meantime (a second tab, a double click).
    """
    # Lock the row: of two submits of the same link, the second waits and then sees it taken.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        return False
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return True


class PortalInviteRefused(Exception):
    """Why a person cannot be invited to the portal; the message is for the coach."""


@dataclass(frozen=True)
class PortalAccess:
    account: User
    invited: bool  # False: an account that already existed was linked


@transaction.atomic
def client_portal_invite(*, client: Client, by: User) -> PortalAccess:
    """Give an existing adult client their own portal account."""
    from django.utils.translation import gettext as _

    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.account_id:
        raise PortalInviteRefused(_("Deze cliënt heeft al een portaalaccount."))
    if client.is_child:
        raise PortalInviteRefused(
            _("Een kind krijgt geen eigen account: nodig een ouder of verzorger uit.")
        )
    if not client.email:
        raise PortalInviteRefused(_("Vul eerst het e-mailadres van de cliënt in."))
    if email_in_use(client.email):
        raise PortalInviteRefused(EMAIL_IN_USE)
    invitation = _invited_account(
        invitee=Invitee(client.email, client.first_name, client.last_name),
        role=Role.CLIENT,
        invited_by=by,
    )
    client.account = invitation.user
    client.save(update_fields=["account", "updated_at"])
    invitation_send(invitation=invitation)
    return PortalAccess(invitation.user, invited=True)


@transaction.atomic
def guardian_portal_invite(*, guardian: Guardian, by: User) -> PortalAccess:
    """Let a parent or guardian act for their child in the portal.

    A parent who already has a portal account (for a brother or sister, or as a client) gets
    this child linked to it, and an e-mail saying so, instead of a second account."""
    from django.utils.translation import gettext as _

    guardian = Guardian.objects.select_related("client").select_for_update().get(pk=guardian.pk)
    if guardian.account_id:
        raise PortalInviteRefused(_("Deze ouder/verzorger heeft al een portaalaccount."))
    if not guardian.client.is_child:
        raise PortalInviteRefused(
            _("Een volwassen cliënt gebruikt het portaal zelf: nodig de cliënt uit.")
        )
    if not guardian.may_act_in_portal:
        raise PortalInviteRefused(
            _("Deze ouder/verzorger mag niet namens het kind handelen; pas dat eerst aan.")
        )
    if not guardian.email:
        raise PortalInviteRefused(_("Vul eerst het e-mailadres van de ouder/verzorger in."))
    existing = User.objects.filter(email__iexact=guardian.email).first()
    if existing is not None:
        if existing.role != Role.CLIENT or not existing.is_active:
            raise PortalInviteRefused(EMAIL_IN_USE)
        if guardian.client.guardians.filter(account=existing).exists():
            raise PortalInviteRefused(_("Dit account is al ouder/verzorger van deze cliënt."))
        guardian.account = existing
        guardian.save(update_fields=["account"])
        outbox_send(
            f"guardian:{guardian.pk}:linked:{time.time_ns()}",
            Send.Kind.PORTAL_LINKED,
            client=guardian.client,
            context={"guardian": guardian.pk},
        )
        return PortalAccess(existing, invited=False)
    if email_in_use(guardian.email):  # an address still being verified on another account
        raise PortalInviteRefused(EMAIL_IN_USE)
    invitation = _invited_account(
        invitee=Invitee(guardian.email, guardian.first_name, guardian.last_name),
        role=Role.CLIENT,
        invited_by=by,
    )
    guardian.account = invitation.user
    guardian.save(update_fields=["account"])
    invitation_send(invitation=invitation)
    return PortalAccess(invitation.user, invited=True)


def compose_portal_linked(send: Send) -> EmailMessage | str:
    """To a parent: they can now also act for this child (no details: they log in to see)."""
    guardian = (
        Guardian.objects.select_related("account", "client")
        .filter(pk=send.context.get("guardian"), client__erased_on__isnull=True)
        .first()
    )
    if guardian is None or guardian.account is None:
        return NOT_LINKED
    return templated_message(
        "portal_linked",
        to=guardian.account.email,
        language=guardian.account.language,
        context={
            "user": guardian.account,
            "child": guardian.client.first_name,
            "url": settings.SITE_URL + reverse("portal_home"),
        },
    )


def register_composers() -> None:
    register(Send.Kind.INVITATION, one_by_one(compose_invitation))
    register(Send.Kind.PORTAL_LINKED, one_by_one(compose_portal_linked))
