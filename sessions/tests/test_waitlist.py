"""The waitlist: asking for an earlier time, the offers a freed time makes (in the order asked,
to the requests that fit), accepting through the normal booking path (exactly one wins), expiry,
and the coach's list."""

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Send
from coaching.tests.factories import ClientFactory, UserFactory
from sessions.models import Appointment, SessionType, WaitlistOffer, WaitlistRequest
from sessions.services.booking import appointment_cancel, appointment_move
from sessions.services.waitlist import (
    Wish,
    offer_accept,
    offer_decline,
    request_join,
    why_not_on_the_list,
)
from sessions.services.waitlist_offers import NO_LONGER_OPEN
from sessions.tests.factories import appointment_for
from sessions.tests.test_pages import future, open_all_week
from trajects.tests.factories import TrajectFactory, running_traject

ALL_DAYS = list(range(7))
ALL_PARTS = ["morning", "afternoon", "evening"]


@pytest.fixture
def session(db):
    return SessionType.objects.create(
        kind="session",
        name="Sessie",
        name_en="Session",
        default_minutes=60,
        allowed_modes=["practice", "video"],
        bookable_online=True,
    )


def person(coach, n: int, **client):
    """A client of the coach with a portal account and a running traject."""
    account = UserFactory(email=f"wacht{n}@praktijk.test", first_name=f"Wacht{n}")
    record = ClientFactory(coach=coach, account=account, first_name=f"Wacht{n}", **client)
    return account, running_traject(coach, client=record)


def wait(account, traject, session, *, before=None, days=ALL_DAYS, parts=ALL_PARTS, modes=None):
    return request_join(
        account=account,
        traject=traject,
        session_type=session,
        wish=Wish(
            before=before or timezone.localdate() + timedelta(days=30),
            weekdays=days,
            dayparts=parts,
            modes=modes or ["practice"],
        ),
    )


@pytest.fixture
def practice(coach_a, session):
    """Coach A open every day 9–17 (no notice, no pause, hourly); a booked client (`holder`)
    whose appointment in four days at 10:00 will come free."""
    open_all_week(coach_a)
    holder, holder_traject = person(coach_a, 0)
    appointment = appointment_for(holder_traject, future(4, 10), session_type=session)
    return {"coach": coach_a, "appointment": appointment, "holder": holder}


def deliver_all():
    return outbox.deliver(list(Send.objects.values_list("pk", flat=True)))


