import importlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from trajects.models import Traject, TrajectEvent
from trajects.tests.factories import START, TrajectFactory, running_traject

S = Traject.Status


@pytest.fixture
def traject(coach_a):
    return TrajectFactory(client__coach=coach_a)


@pytest.mark.django_db
class TestSteps:
    def test_the_whole_way_with_a_dated_timeline(self, traject, coach_a):
        on = START
        traject.advance(
            "plan_kennismaking",
            by=coach_a,
            on=on,
            mode="video",
            planned_at=timezone.now() + timedelta(days=2),
        )
        assert traject.status == S.KENNISMAKING
        traject.advance("record_kennismaking", by=coach_a, on=on + timedelta(1), mode="video")
        assert traject.status == S.BEDENKTIJD and traject.kennismaking_on == on + timedelta(1)
        traject.advance("start_intake", by=coach_a, on=on + timedelta(8))
        assert traject.status == S.INTAKE
        traject.advance("record_intake", by=coach_a, on=on + timedelta(15))
        assert traject.status == S.LOPEND and traject.intake_on == on + timedelta(15)
        traject.advance("close", by=coach_a, on=on + timedelta(90))
        assert traject.status == S.AFGEROND and traject.closed_on == on + timedelta(90)
        steps = list(TrajectEvent.objects.filter(traject=traject).values_list("source", "target"))
        assert steps == [
            (S.AANMELDING, S.KENNISMAKING),
            (S.KENNISMAKING, S.BEDENKTIJD),
            (S.BEDENKTIJD, S.INTAKE),
            (S.INTAKE, S.LOPEND),
            (S.LOPEND, S.AFGEROND),
        ]

    def test_the_client_can_decide_at_the_kennismaking(self, traject, coach_a):
        traject.advance(
            "record_kennismaking", by=coach_a, on=START, mode="phone", start_directly=True
        )
        assert traject.status == S.INTAKE

    @pytest.mark.parametrize(
        ("step", "status"),
        [
            ("record_intake", S.AANMELDING),  # no intake before the kennismaking
            ("start_intake", S.AANMELDING),
            ("close", S.BEDENKTIJD),
            ("plan_kennismaking", S.LOPEND),
        ],
    )
    def test_steps_out_of_order_are_refused(self, coach_a, step, status):
        traject = TrajectFactory(client__coach=coach_a)
        if status != S.AANMELDING:
            traject = running_traject(coach_a, client=traject.client)
            if status == S.BEDENKTIJD:
                traject = TrajectFactory(client=traject.client)
                traject.advance("record_kennismaking", by=coach_a, on=START, mode="phone")
        with pytest.raises(ValidationError) as error:
            traject.advance(step, by=coach_a, on=START + timedelta(30), mode="phone")
        assert error.value.code == "wrong_status"
        assert not TrajectEvent.objects.filter(traject=traject, step=step).exists()

    def test_stop_from_any_open_state_needs_a_reason(self, traject, coach_a):
        with pytest.raises(ValidationError):
            traject.advance("stop", by=coach_a, on=START, note="  ")
        traject.advance("stop", by=coach_a, on=START, note="Geen klik bij de kennismaking")
        assert traject.status == S.GESTOPT and traject.stop_reason and traject.closed_on == START

    def test_a_closed_traject_takes_no_more_steps(self, traject, coach_a):
        traject.advance("stop", by=coach_a, on=START, note="verhuisd")
        for step in Traject.STEPS:
            with pytest.raises(ValidationError):
                traject.advance(step, by=coach_a, on=START, note="x", mode="phone")

    def test_dates_cannot_go_back_or_into_the_future(self, traject, coach_a):
        traject.advance("record_kennismaking", by=coach_a, on=START + timedelta(5), mode="phone")
        with pytest.raises(ValidationError) as error:
            traject.advance("start_intake", by=coach_a, on=START + timedelta(4))
        assert error.value.code == "before_previous"
        with pytest.raises(ValidationError) as error:
            traject.advance("start_intake", by=coach_a, on=timezone.localdate() + timedelta(1))
        assert error.value.code == "future"


