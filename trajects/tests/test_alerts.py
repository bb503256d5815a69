"""E-mail coaching alerts to the coach, through the outbox: near the deadline and overdue, each
once, never with the text, and not at all once the message is answered or the conversation
moved to live sessions."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Send
from trajects.alerts import NEAR_DUE, OVERDUE
from trajects.models import Message, Traject
from trajects.services.email_coaching import email_traject_switch, message_write
from trajects.tests.factories import TrajectFactory


@pytest.fixture
def conversation(coachee):
    return TrajectFactory(client=Client.objects.get(account=coachee), kind=Traject.Kind.EMAIL)


def write(conversation, coachee):
    return message_write(
        traject=conversation, by=coachee, body="GEHEIM: mijn vraag", from_coach=False
    )


def fall_due(kind):
    """Time passes: the alert of this kind is due now; the sweep hands it to a worker."""
    Send.objects.filter(kind=kind).update(due_at=timezone.now() - timedelta(seconds=10))


@pytest.mark.django_db
class TestAlerts:
    def test_near_due_and_overdue_each_once_without_the_text(
        self, conversation, coachee, coach_a, settings, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            message = write(conversation, coachee)  # the coach hears at once that it waits
        mail.outbox.clear()
        near, over = (Send.objects.get(kind=kind) for kind in (NEAR_DUE, OVERDUE))
        hours = settings.PRAKTIJK_EMAIL_NEAR_DUE_HOURS
        assert near.due_at == message.due_at - timedelta(hours=hours)
        assert over.due_at == message.due_at
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.sweep() == 0  # nothing due yet
        for kind, words in ((NEAR_DUE, "moet uiterlijk"), (OVERDUE, "had uiterlijk")):
            fall_due(kind)
            for _ in range(3):  # the sweep again and again: still one e-mail
                with django_capture_on_commit_callbacks(execute=True):
                    outbox.sweep()
            alert = mail.outbox[-1]
            assert alert.to == [coach_a.email] and words in alert.body
            assert "GEHEIM" not in alert.body and "GEHEIM" not in alert.alternatives[0][0]
            assert f"/coach/trajecten/{conversation.uuid}/" in alert.body
        assert len(mail.outbox) == 2
        assert set(Send.objects.values_list("status", flat=True)) == {Send.Status.SENT}

    def test_answered_or_switched_means_no_alert(
        self, conversation, coachee, coach_a, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):  # each side hears it waits
            write(conversation, coachee)
            message_write(traject=conversation, by=coach_a, body="Antwoord", from_coach=True)
        fall_due(NEAR_DUE)
        with django_capture_on_commit_callbacks(execute=True):
            outbox.sweep()
        with django_capture_on_commit_callbacks(execute=True):
            write(conversation, coachee)
        mail.outbox.clear()
        email_traject_switch(traject=conversation, by=coach_a)
        fall_due(OVERDUE)
        with django_capture_on_commit_callbacks(execute=True):
            outbox.sweep()
        # No alert to the coach; the coachee hears of the switch.
        assert [message.to for message in mail.outbox] == [[coachee.email]]
        assert Send.objects.filter(status=Send.Status.SKIPPED).count() == 3
        assert Message.objects.count() == 3
