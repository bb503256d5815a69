"""Booking, moving and cancelling appointments without ever double-booking a coach."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from coaching.dates import readable
from coaching.models import Client, Role, User
from coaching.video import video_room_for
from sessions.fees import outcome_changed
from sessions.models import (
    ACTIVE_STATUSES,
    CLIENT_SIDE,
    Appointment,
    BookingRules,
    CancelledBy,
    Mode,
    SessionType,
)
from sessions.models.availability import Rules
from sessions.notify import appointment_notify
from sessions.services.waitlist_offers import offer_freed, offers_taken
from sessions.slots import free_slots
from trajects.models import Traject
from trajects.services.evaluations import interim_after_session
from trajects.services.intake_prep import intake_planned

SLOT_TAKEN = _("Dit tijdstip is net bezet. Kies een ander moment.")


class SlotTaken(Exception):
    """The time overlaps another appointment of the coach (maybe booked a moment ago)."""

    def __init__(self):
        super().__init__(str(SLOT_TAKEN))


def _overlaps(coach: User, start: datetime, end: datetime, *, exclude=None) -> bool:
    others = Appointment.objects.for_coach(coach).active().overlapping(start, end)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()


def appointment_book(
    *,
    coach: User,
    start: datetime,
    end: datetime,
    kind: str,
    mode: str,
    by: User | None,
    traject: Traject | None = None,
    session_type=None,
    video_link: str = "",
    location: str = "",
    buffer: timedelta = timedelta(0),
    notify: bool = False,
) -> Appointment:
    """Put an appointment in the coach's calendar, or raise SlotTaken.

    `notify` (the coach's form, the portal): the people are told, through the outbox in this
    transaction (`_booked`). Other ways in tell them their own way, or not at all: a
    kennismaking from the website (its own two mails), a group's meetings, the demo.

    `buffer`: the pause kept free around other appointments (online bookings keep it; a coach
    may plan back to back), checked under a lock on the coach's row (FOR NO KEY UPDATE: a row
    that refers to the coach, a waitlist offer, neither waits for it nor blocks it).

    Two requests for the same time at the same moment: on PostgreSQL both may pass the check,
    but the exclusion constraint lets only one commit (the other's IntegrityError becomes
    SlotTaken). On SQLite the transaction starts with the write lock (IMMEDIATE), so the second
    request waits and then sees the first one's appointment in its check.

    A video appointment without a link given gets one here, for every way in (the coach's form,
    online booking, a kennismaking from the website): the coach's own room, else a room of its
    own from the practice's pattern (coaching.video). A link the coach typed wins.
    """
    if mode == Mode.VIDEO and not video_link:
        video_link = video_room_for(coach)
    try:
        with transaction.atomic():
            # Serialises bookings of this coach (PostgreSQL; SQLite already holds the lock).
            User.objects.select_for_update(no_key=True).filter(pk=coach.pk).first()
            if _overlaps(coach, start - buffer, end + buffer):
                raise SlotTaken
            appointment = Appointment.objects.create(
                coach=coach,
                start=start,
                end=end,
                kind=kind,
                mode=mode,
                created_by=by,
                traject=traject,
                session_type=session_type,
                video_link=video_link,
                location=location,
            )
            _booked(appointment, by=by, notify=notify)
            return appointment
    except IntegrityError as error:
        if "appointment_no_overlap" in str(error):
            raise SlotTaken from error
        raise


def _booked(appointment: Appointment, *, by: User | None, notify: bool) -> None:
    """What follows a booking, in its transaction. The waitlist's offers of the time are
    taken. A traject's kennismaking plans the kennismaking on the traject. With `notify`, the
    client's side gets a confirmation of an appointment still to come (a past one is only
    written down), and the coach a notice when the client's side booked it (`by`), both
    recorded in the outbox (sessions.notify)."""
    # The waitlist's open offers of this time are gone: their mails are not sent.
    offers_taken(coach_id=appointment.coach_id, start=appointment.start, end=appointment.end)
    traject = appointment.traject
    if (
        traject is not None
        and appointment.kind == Appointment.Kind.KENNISMAKING
        and traject.status == Traject.Status.AANMELDING
    ):
        traject.advance(
            "plan_kennismaking",
            by=by,
            on=timezone.localdate(),
            planned_at=appointment.start,
            mode=_kennismaking_mode(appointment.mode),
        )
    _intake_planned(appointment)
    if notify and appointment.start > timezone.now():
        appointment_notify(appointment, "booked", by=by)


def _intake_planned(appointment: Appointment) -> None:
    """An intake to come, of a traject in its intake phase: the client's side prepares it
    online (the intake questionnaire and the coaching agreement, trajects.services.intake_prep)."""
    traject = appointment.traject
    if (
        traject is not None
        and appointment.kind == Appointment.Kind.INTAKE
        and traject.status == Traject.Status.INTAKE
        and appointment.start > timezone.now()
    ):
        intake_planned(traject, appointment.start)


def _offer_freed(appointment: Appointment, *, start=None, end=None) -> None:
    """The appointment's time (or the time it had before a move, `start` to `end`) is free now:
    offered to the coach's waitlist in this transaction (sessions.services.waitlist_offers),
    never to the traject whose appointment it was."""
    offer_freed(
        coach_id=appointment.coach_id,
        start=start or appointment.start,
        end=end or appointment.end,
        traject_id=appointment.traject_id,
    )


def _refuse_past(appointment: Appointment) -> None:
    if appointment.start <= timezone.now():
        raise ValidationError(
            _(
                "Deze afspraak is al begonnen of voorbij: leg vast hoe die ging in plaats van "
                "haar te verzetten of te annuleren."
            ),
            code="past",
        )


def appointment_move(
    *, appointment: Appointment, start: datetime, end: datetime, by: User | None = None
) -> Appointment:
    """Move to another time: the same event (UID) with a higher sequence for calendars. The
    returned appointment carries the time it had in `previous_start` (not stored). The
    client's side is told, with the old time and the new, and the coach when the client's side
    moved it (`by`), through the outbox in this transaction. A move to the time it has already
    (a second click) changes nothing and tells nobody."""
    try:
        with transaction.atomic():
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            _refuse_past(locked)
            if locked.status != Appointment.Status.BOOKED:
                raise ValidationError(_("Alleen een geplande afspraak kan worden verzet."))
            if (locked.start, locked.end) == (start, end):
                locked.previous_start = locked.start
                return locked
            if start <= timezone.now():
                # The client would be told of a time that has gone (by the form or by dragging a
                # block in the calendar): an appointment that took place is recorded, not moved.
                raise ValidationError(
                    _("Verzet een afspraak naar een tijd die nog moet komen."), code="to_past"
                )
            if _overlaps(locked.coach, start, end, exclude=locked):
                raise SlotTaken
            # The notices name the old time and the new one.
            locked.previous_start, previous_end = locked.start, locked.end
            locked.start, locked.end = start, end
            locked.sequence += 1
            locked.save(update_fields=["start", "end", "sequence", "updated_at"])
            traject = locked.traject
            if (
                traject is not None
                and locked.kind == Appointment.Kind.KENNISMAKING
                and traject.status == Traject.Status.KENNISMAKING
            ):
                # The traject follows its kennismaking (the dashboard asks after it).
                Traject.objects.filter(pk=traject.pk).update(kennismaking_planned_at=start)
            _intake_planned(locked)
            appointment_notify(locked, "moved", by=by, previous=locked.previous_start)
            # The time it had is free now: offered to the waitlist (after the move, so that an
            # old time the new one overlaps is not offered).
            offers_taken(coach_id=locked.coach_id, start=start, end=end)
            _offer_freed(locked, start=locked.previous_start, end=previous_end)
            return locked
    except IntegrityError as error:
        if "appointment_no_overlap" in str(error):
            raise SlotTaken from error
        raise


# --- What a traject allows, and the life of an appointment -----------------------------------


def bookable_kinds(traject: Traject) -> set[str]:
    """Which kinds of appointment fit the traject's phase (an intake only after the
    kennismaking, sessions only in a running traject)."""
    status = traject.status
    kinds = set()
    if status in (Traject.Status.AANMELDING, Traject.Status.KENNISMAKING):
        kinds.add(Appointment.Kind.KENNISMAKING)
    if status == Traject.Status.INTAKE:
        kinds.add(Appointment.Kind.INTAKE)
    if status == Traject.Status.LOPEND:
        kinds |= {Appointment.Kind.SESSION, Appointment.Kind.EVALUATION}
    if status in (Traject.Status.INTAKE, Traject.Status.LOPEND):
        kinds |= {Appointment.Kind.THIRD_PARTY, Appointment.Kind.OBSERVATION}
    # One kennismaking and one intake: not a second while the first is still to come (asked
    # only in the phases that offer one).
    once = kinds & {Appointment.Kind.KENNISMAKING, Appointment.Kind.INTAKE}
    if not once:
        return kinds
    planned = set(
        Appointment.objects.filter(
            traject=traject,
            status=Appointment.Status.BOOKED,
            start__gt=timezone.now(),
            kind__in=once,
        ).values_list("kind", flat=True)
    )
    return kinds - planned


def free_cancel_until(coach: User, start: datetime, rules: Rules | None = None) -> datetime:
    """Until when an appointment of this coach at `start` can be cancelled or moved free of
    charge (and, by the coachee, online): the cancellation window before its start."""
    rules = rules or BookingRules.for_coach(coach)
    return start - rules.cancel_window


def cancel_deadline(appointment: Appointment, rules: Rules | None = None) -> datetime:
    return free_cancel_until(appointment.coach, appointment.start, rules)


def can_cancel_free(
    appointment: Appointment, now: datetime | None = None, rules: Rules | None = None
) -> bool:
    """Within the cancellation window: cancelling is free (and possible in the portal)."""
    return (now or timezone.now()) <= cancel_deadline(appointment, rules)


def canceller_of(appointment: Appointment, user: User | None) -> str:
    """Who cancels, from the account that does it: the coach; the client's own account; a
    parent's account (acting for a child); anyone else (the admin) for the practice."""
    if user is not None and (user.pk == appointment.coach_id or user.role == Role.COACH):
        return CancelledBy.COACH
    client = appointment.client
    if user is not None and user.role == Role.CLIENT and client is not None:
        return CancelledBy.CLIENT if client.account_id == user.pk else CancelledBy.PARENT
    return CancelledBy.PRACTICE


