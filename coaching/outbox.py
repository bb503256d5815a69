"""Sending reminders and prompts exactly once: rows in the outbox, claimed, then sent.

- `outbox_add` records what must go out (one row per subject and kind; adding it again is a
  no-op) and hands the rows it recorded that are due already to a task after the transaction
  commits.
- Finders, registered by the apps, say at every sweep (PRAKTIJK_SWEEP_SECONDS) what falls due
  by time: the reminders before an appointment, the prompt after a bedenktijd. What they find
  is recorded with `outbox_record`, so finding it again at the next sweep, or in a second beat,
  is a no-op.
- `deliver` claims rows (pending, or claimed longer ago than the stale limit by a worker that
  died), writes the messages of each with the composer registered for its kind, sends them over
  one SMTP connection per chunk and marks them in bulk. A composer that gives no message for a
  row says it is no longer needed (the appointment was cancelled): the row is skipped.

Composers and finders are registered per kind by the apps (`register`, `register_finder`), so
the core imports none of them."""

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from smtplib import (
    SMTPConnectError,
    SMTPException,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
)

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from coaching.models.sends import Send

log = logging.getLogger(__name__)

# Lookups of many subjects at once go in batches (SQLite allows some 32,000 parameters).
LOOKUP_BATCH = 1000

Item = tuple[str, str, datetime]  # (subject, kind, due_at)
# Why a row was skipped, kept on the row (Dutch, translated where it is shown).
NO_RECIPIENT = gettext_noop(
    "Geen ontvanger: geen e-mailadres, of bij een kind geen ouder die herinneringen krijgt."
)
# A composer gets the claimed rows of its kind in a chunk (so that it can load what they are
# about in a few queries) and gives the messages of each row, or for a row that is no longer
# needed the reason (a gettext_noop string, translated where it is shown) or nothing.
Composer = Callable[[list[Send]], dict[int, list[EmailMessage] | str]]
Finder = Callable[[datetime], Iterable[Item]]
COMPOSERS: dict[str, Composer] = {}
FINDERS: dict[str, Finder] = {}


def register(kind: str, composer: Composer) -> None:
    COMPOSERS[str(kind)] = composer  # a Send.Kind member is its value


def register_finder(name: str, finder: Finder) -> None:
    FINDERS[name] = finder


