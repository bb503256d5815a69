from smtplib import SMTPException

from celery import shared_task


@shared_task(
    # At most once, as the appointments' own mails (sessions.tasks): sending is not idempotent.
    acks_late=False,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_group_notice(
    event: str,
    *,
    coach_pk: int,
    group_name: str,
    client_pks: list[int],
    meetings: list[dict],
    previous_start: str | None = None,
) -> int:
    """The participants hear that their group stopped, was deleted, meets somewhere else, or
    that a meeting moved (`previous_start`, ISO 8601: the time it had) (groups.notify). Plain
    values, not the group's id: a deleted group is gone by the time this runs."""
    from datetime import datetime

    from coaching.models import Client, User
    from groups.notify import group_notice_messages

    coach = User.objects.filter(pk=coach_pk).first()
    if coach is None:
        return 0
    clients = list(
        Client.objects.current()
        .filter(pk__in=client_pks)
        .select_related("account")
        .prefetch_related("guardians__account")
    )
    messages = group_notice_messages(
        event,
        coach=coach,
        group_name=group_name,
        clients=clients,
        meetings=meetings,
        previous=datetime.fromisoformat(previous_start) if previous_start else None,
    )
    for message in messages:  # one each, as the appointments' mails (sessions.notify)
        message.send()
    return len(messages)
