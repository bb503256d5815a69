"""The intake prepared online: when the intake is planned, the client (or the parents of a
child) get the intake questionnaire and the coaching agreement, in the portal and by e-mail.

- `intake_planned(traject, start)` is called by the calendar in the transaction that books (or
  moves) the traject's intake. It asks the intake questionnaire (an Evaluation of kind
  "intake", key "traject:<pk>:intake", open until the intake's day) and records one e-mail
  through the outbox (kind "intake_prep", subject "intake:<pk>"), to the client or to each
  parent of a child, with their personal links; a child of 12 to 17, who accepts the agreement
  too, gets a mail of their own ("intake:<pk>:child") at their own address.
- `preparations(trajects)` says for many trajects at once whether both are done (Vandaag, the
  traject's page), in three queries.
- `intake_initial(traject)` fills the intake form's fields from the answers: a starting point
  that the coach edits.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from coaching.dates import readable
from coaching.emails import templated_message
from coaching.models import Guardian, Send
from coaching.outbox import NO_RECIPIENT, outbox_send, register
from trajects.models import AgreementAcceptance, Answer, Evaluation, Questionnaire, Traject
from trajects.services.agreement import (
    CLIENT,
    AgreementState,
    agreement_state,
    party_link,
    party_path,
)
from trajects.services.evaluations import (
    evaluation_request,
    last_moment_of,
    link_for,
    state_of,
    token_for,
)

PREP = "intake_prep"
NOT_NEEDED = gettext_noop("De intake is niet meer gepland, of alles is al gedaan.")


def intake_key(traject: Traject) -> str:
    return f"traject:{traject.pk}:intake"


def intake_planned(traject: Traject, start: datetime) -> Evaluation | None:
    """The intake of the traject is planned at `start` (booked, or moved there): ask the
    questionnaire (open until the end of the intake's day; a later intake extends it) and
    mail the preparation once."""
    day = timezone.localdate(start)
    evaluation = evaluation_request(
        key=intake_key(traject),
        kind=Questionnaire.Kind.INTAKE,
        client=traject.client,
        traject=traject,
        prompt=False,
        until=day,
    )
    # Moved: open until the new day (earlier or later), while not filled in.
    until = last_moment_of(day)
    if (
        evaluation is not None
        and evaluation.completed_at is None
        and evaluation.expires_at != until
        and until > evaluation.created_at
    ):
        evaluation.expires_at = until
        evaluation.save(update_fields=["expires_at"])
    context = {"start": start.isoformat()}
    outbox_send(f"intake:{traject.pk}", PREP, client=traject.client, context=context)
    state = agreement_state(traject)
    client = traject.client
    if client.is_child and state.party(CLIENT) is not None and client.email:
        outbox_send(f"intake:{traject.pk}:child", PREP, client=client, context=context)
    return evaluation


# --- What is done -----------------------------------------------------------------------------


@dataclass
class Preparation:
    """Of one traject: the intake questionnaire (None when none was asked) and the agreement."""

    questionnaire: Evaluation | None
    agreement: AgreementState

    @property
    def questionnaire_done(self) -> bool:
        return self.questionnaire is not None and self.questionnaire.completed_at is not None

    @property
    def done(self) -> bool:
        """The agreement accepted, and the questionnaire filled in if one was asked (a practice
        may have no intake questionnaire in use)."""
        questionnaire = self.questionnaire is None or self.questionnaire_done
        return questionnaire and self.agreement.done


def preparations(trajects: list[Traject]) -> dict[int, Preparation]:
    """Per traject (with its client loaded): its intake questionnaire and agreement. Three
    queries whatever their number."""
    if not trajects:
        return {}
    keys = {intake_key(traject): traject.pk for traject in trajects}
    questionnaires = {
        keys[evaluation.key]: evaluation
        for evaluation in Evaluation.objects.filter(key__in=list(keys))
    }
    client_ids = {traject.client_id for traject in trajects}
    guardians: dict[int, list[Guardian]] = {}
    for guardian in Guardian.objects.filter(client_id__in=client_ids).select_related("account"):
        guardians.setdefault(guardian.client_id, []).append(guardian)
    acceptances: dict[int, list[AgreementAcceptance]] = {}
    for acceptance in AgreementAcceptance.objects.filter(traject__in=trajects).select_related(
        "terms", "privacy"
    ):
        acceptances.setdefault(acceptance.traject_id, []).append(acceptance)
    return {
        traject.pk: Preparation(
            questionnaires.get(traject.pk),
            agreement_state(
                traject,
                guardians=guardians.get(traject.client_id, []),
                acceptances=acceptances.get(traject.pk, []),
            ),
        )
        for traject in trajects
    }


def preparation(traject: Traject) -> Preparation:
    return preparations([traject])[traject.pk]


def intake_initial(traject: Traject) -> dict[str, str]:
    """The intake form's fields from the completed intake questionnaire's answers (each field
    the answers of the questions that fill it, in order, a blank line between). Empty when it
    was not filled in."""
    evaluation = (
        Evaluation.objects.filter(key=intake_key(traject), completed_at__isnull=False)
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question")))
        .first()
    )
    if evaluation is None:
        return {}
    fields: dict[str, list[str]] = {}
    for answer in evaluation.answers.all():
        field = answer.question.intake_field
        if field and answer.text.strip():
            fields.setdefault(field, []).append(answer.text.strip())
    return {field: "\n\n".join(texts) for field, texts in fields.items()}


# --- The e-mail -------------------------------------------------------------------------------


def compose_preparations(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
    """The preparation mails of a chunk, with the trajects and their people in a few queries;
    none once the traject left the intake phase or all is done."""
    wanted = {send.pk: int(send.subject.split(":")[1]) for send in sends}
    trajects = {
        traject.pk: traject
        for traject in Traject.objects.filter(pk__in=set(wanted.values())).select_related(
            "client__account", "client__coach"
        )
    }
    prepared = preparations(list(trajects.values()))
    result: dict[int, list[EmailMessage] | str] = {}
    for send in sends:
        traject = trajects.get(wanted[send.pk])
        if traject is None or traject.status != Traject.Status.INTAKE:
            result[send.pk] = NOT_NEEDED
            continue
        prep = prepared[traject.pk]
        if prep.done:
            result[send.pk] = NOT_NEEDED
            continue
        start = parse_datetime(send.context.get("start", "")) if send.context else None
        to_child = send.subject.endswith(":child")
        messages = [
            _message(traject, prep, person, start)
            for person in (_child(traject, prep) if to_child else _people(traject, prep))
        ]
        result[send.pk] = messages or NO_RECIPIENT
    return result


@dataclass(frozen=True)
class _Person:
    address: str
    first_name: str
    language: str
    # The agreement's party this person is ("" when they do not accept).
    key: str
    questionnaire: bool
    has_account: bool


def fillers(state: AgreementState) -> list:
    """Who fills in the intake questionnaire: the client from 16 (a child of 16 or 17 too), and
    below that the parents with parental authority (never a parent without it)."""
    if state.rule == "self":
        return [party for party in state.parties if party.is_client]
    return [party for party in state.parties if not party.is_client]


def _people(traject: Traject, prep: Preparation) -> list[_Person]:
    """The main mail: an adult client; for a child under 16, each parent with parental
    authority who gets the child's mail (a child of 16 or 17 gets the child's own mail)."""
    client = traject.client
    if not client.is_child:
        address = client.portal_email
        language = client.account.language if client.account_id else settings.LANGUAGE_CODE
        has_account = client.account_id is not None
        person = _Person(address, client.first_name, language, CLIENT, True, has_account)
        return [person] if address else []
    if prep.agreement.rule == "self":
        return []
    people = []
    for party in fillers(prep.agreement):
        guardian = party.guardian
        if not party.mailed:
            continue
        language = guardian.account.language if guardian.account_id else settings.LANGUAGE_CODE
        people.append(
            _Person(
                party.email,
                guardian.first_name,
                language,
                party.key,
                True,
                bool(guardian.account_id),
            )
        )
    return people


def _child(traject: Traject, prep: Preparation) -> list[_Person]:
    """A child of 12 to 17 at their own address: the agreement, and from 16 the questionnaire."""
    client = traject.client
    if not client.email or prep.agreement.party(CLIENT) is None:
        return []
    fills = prep.agreement.rule == "self"
    return [_Person(client.email, client.first_name, settings.LANGUAGE_CODE, CLIENT, fills, False)]


def _message(traject: Traject, prep: Preparation, person: _Person, start) -> EmailMessage:
    client = traject.client
    questionnaire = prep.questionnaire
    with translation.override(person.language):
        when = readable(start, long=True) if start else ""
        rule = prep.agreement.rule_text
    return templated_message(
        "intake_prep",
        to=person.address,
        language=person.language,
        context={
            "first_name": person.first_name,
            "coach": client.coach,
            "about_child": client.first_name if client.is_child and person.key != CLIENT else "",
            "when": when,
            "questionnaire_url": link_for(questionnaire)
            if person.questionnaire and questionnaire and state_of(questionnaire) == "open"
            else "",
            "agreement_url": party_link(traject, person.key)
            if person.key and person.key not in prep.agreement.accepted
            else "",
            "rule": rule,
            "has_account": person.has_account,
        },
    )


def register_intake_prep() -> None:
    register(PREP, compose_preparations)


# --- What the client's side sees --------------------------------------------------------------


@dataclass
class PartyRow:
    """One person of the agreement, as the portal shows them."""

    name: str
    acceptance: AgreementAcceptance | None
    # Where this account accepts (its own party); "" for someone else.
    accept_url: str = ""
    # Its own acceptance's PDF (another person's is theirs).
    pdf_url: str = ""
    is_child: bool = False
    mailed: bool = False


def portal_rows(account, trajects: list[Traject]) -> list[dict]:
    """Per traject (client loaded): the questionnaire (its link while open) and each person of
    the agreement with what this account can do for them. Three queries for all."""
    prepared = preparations(trajects)
    rows = []
    for traject in trajects:
        prep = prepared[traject.pk]
        agreement = prep.agreement
        client = traject.client
        preparing = traject.status == Traject.Status.INTAKE
        parties = []
        for party in agreement.parties:
            acceptance = agreement.accepted.get(party.key)
            own = party.account_id == account.pk
            row = PartyRow(party.name, acceptance, is_child=party.is_client and client.is_child)
            row.mailed = party.mailed
            if acceptance is not None and own:
                row.pdf_url = reverse("portal_agreement_pdf", args=[acceptance.uuid])
            elif acceptance is None and own and preparing:
                row.accept_url = party_path(traject, party.key)
            if acceptance is not None or preparing:
                parties.append(row)
        # The questionnaire for whom fills it in (from 16 the client, below that the parents
        # with parental authority).
        fills = any(party.account_id == account.pk for party in fillers(agreement))
        questionnaire = prep.questionnaire
        open_link = ""
        if fills and questionnaire is not None and state_of(questionnaire) == "open":
            open_link = reverse(
                "evaluation_fill", args=[questionnaire.uuid, token_for(questionnaire)]
            )
        rows.append(
            {
                "traject": traject,
                "client": client,
                "preparing": preparing,
                "questionnaire": questionnaire,
                "fills": fills,
                "questionnaire_url": open_link,
                "agreement": agreement,
                "parties": parties,
                "done": prep.done,
                # Something for this account to do (the home shows only those).
                "to_do": bool(open_link) or any(party.accept_url for party in parties),
            }
        )
    return rows


def coach_rows(traject: Traject) -> tuple[Preparation | None, list[dict]]:
    """The traject page's card: in the intake phase the preparation, with each person of the
    agreement as its coach sees them, accepted (with the PDF) or not yet (with their personal
    link, to give in person); after it, only the acceptances (one query)."""
    if traject.status != Traject.Status.INTAKE:
        accepted = AgreementAcceptance.objects.filter(traject=traject).select_related("terms")
        return None, [_accepted_row(acceptance) for acceptance in accepted]
    prep = preparation(traject)
    agreement = prep.agreement
    rows = []
    for party in agreement.parties:
        acceptance = agreement.accepted.get(party.key)
        if acceptance is not None:
            rows.append(_accepted_row(acceptance))
        else:
            rows.append(
                {
                    "name": party.name,
                    "acceptance": None,
                    "link": party_link(traject, party.key),
                    "mailed": party.mailed,
                }
            )
    # Accepted by someone who is no party now (a parent's authority was changed since): it
    # was accepted, so it shows.
    keys = {party.key for party in agreement.parties}
    rows += [_accepted_row(a) for key, a in agreement.accepted.items() if key not in keys]
    return prep, rows


def _accepted_row(acceptance: AgreementAcceptance) -> dict:
    return {
        "name": acceptance.name,
        "acceptance": acceptance,
        "pdf_url": reverse("coach_agreement_pdf", args=[acceptance.uuid]),
    }
