"""A coach's new video room (coaching.video.room_changed): the booked appointments to come that
were in the old room move to the new one, and their clients hear of it, with the .ics updated
(the same event, a higher SEQUENCE). Without a new room of their own, each gets a room of its
own from the practice's pattern, or none (the e-mail then says the coach sends the link)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from coaching.models import User
from coaching.video import new_room, register_room_follower
from sessions.models import Appointment


def appointments_follow_room(coach: User, old: str, new: str) -> int:
    with transaction.atomic():
        following = list(
            Appointment.objects.select_for_update()
            .filter(
                coach=coach,
                status=Appointment.Status.BOOKED,
                end__gt=timezone.now(),
                video_link=old,
            )
            .exclude(kind=Appointment.Kind.BACKSTAGE)  # a group's place is the group's
        )
        for appointment in following:
            Appointment.objects.filter(pk=appointment.pk).update(
                video_link=new or new_room(),
                sequence=F("sequence") + 1,
                updated_at=timezone.now(),
            )
    from sessions import tasks

    for appointment in following:
        tasks.send_appointment_mail.delay_on_commit(appointment.pk, "room")
    return len(following)


def register_room_follower_of_sessions() -> None:
    register_room_follower(appointments_follow_room)