@pytest.mark.django_db
class TestDatabaseHoldsTheLifeCycle:
    """Even a direct update that skips `advance` cannot leave a traject in an impossible state."""

    def test_no_bedenktijd_without_a_kennismaking(self, traject):
        with pytest.raises(IntegrityError), transaction.atomic():
            Traject.objects.filter(pk=traject.pk).update(status=S.BEDENKTIJD)

    def test_no_sessions_without_an_intake(self, traject):
        with pytest.raises(IntegrityError), transaction.atomic():
            Traject.objects.filter(pk=traject.pk).update(status=S.LOPEND, kennismaking_on=START)

    def test_stopped_without_reason(self, traject):
        with pytest.raises(IntegrityError), transaction.atomic():
            Traject.objects.filter(pk=traject.pk).update(status=S.GESTOPT, closed_on=START)

    def test_closed_without_date(self, traject):
        with pytest.raises(IntegrityError), transaction.atomic():
            Traject.objects.filter(pk=traject.pk).update(status=S.GESTOPT, stop_reason="x")

    def test_timeline_steps_cannot_be_rewritten(self, traject, coach_a):
        traject.advance("stop", by=coach_a, on=START, note="verhuisd")
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            TrajectEvent.objects.filter(traject=traject).update(note="iets anders")


@pytest.mark.django_db
class TestWaiting:
    def test_what_waits_for_the_coach(self, coach_a, settings):
        today = timezone.localdate()
        new = TrajectFactory(client__coach=coach_a, registered_on=today)
        thinking_long = TrajectFactory(client__coach=coach_a, registered_on=today - timedelta(30))
        thinking_long.advance(
            "record_kennismaking", by=coach_a, on=today - timedelta(20), mode="phone"
        )
        thinking_short = TrajectFactory(client__coach=coach_a, registered_on=today - timedelta(3))
        thinking_short.advance(
            "record_kennismaking", by=coach_a, on=today - timedelta(2), mode="phone"
        )
        running = running_traject(coach_a, client__coach=coach_a)
        planned_past = TrajectFactory(client__coach=coach_a, registered_on=today - timedelta(9))
        planned_past.advance(
            "plan_kennismaking",
            by=coach_a,
            on=today - timedelta(8),
            mode="video",
            planned_at=timezone.now() - timedelta(days=1),
        )
        planned_future = TrajectFactory(client__coach=coach_a, registered_on=today - timedelta(9))
        planned_future.advance(
            "plan_kennismaking",
            by=coach_a,
            on=today - timedelta(8),
            mode="video",
            planned_at=timezone.now() + timedelta(days=1),
        )
        to_intake = TrajectFactory(client__coach=coach_a, registered_on=today - timedelta(9))
        to_intake.advance(
            "record_kennismaking",
            by=coach_a,
            on=today - timedelta(8),
            mode="phone",
            start_directly=True,
        )
        exactly_14 = TrajectFactory(client__coach=coach_a, registered_on=today - timedelta(20))
        exactly_14.advance(
            "record_kennismaking", by=coach_a, on=today - timedelta(14), mode="phone"
        )
        waiting = set(
            Traject.objects.for_coach(coach_a).waiting(
                think_since=today - timedelta(days=14), now=timezone.now()
            )
        )
        assert waiting == {new, thinking_long, planned_past, to_intake}
        assert running not in waiting and planned_future not in waiting
        assert exactly_14 not in waiting  # "more than 14 days"


