"""`make bench`: how fast a worker runs no-op tasks on the embedded broker (`make run`'s SQLite
transport, coaching/broker.py) and on Redis, side by side.

A real worker as `make run` starts it (prefork, concurrency 2, the default prefetch) on a queue
of its own; 2,000 `coaching.tasks.noop` tasks are published, and the time runs from the first
publish until the worker has logged "succeeded" for every task id (a line it writes once, after
the task ran). Three rounds per broker, interleaved; the median counts. Written to
bench/BROKER.md. The embedded broker must run at least 100 tasks a second; the
filesystem transport it replaced ran about 2."""

import statistics
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

from bench.test_reminders_bench import WorkerLog, wait
from coaching import celery_app
from coaching.tasks import noop
from coaching.tests.workers import new_queue, start_worker, stop, tasks_to

RESULTS = Path(__file__).with_name("BROKER.md")
TASKS = 2000
ROUNDS = 3
FLOOR = 100  # tasks a second the embedded broker must reach

pytestmark = pytest.mark.celery_worker


def redis_url() -> str | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


def one_round(url: str, tmp_path: Path, name: str) -> float:
    """Tasks per second of one worker on `url`, from the first publish to the last success."""
    queue = new_queue()
    log_path = tmp_path / f"{name}-{queue}.log"
    worker = start_worker(
        queue=queue, log=log_path, pool="prefork", concurrency=2, env={"CELERY_BROKER_URL": url}
    )
    log = WorkerLog(log_path)
    try:
        wait(lambda: " ready." in log_path.read_text(), worker, log, "the worker", 60)
        with (
            tasks_to(queue),  # to the broker, not run in this process
            celery_app.connection_for_write(url) as connection,
            connection.Producer() as producer,
        ):
            started = time.perf_counter()
            ids = {noop.apply_async(producer=producer).id for _ in range(TASKS)}
            done = wait(lambda: ids <= log.of("noop").keys(), worker, log, f"{TASKS} noops", 300)
        return TASKS / (done - started)
    finally:
        stop(worker)


def test_embedded_broker_beside_redis(tmp_path):
    brokers = {"embedded (SQLite file)": f"sqlite:///{tmp_path / 'broker.sqlite3'}"}
    if url := redis_url():
        brokers["Redis"] = url
    rates: dict[str, list[float]] = {name: [] for name in brokers}
    for _ in range(ROUNDS):
        for name, url in brokers.items():
            rates[name].append(one_round(url, tmp_path, name.split()[0]))
    lines = [
        "# No-op tasks a second, embedded broker beside Redis",
        "",
        f"`make bench` (bench/test_broker_bench.py): {TASKS:,} `coaching.tasks.noop` tasks per "
        f"round, {ROUNDS} rounds per broker, interleaved; one worker as `make run` starts it "
        "(prefork, concurrency 2). From the first publish until the worker logged every task "
        "as succeeded.",
        "",
        "| broker | median | rounds |",
        "|---|---:|---|",
    ]
    for name, values in rates.items():
        rounds = ", ".join(f"{value:.0f}" for value in values)
        lines.append(f"| {name} | {statistics.median(values):.0f} tasks/s | {rounds} |")
    lines += ["", f"Required of the embedded broker: at least {FLOOR} tasks a second.", ""]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))
    assert statistics.median(rates["embedded (SQLite file)"]) >= FLOOR
