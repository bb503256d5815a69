"""Shared by the calendar's views: access helpers, e-mail hand-offs, input parsing."""

from datetime import date, datetime, timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone

from coaching.models import Client
from sessions import tasks
from sessions.booking import (
    can_cancel_free,
)
from sessions.models import Appointment


def _appointment_of_coach(user, uuid) -> Appointment:
    return get_object_or_404(
        Appointment.objects.for_coach(user).select_related("traject__client", "session_type"),
        uuid=uuid,
    )


def _appointment_of_account(user, uuid) -> Appointment:
    """An appointment of the client this account is, or acts for (a parent for a child)."""
    return get_object_or_404(
        Appointment.objects.filter(
            traject__client__in=Client.objects.for_account(user)
        ).select_related("traject__client", "coach", "session_type"),
        uuid=uuid,
    )


def _mail(appointment: Appointment, event: str) -> None:
    tasks.send_appointment_mail.delay_on_commit(appointment.pk, event)


def _tell_coach(appointment: Appointment, event: str) -> None:
    """A coachee changed something online: the coach hears of it (no dossier content)."""
    tasks.send_coach_notice.delay_on_commit(appointment.pk, event)


def _monday(value: str | None) -> date:
    """The Monday of the week asked for; today's week for anything odd or far away."""
    today = timezone.localdate()
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    if abs((day - today).days) > 5 * 366:
        day = today
    return day - timedelta(days=day.weekday())


def _slot(value: str) -> datetime:
    """A slot chosen on a page: an ISO time with its offset, not years away."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or abs((moment - timezone.now()).days) > 5 * 366:
        raise ValueError(value)
    return moment


def _client_may_change(appointment: Appointment) -> bool:
    """Online, a coachee moves or cancels only what can be booked online, within the window."""
    session_type = appointment.session_type
    return (
        appointment.status == Appointment.Status.BOOKED
        and session_type is not None
        and session_type.active
        and session_type.bookable_online
        and can_cancel_free(appointment)
    )
