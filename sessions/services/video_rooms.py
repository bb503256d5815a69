"""A coach's new video room (coaching.video.room_changed): the booked appointments to come that
were in the old room move to the new one, and their clients hear of it, with the .ics updated
(the same event, a higher SEQUENCE), through the outbox in the same transaction. Without a new
room of their own, each gets a room of its own from the practice's pattern, or none (the e-mail
then says the coach sends the link)."""

from django.db import transaction
from django.utils import timezone

from coaching.models import User
from coaching.video import new_room, register_room_follower
from sessions.models import Appointment
from sessions.notify import appointment_notify


def appointments_follow_room(coach: User, old: str, new: str) -> int:
    with transaction.atomic():
        following = list(
            # Only the appointments locked (a client's row is not: of=self).
            Appointment.objects.select_for_update(of=("self",))
            .filter(
                coach=coach,
                status=Appointment.Status.BOOKED,
                end__gt=timezone.now(),
                video_link=old,
            )
            .exclude(kind=Appointment.Kind.BACKSTAGE)  # a group's place is the group's
            .select_related("traject__client")
        )
        for appointment in following:
            appointment.video_link = new or new_room()
            appointment.sequence += 1  # the row is locked: no one else raised it meanwhile
            Appointment.objects.filter(pk=appointment.pk).update(
                video_link=appointment.video_link,
                sequence=appointment.sequence,
                updated_at=timezone.now(),
            )
            appointment_notify(appointment, "room")
    return len(following)


def register_room_follower_of_sessions() -> None:
    register_room_follower(appointments_follow_room)
