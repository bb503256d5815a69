"""Who opened a dossier, per day and person (the traject page's list): counted from the
object's latest openings, so that its cost does not grow with a dossier's years of use."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from audit.models import OPENINGS_READ, AuditEvent
from coaching.tests.factories import CoachFactory

pytestmark = pytest.mark.django_db

DOSSIER = "00000000-0000-4000-8000-000000000007"


def opened(by, at: datetime, times: int, *, step=timedelta(minutes=1)) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(
            at=at + n * step,
            actor=by,
            actor_role="coach",
            action=AuditEvent.Action.VIEW,
            what=AuditEvent.What.DOSSIER,
            object_id=DOSSIER,
        )
        for n in range(times)
    )


def day(n: int) -> datetime:
    """Noon of a day n days ago, in the practice's time zone."""
    today = timezone.localdate()
    return datetime.combine(
        today - timedelta(days=n), datetime.min.time(), tzinfo=timezone.get_default_timezone()
    ) + timedelta(hours=12)


def test_a_line_per_person_a_day_the_newest_first():
    anna = CoachFactory(first_name="Anna", last_name="Coach")
    bert = CoachFactory(first_name="Bert", last_name="Boer")
    opened(anna, day(2), 3)
    opened(bert, day(2) + timedelta(hours=1), 1)
    opened(anna, day(0), 2)
    lines = AuditEvent.objects.openings_per_day(DOSSIER)
    assert [(line["who"], line["day"], line["count"]) for line in lines] == [
        ("Anna Coach", day(0).date(), 2),
        ("Bert Boer", day(2).date(), 1),
        ("Anna Coach", day(2).date(), 3),
    ]
    assert lines[0]["last"] == day(0) + timedelta(minutes=1)


def test_a_dossier_opened_more_often_than_is_read_leaves_out_the_oldest_day_read():
    anna = CoachFactory(first_name="Anna", last_name="Coach")
    opened(anna, day(3), 40)
    opened(anna, day(2), 30)
    half = OPENINGS_READ // 2
    opened(anna, day(1), OPENINGS_READ - half)
    opened(anna, day(0), half)
    lines = AuditEvent.objects.openings_per_day(DOSSIER)
    # Read: today's and all of yesterday's, which the reader cannot tell from part of it: left
    # out; the days before were not read at all.
    assert [(line["day"], line["count"]) for line in lines] == [(day(0).date(), half)]
    # Fewer than that from a later moment on: every day read is counted in full.
    later = AuditEvent.objects.openings_per_day(DOSSIER, since=day(0) + timedelta(hours=6))
    assert [(line["day"], line["count"]) for line in later] == [(day(0).date(), half)]


def test_an_erased_account_keeps_its_lines_without_a_name():
    """The log keeps the account's id when the account is gone (no foreign-key constraint):
    its openings are still counted, on a line of their own, without a name."""
    anna = CoachFactory(first_name="Anna", last_name="Coach")
    gone = CoachFactory(first_name="Weg", last_name="Coach")
    opened(anna, day(0), 2)
    opened(gone, day(0) + timedelta(minutes=30), 3)
    type(gone).objects.filter(pk=gone.pk).delete()
    lines = AuditEvent.objects.openings_per_day(DOSSIER)
    assert [(line["who"], line["count"]) for line in lines] == [(None, 3), ("Anna Coach", 2)]
