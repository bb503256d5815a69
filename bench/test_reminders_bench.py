"""`make bench`: 10,000 reminders due at once, through Redis and a real worker into an SMTP sink.

One real Celery worker (prefork, concurrency 2) on a queue of its own, on the Redis broker and
the test database, sending to an aiosmtpd sink in this process (coaching/tests/smtp_sink.py).
In the same run, in turn:

- A, first half: 5,000 `coaching.tasks.noop` tasks, from the first `delay()` until the worker
  has logged "succeeded" for every one of the task ids sent. That is exact: a task logs that
  line once, after it ran (the ack of acks_late follows at once); Redis confirms it at the end
  (the queue is empty and no message waits unacknowledged).
- B: 10,000 reminders, from the start of `outbox.sweep()` (the finders, the record of 10,000
  rows, the hand-over in chunks of PRAKTIJK_SEND_CHUNK) until the sink has received 10,000
  messages and all 10,000 rows are `sent`.
- A, second half: 5,000 more. A is the sum of the halves, 10,000 no-op tasks; the machine's
  drift during the run shows in the difference of the halves.

Also the CPU time each side used in each phase (the worker's processes, this process with the
sink, Redis), read from /proc: on a machine of 2 cores the sink and the worker share them.
Written to bench/REMINDERS.md with the SMTP connections, the duplicates (the same Message-ID
twice), the sweep's own figures, the target (B / A ≤ TARGET) and whether it holds, and where a
message's worker time goes (PROFILE). It fails when a message is lost or sent twice, when a
chunk used more than one SMTP connection, or when the target does not hold. Needs
CELERY_BROKER_URL=redis://… (`make bench` sets it); not part of `make test`: the figures depend
on the machine."""

import os
import platform
import re
import resource
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import celery
import django
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Role, Send, User
from coaching.tasks import noop
from coaching.tests.factories import CoachFactory
from coaching.tests.smtp_sink import start_sink
from coaching.tests.workers import new_queue, start_worker, stop, tasks_to
from sessions.models import Appointment
from trajects.models import Traject