@pytest.mark.django_db
class TestOffers:
    def test_a_cancellation_offers_the_time_to_the_requests_that_fit_in_the_order_they_asked(
        self, practice, session
    ):
        coach = practice["coach"]
        first, first_traject = person(coach, 1)
        second, second_traject = person(coach, 2)
        wait(first, first_traject, session)
        wait(second, second_traject, session)
        appointment_cancel(appointment=practice["appointment"], by=coach)
        offers = list(WaitlistOffer.objects.order_by("pk"))
        assert [o.request.traject for o in offers] == [first_traject, second_traject]
        assert {o.start for o in offers} == {future(4, 10)}
        assert all(o.mode == "practice" and o.end == future(4, 11) for o in offers)
        sends = Send.objects.filter(kind=Send.Kind.WAITLIST_OFFER).order_by("pk")
        assert [s.client.account for s in sends] == [first, second]
        mail.outbox.clear()
        deliver_all()
        offered = [m for m in mail.outbox if "eerdere tijd" in m.subject]
        assert [m.to for m in offered] == [[first.email], [second.email]]
        assert reverse("portal_offer", kwargs={"offer": offers[0].uuid}) in offered[0].body
        assert "wie hem het eerst aanneemt, krijgt hem" in offered[0].body

    def test_requests_that_do_not_fit_get_nothing(self, practice, session):
        coach = practice["coach"]
        freed = timezone.localtime(future(4, 10))
        other_day = [d for d in ALL_DAYS if d != freed.weekday()]
        cases = {
            "another day": {"days": other_day},
            "the afternoon": {"parts": ["afternoon", "evening"]},
            "too late for them": {"before": freed.date() - timedelta(days=1)},
            "by video only": {"modes": ["video"]},  # the hours are for every form: fits
        }
        requests = {}
        for n, (name, wish) in enumerate(cases.items(), start=1):
            account, traject = person(coach, n)
            requests[name] = wait(account, traject, session, **wish)
        appointment_cancel(appointment=practice["appointment"], by=coach)
        offered = set(WaitlistOffer.objects.values_list("request", flat=True))
        assert offered == {requests["by video only"].pk}
        assert WaitlistOffer.objects.get().mode == "video"

    def test_at_most_the_practice_s_number_of_offers_the_first_who_asked(
        self, practice, session, settings
    ):
        settings.PRAKTIJK_WAITLIST = {**settings.PRAKTIJK_WAITLIST, "max_offers": 2}
        coach = practice["coach"]
        trajects = []
        for n in range(1, 5):
            account, traject = person(coach, n)
            wait(account, traject, session)
            trajects.append(traject)
        appointment_cancel(appointment=practice["appointment"], by=coach)
        offered = [o.request.traject for o in WaitlistOffer.objects.order_by("pk")]
        assert offered == trajects[:2]

    def test_a_move_offers_the_old_time_not_the_new_one(self, practice, session):
        coach = practice["coach"]
        account, traject = person(coach, 1)
        wait(account, traject, session)
        appointment = practice["appointment"]
        appointment_move(appointment=appointment, start=future(5, 14), end=future(5, 15))
        assert list(WaitlistOffer.objects.values_list("start", flat=True)) == [future(4, 10)]

    def test_no_offer_to_the_traject_whose_time_it_was_nor_to_one_at_its_limit(
        self, practice, session, settings
    ):
        coach = practice["coach"]
        holder = practice["holder"]
        holder_traject = practice["appointment"].traject
        wait(holder, holder_traject, session)
        settings.PRAKTIJK_BOOKING = {**settings.PRAKTIJK_BOOKING, "max_open_online": 1}
        full, full_traject = person(coach, 1)
        appointment_for(full_traject, future(6, 10), session_type=session, by=full)
        wait(full, full_traject, session)
        appointment_cancel(appointment=practice["appointment"], by=coach)
        assert not WaitlistOffer.objects.exists()

    def test_a_cancellation_rolled_back_offers_nothing(self, practice, session):
        from django.db import transaction

        coach = practice["coach"]
        account, traject = person(coach, 1)
        wait(account, traject, session)
        with pytest.raises(RuntimeError), transaction.atomic():
            appointment_cancel(appointment=practice["appointment"], by=coach)
            raise RuntimeError
        assert not WaitlistOffer.objects.exists()
        assert not Send.objects.filter(kind=Send.Kind.WAITLIST_OFFER).exists()

    def test_a_time_freed_again_is_offered_again_unless_it_was_declined(self, practice, session):
        """Taken by someone else, then free again: offered again (a mail of its own); an
        offer still open is not made twice; one declined is not made again."""
        coach = practice["coach"]
        account, traject = person(coach, 1)
        other, other_traject = person(coach, 2)
        wait(account, traject, session)
        wait(other, other_traject, session)
        appointment_cancel(appointment=practice["appointment"], by=coach)
        mine = WaitlistOffer.objects.get(request__traject=traject)
        theirs = WaitlistOffer.objects.get(request__traject=other_traject)
        offer_decline(theirs)
        # The coach plans someone else in then: the offer is taken (and its mail not sent).
        holder_traject = practice["appointment"].traject
        again = appointment_for(holder_traject, future(4, 10), session_type=session)
        mine.refresh_from_db()
        assert mine.status == WaitlistOffer.Status.TAKEN
        appointment_cancel(appointment=again, by=coach)
        mine.refresh_from_db()
        assert (mine.status, mine.round) == (WaitlistOffer.Status.OPEN, 2)
        theirs.refresh_from_db()
        assert theirs.status == WaitlistOffer.Status.DECLINED
        subjects = set(
            Send.objects.filter(kind=Send.Kind.WAITLIST_OFFER).values_list("subject", flat=True)
        )
        assert subjects == {
            f"waitlist:offer:{mine.pk}:1",
            f"waitlist:offer:{mine.pk}:2",
            f"waitlist:offer:{theirs.pk}:1",
        }
        mail.outbox.clear()
        deliver_all()
        offered = [m.to for m in mail.outbox if "eerdere tijd" in m.subject]
        assert offered == [[account.email]]  # round 2 only: round 1 and the declined skipped

    def test_a_move_into_an_offered_time_takes_it(self, practice, session):
        coach = practice["coach"]
        account, traject = person(coach, 1)
        wait(account, traject, session)
        appointment_cancel(appointment=practice["appointment"], by=coach)
        offer = WaitlistOffer.objects.get()
        holder_traject = practice["appointment"].traject
        later = appointment_for(holder_traject, future(6, 13), session_type=session)
        appointment_move(appointment=later, start=future(4, 10), end=future(4, 11))
        offer.refresh_from_db()
        assert offer.status == WaitlistOffer.Status.TAKEN
        # The time the move freed (day 6, 13:00) is offered instead.
        assert WaitlistOffer.objects.get(status="open").start == future(6, 13)

    def test_an_offer_ends_after_the_practice_s_hours_or_by_the_notice_before_its_time(
        self, practice, session, settings
    ):
        coach = practice["coach"]
        settings.PRAKTIJK_WAITLIST = {**settings.PRAKTIJK_WAITLIST, "offer_hours": 6}
        account, traject = person(coach, 1)
        wait(account, traject, session)
        before = timezone.now()
        appointment_cancel(appointment=practice["appointment"], by=coach)
        offer = WaitlistOffer.objects.get()
        assert (
            before + timedelta(hours=6) <= offer.expires_at <= timezone.now() + timedelta(hours=6)
        )
        # A time closer than the offer's hours: it ends when the time can no longer be booked.
        settings.PRAKTIJK_WAITLIST = {**settings.PRAKTIJK_WAITLIST, "offer_hours": 200}
        soon = appointment_for(practice["appointment"].traject, future(2, 15), session_type=session)
        appointment_cancel(appointment=soon, by=coach)
        assert WaitlistOffer.objects.get(start=future(2, 15)).expires_at == future(2, 15)

    def test_a_stopped_traject_waits_no_more(self, practice, session):
        coach = practice["coach"]
        account, traject = person(coach, 1)
        wanted = wait(account, traject, session)
        traject.advance("stop", by=coach, on=timezone.localdate(), note="Verhuisd")
        wanted.refresh_from_db()
        assert wanted.status == WaitlistRequest.Status.ENDED
        appointment_cancel(appointment=practice["appointment"], by=coach)
        assert not WaitlistOffer.objects.exists()


