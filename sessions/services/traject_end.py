"""A traject that ends takes its appointments to come with it.

When a traject is stopped (the step `stop`, from any phase) or closed (`close`, afgerond), its
appointments still to come (booked, not begun: a planned kennismaking, an intake, sessions) are
cancelled in the step's transaction (sessions.services.booking.appointments_cancel: all at once,
under one lock), so that none stays "gepland" with a reminder due:

- cancelled by the coach, or by the practice when someone else took the step (the admin, or a
  coachee ending their e-mail coaching): never the client's side, so never a late
  cancellation, nothing to pay;
- with the reason "Het traject is gestopt." or "Het traject is afgerond.";
- the client, or the parents of a child, get each cancellation by e-mail (the appointment's own
  cancellation mail, with the .ics that takes it out of their calendar), recorded in the
  outbox in the step's transaction by appointments_cancel.

The traject's requests on the waitlist (sessions.services.waitlist) end with it, in the same
transaction; the times its cancelled appointments free are offered to other clients' requests.

Appointments in the past that were never recorded are left for the coach to record; Backstage
meetings belong to no traject and are not touched. The step's confirmation page says how many
appointments go (the preview). The traject app sits below this one (DESIGN.md §3): it calls
this through the step hooks that `AgendaConfig.ready()` registers, never by importing the
calendar.
"""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.models import Role, User
from sessions.models import Appointment, CancelledBy
from sessions.services.booking import appointments_cancel
from sessions.services.waitlist import requests_end_with_traject
from trajects.models import Traject, TrajectEvent
from trajects.models.traject import register_step_hook, register_step_preview

ENDING_STEPS = ("stop", "close")


def appointments_to_come(traject: Traject) -> QuerySet[Appointment]:
    """The traject's appointments still in the calendar ahead: booked, not begun."""
    return Appointment.objects.filter(
        traject=traject, status=Appointment.Status.BOOKED, start__gt=timezone.now()
    )


def _reason(step: str) -> str:
    if step == "close":
        return _("Het traject is afgerond.")
    return _("Het traject is gestopt.")


def _canceller(by: User | None) -> str:
    """The coach when a coach took the step; the practice otherwise. Never the client's side:
    an ending traject is no late cancellation by the client."""
    if by is not None and by.role == Role.COACH:
        return CancelledBy.COACH
    return CancelledBy.PRACTICE


def appointments_cancel_on_end(*, traject: Traject, event: TrajectEvent, by: User | None) -> None:
    """Cancel the appointments to come of a traject that was just stopped or closed. Runs in
    the step's transaction (the traject is locked): a failure refuses the step."""
    appointments_cancel(
        appointments=Appointment.objects.filter(traject=traject),
        cancelled_by=_canceller(by),
        reason=_reason(event.step),
    )
    # Nor does it wait for an earlier time any more.
    requests_end_with_traject(traject)


def appointments_cancel_preview(traject: Traject) -> str:
    """For the confirmation page of stopping or closing: how many appointments go."""
    count = appointments_to_come(traject).count()
    if not count:
        return _("Er staan geen afspraken gepland die nog komen.")
    if traject.client.mail_recipients():
        return ngettext(
            "%(count)s afspraak die nog komt wordt geannuleerd; de cliënt krijgt bericht.",
            "%(count)s afspraken die nog komen worden geannuleerd; de cliënt krijgt bericht.",
            count,
        ) % {"count": count}
    cancelled = ngettext(
        "%(count)s afspraak die nog komt wordt geannuleerd.",
        "%(count)s afspraken die nog komen worden geannuleerd.",
        count,
    ) % {"count": count}
    # The same sentence as on an appointment's own cancellation page.
    nobody = _(
        "%(client)s krijgt geen e-mail (er is geen e-mailadres bekend): laat het zelf weten."
    ) % {"client": traject.client}
    return f"{cancelled} {nobody}"


def register_traject_end_hooks() -> None:
    for step in ENDING_STEPS:
        register_step_hook(step, appointments_cancel_on_end)
        register_step_preview(step, appointments_cancel_preview)
