"""The stored months (reports.stored) against the figures counted afresh: after every kind of write
the report counts, through whatever path (a queryset's update(), a delete, a bulk insert), after
the clock passes a deadline, and with a write or a second report in the middle of a count."""

import copy
import threading
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Invoice, PackagePurchase, PackageUse
from coaching.models import Client, Send
from groups.models import Attendance, BackstageGroup, Meeting
from reports import stored, triggers
from reports.models import MonthFigures, Touched
from reports.periods import Period, month_shift
from reports.report import report
from reports.sections import SECTIONS, Scope
from reports.tasks import count_months
from reports.tests import practice
from reports.tests.practice import local
from sessions.models import Appointment
from trajects.models import Message, Traject

pytestmark = pytest.mark.django_db

PERIOD = Period(date(2026, 2, 1), date(2026, 5, 1))
S = Appointment.Status


@pytest.fixture
def world():
    return practice.build()


def everything(world, now=practice.NOW) -> dict:
    """Every section's months and total, for the practice and for each coach."""
    return {
        who: {
            result.key: (result.rows, result.total)
            for result in report(Scope(period=PERIOD, coach=world.get(who), now=now))
        }
        for who in ("practice", "anna", "bert")
    }


def afresh(world, now=practice.NOW) -> dict:
    MonthFigures.objects.all().delete()
    return everything(world, now)


def _moved_session(w):
    Appointment.objects.filter(coach=w["anna"], start=local(2026, 3, 12)).update(
        start=local(2026, 4, 21), end=local(2026, 4, 21, 11)
    )


def _website_client(w):
    client = practice._client(w["bert"], local(2026, 4, 12))
    Send.objects.create(subject="k", kind=Send.Kind.KENNISMAKING_RECEIVED, client=client)


def _closed_traject(w):
    Traject.objects.filter(coach=w["bert"], registered_on=date(2026, 3, 20)).update(
        status=Traject.Status.AFGEROND, closed_on=date(2026, 4, 25)
    )


def _answered(w):
    Message.objects.filter(answered_at__isnull=True, from_coach=False).update(
        answered_at=local(2026, 4, 2, 20)
    )


def _listed(w):
    meeting = Meeting.objects.get(number=2)
    members = Attendance.objects.filter(meeting__number=1).values_list("membership", flat=True)
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, membership_id=member, present=True) for member in members
    )


def _credited(w):
    invoice = Invoice.objects.get(coach=w["anna"], sequence=6)
    practice._invoice(
        w["anna"], invoice.client, 8, date(2026, 5, 4), Invoice.Status.SENT, "-40", "-8.40",
        credit_for=invoice,
    )  # fmt: skip


def _draft_sent(w):
    Invoice.objects.filter(status=Invoice.Status.DRAFT).update(
        status=Invoice.Status.SENT,
        year=2026,
        sequence=9,
        issued_on=date(2026, 4, 28),
        due_on=date(2026, 5, 12),
    )


def _strip_used(w):
    purchase = PackagePurchase.objects.get(client__coach=w["bert"])
    appointment = Appointment.objects.get(coach=w["bert"], status=S.NO_SHOW)
    PackageUse.objects.create(purchase=purchase, appointment=appointment)
    PackagePurchase.objects.filter(pk=purchase.pk).update(used=1)


def _meeting_of_a_moved_group_cancelled(w):
    """A meeting counts for its group's coach, not for its appointment's."""
    BackstageGroup.objects.update(coach=w["bert"])
    everything(w)  # Bert's months stored with the group in them
    Appointment.objects.filter(kind=Appointment.Kind.BACKSTAGE, status=S.COMPLETED).update(
        status=S.CANCELLED, cancelled_by="coach"
    )


