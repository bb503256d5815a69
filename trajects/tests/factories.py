from datetime import date, timedelta

import factory

from coaching.models import Consent, ThirdParty
from coaching.tests.factories import ClientFactory
from trajects.models import Traject
from trajects.services.dossier import dossier_entry_create, intake_record

START = date(2026, 1, 5)


class TrajectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Traject

    client = factory.SubFactory(ClientFactory)
    title = "faalangst"
    registered_on = START


class ThirdPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThirdParty

    client = factory.SubFactory(ClientFactory)
    kind = ThirdParty.Kind.SCHOOL
    name = factory.Sequence(lambda n: f"Basisschool De Linde {n}")


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    client = factory.SelfAttribute("third_party.client")
    third_party = factory.SubFactory(ThirdPartyFactory)
    purpose = "verslag over het traject aan de mentor"
    given_on = START


def running_traject(coach_user, **kwargs) -> Traject:
    """A traject after kennismaking and intake: sessions have begun."""
    traject = TrajectFactory(**kwargs)
    by = coach_user
    traject.advance("record_kennismaking", by=by, on=START + timedelta(days=1), mode="phone")
    traject.advance("start_intake", by=by, on=START + timedelta(days=8))
    intake_record(
        traject=traject,
        by=by,
        held_on=START + timedelta(days=15),
        help_question="Faalangst bij toetsen",
        life_history="",
        steps_taken="",
        goals="Rustig een toets maken",
    )
    traject.refresh_from_db()
    return traject


def note(traject, by, text="Goed gesprek.", **kwargs):
    kwargs.setdefault("kind", "session")
    kwargs.setdefault("occurred_on", START + timedelta(days=20))
    return dossier_entry_create(traject=traject, by=by, text=text, **kwargs)
