"""One access helper per resource (STYLE.md 4): another coach's or client's object is a 404,
never a 403 that would confirm it exists."""

from django.shortcuts import get_object_or_404

from coaching.models import Client, Consent, Guardian, Invitation, User


def client_of_coach(user: User, uuid) -> Client:
    # With the portal account: the client's page shows its e-mail address (portal_email).
    return get_object_or_404(
        Client.objects.for_coach(user).select_related("organisation", "account"), uuid=uuid
    )


def guardian_of_coach(user: User, uuid) -> Guardian:
    return get_object_or_404(
        Guardian.objects.filter(client__in=Client.objects.for_coach(user)).select_related("client"),
        uuid=uuid,
    )


def consent_of_coach(user: User, uuid) -> Consent:
    return get_object_or_404(
        Consent.objects.filter(client__coach=user).select_related("client", "third_party"),
        uuid=uuid,
    )


def consent_of_account(user: User, uuid) -> Consent:
    """A consent of the client this portal account is, or acts for."""
    return get_object_or_404(
        Consent.objects.filter(client__in=Client.objects.for_account(user)).select_related(
            "client", "third_party"
        ),
        uuid=uuid,
    )


def invitation_of_staff(user: User, uuid) -> Invitation:
    """An invitation this coach sent (the admin: any)."""
    return get_object_or_404(Invitation.objects.visible_to(user).select_related("user"), uuid=uuid)


def invitation_to_accept(uuid) -> Invitation:
    """An invitation reached by its link, before anyone is logged in: the view checks the
    link's token and says when it no longer works."""
    return get_object_or_404(Invitation.objects.select_related("user"), uuid=uuid)
