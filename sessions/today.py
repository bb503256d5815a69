"""The calendar's part of the coach's *Vandaag*.

At the top of the page: today's appointments and Backstage meetings in time order, each with
what fits the moment (prepare before; mark held or no-show once it has begun), and the days
ahead with their counts. Among the lists that wait for the coach: appointments in the past
that still have no outcome. Registered on the page through coaching.dashboard (trajects, which
renders it, sits below this app).

A Backstage meeting's details (its group, "bijeenkomst n van 8", today's contributors) belong to
groups, above this app: groups registers a function here (`register_appointment_details`) that
adds them to the day's appointments of its kind, in one query for all of them.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery, Window
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import capfirst
from django.utils.translation import ngettext

from coaching.compiled import Compiled
from coaching.dates import readable
from coaching.links import url_for
from coaching.models import User
from sessions import today_html
from sessions.labels import kind_label, mode_label
from sessions.models import Appointment
from sessions.models.appointments import CANCELLED_STATUSES
from trajects.models import DossierEntry, Traject
from trajects.services.intake_prep import preparations

# Today's list is bounded by the day itself (active appointments never overlap); this is for
# the cancelled ones, which do not hold time and could pile up.
DAY_LIMIT = 40
# The days ahead: tomorrow and at least the rest of the week; a full week keeps the same
# weekday in view on a Friday as on a Monday.
DAYS_AHEAD = 7
# Past appointments without an outcome: the first few, with how many there are.
SHOWN = 10

Details = Callable[[list[Appointment]], None]
DETAILS: dict[str, Details] = {}


def register_appointment_details(kind: str, details: Details) -> None:
    """`details(appointments)` adds what the app above knows to the day's appointments of this
    kind (attributes on each), in a bounded number of queries whatever their number. It sets
    `prepare_url` (where the coach prepares), and may set `detail_url`, `attendance_url` and
    `details` (a dict its part of the template reads)."""
    DETAILS[kind] = details


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def _last_session_note():
    """The uuid of the traject's latest session note: where the coach picks up (a subquery, so
    the day's list stays one query)."""
    return Subquery(
        DossierEntry.objects.filter(
            traject=OuterRef("traject"), kind=DossierEntry.Kind.SESSION_NOTE
        )
        .order_by("-occurred_on", "-created_at")
        .values("uuid")[:1]
    )


class _Links:
    """The addresses a row of the day links to, each reversed once a page (coaching.links)."""

    def __init__(self):
        self.entry_new = url_for("entry_new")
        self.detail = url_for("appointment_detail")
        self.traject = url_for("traject_detail")
        self.mark = url_for("appointment_mark")
        self.no_show = url_for("appointment_no_show")


def _what_fits(appointment: Appointment, now: datetime, links: _Links) -> None:
    """What the row offers now: before and during, prepare; once begun and still only
    planned, mark held or no-show (a Backstage meeting: its attendance on its page)."""
    appointment.is_cancelled_row = appointment.status in CANCELLED_STATUSES
    # The labels the row shows, without get_<field>_display()'s cost.
    appointment.kind_label = kind_label(appointment)
    appointment.mode_label = mode_label(appointment)
    appointment.has_begun = appointment.start <= now
    appointment.is_now = appointment.start <= now < appointment.end
    appointment.is_over = appointment.end <= now
    planned = appointment.status == Appointment.Status.BOOKED
    backstage = appointment.kind == Appointment.Kind.BACKSTAGE
    appointment.can_prepare = planned and not appointment.is_over
    appointment.can_mark = planned and appointment.has_begun and not backstage
    appointment.can_take_attendance = planned and appointment.has_begun and backstage
    _times_and_links(appointment, links)
    # Held: the session note is next (a dossier entry of the traject).
    appointment.note_url = (
        links.entry_new(appointment.traject.uuid)
        if appointment.status == Appointment.Status.COMPLETED and appointment.traject_id
        else ""
    )
    appointment.detail_url = links.detail(appointment.uuid)
    appointment.attendance_url = ""
    appointment.details = {}
    if appointment.traject_id:
        anchor = f"#entry-{appointment.last_note}" if appointment.last_note else ""
        appointment.prepare_url = links.traject(appointment.traject.uuid)
        appointment.prepare_url += anchor
    else:
        appointment.prepare_url = appointment.detail_url


def _times_and_links(appointment: Appointment, links: _Links) -> None:
    """The row's times (as the template's |date:'c' and |time:"H:i" would show them) and its
    buttons' addresses, made once in Python rather than per use in the template."""
    start, end = timezone.localtime(appointment.start), timezone.localtime(appointment.end)
    appointment.start_iso, appointment.end_iso = start.isoformat(), end.isoformat()
    appointment.start_hm, appointment.end_hm = f"{start:%H:%M}", f"{end:%H:%M}"
    if appointment.can_mark:
        appointment.mark_url = links.mark(appointment.uuid)
        appointment.no_show_url = links.no_show(appointment.uuid)


