"""What an account may reach in the trajects app: a coach the trajects, entries and messages of
their own clients; a client (or a parent) their own e-mail coaching and evaluations. Any other
id is a 404, never a 403 that would confirm it exists (STYLE.md 4)."""

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from coaching.compiled import Compiled
from coaching.models import Client, Guardian, Role, User
from coaching.roles import has_role
from trajects.models import AgreementAcceptance, DossierEntry, Evaluation, Message, Traject


def traject_of_coach(user: User, uuid) -> Traject:
    return get_object_or_404(Traject.objects.for_coach(user).select_related("client"), uuid=uuid)


def traject_page_of_coach(user: User, uuid) -> Traject:
    """traject_of_coach for the traject's page, with whether it has messages (`has_messages`):
    the page shows the conversation of any traject that has one, also after a switch to live
    sessions. In the same query (compiled once, coaching.compiled)."""
    found = TRAJECT_PAGE.all(coach=user.pk, uuid=uuid)
    if not found:
        raise Http404("No Traject matches the given query.")
    return found[0]


def _has_messages() -> Exists:
    return Exists(Message.objects.filter(traject=OuterRef("pk")))


TRAJECT_PAGE = Compiled(
    lambda at: (
        Traject.objects.for_coach(at.coach)
        .select_related("client")
        .annotate(has_messages=_has_messages())
        .filter(uuid=at.uuid)
    ),
    coach=models.BigIntegerField(),
    uuid=models.UUIDField(),
)


def _is_conversation() -> Q:
    # EXISTS rather than a join to the messages: a join needs DISTINCT, and PostgreSQL then
    # sorts the rows on every column before it can return the one asked for.
    return Q(kind=Traject.Kind.EMAIL) | _has_messages()


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
    return Traject.objects.filter(client__in=Client.objects.for_account(user)).filter(
        _is_conversation()
    )


def conversation_of_account(user: User, uuid) -> Traject:
    """One of conversations_of_account: the traject by its id, then whether the account acts
    for its client. Most often that is the client's own account, seen on the row; only a
    parent's account takes a second query (for_account's subquery costs more to build than
    the rest of the page's lookups)."""
    traject = get_object_or_404(
        Traject.objects.filter(_is_conversation()).select_related("client__coach"), uuid=uuid
    )
    client = traject.client
    if client.account_id != user.pk and not (
        Client.objects.for_account(user).filter(pk=client.pk).exists()
    ):
        raise Http404
    return traject


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


# --- The intake's preparation and the coaching agreement --------------------------------------


def traject_by_agreement_link(uuid, key: str, token: str) -> Traject:
    """A traject reached by a party's personal link to the agreement: a wrong token is a 404,
    like a traject that does not exist."""
    from trajects.services.agreement import party_token_ok

    traject = get_object_or_404(Traject.objects.select_related("client__coach"), uuid=uuid)
    if not party_token_ok(traject, key, token):
        raise Http404
    return traject


def preparing_trajects_of_account(user: User) -> list[Traject]:
    """The trajects of the clients this account is or acts for that are in their intake phase
    or have an accepted agreement (its PDF stays downloadable), newest first."""
    return list(
        Traject.objects.filter(client__in=Client.objects.for_account(user))
        .filter(
            Q(status=Traject.Status.INTAKE)
            | Exists(AgreementAcceptance.objects.filter(traject=OuterRef("pk")))
        )
        .select_related("client__coach")
        .order_by("-registered_on", "-pk")
    )


def acceptance_of_account(user: User, uuid) -> AgreementAcceptance:
    """The account's own acceptance (as the client, or as a parent of a child it acts for):
    another person's (the other parent's, a teenager's) is theirs."""
    own = Q(party=AgreementAcceptance.Party.CLIENT, traject__client__account=user) | Q(
        party=AgreementAcceptance.Party.GUARDIAN,
        guardian_uuid__in=Guardian.objects.filter(account=user).values("uuid"),
    )
    return get_object_or_404(
        AgreementAcceptance.objects.filter(traject__client__in=Client.objects.for_account(user))
        .filter(own)
        .select_related("traject__client__coach", "terms", "privacy"),
        uuid=uuid,
    )


def acceptance_of_coach(user: User, uuid) -> AgreementAcceptance:
    return get_object_or_404(
        AgreementAcceptance.objects.filter(traject__coach=user).select_related(
            "traject__client__coach", "terms", "privacy"
        ),
        uuid=uuid,
    )
