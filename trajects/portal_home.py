"""The portal's home, registered with coaching.portal: the evaluations
waiting to be filled in and the coach's messages not read yet, per client, each in one query
whatever the number of clients and messages."""

from collections.abc import Sequence

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from coaching.compiled import Compiled
from coaching.models import Client, User
from coaching.portal import register_portal_section
from trajects.models import Evaluation, Message, Questionnaire, Traject
from trajects.services.evaluations import token_for
from trajects.services.intake_prep import portal_rows

INTAKE_TEMPLATE = "trajects/includes/portal_home_intake.html"
EVALUATIONS_TEMPLATE = "trajects/includes/portal_home_evaluations.html"
MESSAGES_TEMPLATE = "trajects/includes/portal_home_messages.html"
# The home names the first few; the rest are one click away (Evaluaties).
SHOWN_EVALUATIONS = 3


# The home's reads, compiled once per number of clients (coaching.compiled).
WAITING_EVALUATIONS = Compiled(
    lambda at: (
        Evaluation.objects.filter(
            client__pk__in=at.clients, completed_at__isnull=True, expires_at__gt=at.now
        )
        # The intake questionnaire is in the intake's own section.
        .exclude(questionnaire__kind=Questionnaire.Kind.INTAKE)
        .select_related("questionnaire")
        # By the column: "client" would order by the client's name, with a join.
        .order_by("client_id", "expires_at", "pk")
    ),
    clients=[models.BigIntegerField()],
    now=models.DateTimeField(),
)
CONVERSATIONS = Compiled(
    lambda at: (
        Traject.objects.filter(client__pk__in=at.clients)
        .filter(Q(kind=Traject.Kind.EMAIL) | Exists(Message.objects.filter(traject=OuterRef("pk"))))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__from_coach=True, messages__read_at__isnull=True),
            )
        )
        .order_by("client_id", "-registered_on", "pk")
    ),  # by the column, without a join
    clients=[models.BigIntegerField()],
)


def portal_home_evaluations(account: User, clients: Sequence[Client]) -> dict[int, dict]:
    """Per client with evaluations open (not filled in, not expired): the first few, the
    soonest to expire first, each with its personal link, and how many there are. One plain
    query for all the open ones: they are few whatever the history, as each expires
    PRAKTIJK_EVALUATION_VALID_DAYS after it was sent (a window numbering them per client, to
    load only the first few, cost more to build than the rows it saved)."""
    waiting = WAITING_EVALUATIONS.all(clients=[client.pk for client in clients], now=timezone.now())
    answers: dict[int, dict] = {}
    for evaluation in waiting:
        section = answers.setdefault(evaluation.client_id, {"evaluations": [], "waiting": 0})
        section["waiting"] += 1
        if len(section["evaluations"]) < SHOWN_EVALUATIONS:
            # On this site (the e-mail's link_for is absolute, for a mail client).
            evaluation.link = reverse(
                "evaluation_fill", args=[evaluation.uuid, token_for(evaluation)]
            )
            section["evaluations"].append(evaluation)
    for section in answers.values():
        section["more"] = section["waiting"] - len(section["evaluations"])
    return answers


def portal_home_intake(account: User, clients: Sequence[Client]) -> dict[int, dict]:
    """Per client whose intake this account has something to prepare for: the questionnaire
    (for whom fills it in) and the agreement (for whom accepts it), until done. One query
    when no traject is in its intake phase, four when one is."""
    trajects = list(
        Traject.objects.filter(
            client__pk__in=[client.pk for client in clients], status=Traject.Status.INTAKE
        ).select_related("client__coach")
    )
    answers: dict[int, dict] = {}
    for row in portal_rows(account, trajects):
        if row["to_do"]:
            answers.setdefault(row["client"].pk, {"rows": []})["rows"].append(row)
    return answers


def portal_home_messages(account: User, clients: Sequence[Client]) -> dict[int, dict]:
    """Per client in e-mail coaching: the coach's messages not read yet (Message.read_at,
    set when the client's side opens the conversation). A conversation that ended shows only
    while something in it is unread. One query."""
    conversations = CONVERSATIONS.all(clients=[client.pk for client in clients])
    answers: dict[int, dict] = {}
    for traject in conversations:
        if not (traject.takes_messages or traject.unread):
            continue
        traject.link = reverse("portal_conversation", args=[traject.uuid])
        section = answers.setdefault(
            traject.client_id,
            {
                "conversations": [],
                "unread": 0,
                "answer_hours": settings.PRAKTIJK_EMAIL_ANSWER_HOURS,
            },
        )
        section["conversations"].append(traject)
        section["unread"] += traject.unread
    return answers


def register_portal_home() -> None:
    register_portal_section("intake", template=INTAKE_TEMPLATE, context=portal_home_intake, order=2)
    register_portal_section(
        "evaluations", template=EVALUATIONS_TEMPLATE, context=portal_home_evaluations, order=30
    )
    register_portal_section(
        "messages", template=MESSAGES_TEMPLATE, context=portal_home_messages, order=40
    )
