"""Who cancelled decides the fee: the rule in the service and in the
database, the coach's and the coachee's confirmation pages, the no-show and the waiver."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coaching.models import Client, Tariff
from sessions.fees import appointment_waive_fee
from sessions.models import Appointment, SessionType
from sessions.services.booking import appointment_cancel, appointment_mark, canceller_of
from sessions.tests.factories import appointment_for
from sessions.tests.test_pages import open_all_week
from trajects.tests.factories import running_traject


def tariffs():
    day = timezone.localdate() - timedelta(days=400)
    for component, price, name in (
        ("session", "80", "Coachingsessie"),
        ("late_cancel", "50", "Te laat afgezegd"),
        ("no_show", "60", "Niet verschenen"),
    ):
        Tariff.objects.create(
            component=component, unit="appointment", name=name, price=Decimal(price),
            vat="exempt", valid_from=day,
        )  # fmt: skip


@pytest.fixture
def eva_traject(coach_a, coachee):
    return running_traject(coach_a, client=Client.objects.get(account=coachee))


@pytest.fixture
def lotte_traject(coach_a, guardian):
    return running_traject(coach_a, client=Client.objects.get(guardians__account=guardian))


def soon(traject, hours: float = 1, **extra) -> Appointment:
    return appointment_for(traject, timezone.now() + timedelta(hours=hours), **extra)


@pytest.mark.django_db
class TestWhoCancels:
    def test_the_coach_cancelling_an_hour_before_is_no_late_cancellation(
        self, coach_a, eva_traject
    ):
        appointment = appointment_cancel(appointment=soon(eva_traject), by=coach_a, reason="Ziek")
        assert (appointment.status, appointment.cancelled_by, appointment.cancel_reason) == (
            "cancelled",
            "coach",
            "Ziek",
        )
        assert appointment.cancelled_at is not None
        assert appointment.status_text == "geannuleerd door de coach"

    def test_the_practice_cancelling_late_is_no_late_cancellation_either(
        self, coach_a, eva_traject
    ):
        appointment = appointment_cancel(
            appointment=soon(eva_traject), by=coach_a, cancelled_by="practice"
        )
        assert (appointment.status, appointment.cancelled_by) == ("cancelled", "practice")

    def test_the_clients_own_cancellation_an_hour_before_is_late(
        self, coach_a, coachee, eva_traject
    ):
        recorded = appointment_cancel(
            appointment=soon(eva_traject), by=coach_a, cancelled_by="client", reason="Belde af"
        )
        assert (recorded.status, recorded.cancelled_by) == ("cancelled_late", "client")
        assert recorded.status_text == "te laat geannuleerd door de cliënt"
        # The coachee's own account, a day ahead: in time.
        in_time = appointment_cancel(appointment=soon(eva_traject, hours=30), by=coachee)
        assert (in_time.status, in_time.cancelled_by) == ("cancelled", "client")

    def test_a_parent_cancels_for_a_child_and_only_for_a_child(
        self, coach_a, guardian, lotte_traject, eva_traject
    ):
        appointment = soon(lotte_traject, hours=30)
        assert canceller_of(appointment, guardian) == "parent"
        assert appointment_cancel(appointment=appointment, by=guardian).cancelled_by == "parent"
        late = appointment_cancel(
            appointment=soon(lotte_traject, hours=2), by=coach_a, cancelled_by="parent"
        )
        assert (late.status, late.cancelled_by) == ("cancelled_late", "parent")
        adults = soon(eva_traject, hours=3)
        with pytest.raises(ValidationError, match="Kies wie de afspraak afzegt"):
            appointment_cancel(appointment=adults, by=coach_a, cancelled_by="parent")
        adults.refresh_from_db()
        assert adults.status == "booked"

    def test_the_database_refuses_a_late_cancellation_by_the_coach(self, coach_a, eva_traject):
        appointment = soon(eva_traject)
        for who in ("coach", "practice", ""):
            with pytest.raises(IntegrityError), transaction.atomic():
                Appointment.objects.filter(pk=appointment.pk).update(
                    status="cancelled_late", cancelled_by=who
                )
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.filter(pk=appointment.pk).update(cancelled_by="client")
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancelled_by) == ("booked", "")


@pytest.mark.django_db
class TestWaiver:
    def test_a_no_show_fee_is_waived_with_a_reason_once(self, coach_a, eva_traject):
        held = appointment_for(eva_traject, timezone.now() - timedelta(hours=3))
        appointment_mark(appointment=held, status="no_show")
        with pytest.raises(ValidationError, match="waarom"):
            appointment_waive_fee(appointment=held, by=coach_a, reason="  ")
        waived, notes = appointment_waive_fee(appointment=held, by=coach_a, reason="Ziek kind")
        assert (waived.fee_waived_reason, waived.fee_waived_by) == ("Ziek kind", coach_a)
        assert notes == []  # on no invoice
        assert waived.status_text == "niet verschenen (kosten kwijtgescholden)"
        with pytest.raises(ValidationError, match="al kwijtgescholden"):
            appointment_waive_fee(appointment=held, by=coach_a, reason="Nogmaals")
        # Held after all: no fee, and no waiver of it.
        held = appointment_mark(appointment=held, status="completed")
        assert (held.fee_waived_at, held.fee_waived_reason) == (None, "")

    def test_nothing_to_waive_without_a_fee(self, coach_a, eva_traject):
        cancelled = appointment_cancel(appointment=soon(eva_traject), by=coach_a)
        with pytest.raises(ValidationError, match="Alleen een te late afzegging"):
            appointment_waive_fee(appointment=cancelled, by=coach_a, reason="x")
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.filter(pk=cancelled.pk).update(
                fee_waived_at=timezone.now(), fee_waived_reason="x"
            )


# --- The pages -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestCoachCancels:
    def test_the_page_asks_who_cancels_and_says_what_it_costs(self, client, coach_a, lotte_traject):
        tariffs()
        appointment = soon(lotte_traject, hours=2)
        client.force_login(coach_a)
        url = f"/coach/afspraken/{appointment.uuid}/annuleren/"
        page = client.get(url).content.decode()
        assert "Wie zegt af?" in page
        for label in (
            "de cliënt – te laat afgezegd: € 50,00",
            "de ouder – te laat afgezegd: € 50,00",
            "ik, de coach – geen kosten voor de cliënt",
            "de praktijk – geen kosten voor de cliënt",
        ):
            assert label in page
        assert "Marco krijgt een e-mail met de annulering" in page
        assert "de tijd komt vrij in je agenda" in page
        appointment.refresh_from_db()
        assert appointment.status == "booked"  # asking changed nothing

    def test_in_time_it_costs_nothing_and_an_adult_has_no_parent(
        self, client, coach_a, eva_traject
    ):
        appointment = soon(eva_traject, hours=48)
        client.force_login(coach_a)
        page = client.get(f"/coach/afspraken/{appointment.uuid}/annuleren/").content.decode()
        assert "Geen kosten: kosteloos afzeggen kan tot" in page
        assert "de ouder" not in page and "te laat" not in page

    def test_the_coach_cancels_and_the_client_is_told(
        self, client, coach_a, coachee, eva_traject, mailoutbox, django_capture_on_commit_callbacks
    ):
        appointment = soon(eva_traject)
        client.force_login(coach_a)
        url = f"/coach/afspraken/{appointment.uuid}/annuleren/"
        response = client.post(url, {"cancelled_by": "coach"})  # no reason
        assert response.status_code == 200 and "Dit veld is verplicht." in response.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"cancelled_by": "coach", "reason": "Ziek"}, follow=True)
        assert "De afspraak is geannuleerd door de coach." in response.content.decode()
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancelled_by) == ("cancelled", "coach")
        assert [m.to for m in mailoutbox] == [[coachee.email]]
        assert "Ziek" not in mailoutbox[0].body  # no reason in an e-mail
        # A repeat changes nothing, and says why.
        response = client.post(url, {"cancelled_by": "client", "reason": "x"}, follow=True)
        assert "Alleen een geplande afspraak die nog moet komen" in response.content.decode()
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancelled_by) == ("cancelled", "coach")
        # The appointment's page says who cancelled and why.
        page = client.get(f"/coach/afspraken/{appointment.uuid}/").content.decode()
        assert "geannuleerd door de coach" in page and "Ziek" in page

    def test_only_the_coach_of_the_appointment(self, client, coach_b, coachee, eva_traject):
        appointment = soon(eva_traject)
        url = f"/coach/afspraken/{appointment.uuid}/annuleren/"
        client.force_login(coach_b)
        assert client.get(url).status_code == 404
        assert client.post(url, {"cancelled_by": "coach", "reason": "x"}).status_code == 404
        client.force_login(coachee)
        assert client.post(url, {"cancelled_by": "coach", "reason": "x"}).status_code == 403
        assert client.put(url).status_code in (403, 405)
        appointment.refresh_from_db()
        assert appointment.status == "booked"


@pytest.mark.django_db
class TestNoShowAndWaiver:
    def test_a_no_show_asks_first_and_says_what_it_costs(self, client, coach_a, eva_traject):
        tariffs()
        held = appointment_for(eva_traject, timezone.now() - timedelta(hours=2))
        client.force_login(coach_a)
        # "Niet verschenen" on the appointment's form leads to the confirmation page.
        response = client.post(f"/coach/afspraken/{held.uuid}/afronden/", {"status": "no_show"})
        assert response["Location"] == f"/coach/afspraken/{held.uuid}/niet-verschenen/"
        held.refresh_from_db()
        assert held.status == "booked"
        page = client.get(response["Location"]).content.decode()
        assert "Niet verschenen vastleggen" in page and "€ 60,00" in page
        response = client.post(response["Location"], follow=True)
        assert "Vastgelegd: niet verschenen." in response.content.decode()
        held.refresh_from_db()
        assert held.status == "no_show"
        page = response.content.decode()
        assert "Kosten kwijtschelden" in page

    def test_a_no_show_only_by_its_coach_and_once(
        self, client, coach_a, coach_b, coachee, eva_traject
    ):
        held = appointment_for(eva_traject, timezone.now() - timedelta(hours=2))
        url = f"/coach/afspraken/{held.uuid}/niet-verschenen/"
        client.force_login(coach_b)
        assert client.get(url).status_code == 404 and client.post(url).status_code == 404
        client.force_login(coachee)
        assert client.post(url).status_code == 403
        client.force_login(coach_a)
        assert client.put(url).status_code == 405
        held.refresh_from_db()
        assert held.status == "booked"
        client.post(url)
        response = client.post(url, follow=True)  # a second click
        assert "staat al als niet verschenen vastgelegd" in response.content.decode()
        held.refresh_from_db()
        assert held.status == "no_show"

    def test_no_no_show_before_it_began(self, client, coach_a, eva_traject):
        planned = soon(eva_traject, hours=5)
        client.force_login(coach_a)
        response = client.post(f"/coach/afspraken/{planned.uuid}/niet-verschenen/", follow=True)
        assert "al is begonnen of voorbij is" in response.content.decode()
        planned.refresh_from_db()
        assert planned.status == "booked"
        cancelled = appointment_cancel(appointment=planned, by=coach_a)
        response = client.post(f"/coach/afspraken/{cancelled.uuid}/niet-verschenen/", follow=True)
        assert "niet is geannuleerd" in response.content.decode()
        cancelled.refresh_from_db()
        assert cancelled.status == "cancelled"

    def test_the_coach_waives_a_late_fee_with_a_reason(self, client, coach_a, coach_b, eva_traject):
        tariffs()
        late = appointment_cancel(appointment=soon(eva_traject), by=coach_a, cancelled_by="client")
        url = f"/coach/afspraken/{late.uuid}/kwijtschelden/"
        client.force_login(coach_b)
        assert client.get(url).status_code == 404
        client.force_login(coach_a)
        page = client.get(url).content.decode()
        assert "Kosten kwijtschelden" in page and "Dit scheelt de cliënt € 50,00." in page
        assert client.post(url, {"reason": ""}).status_code == 200  # a reason is asked
        late.refresh_from_db()
        assert not late.fee_waived
        response = client.post(url, {"reason": "Overmacht: trein uitgevallen"}, follow=True)
        assert "De kosten zijn kwijtgescholden." in response.content.decode()
        page = response.content.decode()
        assert "Overmacht: trein uitgevallen" in page
        assert "te laat geannuleerd door de cliënt (kosten kwijtgescholden)" in page
        response = client.post(url, {"reason": "Nog eens"}, follow=True)
        assert "Alleen de kosten van een te late afzegging" in response.content.decode()
        late.refresh_from_db()
        assert late.fee_waived_reason == "Overmacht: trein uitgevallen"


@pytest.mark.django_db
class TestPortal:
    def test_the_coachee_cancels_after_confirming_and_sees_who_cancelled(
        self, client, coach_a, coachee, eva_traject
    ):
        session = SessionType.objects.create(
            kind="session", name="Sessie", default_minutes=60, allowed_modes=["practice"],
            bookable_online=True,
        )  # fmt: skip
        open_all_week(coach_a)
        appointment = soon(eva_traject, hours=50, session_type=session)
        client.force_login(coachee)
        url = f"/portaal/afspraken/{appointment.uuid}/annuleren/"
        page = client.get(url).content.decode()
        assert "Je afspraak van" in page and "Anna Coach krijgt bericht" in page
        assert "Je krijgt een bevestiging per e-mail" in page
        client.post(url, {"reason": "Op vakantie"})
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancelled_by) == ("cancelled", "client")
        page = client.get("/portaal/afspraken/").content.decode()
        assert "(geannuleerd door de cliënt): Op vakantie" in page
        # A second click changes nothing, and says so.
        response = client.post(url, {"reason": "Nogmaals"}, follow=True)
        assert "Deze afspraak was al geannuleerd of is voorbij." in response.content.decode()
        appointment.refresh_from_db()
        assert (appointment.cancel_reason, appointment.sequence) == ("Op vakantie", 1)


@pytest.mark.django_db
def test_the_migration_says_who_cancelled_the_cancellations_from_before(
    coach_a, coachee, guardian, eva_traject, lotte_traject
):
    """Migration 0007: a cancellation from before it got who cancelled from who booked it (a
    client's or a parent's own online booking), else the practice (unknown)."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("sessions.migrations.0007_who_cancelled_and_fee_waivers")
    by_coach = soon(eva_traject, hours=40)
    by_eva = soon(eva_traject, hours=44, by=coachee)
    by_parent = soon(lotte_traject, hours=48, by=guardian)
    Appointment.objects.update(status="cancelled")  # as they were: nobody recorded
    migration.who_cancelled(apps, None)
    assert {
        a.pk: (a.cancelled_by, a.cancelled_at == a.updated_at) for a in Appointment.objects.all()
    } == {
        by_coach.pk: ("practice", True),
        by_eva.pk: ("client", True),
        by_parent.pk: ("parent", True),
    }


