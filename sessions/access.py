"""What an account may reach in the calendar: a coach their own appointments, availability and
feed; a client (or a parent for a child) the appointments and trajects of the clients the
account acts for; a prospect the coaches that take kennismakingen. Any other id is a 404, never
a 403 that would confirm it exists (STYLE.md 4). Every view of the app looks objects up here."""

import uuid as uuids

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from coaching.models import Client, CoachProfile, Role, User
from coaching.roles import has_role
from sessions.models import (
    ACTIVE_STATUSES,
    Appointment,
    AvailabilityException,
    CalendarFeed,
    ExternalBusy,
    SessionType,
    WaitlistOffer,
    WaitlistRequest,
    WorkingHours,
)
from sessions.models.availability import Rules
from sessions.services.booking import bookable_kinds, can_cancel_free
from trajects.models import Traject


def is_id(value: str) -> bool:
    """A row's id as a form sends it: ASCII digits ("²".isdigit() is true, but no int)."""
    return value.isascii() and value.isdigit()


# --- The coach -------------------------------------------------------------------------------


def appointments_of_coach(user: User) -> QuerySet[Appointment]:
    return Appointment.objects.for_coach(user)


def appointment_of_coach(user: User, uuid) -> Appointment:
    return get_object_or_404(
        appointments_of_coach(user).select_related("traject__client", "session_type"), uuid=uuid
    )


def traject_to_plan(user: User, value: str) -> Traject | None:
    """A traject the coach came from (`?traject=` on "Nieuwe afspraak"): one of their own, by
    its uuid; None for anything else (the form then asks which)."""
    try:
        wanted = uuids.UUID(value)
    except ValueError:
        return None
    return Traject.objects.for_coach(user).filter(uuid=wanted).first()


def working_hours_of_coach(user: User) -> QuerySet[WorkingHours]:
    return WorkingHours.objects.filter(coach=user)


def hours_block_of_coach(user: User, pk: str) -> QuerySet[WorkingHours]:
    """A block of the coach's working hours by the id a form sent (to delete it): empty for
    anything else."""
    return working_hours_of_coach(user).filter(pk=pk) if is_id(pk) else WorkingHours.objects.none()


def exceptions_of_coach(user: User) -> QuerySet[AvailabilityException]:
    return AvailabilityException.objects.filter(coach=user)


def exception_of_coach(user: User, pk: str) -> QuerySet[AvailabilityException]:
    """An exception to the coach's availability by the id a form sent (to delete it): empty
    for anything else."""
    if not is_id(pk):
        return AvailabilityException.objects.none()
    return exceptions_of_coach(user).filter(pk=pk)


def busy_times_of_coach(user: User, since, until) -> QuerySet:
    """(start, end) of the coach's busy times in their own calendars between two moments."""
    return (
        ExternalBusy.objects.filter(coach=user, starts_at__lt=until, ends_at__gt=since)
        .order_by()
        .values_list("starts_at", "ends_at")
    )


def calendar_feeds_of_coach(user: User) -> QuerySet[CalendarFeed]:
    return CalendarFeed.objects.filter(coach=user)


def calendar_feed_of_coach(user: User, pk: str) -> QuerySet[CalendarFeed]:
    """One of the coach's own calendar addresses by the id a form sent: empty for anything
    else."""
    return calendar_feeds_of_coach(user).filter(pk=pk) if is_id(pk) else CalendarFeed.objects.none()


def waitlist_of_coach(user: User) -> QuerySet[WaitlistRequest]:
    """The requests on the waitlist of the coach's own clients."""
    return WaitlistRequest.objects.filter(traject__client__coach=user)


def waitlist_request_of_coach(user: User, uuid) -> WaitlistRequest:
    return get_object_or_404(waitlist_of_coach(user), uuid=uuid)


def coach_of_feed(token: str) -> User:
    """The coach whose private calendar feed this is: the secret in the URL is the key; an
    account that no longer works has no feed."""
    profile = get_object_or_404(CoachProfile.objects.select_related("user"), calendar_token=token)
    if not profile.user.is_active:
        raise Http404
    return profile.user


# --- The client (or a parent) ----------------------------------------------------------------


def appointments_of_account(user: User) -> QuerySet[Appointment]:
    """The appointments of the clients this portal account is, or acts for."""
    return Appointment.objects.filter(traject__client__in=Client.objects.for_account(user))


def appointment_of_account(user: User, uuid) -> Appointment:
    return get_object_or_404(
        appointments_of_account(user).select_related(
            "traject__client", "coach__coach_profile", "session_type"
        ),
        uuid=uuid,
    )


