"""Erasing a client (AVG art. 17), by the coach, the admin or the retention purge.

Everything about the client goes: trajects with their dossier, messages and attachment files,
appointments, evaluations, Backstage contributions and memberships, consents, third parties,
the outbox's records of e-mails to them, and the portal accounts that act only for them. What
the law makes the practice keep stays, without the dossier: sent invoices (7 years, the fiscal
obligation) keep the client's row, anonymised and hidden from every list, and the row of a
parent an invoice was addressed to. The audit log keeps its rows (it refers to the client
without a foreign key) and records the erasure itself.

Nothing erased stays readable in the database's files: SQLite zeroes what is deleted
(`secure_delete`, coaching/settings.py) and, after the erasure commits, its write-ahead log is
checkpointed and emptied (`wal_checkpoint`). On PostgreSQL see docs/security.md (dead rows,
the WAL, backups). Every erasure is also one line in the application log, with the client's
UUID only, so that it can be applied again after a backup from before it is restored
(`manage.py reapply_erasures`).
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import partitions
from audit.log import Action, What, record
from audit.models import AuditEvent
from billing.models import Invoice, PackagePurchase, PackageUse
from coaching.models import Client, Consent, Guardian, Send, ThirdParty, User
from groups.models import Contribution, Membership
from privacy.models import INVOICE_YEARS, RetentionPeriod
from sessions.models import Appointment
from trajects.models import Evaluation, Message, Traject, TrajectEvent

log = logging.getLogger(__name__)


@dataclass
class Erased:
    """What an erasure removed (counts per kind) and what it kept, for the message and the log."""

    removed: dict[str, int] = field(default_factory=dict)
    kept_invoices: int = 0
    accounts: int = 0

    @property
    def anonymised(self) -> bool:
        return self.kept_invoices > 0


# A traject in these phases never got to the coaching itself: a prospect who did not go on.
NOT_STARTED = (
    Traject.Status.AANMELDING,
    Traject.Status.KENNISMAKING,
    Traject.Status.BEDENKTIJD,
    Traject.Status.INTAKE,
)


def why_not_erasable(client: Client, *, prospects_too: bool = False) -> str | None:
    """A reason the client cannot be erased yet, for the coach; None when it can. The purge
    also erases a prospect whose traject never started (`prospects_too`)."""
    if client.erased_on is not None:
        return _("Deze cliënt is al gewist.")
    still_open = client.trajects.exclude(status__in=Traject.CLOSED)
    if prospects_too:
        still_open = still_open.exclude(status__in=NOT_STARTED)
    if still_open.exists():
        return _("Sluit eerst de lopende trajecten af (afronden of stoppen, met een reden).")
    if Appointment.objects.filter(
        traject__client=client, status=Appointment.Status.BOOKED, end__gt=timezone.now()
    ).exists():
        return _("Annuleer eerst de afspraken die nog komen.")
    if client.backstage_memberships.filter(left_on__isnull=True).exists():
        return _("Meld de cliënt eerst af bij de Backstage-groep.")
    return None


def _addresses(client: Client) -> set[str]:
    addresses = {client.email, client.portal_email}
    for guardian in client.guardians.select_related("account"):
        addresses |= {guardian.email, guardian.account.email if guardian.account_id else ""}
    return {address.lower() for address in addresses if address}


def _addresses_of_others(client: Client, addresses: set[str]) -> set[str]:
    """Which of these addresses another client, parent or account uses as well."""
    others = Client.objects.exclude(pk=client.pk)
    used = set()
    for address in addresses:
        if (
            others.filter(Q(email__iexact=address) | Q(account__email__iexact=address)).exists()
            or Guardian.objects.exclude(client=client)
            .filter(Q(email__iexact=address) | Q(account__email__iexact=address))
            .exists()
        ):
            used.add(address)
    return used


def _outbox_rows(client: Client, appointments, evaluations, messages, trajects) -> list[int]:
    """The outbox's rows that name the client or are about the client's things, and those sent
    only to addresses that are the client's alone (a parent's reminders about a brother or
    sister stay)."""
    subjects = Q(client=client)
    for pk in appointments:
        subjects |= Q(subject__startswith=f"appointment:{pk}.")
    for pk in trajects:
        subjects |= Q(subject__startswith=f"traject:{pk}:")
    subjects |= Q(subject__in=[f"evaluation:{pk}" for pk in evaluations])
    subjects |= Q(subject__in=[f"message:{pk}" for pk in messages])
    rows = set(Send.objects.filter(subjects).values_list("pk", flat=True))
    addresses = _addresses(client)
    own = addresses - _addresses_of_others(client, addresses)
    near = Q(pk__in=[])
    for address in own:  # a rough cut in SQL, the exact address in Python
        near |= Q(recipients__icontains=address) | Q(delivered_to__icontains=address)
    for pk, recipients, delivered in Send.objects.filter(near).values_list(
        "pk", "recipients", "delivered_to"
    ):
        sent_to = {str(address).lower() for address in [*recipients, *delivered]}
        if sent_to and sent_to <= own:
            rows.add(pk)
    return sorted(rows)


def _only_for(account: User, client: Client) -> bool:
    """The account acts for this client alone: no other child, not a coach or an admin."""
    if account.role != "client" or account.is_staff:
        return False
    others = Guardian.objects.filter(account=account).exclude(client=client)
    return (
        not others.exists()
        and not Client.objects.filter(account=account).exclude(pk=client.pk).exists()
    )


def client_erase(
    *,
    client: Client,
    by: User | None,
    request=None,
    prospects_too: bool = False,
    again_after_restore: bool = False,
) -> Erased:
    """Erases the client; refused (ValidationError) while the coaching goes on, except when
    an erasure made before is applied again to a restored backup (`again_after_restore`: the
    backup may be from before the coaching ended)."""
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        checked = client.erased_on is not None or not again_after_restore
        if checked and (reason := why_not_erasable(client, prospects_too=prospects_too)):
            raise ValidationError(reason)
        done = Erased()
        trajects = list(client.trajects.values_list("pk", flat=True))
        appointments = list(
            Appointment.objects.filter(traject__client=client).values_list("pk", flat=True)
        )
        evaluations = list(client.evaluations.values_list("pk", flat=True))
        messages = Message.objects.filter(traject__client=client)
        files = list(messages.exclude(attachment="").values_list("attachment", flat=True))
        message_pks = list(messages.values_list("pk", flat=True))
        accounts = [client.account] if client.account_id else []
        accounts += [g.account for g in client.guardians.select_related("account") if g.account_id]
        # Locked: a parent's account linked to a brother or sister at this moment stays.
        locked = User.objects.select_for_update().filter(pk__in=[a.pk for a in accounts])
        accounts = [a for a in locked if _only_for(a, client)]

        _remove_rows(client, done, appointments, evaluations, message_pks, trajects)
        client_pk, client_uuid = client.pk, client.uuid
        _erase_row(client, anonymised=done.anonymised)
        for account in accounts:
            account.delete()
        done.accounts = len(accounts)
        record(
            request,
            Action.ANONYMISE if done.anonymised else Action.ERASE,
            What.CLIENT,
            client=Client(pk=client_pk, uuid=client_uuid),
            obj=Client(pk=client_pk, uuid=client_uuid),
            user=by,
            role=None if by is not None else "system",
            detail=" ".join(f"{name}={count}" for name, count in done.removed.items() if count),
        )
        _when_committed(files, client_uuid, anonymised=done.anonymised)
    return done


def _when_committed(files: list[str], client_uuid, *, anonymised: bool) -> None:
    """What follows the erasure once it is committed (nothing, when it is rolled back)."""
    # The files go once the rows are gone for good; then nothing of the rows may stay in
    # the database's files either.
    transaction.on_commit(lambda: _delete_files(files), robust=True)
    transaction.on_commit(wal_checkpoint, robust=True)
    # Outside the database, so that it survives the restore of an older backup: the UUID
    # only, nothing about the person.
    transaction.on_commit(
        lambda: log.info(
            "Erasure: client %s %s",
            client_uuid,
            "anonymised (invoices kept)" if anonymised else "erased",
        ),
        robust=True,
    )


def _remove_rows(client: Client, done: Erased, appointments, evaluations, messages, trajects):
    """Everything about the client but their row: deleted, except the invoices sent (kept, as
    the law asks) and the guardians they are addressed to (anonymised)."""

    def delete(name: str, queryset) -> None:
        done.removed[name] = queryset.delete()[0]

    delete(
        "outbox",
        Send.objects.filter(
            pk__in=_outbox_rows(client, appointments, evaluations, messages, trajects)
        ),
    )
    delete("contributions", Contribution.objects.filter(membership__client=client))
    delete("memberships", Membership.objects.filter(client=client))
    delete("evaluations", Evaluation.objects.filter(client=client))
    # The strippenkaarten and their strips: an invoice that billed a card keeps its own line.
    delete("package_uses", PackageUse.objects.filter(purchase__client=client))
    delete("package_purchases", PackagePurchase.objects.filter(client=client))
    delete("appointments", Appointment.objects.filter(pk__in=appointments))
    delete("trajects", Traject.objects.filter(client=client))  # with the whole dossier
    delete("consents", Consent.objects.filter(client=client))
    delete("third_parties", ThirdParty.objects.filter(client=client))
    # The Django admin's history names the client and the people around them.
    delete("admin_history", _admin_history(client))
    delete("draft_invoices", Invoice.objects.filter(client=client, status="draft"))
    invoiced = Invoice.objects.filter(client=client)
    kept_guardians = set(invoiced.exclude(guardian=None).values_list("guardian", flat=True))
    delete("guardians", client.guardians.exclude(pk__in=kept_guardians))
    client.guardians.filter(pk__in=kept_guardians).update(
        first_name="—", last_name="—", email="", phone="", account=None
    )
    done.kept_invoices = invoiced.count()


def _erase_row(client: Client, *, anonymised: bool) -> None:
    """The client's own row: anonymised when invoices keep it, else deleted."""
    if anonymised:
        # The invoices keep their addressee as sent; the client's row keeps nothing else.
        Client.objects.filter(pk=client.pk).update(
            first_name="—",  # data, not text: the same in every language
            last_name="—",
            date_of_birth=None,
            email="",
            phone="",
            street="",
            postal_code="",
            city="",
            organisation=None,
            account=None,
            erased_on=timezone.localdate(),
        )
    else:
        Client.objects.filter(pk=client.pk).delete()