@pytest.mark.django_db
class TestAccepting:
    def offered(self, practice, session, n=2):
        coach = practice["coach"]
        people = [person(coach, k) for k in range(1, n + 1)]
        for account, traject in people:
            wait(account, traject, session)
        appointment_cancel(appointment=practice["appointment"], by=coach)
        return [
            (account, WaitlistOffer.objects.get(request__traject=traject))
            for account, traject in people
        ]

    def test_the_first_to_accept_books_the_others_find_it_taken_and_stay_waiting(
        self, practice, session
    ):
        (first, first_offer), (second, second_offer) = self.offered(practice, session)
        appointment = offer_accept(account=second, offer=second_offer)
        assert appointment.start == future(4, 10)
        assert appointment.created_by == second  # booked online, by the client
        assert appointment.traject == second_offer.request.traject
        second_offer.refresh_from_db()
        assert second_offer.status == WaitlistOffer.Status.ACCEPTED
        assert second_offer.appointment == appointment
        assert second_offer.request.status == WaitlistRequest.Status.BOOKED
        first_offer.refresh_from_db()
        assert first_offer.status == WaitlistOffer.Status.TAKEN
        http = HttpClient()
        http.force_login(first)
        response = http.post(
            reverse("portal_offer", kwargs={"offer": first_offer.uuid}), {"action": "accept"}
        )
        assert response.status_code == 302
        page = http.get(response["Location"]).content.decode()
        assert "al door iemand anders geboekt" in page
        assert first_offer.request.status == WaitlistRequest.Status.WAITING
        # The booking's confirmation goes out; the taken offer's mail is skipped.
        mail.outbox.clear()
        deliver_all()
        skipped = Send.objects.get(subject=f"waitlist:offer:{first_offer.pk}:1")
        assert (skipped.status, skipped.error) == (Send.Status.SKIPPED, NO_LONGER_OPEN)
        assert any(second.email in m.to and "staat vast" in m.body for m in mail.outbox)

    def test_a_time_the_coach_filled_shows_as_taken_and_cannot_be_accepted(self, practice, session):
        (first, offer), _second = self.offered(practice, session)
        appointment_for(practice["appointment"].traject, future(4, 10), session_type=session)
        http = HttpClient()
        http.force_login(first)
        page = http.get(reverse("portal_appointments")).content.decode()
        assert "al door een ander geboekt" in page
        http.post(reverse("portal_offer", kwargs={"offer": offer.uuid}), {"action": "accept"})
        offer.refresh_from_db()
        assert offer.status == WaitlistOffer.Status.TAKEN
        assert Appointment.objects.filter(traject=offer.request.traject).count() == 0

    def test_an_expired_offer_is_refused_and_its_mail_is_not_sent(self, practice, session):
        ((first, offer),) = self.offered(practice, session, n=1)
        WaitlistOffer.objects.filter(pk=offer.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        http = HttpClient()
        http.force_login(first)
        url = reverse("portal_offer", kwargs={"offer": offer.uuid})
        page = http.post(url, {"action": "accept"}, follow=True).content.decode()
        assert "Dit aanbod is verlopen" in page
        assert not Appointment.objects.filter(traject=offer.request.traject).exists()
        deliver_all()
        assert Send.objects.get(kind=Send.Kind.WAITLIST_OFFER).status == Send.Status.SKIPPED

    def test_declining_keeps_the_request_waiting(self, practice, session):
        ((first, offer),) = self.offered(practice, session, n=1)
        http = HttpClient()
        http.force_login(first)
        http.post(reverse("portal_offer", kwargs={"offer": offer.uuid}), {"action": "decline"})
        offer.refresh_from_db()
        assert offer.status == WaitlistOffer.Status.DECLINED
        assert offer.request.status == WaitlistRequest.Status.WAITING
        with pytest.raises(Exception, match="afgeslagen"):
            offer_accept(account=first, offer=offer)

    def test_a_parent_accepts_for_the_child(self, practice, session, guardian):
        child = Client.objects.get(guardians__account=guardian)
        traject = running_traject(practice["coach"], client=child)
        wait(guardian, traject, session)
        appointment_cancel(appointment=practice["appointment"], by=practice["coach"])
        offer = WaitlistOffer.objects.get()
        mail.outbox.clear()
        deliver_all()
        (message,) = [m for m in mail.outbox if "eerdere tijd" in m.subject]
        assert message.to == [guardian.email]
        assert "Lotte staat op de wachtlijst voor een eerdere" in message.body
        appointment = offer_accept(account=guardian, offer=offer)
        assert appointment.traject == traject


@pytest.mark.django_db
class TestAsking:
    def url(self, traject, session):
        return reverse(
            "portal_waitlist_join", kwargs={"traject": traject.uuid, "session_type": session.pk}
        )

    def test_bad_input_gets_a_clear_error_and_nothing_is_stored(self, coach_a, session):
        open_all_week(coach_a)
        account, traject = person(coach_a, 1)
        http = HttpClient()
        http.force_login(account)
        yesterday = timezone.localdate() - timedelta(days=1)
        cases = [
            ({"before": yesterday, "weekdays": [0], "dayparts": ["morning"],
              "modes": ["practice"]}, "Deze datum is al voorbij"),
            ({"before": date(2099, 1, 1), "weekdays": [0], "dayparts": ["morning"],
              "modes": ["practice"]}, "Zo ver vooruit kun je niet boeken"),
            ({"before": "morgen", "weekdays": [0], "dayparts": ["morning"],
              "modes": ["practice"]}, "Voer een geldige datum in"),
            ({"before": future(7).date(), "dayparts": ["morning"], "modes": ["practice"]},
             "Kies minstens één dag."),
            ({"before": future(7).date(), "weekdays": [0], "modes": ["practice"]},
             "Kies minstens één dagdeel."),
            ({"before": future(7).date(), "weekdays": [0], "dayparts": ["morning"]},
             "Kies minstens één vorm."),
            ({"before": future(7).date(), "weekdays": [9], "dayparts": ["noon"],
              "modes": ["home"]}, "Selecteer een geldige keuze"),
        ]  # fmt: skip
        for data, message in cases:
            response = http.post(self.url(traject, session), data)
            assert response.status_code == 200, data
            assert message in response.content.decode(), (data, message)
        assert not WaitlistRequest.objects.exists()

    def test_asking_again_changes_the_request_and_keeps_its_place(self, coach_a, session):
        open_all_week(coach_a)
        account, traject = person(coach_a, 1)
        http = HttpClient()
        http.force_login(account)
        data = {
            "before": future(10).date(),
            "weekdays": [0, 2],
            "dayparts": ["morning"],
            "modes": ["practice"],
        }
        assert http.post(self.url(traject, session), data).status_code == 302
        first = WaitlistRequest.objects.get()
        page = http.get(reverse("portal_appointments")).content.decode()
        assert "Van de wachtlijst halen" in page and "maandag, woensdag" in page
        http.post(self.url(traject, session), {**data, "weekdays": [4]})
        again = WaitlistRequest.objects.get()
        assert (again.pk, again.created_at, again.weekdays) == (first.pk, first.created_at, [4])
        http.post(reverse("portal_waitlist_withdraw", kwargs={"waitlist_request": again.uuid}))
        again.refresh_from_db()
        assert again.status == WaitlistRequest.Status.WITHDRAWN

    def test_only_a_running_traject_waits(self, coach_a, session):
        new = TrajectFactory(client=ClientFactory(coach=coach_a))
        assert new.status != "lopend"
        assert why_not_on_the_list(new, session) == "De wachtlijst is er voor een lopend traject."

    def test_one_waiting_request_per_type_is_held_by_the_database(self, coach_a, session):
        from django.db import IntegrityError, transaction

        account, traject = person(coach_a, 1)
        wanted = wait(account, traject, session)
        with pytest.raises(IntegrityError), transaction.atomic():
            WaitlistRequest.objects.create(
                traject=traject, session_type=session, before=wanted.before, weekdays=[0]
            )


@pytest.mark.django_db
class TestTheCoachsList:
    def test_the_coach_sees_own_requests_in_order_and_removes_one(self, coach_a, coach_b, session):
        first, first_traject = person(coach_a, 1)
        second, second_traject = person(coach_a, 2)
        other, other_traject = person(coach_b, 3)
        mine = [wait(first, first_traject, session), wait(second, second_traject, session)]
        theirs = wait(other, other_traject, session)
        http = HttpClient()
        http.force_login(coach_a)
        page = http.get(reverse("coach_waitlist")).content.decode()
        assert page.index("Wacht1") < page.index("Wacht2")
        assert "Wacht3" not in page
        gone = http.post(reverse("coach_waitlist_remove", kwargs={"waitlist_request": theirs.uuid}))
        assert gone.status_code == 404
        http.post(reverse("coach_waitlist_remove", kwargs={"waitlist_request": mine[0].uuid}))
        mine[0].refresh_from_db()
        assert mine[0].status == WaitlistRequest.Status.REMOVED
        assert (
            "Wacht1" not in http.get(reverse("coach_waitlist")).content.decode().split("<table")[-1]
        )


@pytest.mark.django_db(transaction=True)
def test_twenty_accepting_one_offered_time_at_once_one_books_it(coach_a, settings):
    """20 clients offered the same freed time accept it at the same moment, each in a request
    of their own: exactly one booking; the 19 others are told it is taken, their offers say so
    and their requests stay on the list."""
    session = SessionType.objects.create(
        kind="session",
        name="Sessie",
        default_minutes=60,
        allowed_modes=["practice"],
        bookable_online=True,
    )
    open_all_week(coach_a)
    _holder, holder_traject = person(coach_a, 0)
    appointment = appointment_for(holder_traject, future(4, 10), session_type=session)
    people = [person(coach_a, n) for n in range(1, 21)]
    for account, traject in people:
        wait(account, traject, session)
    settings.PRAKTIJK_WAITLIST = {**settings.PRAKTIJK_WAITLIST, "max_offers": 20}
    appointment_cancel(appointment=appointment, by=coach_a)
    offers = {o.request.traject_id: o for o in WaitlistOffer.objects.select_related("request")}
    assert len(offers) == 20
    barrier = threading.Barrier(len(people))
    outcomes, lock = [], threading.Lock()

    def attempt(account, traject):
        http = HttpClient()
        http.force_login(account)
        barrier.wait()
        try:
            url = reverse("portal_offer", kwargs={"offer": offers[traject.pk].uuid})
            response = http.post(url, {"action": "accept"})
            outcome = (
                "booked" if response["Location"] == reverse("portal_appointments") else ("taken")
            )
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=p) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * 19, outcomes
    booked = Appointment.objects.filter(coach=coach_a, status="booked")
    assert booked.count() == 1
    assert WaitlistOffer.objects.filter(status="accepted").count() == 1
    assert WaitlistOffer.objects.filter(status="taken").count() == 19
    assert WaitlistRequest.objects.filter(status="waiting").count() == 19