@pytest.mark.django_db
class TestAKennismakingByEmailIsNotEmailCoaching:
    """A kennismaking held by e-mail is a way of getting acquainted; the
    traject becomes e-mail coaching only when the client chooses it at the start."""

    def test_held_by_email_the_traject_stays_standard_until_the_start(self, traject, coach_a):
        traject.advance("record_kennismaking", by=coach_a, on=START, mode="email", kind="email")
        assert (traject.status, traject.kind) == (S.BEDENKTIJD, Traject.Kind.STANDARD)
        assert traject.kennismaking_mode == Traject.Mode.EMAIL and not traject.takes_messages
        traject.advance("start_intake", by=coach_a, on=START + timedelta(8), kind="email")
        assert (traject.status, traject.kind) == (S.INTAKE, Traject.Kind.EMAIL)
        assert traject.takes_messages

    def test_starting_directly_after_the_kennismaking_the_client_chooses_too(
        self, traject, coach_a
    ):
        traject.advance(
            "record_kennismaking",
            by=coach_a,
            on=START,
            mode="email",
            start_directly=True,
            kind="email",
        )
        assert (traject.status, traject.kind) == (S.INTAKE, Traject.Kind.EMAIL)

    def test_choosing_live_sessions_at_the_start(self, coach_a):
        traject = TrajectFactory(client__coach=coach_a, kind="email")
        traject.advance("record_kennismaking", by=coach_a, on=START, mode="email")
        traject.advance("start_intake", by=coach_a, on=START + timedelta(3), kind="standard")
        assert traject.kind == Traject.Kind.STANDARD

    def test_an_unknown_kind_is_refused(self, traject, coach_a):
        traject.advance("record_kennismaking", by=coach_a, on=START, mode="phone")
        with pytest.raises(ValidationError) as error:
            traject.advance("start_intake", by=coach_a, on=START + timedelta(3), kind="fax")
        assert error.value.code == "kind"
        traject.refresh_from_db()
        assert (traject.status, traject.kind) == (S.BEDENKTIJD, Traject.Kind.STANDARD)

    def test_the_start_page_asks_how_the_traject_goes_on(self, client, traject, coach_a):
        traject.advance("record_kennismaking", by=coach_a, on=START, mode="email")
        client.force_login(coach_a)
        url = f"/coach/trajecten/{traject.uuid}/stap/start_intake/"
        page = client.get(url).content.decode()
        assert "Hoe gaat het traject verder?" in page
        response = client.post(url, {"on": timezone.localdate().isoformat(), "kind": "email"})
        assert response.status_code == 302
        traject.refresh_from_db()
        assert (traject.status, traject.kind) == (S.INTAKE, Traject.Kind.EMAIL)

    def test_recording_offers_the_way_the_client_asked_for(self, client, coach_a):
        traject = TrajectFactory(client__coach=coach_a, kennismaking_mode="email")
        client.force_login(coach_a)
        page = client.get(f"/coach/trajecten/{traject.uuid}/stap/record_kennismaking/")
        assert 'value="email"  id="id_mode_3" required checked' in page.content.decode()


@pytest.mark.django_db
def test_the_migration_puts_the_websites_email_kennismakingen_right(coach_a):
    from django.apps import apps

    from trajects.models import DossierEntry, Message
    from trajects.services.dossier import dossier_entry_create

    def from_website(**kwargs):
        traject = TrajectFactory(client__coach=coach_a, kind="email", **kwargs)
        dossier_entry_create(
            traject=traject, by=None, kind="other", occurred_on=START, text="Aanvraag"
        )
        return traject

    asked = from_website()
    thinking = from_website()
    thinking.advance("record_kennismaking", by=coach_a, on=START, mode="phone")
    started = from_website()
    started.advance("record_kennismaking", by=coach_a, on=START, mode="email", start_directly=True)
    writing = from_website()
    Message.objects.create(traject=writing, from_coach=False, body="Hallo", due_at=timezone.now())
    by_the_coach = TrajectFactory(client__coach=coach_a, kind="email")
    assert DossierEntry.objects.count() == 4
    migration = importlib.import_module(
        "trajects.migrations.0012_kennismaking_by_email_is_not_email_coaching"
    )
    migration.kennismaking_by_email(apps, None)
    kinds = {
        traject.pk: (traject.kind, traject.kennismaking_mode) for traject in Traject.objects.all()
    }
    assert kinds[asked.pk] == ("standard", "email")
    assert kinds[thinking.pk] == ("standard", "phone")
    assert kinds[started.pk] == ("email", "email")  # the client chose it at the start
    assert kinds[writing.pk][0] == "email" and kinds[by_the_coach.pk][0] == "email"
