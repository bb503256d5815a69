"""Who cancelled decides the fee on the invoice: only the client's own late
cancellation (or a parent's) and a no-show are charged; a coach's cancellation, however late,
is not; a waived fee is no item, and waiving takes it off a draft but not off a sent invoice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import Claim
from billing.services.invoicing import Recipient, invoice_create, invoice_send
from billing.tests.helpers import practice_tariffs, traject_of
from coaching.models import Client
from sessions.fees import appointment_waive_fee
from sessions.services.booking import appointment_book, appointment_cancel, appointment_mark


@pytest.fixture
def eva(coachee):
    return Client.objects.get(account=coachee)


@pytest.fixture
def tariffs(db, settings):
    settings.PRAKTIJK_DETAILS = {
        **settings.PRAKTIJK_DETAILS,
        "address": "Kerkstraat 1",
        "postal_code": "1234 AB",
        "city": "Utrecht",
        "kvk": "12345678",
        "vat_number": "NL000000000B01",
    }
    return practice_tariffs()


def booked(traject, hours: float):
    start = timezone.now() + timedelta(hours=hours)
    coach = traject.client.coach
    return appointment_book(
        coach=coach, start=start, end=start + timedelta(hours=1), kind="session",
        mode="practice", by=coach, traject=traject,
    )  # fmt: skip


def draft(eva, coach):
    today = timezone.localdate()
    return invoice_create(
        recipient=Recipient("client", client=eva),
        by=coach,
        start=today - timedelta(days=30),
        end=today + timedelta(days=30),
    )


def lines(invoice) -> list[tuple[str, Decimal]]:
    return [(line.description, line.unit_price) for line in invoice.lines.order_by("day", "pk")]


@pytest.mark.django_db
class TestFees:
    def test_the_coach_cancelling_an_hour_before_puts_nothing_on_the_draft(
        self, coach_a, eva, tariffs
    ):
        traject = traject_of(eva, coach_a)
        held = booked(traject, -30)
        appointment_mark(appointment=held, status="completed")
        cancelled = appointment_cancel(appointment=booked(traject, 1), by=coach_a)
        assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", "coach")
        invoice = draft(eva, coach_a)
        assert lines(invoice) == [("Coachingsessie 60 min", Decimal("80.00"))]
        assert not Claim.objects.filter(key=f"appointment:{cancelled.uuid}").exists()

    def test_the_clients_own_late_cancellation_is_a_late_fee(self, coach_a, eva, tariffs):
        traject = traject_of(eva, coach_a)
        late = appointment_cancel(
            appointment=booked(traject, 1), by=coach_a, cancelled_by="client", reason="Belde af"
        )
        invoice = draft(eva, coach_a)
        assert lines(invoice) == [("Te laat afgezegd: coachingsessie", Decimal("50.00"))]
        assert Claim.objects.filter(key=f"appointment:{late.uuid}").exists()

    def test_a_waived_fee_is_no_item(self, coach_a, eva, tariffs):
        traject = traject_of(eva, coach_a)
        late = appointment_cancel(appointment=booked(traject, 1), by=coach_a, cancelled_by="client")
        missed = booked(traject, -5)
        appointment_mark(appointment=missed, status="no_show")
        appointment_waive_fee(appointment=late, by=coach_a, reason="Overmacht")
        invoice = draft(eva, coach_a)
        assert lines(invoice) == [("Niet verschenen: coachingsessie", Decimal("60.00"))]
        appointment_waive_fee(appointment=missed, by=coach_a, reason="Verkeerd genoteerd")
        invoice.delete()
        with pytest.raises(ValidationError, match="niets"):
            draft(eva, coach_a)

    def test_waiving_takes_the_fee_off_a_draft(self, coach_a, eva, tariffs):
        traject = traject_of(eva, coach_a)
        held = booked(traject, -30)
        appointment_mark(appointment=held, status="completed")
        missed = booked(traject, -5)
        appointment_mark(appointment=missed, status="no_show")
        invoice = draft(eva, coach_a)
        assert len(lines(invoice)) == 2
        _waived, notes = appointment_waive_fee(appointment=missed, by=coach_a, reason="Ziek")
        assert notes == ["De kosten zijn van de conceptfactuur gehaald."]
        assert lines(invoice) == [("Coachingsessie 60 min", Decimal("80.00"))]
        # It does not come back on a later invoice either.
        invoice.delete()
        assert len(lines(draft(eva, coach_a))) == 1

    def test_no_waiver_once_the_invoice_is_sent(self, client, coach_a, eva, tariffs):
        traject = traject_of(eva, coach_a)
        missed = booked(traject, -5)
        appointment_mark(appointment=missed, status="no_show")
        invoice = invoice_send(invoice=draft(eva, coach_a))
        with pytest.raises(ValidationError, match=f"factuur {invoice.number}, die al is"):
            appointment_waive_fee(appointment=missed, by=coach_a, reason="Te laat bedacht")
        missed.refresh_from_db()
        assert not missed.fee_waived
        assert len(lines(invoice)) == 1
        # The appointment's page says so, and offers no waiver.
        client.force_login(coach_a)
        page = client.get(f"/coach/afspraken/{missed.uuid}/").content.decode()
        assert "die al is verstuurd: kwijtschelden kan niet meer" in page
        assert f"/coach/afspraken/{missed.uuid}/kwijtschelden/" not in page
        response = client.post(
            f"/coach/afspraken/{missed.uuid}/kwijtschelden/", {"reason": "x"}, follow=True
        )
        assert "Corrigeer de factuur met een creditfactuur." in response.content.decode()

    def test_the_page_says_a_fee_on_a_draft_comes_off_it(self, client, coach_a, eva, tariffs):
        traject = traject_of(eva, coach_a)
        missed = booked(traject, -5)
        appointment_mark(appointment=missed, status="no_show")
        draft(eva, coach_a)
        client.force_login(coach_a)
        page = client.get(f"/coach/afspraken/{missed.uuid}/kwijtschelden/").content.decode()
        assert "De kosten staan op een conceptfactuur; kwijtschelden haalt ze daar af." in page


@pytest.mark.django_db
class TestAnotherOutcome:
    """Marked a no-show, then held after all (or the other way round): the invoice follows the
    outcome as it is now. On a draft the old line goes and the next invoice prices the new
    outcome; once the invoice is sent, the outcome cannot change (a credit invoice corrects)."""

    def test_a_no_show_held_after_all_leaves_the_draft_and_is_invoiced_as_held(
        self, client, coach_a, eva, tariffs
    ):
        traject = traject_of(eva, coach_a)
        missed = booked(traject, -5)
        appointment_mark(appointment=missed, status="no_show")
        invoice = draft(eva, coach_a)
        assert [d for d, _p in lines(invoice)] == ["Niet verschenen: coachingsessie"]
        client.force_login(coach_a)
        response = client.post(
            f"/coach/afspraken/{missed.uuid}/afronden/", {"status": "completed"}, follow=True
        )
        assert "De regel voor deze afspraak is van de conceptfactuur gehaald" in (
            response.content.decode()
        )
        assert lines(invoice) == []
        invoice.delete()
        assert lines(draft(eva, coach_a)) == [("Coachingsessie 60 min", Decimal("80.00"))]

    def test_on_a_sent_invoice_the_outcome_stays(self, coach_a, eva, tariffs):
        traject = traject_of(eva, coach_a)
        held = booked(traject, -5)
        appointment_mark(appointment=held, status="completed")
        invoice = invoice_send(invoice=draft(eva, coach_a))
        with pytest.raises(ValidationError, match=f"factuur {invoice.number}, die al is"):
            appointment_mark(appointment=held, status="no_show")
        held.refresh_from_db()
        assert held.status == "completed"
        assert len(lines(invoice)) == 1
