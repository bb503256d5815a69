"""Workflows of a traject's dossier: each a transaction, with the rules of DESIGN.md §4."""

import uuid
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from coaching.compiled import Compiled
from coaching.models import Client, ThirdParty, User
from trajects.models import (
    DossierEntry,
    DossierEntryVersion,
    IntakeVersion,
    Traject,
    TrajectEvent,
)
from trajects.models.dossier import consent_exists, no_consent_message


def traject_create(
    *, client: Client, kind: str, title: str, registered_on: date, kennismaking_mode: str = ""
) -> Traject:
    """A new traject; `kennismaking_mode` is how the client asked to get acquainted (a
    kennismaking by e-mail from the website), until the coach records how it was held."""
    return Traject.objects.create(
        client=client,
        kind=kind,
        title=title,
        registered_on=registered_on,
        kennismaking_mode=kennismaking_mode,
    )


@transaction.atomic
def intake_record(*, traject: Traject, by: User, held_on: date, **record: str) -> IntakeVersion:
    """The intake took place: its record becomes version 1 and the sessions begin."""
    traject.advance("record_intake", by=by, on=held_on)
    return _intake_version(traject=traject, by=by, **record)


@transaction.atomic
def traject_step_take(*, traject: Traject, step: str, by: User, data: dict) -> None:
    """A step of the method with what its form asked (StepForm's cleaned data): recording the
    intake keeps the intake's text; every other step is the traject's own (Traject.advance)."""
    if step == "record_intake":
        fields = {name: data[name] for name in IntakeVersion.TEXT_FIELDS}
        intake_record(traject=traject, by=by, held_on=data["on"], **fields)
        return
    traject.advance(
        step,
        by=by,
        on=data["on"],
        note=data.get("note", ""),
        planned_at=data.get("planned_at"),
        mode=data.get("mode", ""),
        start_directly=data.get("start_directly", False),
        kind=data.get("kind", ""),
    )


def intake_update(*, traject: Traject, by: User, **record: str) -> IntakeVersion:
    """The coach keeps the intake record up to date: every change is a new version."""
    traject = Traject.objects.select_for_update().get(pk=traject.pk)
    if not traject.intake_versions.exists():
        raise ValidationError(_intake_first_message(), code="no_intake")
    return _intake_version(traject=traject, by=by, **record)


def _intake_first_message():

    return _("Leg eerst de intake vast; daarna kun je het intakeverslag bijwerken.")


def _intake_version(
    *, traject: Traject, by: User, help_question: str, life_history: str, steps_taken: str,
    goals: str,
) -> IntakeVersion:  # fmt: skip
    number = (traject.intake_versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = IntakeVersion.objects.create(
        traject=traject,
        number=number,
        help_question=help_question,
        life_history=life_history,
        steps_taken=steps_taken,
        goals=goals,
        created_by=by,
    )
    _dossier_changed(traject.pk, version.created_at)
    return version


@transaction.atomic
def dossier_entry_create(
    *,
    traject: Traject,
    by: User,
    kind: str,
    occurred_on: date,
    text: str,
    third_party: ThirdParty | None = None,
    location: str = "",
    submission: uuid.UUID | None = None,
) -> DossierEntry:
    """Write something down in the dossier.

    The traject row is locked (it cannot be closed meanwhile), and for a contact with or a
    report to a third party the valid consents are locked too: a withdrawal at the same moment
    waits, and one that came first makes this refuse.
    """
    traject = Traject.objects.select_for_update().get(pk=traject.pk)
    # The same form sent twice: the first one counts (the traject lock serialises the two).
    if submission and (earlier := DossierEntry.objects.filter(submission=submission).first()):
        return earlier
    entry = DossierEntry(
        traject=traject,
        kind=kind,
        occurred_on=occurred_on,
        third_party=third_party,
        location=location,
        submission=submission,
        created_by=by,
    )
    entry.full_clean()
    if kind in DossierEntry.NEEDS_CONSENT and not consent_exists(
        third_party, occurred_on, lock=True
    ):
        raise ValidationError({"third_party": no_consent_message(third_party, occurred_on)})
    entry.save()
    version = DossierEntryVersion.objects.create(entry=entry, number=1, text=text, created_by=by)
    _dossier_changed(traject.pk, version.created_at)
    return entry


@transaction.atomic
def dossier_entry_correct(*, entry: DossierEntry, by: User, text: str) -> DossierEntryVersion:
    """A correction: a new version; the earlier text stays, with who wrote it and when."""
    entry = DossierEntry.objects.select_for_update().get(pk=entry.pk)
    number = entry.versions.aggregate(n=Max("number"))["n"] + 1
    version = DossierEntryVersion.objects.create(
        entry=entry, number=number, text=text, created_by=by
    )
    _dossier_changed(entry.traject_id, version.created_at)
    return version


@dataclass(frozen=True)
class DossierRead:
    """What the traject's page shows of the dossier."""

    intake_versions: list[IntakeVersion]  # newest first: the current one, then the earlier
    # The steps and the entries, newest first, as ("step", day, event) and ("entry", day,
    # entry); each entry with its versions, newest first, in `version_list`.
    timeline: list[tuple[str, date, TrajectEvent | DossierEntry]]


# The traject page's reads, compiled once (coaching.compiled).
INTAKE_VERSIONS = Compiled(
    lambda at: IntakeVersion.objects.filter(traject=at.traject).select_related("created_by"),
    traject=models.BigIntegerField(),
)
EVENTS = Compiled(
    lambda at: TrajectEvent.objects.filter(traject=at.traject).select_related("by"),
    traject=models.BigIntegerField(),
)
VERSIONS = Compiled(
    lambda at: (
        DossierEntryVersion.objects.filter(entry__traject=at.traject)
        .select_related("entry__third_party", "created_by")
        .order_by("-entry__occurred_on", "-entry__created_at", "entry_id", "-number")
    ),
    traject=models.BigIntegerField(),
)


def dossier_read(traject: Traject) -> DossierRead:
    """The intake's versions, the steps, and the entries with their versions (one query over
    the versions, each with its entry), each with who wrote it: three queries."""
    known = {"traject": traject}
    intake_versions = INTAKE_VERSIONS.all(known=known, traject=traject.pk)
    events = EVENTS.all(known=known, traject=traject.pk)
    entries = _entries_with_versions(traject)
    timeline = sorted(
        [("step", event.on, event) for event in events]
        + [("entry", entry.occurred_on, entry) for entry in entries],
        key=lambda item: (item[1], item[0] == "entry"),
        reverse=True,
    )
    return DossierRead(intake_versions=intake_versions, timeline=timeline)


def _entries_with_versions(traject: Traject) -> list[DossierEntry]:
    """Every entry has a version (dossier_entry_create writes both in one transaction)."""
    entries: dict[int, DossierEntry] = {}
    for version in VERSIONS.all(traject=traject.pk):
        entry = entries.get(version.entry_id)
        if entry is None:
            entry = entries[version.entry_id] = version.entry
            entry.version_list = []
        entry.version_list.append(version)
    return list(entries.values())


def _dossier_changed(traject_id: int, at) -> None:
    """The traject's dossier got a version (in the version's transaction). Only forward: a
    correction of one entry does not lock the traject, so a newer version's time may be there
    first."""
    Traject.objects.filter(pk=traject_id).filter(
        Q(dossier_changed_at__isnull=True) | Q(dossier_changed_at__lt=at)
    ).update(dossier_changed_at=at)
