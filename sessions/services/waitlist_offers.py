"""A freed time offered to the waitlist (sessions.models.waitlist), in the transaction that
frees it.

Whatever frees a coach's time calls `offer_freed` in its own transaction, after the change:
a cancellation (sessions.services.booking: one, many at once when a traject ends), a move (the
old time), a Backstage group stopped or deleted (groups.services.groups). So a rolled-back
cancellation offers nothing, and a committed one cannot lose its offers (their e-mails are
rows in the outbox, written here).

Which requests get an offer: the coach's waiting requests of running trajects, in the order
they asked, whose kind of appointment is still bookable online and that fit a free time
overlapping the time freed (its day, part of the day, form, before their date), at most
PRAKTIJK_WAITLIST["max_offers"] of them and never the traject whose appointment it was. Each gets
the free time that starts with the freed one, or else the first that overlaps it. The time is
free by the same rules as online booking (sessions.slots.free_slots: working hours, the pause,
busy times in the coach's own calendars, the minimal notice), so what is offered can be booked.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from coaching.dates import readable
from coaching.emails import templated_message
from coaching.models import Client, Send, User
from coaching.outbox import NO_RECIPIENT, outbox_send, register
from sessions.models import Appointment, BookingRules, WaitlistOffer, WaitlistRequest
from sessions.models.appointments import Mode
from sessions.models.availability import Rules
from sessions.slots import free_slots
from trajects.models import Traject

OFFER_KIND = Send.Kind.WAITLIST_OFFER


def offer_subject(offer: WaitlistOffer) -> str:
    return f"waitlist:offer:{offer.pk}:{offer.round}"


def parse_offer_subject(subject: str) -> tuple[int, int]:
    """(offer pk, round) of `waitlist:offer:<pk>:<round>`."""
    _waitlist, _offer, pk, round_ = subject.split(":")
    return int(pk), int(round_)


def waiting_for(coach_id: int, *, since: datetime) -> list[WaitlistRequest]:
    """The coach's requests still waiting for a time from `since` on, in the order they asked."""
    return list(
        WaitlistRequest.objects.filter(
            traject__client__coach_id=coach_id,
            traject__status=Traject.Status.LOPEND,
            status=WaitlistRequest.Status.WAITING,
            before__gte=timezone.localtime(since).date(),
            session_type__active=True,
            session_type__bookable_online=True,
        )
        .select_related("session_type", "traject__client")
        .order_by("created_at", "pk")
    )


def offer_freed(
    *, coach_id: int, start: datetime, end: datetime, traject_id: int | None = None
) -> list[WaitlistOffer]:
    """Offer the time from `start` to `end`, just freed in the caller's transaction, to the
    requests that fit it (see the module). Returns the offers made."""
    now = timezone.now()
    if end <= now:
        return []
    requests = [r for r in waiting_for(coach_id, since=start) if r.traject_id != traject_id]
    if not requests:
        return []  # the usual case: one query
    coach = User.objects.get(pk=coach_id)
    rules = BookingRules.for_coach(coach)
    full = _at_the_limit({r.traject.client_id for r in requests}, now)
    found: dict[tuple[int, str], list[datetime]] = {}
    offers = []
    for request in requests:
        if len(offers) >= settings.PRAKTIJK_WAITLIST["max_offers"]:
            break
        if request.traject.client_id in full:
            continue  # no room for one more online booking: the offer could not be taken
        slot = _slot_for(request, coach, start, end, rules, found)
        offer = None if slot is None else _offer(request, coach, *slot, rules=rules, now=now)
        if offer is not None:
            offers.append(offer)
    return offers


def _at_the_limit(clients: set[int], now: datetime) -> set[int]:
    """Of these clients, those holding as many upcoming online bookings as the practice allows
    (sessions.services.booking.online_booking_refusal), in one query."""
    limit = settings.PRAKTIJK_BOOKING.get("max_open_online", 3)
    if not limit:
        return set()
    counts = (
        Appointment.objects.filter(traject__client__in=clients)
        .upcoming(now)
        .booked_online()
        .values("traject__client")
        .annotate(n=Count("pk"))
        .filter(n__gte=limit)
    )
    return {row["traject__client"] for row in counts}


def _slot_for(
    request: WaitlistRequest,
    coach: User,
    start: datetime,
    end: datetime,
    rules: Rules,
    found: dict,
) -> tuple[datetime, datetime, str] | None:
    """(start, end, form) of the free time to offer this request, or None. The free times of a
    duration and form are looked up once for all the requests that share them (`found`)."""
    session_type = request.session_type
    duration = timedelta(minutes=session_type.default_minutes)
    first = timezone.localtime(start - duration).date()
    days = (timezone.localtime(end).date() - first).days + 1
    for mode in [m for m in session_type.allowed_modes if m in request.modes]:
        key = (session_type.default_minutes, mode)
        if key not in found:
            found[key] = free_slots(
                coach=coach, duration=duration, first=first, days=days, mode=mode, rules=rules
            )
        fitting = [
            slot
            for slot in found[key]
            if slot < end and slot + duration > start and request.fits(slot, slot + duration)
        ]
        if fitting:
            slot = min(fitting, key=lambda s: (s != start, s))
            return slot, slot + duration, mode
    return None