# Each write changes what the report counts, by a path that no save() signal would see.
WRITES = {
    "a no-show marked held": lambda w: Appointment.objects.filter(status=S.NO_SHOW).update(
        status=S.COMPLETED
    ),
    "a session moved to another month": _moved_session,
    "a session deleted": lambda w: Appointment.objects.filter(
        coach=w["bert"], status=S.NO_SHOW
    ).delete(),
    "a session given to the other coach": lambda w: Appointment.objects.filter(
        coach=w["anna"], start=local(2026, 3, 20)
    ).update(coach=w["bert"]),
    "a client registered on the website": _website_client,
    "a client moved to the other coach": lambda w: Client.objects.filter(
        coach=w["anna"], created_at=local(2026, 3, 5)
    ).update(coach=w["bert"]),
    "a traject completed": _closed_traject,
    # Its trajects follow (a foreign key with ON UPDATE CASCADE): e-mail coaching moves along.
    "an e-mail client moved to the other coach": lambda w: Client.objects.filter(
        trajects__coach=w["anna"], trajects__kind=Traject.Kind.EMAIL
    ).update(coach=w["bert"]),
    "a message answered": _answered,
    "someone was there after all": lambda w: Attendance.objects.filter(present=False).update(
        present=True
    ),
    "a presence list recorded": _listed,
    "a meeting cancelled": lambda w: Appointment.objects.filter(
        kind=Appointment.Kind.BACKSTAGE, status=S.BOOKED
    ).update(status=S.CANCELLED, cancelled_by="coach"),
    "a group given to the other coach": lambda w: BackstageGroup.objects.update(coach=w["bert"]),
    "a meeting of a group given to the other coach cancelled": _meeting_of_a_moved_group_cancelled,
    "an invoice paid": lambda w: Invoice.objects.filter(sequence=3).update(
        status=Invoice.Status.PAID, paid_on=date(2026, 5, 1)
    ),
    "an invoice credited": _credited,
    "a draft sent": _draft_sent,
    "a strip used": _strip_used,
    "a card's use undone": lambda w: PackageUse.objects.filter(
        appointment__start=local(2026, 4, 9)
    ).delete(),
    "a card given longer": lambda w: PackagePurchase.objects.filter(
        valid_until=date(2026, 3, 31)
    ).update(valid_until=date(2026, 5, 31)),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_write_shows_in_the_next_report(world, write):
    before = everything(world)
    assert MonthFigures.objects.exists()
    assert everything(world) == before  # read from the stored months
    WRITES[write](world)
    assert Touched.objects.exists()
    after = everything(world)
    assert after != before, "the write changes a figure"
    assert after == afresh(world)


def test_a_report_read_again_counts_nothing(world):
    everything(world)
    stored_at = dict(MonthFigures.objects.values_list("pk", "counted_at"))
    assert len(stored_at) == 3 * 7 * PERIOD.count
    everything(world, practice.NOW + timedelta(minutes=5))
    assert dict(MonthFigures.objects.values_list("pk", "counted_at")) == stored_at
    # Past midnight only May's cards are counted again (a card may lapse at midnight): no
    # deadline or due date falls in between.
    everything(world, local(2026, 5, 11, 0, 1))
    again = {
        (row.section, row.month)
        for row in MonthFigures.objects.all()
        if row.counted_at != stored_at[row.pk]
    }
    assert again == {("strippenkaarten", date(2026, 5, 1))}


def test_a_mark_names_the_coach_and_the_local_month(world):
    """A session at 00:30 on 1 April is 22:30 on 31 March in UTC: both months are counted
    again, for its coach and the practice, not the other coach's."""
    everything(world)
    Touched.objects.all().delete()
    Appointment.objects.filter(start=local(2026, 4, 1, 0, 30)).update(status=S.NO_SHOW)
    marks = set(Touched.objects.values_list("coach", "day", "source"))  # the old row and the new
    assert marks == {(world["anna"].pk, date(2026, 3, 31), "appointment")}
    stored.apply_touched()
    months = [date(2026, 3, 1), date(2026, 4, 1)]
    left = set(
        MonthFigures.objects.filter(month__in=months).values_list("coach", "section", "month")
    )
    counted_again = {
        (coach, section, month)
        for coach in (0, world["anna"].pk)
        for section in ("sessies", "backstage", "strippenkaarten")
        for month in months
    }
    assert left.isdisjoint(counted_again)
    assert len(left) == 3 * 7 * 2 - len(counted_again)


def test_years_of_history_at_once(world):
    """A bulk import of twenty years of sessions for both coaches marks 480 months: one report
    applies them all (SQLite refuses a condition of a thousand terms)."""
    everything(world)
    Appointment.objects.bulk_create(
        Appointment(
            coach=world[name],
            kind=Appointment.Kind.SESSION,
            mode="practice",
            start=local(2000 + n // 12, n % 12 + 1, 15, 8 + index),
            end=local(2000 + n // 12, n % 12 + 1, 15, 9 + index),
            status=S.COMPLETED,
        )
        for n in range(240)
        for index, name in enumerate(("anna", "bert"))
    )
    assert Touched.objects.count() == 480
    assert everything(world) == afresh(world)


def test_months_counted_by_other_code_are_counted_again(world):
    """A release that changes a section's columns or query: what the old code stored (here a
    figure of a column that is gone) is counted again, not shown."""
    everything(world)
    MonthFigures.objects.filter(section="sessies").update(version="oud", figures={"gone": 1})
    assert everything(world) == afresh(world)


def test_an_update_the_report_does_not_read_marks_nothing(world):
    Touched.objects.all().delete()
    Appointment.objects.filter(coach=world["anna"]).update(location="Elders")
    Message.objects.filter(from_coach=True).update(body="anders")
    assert not Touched.objects.exists()


# --- The clock -------------------------------------------------------------------------------


def test_a_message_turns_late_when_its_deadline_passes(world):
    traject = Traject.objects.get(coach=world["bert"], kind=Traject.Kind.EMAIL)
    written = local(2026, 5, 9, 15)
    Message.objects.create(
        traject=traject, from_coach=False, body="vraag", created_at=written,
        due_at=written + timedelta(hours=24),
    )  # fmt: skip
    late = everything(world)["bert"]["email"][0][3][1]["open_late"]
    assert late == 0
    after = local(2026, 5, 10, 15, 1)
    later = everything(world, after)
    assert later["bert"]["email"][0][3][1]["open_late"] == 1
    assert later == afresh(world, after)


def test_an_invoice_turns_overdue_the_day_after_its_due_date(world):
    _draft_sent(world)  # issued 28 April, due 12 May
    on_time = everything(world, local(2026, 5, 12, 23, 59))
    april = on_time["anna"]["facturen"][0][2][1]
    late = everything(world, local(2026, 5, 13, 0, 1))
    assert late["anna"]["facturen"][0][2][1]["overdue"] == april["overdue"] + Decimal("999.00")
    assert late == afresh(world, local(2026, 5, 13, 0, 1))


def test_a_card_lapses_at_midnight(world):
    purchase = PackagePurchase.objects.get(client__coach=world["bert"])
    PackagePurchase.objects.filter(pk=purchase.pk).update(valid_until=date(2026, 5, 10))
    may = everything(world)["bert"]["strippenkaarten"][0][3][1]
    assert may["lapsed"] == 0
    after = local(2026, 5, 11, 0, 1)
    later = everything(world, after)
    assert later["bert"]["strippenkaarten"][0][3][1]["lapsed"] == 3
    assert later == afresh(world, after)


# --- The triggers ------------------------------------------------------------------------------


def test_every_table_the_report_counts_has_its_triggers():
    """SQLite drops a table's triggers when a migration rebuilds the table: a later migration
    that does must install them again (reports.triggers.install)."""
    expected = {
        (source.table, f"reports_{source.table}_{name}")
        for key, source in triggers.SOURCES.items()
        for name, *_rest in triggers.triggers(connection.vendor, key, source)
    }
    assert len(expected) == 35
    assert triggers.installed(connection) == expected


@pytest.mark.django_db(transaction=True)
def test_a_migration_that_rebuilds_a_counted_table(world):
    """PostgreSQL refuses to change a column a trigger reads; SQLite rebuilds the table, and
    cannot rename the rebuilt table while another table's trigger names it: the triggers are
    dropped before migrations run and installed again after (reports.triggers), and the stored
    months counted afresh."""
    everything(world)
    field = Traject._meta.get_field("status")
    wider = copy.deepcopy(field)
    wider.max_length = field.max_length + 1
    plan = [("a migration", False)]
    triggers.before_migrate(sender=None, using="default", plan=plan)
    with connection.schema_editor() as editor:
        editor.alter_field(Traject, field, wider)
        editor.alter_field(Traject, wider, field)
    triggers.after_migrate(sender=None, using="default", plan=plan)
    assert not MonthFigures.objects.exists()
    test_every_table_the_report_counts_has_its_triggers()
    Traject.objects.filter(registered_on=date(2026, 3, 20)).update(registered_on=date(2026, 3, 19))
    assert Touched.objects.exists()


# --- At the same moment ------------------------------------------------------------------------

ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's write lock keeps every write out while a report counts: no race to test",
)


@contextmanager
def paused_after_counting(counted: threading.Event, go_on: threading.Event):
    """reports.stored's aggregates run, then wait for `go_on` before the months are stored."""
    real = stored.together

    @contextmanager
    def together(calls):
        with real(calls) as result:
            counted.set()
            assert go_on.wait(30)
            yield result

    stored.together = together
    try:
        yield
    finally:
        stored.together = real


def _in_thread(target, outcomes: list):
    def run():
        try:
            outcomes.append(target())
        except Exception as error:  # noqa: BLE001 - the test reads it
            outcomes.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _waiting_for_the_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_a_write_while_a_report_counts_is_not_lost(world):
    scope = Scope(period=PERIOD, coach=None, now=practice.NOW)
    counted, go_on, outcomes = threading.Event(), threading.Event(), []
    with paused_after_counting(counted, go_on):
        first = _in_thread(lambda: report(scope), outcomes)
        assert counted.wait(30)
        Appointment.objects.filter(status=S.NO_SHOW).update(status=S.COMPLETED)  # commits
        go_on.set()
        first.join(30)
    assert not isinstance(outcomes[0], Exception), outcomes
    # The first report stored what it counted before the write; the write's mark is still
    # there, so the next report counts those months again.
    assert everything(world) == afresh(world)


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_a_second_report_waits_for_the_first_to_store_its_count(world):
    """Without the lock the second report would apply the write's mark and count the months
    afresh, and then the first would store its older count over them, with no mark left."""
    scope = Scope(period=PERIOD, coach=None, now=practice.NOW)
    counted, go_on, outcomes = threading.Event(), threading.Event(), []
    with paused_after_counting(counted, go_on):
        first = _in_thread(lambda: report(scope), outcomes)
        assert counted.wait(30)
        Appointment.objects.filter(status=S.NO_SHOW).update(status=S.COMPLETED)
        second = _in_thread(lambda: report(scope), outcomes)
        deadline = threading.Event()
        for _attempt in range(3000):  # until the second report waits for the lock (or is done)
            if _waiting_for_the_lock() or not second.is_alive():
                break
            deadline.wait(0.01)
        go_on.set()
        first.join(30)
        second.join(30)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert everything(world) == afresh(world)


# --- At night ----------------------------------------------------------------------------------


def test_the_nightly_task_counts_the_last_twelve_months_of_everyone(world):
    assert count_months.delay().get() == 3  # the practice, Anna and Bert
    assert MonthFigures.objects.count() == 3 * 7 * 12
    this_month = timezone.localdate().replace(day=1)
    period = Period(month_shift(this_month, -11), this_month)
    with CaptureQueriesContext(connection) as queries:
        stored.figures(Scope(period=period, coach=world["anna"]), list(SECTIONS))
    assert not [q for q in queries if "GROUP BY" in q["sql"]], "nothing counted again"
