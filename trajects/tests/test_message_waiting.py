"""A message in an e-mail coaching conversation: the other side hears that one waits, through
the outbox (recorded with the message, in its transaction), with a link and never the text."""

import pytest
from django.core import mail
from django.db import transaction

from coaching import outbox
from coaching.models import Client, Send
from coaching.tests.factories import GuardianFactory
from trajects.models import Message, Traject
from trajects.services.email_coaching import MESSAGE_GONE, message_write
from trajects.tests.factories import TrajectFactory

WAITING = Send.Kind.MESSAGE_WAITING


@pytest.fixture
def conversation(coachee):
    return TrajectFactory(client=Client.objects.get(account=coachee), kind=Traject.Kind.EMAIL)


def write(traject, by, *, from_coach=False) -> Message:
    return message_write(traject=traject, by=by, body="GEHEIM: de tekst", from_coach=from_coach)


@pytest.mark.django_db
class TestMessageWaiting:
    def test_recorded_with_the_message_and_not_when_it_is_rolled_back(self, conversation, coachee):
        class Rollback(Exception):
            pass

        with pytest.raises(Rollback), transaction.atomic():
            write(conversation, coachee)
            raise Rollback
        assert not Send.objects.filter(kind=WAITING).exists()
        message = write(conversation, coachee)
        send = Send.objects.get(kind=WAITING)
        assert (send.subject, send.client) == (f"message:{message.pk}:waiting", conversation.client)

    def test_the_coach_hears_of_the_coachees_message_with_a_link_not_the_text(
        self, conversation, coachee, coach_a, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            write(conversation, coachee)
        (notice,) = mail.outbox
        assert notice.to == [coach_a.email]
        assert f"http://testserver/coach/trajecten/{conversation.uuid}/" in notice.body
        assert "GEHEIM" not in notice.body and "GEHEIM" not in notice.alternatives[0][0]

    def test_the_coachee_hears_of_the_coachs_in_their_language(
        self, conversation, coachee, coach_a, django_capture_on_commit_callbacks
    ):
        coachee.language = "en"
        coachee.save(update_fields=["language"])
        with django_capture_on_commit_callbacks(execute=True):
            write(conversation, coach_a, from_coach=True)
        (notice,) = mail.outbox
        assert notice.to == [coachee.email] and '<html lang="en">' in notice.alternatives[0][0]
        assert f"http://testserver/portaal/berichten/{conversation.uuid}/" in notice.body

    def test_for_a_child_the_parents_who_act_in_the_portal(
        self, coach_a, django_capture_on_commit_callbacks
    ):
        parent = GuardianFactory(client__coach=coach_a)
        GuardianFactory(client=parent.client, may_act_in_portal=False)
        traject = TrajectFactory(client=parent.client, kind=Traject.Kind.EMAIL)
        with django_capture_on_commit_callbacks(execute=True):
            write(traject, coach_a, from_coach=True)
        assert [m.to for m in mail.outbox] == [[parent.account.email]]

    def test_a_message_gone_before_the_worker_came_is_skipped(self, conversation, coachee):
        message = write(conversation, coachee)
        Message.objects.filter(pk=message.pk).delete()
        send = Send.objects.get(kind=WAITING)
        assert outbox.deliver([send.pk])["skipped"] == 1
        send.refresh_from_db()
        assert (send.status, send.error) == (Send.Status.SKIPPED, MESSAGE_GONE)
        assert not mail.outbox
