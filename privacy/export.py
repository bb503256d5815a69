"""All of a client's data, for the right of access and portability (AVG art. 15 and 20).

The export is a ZIP with the same data twice, for a machine (`gegevens.json`) and for a person
(`gegevens.html`, which opens in any browser and prints), plus the files attached to messages
(`bijlagen/`). Every model that holds data about the client is either a section here (SECTIONS)
or on EXCLUDED with the reason; `privacy/tests/test_export.py` walks the model graph and fails
on a model that is neither.

A section's rows carry every field of the model except those in SKIPPED_FIELDS (secrets and
internal keys), so a field added to a model is exported without anyone remembering to.
"""

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from billing.models import Invoice, InvoiceLine, PackagePurchase, PackageUse
from coaching.dates import readable
from coaching.models import Client, Consent, Guardian, Send, ThirdParty, User
from groups.models import Attendance, Contribution, GroupEvaluation, Membership
from sessions.models import Appointment, WaitlistOffer, WaitlistRequest
from trajects.agreement_pdf import agreement_filename, agreement_pdf, relation_label
from trajects.models import (
    AgreementAcceptance,
    Answer,
    DossierEntry,
    DossierEntryVersion,
    Evaluation,
    IntakeVersion,
    Message,
    Traject,
    TrajectEvent,
)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Section:
    model: type[models.Model]
    # The rows for the client; `account` is the portal account asking (None: the coach).
    rows: Callable[[Client, User | None], models.QuerySet]
    title: str


def _account(client: Client, account):
    return User.objects.filter(pk=client.account_id)


def _parent(client: Client, account) -> bool:
    """The export is asked for by a parent (not the coach, not the client themselves)."""
    return account is not None and account.pk != client.account_id


def _guardians(client: Client, account):
    # A parent gets their own row; the other parent's address and phone are not theirs to have.
    if _parent(client, account):
        return client.guardians.filter(account=account)
    return client.guardians.all()


def _invoices(client: Client, account):
    invoices = Invoice.objects.filter(client=client).exclude(status="draft")
    if account is not None:
        # What the portal shows: invoices addressed to this account (not the other parent's).
        invoices = invoices.filter(pk__in=Invoice.objects.for_account(account).values("pk"))
    return invoices


def _invoice_lines(client: Client, account):
    return InvoiceLine.objects.filter(invoice__in=_invoices(client, account))


# Mails to one person about their own account or bill: a portal account's download holds its
# own, not the other parent's (theirs, as their invoices and logins are).
TO_ONE_PERSON = [
    Send.Kind.ACCOUNT_MAIL,
    Send.Kind.EMAIL_CONFIRMATION,
    Send.Kind.INVITATION,
    Send.Kind.PORTAL_LINKED,
    Send.Kind.INVOICE,
]


def _mails(client: Client, account):
    # What was sent about the client and when; the addresses are in the account's and the
    # guardians' rows (a parent does not get the other parent's through this one).
    mails = Send.objects.filter(client=client)
    if account is None:
        return mails
    invoices = {f"invoice:{pk}" for pk in _invoices(client, account).values_list("pk", flat=True)}
    address = account.email.lower()
    theirs = [
        pk
        for pk, subject, recipients in mails.filter(kind__in=TO_ONE_PERSON).values_list(
            "pk", "subject", "recipients"
        )
        if subject not in invoices and address not in {str(to).lower() for to in recipients}
    ]
    return mails.exclude(pk__in=theirs)


