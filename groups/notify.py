"""The e-mail to the participants when their group stops or is deleted (every cancelled meeting
as an .ics, METHOD:CANCEL with the event's own UID, so that their calendars drop it), meets
somewhere else from now on (the meetings to come, METHOD:REQUEST, updated), or when one meeting
moves (the old time and the new, the place, its .ics updated): in each person's language; never
the reason, nor anything said or written in the group.

Through the outbox (coaching.outbox): the service that makes the change (groups.services)
records one row per participant told, in its own transaction, so a rolled-back change tells
nobody and a committed one cannot lose its mail. The row keeps what the e-mail names as plain
values (the group's name, the meetings as they were, the time a moved meeting had): after a
deletion the group is gone by the time it is sent. Each change has a subject of its own
(`group:<uuid>:<event>[:<appointment>.<sequence>]:<client>`: a new place or a move raises the
meetings' sequence), so recording it again is a no-op."""

import uuid
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from coaching.dates import readable
from coaching.emails import templated_message
from coaching.models import Client, Send, User
from coaching.outbox import NO_RECIPIENT, outbox_send, register
from sessions import ical
from sessions.models import Appointment

GROUP_NOTICE = Send.Kind.BACKSTAGE_GROUP_NOTICE
# The event, and whether its meetings are cancelled (else: updated).
EVENTS = {"stopped": True, "deleted": True, "place": False, "moved": False}
# Why a row was skipped (Dutch, translated where it is shown).
NOBODY = gettext_noop("De deelnemer of de coach is niet meer bekend.")


def meeting_appointment(coach: User, meeting: dict, *, cancelled: bool) -> Appointment:
    """The meeting's appointment as it is now (kept as plain values: after a deletion the row
    is gone), for its .ics."""
    return Appointment(
        uuid=uuid.UUID(meeting["uuid"]),
        sequence=meeting["sequence"],
        start=datetime.fromisoformat(meeting["start"]),
        end=datetime.fromisoformat(meeting["end"]),
        status=Appointment.Status.CANCELLED if cancelled else Appointment.Status.BOOKED,
        kind=Appointment.Kind.BACKSTAGE,
        mode=meeting["mode"],
        coach=coach,
        location=meeting["location"],
        video_link=meeting["video_link"],
    )


def group_notice_messages(
    event: str,
    *,
    coach: User,
    group_name: str,
    clients: list[Client],
    meetings: list[dict],
    previous: datetime | None = None,
) -> list[EmailMultiAlternatives]:
    """One e-mail per person told; of a move (`event` "moved"), `previous` is the time the
    meeting had, named with the new one."""
    cancelled = EVENTS[event]
    appointments = [
        (m["number"], meeting_appointment(coach, m, cancelled=cancelled)) for m in meetings
    ]
    common = {
        "event": event,
        "group": group_name,
        "coach": coach,
        "coach_email": coach.email,
        "number": appointments[0][0] if appointments else "",
        "location": meetings[0]["location"] if meetings else "",
        "video_link": meetings[0]["video_link"] if meetings else "",
        "url": settings.SITE_URL + reverse("portal_appointments"),
    }
    method = "CANCEL" if cancelled else "REQUEST"
    return [
        _notice(common, appointments, previous, method, address, first_name, language)
        for client in clients
        for address, first_name, language in client.mail_recipients()
    ]


def _notice(
    common: dict,
    appointments: list[tuple[int, Appointment]],
    previous: datetime | None,
    method: str,
    address: str,
    first_name: str,
    language: str,
) -> EmailMultiAlternatives:
    """The notice to one person, the times in their language, an .ics per meeting."""
    with translation.override(language):
        when = [
            readable(timezone.localtime(a.start), weekday=True, long=True, time=True)
            for _number, a in appointments
        ]
        was = (
            readable(timezone.localtime(previous), weekday=True, long=True, time=True)
            if previous
            else ""
        )
    return templated_message(
        "backstage_group_notice",
        to=address,
        language=language,
        context={**common, "first_name": first_name, "meetings": when, "was": was},
        attachments=[
            (
                f"bijeenkomst-{number}.ics",
                ical.for_client(appointment, method=method, language=language, attendee=address),
                f"text/calendar; method={method}",
            )
            for number, appointment in appointments
        ],
    )


# --- Recording: in the transaction of the change ---------------------------------------------


def group_notice_record(
    event: str,
    group,
    clients: list[int],
    meetings,
    *,
    previous: datetime | None = None,
) -> None:
    """One outbox row per participant (`clients`: their ids) told of `event` in `group`, with
    the meetings concerned (Meeting rows with their appointments, as they are after the
    change); of a move, `previous` is the time the meeting had."""
    if not clients:
        return
    change = event
    if event in ("place", "moved") and meetings:
        first = meetings[0].appointment
        change = f"{event}:{first.pk}.{first.sequence}"
    context = {
        "event": event,
        "coach": group.coach_id,
        "group_name": group.name,
        "previous_start": previous.isoformat() if previous else None,
        "meetings": [
            {
                "uuid": str(m.appointment.uuid),
                "sequence": m.appointment.sequence,
                "start": m.appointment.start.isoformat(),
                "end": m.appointment.end.isoformat(),
                "mode": m.appointment.mode,
                "location": m.appointment.location,
                "video_link": m.appointment.video_link,
                "number": m.number,
            }
            for m in meetings
        ],
    }
    for client in Client.objects.filter(pk__in=clients).order_by("pk"):
        outbox_send(
            f"group:{group.uuid}:{change}:{client.pk}",
            GROUP_NOTICE,
            client=client,
            context=context,
        )


# --- Composing: when a worker sends it ---------------------------------------------------------


def compose_group_notices(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
    """The participants' notices of a chunk, with their people and coaches in three queries."""
    clients = {
        client.pk: client
        for client in Client.objects.current()
        .filter(pk__in={send.client_id for send in sends})
        .select_related("account")
        .prefetch_related("guardians__account")
    }
    coaches = User.objects.in_bulk({send.context.get("coach") for send in sends})
    result = {}
    for send in sends:
        client, coach = clients.get(send.client_id), coaches.get(send.context.get("coach"))
        if client is None or coach is None:
            result[send.pk] = NOBODY
            continue
        previous = send.context.get("previous_start")
        result[send.pk] = (
            group_notice_messages(
                send.context["event"],
                coach=coach,
                group_name=send.context["group_name"],
                clients=[client],
                meetings=send.context["meetings"],
                previous=datetime.fromisoformat(previous) if previous else None,
            )
            or NO_RECIPIENT
        )
    return result


def register_composers() -> None:
    register(GROUP_NOTICE, compose_group_notices)
