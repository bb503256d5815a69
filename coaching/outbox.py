"""Sending reminders and prompts exactly once: rows in the outbox, claimed, then sent.

- `outbox_add` records what must go out (one row per subject and kind; adding it again is a
  no-op) and hands the row to a task after the transaction commits.
- `deliver` claims rows (pending, or claimed longer ago than the stale limit by a worker that
  died), writes each message with the composer registered for its kind, sends them over one SMTP
  connection per chunk and marks them with bulk updates. A composer that returns None says the
  message is no longer needed (the appointment was cancelled): the row is skipped.

Composers are registered per kind by the apps (`register`), so the core imports none of them."""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from coaching.models.outbox import Send

log = logging.getLogger(__name__)

# The beat runs the sweep every minute; a little more, so that no row falls between two sweeps.
SWEEP_WINDOW_SECONDS = 90

Composer = Callable[[Send], EmailMessage | None]
COMPOSERS: dict[str, Composer] = {}


def register(kind: str, composer: Composer) -> None:
    COMPOSERS[kind] = composer


def outbox_add(
    items: Iterable[tuple[str, str, datetime]], *, deliver_now: bool = True
) -> list[int]:
    """Record (subject, kind, due_at) items that are not recorded yet (a recorded one keeps
    its row and state). Returns the ids of the items' rows still pending; those already due
    are handed to a worker once the transaction commits (a repeat is a no-op there)."""
    rows = [Send(subject=subject, kind=kind, due_at=due_at) for subject, kind, due_at in items]
    if not rows:
        return []
    keys = {(row.subject, row.kind) for row in rows}
    Send.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # bulk_create with ignore_conflicts gives no ids: read back the rows still pending.
    subjects = {subject for subject, _kind in keys}
    new = [
        pk
        for pk, subject, kind in Send.objects.filter(
            subject__in=subjects, status=Send.Status.PENDING
        ).values_list("pk", "subject", "kind")
        if (subject, kind) in keys
    ]
    if deliver_now:
        due = list(
            Send.objects.filter(pk__in=new, due_at__lte=timezone.now()).values_list("pk", flat=True)
        )
        enqueue(due)
    return new


def enqueue(ids: list[int]) -> None:
    """Hand rows to the workers in chunks, after the current transaction commits (a rolled-back
    transaction sends nothing)."""
    from coaching.tasks import deliver_sends

    size = settings.PRAKTIJK_SEND_CHUNK
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        transaction.on_commit(lambda chunk=chunk: deliver_sends.delay(chunk))


def claimable() -> "Q":
    stale = timezone.now() - timedelta(seconds=settings.PRAKTIJK_SEND_CLAIM_STALE_SECONDS)
    return Q(status=Send.Status.PENDING) | Q(status=Send.Status.CLAIMED, claimed_at__lt=stale)


def claim(ids: list[int]) -> list[Send]:
    """Take the rows nobody holds (pending, or a claim gone stale): rows locked by another
    worker right now are skipped, not waited for."""
    token = Send.new_token()
    now = timezone.now()
    with transaction.atomic():
        free = list(
            Send.objects.select_for_update(skip_locked=True)
            .filter(claimable(), pk__in=ids, due_at__lte=now)
            .values_list("pk", flat=True)
        )
        # The condition again in the UPDATE: where rows are not locked (SQLite), the write
        # itself decides who has the row.
        Send.objects.filter(claimable(), pk__in=free).update(
            status=Send.Status.CLAIMED,
            claim_token=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    return list(Send.objects.filter(claim_token=token, status=Send.Status.CLAIMED))


def deliver(ids: list[int]) -> dict[str, int]:
    """Claim, compose, send, mark. Returns how many were sent, skipped, failed and how many were
    not ours to send (already claimed or done: the no-ops)."""
    sends = claim(ids)
    counts = {"sent": 0, "skipped": 0, "failed": 0, "not_ours": len(set(ids)) - len(sends)}
    if counts["not_ours"]:
        log.info(
            "outbox: %s of %s sends were claimed or done already", counts["not_ours"], len(ids)
        )
    composed: list[tuple[Send, EmailMessage]] = []
    for send in sends:
        try:
            message = COMPOSERS[send.kind](send)
        except Exception as error:  # a composer's bug must not block the rest of the chunk
            log.exception("outbox: composing %s failed", send)
            _mark(send, Send.Status.FAILED, error=f"{type(error).__name__}: {error}")
            counts["failed"] += 1
            continue
        if message is None:
            _mark(send, Send.Status.SKIPPED)
            counts["skipped"] += 1
        else:
            composed.append((send, message))
    if composed:
        sent, failed = _send_all(composed)
        counts["sent"] += len(sent)
        counts["failed"] += len(failed)
    return counts


def _send_all(composed: list[tuple[Send, EmailMessage]]) -> tuple[list[Send], list[Send]]:
    """One SMTP connection for the chunk; sent rows are marked in bulk."""
    sent: list[Send] = []
    failed: list[Send] = []
    connection = mailers.default
    try:
        connection.open()
        for send, message in composed:
            try:
                connection.send_messages([message])
            except Exception as error:
                failed.append(send)
                _mark(send, Send.Status.FAILED, error=f"{type(error).__name__}: {error}")
            else:
                send.recipients = list(message.to)
                sent.append(send)
    finally:
        connection.close()
        # Only rows still held by this claim (a stale claim may have been taken over).
        token = composed[0][0].claim_token
        Send.objects.filter(pk__in=[send.pk for send in sent], claim_token=token).update(
            status=Send.Status.SENT, sent_at=timezone.now()
        )
        Send.objects.bulk_update(sent, ["recipients"], batch_size=500)
    return sent, failed


def _mark(send: Send, status: str, *, error: str = "") -> None:
    Send.objects.filter(pk=send.pk, claim_token=send.claim_token).update(
        status=status, error=error[:2000]
    )


def retry(send: Send) -> None:
    """The admin sends a failed one again."""
    updated = Send.objects.filter(pk=send.pk, status=Send.Status.FAILED).update(
        status=Send.Status.PENDING, error="", claim_token=None, claimed_at=None
    )
    if updated:
        enqueue([send.pk])


def sweep() -> int:
    """Hand to a worker what became due since the last sweep, what was missed (pending for
    longer than the stale limit: the beat or the broker was down) and claims gone stale. Rows
    due a moment ago are left alone: they sit in the queue already, and a backlog is not
    queued again every minute."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PRAKTIJK_SEND_CLAIM_STALE_SECONDS)
    pending = Q(status=Send.Status.PENDING)
    ids = list(
        Send.objects.filter(
            (pending & Q(due_at__gt=now - timedelta(seconds=SWEEP_WINDOW_SECONDS)))
            | (pending & Q(due_at__lt=stale))
            | Q(status=Send.Status.CLAIMED, claimed_at__lt=stale),
            due_at__lte=now,
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[: settings.PRAKTIJK_SEND_SWEEP_LIMIT]
    )
    enqueue(ids)
    return len(ids)
