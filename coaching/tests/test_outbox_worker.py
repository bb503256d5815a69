"""The outbox's rule, "every e-mail is sent, and at most the message in flight twice", with real
processes: Celery workers killed with SIGKILL while they send reminders or booking confirmations
(the sweep takes their claims over), a dead worker's rows sent within 2 minutes of a worker
running again (also when the worker that took them over is killed too), and two beats sweeping
at once (their finders race for the same new rows). Real SMTP: the aiosmtpd sink counts the
connections and the messages that arrived twice (the same Message-ID).

The broker is the configured one (the embedded SQLite broker by default, Redis in CI), the
database the test database (SQLite file by default, PostgreSQL in CI). FAULT_SEED picks another
sequence of kills; RECOVERY_DEFAULTS=1 runs the recovery test with the production defaults
(claims stale after 60 s, a sweep every 20 s) instead of short test intervals."""

import os
import random
import re
import signal
import time
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from unittest.mock import patch

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Send
from coaching.tests.factories import CoachFactory
from coaching.tests.smtp_sink import Sink, start_sink
from coaching.tests.workers import (
    children,
    connected_to,
    kill_9,
    new_queue,
    purge,
    start_beat,
    start_worker,
    stop_all,
    tasks_to,
    wait_for,
)
from sessions.models import Appointment
from sessions.reminders import FIRST, find_reminders
from sessions.services.booking import appointment_book
from trajects.tests.factories import TrajectFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("FAULT_SEED", "20260611"))
CHUNK = 10  # rows per task and per SMTP connection
# Seconds after which a claim is taken to be of a dead worker: well above the time a chunk
# takes. (The delivery task takes up no message after half of it and is killed at three
# quarters, coaching/settings.py: a live worker's claim is never taken over.)
STALE = 5
SWEEP_SENT = "Sending due task outbox-sweep"  # in beat's log


@pytest.fixture
def eva(coachee):
    return Client.objects.get(account=coachee)


@pytest.fixture
def sink():
    sink, controller = start_sink()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


@pytest.fixture
def queue():
    name = new_queue()
    yield name
    purge(name)  # the no-op tasks still waiting


def book_many(
    coach, client, starts, *, booked_before=timedelta(days=3), minutes=3, confirmations=False
):
    """Appointments of `client` at `starts`, booked some days ago (so their reminders are due
    once the lead time before them has begun). With `confirmations` each booking writes its
    confirmation's outbox row, in its transaction (as the coach's form does), left pending for
    the test's worker: not handed over from this process."""
    traject = TrajectFactory(client=client)
    with patch("coaching.outbox.enqueue"):
        ids = [
            appointment_book(
                coach=coach,
                start=start,
                end=start + timedelta(minutes=minutes),
                kind=Appointment.Kind.SESSION,
                mode="practice",
                by=coach,
                traject=traject,
                location="Praktijk, Kerkstraat 1",
                notify=confirmations,
            ).pk
            for start in starts
        ]
    Appointment.objects.filter(pk__in=ids).update(updated_at=F("start") - booked_before)
    return ids


def message_ids(sends) -> set[str]:
    """The Message-ID each row's (one) message carries, however often it is sent."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "praktijk"
    return {f"<send.{send.pk}.0.{int(send.created_at.timestamp())}@{domain}>" for send in sends}


def mail_env(port: int, **extra: str) -> dict[str, str]:
    return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "false", **extra}


def statuses() -> dict[str, int]:
    return dict(Send.objects.values_list("status").annotate(n=Count("pk")).order_by())


def all_sent(expected: int) -> bool:
    return Send.objects.filter(status=Send.Status.SENT).count() == expected


def wait_quiet(sink: Sink, seconds: float = 1.5, limit: float = 15) -> None:
    """Until no message has arrived for `seconds` (a late resend would still be counted)."""
    deadline = time.monotonic() + limit
    count, since = sink.count, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if sink.count != count:
            count, since = sink.count, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return


def hand_overs(log_text: str) -> tuple[int, list[tuple[int, int]]]:
    """From a worker's log: how many rows its sweeps handed over, and (sent, not ours) of each
    delivery task."""
    handed = re.findall(r"sweep_sends\[\S+\] succeeded in \S+: (\d+)", log_text)
    delivered = re.findall(r"'sent': (\d+), .*?'not_ours': (\d+)", log_text)
    return sum(map(int, handed)), [(int(sent), int(other)) for sent, other in delivered]


def task_errors(log_text: str) -> list[str]:
    """The lines of a worker's log that say a task raised an exception."""
    return [line for line in log_text.splitlines() if "raised unexpected" in line]