def _offer(
    request: WaitlistRequest,
    coach: User,
    start: datetime,
    end: datetime,
    mode: str,
    *,
    rules: Rules,
    now: datetime,
) -> WaitlistOffer | None:
    """The offer and its e-mail (through the outbox). A time offered to the request before
    (one offer per request and time, a unique constraint) is offered again when it was taken
    by someone else or its offer expired; None when it is open still, or was declined or
    accepted."""
    expires_at = min(
        now + timedelta(hours=settings.PRAKTIJK_WAITLIST["offer_hours"]),
        start - rules.min_notice,
    )
    fresh = {"end": end, "mode": mode, "expires_at": expires_at, "created_at": now}
    offer, created = WaitlistOffer.objects.get_or_create(
        request=request, start=start, defaults={"coach": coach, **fresh}
    )
    if not created:
        again = offer.status == WaitlistOffer.Status.TAKEN or (
            offer.status == WaitlistOffer.Status.OPEN and offer.expires_at <= now
        )
        # Counted by its round: two cancellations at once offer it again once.
        if not again or not WaitlistOffer.objects.filter(pk=offer.pk, round=offer.round).update(
            status=WaitlistOffer.Status.OPEN, round=F("round") + 1, **fresh
        ):
            return None
        offer.refresh_from_db()
    client: Client = request.traject.client
    # No context: the mail is written from the offer as it is when a worker sends it.
    outbox_send(offer_subject(offer), OFFER_KIND, client=client)
    return offer


def offers_taken(*, coach_id: int, start: datetime, end: datetime) -> int:
    """The open offers of the coach's time that an appointment from `start` to `end` (booked,
    or moved there, by anyone) has taken: marked so, in its transaction, so that the people
    offered it see so and their mails are not sent. (A time that still overlaps only the
    pause around it is found taken when someone tries to accept it.)"""
    return WaitlistOffer.objects.filter(
        coach_id=coach_id,
        status=WaitlistOffer.Status.OPEN,
        start__lt=end,
        end__gt=start,
        expires_at__gt=timezone.now(),
    ).update(status=WaitlistOffer.Status.TAKEN)


# --- The offer's e-mail, written when a worker sends it ---------------------------------------

# Why an offer's mail was not sent (Dutch, translated where it is shown).
NO_LONGER_OPEN = gettext_noop(
    "Het aanbod is intussen aangenomen, afgeslagen, door een ander geboekt of verlopen."
)


def compose_offer_mails(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
    """The offers' mails of a chunk, with the offers and their people in two queries; an offer
    no longer open is skipped (its time went to someone else, or it expired)."""
    pks = {parse_offer_subject(send.subject)[0] for send in sends}
    offers = {
        offer.pk: offer
        for offer in WaitlistOffer.objects.filter(pk__in=pks)
        .select_related("coach", "request__session_type", "request__traject__client__account")
        .prefetch_related("request__traject__client__guardians__account")
    }
    now = timezone.now()
    result = {}
    for send in sends:
        pk, round_ = parse_offer_subject(send.subject)
        offer = offers.get(pk)
        if (
            offer is None
            or offer.round != round_  # offered again since: that mail is the one to send
            or not offer.is_open(now)
            or not offer.request.is_waiting
        ):
            result[send.pk] = NO_LONGER_OPEN
            continue
        result[send.pk] = [
            _offer_message(
                offer, address=address, first_name=name, language=language, for_child=parent
            )
            for address, name, language, parent in offer_recipients(offer.request.traject.client)
        ] or NO_RECIPIENT
    return result


def offer_recipients(client: Client) -> list[tuple[str, str, str, bool]]:
    """(address, first name, language, a parent?) of everyone who can take the offer in the
    portal: the client's own account, and for a child each parent who may act for them there
    (the offer's link is the portal's; a parent who only receives reminders could not use it)."""
    people = []
    if client.account_id:
        account = client.account
        people.append((account.email, client.first_name, account.language, False))
    if client.is_child:
        for guardian in client.guardians.all():
            if guardian.account_id and guardian.may_act_in_portal:
                account = guardian.account
                people.append((account.email, guardian.first_name, account.language, True))
    return people


def _offer_message(
    offer: WaitlistOffer, *, address: str, first_name: str, language: str, for_child: bool
):
    with translation.override(language):
        when = readable(timezone.localtime(offer.start), weekday=True, long=True, time=True)
        until = readable(timezone.localtime(offer.expires_at), weekday=True, time=True)
        labels = {
            "kind_label": offer.request.session_type.label,
            "mode_label": str(Mode(offer.mode).label),
        }
    return templated_message(
        "waitlist_offer",
        to=address,
        language=language,
        context={
            "first_name": first_name,
            "for_child": for_child,
            "client_first_name": offer.request.traject.client.first_name,
            "coach": offer.coach,
            "when": when,
            "until": until,
            **labels,
            "url": settings.SITE_URL + reverse("portal_offer", kwargs={"offer": offer.uuid}),
        },
    )


def register_offer_composer() -> None:
    register(OFFER_KIND, compose_offer_mails)
