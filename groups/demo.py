"""Demo: an in-company team group of Ziekenhuis Oost, halfway through its eight meetings."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from coaching.models import Client, Organisation, User
from groups.models import BackstageGroup, Contribution
from groups.services.groups import group_create
from groups.services.members import member_add
from sessions.models import Appointment

PEOPLE = [
    ("Ilse", "Kok"),
    ("Ahmed", "Yilmaz"),
    ("Femke", "de Boer"),
    ("Jeroen", "Mulder"),
    ("Sara", "Dekker"),
    ("Tom", "Hendriks"),
]


def demo_group(*, anna: User, **others) -> None:
    if BackstageGroup.objects.filter(coach=anna).exists():
        return
    hospital, _ = Organisation.objects.get_or_create(name="Ziekenhuis Oost")
    # Four meetings behind, four ahead: every three weeks, Tuesday evening. A new group's first
    # meeting cannot lie in the past: it is made eight weeks-of-three ahead, then moved back.
    today = timezone.localdate()
    tuesday = today - timedelta(days=(today.weekday() - 1) % 7) - timedelta(weeks=3 * 4 - 1)
    back = timedelta(weeks=3 * 8)
    first = timezone.make_aware(datetime.combine(tuesday + back, time(19, 0)))
    group = group_create(
        coach=anna,
        name="Teamleiders Ziekenhuis Oost",
        composition="team",
        daypart="evening",
        interval_weeks=3,
        first_start=first,
        location="Ziekenhuis Oost, zaal 3",
        organisation=hospital,
        contact_person="P. de Wit",
    )
    for meeting in group.meetings.select_related("appointment"):
        start = timezone.make_aware(
            datetime.combine(
                timezone.localtime(meeting.appointment.start).date() - back, time(19, 0)
            )
        )
        Appointment.objects.filter(pk=meeting.appointment_id).update(
            start=start, end=start + timedelta(minutes=group.meeting_minutes)
        )
    members = []
    for first_name, last_name in PEOPLE:
        client = Client.objects.create(
            coach=anna,
            first_name=first_name,
            last_name=last_name,
            date_of_birth=date(1980, 1, 1),
            organisation=hospital,
            # Their reminders and evaluations land in var/mail/ like everyone's.
            email=f"{first_name.lower()}@ziekenhuis-oost.example",
        )
        members.append(member_add(group=group, client=client, joined_on=tuesday - timedelta(7)))
    problems = [
        (
            "Een medewerker die steeds te laat komt",
            "Donderdag een gesprek; vooraf opschrijven wat ik wil bereiken.",
        ),
        ("Roosters die elke week schuiven", "Met planning één vaste deadline afspreken."),
        ("Zelf te veel overnemen van het team", "Twee taken per week bewust laten liggen."),
        ("Spanning tussen dag- en nachtdienst", "Een gezamenlijke overdracht proberen."),
    ]
    meetings = list(group.meetings.select_related("appointment").order_by("number"))
    for index, meeting in enumerate(meetings[:4]):
        for turn, member in enumerate(members[(index * 2) % 6 : (index * 2) % 6 + 2], start=1):
            problem, agreement = problems[(index + turn) % 4]
            Contribution.objects.create(
                meeting=meeting,
                membership=member,
                turn=turn,
                problem=problem,
                concretised=problem,
                agreements=agreement,
                report_back="Ging beter dan verwacht." if index < 3 else "",
            )
        Appointment.objects.filter(pk=meeting.appointment_id).update(status="completed")