def balanced(log_text: str, rows: int) -> bool:
    """Every row handed over has been taken up by a task (sent, or a no-op)."""
    handed, delivered = hand_overs(log_text)
    return sum(sent + other for sent, other in delivered) == handed and handed >= rows


def setup_name() -> str:
    broker = settings.CELERY_BROKER_URL.partition("://")[0]
    return f"broker={broker} db={connection.vendor}"


class Worker:
    """A prefork worker that can be killed and started again, each run with a log of its own."""

    def __init__(
        self,
        queue: str,
        tmp_path: Path,
        env: dict[str, str],
        concurrency: int = 2,
        options: tuple[str, ...] = (),
    ):
        self.queue, self.tmp_path, self.env = queue, tmp_path, env
        self.concurrency, self.options = concurrency, options
        self.logs: list[Path] = []
        self.process = None

    def launch(self) -> None:
        log = self.tmp_path / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        self.process = start_worker(
            queue=self.queue,
            log=log,
            pool="prefork",
            concurrency=self.concurrency,
            env=self.env,
            options=self.options,
        )

    def wait_ready(self) -> None:
        log = self.logs[-1]
        wait_for(lambda: " ready." in log.read_text(), self.process, log, 40, "the worker to start")

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def log_text(self) -> str:
        return "".join(log.read_text() for log in self.logs)


def record_mails(kind: str, coach, client, count: int) -> None:
    """`count` rows of `kind` to send, pending: reminders (appointments within the next 24 hours,
    so all their reminders are due) or booking confirmations (of appointments days ahead, so
    that no reminder is due)."""
    now = timezone.now()
    if kind == FIRST:
        # A minute each, 2 minutes apart: up to 700 within the next 24 hours.
        starts = [now + timedelta(minutes=30 + 2 * n) for n in range(count)]
        book_many(coach, client, starts, minutes=1)
        outbox.outbox_record(find_reminders(timezone.now()))
    else:
        starts = [now + timedelta(days=3, minutes=4 * n) for n in range(count)]
        book_many(coach, client, starts, booked_before=timedelta(0), confirmations=True)
        subjects = set(Send.objects.values_list("subject", flat=True))
        assert subjects == {
            f"appointment:{pk}:booked" for pk in Appointment.objects.values_list("pk", flat=True)
        }
    assert Send.objects.filter(kind=kind, status=Send.Status.PENDING).count() == count
    assert Send.objects.count() == count