def wal_checkpoint() -> None:
    """SQLite writes every change to its write-ahead log (the -wal file) first; a checkpoint
    copies the pages into the database file, but the log keeps its old frames, with the rows
    as they were, until it is overwritten. After an erasure: copy everything into the
    database file (where secure_delete zeroed the erased rows and the freed pages) and empty
    the log. It waits (the connection's timeout) for readers of the log to finish."""
    if connection.vendor != "sqlite":
        return  # PostgreSQL: see docs/security.md
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _frames, _copied = cursor.fetchone()
    if busy:
        log.warning(
            "Erasure: the SQLite write-ahead log could not be emptied (another connection "
            "kept reading); it is emptied with the next erasure, or run "
            "`PRAGMA wal_checkpoint(TRUNCATE)` when the application is stopped."
        )


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.exception("Erasure: could not delete the file %s", name)


def _admin_history(client: Client):
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    # The four content types in one query (one each was an N+1 while the cache is cold).
    types = ContentType.objects.get_for_models(Client, Guardian, ThirdParty, Consent)
    objects = Q(content_type=types[Client], object_id=str(client.pk))
    for model, pks in (
        (Guardian, client.guardians.values_list("pk", flat=True)),
        (ThirdParty, client.third_parties.values_list("pk", flat=True)),
        (Consent, client.consents.values_list("pk", flat=True)),
    ):
        objects |= Q(content_type=types[model], object_id__in=[str(pk) for pk in pks])
    return LogEntry.objects.filter(objects)


