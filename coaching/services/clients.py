"""Registering a client of a coach (with a first guardian for a child)."""

from django.db import IntegrityError, transaction

from coaching.models import Client, Guardian, Organisation, User


def organisation_for_name(name: str) -> Organisation:
    """The organisation of this name (whatever its case), made when it is new. Two requests that
    make the same new one at once: the unique constraint keeps one, and the other uses it."""
    name = " ".join(name.split())
    organisation = Organisation.objects.filter(name__iexact=name).first()
    if organisation is not None:
        return organisation
    try:
        with transaction.atomic():
            return Organisation.objects.create(name=name)
    except IntegrityError:
        return Organisation.objects.get(name__iexact=name)


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