@pytest.mark.django_db
class TestOnlineIsFreeOrNothing:
    """The portal cancels only free of charge, checked again under the lock: between the
    portal's check and the cancellation the deadline can pass, or the coach can move the
    appointment into the window; the coachee must not get a late fee the page said was free."""

    def test_the_service_refuses_a_late_online_cancellation(self, coachee, eva_traject):
        appointment = soon(eva_traject, hours=2)
        with pytest.raises(ValidationError, match="Online afzeggen of verzetten kon tot") as e:
            appointment_cancel(appointment=appointment, by=coachee, free_only=True)
        assert e.value.code == "late"
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancelled_by) == ("booked", "")
        # In time it cancels as before.
        in_time = appointment_cancel(
            appointment=soon(eva_traject, hours=30), by=coachee, free_only=True
        )
        assert (in_time.status, in_time.cancelled_by) == ("cancelled", "client")

    def test_moved_into_the_window_after_the_portals_check(
        self, client, coach_a, coachee, eva_traject, monkeypatch
    ):
        session = SessionType.objects.create(
            kind="session", name="Sessie", default_minutes=60, allowed_modes=["practice"],
            bookable_online=True,
        )  # fmt: skip
        appointment = soon(eva_traject, hours=50, session_type=session)
        # The portal's check said "free" a moment ago; then the coach moved it to two hours
        # from now (inside the 24-hour window).
        monkeypatch.setattr(
            "sessions.views.portal.may_change_online", lambda appointment, rules=None: True
        )
        start = timezone.now() + timedelta(hours=2)
        Appointment.objects.filter(pk=appointment.pk).update(
            start=start, end=start + timedelta(hours=1)
        )
        client.force_login(coachee)
        response = client.post(
            f"/portaal/afspraken/{appointment.uuid}/annuleren/", {"reason": "x"}, follow=True
        )
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancelled_by) == ("booked", "")
        page = response.content.decode()
        assert "Online afzeggen of verzetten kon tot" in page
        assert "Neem contact op met je coach: Anna Coach" in page