def cancellers(appointment: Appointment) -> list[str]:
    """Who can cancel this appointment: the client's side only when there is a client, a
    parent only for a child."""
    client = appointment.client
    who = []
    if client is not None:
        who.append(CancelledBy.CLIENT)
        if client.is_child:
            who.append(CancelledBy.PARENT)
    return [*who, CancelledBy.COACH, CancelledBy.PRACTICE]


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    by: User | None,
    cancelled_by: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    free_only: bool = False,
) -> Appointment:
    """Cancel, recording who cancelled (`cancelled_by`; by default the side of the account `by`),
    why and when. Only the client's own side cancels late, after the free-cancellation
    deadline, and only that may be charged: the coach or the practice
    cancelling an hour before is a plain cancellation (the database holds this too).

    `free_only` (the portal): a cancellation that would be late is refused (code "late"). It is
    checked here, under the lock, because the deadline can pass, or the coach can move the
    appointment into the window, between the portal's own check and this moment: the coachee
    would then be charged for a cancellation the page said was free.

    The client's side gets the cancellation (with the .ics that takes it out of the calendar),
    and the coach a notice when the client's side cancelled (`by`), through the outbox in this
    transaction; the freed time is offered to the waitlist."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError(_("Alleen een geplande afspraak kan worden geannuleerd."))
    _refuse_past(appointment)
    cancelled_by = cancelled_by or canceller_of(appointment, by)
    if cancelled_by not in cancellers(appointment):
        raise ValidationError(_("Kies wie de afspraak afzegt."), code="who")
    now = now or timezone.now()
    late = cancelled_by in CLIENT_SIDE and not can_cancel_free(appointment, now)
    if late and free_only:
        deadline = readable(cancel_deadline(appointment), weekday=True, time=True)
        raise ValidationError(
            _(
                "Online afzeggen of verzetten kon tot %(deadline)s; nu gaat dat alleen nog via je "
                "coach."
            )
            % {"deadline": deadline},
            code="late",
        )
    appointment.status = Appointment.Status.CANCELLED_LATE if late else Appointment.Status.CANCELLED
    appointment.cancelled_by = cancelled_by
    appointment.cancel_reason = reason.strip()[:500]
    appointment.cancelled_at = now
    appointment.sequence += 1
    appointment.save(
        update_fields=[
            "status",
            "cancelled_by",
            "cancel_reason",
            "cancelled_at",
            "sequence",
            "updated_at",
        ]
    )
    appointment_notify(appointment, "cancelled", by=by)
    _offer_freed(appointment)
    outcome_changed(appointment)  # a strippenkaart may count a late cancellation
    return appointment


@transaction.atomic
def appointments_cancel(
    *, appointments: QuerySet[Appointment], cancelled_by: str, reason: str
) -> list[int]:
    """Cancel many at once for the coach's or the practice's side (a traject that ends): of
    `appointments`, those still booked and not begun, locked and cancelled in one statement,
    with who and why, as appointment_cancel does one at a time. Never the client's side, so
    never late and never a fee. Each client's side gets its cancellation through the outbox,
    in this transaction. Returns the cancelled appointments' ids."""
    if cancelled_by in CLIENT_SIDE:
        raise ValueError("A cancellation by the client's side goes through appointment_cancel.")
    now = timezone.now()
    cancelled = list(
        appointments.select_for_update()
        .filter(status=Appointment.Status.BOOKED, start__gt=now)
        .order_by("start")
        .values_list("pk", flat=True)
    )
    Appointment.objects.filter(pk__in=cancelled).update(
        status=Appointment.Status.CANCELLED,
        cancelled_by=cancelled_by,
        cancel_reason=reason.strip()[:500],
        cancelled_at=now,
        sequence=F("sequence") + 1,
        updated_at=now,
    )
    for appointment in Appointment.objects.filter(pk__in=cancelled).select_related(
        "traject__client"
    ):
        appointment_notify(appointment, "cancelled")
        _offer_freed(appointment)
    return cancelled


