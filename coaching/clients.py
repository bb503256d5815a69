"""Registering a client of a coach (with a first guardian for a child)."""

from django.db import transaction

from coaching.models import Client, Guardian, Organisation, User


def organisation_for_name(name: str) -> Organisation:
    name = " ".join(name.split())
    organisation = Organisation.objects.filter(name__iexact=name).first()
    return organisation or Organisation.objects.create(name=name)


@transaction.atomic
def client_register(
    *, coach: User, client: Client, guardian: Guardian | None, new_organisation: str = ""
) -> Client:
    """Save a new client (unsaved instance from the form) for this coach."""
    client.coach = coach
    if new_organisation.strip():
        client.organisation = organisation_for_name(new_organisation)
    client.save()
    if guardian is not None:
        guardian.client = client
        guardian.save()
    return client


@transaction.atomic
def client_update(*, client: Client, new_organisation: str = "") -> Client:
    if new_organisation.strip():
        client.organisation = organisation_for_name(new_organisation)
    client.save()
    return client