@pytest.mark.django_db
class TestWhatCostsNothing:
    """A free kennismaking costs nothing when it is missed or cancelled late either: billing
    leaves the fee off the invoice, so the pages announce none and offer no waiver."""

    def free_kennismaking(self):
        tariffs()
        Tariff.objects.create(
            component="kennismaking", unit="appointment", name="Kennismaking", price=0,
            vat="exempt", valid_from=timezone.localdate() - timedelta(days=400),
        )  # fmt: skip

    def test_a_missed_free_kennismaking(self, client, coach_a, eva_traject):
        self.free_kennismaking()
        missed = appointment_for(
            eva_traject, timezone.now() - timedelta(hours=2), kind="kennismaking"
        )
        client.force_login(coach_a)
        url = f"/coach/afspraken/{missed.uuid}/niet-verschenen/"
        page = client.get(url).content.decode()
        assert "aan deze afspraak zijn geen kosten verbonden" in page
        assert "op de volgende factuur" not in page
        client.post(url)
        missed.refresh_from_db()
        assert missed.status == "no_show"
        page = client.get(f"/coach/afspraken/{missed.uuid}/").content.decode()
        assert "Kosten kwijtschelden" not in page
        assert "komt op de volgende factuur" not in page
        # A session missed does cost something, and says so.
        session = appointment_for(eva_traject, timezone.now() - timedelta(hours=4))
        page = client.get(f"/coach/afspraken/{session.uuid}/niet-verschenen/").content.decode()
        assert "Kosten voor de cliënt: € 60,00" in page

    def test_a_free_kennismaking_cancelled_late(self, client, coach_a, eva_traject):
        self.free_kennismaking()
        planned = soon(eva_traject, hours=2, kind="kennismaking")
        client.force_login(coach_a)
        page = client.get(f"/coach/afspraken/{planned.uuid}/annuleren/").content.decode()
        assert "aan deze afspraak zijn geen kosten verbonden" in page
        assert "op de volgende factuur" not in page
        assert "de cliënt – te laat afgezegd: geen kosten" in page