@pytest.mark.django_db
def test_asking_again_after_the_date_passed_is_a_new_place_at_the_end(coach_a, session):
    first, first_traject = person(coach_a, 1)
    second, second_traject = person(coach_a, 2)
    old = wait(first, first_traject, session)
    WaitlistRequest.objects.filter(pk=old.pk).update(
        before=timezone.localdate() - timedelta(days=1),
        created_at=timezone.now() - timedelta(days=40),
    )
    wait(second, second_traject, session)
    again = wait(first, first_traject, session)
    assert again.pk == old.pk
    assert list(WaitlistRequest.objects.values_list("traject", flat=True)) == [
        second_traject.pk,
        first_traject.pk,
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ["deleted", "stopped"])
def test_a_backstage_group_that_goes_frees_its_meetings_times_for_the_waitlist(
    coach_a, session, ending
):
    """A deleted or stopped group's meetings to come free the coach's evenings: the first
    meeting's time is offered to a request that fits it."""
    from coaching.tests.test_permissions import quick_group
    from groups.services.groups import group_delete, group_stop

    open_all_week(coach_a)
    first = future(5, 14)
    group = quick_group(coach_a, first_start=first)
    account, traject = person(coach_a, 1)
    wait(account, traject, session, before=timezone.localdate() + timedelta(days=10))
    if ending == "deleted":
        group_delete(group=group, by=coach_a)
    else:
        group_stop(group=group, by=coach_a, reason="Te weinig deelnemers")
    (offer,) = WaitlistOffer.objects.all()
    assert (offer.start, offer.end) == (first, first + timedelta(hours=1))