# --- Retention ---------------------------------------------------------------------------------


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def last_activity(client: Client) -> datetime.date | None:
    """The day the coaching last did something with the client; None while it goes on (a
    prospect whose traject never started counts as done: their last step is the activity)."""
    if why_not_erasable(client, prospects_too=True):
        return None
    days = [timezone.localdate(client.created_at)]
    trajects = client.trajects.aggregate(
        closed=Max("closed_on"), registered=Max("registered_on"), met=Max("kennismaking_on")
    )
    days += [day for day in trajects.values() if day]
    step = TrajectEvent.objects.filter(traject__client=client).aggregate(last=Max("on"))["last"]
    days += [step] if step else []
    moments = [
        Appointment.objects.filter(traject__client=client).aggregate(last=Max("end"))["last"],
        Message.objects.filter(traject__client=client).aggregate(last=Max("created_at"))["last"],
        Evaluation.objects.filter(client=client).aggregate(last=Max("created_at"))["last"],
    ]
    for membership in client.backstage_memberships.all():
        # The group's meetings while the client was in it.
        meetings = Appointment.objects.filter(
            backstage_meeting__group=membership.group_id,
            start__date__gte=membership.joined_on,
        )
        if membership.left_on:
            meetings = meetings.filter(start__date__lte=membership.left_on)
        moments.append(meetings.aggregate(last=Max("end"))["last"])
        days += [membership.left_on] if membership.left_on else []
    days += [timezone.localdate(moment) for moment in moments if moment]
    return max(days)


