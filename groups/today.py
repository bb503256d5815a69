"""A Backstage meeting on the coach's *Vandaag*: the group's name,
"bijeenkomst n van 8", and the first names of today's contributors, added to the day's
meeting appointments by sessions.today (which sits below this app and cannot ask)."""

from django.conf import settings
from django.urls import reverse

from groups.models import Meeting
from sessions.models import Appointment


def meeting_details(appointments: list[Appointment]) -> None:
    """Add each meeting's details to its appointment, in one query for all of them: a row per
    contribution (or one without, for a meeting nobody brings anything to), in turn order."""
    by_appointment = {appointment.pk: appointment for appointment in appointments}
    rows = (
        Meeting.objects.filter(appointment_id__in=by_appointment)
        .values(
            "appointment_id",
            "uuid",
            "number",
            "group__name",
            "contributions__turn",
            "contributions__membership__client__first_name",
        )
        .order_by("appointment_id", "contributions__turn")
    )
    for row in rows:
        appointment = by_appointment[row["appointment_id"]]
        if not appointment.details:
            page = reverse("meeting_detail", args=[row["uuid"]])
            appointment.details = {
                "group": row["group__name"],
                "number": row["number"],
                "of": settings.PRAKTIJK_BACKSTAGE["meetings"],
                "contributors": [],
            }
            # Preparing a meeting is on its page: last time's agreements to report back on,
            # today's turns; the attendance is recorded there too.
            appointment.prepare_url = appointment.detail_url = page
            appointment.attendance_url = page + "#attendance-heading"
        if name := row["contributions__membership__client__first_name"]:
            appointment.details["contributors"].append(name)


def register_today() -> None:
    from sessions.today import register_appointment_details

    register_appointment_details(Appointment.Kind.BACKSTAGE, meeting_details)
