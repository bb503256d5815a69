"""A recorded kennismaking settles its appointment.

When the coach records the kennismaking as held (the step `record_kennismaking` of the traject,
say by phone, today) while a kennismaking appointment of that traject is still planned, the
appointment follows in the step's transaction; it is never left "gepland" with a reminder due.
The rule:

- it is the kennismaking that was held when it is on the recorded day and has begun: it is
  marked held;
- any other planned one (later that day, or on a day still to come) is no longer needed: it is
  cancelled by the coach (never a late cancellation, nothing to pay) and the client, or the
  parents of a child, get the cancellation by e-mail (through the outbox, in the step's
  transaction);
- one in the past on another day is not guessed at (held then? not shown up?): the step is
  refused, and says how to go on.

The traject app sits below this one (DESIGN.md §3): it calls this through the step hook that
`AgendaConfig.ready()` registers, never by importing the calendar.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.dates import readable
from coaching.models import User
from sessions.models import Appointment
from sessions.services.booking import appointment_cancel, appointment_mark
from trajects.models import Traject, TrajectEvent
from trajects.models.traject import register_step_hook


def kennismaking_settle(*, traject: Traject, event: TrajectEvent, by: User | None) -> None:
    """The planned kennismaking appointments of the traject, after its kennismaking was
    recorded as held on `event.on`. Runs in the step's transaction (the traject is locked)."""
    planned = (
        Appointment.objects.select_for_update()
        .filter(
            traject=traject, kind=Appointment.Kind.KENNISMAKING, status=Appointment.Status.BOOKED
        )
        .order_by("start")
    )
    now = timezone.now()
    for appointment in planned:
        day = timezone.localtime(appointment.start).date()
        if appointment.start > now:
            # The client's side gets the cancellation through the outbox (appointment_cancel).
            appointment_cancel(
                appointment=appointment,
                by=by,
                cancelled_by=Appointment.CancelledBy.COACH,
                reason=_("De kennismaking heeft al plaatsgevonden."),
            )
        elif day == event.on:
            appointment_mark(appointment=appointment, status=Appointment.Status.COMPLETED)
        else:
            raise ValidationError(
                _(
                    "De kennismakingsafspraak van %(when)s staat nog als gepland. Leg eerst bij "
                    "die afspraak vast hoe die ging, of kies als datum de dag van die afspraak "
                    "als dat de kennismaking was."
                ),
                code="kennismaking_appointment",
                params={"when": readable(appointment.start, weekday=True, long=True, time=True)},
            )


def register_kennismaking_hook() -> None:
    register_step_hook("record_kennismaking", kennismaking_settle)
