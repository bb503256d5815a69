"""What an account may reach in the trajects app: a coach the trajects, entries and messages of
their own clients; a client (or a parent) their own e-mail coaching and evaluations. Any other
id is a 404, never a 403 that would confirm it exists (STYLE.md 4)."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from coaching.models import Client, Role, User
from coaching.roles import has_role
from trajects.models import DossierEntry, Evaluation, Message, Traject


def traject_of_coach(user: User, uuid) -> Traject:
    return get_object_or_404(Traject.objects.for_coach(user).select_related("client"), uuid=uuid)


def entry_of_coach(user: User, uuid) -> DossierEntry:
    return get_object_or_404(
        DossierEntry.objects.filter(traject__client__coach=user).select_related(
            "traject__client", "third_party"
        ),
        uuid=uuid,
    )


def conversations_of_account(user: User) -> QuerySet[Traject]:
    """E-mail coaching of the client this account is (or acts for); after a switch to live
    sessions the conversation stays readable."""
    return (
        Traject.objects.filter(client__in=Client.objects.for_account(user))
        .filter(Q(kind=Traject.Kind.EMAIL) | Q(messages__isnull=False))
        .distinct()
    )


def conversation_of_account(user: User, uuid) -> Traject:
    return get_object_or_404(
        conversations_of_account(user).select_related("client__coach"), uuid=uuid
    )


def message_with_attachment(user: User, uuid) -> Message:
    """A message's attachment: for the traject's coach and for the client (or parent)."""
    if not user.is_authenticated:
        raise Http404
    found = Message.objects.select_related("traject__client").filter(uuid=uuid).first()
    if found is None or not found.attachment:
        raise Http404
    client = found.traject.client
    if not (
        (has_role(user, Role.COACH) and client.coach_id == user.pk)
        or Client.objects.for_account(user).filter(pk=client.pk).exists()
    ):
        raise Http404
    return found


def evaluation_by_link(uuid) -> Evaluation:
    """An evaluation reached by its personal link (the token is checked by the view, which
    says why a link no longer works)."""
    return get_object_or_404(
        Evaluation.objects.select_related("questionnaire", "client__coach"), uuid=uuid
    )
