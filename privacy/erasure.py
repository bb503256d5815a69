"""Erasing a client (AVG art. 17), by the coach, the admin or the retention purge.

Everything about the client goes: trajects with their dossier, messages and attachment files,
appointments, evaluations, Backstage contributions and memberships, consents, third parties,
the outbox's records of e-mails to them, and the portal accounts that act only for them. What
the law makes the practice keep stays, without the dossier: sent invoices (7 years, the fiscal
obligation) keep the client's row, anonymised and hidden from every list, and the row of a
parent an invoice was addressed to. The audit log keeps its rows (it refers to the client
without a foreign key) and records the erasure itself.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import Action, What, record
from billing.models import Invoice
from coaching.models import Client, Consent, Guardian, Send, ThirdParty, User
from groups.models import Contribution, Membership
from privacy.models import RetentionPeriod
from sessions.models import Appointment
from trajects.models import Evaluation, Message, Traject


@dataclass
class Erased:
    """What an erasure removed (counts per kind) and what it kept, for the message and the log."""

    removed: dict[str, int] = field(default_factory=dict)
    kept_invoices: int = 0
    accounts: int = 0

    @property
    def anonymised(self) -> bool:
        return self.kept_invoices > 0


def why_not_erasable(client: Client) -> str | None:
    """A reason the client cannot be erased yet, for the coach; None when it can."""
    if client.trajects.exclude(status__in=Traject.CLOSED).exists():
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


def _outbox_rows(client: Client, appointments, evaluations, messages, trajects):
    """The outbox's rows about the client's things, or addressed to them."""
    subjects = Q()
    for pk in appointments:
        subjects |= Q(subject__startswith=f"appointment:{pk}.")
    for pk in trajects:
        subjects |= Q(subject__startswith=f"traject:{pk}:")
    subjects |= Q(subject__in=[f"evaluation:{pk}" for pk in evaluations])
    subjects |= Q(subject__in=[f"message:{pk}" for pk in messages])
    for address in _addresses(client):
        subjects |= Q(recipients__icontains=address) | Q(delivered_to__icontains=address)
    return Send.objects.filter(subjects)


def _only_for(account: User, client: Client) -> bool:
    """The account acts for this client alone: no other child, not a coach or an admin."""
    if account.role != "client" or account.is_staff:
        return False
    others = Guardian.objects.filter(account=account).exclude(client=client)
    return (
        not others.exists()
        and not Client.objects.filter(account=account).exclude(pk=client.pk).exists()
    )


def client_erase(*, client: Client, by: User | None, request=None) -> Erased:
    """Erases the client; refused (ValidationError) while the coaching goes on."""
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.erased_on is not None:
            raise ValidationError(_("Deze cliënt is al gewist."))
        if reason := why_not_erasable(client):
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
        accounts = [a for a in {a.pk: a for a in accounts}.values() if _only_for(a, client)]

        def delete(name: str, queryset) -> None:
            done.removed[name] = queryset.delete()[0]

        delete("outbox", _outbox_rows(client, appointments, evaluations, message_pks, trajects))
        delete("contributions", Contribution.objects.filter(membership__client=client))
        delete("memberships", Membership.objects.filter(client=client))
        delete("evaluations", Evaluation.objects.filter(client=client))
        delete("appointments", Appointment.objects.filter(pk__in=appointments))
        delete("trajects", Traject.objects.filter(client=client))  # with the whole dossier
        delete("consents", Consent.objects.filter(client=client))
        delete("third_parties", ThirdParty.objects.filter(client=client))
        delete("draft_invoices", Invoice.objects.filter(client=client, status="draft"))
        invoiced = Invoice.objects.filter(client=client)
        kept_guardians = set(invoiced.exclude(guardian=None).values_list("guardian", flat=True))
        delete("guardians", client.guardians.exclude(pk__in=kept_guardians))
        client.guardians.filter(pk__in=kept_guardians).update(
            first_name="—", last_name="—", email="", phone="", account=None
        )
        done.kept_invoices = invoiced.count()
        client_pk, client_uuid = client.pk, client.uuid
        if done.anonymised:
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
        # The files go once the rows are gone for good.
        transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
    return done


# --- Retention ---------------------------------------------------------------------------------


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def last_activity(client: Client) -> datetime.date | None:
    """The day the coaching last did something with the client; None while it goes on."""
    if why_not_erasable(client):
        return None
    days = [timezone.localdate(client.created_at)]
    closed = client.trajects.aggregate(last=Max("closed_on"))["last"]
    moments = [
        Appointment.objects.filter(traject__client=client).aggregate(last=Max("end"))["last"],
        Message.objects.filter(traject__client=client).aggregate(last=Max("created_at"))["last"],
        Evaluation.objects.filter(client=client).aggregate(last=Max("created_at"))["last"],
        Appointment.objects.filter(backstage_meeting__group__members__client=client).aggregate(
            last=Max("end")
        )["last"],
    ]
    days += [closed] if closed else []
    days += [timezone.localdate(moment) for moment in moments if moment]
    return max(days)


def kinds_of(client: Client, until: datetime.date) -> set[str]:
    Kind = RetentionPeriod.Kind
    kinds = {Kind.ADULT}
    if client.date_of_birth and _years_later(client.date_of_birth, 18) > until:
        kinds = {Kind.CHILD}
    if client.trajects.filter(kind=Traject.Kind.EMAIL).exists():
        kinds.add(Kind.EMAIL)
    if client.backstage_memberships.exists():
        kinds.add(Kind.BACKSTAGE)
    return kinds


def expired_clients(today: datetime.date | None = None) -> list[tuple[Client, datetime.date]]:
    """The clients whose retention ended before today, with the day it ended."""
    today = today or timezone.localdate()
    years = RetentionPeriod.years_by_kind()
    shortest = min(years.values())
    found = []
    candidates = Client.objects.filter(
        erased_on__isnull=True, created_at__date__lt=_years_later(today, -shortest)
    ).select_related("account")
    for client in candidates.iterator(chunk_size=500):
        last = last_activity(client)
        if last is None:
            continue
        keep = max(years[kind] for kind in kinds_of(client, last))
        ends = _years_later(last, keep)
        if ends < today:
            found.append((client, ends))
    return found


def purge_expired(*, dry_run: bool = False, today=None) -> list[tuple[Client, datetime.date]]:
    """Erases every client past retention (none with `dry_run`); returns them."""
    expired = expired_clients(today)
    if not dry_run:
        for client, _ends in expired:
            client_erase(client=client, by=None)
    return expired