@transaction.atomic
def appointment_mark(
    *, appointment: Appointment, status: str, announces_last: bool = False, is_last: bool = False
) -> Appointment:
    """The coach marks a session held (perhaps announcing or being the last one) or a no-show.

    The last-session rule (DESIGN.md §4.7): a session is the last only when that was announced
    at the session before it. The traject is locked, so two marks at once see each other.
    """
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.traject_id:
        Traject.objects.select_for_update().get(pk=appointment.traject_id)
    _refuse_unmarkable(appointment)
    if status == Appointment.Status.NO_SHOW:
        announces_last = is_last = False
    sessions = Appointment.objects.filter(
        traject_id=appointment.traject_id,
        kind=Appointment.Kind.SESSION,
        status__in=ACTIVE_STATUSES,
    ).exclude(pk=appointment.pk)
    _refuse_last_out_of_turn(appointment, sessions, announces_last=announces_last, is_last=is_last)
    appointment.invoice_notes = []
    if appointment.status != Appointment.Status.BOOKED and appointment.status != status:
        # Another outcome than the one recorded (held ↔ no-show): what an invoice holds for
        # it is wrong now. On a draft its line goes (the next invoice prices it as it is
        # now); on a sent invoice the change is refused (a credit invoice corrects that).
        from sessions.fees import fee_invoice_notes

        appointment.invoice_notes = fee_invoice_notes(appointment, release=True, change=True)
    appointment.status = status
    appointment.announces_last = announces_last and not is_last
    appointment.is_last = is_last
    if status != Appointment.Status.NO_SHOW:
        # Held after all: there is no fee, so no waiver of it either.
        appointment.fee_waived_reason, appointment.fee_waived_by = "", None
        appointment.fee_waived_at = None
    appointment.save(
        update_fields=[
            "status",
            "announces_last",
            "is_last",
            "fee_waived_reason",
            "fee_waived_by",
            "fee_waived_at",
            "updated_at",
        ]
    )
    if (
        appointment.kind == Appointment.Kind.SESSION
        and status == Appointment.Status.COMPLETED
        and appointment.traject_id
    ):
        held = sessions.filter(status=Appointment.Status.COMPLETED).count() + 1
        # Every N held sessions an interim evaluation (once per N: the key is unique).
        interim_after_session(appointment.traject, held)
    appointment.invoice_notes += outcome_changed(appointment)  # a strip of a strippenkaart
    return appointment


