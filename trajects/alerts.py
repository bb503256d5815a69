"""E-mail coaching alerts for the coach, sent through the outbox: one when an unanswered message
nears its deadline and one when it is overdue. Both are recorded when the coachee writes, due at
those two moments; an alert whose message was answered meanwhile (or whose conversation moved to
live sessions or ended) is skipped, not sent."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.translation import gettext_noop

from coaching.emails import templated_message
from coaching.models import Send
from coaching.outbox import one_by_one, outbox_add, register
from trajects.models import Message

NEAR_DUE, OVERDUE = "message_near_due", "message_overdue"
ANSWERED = gettext_noop(
    "Het bericht is beantwoord, of het gesprek is gestopt of overgestapt naar live sessies."
)


def message_alerts_record(message: Message) -> None:
    near = timedelta(hours=settings.PRAKTIJK_EMAIL_NEAR_DUE_HOURS)
    subject = f"message:{message.pk}"
    outbox_add(
        [(subject, NEAR_DUE, message.due_at - near), (subject, OVERDUE, message.due_at)],
        deliver_now=False,
        client=message.traject.client,
    )


def compose_message_alert(send: Send) -> EmailMessage | str:
    message = (
        Message.objects.waiting()
        .select_related("traject__client__coach")
        .filter(pk=int(send.subject.removeprefix("message:")))
        .first()
    )
    if message is None:
        return ANSWERED
    client = message.traject.client
    coach = client.coach
    return templated_message(
        "message_alert",
        to=coach.email,
        language=coach.language,
        context={
            "first_name": coach.first_name,
            "client_first_name": client.first_name,
            "due_at": message.due_at,
            "overdue": send.kind == OVERDUE,
            "url": settings.SITE_URL + reverse("traject_detail", args=[message.traject.uuid]),
        },
    )


def register_composers() -> None:
    register(NEAR_DUE, one_by_one(compose_message_alert))
    register(OVERDUE, one_by_one(compose_message_alert))
