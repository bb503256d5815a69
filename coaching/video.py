"""Where a video appointment's link comes from.

A coach's own fixed room (CoachProfile.video_room_url, on "Mijn profiel" and in the admin) goes
first. Else the practice's pattern, PRAKTIJK_VIDEO_ROOM_BASE (e.g. https://meet.jit.si), makes a
room of its own per appointment: the base, "/", and an unguessable name such as
"praktijk-3f9a0c7d12e4b5a6" (the practice's name and 64 random bits; never a client's name, so
the address says nothing about who meets). Neither set: no link, and the coach sends one.

sessions.services.booking.appointment_book is the one place that hands a link to an appointment.

A coach who changes their own room expects their clients in the new one: the appointments to
come that carry the old room follow it (room_changed; sessions registers the follower, which
tells each client with an updated .ics). Appointments with a room of their own keep it."""

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

NOT_HTTPS = _("Gebruik een adres dat begint met https://.")


def validate_room_url(value: str) -> None:
    """A video room is reached over https (plain http only outside production, for a room on
    the developer's own machine)."""
    if not value:
        return
    allowed = {"https"} if settings.PRODUCTION else {"https", "http"}
    parts = urlsplit(value)
    if parts.scheme not in allowed or not parts.hostname:
        raise ValidationError(NOT_HTTPS, code="not_https")


def new_room() -> str:
    """A room of its own from the practice's pattern, or "" when none is configured."""
    base = settings.PRAKTIJK_VIDEO_ROOM_BASE
    if not base:
        return ""
    name = slugify(settings.PRAKTIJK_NAME)[:30].strip("-") or "praktijk"
    return f"{base}/{name}-{secrets.token_hex(8)}"


def video_room_for(coach) -> str:
    """The link for a new video appointment of this coach: their own room, else a new one."""
    from coaching.models import CoachProfile

    own = CoachProfile.objects.filter(user=coach).values_list("video_room_url", flat=True).first()
    return own or new_room()


# Who follows a coach's change of room: (coach, old room, new room) -> how many appointments
# moved to the new room. Registered by the apps above coaching (sessions.services.video_rooms).
RoomFollower = Callable[[object, str, str], int]
ROOM_FOLLOWERS: list[RoomFollower] = []


def register_room_follower(follower: RoomFollower) -> None:
    if follower not in ROOM_FOLLOWERS:
        ROOM_FOLLOWERS.append(follower)


def room_changed(coach, old: str, new: str) -> int:
    """The coach's own room went from `old` to `new` (on "Mijn profiel" or in the admin):
    the booked appointments to come in the old room follow. How many did."""
    if not old or old == new:
        return 0
    return sum(follower(coach, old, new) for follower in ROOM_FOLLOWERS)
