"""The next appointment on the portal's home, registered with
coaching.portal: per client the first booked appointment that has not ended, with its place or
video link, its .ics, and until when it can be moved or cancelled free of charge; above it, the
waitlist's offers of a freed time still to answer."""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from coaching.compiled import Compiled
from coaching.models import Client, User
from coaching.portal import register_portal_section
from sessions.access import may_change_online
from sessions.models import Appointment, BookingRules, WaitlistOffer, WaitlistRequest
from sessions.models.appointments import Mode
from sessions.services.booking import cancel_deadline

TEMPLATE = "sessions/includes/portal_home_appointment.html"


def _next_appointments(at):
    upcoming = Appointment.objects.filter(status=Appointment.Status.BOOKED, end__gt=at.now)
    same_client = upcoming.filter(traject__client=OuterRef("traject__client")).order_by()
    first = same_client.order_by("start", "pk").values("pk")[:1]
    booked = same_client.values("traject__client").annotate(n=Count("pk")).values("n")
    return (
        upcoming.filter(traject__client__pk__in=at.clients, pk=Subquery(first))
        .select_related("coach__coach_profile", "coach__booking_rules", "session_type")
        .annotate(client_pk=F("traject__client"), booked=Subquery(booked))
    )


# Compiled once per number of clients (coaching.compiled).
NEXT_APPOINTMENTS = Compiled(
    _next_appointments, clients=[models.BigIntegerField()], now=models.DateTimeField()
)


def next_appointments(clients: Sequence[Client], now: datetime) -> dict[int, Appointment]:
    """Each client's first booked appointment that has not ended (one under way counts: its
    video link is wanted then), with `more`: how many more are booked after it. One query,
    at most a row per client: a correlated subquery picks each client's first (a window over
    the client's appointments, wrapped in a query of its own to keep the first, cost twice as
    much to build), another counts them. The client comes from `clients`, not a join."""
    found = {}
    for appointment in NEXT_APPOINTMENTS.all(clients=[client.pk for client in clients], now=now):
        appointment.more = appointment.booked - 1
        found[appointment.client_pk] = appointment
    return found


def _rules_of(coach: User):
    """The coach's booking rules, loaded with the appointment (no row: the defaults)."""
    try:
        own = coach.booking_rules
    except BookingRules.DoesNotExist:
        own = None
    return BookingRules.of(own)


def _place(appointment: Appointment) -> str:
    """Where, in words: the place given, else the practice's address for a session there."""
    if appointment.location:
        return appointment.location
    if appointment.mode == Mode.PRACTICE:
        details = settings.PRAKTIJK_DETAILS
        town = " ".join(part for part in (details["postal_code"], details["city"]) if part)
        return ", ".join(part for part in (details["address"], town) if part)
    return ""


def _day_word(start: datetime, now: datetime) -> str:
    """ "today" or "tomorrow" (the template translates), else ""."""
    days = (timezone.localtime(start).date() - timezone.localtime(now).date()).days
    return {0: "today", 1: "tomorrow"}.get(days, "")


def portal_home_appointments(account: User, clients: Sequence[Client]) -> dict[int, dict]:
    """Every client gets the section: the next appointment, or a friendly "none planned".
    One query whatever the number of clients and appointments (their coaches' booking rules
    come with them)."""
    now = timezone.now()
    found = next_appointments(clients, now)
    for appointment in found.values():
        coach_rules = _rules_of(appointment.coach)
        appointment.may_change = may_change_online(appointment, coach_rules)
        appointment.free_until = cancel_deadline(appointment, coach_rules)
        appointment.place = _place(appointment)
        appointment.under_way = appointment.start <= now
        appointment.day_word = _day_word(appointment.start, now)
    return {
        client.pk: {"appointment": found.get(client.pk), "client": client, "now": now}
        for client in clients
    }


OFFERS_TEMPLATE = "sessions/includes/portal_home_offers.html"


def portal_home_offers(account: User, clients: Sequence[Client]) -> dict[int, dict]:
    """The waitlist's offers still to answer, per client, at the top of the home (an offer
    holds for hours only); a client without one gets no section. One query."""
    now = timezone.now()
    found: dict[int, list] = {}
    for offer in (
        WaitlistOffer.objects.filter(
            request__traject__client__in=[client.pk for client in clients],
            request__status=WaitlistRequest.Status.WAITING,
            status=WaitlistOffer.Status.OPEN,
            expires_at__gt=now,
        )
        .select_related("coach", "request__session_type", "request__traject")
        .order_by("start")
    ):
        found.setdefault(offer.request.traject.client_id, []).append(offer)
    return {pk: {"offers": offers} for pk, offers in found.items()}


def register_portal_home() -> None:
    register_portal_section(
        "waitlist_offers", template=OFFERS_TEMPLATE, context=portal_home_offers, order=5
    )
    register_portal_section(
        "appointment", template=TEMPLATE, context=portal_home_appointments, order=10
    )