def _refuse_unmarkable(appointment: Appointment) -> None:
    """Only an appointment that was not cancelled and has begun is marked held or missed."""
    if appointment.status not in (
        Appointment.Status.BOOKED,
        Appointment.Status.COMPLETED,
        Appointment.Status.NO_SHOW,
    ):
        raise ValidationError(
            _("Een geannuleerde afspraak kan niet als gehouden worden gemarkeerd.")
        )
    if appointment.start > timezone.now():
        raise ValidationError(_("Deze afspraak moet nog plaatsvinden."))


def _refuse_last_out_of_turn(
    appointment: Appointment, sessions, *, announces_last: bool, is_last: bool
) -> None:
    """The last-session rule (DESIGN.md §4.7) for a mark: only a coaching session is the last,
    and only when the session before it announced that; an announcement stays while the next
    session is recorded as the last. `sessions`: the traject's other active sessions."""
    if (is_last or announces_last) and appointment.kind != Appointment.Kind.SESSION:
        raise ValidationError(_("Alleen een coachingsessie kan de laatste zijn."))
    if is_last:
        # The session right before this one (whatever its status) must have announced it.
        before = sessions.filter(start__lt=appointment.start).order_by("-start").first()
        if (
            appointment.traject_id is None
            or before is None
            or before.status != Appointment.Status.COMPLETED
            or not before.announces_last
        ):
            raise ValidationError(
                _(
                    "Dit kan alleen de laatste sessie zijn als dat in de sessie ervoor is "
                    "aangekondigd. Kondig het nu aan; dan is de volgende sessie de laatste."
                ),
                code="not_announced",
            )
    after = sessions.filter(start__gt=appointment.start).order_by("start").first()
    if appointment.announces_last and not announces_last and after is not None and after.is_last:
        raise ValidationError(
            _("De volgende sessie staat als laatste vastgelegd; die aankondiging blijft staan.")
        )