SECTIONS = [
    Section(Client, lambda c, a: Client.objects.filter(pk=c.pk), _("Gegevens")),
    Section(User, _account, _("Portaalaccount")),
    Section(Guardian, _guardians, _("Ouders en verzorgers")),
    Section(ThirdParty, lambda c, a: c.third_parties.all(), _("Derde partijen")),
    Section(Consent, lambda c, a: c.consents.all(), _("Toestemmingen")),
    Section(Traject, lambda c, a: c.trajects.all(), _("Trajecten")),
    Section(
        TrajectEvent, lambda c, a: TrajectEvent.objects.filter(traject__client=c), _("Tijdlijn")
    ),
    Section(
        IntakeVersion, lambda c, a: IntakeVersion.objects.filter(traject__client=c), _("Intake")
    ),
    Section(
        DossierEntry,
        lambda c, a: DossierEntry.objects.filter(traject__client=c),
        _("Dossieraantekeningen"),
    ),
    Section(
        DossierEntryVersion,
        lambda c, a: DossierEntryVersion.objects.filter(entry__traject__client=c),
        _("Tekst van de aantekeningen (alle versies)"),
    ),
    Section(Message, lambda c, a: Message.objects.filter(traject__client=c), _("Berichten")),
    Section(
        Appointment, lambda c, a: Appointment.objects.filter(traject__client=c), _("Afspraken")
    ),
    Section(
        WaitlistRequest,
        lambda c, a: WaitlistRequest.objects.filter(traject__client=c),
        _("Wachtlijst"),
    ),
    Section(
        WaitlistOffer,
        lambda c, a: WaitlistOffer.objects.filter(request__traject__client=c),
        _("Aanbiedingen van de wachtlijst"),
    ),
    Section(
        AgreementAcceptance,
        lambda c, a: AgreementAcceptance.objects.filter(traject__client=c),
        _("Akkoord op de coachingsovereenkomst"),
    ),
    Section(Evaluation, lambda c, a: c.evaluations.all(), _("Evaluaties")),
    Section(Answer, lambda c, a: Answer.objects.filter(evaluation__client=c), _("Antwoorden")),
    Section(Membership, lambda c, a: Membership.objects.filter(client=c), _("Backstage-groepen")),
    Section(
        Attendance,
        lambda c, a: Attendance.objects.filter(membership__client=c),
        _("Aanwezigheid bij Backstage"),
    ),
    Section(
        Contribution,
        lambda c, a: Contribution.objects.filter(membership__client=c),
        _("Eigen inbreng bij Backstage"),
    ),
    Section(
        GroupEvaluation,
        lambda c, a: GroupEvaluation.objects.filter(membership__client=c),
        _("Evaluaties van Backstage"),
    ),
    # A draft is the coach's work in progress, not yet an invoice.
    Section(Invoice, _invoices, _("Facturen")),
    Section(InvoiceLine, _invoice_lines, _("Factuurregels")),
    Section(
        PackagePurchase,
        lambda c, a: PackagePurchase.objects.filter(client=c),
        _("Strippenkaarten"),
    ),
    Section(
        PackageUse,
        lambda c, a: PackageUse.objects.filter(purchase__client=c),
        _("Gebruikte strippen"),
    ),
    # What was done with the client's data (not the accounts' logins: a parent's are theirs).
    Section(Send, _mails, _("Verzonden e-mails")),
    Section(AuditEvent, lambda c, a: AuditEvent.objects.filter(client=c), _("Logboek")),
]

# Models that refer to a client or an account but are not in the export, and why. (Two more hold
# a trace of a client without referring to one: the outbox's delivery records, coaching.Send,
# with an address and a subject but never content; and an employer, coaching.Organisation,
# whose name is in the client's row.)
EXCLUDED = {
    "coaching.CoachProfile": "the coach's own profile",
    "coaching.Invitation": "when the portal invitation was sent: in the account's row (joined)",
    "groups.BackstageGroup": "the group's name is in the membership's row",
    "groups.Meeting": "a meeting's number and time are in the attendance and contribution rows",
    "agenda.WorkingHours": "the coach's",
    "agenda.AvailabilityException": "the coach's",
    "agenda.BookingRules": "the coach's",
    "agenda.CalendarFeed": "the coach's own calendar address, a key to it",
    "agenda.ExternalBusy": "when the coach is busy in their own calendar",
    "billing.Quote": "an organisation's, never a client's",
    "billing.QuoteRequest": "an organisation's request for a quote, never a client's",
    "billing.Claim": "an internal key that stops work being invoiced twice",
    "account.EmailAddress": "the account's address is in the account's row",
    "mfa.Authenticator": "second-factor secrets: never handed out",
    "account.EmailConfirmation": "a pending confirmation of an address: a key, never handed out",
    "admin.LogEntry": "the Django admin's own change history of staff actions",
}

# Fields never exported: secrets, and keys that mean nothing outside the database.
SKIPPED_FIELDS = {
    "coaching.User": {"password", "is_superuser", "is_staff", "groups", "user_permissions"},
    "trajects.DossierEntry": {"submission"},
    "trajects.Evaluation": {"key"},
    "trajects.Message": {"attachment"},  # the file itself is in bijlagen/
    "agenda.Appointment": {"sequence"},
    # The outbox's workings, and the addresses (exported with the account and the guardians).
    "coaching.Send": {
        "subject",
        "claim_token",
        "claimed_at",
        "queued_at",
        "attempts",
        "recipients",
        "delivered_to",
        "context",
        "error",
    },
    # Who opened the data and when is the client's; the addresses they did it from are theirs.
    "audit.AuditEvent": {"ip", "page", "object_id"},
    # As the log: who accepted and when, not the address or the login they did it from.
    "trajects.AgreementAcceptance": {"ip_address", "account_email", "guardian_uuid"},
}


def _value(instance, field):
    if field.is_relation:
        related = getattr(instance, field.name)
        if related is None:
            return None
        if isinstance(related, User):
            return str(related)  # who wrote or did it, by name
        uuid = getattr(related, "uuid", None)
        return str(uuid) if uuid else str(related)
    value = field.value_from_object(instance)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "hex") and not isinstance(value, (str, bytes, int, float)):
        return str(value)  # a UUID
    return value


