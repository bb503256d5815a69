"""A prospect asks for a kennismaking on the public site: by picking a free slot, or by asking
for it by e-mail. This registers the client (and a parent for a child, with the relation and
parental authority the parent gave: nothing is assumed), a traject, and for a slot the
appointment; the prospect gets a confirmation, the coach a notice (no content).

A kennismaking by e-mail is the fourth way of getting acquainted (the practice's own text), not
e-mail coaching: the traject is a standard one whose kennismaking is to be held by e-mail. Only
when the client chooses e-mail coaching at the start, after the bedenktijd, does it become one
(Traject.advance, `kind`)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from coaching.dates import readable
from coaching.emails import templated_message
from coaching.models import Client, Guardian, Send, User
from coaching.outbox import NO_RECIPIENT, one_by_one, outbox_send, register
from sessions import ical
from sessions.models import Appointment, BookingRules, SessionType
from sessions.services.booking import SlotTaken, appointment_book
from sessions.slots import free_slots
from trajects.models import Traject
from trajects.services.dossier import dossier_entry_create, traject_create

KENNISMAKING_RECEIVED = Send.Kind.KENNISMAKING_RECEIVED
KENNISMAKING_FOR_COACH = Send.Kind.KENNISMAKING_FOR_COACH
# Why a row was skipped (Dutch, translated where it is shown).
GONE = gettext_noop("De aanvraag bestaat niet meer.")
SLOT_GONE = gettext_noop(
    "De kennismakingsafspraak is intussen geannuleerd: het bericht daarover geldt."
)


@dataclass(frozen=True)
class Prospect:
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: date
    child_first_name: str = ""
    child_last_name: str = ""
    # For a child: the parent's relation to the child and whether they have parental authority
    # (both asked on the form, both required there).
    relation: str = ""
    has_parental_authority: bool | None = None


def kennismaking_type() -> SessionType | None:
    return SessionType.objects.filter(
        kind=SessionType.Kind.KENNISMAKING, active=True, bookable_online=True
    ).first()


def _client_of(coach: User, prospect: Prospect) -> Client:
    """The prospect as a client of the coach; for a child, the child, with the parent who
    asked as its guardian."""
    for_child = bool(prospect.child_first_name)
    client = Client.objects.create(
        coach=coach,
        first_name=prospect.child_first_name if for_child else prospect.first_name,
        last_name=(prospect.child_last_name or prospect.last_name)
        if for_child
        else prospect.last_name,
        date_of_birth=prospect.date_of_birth,
        email="" if for_child else prospect.email,
        phone="" if for_child else prospect.phone,
    )
    if for_child:
        Guardian.objects.create(
            client=client,
            first_name=prospect.first_name,
            last_name=prospect.last_name,
            relation=prospect.relation,
            has_parental_authority=prospect.has_parental_authority,
            email=prospect.email,
            phone=prospect.phone,
        )
    return client


@transaction.atomic
def kennismaking_request(
    *,
    coach: User,
    prospect: Prospect,
    start: datetime | None = None,
    mode: str = "",
    message: str = "",
    language: str = "nl",
) -> Traject:
    """With a `start`: book that slot (it must still be free). Without: an e-mail request."""
    client = _client_of(coach, prospect)
    today = timezone.localdate()
    if start is None:
        # A kennismaking to be held by e-mail (the coach records how it went), in a standard
        # traject: not e-mail coaching.
        traject = traject_create(
            client=client,
            kind=Traject.Kind.STANDARD,
            title="",
            registered_on=today,
            kennismaking_mode=Traject.Mode.EMAIL,
        )
        dossier_entry_create(
            traject=traject,
            by=None,
            kind="other",
            occurred_on=today,
            text=message or "Aanvraag voor een kennismaking per e-mail via de website.",
        )
        _notify(traject, None, language)
        return traject
    session_type = kennismaking_type()
    duration = timedelta(minutes=session_type.default_minutes)
    day = timezone.localtime(start).date()
    if start not in free_slots(coach=coach, duration=duration, first=day, days=1, mode=mode):
        raise SlotTaken
    traject = traject_create(
        client=client, kind=Traject.Kind.STANDARD, title="", registered_on=today
    )
    appointment = appointment_book(
        coach=coach,
        start=start,
        end=start + duration,
        kind=Appointment.Kind.KENNISMAKING,
        mode=mode,
        by=None,
        traject=traject,
        session_type=session_type,
        buffer=BookingRules.for_coach(coach).buffer,
    )  # appointment_book also plans the kennismaking on the traject
    if message:
        dossier_entry_create(
            traject=traject, by=None, kind="other", occurred_on=today, text=message
        )
    _notify(traject, appointment, language)
    return traject


def _notify(traject: Traject, appointment: Appointment | None, language: str) -> None:
    """The prospect's confirmation and the coach's notice, recorded in the request's transaction
    (coaching.outbox): the prospect's language is kept with the row, as nothing else holds it.
    One request per traject, so the traject names it."""
    subject = f"traject:{traject.pk}:kennismaking"
    context = {"language": language, "appointment": appointment.pk if appointment else None}
    outbox_send(subject, KENNISMAKING_RECEIVED, client=traject.client, context=context)
    outbox_send(subject, KENNISMAKING_FOR_COACH, client=traject.client, context=context)


def _traject_of(send: Send) -> Traject | None:
    pk = int(send.subject.split(":")[1])
    return Traject.objects.select_related("client__coach").filter(pk=pk).first()


def compose_kennismaking_received(send: Send) -> EmailMessage | str:
    """To the prospect (for a child: the parent who asked), in the language of the site they
    asked on: the request came in; for a slot, the time, with the .ics."""
    traject = _traject_of(send)
    if traject is None:
        return GONE
    client = traject.client
    guardian = client.guardians.first()
    address = guardian.email if guardian else client.email
    if not address:
        return NO_RECIPIENT
    language = send.context.get("language") or settings.LANGUAGE_CODE
    attachments, when, appointment = [], "", None
    if pk := send.context.get("appointment"):
        appointment = Appointment.objects.select_related("coach").filter(pk=pk).first()
        if appointment is None or appointment.status != Appointment.Status.BOOKED:
            # Its cancellation's own mail says what holds; this one's .ics would put it back.
            return SLOT_GONE
        attachments.append(
            (
                "kennismaking.ics",
                ical.for_client(appointment, method="REQUEST", language=language, attendee=address),
                "text/calendar; method=REQUEST",
            )
        )
        with translation.override(language):
            local = timezone.localtime(appointment.start)
            when = readable(local, weekday=True, long=True, time=True)
    return templated_message(
        "kennismaking_received",
        to=address,
        language=language,
        context={
            "first_name": guardian.first_name if guardian else client.first_name,
            "appointment": appointment,
            "coach": client.coach,
            "when": when,
        },
        attachments=attachments,
    )


def compose_kennismaking_for_coach(send: Send) -> EmailMessage | str:
    """To the coach: a kennismaking was asked for on the website (no content), and where to
    find it."""
    traject = _traject_of(send)
    if traject is None:
        return GONE
    coach = traject.client.coach
    return templated_message(
        "kennismaking_for_coach",
        to=coach.email,
        language=coach.language,
        context={
            "coach": coach,
            "traject": traject,
            "by_slot": bool(send.context.get("appointment")),
            "url": settings.SITE_URL + reverse("coach_dashboard"),
        },
    )


def register_composers() -> None:
    register(KENNISMAKING_RECEIVED, one_by_one(compose_kennismaking_received))
    register(KENNISMAKING_FOR_COACH, one_by_one(compose_kennismaking_for_coach))
