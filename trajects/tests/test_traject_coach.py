"""A traject's copy of its client's coach is kept equal by the database (traject_client_coach):
the coach's lists read it instead of joining the clients, so it must never be wrong."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from coaching.models import Client
from coaching.tests.factories import ClientFactory
from trajects.models import Traject
from trajects.tests.factories import TrajectFactory


def _coach_of(traject: Traject) -> int:
    return Traject.objects.filter(pk=traject.pk).values_list("coach_id", flat=True).get()


def _refused(sql: str, params: list) -> None:
    """The statement (a raw one, as from a shell or another program) is refused, at the latest
    at commit: the key is checked there, as Django's own foreign keys are."""
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        connection.check_constraints(table_names=["trajects_traject"])


@pytest.mark.django_db
class TestTheCoachOfATraject:
    def test_a_new_traject_gets_its_clients_coach(self, coach_a):
        traject = TrajectFactory(client__coach=coach_a)
        assert traject.coach == coach_a and _coach_of(traject) == coach_a.pk

    def test_so_do_trajects_made_together(self, coach_a, coach_b):
        loaded = ClientFactory(coach=coach_a)
        by_id = ClientFactory(coach=coach_b)
        Traject.objects.bulk_create(
            [Traject(client=loaded, title="a"), Traject(client_id=by_id.pk, title="b")]
        )
        assert dict(Traject.objects.values_list("title", "coach_id")) == {
            "a": coach_a.pk,
            "b": coach_b.pk,
        }

    def test_a_client_moved_to_another_coach_takes_their_trajects_along(self, coach_a, coach_b):
        traject = TrajectFactory(client__coach=coach_a)
        client = traject.client
        client.coach = coach_b
        client.save()  # as the admin does: nothing in the application touches the trajects
        assert _coach_of(traject) == coach_b.pk
        assert list(Traject.objects.for_coach(coach_b)) == [traject]
        assert not Traject.objects.for_coach(coach_a).exists()

    def test_also_when_the_client_is_moved_by_a_raw_update(self, coach_a, coach_b):
        traject = TrajectFactory(client__coach=coach_a)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE coaching_client SET coach_id = %s WHERE id = %s",
                [coach_b.pk, traject.client_id],
            )
        assert _coach_of(traject) == coach_b.pk
        connection.check_constraints(table_names=["trajects_traject"])

    def test_a_copy_loaded_before_the_move_does_not_write_the_old_coach_back(
        self, coach_a, coach_b
    ):
        traject = TrajectFactory(client__coach=coach_a)
        Client.objects.filter(pk=traject.client_id).update(coach=coach_b)
        traject.title = "faalangst en slapen"
        traject.save()
        assert _coach_of(traject) == coach_b.pk
        connection.check_constraints(table_names=["trajects_traject"])

    def test_another_coach_on_a_traject_is_refused(self, coach_a, coach_b):
        traject = TrajectFactory(client__coach=coach_a)
        _refused(
            "UPDATE trajects_traject SET coach_id = %s WHERE id = %s", [coach_b.pk, traject.pk]
        )
        assert _coach_of(traject) == coach_a.pk

    def test_a_new_traject_with_another_coach_is_refused(self, coach_a, coach_b):
        client = ClientFactory(coach=coach_a)
        with pytest.raises(IntegrityError), transaction.atomic():
            Traject.objects.create(client=client, coach=coach_b, title="faalangst")
            connection.check_constraints(table_names=["trajects_traject"])
        assert not Traject.objects.exists()

    def test_model_validation_says_so_too(self, coach_a, coach_b):
        client = ClientFactory(coach=coach_a)
        with pytest.raises(ValidationError):
            Traject(client=client, coach=coach_b).validate_constraints()
        Traject(client=client, coach=coach_a).validate_constraints()