# Fields whose value is a code or keys: what the readable file shows instead.
IN_WORDS = {
    "trajects.AgreementAcceptance": {
        "relation": lambda acceptance: relation_label(acceptance.relation),
        "language": lambda acceptance: "English" if acceptance.language == "en" else "Nederlands",
    },
    "trajects.TrajectEvent": {"step": lambda event: event.label},
    "billing.Invoice": {"supplier": lambda invoice: invoice.supplier_text},
    "agenda.WaitlistRequest": {
        "weekdays": lambda wanted: ", ".join(wanted.weekday_labels()),
        "dayparts": lambda wanted: ", ".join(wanted.daypart_labels()),
        "modes": lambda wanted: ", ".join(wanted.mode_labels()),
    },
}


def _display(instance, field) -> str:
    """A field's value as a person reads it: labels for codes, Dutch dates and numbers."""
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if in_words := IN_WORDS.get(instance._meta.label, {}).get(field.name):
        return str(in_words(instance)) or "—"
    if field.is_relation:
        related = getattr(instance, field.name)
        return "—" if related is None else str(related)
    value = field.value_from_object(instance)
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_("ja") if value else _("nee"))
    # An export is read later: dates with their year.
    if isinstance(value, datetime):
        return readable(value, time=True, year=True)
    if isinstance(value, date):
        return readable(value, year=True)
    if isinstance(value, Decimal):
        return number_format(value, use_l10n=True)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(str(item) for item in value.values() if item not in (None, ""))
    return str(value)


def _shown(fields) -> list:
    """The fields of the readable file: not the keys (UUIDs) that only a computer needs."""
    return [field for field in fields if not isinstance(field, models.UUIDField)]


def _fields(model) -> list:
    skipped = SKIPPED_FIELDS.get(model._meta.label, set()) | {"id"}
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in skipped and not field.name.endswith("_ptr")
    ]


def _joins(fields) -> list[str]:
    """The related rows a row's text needs, two levels deep (a note's traject and that
    traject's client, for the traject's name), so that a section is one query."""
    joins = []
    for field in fields:
        if field.is_relation and (field.many_to_one or field.one_to_one):
            joins.append(field.name)
            joins += [
                f"{field.name}__{inner.name}"
                for inner in field.related_model._meta.concrete_fields
                if inner.is_relation
            ]
    return joins


def _rows(section: Section, client: Client, account) -> tuple[list, list]:
    fields = _fields(section.model)
    rows = section.rows(client, account).order_by("pk")
    if joins := _joins(fields):
        rows = rows.select_related(*joins)
    return list(rows), fields


def collect(client: Client, account: User | None = None) -> dict:
    """The export's content: per section its rows, as values (JSON) and as text (HTML)."""
    sections = []
    for section in SECTIONS:
        rows, fields = _rows(section, client, account)
        shown = _shown(fields)
        sections.append(
            {
                "label": section.model._meta.label_lower,
                "title": section.title,
                "fields": fields,
                "headers": [capfirst(field.verbose_name) for field in shown],
                "rows": rows,
                "values": [{f.name: _value(row, f) for f in fields} for row in rows],
                "texts": [[_display(row, f) for f in shown] for row in rows],
            }
        )
    return {"client": client, "sections": sections, "generated_at": timezone.now()}


def attachment_name(message: Message) -> str:
    return f"bijlagen/{message.uuid}-{message.attachment_name or 'bijlage'}"


def export_zip(client: Client, account: User | None = None) -> tuple[str, bytes]:
    """(file name, the ZIP's bytes) for the coach (`account` None) or a portal account."""
    content = collect(client, account)
    messages = next(s for s in content["sections"] if s["label"] == "trajects.message")["rows"]
    buffer = io.BytesIO()
    missing = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for message in messages:
            if message.attachment:
                try:
                    # As uploaded: the storage holds it encrypted (coaching.crypto).
                    archive.writestr(attachment_name(message), message.attachment.decrypted())
                except OSError:  # the file is gone from storage: say so, export the rest
                    missing.append(attachment_name(message))
        # Each accepted agreement as its PDF: the texts as they were accepted, without where it
        # was accepted from (the other parent's address is theirs; the coach's PDF has it).
        acceptances = AgreementAcceptance.objects.filter(traject__client=client).select_related(
            "traject__client__coach", "terms", "privacy"
        )
        for acceptance in acceptances.order_by("pk"):
            archive.writestr(
                f"overeenkomsten/{acceptance.uuid}-{agreement_filename(acceptance)}",
                agreement_pdf(acceptance, trace=False),
            )
        data = {
            "_meta": {
                "format_version": FORMAT_VERSION,
                "practice": settings.PRAKTIJK_NAME,
                "client": str(client.uuid),
                "generated_at": content["generated_at"].isoformat(),
                "missing_attachments": missing,
            },
            **{section["label"]: section["values"] for section in content["sections"]},
        }
        archive.writestr("gegevens.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr(
            "gegevens.html", render_to_string("privacy/export.html", content | {"missing": missing})
        )
    day = timezone.localdate().isoformat()
    name = f"gegevens-{slugify(client.first_name + ' ' + client.last_name) or 'client'}-{day}.zip"
    return name, buffer.getvalue()