def one_by_one(compose: Callable[[Send], EmailMessage | str | None]) -> Composer:
    """A composer from a function that writes the message of one row (or the reason why not,
    or None)."""

    def composer(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
        result = {}
        for send in sends:
            message = compose(send)
            result[send.pk] = message if isinstance(message, str) else [message] if message else []
        return result

    composer.__wrapped__ = compose  # where the message is written (inspect.unwrap)
    return composer


def _batches(items: list, size: int = LOOKUP_BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pending_ids(keys: set[tuple[str, str]]) -> list[int]:
    ids = []
    for batch in _batches(sorted({subject for subject, _kind in keys})):
        rows = Send.objects.filter(subject__in=batch, status=Send.Status.PENDING)
        ids += [
            pk
            for pk, subject, kind in rows.values_list("pk", "subject", "kind")
            if (subject, kind) in keys
        ]
    return ids


def outbox_record(items: Iterable[Item], *, client=None) -> list[int]:
    """Record the items that are not recorded yet; returns the ids of the rows recorded now.
    Two callers at once (two beats) may both think a row new: both get its id (on PostgreSQL
    only the one that inserted it), and the claim lets only one of them send it. `client`: whom
    the items concern (the coach's list of what was sent about a client, the erasure)."""
    wanted = {(subject, kind): due_at for subject, kind, due_at in items}
    if not wanted:
        return []
    if db_connection.vendor == "postgresql":
        ids = []
        for batch in _batches(list(wanted.items())):
            ids += _insert_new(batch, client)
        return ids
    known = set()
    for batch in _batches(sorted({subject for subject, _kind in wanted})):
        known |= set(Send.objects.filter(subject__in=batch).values_list("subject", "kind"))
    new = {key: due_at for key, due_at in wanted.items() if key not in known}
    Send.objects.bulk_create(
        [
            Send(subject=subject, kind=kind, due_at=due, client=client)
            for (subject, kind), due in new.items()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return _pending_ids(set(new))


def _insert_new(items: list[tuple[tuple[str, str], datetime]], client) -> list[int]:
    """PostgreSQL: the rows of `items` not recorded yet, in one INSERT … ON CONFLICT DO NOTHING
    RETURNING id: the ids of exactly the rows inserted now. (The ORM's bulk_create compiled each
    row's fifteen values, and the rows new and then their ids were looked up before and after:
    a sweep that found 10,000 reminders spent more than a second of the process's CPU on it.)
    The other columns get what the ORM would write of a new row: the fields' defaults."""
    quote = db_connection.ops.quote_name
    given = ("subject", "kind", "due_at")
    fields = [field for field in Send._meta.concrete_fields if not field.primary_key]
    new = Send(client=client)
    values, params = [], []
    for field in fields:
        if field.name in given:
            values.append(f"given.{field.name}")
        else:
            values.append(f"CAST(%s AS {field.db_type(db_connection)})")
            params.append(field.get_db_prep_save(getattr(new, field.attname), db_connection))
    params += [
        [subject for (subject, _kind), _due in items],
        [kind for (_subject, kind), _due in items],
        [due for _key, due in items],
    ]
    sql = (
        f"INSERT INTO {quote(Send._meta.db_table)} "  # nosec B608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"SELECT {', '.join(values)} FROM unnest("
        f"CAST(%s AS varchar[]), CAST(%s AS varchar[]), CAST(%s AS timestamptz[])"
        f") AS given({', '.join(given)}) "
        f"ON CONFLICT DO NOTHING RETURNING {quote(Send._meta.pk.column)}"
    )
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


def outbox_add(items: Iterable[Item], *, deliver_now: bool = True, client=None) -> list[int]:
    """Record (subject, kind, due_at) items that are not recorded yet (a recorded one keeps
    its row and state), about `client` when they concern one. Returns the ids of the items'
    rows still pending. Rows recorded now that are due already are handed to a worker once the
    transaction commits."""
    items = list(items)
    new = outbox_record(items, client=client)
    if deliver_now:
        _enqueue_due(new)
    return _pending_ids({(subject, kind) for subject, kind, _due in items})


def outbox_send(
    subject: str,
    kind: str,
    *,
    client=None,
    context: dict | None = None,
    due_at: datetime | None = None,
) -> int | None:
    """One e-mail that a change causes (a booking's confirmation, an invitation): its row is
    written in the caller's transaction, so a rolled-back change sends nothing and a committed
    one cannot lose its mail; a worker gets it after the commit. `subject` names the change
    ("appointment:42:moved:<time>"): recording the same subject and kind again is a no-op.
    Returns the row's id while it is pending, else None."""
    due = due_at or timezone.now()
    Send.objects.bulk_create(
        [Send(subject=subject, kind=kind, due_at=due, client=client, context=context or {})],
        ignore_conflicts=True,
    )
    pending = _pending_ids({(subject, kind)})
    if pending and due <= timezone.now():
        enqueue(pending)
    return pending[0] if pending else None


def _enqueue_due(ids: list[int]) -> list[int]:
    now = timezone.now()
    due = []
    for batch in _batches(ids):
        due += Send.objects.filter(pk__in=batch, due_at__lte=now).values_list("pk", flat=True)
    enqueue(due)
    return due


def enqueue(ids: list[int]) -> None:
    """Hand rows to the workers in chunks, after the current transaction commits (a rolled-back
    transaction sends nothing)."""
    size = settings.PRAKTIJK_SEND_CHUNK
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        # robust: a broker that is down must not turn a finished request into an error; the
        # rows wait, and the sweep hands them over again after the stale limit.
        transaction.on_commit(lambda chunk=chunk: _hand_over(chunk), robust=True)


def _hand_over(chunk: list[int]) -> None:
    from coaching.tasks import deliver_sends

    Send.objects.filter(pk__in=chunk, status__in=[Send.Status.PENDING, Send.Status.CLAIMED]).update(
        queued_at=timezone.now()
    )
    deliver_sends.delay(chunk)


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
    not ours to send (already claimed or done: the no-ops).

    No new message is taken up after PRAKTIJK_SEND_TASK_SECONDS: the rows not begun are given
    back and handed over again. With Celery's time limits this keeps every claim younger than
    the stale limit while its task runs, also where nothing enforces Celery's limits (an
    orphaned pool process, a pool without time limits)."""
    deadline = time.monotonic() + settings.PRAKTIJK_SEND_TASK_SECONDS
    sends = claim(ids)
    counts = {"sent": 0, "skipped": 0, "failed": 0, "not_ours": len(set(ids)) - len(sends)}
    if counts["not_ours"]:
        log.info(
            "outbox: %s of %s sends were claimed or done already", counts["not_ours"], len(ids)
        )
    if not sends:
        return counts
    token = sends[0].claim_token
    by_kind: dict[str, list[Send]] = {}
    for send in sends:
        by_kind.setdefault(send.kind, []).append(send)
    composed: list[tuple[Send, list[EmailMessage]]] = []
    skipped: dict[str, list[int]] = {}  # reason → rows
    for kind, group in by_kind.items():
        try:
            messages = COMPOSERS[kind](group)
        except SoftTimeLimitExceeded:
            # Out of time before anything was sent: nothing is marked failed, all goes back.
            _release([send.pk for send in sends], token)
            raise
        except Exception as error:  # a composer's bug must not block the other kinds
            log.exception("outbox: composing %s sends of kind %s failed", len(group), kind)
            reason = f"{type(error).__name__}: {error}"
            _mark_many([send.pk for send in group], token, Send.Status.FAILED, error=reason)
            counts["failed"] += len(group)
            continue
        for send in group:
            outcome = messages.get(send.pk) or []
            if isinstance(outcome, str) or not outcome:
                skipped.setdefault(outcome or "", []).append(send.pk)
                continue
            _identify(send, outcome)
            send.recipients = [to for message in outcome for to in message.to]
            composed.append((send, outcome))
    for reason, rows in skipped.items():
        _mark_many(rows, token, Send.Status.SKIPPED, error=reason)
        counts["skipped"] += len(rows)
    if composed:
        # Every mark waits for the disk: after a crash of the database server itself, a row
        # sent is never sent again (DESIGN §4 rule 11), whatever it costs a row.
        sent, failed = _send_all(composed, token, deadline)
        counts["sent"] += sent
        counts["failed"] += failed
    return counts


def _identify(send: Send, messages: list[EmailMessage]) -> None:
    """The same Message-ID every time a row's message is sent: a resend after a crash is
    recognisable as the same message (mail programs show one), and countable in the tests."""
    domain = _domain(settings.DEFAULT_FROM_EMAIL)
    stamp = int(send.created_at.timestamp())
    for index, message in enumerate(messages):
        message.extra_headers["Message-ID"] = f"<send.{send.pk}.{index}.{stamp}@{domain}>"


@lru_cache(maxsize=4)
def _domain(from_email: str) -> str:
    return parseaddr(from_email)[1].rpartition("@")[2] or "praktijk"


# Long: one SMTP connection's loop with every way a send can end, in one place (commented).
def _send_all(
    composed: list[tuple[Send, list[EmailMessage]]], token, deadline: float
) -> tuple[int, int]:
    """One SMTP connection for the chunk. A row is marked sent as soon as the server accepted
    its messages, in bulk per PRAKTIJK_SEND_MARK_EVERY rows: a worker killed after the server
    accepted a message and before its row was marked sends that message again after the
    takeover (at least once, never lost), so the fewer rows wait unmarked, the fewer
    duplicates a crash can cause.

    A row may hold several messages (a child's two parents): who has had theirs is kept on the
    row (`delivered_to`), so a later attempt sends only to the others.

    A message the server refuses for good (5xx) marks its row failed with the reason, for the
    admin, and the chunk goes on. A passing trouble (a 4xx answer, a dropped connection) gives
    the row and the rest of the chunk back as pending, to be tried again by the sweep, up to
    PRAKTIJK_SEND_MAX_ATTEMPTS times. A connection refused for good (a wrong password) fails
    the chunk with the reason. Past the `deadline` (monotonic) the rows not begun are given back,
    after one row at least (so that a task always gets on).

    Whom each row went to and whom it concerns are written with its mark (of the rows not sent:
    at the end, for the admin's list of failed ones)."""
    every = max(1, settings.PRAKTIJK_SEND_MARK_EVERY)
    unmarked: list[Send] = []
    marked: set[int] = set()
    done: set[int] = set()
    sent = failed = 0
    connection = mailers.default

    def mark_waiting() -> None:
        # The rows accepted before, marked while the server reads the next message's commands
        # (coaching.smtp): its round trip and the mark's go together, and that message cannot
        # be accepted before they are marked.
        nonlocal unmarked, marked
        if len(unmarked) >= every:
            marked |= _mark_sent(unmarked, token)
            unmarked = []

    try:
        connection.open()
        for index, (send, messages) in enumerate(composed):
            if index and time.monotonic() >= deadline:
                rest = [row.pk for row, _ in composed[index:]]
                done |= set(rest)
                _release(rest, token)
                break
            delivered = list(send.delivered_to)
            try:
                for message in messages:
                    if set(message.to) <= set(delivered):
                        continue  # accepted at an earlier attempt
                    if hasattr(connection, "send_while"):  # coaching.mime.SMTPBackend
                        connection.send_while(message, mark_waiting)
                    else:
                        mark_waiting()
                        connection.send_messages([message])
                    delivered += message.to
            except DatabaseError:
                raise  # a mark failed: as before (nothing more is sent on this connection)
            except SoftTimeLimitExceeded:
                _remember(send, delivered, token)
                # What was sent is marked (finally); the rows not begun go back at once; the
                # one in flight (the server may have accepted it) is taken over once stale.
                rest = [row.pk for row, _ in composed[index + 1 :]]
                done |= set(rest)
                _release(rest, token)
                raise
            except Exception as error:
                _remember(send, delivered, token)
                if not _transient(error):
                    failed += 1
                    done.add(send.pk)
                    _mark_many([send.pk], token, Send.Status.FAILED, error=_reason(error))
                    continue
                rest = [row for row, _ in composed[index:]]
                done |= {row.pk for row in rest}
                failed += _give_back(rest, token, error)
                break
            unmarked.append(send)
            done.add(send.pk)
            sent += 1
    except SoftTimeLimitExceeded:
        raise
    except Exception as error:  # the connection could not be opened
        rest = [row for row, _ in composed if row.pk not in done]
        if _transient(error):
            failed += _give_back(rest, token, error)
        else:
            log.error("outbox: the mail server refused the connection: %s", _reason(error))
            _mark_many([row.pk for row in rest], token, Send.Status.FAILED, error=_reason(error))
            failed += len(rest)
    finally:
        marked |= _mark_sent(unmarked, token)
        _record([row for row, _ in composed if row.pk not in marked])
        try:
            connection.close()
        except Exception:  # the server hung up first: nothing is lost
            log.warning("outbox: closing the SMTP connection failed", exc_info=True)
    return sent, failed


def _release(ids: list[int], token) -> None:
    """Rows claimed and not begun, given back (the task ran out of time): pending again without
    counting an attempt, and handed over again at once."""
    if not ids:
        return
    released = list(
        Send.objects.filter(pk__in=ids, claim_token=token, status=Send.Status.CLAIMED).values_list(
            "pk", flat=True
        )
    )
    Send.objects.filter(pk__in=released, claim_token=token).update(
        status=Send.Status.PENDING, claim_token=None, claimed_at=None, attempts=F("attempts") - 1
    )
    log.info("outbox: out of time, %s sends handed over again", len(released))
    enqueue(released)


def _remember(send: Send, delivered: list[str], token) -> None:
    """Part of a row's messages went out before a failure: keep who had theirs."""
    if delivered != list(send.delivered_to):
        Send.objects.filter(pk=send.pk, claim_token=token).update(delivered_to=delivered)


def _transient(error: Exception) -> bool:
    """A passing trouble, worth another attempt later: the connection dropped or could not be
    made, or the server answered 4xx. (smtplib's errors are OSErrors too: check them first.)"""
    if isinstance(error, (SMTPServerDisconnected, SMTPConnectError)):
        return True
    if isinstance(error, SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    if isinstance(error, SMTPException):
        return False
    return isinstance(error, OSError)  # a socket error or a timeout


def _give_back(sends: list[Send], token, error: Exception) -> int:
    """Rows that met a passing trouble: pending again (the sweep tries them later), or failed
    after the last attempt. Returns how many failed for good."""
    reason = _reason(error)
    last = [send.pk for send in sends if send.attempts >= settings.PRAKTIJK_SEND_MAX_ATTEMPTS]
    again = [send.pk for send in sends if send.pk not in last]
    _mark_many(last, token, Send.Status.FAILED, error=reason)
    # Handed over "now": the sweep tries them again once the stale limit has passed.
    Send.objects.filter(pk__in=again, claim_token=token).update(
        status=Send.Status.PENDING,
        claim_token=None,
        claimed_at=None,
        queued_at=timezone.now(),
        error=reason[:2000],
    )
    log.warning("outbox: %s sends wait for another attempt: %s", len(again), reason)
    return len(last)


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _mark_many(ids: list[int], token, status: str, *, error: str = "") -> None:
    """Mark rows still held by this claim (a stale claim may have been taken over since)."""
    if not ids:
        return
    changes = {"status": status, "error": error[:2000]}
    if status == Send.Status.SENT:
        changes["sent_at"] = timezone.now()
    if status == Send.Status.FAILED:
        changes["failed_at"] = timezone.now()
    Send.objects.filter(pk__in=ids, claim_token=token).update(**changes)


def _mark_sent(rows: list[Send], token) -> set[int]:
    """`_mark_many(ids, token, SENT)`, with whom each row went to and whom it concerns (a
    composer may name the client: a reminder found by the sweep, whose finder only knows the
    subject), for the coach's list and the erasure. Returns the ids.

    A chunk marks every row as soon as the server accepted it (PRAKTIJK_SEND_MARK_EVERY = 1):
    that UPDATE is written here, with the row's own values, because the ORM's compiling of it
    for each row (and a bulk_update of the chunk's recipients besides) cost more than sending."""
    if not rows:
        return set()
    field, quote = Send._meta.get_field, db_connection.ops.quote_name
    values = {
        "status": Send.Status.SENT.value,
        "error": "",
        "sent_at": field("sent_at").get_db_prep_value(timezone.now(), db_connection),
    }
    if len(rows) == 1:
        values["recipients"] = field("recipients").get_db_prep_value(
            rows[0].recipients, db_connection
        )
        values["client"] = rows[0].client_id
    else:
        _record(rows)
    sets = ", ".join(f"{quote(field(name).column)} = %s" for name in values)
    ids = [row.pk for row in rows]
    sql = (
        f"UPDATE {quote(Send._meta.db_table)} SET {sets} "  # nosec B608
        f"WHERE {quote(Send._meta.pk.column)} IN ({', '.join(['%s'] * len(ids))}) "
        f"AND {quote(field('claim_token').column)} = %s"
    )
    token = field("claim_token").get_db_prep_value(token, db_connection)
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [*values.values(), *ids, token])
    return set(ids)


def _record(rows: list[Send]) -> None:
    """Whom the rows went to, or were to go to, and whom they concern."""
    if rows:
        Send.objects.bulk_update(rows, ["recipients", "client"], batch_size=500)


def retry(send: Send) -> None:
    """The admin sends a failed one again."""
    updated = Send.objects.filter(pk=send.pk, status=Send.Status.FAILED).update(
        status=Send.Status.PENDING,
        error="",
        failed_at=None,
        claim_token=None,
        claimed_at=None,
        attempts=0,
    )
    if updated:
        enqueue([send.pk])


def sweep() -> int:
    """Hand to the workers every due row that was never handed over, or handed over longer ago
    than the stale limit without being claimed (the message was lost with the broker, or the
    row waits after a passing SMTP trouble), and claims gone stale (the worker died); then
    record what the finders say has fallen due (reminders before an appointment, prompts) and
    hand that over as it is recorded, a thousand rows at a time, so that the workers begin on
    the first while the rest is recorded. A row handed over a moment ago is left alone: it sits
    in the queue, and a backlog is not queued again at every sweep. At most
    PRAKTIJK_SEND_SWEEP_LIMIT rows, oldest first (the rest at the next sweep). Returns how many
    rows were handed over."""
    now = timezone.now()
    limit = settings.PRAKTIJK_SEND_SWEEP_LIMIT
    stale = now - timedelta(seconds=settings.PRAKTIJK_SEND_CLAIM_STALE_SECONDS)
    not_handed_over_lately = Q(queued_at__isnull=True) | Q(queued_at__lt=stale)
    ids = list(
        Send.objects.filter(
            Q(status=Send.Status.PENDING) | Q(status=Send.Status.CLAIMED, claimed_at__lt=stale),
            not_handed_over_lately,
            due_at__lte=now,
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    enqueue(ids)
    handed = len(ids)
    for name, finder in FINDERS.items():
        try:
            for items in _batches(list(finder(now))):
                recorded = outbox_record(items)
                if handed < limit:
                    handed += len(_enqueue_due(recorded[: limit - handed]))
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # one app's finder must not stop the others' sends
            log.exception("outbox: the finder %s failed", name)
    return handed