RESULTS = Path(__file__).with_name("REMINDERS.md")
N = 10_000
COACHES = 50  # 200 appointments each, 5 minutes apart: none overlaps on a coach's calendar
SLOT = timedelta(minutes=5)
NOOPS = (N // 2, N - N // 2)  # before and after the reminders
CONCURRENCY = 2
PHASE_SECONDS = 600  # a phase that takes longer than this fails: something is stuck
TARGET = 1.5  # B / A: a reminder costs at most this many no-op tasks, in the same run

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

SUCCEEDED = re.compile(
    r"Task coaching\.tasks\.(?P<task>\w+)\[(?P<id>[0-9a-f-]+)\] succeeded in "
    r"(?P<seconds>[0-9.e-]+)s: (?P<result>.*)$"
)


class WorkerLog:
    """The worker's log, read as it grows: the "succeeded" lines, by task and task id."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.partial = ""
        self.succeeded: dict[str, dict[str, float]] = {}  # task: {id: seconds in the task}

    def read(self) -> None:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            data = log.read()
        self.offset += len(data)
        lines = (self.partial + data.decode(errors="replace")).split("\n")
        self.partial = lines.pop()
        for line in lines:
            if match := SUCCEEDED.search(line):
                self.succeeded.setdefault(match["task"], {})[match["id"]] = float(match["seconds"])

    def of(self, task: str) -> dict[str, float]:
        return self.succeeded.get(task, {})

    def tail(self) -> str:
        return self.path.read_text(errors="replace")[-5000:]


def wait(condition, worker, log: WorkerLog, what: str, seconds: float = PHASE_SECONDS) -> float:
    """Poll every 20 ms until the condition holds; returns that moment (perf_counter)."""
    deadline = time.perf_counter() + seconds
    while True:
        log.read()
        if condition():
            return time.perf_counter()
        if worker.poll() is not None:
            pytest.fail(f"The worker stopped (exit {worker.returncode}):\n{log.tail()}")
        if time.perf_counter() > deadline:
            pytest.fail(f"Waited {seconds} s for {what}:\n{log.tail()}")
        time.sleep(0.02)


class CPU:
    """CPU seconds used so far by the worker (its main process and pool), by this process (the
    sink's thread, the sweep, the publishing of the noops) and by the Redis server."""

    def __init__(self, worker, broker: redis.Redis):
        self.worker, self.broker = worker, broker

    def now(self) -> dict[str, float]:
        pids = [self.worker.pid, *_children(self.worker.pid)]
        usage = resource.getrusage(resource.RUSAGE_SELF)
        info = self.broker.info("cpu")
        return {
            "worker": sum(_cpu_seconds(pid) for pid in pids),
            "bench": usage.ru_utime + usage.ru_stime,
            "redis": info["used_cpu_user"] + info["used_cpu_sys"],
        }

    def since(self, before: dict[str, float]) -> dict[str, float]:
        return {name: seconds - before[name] for name, seconds in self.now().items()}


def _children(pid: int) -> list[int]:
    found = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in path.read_text().split()]
        except OSError:
            continue
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def practice(now) -> None:
    """N booked appointments starting within the next 24 hours, booked three days before, each
    with a traject of its own adult client: half of them with a portal account (a quarter of
    those in English), half with only an e-mail address. One reminder each, to one person."""
    coaches = [CoachFactory(email=f"bench-coach{n}@praktijk.test") for n in range(COACHES)]
    accounts = User.objects.bulk_create(
        User(
            email=f"bench-account{n}@praktijk.test",
            first_name=f"Eva{n}",
            last_name="Bench",
            role=Role.CLIENT,
            language="en" if n % 4 == 3 else "nl",
            password="!",  # unusable
        )
        for n in range(N // 2)
    )
    clients = Client.objects.bulk_create(
        Client(
            coach=coaches[n % COACHES],
            first_name=f"Cliënt{n}",
            last_name="Bench",
            date_of_birth=date(1985, 6, 1),
            account=accounts[n // 2] if n % 2 == 0 else None,
            email="" if n % 2 == 0 else f"bench-client{n}@praktijk.test",
        )
        for n in range(N)
    )
    trajects = Traject.objects.bulk_create(
        Traject(client=client, title="faalangst", registered_on=date(2026, 1, 5))
        for client in clients
    )
    first = now + timedelta(hours=1)
    Appointment.objects.bulk_create(
        Appointment(
            coach=coaches[n % COACHES],
            traject=traject,
            kind=Appointment.Kind.SESSION,
            mode="practice",
            start=first + (n // COACHES) * SLOT,
            end=first + (n // COACHES + 1) * SLOT,
            location="Praktijk, Kerkstraat 1",
            created_by=coaches[n % COACHES],
        )
        for n, traject in enumerate(trajects)
    )
    booked = F("start") - timedelta(days=3)
    Appointment.objects.update(created_at=booked, updated_at=booked)


class Phases:
    """Time and queries of the functions the sweep calls, while it runs for real."""

    def __init__(self, queries: CaptureQueriesContext):
        self.queries = queries
        self.figures: dict[str, tuple[float, int, int]] = {}  # name: (seconds, queries, items)

    def wrap(self, name: str, function, count=lambda args, result: len(result)):
        def timed(*args, **kwargs):
            before, started = len(self.queries), time.perf_counter()
            result = function(*args, **kwargs)
            seconds, queries = time.perf_counter() - started, len(self.queries) - before
            # Summed over the calls: the sweep records what each finder found.
            total = self.figures.get(name, (0.0, 0, 0))
            self.figures[name] = (
                total[0] + seconds,
                total[1] + queries,
                total[2] + count(args, result),
            )
            return result

        return timed


def run_noops(worker, log: WorkerLog, cpu: CPU, count: int) -> dict:
    before = cpu.now()
    started = time.perf_counter()
    ids = {noop.delay().id for _ in range(count)}
    published = time.perf_counter()
    done = wait(lambda: ids <= log.of("noop").keys(), worker, log, f"{count} noop tasks")
    return {
        "count": count,
        "seconds": done - started,
        "publish": published - started,
        "in_task": sum(log.of("noop")[task_id] for task_id in ids),
        "cpu": cpu.since(before),
    }


def run_reminders(worker, log: WorkerLog, sink, cpu: CPU, monkeypatch) -> dict:
    before = cpu.now()
    with CaptureQueriesContext(connection) as queries:
        phases = Phases(queries)
        for name, finder in list(outbox.FINDERS.items()):
            monkeypatch.setitem(outbox.FINDERS, name, phases.wrap(f"finder {name}", finder))
        monkeypatch.setattr(outbox, "outbox_record", phases.wrap("record", outbox.outbox_record))
        handed_over = phases.wrap("hand-over", outbox.enqueue, count=lambda args, _: len(args[0]))
        monkeypatch.setattr(outbox, "enqueue", handed_over)
        started = time.perf_counter()
        handed = outbox.sweep()
        swept = time.perf_counter()
        sweep_queries = len(queries)
    monkeypatch.undo()
    received = wait(lambda: sink.count >= N, worker, log, f"the sink to receive {N} messages")
    sent = Send.objects.filter(status=Send.Status.SENT)
    done = wait(lambda: sent.count() == N, worker, log, f"{N} rows to be marked sent")
    used = cpu.since(before)
    chunks = -(-handed // settings.PRAKTIJK_SEND_CHUNK)
    wait(lambda: len(log.of("deliver_sends")) >= chunks, worker, log, "the log of every chunk")
    return {
        "handed": handed,
        "seconds": done - started,
        "received": received - started,
        "sweep": (swept - started, sweep_queries),
        "phases": phases.figures,
        "chunk_seconds": list(log.of("deliver_sends").values()),
        "statuses": dict(Send.objects.values_list("status").annotate(n=Count("pk"))),
        "cpu": used,
    }


def machine(broker: redis.Redis) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or platform.machine(),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    else:
        database = connection.vendor
    return (
        f"{os.cpu_count()} CPUs ({cpu}); Python {platform.python_version()}, "
        f"Django {django.get_version()}, Celery {celery.__version__}; {database}; "
        f"Redis {broker.info('server')['redis_version']}"
    )


def test_reminders_bench(transactional_db, tmp_path, monkeypatch):
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        pytest.skip(
            f"The reminders benchmark needs Redis as the broker, not {url!r}: set "
            "CELERY_BROKER_URL=redis://… (`make bench` uses redis://127.0.0.1:6379/13)."
        )
    broker = redis.Redis.from_url(url)
    try:
        broker.ping()
    except redis.RedisError as error:
        pytest.skip(f"The reminders benchmark needs Redis at {url}: {error}")

    build = time.perf_counter()
    practice(timezone.now())
    build = time.perf_counter() - build
    assert len(outbox.FINDERS["appointment_reminders"](timezone.now())) == N

    sink, controller = start_sink()
    queue = new_queue()
    log = WorkerLog(tmp_path / "worker.log")
    load = [os.getloadavg()[0]]
    worker = start_worker(
        queue=queue,
        log=log.path,
        pool="prefork",
        concurrency=CONCURRENCY,
        env={
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(controller.port),
            "EMAIL_USE_TLS": "false",
            "DEBUG": "false",  # as in production: no query log in the worker
            # As in production: a worker keeps its database connection from task to task
            # (a no-op task opens none; each chunk of reminders opened a new one).
            "DATABASE_CONN_MAX_AGE": "60",
        },
    )
    try:
        wait(lambda: " ready." in log.path.read_text(), worker, log, "the worker to start", 60)
        cpu = CPU(worker, broker)
        with tasks_to(queue):
            noops = [run_noops(worker, log, cpu, NOOPS[0])]
            reminders = run_reminders(worker, log, sink, cpu, monkeypatch)
            noops.append(run_noops(worker, log, cpu, NOOPS[1]))
        waiting = broker.llen(queue), broker.hlen("unacked")
        load.append(os.getloadavg()[0])
    finally:
        stop(worker)
        controller.stop()
        # The queue's binding tables (exchange = queue name), which Kombu keeps.
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")

    lines = report(noops, reminders, sink, machine(broker), build, load)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))

    assert reminders["handed"] == N
    assert reminders["statuses"] == {Send.Status.SENT: N}
    assert sink.count == N and sink.duplicates() == 0
    assert sink.connections == -(-N // settings.PRAKTIJK_SEND_CHUNK), "one connection a chunk"
    assert waiting == (0, 0), "messages left in the queue or unacknowledged"
    ratio = reminders["seconds"] / sum(run["seconds"] for run in noops)
    assert ratio <= TARGET, f"{N:,} reminders cost {ratio:.2f}× {N:,} no-op tasks"


def report(noops, reminders, sink, machine, build, load) -> list[str]:
    a = sum(run["seconds"] for run in noops)
    a_cpu = {name: sum(run["cpu"][name] for run in noops) for name in noops[0]["cpu"]}
    b = reminders["seconds"]
    chunk_seconds = reminders["chunk_seconds"]
    sweep_seconds, sweep_queries = reminders["sweep"]
    rows = [
        *(
            (f"A, {half} half: {run['count']:,} noop tasks", f"{run['seconds']:.1f} s", _noop(run))
            for half, run in zip(("first", "second"), noops, strict=True)
        ),
        (
            f"A: {N:,} noop tasks",
            f"{a:.1f} s",
            f"{N / a:,.0f} tasks/s, {a / N * 1000:.1f} ms a task; " + _cpu(a_cpu, N, "task"),
        ),
        (
            f"B: {N:,} reminders, sweep to all sent",
            f"{b:.1f} s",
            f"{N / b:,.0f} messages/s, {b / N * 1000:.1f} ms a message; the sink had all "
            f"after {reminders['received']:.1f} s; " + _cpu(reminders["cpu"], N, "message"),
        ),
        ("ratio B / A", f"{b / a:.2f}", "a reminder costs this many no-op tasks"),
        (
            f"target: B / A ≤ {TARGET}",
            "holds" if b / a <= TARGET else "does not hold",
            "with 0 duplicates and one SMTP connection a chunk",
        ),
        (
            "SMTP connections",
            str(sink.connections),
            f"{len(chunk_seconds)} deliver_sends tasks of up to "
            f"{settings.PRAKTIJK_SEND_CHUNK} rows",
        ),
        ("messages received / duplicates", f"{sink.count:,} / {sink.duplicates()}", ""),
        (
            "deliver_sends, time in the tasks",
            f"{sum(chunk_seconds):.1f} s",
            f"all chunks together, over {CONCURRENCY} processes: median "
            f"{statistics.median(chunk_seconds):.2f} s, slowest {max(chunk_seconds):.2f} s "
            "a chunk",
        ),
        (
            "sweep, all of it",
            f"{sweep_seconds * 1000:,.0f} ms",
            f"{sweep_queries} queries; {reminders['handed']:,} rows handed over",
        ),
    ]
    what = {"record": "rows recorded", "hand-over": "rows, in chunks (UPDATE and publish)"}
    for name, (seconds, queries, items) in reminders["phases"].items():
        rows.append(
            (
                f"sweep: {name}",
                f"{seconds * 1000:,.0f} ms",
                f"{queries} queries; {items:,} {what.get(name, 'found')}",
            )
        )
    return [
        "# Reminders benchmark",
        "",
        f"`make bench` on {timezone.localdate():%Y-%m-%d}: {machine}. Load average (1 min) "
        f"{load[0]:.1f} before, {load[-1]:.1f} after.",
        "",
        f"One Celery worker (prefork, concurrency {CONCURRENCY}, acks_late, prefetch 1, log "
        f"level INFO, DEBUG off) on Redis, writing to {connection.vendor}; the aiosmtpd sink "
        "in the benchmark's process, on the same machine. A is timed from the first `delay()` "
        "to the last of the task ids the worker logged as succeeded, in two halves: "
        f"{NOOPS[0]:,} before the reminders and {NOOPS[1]:,} after them. B is timed from the "
        f"start of `outbox.sweep()` to {N:,} messages in the sink and {N:,} rows `sent`. "
        "CPU: the worker's processes / the benchmark's process (the sink, the sweep, "
        f"publishing) / Redis. Data: {N:,} appointments of {COACHES} coaches in the next 24 "
        f"hours, one recipient each (built in {build:.0f} s, not timed).",
        "",
        "| what | figure | note |",
        "|---|---:|---|",
        *(f"| {name} | {figure} | {note} |" for name, figure, note in rows),
        "",
        *PROFILE,
    ]


# Where a reminder's worker time went, and what was done about it (measured by hand, once: CPU
# time of coaching.outbox.deliver() on chunks of 100 of this benchmark's reminders, in one
# process against PostgreSQL and the sink, with cProfile and timers around each step; the old
# and the new way of each step timed in the same process).
PROFILE = [
    "## Where a message's worker time goes",
    "",
    "CPU time a message of `coaching.outbox.deliver()` on chunks of 100 of these reminders, in "
    "one process against PostgreSQL and the SMTP sink (cProfile, and timers around each step; "
    "the old and the new way of a step timed in the same process; 2 CPUs shared with other "
    "work, so the figures are approximate). All of it: 4.6–4.8 ms before (the worker's "
    "4.4 ms a message in the run before), 1.2–1.6 ms after.",
    "",
    "| step | before | after | what changed |",
    "|---|---:|---:|---|",
    "| MIME: Django's `message()` and `as_bytes()` | 2.4 ms | 0.10 ms | the email package "
    "parses every header it sets (again for each parameter) and folds each one again when it "
    "writes; coaching/mime.py has Django build the first message of each shape and fills in "
    "the next ones' parts, boundaries and headers by the email package's own rules: the same "
    "bytes (coaching/tests/test_mime.py) |",
    "| the .ics (icalendar) | 0.32 ms | 0.03 ms | icalendar folds each line character by "
    "character and builds a parameter dictionary for every property; sessions/ical.py writes "
    "the coachee's copy itself, with icalendar's escaping and folding: the same bytes "
    "(sessions/tests/test_ical.py) |",
    "| the templates (subject, text, HTML) | 0.28 ms | 0.17 ms | `get_kind_display()` and "
    "`get_mode_display()` translate every choice of the field at each call (some 60 "
    "translations a message); the kind and mode are translated once (sessions/labels.py) |",
    "| the row's recipients and client, and its mark | 0.80 ms | 0.23 ms | a `bulk_update` of "
    "the chunk's recipients before sending, and an UPDATE compiled by the ORM for each row "
    "sent; now one UPDATE a row, written once, with its recipients and client |",
    "| waiting for the mark's commit | 5.4 ms | 5.4 ms | (wall time a row on this machine, "
    "busy) the commit waits for the log on disk, so that a crash of the database server "
    "never sends a row again (tried: synchronous_commit off, 0.35 ms, refused for that) |",
    "| SMTP client (smtplib, 4 round trips) | 0.2 ms | 0.2 ms | the sink's share, some 1 ms a "
    "message, is the benchmark process's |",
    "| round trips a message (wall time) | 5 | 2 | MAIL, RCPT and DATA pipelined (RFC 2920, "
    "coaching/smtp.py; where the server offers it, as every relay a practice uses does, and "
    "the sink now does), then the message; the previous row's mark (its UPDATE and commit) "
    "runs while the server reads those commands, and always before this message can be "
    "accepted (coaching/tests/test_smtp.py). On this machine B went 19.2 → 18.4 s "
    "(pipelining) → 15.5 s (the overlapped mark), A 11.1–11.4 s in each run |",
    "| claim, appointments and people, once a chunk | 0.15 ms | 0.15 ms | |",
    "",
    "",
    "After, in the worker itself during B (py-spy, its pool processes' time on the CPU): the "
    "SMTP exchange 31% (smtplib and the sockets: then 4 round trips a message), composing 35% "
    "(the templates 13%, the chunk's appointments and people 12%, the .ics 3%), the marks "
    "17%, the MIME 6%, the claim 5%.",
    "",
    "What a message costs besides the worker, measured the same way: the SMTP sink some 1.1 ms "
    "(one thread of this process, 4 commands and some 70 lines of DATA a message) and "
    "PostgreSQL some 0.45 ms (the mark 0.17 ms, the claim and the chunk's reads 0.07 ms, the "
    "commits). A no-op task costs some 2.1 ms in all (the worker 1.3–1.4 ms, publishing "
    "0.6 ms, Redis 0.2 ms), and a reminder's worker now costs about what a no-op task's does: "
    "B / A ≤ 1.5 leaves the sink and PostgreSQL little room, and B, with round trips a "
    "message between processes (5, now 2 and an overlapped one), suffers more than A when "
    "other work shares the 2 CPUs.",
    "",
    "Around it: the sweep hands rows over as it records them, a thousand at a time, so that "
    "the workers begin at once, and on PostgreSQL it records them with one INSERT … ON "
    "CONFLICT DO NOTHING RETURNING a thousand rows (recording 10,000: 1.8 s → 0.3 s of this "
    "process, whose Python the sink shares). The worker keeps its database connection from "
    "chunk to chunk, as in production (a new one cost some 2 ms here and 6 ms of "
    "PostgreSQL's CPU).",
]


def _cpu(cpu: dict[str, float], count: int, unit: str) -> str:
    figures = " / ".join(f"{cpu[name] / count * 1000:.1f}" for name in ("worker", "bench", "redis"))
    return f"CPU a {unit}: {figures} ms"


def _noop(run: dict) -> str:
    return (
        f"{run['count'] / run['seconds']:,.0f} tasks/s; publishing took {run['publish']:.1f} s, "
        f"the tasks' own run {run['in_task']:.1f} s; " + _cpu(run["cpu"], run["count"], "task")
    )