def open_online_bookings(client: Client, now: datetime | None = None) -> int:
    """The client's upcoming appointments that were booked in the portal."""
    return (
        Appointment.objects.filter(traject__client=client)
        .upcoming(now or timezone.now())
        .booked_online()
        .count()
    )


def online_booking_refusal(client: Client, *, account: User, now: datetime | None = None) -> str:
    """Why this client cannot book one more appointment online now ("" when they can): at most
    PRAKTIJK_BOOKING["max_open_online"] upcoming online bookings per client (0: no limit)."""
    limit = settings.PRAKTIJK_BOOKING.get("max_open_online", 3)
    if not limit:
        return ""
    count = open_online_bookings(client, now)
    if count < limit:
        return ""
    values = {"count": count, "name": client.first_name}
    if client.account_id == account.pk:
        text = ngettext(
            "Je hebt al %(count)s afspraak gepland die nog moet komen; meer kun je online niet "
            "tegelijk boeken.",
            "Je hebt al %(count)s afspraken gepland die nog moeten komen; meer kun je online "
            "niet tegelijk boeken.",
            count,
        )
    else:
        text = ngettext(
            "Voor %(name)s staat al %(count)s afspraak gepland die nog moet komen; meer kun je "
            "online niet tegelijk boeken.",
            "Voor %(name)s staan al %(count)s afspraken gepland die nog moeten komen; meer kun "
            "je online niet tegelijk boeken.",
            count,
        )
    return " ".join(
        [
            text % values,
            str(
                _(
                    "Na de eerstvolgende afspraak kun je weer een nieuwe boeken, of vraag je "
                    "coach om een afspraak in te plannen."
                )
            ),
        ]
    )


def portal_book(
    *,
    account: User,
    traject: Traject,
    session_type: SessionType,
    start: datetime,
    mode: str,
) -> Appointment:
    """A coachee (or a parent for a child) books online: only a type that is bookable online,
    fits the traject's phase and mode, at a time that is free by the coach's hours and rules,
    and while the client holds fewer upcoming online bookings than the practice allows."""
    if not Client.objects.for_account(account).filter(pk=traject.client_id).exists():
        raise PermissionDenied
    if not (session_type.active and session_type.bookable_online):
        raise ValidationError(_("Deze afspraak kun je niet online boeken."))
    if session_type.kind not in bookable_kinds(traject):
        raise ValidationError(_("Deze afspraak past nog niet bij de fase van je traject."))
    if mode not in session_type.allowed_modes:
        raise ValidationError(_("Kies een vorm die bij deze afspraak hoort."))
    duration = timedelta(minutes=session_type.default_minutes)
    coach = traject.client.coach
    day = timezone.localtime(start).date()
    if start not in free_slots(coach=coach, duration=duration, first=day, days=1, mode=mode):
        raise SlotTaken
    with transaction.atomic():
        # The client's row locked: two bookings at once (two tabs, both parents) are counted
        # one after the other, so they cannot both slip under the limit.
        Client.objects.select_for_update(no_key=True).filter(pk=traject.client_id).first()
        refusal = online_booking_refusal(traject.client, account=account)
        if refusal:
            raise ValidationError(refusal, code="too_many")
        return appointment_book(
            coach=coach,
            start=start,
            end=start + duration,
            kind=session_type.kind,
            mode=mode,
            by=account,
            traject=traject,
            session_type=session_type,
            buffer=BookingRules.for_coach(coach).buffer,
            notify=True,
        )


def _kennismaking_mode(mode: str) -> str:
    return {"phone": "phone", "video": "video", "email": "email"}.get(mode, "in_person")
