from smtplib import SMTPException

from celery import shared_task
from django.conf import settings


@shared_task(
    acks_late=False,  # at most once; the reminders issue adds claimed sends and escalation
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_message_notice(message_pk: int) -> None:
    """Someone wrote in an e-mail coaching conversation: the other side hears that a message
    waits, with a link, never the text (DESIGN.md §7)."""
    from coaching.emails import send_templated
    from trajects.models import Message

    message = (
        Message.objects.select_related("traject__client__coach", "traject__client__account")
        .filter(pk=message_pk)
        .first()
    )
    if message is None:
        return
    client = message.traject.client
    if message.from_coach:
        people = []
        if client.account_id:
            people.append((client.account.email, client.first_name, client.account.language))
        elif client.is_child:
            for guardian in client.guardians.select_related("account"):
                if guardian.account_id and guardian.may_act_in_portal:
                    people.append(
                        (guardian.account.email, guardian.first_name, guardian.account.language)
                    )
        url = f"{settings.SITE_URL}/portaal/berichten/{message.traject.uuid}/"
    else:
        coach = client.coach
        people = [(coach.email, coach.first_name, coach.language)]
        url = f"{settings.SITE_URL}/coach/trajecten/{message.traject.uuid}/"
    for address, first_name, language in people:
        send_templated(
            "message_waiting",
            to=address,
            language=language,
            context={"first_name": first_name, "url": url},
        )