@pytest.mark.django_db
def test_an_open_offer_is_on_the_portal_s_home_until_it_is_answered(practice, session, guardian):
    child = Client.objects.get(guardians__account=guardian)
    traject = running_traject(practice["coach"], client=child)
    wait(guardian, traject, session)
    appointment_cancel(appointment=practice["appointment"], by=practice["coach"])
    offer = WaitlistOffer.objects.get()
    http = HttpClient()
    http.force_login(guardian)
    home = http.get(reverse("portal_home")).content.decode()
    assert "Een eerdere tijd is vrijgekomen" in home
    assert reverse("portal_offer", kwargs={"offer": offer.uuid}) in home
    http.post(reverse("portal_offer", kwargs={"offer": offer.uuid}), {"action": "decline"})
    assert (
        "Een eerdere tijd is vrijgekomen" not in http.get(reverse("portal_home")).content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_a_cancellation_that_makes_an_offer_does_not_wait_for_that_client_s_booking(
    coach_a, session, monkeypatch
):
    """A client is booking online (their row locked, the coach's next) when the coach cancels
    another appointment, whose time is offered to that client: the cancellation goes through
    at once. (With the locks online booking took before, the offer's rows, which refer to the
    client and the coach, waited for the booking, and the booking then for the cancellation:
    PostgreSQL broke the deadlock by failing one of them.)"""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite runs one writing transaction at a time)")
    from sessions.services import booking
    from sessions.services.booking import portal_book

    open_all_week(coach_a)
    _holder, holder_traject = person(coach_a, 0)
    appointment = appointment_for(holder_traject, future(4, 10), session_type=session)
    account, traject = person(coach_a, 1)
    wait(account, traject, session)
    holding, release, cancelled = threading.Event(), threading.Event(), threading.Event()
    refusal = booking.online_booking_refusal

    def pause_while_holding_the_client(client, **kwargs):
        holding.set()
        release.wait(30)
        return refusal(client, **kwargs)

    monkeypatch.setattr(booking, "online_booking_refusal", pause_while_holding_the_client)

    def book():
        try:
            portal_book(
                account=account,
                traject=traject,
                session_type=session,
                start=future(5, 14),
                mode="practice",
            )
        finally:
            connection.close()

    def cancel():
        try:
            appointment_cancel(appointment=appointment, by=coach_a)
            cancelled.set()
        finally:
            connection.close()

    booker = threading.Thread(target=book)
    booker.start()
    assert holding.wait(30)
    canceller = threading.Thread(target=cancel)
    canceller.start()
    try:
        assert cancelled.wait(15), "the cancellation waited for the booking"
    finally:
        release.set()
        booker.join()
        canceller.join()
    assert WaitlistOffer.objects.filter(request__traject=traject).count() == 1
    assert Appointment.objects.filter(traject=traject, start=future(5, 14)).exists()