def trajects_of_account(user: User) -> QuerySet[Traject]:
    return Traject.objects.filter(client__in=Client.objects.for_account(user))


def traject_of_account(user: User, uuid) -> Traject:
    """A traject the account acts for, with its client and the client's coach (the coach's
    profile and booking rules too: the booking page shows and applies them). Most often the
    account's own: that is read from the traject's client; only for another client (a child,
    or someone else's: 404) does Client.objects.for_account decide, in a second query."""
    traject = (
        Traject.objects.filter(uuid=uuid)
        .select_related("client__coach__coach_profile", "client__coach__booking_rules")
        .first()
    )
    if traject is None or (
        traject.client.account_id != user.pk
        and not Client.objects.for_account(user).filter(pk=traject.client_id).exists()
    ):
        raise Http404
    return traject


def waitlist_of_account(user: User) -> QuerySet[WaitlistRequest]:
    """The requests on the waitlist of the clients this portal account is, or acts for."""
    return WaitlistRequest.objects.filter(traject__client__in=Client.objects.for_account(user))


def waitlist_request_of_account(user: User, uuid) -> WaitlistRequest:
    return get_object_or_404(waitlist_of_account(user), uuid=uuid)


def offers_of_account(user: User) -> QuerySet[WaitlistOffer]:
    """The waitlist's offers to the clients this portal account is, or acts for."""
    return WaitlistOffer.objects.filter(
        request__traject__client__in=Client.objects.for_account(user)
    )


def offer_of_account(user: User, uuid) -> WaitlistOffer:
    return get_object_or_404(
        offers_of_account(user).select_related(
            "coach", "request__session_type", "request__traject__client"
        ),
        uuid=uuid,
    )


def offers_to_show(user: User, now) -> list[WaitlistOffer]:
    """The offers the account's portal shows, in one query: still to answer, or taken by
    someone else (until they would have ended), of requests still waiting; `filled`: the
    coach's time has been booked since (by anyone), so it can no longer be taken."""
    booked = Appointment.objects.filter(
        coach=OuterRef("coach"),
        status__in=ACTIVE_STATUSES,
        start__lt=OuterRef("end"),
        end__gt=OuterRef("start"),
    )
    return list(
        offers_of_account(user)
        .filter(
            status__in=(WaitlistOffer.Status.OPEN, WaitlistOffer.Status.TAKEN),
            expires_at__gt=now,
            request__status=WaitlistRequest.Status.WAITING,
        )
        .annotate(filled=Exists(booked))
        .select_related("coach", "request__session_type", "request__traject__client")
        .order_by("start")
    )


def coach_booked_between(coach: User, start, end) -> bool:
    """Whether the coach has an appointment (not cancelled) overlapping this time."""
    return Appointment.objects.for_coach(coach).active().overlapping(start, end).exists()


def types_bookable_online() -> QuerySet[SessionType]:
    return SessionType.objects.filter(active=True, bookable_online=True)


def bookable_online(traject: Traject, pk) -> SessionType:
    """A session type the account may book online for this traject: in use, bookable online,
    and fitting the traject's phase."""
    session_type = get_object_or_404(types_bookable_online(), pk=pk)
    if session_type.kind not in bookable_kinds(traject):
        raise Http404
    return session_type


def may_change_online(appointment: Appointment, rules: Rules | None = None) -> bool:
    """Online, a coachee moves or cancels only what can be booked online, within the window."""
    session_type = appointment.session_type
    return (
        appointment.status == Appointment.Status.BOOKED
        and session_type is not None
        and session_type.active
        and session_type.bookable_online
        and can_cancel_free(appointment, rules=rules)
    )


# --- Either ----------------------------------------------------------------------------------


def appointment_of_user(user: User, uuid) -> Appointment:
    """An appointment for its coach, or for its client (or a parent of the child); an account
    that is neither coach nor client is refused."""
    if has_role(user, Role.COACH):
        return appointment_of_coach(user, uuid)
    if has_role(user, Role.CLIENT):
        return appointment_of_account(user, uuid)
    raise PermissionDenied


# --- A prospect (no account) -----------------------------------------------------------------


def coaches_for_kennismaking() -> QuerySet[User]:
    """The coaches a prospect can ask for a kennismaking: those with working hours."""
    return (
        User.objects.coaches().filter(working_hours__isnull=False).distinct().order_by("first_name")
    )


def coach_chosen(coaches: list[User], value: str | None) -> User:
    """The coach a prospect picked (by uuid) among `coaches`; the first for anything else."""
    return next((coach for coach in coaches if str(coach.uuid) == value), coaches[0])