def kinds_of(client: Client, until: datetime.date) -> set[str]:
    """The kinds of dossier the client has: the longest of their periods counts."""
    Kind = RetentionPeriod.Kind
    kinds = set()
    if client.trajects.filter(kind=Traject.Kind.EMAIL).exists():
        kinds.add(Kind.EMAIL)
    if client.backstage_memberships.exists():
        kinds.add(Kind.BACKSTAGE)
    if client.trajects.exclude(kind=Traject.Kind.EMAIL).exists() or not kinds:
        is_child = client.date_of_birth and _years_later(client.date_of_birth, 18) > until
        kinds.add(Kind.CHILD if is_child else Kind.ADULT)
    return kinds


def expired_clients(today: datetime.date | None = None) -> list[tuple[Client, datetime.date]]:
    """The clients whose retention ended before today, with the day it ended. (About ten
    queries a client that is old enough to be a candidate: a nightly job, not a page.)"""
    today = today or timezone.localdate()
    years = RetentionPeriod.years_by_kind()
    oldest = _years_later(today, -min(years.values()))
    found = []
    candidates = Client.objects.current().filter(
        created_at__lt=timezone.make_aware(datetime.datetime.combine(oldest, datetime.time()))
    )
    for client in candidates.select_related("account").iterator(chunk_size=500):
        last = last_activity(client)
        if last is None:
            continue
        ends = _years_later(last, max(years[kind] for kind in kinds_of(client, last)))
        if ends < today:
            found.append((client, ends))
    return found


def erased_with_old_invoices_only(today: datetime.date | None = None):
    """Erased clients whose every invoice is past the fiscal retention (issued in a year that
    ended more than INVOICE_YEARS years ago)."""
    today = today or timezone.localdate()
    kept_from_year = today.year - INVOICE_YEARS
    still_kept = Invoice.objects.filter(client=OuterRef("pk")).filter(
        Q(issued_on__year__gte=kept_from_year) | Q(issued_on__isnull=True)
    )
    return Client.objects.filter(erased_on__isnull=False).exclude(Exists(still_kept))


def purge_old_invoices(today: datetime.date | None = None) -> int:
    """Of erased clients, the invoices past the fiscal retention go, and then the client's
    row and the parents' rows kept for them: nothing of the client remains. Returns how
    many clients went."""
    gone = 0
    for client in erased_with_old_invoices_only(today):
        with transaction.atomic():
            invoices = Invoice.objects.filter(client=client)
            count = invoices.count()
            # A credit invoice first: it refers to the invoice it corrects (PROTECT).
            invoices.filter(credit_for__isnull=False).delete()
            invoices.delete()
            client.guardians.all().delete()
            Client.objects.filter(pk=client.pk).delete()
            record(
                None,
                Action.ERASE,
                What.CLIENT,
                client=Client(pk=client.pk, uuid=client.uuid),
                obj=client,
                role="system",
                detail=f"invoices={count}",
            )
            transaction.on_commit(wal_checkpoint, robust=True)
        gone += 1
    return gone


def purge_old_log(now: datetime.datetime | None = None) -> int:
    """The audit log's part of the nightly job: on PostgreSQL the coming months get their
    partition (audit.partitions), and the log older than PRAKTIJK_AUDIT_LOG_YEARS (0: kept
    for ever) goes: on PostgreSQL a month at a time, once every row of it is past the period
    (its partition detached and dropped: the trigger refuses a DELETE), elsewhere row by row.
    Returns how many rows went."""
    now = now or timezone.now()
    on_partitions = partitions.partitioned()
    if on_partitions:
        partitions.ensure_ahead(now.date())
    years = settings.PRAKTIJK_AUDIT_LOG_YEARS
    if not years:
        return 0
    day = _years_later(now.date(), -years)
    cutoff = now.replace(year=day.year, month=day.month, day=day.day)
    if on_partitions:
        dropped = partitions.drop_older_than(cutoff)
        for name, rows in dropped.items():
            log.info("Retention purge: audit log partition %s dropped (%d rows)", name, rows)
        return sum(dropped.values())
    return AuditEvent.objects.filter(at__lt=cutoff).delete()[0]


def purge_expired(*, dry_run: bool = False, today=None) -> list[tuple[Client, datetime.date]]:
    """Erases every client past retention (none with `dry_run`); returns those erased (with
    `dry_run`: those it would erase). One that fails is logged and the purge goes on."""
    expired = expired_clients(today)
    if dry_run:
        return expired
    erased = []
    for client, ends in expired:
        try:
            client_erase(client=client, by=None, prospects_too=True)
        except Exception:
            log.exception("Retention purge: client %s could not be erased", client.uuid)
        else:
            erased.append((client, ends))
    try:
        purge_old_invoices(today)
    except Exception:
        log.exception("Retention purge: old invoices could not be removed")
    try:
        purge_old_log()
    except Exception:
        log.exception("Retention purge: the audit log's months could not be kept up")
    return erased
