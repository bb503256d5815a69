"""A prospect asks for a kennismaking on the public site."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from coaching.models import Client, Guardian
from sessions.models import Appointment, SessionType
from sessions.services.booking import appointment_book
from sessions.tests.test_pages import open_all_week
from trajects.models import DossierEntry, Traject


@pytest.fixture
def kennismaking_type(db):
    return SessionType.objects.create(
        kind="kennismaking",
        name="Kennismaking",
        default_minutes=30,
        allowed_modes=["phone", "video", "practice"],
        bookable_online=True,
    )


@pytest.fixture
def open_coach(coach_a, kennismaking_type):
    open_all_week(coach_a)
    return coach_a


def slot(days=3, hour=10):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def form(**changes):
    data = {
        "for_whom": "self",
        "first_name": "Noor",
        "last_name": "Jansen",
        "email": "noor@example.org",
        "phone": "0612345678",
        "date_of_birth": "1990-05-05",
        "how": "slot",
        "slot": slot().isoformat(),
        "mode": "phone",
        "message": "",
        "website": "",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
class TestKennismaking:
    def test_picking_a_slot_registers_everything_and_confirms(
        self, client, open_coach, mailoutbox, django_capture_on_commit_callbacks
    ):
        assert client.get("/kennismaking/").status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/kennismaking/", form())
        assert response["Location"] == "/kennismaking/bedankt/"
        noor = Client.objects.get(first_name="Noor")
        traject = Traject.objects.get(client=noor)
        assert noor.coach == open_coach and traject.status == Traject.Status.KENNISMAKING
        appointment = Appointment.objects.get(traject=traject)
        assert (appointment.kind, appointment.mode, appointment.start) == (
            "kennismaking",
            "phone",
            slot(),
        )
        to_prospect, to_coach = mailoutbox
        assert to_prospect.to == ["noor@example.org"]
        assert any(name == "kennismaking.ics" for name, *_ in to_prospect.attachments)
        assert to_coach.to == [open_coach.email]
        assert "Noor" not in to_coach.body  # no client details in the coach's notice

    def test_for_a_child_the_parent_becomes_the_guardian(self, client, open_coach):
        client.post(
            "/kennismaking/",
            form(
                for_whom="child",
                child_first_name="Sem",
                date_of_birth="2017-02-02",
                relation="father",
                has_parental_authority="False",
            ),
        )
        sem = Client.objects.get(first_name="Sem")
        assert sem.is_child and sem.last_name == "Jansen"
        parent = Guardian.objects.get(client=sem)
        assert parent.email == "noor@example.org"
        # What the parent answered, nothing assumed: "nee" is kept as no.
        assert (parent.relation, parent.has_parental_authority) == ("father", False)

    def test_a_parent_is_asked_for_the_relation_and_parental_authority(self, client, open_coach):
        page = client.get("/kennismaking/").content.decode()
        assert "Wat is je relatie tot het kind?" in page and "Heb je ouderlijk gezag?" in page
        radios = re.findall(r"<input[^>]*has_parental_authority[^>]*>", page)
        assert len(radios) == 2 and not any("checked" in radio for radio in radios)
        response = client.post(
            "/kennismaking/",
            form(for_whom="child", child_first_name="Sem", date_of_birth="2017-02-02"),
        )
        assert response.status_code == 200 and not Client.objects.exists()
        html = response.content.decode()
        assert "Kies je relatie tot het kind." in html
        assert "Geef aan of je ouderlijk gezag hebt." in html
        # For an adult coachee the questions are not asked.
        client.post("/kennismaking/", form(relation="", has_parental_authority=""))
        assert Client.objects.get().first_name == "Noor" and not Guardian.objects.exists()

    def test_by_email_is_a_kennismaking_by_email_not_email_coaching(
        self, client, open_coach, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/kennismaking/", form(how="email", slot="", message="Over werkdruk"))
        traject = Traject.objects.get()
        # The seed's fourth way of getting acquainted, in a standard traject; only
        # the client's choice at the start makes it e-mail coaching.
        assert traject.kind == Traject.Kind.STANDARD and traject.status == Traject.Status.AANMELDING
        assert traject.kennismaking_mode == Traject.Mode.EMAIL and not traject.takes_messages
        assert DossierEntry.objects.get(traject=traject).current.text == "Over werkdruk"
        assert not Appointment.objects.exists()
        assert "binnen twee werkdagen" in mailoutbox[0].body

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"slot": ""}, "Kies een tijd voor het gesprek"),
            ({"email": "geen-adres"}, "geldig e-mailadres"),
            ({"date_of_birth": "2999-01-01"}, "Deze datum ligt in de toekomst."),
            ({"for_whom": "child"}, "Vul de voornaam van je kind in."),
            ({"first_name": ""}, "Dit veld is verplicht."),
        ],
    )
    def test_invalid_input_is_explained_and_kept(self, client, open_coach, changes, message):
        response = client.post("/kennismaking/", form(**changes))
        html = response.content.decode()
        assert response.status_code == 200 and message in html
        assert 'value="noor@example.org"' in html or changes.get("email")
        assert not Client.objects.exists()

    def test_a_taken_slot(self, client, open_coach):
        appointment_book(
            coach=open_coach,
            start=slot(),
            end=slot(hour=11),
            kind="session",
            mode="practice",
            by=None,
        )
        response = client.post("/kennismaking/", form())
        assert "Dit tijdstip is net bezet" in response.content.decode()
        assert not Client.objects.exists()

    def test_the_honeypot_stores_nothing(self, client, open_coach, mailoutbox):
        response = client.post("/kennismaking/", form(website="http://spam.example"))
        assert response["Location"] == "/kennismaking/bedankt/"
        assert not Client.objects.exists() and mailoutbox == []

    def test_too_many_requests_from_one_address(self, client, open_coach):
        for n in range(5):
            client.post("/kennismaking/", form(how="email", slot="", email=f"n{n}@example.org"))
        response = client.post(
            "/kennismaking/", form(how="email", slot="", email="zes@example.org")
        )
        assert "te veel aanvragen" in response.content.decode()
        assert Client.objects.count() == 5

    def test_closed_without_coaches_or_type(self, client, db):
        assert (
            "Online aanvragen kan op dit moment niet"
            in client.get("/kennismaking/").content.decode()
        )
