"""The waitlist's life: asking, withdrawing, the coach removing a request, and answering an offer.

An offer is accepted through the normal booking path (sessions.services.booking.portal_book: the
type, the phase, the form, the free time by the coach's rules, the limit of online bookings, and
the lock and constraint that let exactly one of two bookings of a time win). Of the people
offered the same time, the first to accept books it; the others find it taken, their offer says
so, and their request stays on the list for the next time that comes free.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from coaching.dates import readable
from coaching.models import Client, User
from sessions.models import Appointment, SessionType, WaitlistOffer, WaitlistRequest
from sessions.services.booking import SlotTaken, bookable_kinds, portal_book
from trajects.models import Traject


@dataclass(frozen=True)
class Wish:
    """What a request asks for, as the form cleaned it."""

    before: date
    weekdays: list[int]
    dayparts: list[str]
    modes: list[str]


def why_not_on_the_list(traject: Traject, session_type: SessionType) -> str:
    """Why this traject cannot wait for an earlier time of this type ("" when it can)."""
    if traject.status != Traject.Status.LOPEND:
        return _("De wachtlijst is er voor een lopend traject.")
    if not (session_type.active and session_type.bookable_online):
        return _("Deze afspraak kun je niet online boeken.")
    if session_type.kind not in bookable_kinds(traject):
        return _("Deze afspraak past nog niet bij de fase van je traject.")
    return ""


def request_join(
    *, account: User, traject: Traject, session_type: SessionType, wish: Wish
) -> WaitlistRequest:
    """Put the traject on the list for an earlier time of `session_type`. Asking again for the
    same type changes the request that waits: it keeps its place, unless its date had passed
    (then it goes to the end of the list)."""
    if why := why_not_on_the_list(traject, session_type):
        raise ValidationError(why)
    today = timezone.localdate()
    if wish.before < today:
        raise ValidationError(_("Kies een datum die nog moet komen."), code="past")
    fields = {
        "before": wish.before,
        "weekdays": sorted(wish.weekdays),
        "dayparts": wish.dayparts,
        "modes": wish.modes,
    }
    with transaction.atomic():
        # The traject locked: two tabs asking at once change one request.
        Traject.objects.select_for_update(no_key=True).filter(pk=traject.pk).first()
        waiting = WaitlistRequest.objects.filter(
            traject=traject, session_type=session_type, status=WaitlistRequest.Status.WAITING
        ).first()
        if waiting is None:
            return WaitlistRequest.objects.create(
                traject=traject, session_type=session_type, created_by=account, **fields
            )
        if waiting.before < today:
            fields["created_at"] = timezone.now()
        WaitlistRequest.objects.filter(pk=waiting.pk).update(**fields)
        waiting.refresh_from_db()
        return waiting


def _end(request: WaitlistRequest, status: str) -> bool:
    """End a waiting request; False when it had ended already (a second click)."""
    return bool(
        WaitlistRequest.objects.filter(pk=request.pk, status=WaitlistRequest.Status.WAITING).update(
            status=status, ended_at=timezone.now()
        )
    )


def request_withdraw(request: WaitlistRequest) -> bool:
    """The client (or a parent) takes the request off the list."""
    return _end(request, WaitlistRequest.Status.WITHDRAWN)


def request_remove(request: WaitlistRequest) -> bool:
    """The coach takes the request off the list."""
    return _end(request, WaitlistRequest.Status.REMOVED)


def requests_end_with_traject(traject: Traject) -> int:
    """A traject that stops or closes waits for nothing any more."""
    return WaitlistRequest.objects.filter(
        traject=traject, status=WaitlistRequest.Status.WAITING
    ).update(status=WaitlistRequest.Status.ENDED, ended_at=timezone.now())


TAKEN = _lazy("Deze tijd is al door iemand anders geboekt. Je blijft op de wachtlijst.")


def _gone(offer: WaitlistOffer, now: datetime) -> str:
    """Why an offer can no longer be accepted ("" when it can)."""
    if offer.status == WaitlistOffer.Status.TAKEN:
        return str(TAKEN)
    if offer.status == WaitlistOffer.Status.ACCEPTED:
        return _("Dit aanbod heb je al aangenomen.")
    if offer.status == WaitlistOffer.Status.DECLINED:
        return _("Dit aanbod heb je afgeslagen.")
    if offer.request.status != WaitlistRequest.Status.WAITING:
        return _("Deze vraag staat niet meer op de wachtlijst.")
    if offer.coach_id != offer.request.traject.client.coach_id:
        return _("Dit aanbod geldt niet meer: je hebt nu een andere coach.")
    if now >= offer.expires_at:
        return _("Dit aanbod is verlopen (het gold tot %(until)s). Je blijft op de wachtlijst.") % {
            "until": readable(offer.expires_at, weekday=True, time=True)
        }
    return ""


def offer_accept(*, account: User, offer: WaitlistOffer) -> Appointment:
    """Book the offered time for the request's traject, or raise ValidationError with why not
    (taken by someone else a moment ago: the offer is marked so, and the request stays
    waiting)."""
    traject = offer.request.traject
    if not Client.objects.for_account(account).filter(pk=traject.client_id).exists():
        raise PermissionDenied
    with transaction.atomic():
        # Locks in the order online booking takes them (the client, then the coach), the
        # offer last: the one who wins marks the others' offers taken while they wait for the
        # coach, holding no offer (the other order deadlocked twenty people accepting at once).
        Client.objects.select_for_update(no_key=True).filter(pk=traject.client_id).first()
        User.objects.select_for_update(no_key=True).filter(pk=offer.coach_id).first()
        offer = (
            WaitlistOffer.objects.select_for_update(of=("self",))
            .select_related("request__traject__client__coach", "request__session_type")
            .get(pk=offer.pk)
        )
        request = offer.request
        if why := _gone(offer, timezone.now()):
            raise ValidationError(why, code="gone")
        try:
            appointment = portal_book(
                account=account,
                traject=request.traject,
                session_type=request.session_type,
                start=offer.start,
                mode=offer.mode,
            )
        except SlotTaken:
            # Kept when this transaction commits, which it does: the booking's own savepoint
            # was rolled back, nothing else changed.
            WaitlistOffer.objects.filter(pk=offer.pk).update(status=WaitlistOffer.Status.TAKEN)
            appointment = None
        else:
            _accepted(offer, appointment)
    if appointment is None:
        raise ValidationError(TAKEN, code="taken")
    return appointment


def _accepted(offer: WaitlistOffer, appointment: Appointment) -> None:
    """The booking marked the others offered this time taken (appointment_book); this one is
    accepted, and its request ends."""
    now = timezone.now()
    WaitlistOffer.objects.filter(pk=offer.pk).update(
        status=WaitlistOffer.Status.ACCEPTED, answered_at=now, appointment=appointment
    )
    WaitlistRequest.objects.filter(pk=offer.request_id).update(
        status=WaitlistRequest.Status.BOOKED, ended_at=now
    )


def offer_decline(offer: WaitlistOffer) -> bool:
    """The client does not want this time; the request stays waiting for another."""
    return bool(
        WaitlistOffer.objects.filter(pk=offer.pk, status=WaitlistOffer.Status.OPEN).update(
            status=WaitlistOffer.Status.DECLINED, answered_at=timezone.now()
        )
    )
