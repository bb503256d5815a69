import socket
from smtplib import SMTPException

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from coaching.models import Heartbeat, Invitation


@shared_task
def heartbeat(source: str = Heartbeat.Source.BEAT) -> None:
    """Record that a worker ran a task (every minute from beat; on demand from the status page).

    Idempotent: running it twice only moves the timestamp, so acks_late redelivery is harmless.
    """
    now = timezone.now()
    updated = Heartbeat.objects.filter(source=source).update(
        last_seen_at=now, hostname=socket.gethostname(), count=F("count") + 1
    )
    if not updated:
        Heartbeat.objects.update_or_create(
            source=source,
            defaults={"last_seen_at": now, "hostname": socket.gethostname(), "count": 1},
        )


@shared_task(
    # At most once: sending is not idempotent, so the message is acknowledged before the task
    # runs (a crash loses this one e-mail; the coach sees "wordt verstuurd" and sends it again).
    acks_late=False,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_invitation(invitation_pk: int) -> None:
    """E-mail the link to set a password, unless the invitation was accepted (or deleted) in
    the meantime."""
    from coaching.accounts import invitation_send

    invitation = Invitation.objects.select_related("user", "invited_by").filter(pk=invitation_pk)
    invitation = invitation.first()
    if invitation is not None and invitation.is_open:
        invitation_send(invitation=invitation)


@shared_task(
    acks_late=False,  # at most once, like the invitation
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_portal_linked(guardian_pk: int) -> None:
    """Tell a parent that they can now also act for this child (no details: log in to see)."""
    from coaching.emails import send_templated
    from coaching.models import Guardian

    guardian = Guardian.objects.select_related("account", "client").filter(pk=guardian_pk).first()
    if guardian is None or guardian.account is None:
        return
    send_templated(
        "portal_linked",
        to=guardian.account.email,
        language=guardian.account.language,
        context={"user": guardian.account, "child": guardian.client.first_name},
    )


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_sends(ids: list[int]) -> dict[str, int]:
    """Sends outbox rows; a redelivered or repeated call finds them claimed or sent (a no-op)."""
    from coaching.outbox import deliver

    return deliver(ids)


@shared_task
def sweep_sends() -> int:
    from coaching.outbox import sweep

    return sweep()


@shared_task(acks_late=True)
def noop() -> None:
    """Does nothing: the benchmark's baseline of a task's round trip (broker, worker, ack), to
    which `make bench` compares the time of sending reminders (bench/test_reminders_bench.py)."""
