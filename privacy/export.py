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
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from billing.models import Invoice, InvoiceLine
from coaching.models import Client, Consent, Guardian, ThirdParty, User
from groups.models import Attendance, Contribution, GroupEvaluation, Membership
from sessions.models import Appointment
from trajects.models import (
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
    rows: Callable[[Client], models.QuerySet]
    title: str


def _account(client: Client):
    return User.objects.filter(pk=client.account_id)


SECTIONS = [
    Section(Client, lambda c: Client.objects.filter(pk=c.pk), _("Gegevens")),
    Section(User, _account, _("Portaalaccount")),
    Section(Guardian, lambda c: c.guardians.all(), _("Ouders en verzorgers")),
    Section(ThirdParty, lambda c: c.third_parties.all(), _("Derde partijen")),
    Section(Consent, lambda c: c.consents.all(), _("Toestemmingen")),
    Section(Traject, lambda c: c.trajects.all(), _("Trajecten")),
    Section(TrajectEvent, lambda c: TrajectEvent.objects.filter(traject__client=c), _("Tijdlijn")),
    Section(IntakeVersion, lambda c: IntakeVersion.objects.filter(traject__client=c), _("Intake")),
    Section(
        DossierEntry,
        lambda c: DossierEntry.objects.filter(traject__client=c),
        _("Dossieraantekeningen"),
    ),
    Section(
        DossierEntryVersion,
        lambda c: DossierEntryVersion.objects.filter(entry__traject__client=c),
        _("Tekst van de aantekeningen (alle versies)"),
    ),
    Section(Message, lambda c: Message.objects.filter(traject__client=c), _("Berichten")),
    Section(Appointment, lambda c: Appointment.objects.filter(traject__client=c), _("Afspraken")),
    Section(Evaluation, lambda c: c.evaluations.all(), _("Evaluaties")),
    Section(Answer, lambda c: Answer.objects.filter(evaluation__client=c), _("Antwoorden")),
    Section(Membership, lambda c: Membership.objects.filter(client=c), _("Backstage-groepen")),
    Section(
        Attendance,
        lambda c: Attendance.objects.filter(membership__client=c),
        _("Aanwezigheid bij Backstage"),
    ),
    Section(
        Contribution,
        lambda c: Contribution.objects.filter(membership__client=c),
        _("Eigen inbreng bij Backstage"),
    ),
    Section(
        GroupEvaluation,
        lambda c: GroupEvaluation.objects.filter(membership__client=c),
        _("Evaluaties van Backstage"),
    ),
    # A draft is the coach's work in progress, not yet an invoice.
    Section(
        Invoice, lambda c: Invoice.objects.filter(client=c).exclude(status="draft"), _("Facturen")
    ),
    Section(
        InvoiceLine,
        lambda c: InvoiceLine.objects.filter(invoice__client=c).exclude(invoice__status="draft"),
        _("Factuurregels"),
    ),
    Section(AuditEvent, lambda c: AuditEvent.objects.about_client(c), _("Logboek")),
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
    "billing.Quote": "an organisation's, never a client's",
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
    # Who opened the data and when is the client's; the addresses they did it from are theirs.
    "audit.AuditEvent": {"ip", "page", "object_id"},
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


def _display(instance, field) -> str:
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if field.is_relation:
        related = getattr(instance, field.name)
        return "—" if related is None else str(related)
    value = _value(instance, field)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("ja") if value else _("nee"))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


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


def _rows(section: Section, client: Client) -> tuple[list, list]:
    fields = _fields(section.model)
    rows = section.rows(client).order_by("pk")
    if joins := _joins(fields):
        rows = rows.select_related(*joins)
    return list(rows), fields


def collect(client: Client) -> dict:
    """The export's content: per section its rows, as values (JSON) and as text (HTML)."""
    sections = []
    for section in SECTIONS:
        rows, fields = _rows(section, client)
        sections.append(
            {
                "label": section.model._meta.label_lower,
                "title": section.title,
                "fields": fields,
                "headers": [str(field.verbose_name) for field in fields],
                "rows": rows,
                "values": [{f.name: _value(row, f) for f in fields} for row in rows],
                "texts": [[_display(row, f) for f in fields] for row in rows],
            }
        )
    return {"client": client, "sections": sections, "generated_at": timezone.now()}


def attachment_name(message: Message) -> str:
    return f"bijlagen/{message.uuid}-{message.attachment_name or 'bijlage'}"


def export_zip(client: Client) -> tuple[str, bytes]:
    """(file name, the ZIP's bytes)."""
    content = collect(client)
    data = {
        "_meta": {
            "format_version": FORMAT_VERSION,
            "practice": settings.PRAKTIJK_NAME,
            "client": str(client.uuid),
            "generated_at": content["generated_at"].isoformat(),
        },
        **{section["label"]: section["values"] for section in content["sections"]},
    }
    messages = next(s for s in content["sections"] if s["label"] == "trajects.message")["rows"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gegevens.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("gegevens.html", render_to_string("privacy/export.html", content))
        for message in messages:
            if message.attachment:
                with message.attachment.open("rb") as file:
                    archive.writestr(attachment_name(message), file.read())
    day = timezone.localdate().isoformat()
    name = f"gegevens-{slugify(client.first_name + ' ' + client.last_name) or 'client'}-{day}.zip"
    return name, buffer.getvalue()
