"""sessions/access.py holds what an account may reach in the calendar; the portal's booking and
moving go one way (the same checks, the same page); slots are grouped by day in one place."""

import ast
import uuid as uuids
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from coaching.models import Client
from sessions import access
from sessions.models import Appointment, AvailabilityException, SessionType, WorkingHours
from sessions.slots import slots_by_day
from sessions.tests.factories import appointment_for
from sessions.tests.test_pages import future, open_all_week
from trajects.tests.factories import running_traject

VIEWS = Path(__file__).resolve().parent.parent / "views"


def test_no_view_looks_an_object_up_itself():
    """A view that fetched a row itself could forget whose it is: every lookup goes through
    sessions.access (get_object_or_404 there, querysets of the account there)."""
    found = []
    for path in sorted(VIEWS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name) and node.id == "get_object_or_404":
                found.append(f"{path.name}:{node.lineno} get_object_or_404")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("get", "filter", "for_coach", "exclude", "all")
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "objects"
            ):
                found.append(f"{path.name}:{node.lineno} .objects.{node.attr}(")
    assert found == []


@pytest.fixture
def eva_traject(coach_a, coachee):
    open_all_week(coach_a)
    return running_traject(coach_a, client=Client.objects.get(account=coachee))


@pytest.mark.django_db
class TestAccess:
    def test_an_appointment_of_another_coach_is_not_found(
        self, coach_a, coach_b, coachee, eva_traject
    ):
        appointment = appointment_for(eva_traject, future(3))
        assert access.appointment_of_coach(coach_a, appointment.uuid) == appointment
        assert access.appointment_of_account(coachee, appointment.uuid) == appointment
        with pytest.raises(Http404):
            access.appointment_of_coach(coach_b, appointment.uuid)

    def test_an_appointment_of_another_client_is_not_found(
        self, coach_a, coachee, guardian, client_b, eva_traject
    ):
        appointment = appointment_for(eva_traject, future(3))
        for other in (guardian, client_b.account):
            with pytest.raises(Http404):
                access.appointment_of_account(other, appointment.uuid)
            assert not access.appointments_of_account(other).filter(pk=appointment.pk).exists()

    def test_the_ics_is_for_the_coach_and_the_client_only(
        self, coach_a, coach_b, coachee, admin_user, eva_traject
    ):
        appointment = appointment_for(eva_traject, future(3))
        assert access.appointment_of_user(coach_a, appointment.uuid) == appointment
        assert access.appointment_of_user(coachee, appointment.uuid) == appointment
        with pytest.raises(Http404):
            access.appointment_of_user(coach_b, appointment.uuid)
        with pytest.raises(PermissionDenied):
            access.appointment_of_user(admin_user, appointment.uuid)

    def test_a_traject_to_book_for_is_one_of_the_account(
        self, coachee, guardian, eva_traject, session_type
    ):
        assert access.traject_of_account(coachee, eva_traject.uuid) == eva_traject
        with pytest.raises(Http404):
            access.traject_of_account(guardian, eva_traject.uuid)
        with pytest.raises(Http404):
            access.traject_of_account(coachee, uuids.uuid4())
        assert access.bookable_online(eva_traject, session_type.pk) == session_type
        # Not bookable online, or not fitting the traject's phase: not found.
        intake = SessionType.objects.create(
            kind="intake", name="Intake", default_minutes=60, allowed_modes=["practice"],
            bookable_online=True,
        )  # fmt: skip
        SessionType.objects.filter(pk=session_type.pk).update(bookable_online=False)
        for pk in (session_type.pk, intake.pk):
            with pytest.raises(Http404):
                access.bookable_online(eva_traject, pk)

    def test_a_traject_to_plan_is_one_of_the_coach(self, coach_a, coach_b, eva_traject):
        assert access.traject_to_plan(coach_a, str(eva_traject.uuid)) == eva_traject
        for coach, value in ((coach_b, str(eva_traject.uuid)), (coach_a, "nonsense")):
            assert access.traject_to_plan(coach, value) is None

    def test_working_hours_and_exceptions_by_an_id_a_form_sent(self, coach_a, coach_b):
        open_all_week(coach_a)
        block = WorkingHours.objects.filter(coach=coach_a).first()
        exception = AvailabilityException.objects.create(
            coach=coach_a, date=timezone.localdate(), kind=AvailabilityException.Kind.BLOCKED
        )
        assert list(access.hours_block_of_coach(coach_a, str(block.pk))) == [block]
        assert list(access.exception_of_coach(coach_a, str(exception.pk))) == [exception]
        # Another coach's row, or no number ("²" is a digit to isdigit(), not to int()).
        for coach, pk in ((coach_b, str(block.pk)), (coach_a, "²"), (coach_a, "")):
            assert not access.hours_block_of_coach(coach, pk).exists()
        assert not access.exception_of_coach(coach_b, str(exception.pk)).exists()

    def test_a_feed_of_a_coach_who_left_is_not_found(self, coach_a):
        token = coach_a.coach_profile.calendar_token
        assert access.coach_of_feed(token) == coach_a
        with pytest.raises(Http404):
            access.coach_of_feed("nonsense")
        coach_a.is_active = False
        coach_a.save(update_fields=["is_active"])
        with pytest.raises(Http404):
            access.coach_of_feed(token)


