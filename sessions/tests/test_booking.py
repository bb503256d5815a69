"""No double booking, ever (DESIGN.md §4.1)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction

from sessions.models import Appointment
from sessions.services.booking import SlotTaken, appointment_book, appointment_move

AMS = ZoneInfo("Europe/Amsterdam")
NINE = datetime(2026, 12, 7, 9, 0, tzinfo=AMS)
HOUR = timedelta(hours=1)


def book(coach, start=NINE, minutes=60, **extra):
    return appointment_book(
        coach=coach,
        start=start,
        end=start + timedelta(minutes=minutes),
        kind="session",
        mode="practice",
        by=coach,
        **extra,
    )


@pytest.mark.django_db
class TestOverlap:
    def test_overlapping_times_are_refused_with_a_clear_message(self, coach_a):
        book(coach_a)
        for start in (NINE, NINE + timedelta(minutes=30), NINE - timedelta(minutes=30)):
            with pytest.raises(SlotTaken, match="Dit tijdstip is net bezet"):
                book(coach_a, start)
        assert Appointment.objects.count() == 1

    def test_back_to_back_is_fine(self, coach_a):
        book(coach_a)
        book(coach_a, NINE + HOUR)
        book(coach_a, NINE - HOUR)
        assert Appointment.objects.count() == 3

    def test_another_coach_at_the_same_time_is_fine(self, coach_a, coach_b):
        book(coach_a)
        book(coach_b)

    def test_a_cancelled_appointment_frees_the_time(self, coach_a):
        first = book(coach_a)
        Appointment.objects.filter(pk=first.pk).update(status=Appointment.Status.CANCELLED)
        book(coach_a)

    def test_moving_onto_another_appointment_is_refused(self, coach_a):
        book(coach_a)
        later = book(coach_a, NINE + 2 * HOUR)
        with pytest.raises(SlotTaken):
            appointment_move(
                appointment=later,
                start=NINE + timedelta(minutes=30),
                end=NINE + timedelta(minutes=90),
            )
        moved = appointment_move(appointment=later, start=NINE + HOUR, end=NINE + 2 * HOUR)
        assert moved.sequence == 1

    def test_the_end_comes_after_the_start(self, coach_a):
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.create(
                coach=coach_a, kind="session", mode="practice", start=NINE, end=NINE
            )


@pytest.mark.django_db
def test_the_database_itself_refuses_an_overlap_on_postgresql(coach_a):
    """Even an insert that skips the booking function cannot double-book."""
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL; SQLite uses the write lock")
    book(coach_a)
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        Appointment.objects.create(
            coach=coach_a,
            kind="session",
            mode="video",
            start=NINE + timedelta(minutes=15),
            end=NINE + HOUR,
        )


@pytest.mark.django_db(transaction=True)
def test_many_bookings_of_one_slot_at_the_same_moment_exactly_one_wins(coach_a):
    workers = 20
    barrier = threading.Barrier(workers)
    results = []
    lock = threading.Lock()

    def attempt(n):
        barrier.wait()
        try:
            book(coach_a, NINE + timedelta(minutes=n % 3))  # overlapping, not identical
            outcome = "booked"
        except SlotTaken:
            outcome = "taken"
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test below
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["booked"] + ["taken"] * (workers - 1), results
    assert Appointment.objects.filter(coach=coach_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_coachees_booking_one_slot_through_the_portal_at_once(coach_a):
    """Real concurrent HTTP requests (one test client per thread) for the same free slot:
    exactly one booking; every other request gets the page with the clear message."""
    from django.test import Client as HttpClient

    from coaching.models import Client
    from coaching.tests.factories import ClientFactory, UserFactory
    from sessions.models import SessionType
    from sessions.tests.test_pages import future, open_all_week
    from trajects.tests.factories import running_traject

    open_all_week(coach_a)
    session = SessionType.objects.create(
        kind="session",
        name="Sessie",
        default_minutes=60,
        allowed_modes=["practice"],
        bookable_online=True,
    )
    people = []
    for n in range(12):
        account = UserFactory(email=f"coachee{n}@praktijk.test")
        record = ClientFactory(coach=coach_a, account=account)
        people.append((account, running_traject(coach_a, client=record)))
    slot = future(4, 11).isoformat()
    barrier = threading.Barrier(len(people))
    outcomes = []
    lock = threading.Lock()

    def attempt(account, traject):
        http = HttpClient()
        http.force_login(account)
        barrier.wait()
        try:
            response = http.post(
                f"/portaal/afspraken/boeken/{traject.uuid}/{session.pk}/",
                {"slot": slot, "mode": "practice"},
            )
            outcome = (
                response.status_code,
                "Dit tijdstip is net bezet" in response.content.decode(),
            )
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=person) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [(200, True)] * (len(people) - 1) + [(302, False)], outcomes
    assert Appointment.objects.filter(coach=coach_a).count() == 1
    assert Client.objects.count() == len(people)


@pytest.mark.django_db(transaction=True)
def test_concurrent_online_bookings_of_one_client_stay_within_the_limit(coach_a):
    """A client with two upcoming online bookings (the limit is three) books
    six different free times at the same moment, from six requests: exactly one gets through,
    the others are refused with the reason. The limit is counted under a lock on the client's
    row, inside the booking's transaction; counted outside it, several would pass (on
    PostgreSQL; SQLite's write lock serialises the transactions anyway)."""
    from django.core.exceptions import ValidationError

    from coaching.models import Client
    from coaching.tests.factories import ClientFactory, UserFactory
    from sessions.models import SessionType
    from sessions.services.booking import portal_book
    from sessions.tests.test_pages import future, open_all_week
    from trajects.tests.factories import running_traject

    open_all_week(coach_a)
    session = SessionType.objects.create(
        kind="session",
        name="Sessie",
        default_minutes=60,
        allowed_modes=["practice"],
        bookable_online=True,
    )
    account = UserFactory(email="veel@praktijk.test")
    traject = running_traject(coach_a, client=ClientFactory(coach=coach_a, account=account))
    for days in (2, 3):
        portal_book(
            account=account, traject=traject, session_type=session, start=future(days),
            mode="practice",
        )  # fmt: skip
    slots = [future(4, hour) for hour in (9, 10, 11, 12, 13, 14)]
    barrier = threading.Barrier(len(slots))
    outcomes = []
    lock = threading.Lock()

    def attempt(start):
        barrier.wait()
        try:
            portal_book(
                account=account, traject=traject, session_type=session, start=start,
                mode="practice",
            )  # fmt: skip
            outcome = "booked"
        except ValidationError as refused:
            outcome = "too many" if refused.code == "too_many" else repr(refused)
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test below
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(slot,)) for slot in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["too many"] * (len(slots) - 1), outcomes
    client = Client.objects.get(account=account)
    assert Appointment.objects.filter(traject__client=client, status="booked").count() == 3
