"""The participants' notice of a change in their group, through the outbox: one row per
participant, recorded by the service in its transaction, holding what the e-mail names (a
deleted group is gone by the time it is sent), and recorded once per change."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Send
from groups.models import BackstageGroup, Meeting
from groups.notify import NOBODY, group_notice_record
from groups.services.groups import group_delete, group_place_change
from groups.services.meetings import meeting_move
from groups.tests.test_seams import create, participant

NOTICE = Send.Kind.BACKSTAGE_GROUP_NOTICE


def deliver_waiting() -> dict[str, int]:
    return outbox.deliver(list(Send.objects.values_list("pk", flat=True)))


@pytest.mark.django_db
class TestGroupNotices:
    def test_a_deleted_groups_participants_hear_of_it_after_it_is_gone(self, coach_a):
        group = create(coach_a)
        ana, bo = participant(group, "Ana"), participant(group, "Bo")
        uuids = {str(m.appointment.uuid) for m in group.meetings.select_related("appointment")}

        class Rollback(Exception):
            pass

        with pytest.raises(Rollback), transaction.atomic():
            group_delete(group=group, by=coach_a)
            raise Rollback
        assert not Send.objects.exists() and BackstageGroup.objects.exists()
        group_delete(group=group, by=coach_a)
        assert not BackstageGroup.objects.exists() and not Meeting.objects.exists()
        rows = Send.objects.filter(kind=NOTICE).order_by("client_id")
        assert [(s.subject, s.client_id) for s in rows] == [
            (f"group:{group.uuid}:deleted:{m.client_id}", m.client_id) for m in (ana, bo)
        ]
        assert deliver_waiting()["sent"] == 2
        assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.test", "bo@example.test"]
        for message in mail.outbox:
            assert "De Backstage-groep Leidinggevenden Oost gaat niet door" in message.subject
            assert len(message.attachments) == 8
            assert all("METHOD:CANCEL" in a[1] for a in message.attachments)
            assert {a[1].split("UID:")[1].split("@")[0] for a in message.attachments} == uuids

    def test_each_change_once_a_new_place_twice_is_two(self, coach_a):
        group = create(coach_a)
        participant(group, "Ana")
        group_place_change(group=group, location="Zaal 3", video_link="")
        group_place_change(group=group, location="Zaal 4", video_link="")
        group_place_change(group=group, location="Zaal 4", video_link="")  # nothing changed
        assert Send.objects.filter(kind=NOTICE).count() == 2
        third = group.meetings.select_related("appointment", "group").get(number=3)
        meeting_move(meeting=third, start=third.appointment.start + timedelta(days=7))
        third.appointment.refresh_from_db()
        members = list(group.members.active().values_list("client", flat=True))
        group_notice_record("moved", group, members, [third])  # recorded again: a no-op
        assert Send.objects.filter(kind=NOTICE).count() == 3
        deliver_waiting()
        subjects = [m.subject for m in mail.outbox]
        assert sum("andere plek" in subject for subject in subjects) == 2
        assert sum("Verzet: bijeenkomst 3" in subject for subject in subjects) == 1

    def test_a_participant_erased_before_the_worker_came_is_skipped(self, coach_a):
        group = create(coach_a)
        ana = participant(group, "Ana")
        group_place_change(group=group, location="Zaal 3", video_link="")
        Client.objects.filter(pk=ana.client_id).update(erased_on=date.today())
        deliver_waiting()
        send = Send.objects.get(kind=NOTICE)
        assert (send.status, send.error) == (Send.Status.SKIPPED, NOBODY)
        assert not mail.outbox

    def test_the_meetings_as_they_were_when_it_changed(self, coach_a):
        group = create(coach_a)
        participant(group, "Ana")
        group_place_change(group=group, location="Zaal 3", video_link="")
        meetings = Send.objects.get(kind=NOTICE).context["meetings"]
        to_come = group.meetings.filter(appointment__start__gt=timezone.now())
        assert [m["number"] for m in meetings] == sorted(to_come.values_list("number", flat=True))
        assert {m["location"] for m in meetings} == {"Zaal 3"}
        assert {m["sequence"] for m in meetings} == {1}