@pytest.mark.parametrize(
    "kind", [FIRST, Send.Kind.APPOINTMENT_BOOKED], ids=["reminders", "booking-confirmations"]
)
def test_killed_with_sigkill_while_sending_every_mail_arrives_at_most_once_more_per_kill(
    coach_a, eva, sink, queue, tmp_path, settings, kind
):
    """Kill -9 a pool process in the middle of a chunk (its task is requeued by the main process,
    which finds the rows claimed: a no-op), now and then the whole worker (its tasks are lost
    with the embedded broker, or wait out Redis's visibility timeout), and sweep: the stale
    claims are taken over until every row is sent. A row is marked sent as soon as the server
    accepted it (PRAKTIJK_SEND_MARK_EVERY=1), so a kill resends at most the message in flight,
    with the same Message-ID. Reminders (recorded by the sweep's finder) and booking
    confirmations (recorded by the booking, in its transaction) alike."""
    sink, port = sink
    settings.PRAKTIJK_SEND_CHUNK = CHUNK
    settings.PRAKTIJK_SEND_CLAIM_STALE_SECONDS = STALE
    count = 600
    record_mails(kind, coach_a, eva, count)
    expected = message_ids(Send.objects.all())

    rng = random.Random(SEED)
    planned = rng.randint(10, 15)
    whole = set(rng.sample(range(1, planned), 2))  # these kills take the whole worker
    print(f"\nseed {SEED}: {planned} kills planned, the whole worker at kills {sorted(whole)}")
    worker = Worker(
        queue,
        tmp_path,
        mail_env(
            port,
            PRAKTIJK_SEND_CHUNK=str(CHUNK),
            PRAKTIJK_SEND_CLAIM_STALE_SECONDS=str(STALE),
            PRAKTIJK_SEND_MARK_EVERY="1",
        ),
        # The task of a killed pool process stays unacknowledged for worker_lost_wait (10 s)
        # before it is requeued: with a prefetch of 1 per process, two kills in a row would
        # stop the worker for that long.
        options=("--prefetch-multiplier=10",),
    )
    killed = {"pool": 0, "worker": 0, "processes": 0}
    last_sweep = 0.0

    def sweep_now_and_then() -> None:
        nonlocal last_sweep
        if time.monotonic() - last_sweep >= 1:
            outbox.sweep()
            last_sweep = time.monotonic()

    def sending_process(seconds: float = 20) -> int | None:
        """A pool process with a connection open to the sink, i.e. in the middle of a chunk."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not all_sent(count):
            sweep_now_and_then()
            if worker.process.poll() is not None:
                pytest.fail(f"The worker stopped:\n{worker.log_text()[-5000:]}")
            busy = [pid for pid in children(worker.process.pid) if connected_to(pid, port)]
            if busy:
                return rng.choice(busy)
            time.sleep(0.01)
        return None

    # A slow relay while the kills go on: 50 ms a message, two processes, ~40 messages a second,
    # and a kill takes ~20 of them (3 to 15 sent after it, up to 0.2 s before it), so the 600
    # outlast the 15 kills at most planned however fast this machine sends (at ~2 ms a message
    # they were all sent after 6 kills once). After the kills, full speed.
    sink.delay = 0.05
    try:
        worker.start()
        began = time.monotonic()
        with tasks_to(queue):
            outbox.sweep()  # hands every row over, in chunks
            last_sweep = time.monotonic()
            for index in range(planned):
                target = sending_process()
                if target is None:
                    break  # all sent already
                time.sleep(rng.uniform(0, 0.2))  # at the first message, or further on
                if index in whole:
                    killed["processes"] += len(children(worker.process.pid))
                    kill_9(worker.process)
                    killed["worker"] += 1
                    worker.launch()  # sweeping on while it starts: the stale claims wait
                else:
                    try:
                        os.kill(target, signal.SIGKILL)
                    except ProcessLookupError:
                        continue
                    killed["pool"] += 1
                    killed["processes"] += 1
                # Let it send some before the next kill.
                progress = sink.count + rng.randint(3, 15)
                deadline = time.monotonic() + 20
                while sink.count < progress and not all_sent(count):
                    if time.monotonic() > deadline:
                        break
                    sweep_now_and_then()
                    time.sleep(0.02)
            sink.delay = 0
            deadline = time.monotonic() + 45
            while not all_sent(count):
                if time.monotonic() > deadline:
                    pytest.fail(f"Not all sent: {statuses()}\n{worker.log_text()[-5000:]}")
                sweep_now_and_then()
                time.sleep(0.1)
        seconds = time.monotonic() - began
        wait_quiet(sink)
    finally:
        # Everything is sent: no need to wait out the killed processes' lost-task timeout.
        stop_all([worker.process], timeout=5)
    kills = killed["pool"] + killed["worker"]
    log = worker.log_text()
    duplicates = sink.duplicates()
    print(
        f"FAULT-INJECTION: {setup_name()} kind={kind} seed={SEED} kills={kills} "
        f"(pool process {killed['pool']}, whole worker {killed['worker']}; "
        f"processes killed {killed['processes']}) messages={count} received={sink.count} "
        f"duplicates={duplicates} connections={sink.connections} seconds={seconds:.1f} "
        f"task-errors={len(task_errors(log))}"
    )
    assert kills >= 8, "the sends ended before enough kills: make the run longer"
    assert statuses() == {Send.Status.SENT: count}
    assert sink.unique_ids() == expected
    assert {to for received in sink.messages for to in received.to} == {eva.account.email}
    # At most the message in flight of each process killed (a whole worker: each of its pool
    # processes) is sent again.
    slowest = max(map(float, re.findall(r"deliver_sends\[\S+\] succeeded in ([\d.]+)s", log)))
    assert duplicates <= killed["processes"], f"slowest chunk {slowest:.1f} s (stale: {STALE} s)"


RECOVERY_DEFAULTS = os.environ.get("RECOVERY_DEFAULTS") == "1"
RECOVERY_LIMIT = 120  # seconds from a worker running again to the last row sent


def pool_sending(worker: Worker, port: int) -> bool:
    """A pool process of `worker` has a connection open to the sink: in the middle of a chunk."""
    return any(connected_to(pid, port) for pid in children(worker.process.pid))


def taking_over(worker: Worker, port: int, rows: set[int], since) -> bool:
    """The worker sends, and has claimed some of `rows` (left claimed by a dead one) again."""
    again = Send.objects.filter(pk__in=rows, status=Send.Status.CLAIMED, claimed_at__gt=since)
    return pool_sending(worker, port) and again.exists()


def wait_until(condition, worker: Worker, seconds: float, what: str, poll: float = 0.005) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if worker.process.poll() is not None:
            pytest.fail(f"The worker stopped:\n{worker.log_text()[-5000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {seconds} s for {what}: {statuses()}\n{worker.log_text()[-3000:]}")
        time.sleep(poll)


@pytest.mark.parametrize("takeover_kills", [0, 1], ids=["killed", "killed-again-in-the-takeover"])
def test_a_dead_workers_mail_goes_out_within_two_minutes_of_a_worker_running_again(
    coach_a, eva, sink, queue, tmp_path, takeover_kills
):
    """A worker killed with SIGKILL in the middle of sending 500 reminders leaves rows claimed
    (and tasks lost with it); a new worker is started at once. With a real beat sweeping, every
    row is sent within 2 minutes of the new worker running: a claim is stale after
    PRAKTIJK_SEND_CLAIM_STALE_SECONDS (60 s; no task runs that long: its time limits lie below)
    and the sweep (every 20 s) hands it over. Killed again while taking the rows over (the new
    claims and hand-overs start the clock again: with the old 300 s and a sweep a minute that
    was 11 minutes and more), the next worker still has them all out within 2 minutes.

    The test runs with short intervals; RECOVERY_DEFAULTS=1 with the production defaults."""
    sink, port = sink
    count = 500
    record_mails(FIRST, coach_a, eva, count)
    expected = message_ids(Send.objects.all())
    # The production defaults, or short ones: claims stale after 10 s (a task takes up messages
    # for 3.3 s, its limits 5 and 7.5 s), a sweep every second.
    intervals = {} if RECOVERY_DEFAULTS else {"PRAKTIJK_SEND_CLAIM_STALE_SECONDS": "10"}
    sweep = {} if RECOVERY_DEFAULTS else {"PRAKTIJK_SWEEP_SECONDS": "1"}
    env = mail_env(port, **intervals)
    worker = Worker(queue, tmp_path, env)
    beat_log = tmp_path / "beat.log"
    beat = start_beat(queue=queue, log=beat_log, schedule=tmp_path / "beat", env={**env, **sweep})
    killed = {"processes": 0}
    phases = []

    def kill_whole_worker(why: str) -> None:
        killed["processes"] += len(children(worker.process.pid))
        kill_9(worker.process)
        phases.append(f"{why}: {sink.count} received, {statuses()}")

    try:
        worker.start()
        # The beat's first sweep hands the rows over; the worker is killed in the middle.
        wait_until(
            lambda: sink.count >= 20 and pool_sending(worker, port), worker, 60, "the sending"
        )
        killed_at = timezone.now()
        kill_whole_worker("first worker killed")
        left_claimed = set(
            Send.objects.filter(status=Send.Status.CLAIMED).values_list("pk", flat=True)
        )
        assert left_claimed and Send.objects.exclude(status=Send.Status.SENT).count() > 100
        for _kill in range(takeover_kills):
            worker.start()
            # Killed while it sends the rows it took over from the dead one.
            wait_until(
                lambda rows=left_claimed, since=killed_at: taking_over(worker, port, rows, since),
                worker,
                RECOVERY_LIMIT,
                "the takeover",
            )
            killed_at = timezone.now()
            kill_whole_worker("killed in the takeover")
            left_claimed = set(
                Send.objects.filter(status=Send.Status.CLAIMED).values_list("pk", flat=True)
            )
        worker.start()
        running = time.monotonic()
        wait_until(lambda: all_sent(count), worker, RECOVERY_LIMIT, "every row sent", poll=0.1)
        seconds = time.monotonic() - running
        wait_quiet(sink)
        assert beat.poll() is None, beat_log.read_text()
    finally:
        stop_all([beat, worker.process], timeout=5)
    duplicates = sink.duplicates()
    defaults = "production defaults" if RECOVERY_DEFAULTS else "test intervals"
    print(
        f"\nRECOVERY: {setup_name()} {defaults} (stale "
        f"{'60' if RECOVERY_DEFAULTS else '10'} s, sweep every {'20' if RECOVERY_DEFAULTS else '1'}"
        f" s) takeover-kills={takeover_kills} rows={count} received={sink.count} "
        f"duplicates={duplicates} seconds-after-the-last-worker-ran={seconds:.1f}\n  "
        + "\n  ".join(phases)
    )
    assert seconds <= RECOVERY_LIMIT
    assert statuses() == {Send.Status.SENT: count}
    assert sink.unique_ids() == expected
    assert duplicates <= killed["processes"]


def test_two_beats_at_once_send_each_reminder_once(coach_a, eva, sink, queue, tmp_path):
    """Two beats (a second one started by mistake, or during a deploy) sweep every second: both
    finders record the same new rows (one row each, by the unique constraint), both sweeps may
    hand them over, the claim lets one task send each; the other finds it claimed or done."""
    sink, port = sink
    due, later = 50, 6
    now = timezone.now()
    book_many(coach_a, eva, [now + timedelta(minutes=30 + 4 * index) for index in range(due)])
    worker = Worker(
        queue,
        tmp_path,
        mail_env(port, PRAKTIJK_SEND_CHUNK="5"),
        options=("--prefetch-multiplier=10",),
    )
    beat_logs = [tmp_path / "beat-a.log", tmp_path / "beat-b.log"]
    beats = []
    try:
        for log in beat_logs:
            beats.append(
                start_beat(
                    queue=queue,
                    log=log,
                    schedule=tmp_path / log.stem,
                    env={"PRAKTIJK_SWEEP_SECONDS": "1"},
                )
            )
        # The beats come up first (as after a restart of the machine): the worker finds sweeps
        # of both waiting and runs two at once, on the same due rows.
        for beat, log in zip(beats, beat_logs, strict=True):
            wait_for(lambda log=log: SWEEP_SENT in log.read_text(), beat, log, 40, "a sweep")
        began = time.monotonic()
        worker.start()
        # A few fall due in a few seconds, while both beats sweep: their finders race for them.
        # (Each with a coach of its own: at one time a coach has one appointment.)
        soon = timezone.now() + timedelta(hours=24, seconds=3)
        for index in range(later):
            book_many(CoachFactory(), eva, [soon + timedelta(seconds=index % 3)])
        wait_for(
            lambda: all_sent(due + later) and Send.objects.count() == due + later,
            worker.process,
            worker.logs[0],
            40,
            "every reminder to be sent",
        )
        seconds = time.monotonic() - began
        time.sleep(2)  # some more sweeps of both beats: finding them again is a no-op
        wait_for(
            lambda: task_errors(worker.log_text()) or balanced(worker.log_text(), due + later),
            worker.process,
            worker.logs[0],
            20,
            "the worker to run every task handed over",
        )
        assert not task_errors(worker.log_text()), "\n".join(task_errors(worker.log_text()))
        wait_quiet(sink)
        for beat, log in zip(beats, beat_logs, strict=True):
            assert beat.poll() is None, log.read_text()
    finally:
        stop_all([*beats, worker.process], timeout=5)
    sent_at = [
        [line[1:24] for line in log.read_text().splitlines() if SWEEP_SENT in line]
        for log in beat_logs
    ]
    handed, delivered = hand_overs(worker.log_text())
    no_ops = sum(not_ours for _sent, not_ours in delivered)
    rows = due + later
    print(
        f"\nTWO-BEATS: {setup_name()} reminders={rows} received={sink.count} "
        f"duplicates={sink.duplicates()} connections={sink.connections} "
        f"sweeps={len(sent_at[0])}+{len(sent_at[1])} handed-over={handed} "
        f"handed-over-twice={handed - rows} no-ops={no_ops} seconds={seconds:.1f}"
    )
    assert statuses() == {Send.Status.SENT: rows}
    assert sink.counts() == dict.fromkeys(message_ids(Send.objects.all()), 1)
    # Every row was sent by one task; every row handed over a second time (two sweeps both saw
    # it not handed over yet: the beats overlapped) was a no-op for the task that got it.
    assert sum(sent for sent, _not_ours in delivered) == rows
    assert no_ops == handed - rows
    # Both beats swept, at the same time: each sent sweeps before and after the other's first.
    # (That two sweeps hand over the same rows is likely, with chunks of 5, but not certain:
    # handed-over-twice says how often it happened.)
    assert all(len(times) >= 3 for times in sent_at), sent_at
    assert sent_at[0][0] < sent_at[1][-1] and sent_at[1][0] < sent_at[0][-1], sent_at