def test_slots_are_grouped_by_their_local_day(settings):
    """23:30 UTC on 1 June is 01:30 on 2 June in Amsterdam: that day's first time."""
    settings.TIME_ZONE = "Europe/Amsterdam"
    times = [
        datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 6, 1, 23, 30, tzinfo=UTC),
        datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
    ]
    with timezone.override("Europe/Amsterdam"):
        assert slots_by_day(times) == {
            date(2026, 6, 1): times[:2],
            date(2026, 6, 2): times[2:],
        }
    assert slots_by_day([]) == {}


# --- The portal: booking and moving, one path ----------------------------------------------


@pytest.fixture
def planned(coachee, eva_traject, session_type):
    from sessions.services.booking import portal_book

    return portal_book(
        account=coachee, traject=eva_traject, session_type=session_type, start=future(8),
        mode="practice",
    )  # fmt: skip


@pytest.mark.django_db
def test_a_parent_reaches_the_childs_traject_until_the_child_is_grown_up(
    guardian, coachee, coach_a
):
    child = Client.objects.get(guardians__account=guardian)
    traject = running_traject(coach_a, client=child)
    assert access.traject_of_account(guardian, traject.uuid) == traject
    with pytest.raises(Http404):  # not the child's own account (she has none), nor another's
        access.traject_of_account(coachee, traject.uuid)
    child.date_of_birth = date(2000, 1, 1)
    child.save()
    with pytest.raises(Http404):
        access.traject_of_account(guardian, traject.uuid)


def _book_url(traject, session_type) -> str:
    return f"/portaal/afspraken/boeken/{traject.uuid}/{session_type.pk}/"


@pytest.mark.django_db
@pytest.mark.parametrize("way", ["book", "move"])
class TestOnePath:
    """Booking and moving check a chosen time the same way, on the same page."""

    def url(self, way, eva_traject, session_type, planned) -> str:
        if way == "book":
            return _book_url(eva_traject, session_type)
        return f"/portaal/afspraken/{planned.uuid}/verzetten/"

    def test_no_time_chosen(self, client, coachee, eva_traject, session_type, planned, way):
        client.force_login(coachee)
        url = self.url(way, eva_traject, session_type, planned)
        for slot in ("", "nonsense", "2026-06-01T10:00", "9999-12-31T23:59:59+14:00"):
            page = client.post(url, {"slot": slot, "mode": "practice"}).content.decode()
            assert "Kies een tijdstip." in page
        assert list(Appointment.objects.values_list("start", flat=True)) == [planned.start]

    def test_a_time_that_is_not_free(
        self, client, coach_a, coachee, eva_traject, session_type, planned, way
    ):
        taken = appointment_for(eva_traject, future(5))
        client.force_login(coachee)
        url = self.url(way, eva_traject, session_type, planned)
        # Taken by another appointment, or outside the coach's hours (at night).
        for start in (taken.start, future(5, 3)):
            page = client.post(url, {"slot": start.isoformat(), "mode": "practice"})
            assert "Dit tijdstip is net bezet. Kies een ander moment." in page.content.decode()
        assert Appointment.objects.count() == 2
        planned.refresh_from_db()
        assert planned.start == future(8)

    def test_later_times_and_the_free_times_by_day(
        self, client, coachee, eva_traject, session_type, planned, way
    ):
        client.force_login(coachee)
        url = self.url(way, eva_traject, session_type, planned)
        later = timezone.localdate() + timedelta(days=21)
        response = client.get(f"{url}?week={later}")
        days = [day for day, _slots in response.context["by_day"]]
        assert days and days[0] >= later - timedelta(days=later.weekday())
        assert days == sorted(days) and len(days) == len(set(days))
        assert "Latere tijden" in response.content.decode()