# What a row of the day shows (and its status text reads): fewer columns to read and build.
ROW = (
    "uuid", "traject", "session_type", "kind", "mode", "start", "end", "status", "video_link",
    "location", "cancelled_by", "fee_waived_at", "traject__uuid", "traject__client__first_name",
    "traject__client__last_name", "session_type__name", "session_type__name_en",
)  # fmt: skip


# The day's appointments, compiled once (coaching.compiled): `start` and `end` the local day's
# bounds, `day_before` a day before its start.
TODAYS = Compiled(
    lambda at: (
        Appointment.objects.for_coach(at.coach)
        # On the day: also one from last night that runs (or ran) past midnight; it is today's to
        # mark, and without_outcome leaves it to this list. No appointment lasts a day: the lower
        # bound keeps this on the (coach, start) index.
        .overlapping(at.start, at.end)
        .filter(start__gt=at.day_before)
        # A cancelled Backstage meeting (its group stopped) is not an hour the coach planned; a
        # cancelled session is shown, muted: the coach sees the hour is free.
        .exclude(kind=Appointment.Kind.BACKSTAGE, status__in=CANCELLED_STATUSES)
        .select_related("traject__client", "session_type")
        .only(*ROW)
        .annotate(last_note=_last_session_note())
        .order_by("start", "pk")[:DAY_LIMIT]
    ),
    coach=models.BigIntegerField(),
    start=models.DateTimeField(),
    end=models.DateTimeField(),
    day_before=models.DateTimeField(),
)


def _todays_values(coach_pk: int, today: date) -> dict:
    start, end = _day_bounds(today)
    return {"coach": coach_pk, "start": start, "end": end, "day_before": start - timedelta(days=1)}


def todays_appointments(coach: User, now: datetime) -> list[Appointment]:
    """The coach's appointments of today in time order, with what each row offers; one query
    (plus one per registered kind that is on the day, for all of its appointments)."""
    appointments = TODAYS.all(**_todays_values(coach.pk, timezone.localdate(now)))
    links = _Links()
    for appointment in appointments:
        _what_fits(appointment, now, links)
    for kind, details in DETAILS.items():
        of_kind = [appointment for appointment in appointments if appointment.kind == kind]
        if of_kind:
            details(of_kind)
    return appointments


