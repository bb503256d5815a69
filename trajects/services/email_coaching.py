"""E-mail coaching workflows: write and answer messages (attachments checked by their content),
the answer deadline and its statistics, switching to live sessions, and stopping."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coaching.compiled import Compiled
from coaching.emails import templated_message
from coaching.models import Send, User
from coaching.outbox import NO_RECIPIENT, outbox_add, outbox_send, register
from trajects.alerts import message_alerts_record
from trajects.models import Message, Traject, TrajectEvent
from trajects.models.messages import answer_due

# What an attachment may be, recognised by its first bytes (not by its name).
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}
EXTENSIONS = dict(SIGNATURES.values())


def attachment_type(upload: UploadedFile) -> str:
    """The checked type of an upload, or a ValidationError that says what is allowed."""
    limit = settings.PRAKTIJK_EMAIL_MAX_ATTACHMENT_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("De bijlage is te groot: hoogstens %(mb)s MB.")
            % {"mb": settings.PRAKTIJK_EMAIL_MAX_ATTACHMENT_MB},
            code="too_big",
        )
    head = upload.read(16)
    upload.seek(0)
    for signature, (mimetype, _extension) in SIGNATURES.items():
        if head.startswith(signature):
            return mimetype
    raise ValidationError(
        _("Dit soort bestand kan niet mee. Stuur een PDF, een JPG of een PNG."), code="type"
    )


# A page shows the latest messages of a conversation; the rest on request.
RECENT = 50


def _messages(at):
    # The writer's first name is all the page shows of them: not a whole user per message.
    return Message.objects.filter(traject=at.traject).annotate(
        author_first_name=F("author__first_name")
    )


# The conversation's reads, compiled once (coaching.compiled): all of it, or the latest (one
# more than shown: whether there are earlier ones).
ALL_MESSAGES = Compiled(_messages, traject=models.BigIntegerField())
LATEST_MESSAGES = Compiled(
    lambda at: _messages(at).order_by("-created_at")[: RECENT + 1],
    traject=models.BigIntegerField(),
)


def conversation_messages(traject: Traject, *, everything: bool) -> tuple[list[Message], int]:
    """The conversation, oldest first: everything, or the latest RECENT messages. The second
    value is how many earlier messages were left out (0 when none)."""
    known = {"traject": traject}
    if everything:
        return ALL_MESSAGES.all(known=known, traject=traject.pk), 0
    latest = LATEST_MESSAGES.all(known=known, traject=traject.pk)
    if len(latest) <= RECENT:
        return latest[::-1], 0
    return latest[:RECENT][::-1], traject.messages.count() - RECENT


def _check_open(traject: Traject) -> None:
    if traject.kind != Traject.Kind.EMAIL:
        raise ValidationError(
            _("Dit traject gaat verder met live sessies; hier kunnen geen berichten meer bij.")
        )
    if traject.is_closed:
        raise ValidationError(_("Dit gesprek is afgesloten."))


@transaction.atomic
def message_write(
    *,
    traject: Traject,
    by: User,
    body: str,
    from_coach: bool,
    attachment=None,
    seen_until: int | None = None,
) -> Message:
    """A message in the conversation. The coachee's gets its deadline; the coach's answers
    the open messages of the coachee (answered at the moment of the reply): those up to
    seen_until, the last message on the coach's screen, so one that came in while the coach
    was typing stays open; without it, all of them. The other side hears that a message
    waits (message_waiting), through the outbox in this transaction."""
    traject = Traject.objects.select_for_update().get(pk=traject.pk)
    _check_open(traject)
    now = timezone.now()
    message = Message(
        traject=traject,
        from_coach=from_coach,
        author=by,
        body=body.strip(),
        created_at=now,
        due_at=None if from_coach else answer_due(now),
    )
    if attachment:
        message.attachment_type = attachment_type(attachment)
        message.attachment_name = attachment.name[:200]
        # Stored under a name of our own with the extension of the checked type: the name the
        # writer gave (shown on the page) says nothing about what the file is.
        attachment.name = f"{message.uuid.hex}{EXTENSIONS[message.attachment_type]}"
        message.attachment = attachment
    message.save()
    if not from_coach:
        message_alerts_record(message)
    if from_coach:
        answered = traject.messages.open()
        if seen_until is not None:
            answered = answered.filter(pk__lte=seen_until)
        answered.update(answered_at=now)
    outbox_send(f"message:{message.pk}:waiting", MESSAGE_WAITING, client=traject.client)
    return message


MESSAGE_WAITING = Send.Kind.MESSAGE_WAITING
MESSAGE_GONE = gettext_noop("Het bericht bestaat niet meer.")


def _told_of(message: Message) -> tuple[list[tuple[str, str, str]], str]:
    """Who hears that the message waits, (address, first name, language) each, and the page
    it waits on: of the coach's message the coachee, or the parents of a child who act in the
    portal, in the portal; of the coachee's message the coach, on the traject's page."""
    client = message.traject.client
    if not message.from_coach:
        coach = client.coach
        url = reverse("traject_detail", args=[message.traject.uuid])
        return [(coach.email, coach.first_name, coach.language)], url
    people = []
    if client.account_id:
        people.append((client.account.email, client.first_name, client.account.language))
    elif client.is_child:
        for guardian in client.guardians.all():
            if guardian.account_id and guardian.may_act_in_portal:
                people.append(
                    (guardian.account.email, guardian.first_name, guardian.account.language)
                )
    return people, reverse("portal_conversation", args=[message.traject.uuid])


def compose_message_waiting(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
    """Someone wrote in an e-mail coaching conversation: the other side hears that a message
    waits, with a link, never the text (DESIGN.md §7)."""
    wanted = {send.pk: int(send.subject.split(":")[1]) for send in sends}
    found = {
        message.pk: message
        for message in Message.objects.filter(pk__in=wanted.values())
        .select_related("traject__client__coach", "traject__client__account")
        .prefetch_related("traject__client__guardians__account")
    }
    composed = {}
    for send in sends:
        message = found.get(wanted[send.pk])
        if message is None:
            composed[send.pk] = MESSAGE_GONE
            continue
        people, path = _told_of(message)
        composed[send.pk] = [
            templated_message(
                "message_waiting",
                to=address,
                language=language,
                context={"first_name": first_name, "url": settings.SITE_URL + path},
            )
            for address, first_name, language in people
        ] or NO_RECIPIENT
    return composed


SWITCHED_TO_LIVE = Send.Kind.SWITCHED_TO_LIVE
NOT_SWITCHED = gettext_noop("Het traject is niet (meer) overgestapt naar live sessies.")


@transaction.atomic
def email_traject_switch(*, traject: Traject, by: User) -> Traject:
    """From e-mail coaching to live sessions: the same traject (and its conversation, readable
    in the portal) goes on as a standard traject; the timeline shows when, and the coachee (or
    the parents of a child) get an e-mail through the outbox, in this transaction."""
    traject = Traject.objects.select_for_update().get(pk=traject.pk)
    _check_open(traject)
    traject.kind = Traject.Kind.STANDARD
    traject.switch_requested_at = None
    traject.save(update_fields=["kind", "switch_requested_at", "updated_at"])
    event = TrajectEvent.objects.create(
        traject=traject,
        step="switch_to_live",
        source=traject.status,
        target=traject.status,
        on=timezone.localdate(),
        by=by,
        note=_("Overgestapt van e-mailcoaching naar live sessies."),
    )
    # Under the traject's subjects ("traject:<pk>:…"): an erasure of the client finds it.
    outbox_add(
        [(f"traject:{traject.pk}:live:{event.pk}", SWITCHED_TO_LIVE, timezone.now())],
        client=traject.client,
    )
    return traject


def switched_to_live_on(traject: Traject):
    """The day an e-mail coaching traject went on with live sessions (None: it did not)."""
    if traject.kind == Traject.Kind.EMAIL:
        return None
    return (
        traject.events.filter(step="switch_to_live").order_by("-on").values_list("on", flat=True)
    ).first()


def compose_switched_to_live(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
    """To the coachee, or the parents of a child (Client.mail_recipients), each in their own
    language: the conversation goes on in live sessions; no content of the conversation."""
    wanted = {send.pk: int(send.subject.rpartition(":")[2]) for send in sends}
    events = {
        event.pk: event
        for event in TrajectEvent.objects.filter(
            pk__in=wanted.values(),
            step="switch_to_live",
            traject__kind=Traject.Kind.STANDARD,
            traject__client__erased_on__isnull=True,
        )
        .select_related("traject__client__coach", "traject__client__account")
        .prefetch_related("traject__client__guardians__account")
    }
    composed = {}
    for send in sends:
        event = events.get(wanted[send.pk])
        if event is None:
            composed[send.pk] = NOT_SWITCHED
            continue
        traject = event.traject
        url = settings.SITE_URL + reverse("portal_conversation", args=[traject.uuid])
        composed[send.pk] = [
            templated_message(
                "switched_to_live",
                to=address,
                language=language,
                context={"first_name": first_name, "coach": traject.client.coach, "url": url},
            )
            for address, first_name, language in traject.client.mail_recipients()
        ] or NO_RECIPIENT
    return composed


def register_email_composers() -> None:
    register(SWITCHED_TO_LIVE, compose_switched_to_live)
    register(MESSAGE_WAITING, compose_message_waiting)


@transaction.atomic
def email_switch_request(*, traject: Traject) -> None:
    traject = Traject.objects.select_for_update().get(pk=traject.pk)
    _check_open(traject)
    if traject.switch_requested_at is None:
        Traject.objects.filter(pk=traject.pk).update(switch_requested_at=timezone.now())


@transaction.atomic
def email_conversation_close(*, traject: Traject, by: User, reason: str) -> None:
    """The coachee (or the coach) ends the conversation: the traject stops, with the reason.
    Locked and checked again, so a switch to live sessions at the same moment is not stopped."""
    traject = Traject.objects.select_for_update().get(pk=traject.pk)
    _check_open(traject)
    traject.advance("stop", by=by, on=timezone.localdate(), note=reason)


def quiet_conversations(coach: User, *, since: datetime | None = None) -> QuerySet[Traject]:
    """Open e-mail coaching without a coachee message since `since` (default: the set number of
    weeks ago; a Param in a compiled query, coaching.compiled)."""
    if since is None:
        since = timezone.now() - timedelta(weeks=settings.PRAKTIJK_EMAIL_QUIET_WEEKS)
    trajects = Traject.objects.for_coach(coach).open().filter(kind=Traject.Kind.EMAIL)
    # Per traject, on the (traject, created_at) index of the messages.
    recent = Message.objects.from_client().filter(traject=OuterRef("pk"), created_at__gte=since)
    return trajects.exclude(Exists(recent)).filter(created_at__lt=since)


@dataclass(frozen=True)
class MonthFigures:
    month: date
    messages: int
    answered: int
    median_hours: float | None
    within_deadline: float | None  # share of the month's messages, 0..1


def answer_statistics(
    coach: User, months: int = 12, now: datetime | None = None
) -> list[MonthFigures]:
    """Per month (of writing): how many coachee messages, the median time to the answer, and
    the share answered within the deadline (an open message past its deadline counts as late)."""
    now = now or timezone.now()
    this_month = timezone.localtime(now).date().replace(day=1)
    index = this_month.year * 12 + this_month.month - 1 - (months - 1)
    first = date(index // 12, index % 12 + 1, 1)
    by_month: dict[date, list[Message]] = {}
    for message in (
        Message.objects.from_client()
        .filter(
            traject__client__coach=coach,
            created_at__gte=timezone.make_aware(datetime.combine(first, datetime.min.time())),
        )
        .select_related("traject")
        .only("created_at", "due_at", "answered_at", "traject__kind", "traject__status")
    ):
        month = timezone.localtime(message.created_at).date().replace(day=1)
        by_month.setdefault(month, []).append(message)
    figures = []
    for month in sorted(by_month, reverse=True):
        messages = by_month[month]
        answered = [m for m in messages if m.answered_at]
        hours = [(m.answered_at - m.created_at).total_seconds() / 3600 for m in answered]
        # Late: past the deadline without an answer while the conversation still ran. A message
        # left when the coachee stopped or moved to live sessions is neither in time nor late.
        decided = [
            m for m in messages if m.answered_at or (now >= m.due_at and m.traject.takes_messages)
        ]
        in_time = [m for m in decided if m.answered_at and m.answered_at <= m.due_at]
        figures.append(
            MonthFigures(
                month=month,
                messages=len(messages),
                answered=len(answered),
                median_hours=statistics.median(hours) if hours else None,
                within_deadline=len(in_time) / len(decided) if decided else None,
            )
        )
    return figures
