"""E-mail coaching: the 24-hour deadline (also across DST), answered and overdue states,
statistics on a known set, the switch keeping the conversation, attachments checked by content."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from coaching import outbox
from coaching.models import Send
from coaching.tests.factories import GuardianFactory
from trajects.models import Message, Traject
from trajects.models.messages import answer_due
from trajects.services.email_coaching import (
    answer_statistics,
    email_conversation_close,
    email_traject_switch,
    message_write,
    quiet_conversations,
)
from trajects.tests.factories import TrajectFactory

AMS = ZoneInfo("Europe/Amsterdam")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


@pytest.fixture
def email_traject(coach_a, coachee):
    from coaching.models import Client

    return TrajectFactory(client=Client.objects.get(account=coachee), kind=Traject.Kind.EMAIL)


def write(traject, by, body="Hallo", from_coach=False, at=None, **extra):
    message = message_write(traject=traject, by=by, body=body, from_coach=from_coach, **extra)
    if at is not None:
        Message.objects.filter(pk=message.pk).update(
            created_at=at, due_at=None if from_coach else answer_due(at)
        )
        message.refresh_from_db()
    return message


@pytest.mark.django_db
class TestDeadline:
    def test_twenty_four_hours_of_real_time_also_across_dst(self):
        # Saturday 24 October 2026 10:00 summer time; the clocks go back that night.
        written = datetime(2026, 10, 24, 10, 0, tzinfo=AMS)
        due = answer_due(written).astimezone(AMS)
        # (Compared in UTC: Python subtracts two times of one zone by the wall clock.)
        assert due.astimezone(UTC) - written.astimezone(UTC) == timedelta(hours=24)
        assert (due.day, due.hour) == (25, 9)  # 9:00 winter time on the clock

    def test_states(self, email_traject, coachee, coach_a):
        message = write(email_traject, coachee)
        now = message.created_at
        assert message.state(now) == "open"
        assert message.state(now + timedelta(hours=21)) == "near_due"
        assert message.state(now + timedelta(hours=24)) == "overdue"
        write(email_traject, coach_a, "Dank je voor je bericht", from_coach=True)
        message.refresh_from_db()
        assert message.state(now + timedelta(hours=30)) == "answered"

    def test_a_reply_answers_every_open_message(self, email_traject, coachee, coach_a):
        write(email_traject, coachee, "Eén")
        write(email_traject, coachee, "Twee")
        assert email_traject.messages.open().count() == 2
        write(email_traject, coach_a, "Antwoord", from_coach=True)
        assert email_traject.messages.open().count() == 0

    def test_a_reply_leaves_open_what_came_in_while_the_coach_was_typing(
        self, email_traject, coachee, coach_a
    ):
        seen = write(email_traject, coachee, "Gezien")
        unseen = write(email_traject, coachee, "Kwam binnen tijdens het typen")
        write(email_traject, coach_a, "Antwoord", from_coach=True, seen_until=seen.pk)
        assert list(email_traject.messages.open()) == [unseen]

    def test_after_the_switch_or_the_end_nothing_waits_any_more(
        self, email_traject, coachee, coach_a
    ):
        write(email_traject, coachee, "Nog een vraag")
        assert Message.objects.waiting().count() == 1
        email_traject_switch(traject=email_traject, by=coach_a)
        assert Message.objects.waiting().count() == 0
        other = TrajectFactory(client=email_traject.client, kind=Traject.Kind.EMAIL)
        write(other, coachee, "Vraag")
        email_conversation_close(traject=other, by=coachee, reason="Klaar")
        assert Message.objects.waiting().count() == 0

    def test_the_database_keeps_deadlines_for_the_coachee_only(self, email_traject, coach_a):
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(traject=email_traject, from_coach=False, body="x", due_at=None)
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(
                traject=email_traject, from_coach=True, body="x", due_at=datetime.now(UTC)
            )

    def test_only_for_open_email_coaching(self, coach_a, coachee):
        standard = TrajectFactory(client__coach=coach_a)
        with pytest.raises(ValidationError):
            write(standard, coachee)


@pytest.mark.django_db
def test_statistics_on_a_known_set(email_traject, coachee, coach_a):
    october = datetime(2026, 10, 5, 9, 0, tzinfo=AMS)
    answers_after = [2, 10, 30]  # hours: two in time, one late
    for n, hours in enumerate(answers_after):
        message = write(email_traject, coachee, f"Vraag {n}", at=october + timedelta(days=n))
        Message.objects.filter(pk=message.pk).update(
            answered_at=message.created_at + timedelta(hours=hours)
        )
    figures = answer_statistics(coach_a, months=3, now=datetime(2026, 11, 20, tzinfo=UTC))
    (oct_figures,) = [f for f in figures if f.month.month == 10]
    assert oct_figures.messages == 3 and oct_figures.answered == 3
    assert oct_figures.median_hours == 10
    assert oct_figures.within_deadline == pytest.approx(2 / 3)
    # Twelve months asked, twelve months back at most (December 2025 to November 2026).
    write(email_traject, coachee, "Oud", at=datetime(2025, 12, 1, 0, 30, tzinfo=AMS))
    write(email_traject, coachee, "Te oud", at=datetime(2025, 11, 30, 23, 30, tzinfo=AMS))
    months = [f.month for f in answer_statistics(coach_a, now=datetime(2026, 11, 20, tzinfo=UTC))]
    assert min(months) == datetime(2025, 12, 1).date()


@pytest.mark.django_db
def test_a_message_left_at_the_switch_is_neither_in_time_nor_late(email_traject, coachee, coach_a):
    write(email_traject, coachee, "Vraag", at=datetime(2026, 10, 5, 9, 0, tzinfo=AMS))
    email_traject_switch(traject=email_traject, by=coach_a)
    (figures,) = answer_statistics(coach_a, months=3, now=datetime(2026, 11, 20, tzinfo=UTC))
    assert figures.messages == 1 and figures.answered == 0 and figures.within_deadline is None


@pytest.mark.django_db
class TestSwitchAndStop:
    def test_switch_keeps_the_conversation_and_shows_on_the_timeline(
        self, email_traject, coachee, coach_a
    ):
        write(email_traject, coachee, "Ik wil liever praten")
        email_traject.refresh_from_db()
        switched = email_traject_switch(traject=email_traject, by=coach_a)
        assert switched.kind == Traject.Kind.STANDARD
        assert switched.messages.count() == 1
        assert switched.events.filter(step="switch_to_live").exists()

    def test_the_coachee_is_told_by_email_in_their_language_once_without_content(
        self, email_traject, coachee, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):  # the coach hears it waits
            write(email_traject, coachee, "GEHEIM: ik wil liever praten")
        coachee.language = "en"
        coachee.save(update_fields=["language"])
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            email_traject_switch(traject=email_traject, by=coach_a)
        [mail] = mailoutbox
        html = mail.alternatives[0][0]
        assert mail.to == [coachee.email] and '<html lang="en">' in html
        assert f"/portaal/berichten/{email_traject.uuid}/" in mail.body
        assert "GEHEIM" not in mail.body and "GEHEIM" not in html
        with django_capture_on_commit_callbacks(execute=True):
            outbox.sweep()
        assert len(mailoutbox) == 1
        assert Send.objects.get(kind="switched_to_live").status == Send.Status.SENT

    def test_for_a_child_the_parents_are_told(
        self, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        parent = GuardianFactory(client__coach=coach_a, first_name="Ilse")
        GuardianFactory(client=parent.client, receives_reminders=False)
        traject = TrajectFactory(client=parent.client, kind=Traject.Kind.EMAIL)
        with django_capture_on_commit_callbacks(execute=True):
            email_traject_switch(traject=traject, by=coach_a)
        [mail] = mailoutbox
        assert mail.to == [parent.account.email] and "Beste Ilse" in mail.body

    def test_the_coachee_closes_the_conversation(self, email_traject, coachee):
        email_conversation_close(traject=email_traject, by=coachee, reason="Ik heb genoeg geholpen")
        email_traject.refresh_from_db()
        assert email_traject.status == Traject.Status.GESTOPT
        with pytest.raises(ValidationError, match="afgesloten"):
            write(email_traject, coachee)

    def test_quiet_conversations_are_offered_for_closing(self, email_traject, coachee, coach_a):
        Traject.objects.filter(pk=email_traject.pk).update(
            created_at=datetime.now(UTC) - timedelta(weeks=10)
        )
        write(email_traject, coachee, at=datetime.now(UTC) - timedelta(weeks=6))
        assert list(quiet_conversations(coach_a)) == [email_traject]
        write(email_traject, coachee)
        assert list(quiet_conversations(coach_a)) == []


@pytest.mark.django_db
class TestAttachments:
    def test_a_pdf_is_accepted_by_its_content(self, email_traject, coachee):
        upload = SimpleUploadedFile("verslag.txt", PDF)  # a misleading name: the content counts
        message = write(email_traject, coachee, attachment=upload)
        assert message.attachment_type == "application/pdf"
        # Stored under our own name with the extension of what it is, not of what it claims
        # (and encrypted: test_attachment_encryption.py).
        assert message.attachment.name.endswith(f"{message.uuid.hex}.pdf.fernet")
        assert message.attachment_name == "verslag.txt"

    def test_anything_else_is_refused_with_a_message(self, email_traject, coachee):
        upload = SimpleUploadedFile("foto.pdf", b"MZ\x90\x00 not a pdf")
        with pytest.raises(ValidationError, match="Stuur een PDF, een JPG of een PNG"):
            write(email_traject, coachee, attachment=upload)
        assert not Message.objects.exists()

    def test_too_big(self, email_traject, coachee, settings):
        settings.PRAKTIJK_EMAIL_MAX_ATTACHMENT_MB = 0
        with pytest.raises(ValidationError, match="te groot"):
            write(email_traject, coachee, attachment=SimpleUploadedFile("a.pdf", PDF))