# The days ahead per local day (the current time zone's: part of what the SQL is compiled for).
PER_DAY = Compiled(
    lambda at: (
        Appointment.objects.for_coach(at.coach)
        .active()
        .filter(start__gte=at.start, start__lt=at.end)
        .annotate(day=TruncDate("start", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            count=Count("pk"),
            meetings=Count("pk", filter=Q(kind=Appointment.Kind.BACKSTAGE)),
            first=Min("start"),
            last=Max("end"),
        )
        .order_by("day")
    ),
    coach=models.BigIntegerField(),
    start=models.DateTimeField(),
    end=models.DateTimeField(),
)


def _days_ahead_values(coach_pk: int, today: date) -> dict:
    first = today + timedelta(days=1)
    start, _ = _day_bounds(first)
    _, end = _day_bounds(first + timedelta(days=DAYS_AHEAD - 1))
    return {"coach": coach_pk, "start": start, "end": end}


def days_ahead(coach: User, today: date) -> list[dict]:
    """Each of the next days: how many appointments (meetings among them), the first start and
    the last end; one query, counted per local day by the database."""
    first = today + timedelta(days=1)
    per_day = {row["day"]: row for row in PER_DAY.all(**_days_ahead_values(coach.pk, today))}
    days, calendar = [], reverse("calendar_week")
    for n in range(DAYS_AHEAD):
        day = first + timedelta(days=n)
        row = per_day.get(day, {})
        days.append(
            {
                "day": day,
                "is_tomorrow": n == 0,
                "count": row.get("count", 0),
                "meetings": row.get("meetings", 0),
                "first": row.get("first"),
                "last": row.get("last"),
                "url": f"{calendar}?view=day&date={day.isoformat()}",
                **_day_texts(day, row),
            }
        )
    return days


def _day_texts(day: date, row: dict) -> dict:
    """What the day's card shows, as the template's filters and plural translations would
    (|date:"l"|capfirst, |datum, |time:"H:i", "n afspraken"), made in Python: cheaper than
    the template's tags, seven times a page."""
    hours = ""
    if row:
        first, last = timezone.localtime(row["first"]), timezone.localtime(row["last"])
        hours = f"{first:%H:%M}–{last:%H:%M}"
    count, meetings = row.get("count", 0), row.get("meetings", 0)
    return {
        "weekday": capfirst(dateformat.format(day, "l")),
        "date_text": readable(day),
        "hours": hours,
        "count_text": ngettext("%(counter)s afspraak", "%(counter)s afspraken", count)
        % {"counter": count},
        "meetings_text": ngettext("%(counter)s bijeenkomst", "%(counter)s bijeenkomsten", meetings)
        % {"counter": meetings},
    }


def _without_outcome_rows(coach, today_start):
    """The coach's appointments without an outcome that ended before today (`today_start`, the
    local day's first moment; the values may be Params, coaching.compiled)."""
    return (
        Appointment.objects.for_coach(coach)
        # Ended before today began: one that ran past midnight is on the day's list. (So it
        # also started before: said for the index of booked appointments by start.)
        .filter(status=Appointment.Status.BOOKED, end__lte=today_start, start__lt=today_start)
        .exclude(kind=Appointment.Kind.BACKSTAGE)
    )


WITHOUT_OUTCOME = Compiled(
    lambda at: (
        _without_outcome_rows(at.coach, at.today_start)
        .select_related("traject__client", "session_type")
        .annotate(total=Window(Count("pk")))
        .order_by("-start", "-pk")[:SHOWN]
    ),
    coach=models.BigIntegerField(),
    today_start=models.DateTimeField(),
)


def without_outcome(coach: User, now: datetime) -> tuple[list[Appointment], int]:
    """Appointments of earlier days still only planned (neither held nor missed recorded), the
    latest first; the first SHOWN and how many there are, in one query (a count over a window).
    Today's are on the day's list with their buttons; a Backstage meeting's outcome is its
    attendance, on its own page."""
    rows = WITHOUT_OUTCOME.all(**_without_outcome_values(coach.pk, timezone.localdate(now)))
    return rows, rows[0].total if rows else 0


def _without_outcome_values(coach_pk: int, today: date) -> dict:
    return {"coach": coach_pk, "today_start": _day_bounds(today)[0]}


def today_section(coach: User) -> dict:
    """The day's list, always shown (an empty day says so)."""
    now = timezone.now()
    appointments = todays_appointments(coach, now)
    next_url = reverse("coach_dashboard")
    return {
        "appointments": appointments,
        "rows_html": today_html.rows(appointments, next_url=next_url),
        "mark_form": today_html.MARK_FORM,
        "any_to_mark": any(a.can_mark for a in appointments),
        "today": timezone.localdate(now),
        "more": len(appointments) == DAY_LIMIT,
        "day_url": reverse("calendar_week")
        + f"?view=day&date={timezone.localdate(now).isoformat()}",
        "next": next_url,
        # Shown, not counted: what is still to come today.
        "still_to_come": sum(1 for a in appointments if not a.is_cancelled_row and not a.has_begun),
        "active": sum(1 for a in appointments if not a.is_cancelled_row),
    }


def days_section(coach: User) -> dict:
    return {"days": days_ahead(coach, timezone.localdate())}


def without_outcome_section(coach: User) -> dict | None:
    rows, total = without_outcome(coach, timezone.now())
    if not rows:
        return None
    return {"appointments": rows, "total": total, "next": reverse("coach_dashboard")}


def intake_details(appointments: list[Appointment]) -> None:
    """An intake's row says whether the client's side prepared it: the intake questionnaire
    filled in, the coaching agreement accepted by everyone who must (`prep`, read by
    sessions.today_html). Four queries for all of the day's intakes."""
    ids = {appointment.traject_id for appointment in appointments if appointment.traject_id}
    trajects = list(Traject.objects.filter(pk__in=ids).select_related("client"))
    prepared = preparations(trajects)
    for appointment in appointments:
        appointment.prep = prepared.get(appointment.traject_id)


def register_today() -> None:
    from coaching.dashboard import register_section

    register_appointment_details(Appointment.Kind.INTAKE, intake_details)

    register_section(
        "today",
        template="sessions/includes/today.html",
        context=today_section,
        reads=lambda at: [(TODAYS, _todays_values(at["coach"], at["today"]))],
        position="top",
        order=10,
    )
    register_section(
        "days_ahead",
        template="sessions/includes/today_days.html",
        context=days_section,
        reads=lambda at: [(PER_DAY, _days_ahead_values(at["coach"], at["today"]))],
        position="top",
        order=20,
    )
    register_section(
        "without_outcome",
        template="sessions/includes/today_without_outcome.html",
        context=without_outcome_section,
        # Vandaag asks first whether there are any, in the list's order (latest first): from
        # the index of booked appointments by start, which holds few from the past.
        rows=lambda at: _without_outcome_rows(at.coach, at.today_start).order_by("-start", "-pk"),
        reads=lambda at: [(WITHOUT_OUTCOME, _without_outcome_values(at["coach"], at["today"]))],
        position="attention",
        order=10,
    )
