"""Access helpers: a coach reaches only the trajects and entries of their own clients; any
other id is a 404."""

from django.shortcuts import get_object_or_404

from coaching.models import User
from trajects.models import DossierEntry, Traject


def traject_of_coach(user: User, uuid) -> Traject:
    return get_object_or_404(Traject.objects.for_coach(user).select_related("client"), uuid=uuid)


def entry_of_coach(user: User, uuid) -> DossierEntry:
    return get_object_or_404(
        DossierEntry.objects.filter(traject__client__coach=user).select_related(
            "traject__client", "third_party"
        ),
        uuid=uuid,
    )
