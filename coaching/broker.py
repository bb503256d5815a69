"""The embedded mode's Celery broker: a Kombu transport on one SQLite file (`sqlite:///path`).

Why not Kombu's own embedded transports:
- the filesystem transport hands a worker whatever is in a message file at the moment it looks,
  also a file another process is still writing: under load a worker read half a message and
  died (`JSONDecodeError`). It also polled once a second, so a worker ran about 2 tasks a second;
- the SQLAlchemy transport needs SQLAlchemy for one table, keeps every message it ever handed out
  (it only marks them invisible), and its 1-second poll has the same ceiling.

Here a message is one row, written in one INSERT (a reader sees it whole or not at all), and
handed over by one `DELETE … RETURNING` inside `BEGIN IMMEDIATE`: two workers never get the same
message and no worker ever gets part of one. WAL journal, so publishers (the web process, beat)
and the worker do not block each other's reads. The worker polls at once after a message and
backs off to 0.2 s while the queue stays empty, so a burst runs at hundreds
of tasks a second (`make bench` measures it) and an idle worker asks five times a second.

What it does not do: a worker killed with SIGKILL loses the messages it had taken (a clean stop
puts them back), as the filesystem transport did; and broadcasts (`celery inspect`, `celery
control`) reach no worker, as each process keeps its own bindings. The outbox does not depend
on the first: its sweep hands a send over again when no worker took it up
(`PRAKTIJK_SEND_CLAIM_STALE_SECONDS`).
Production uses Redis (settings refuse this broker there).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty
from time import monotonic, sleep

from kombu.transport import TRANSPORT_ALIASES, virtual
from kombu.utils.json import dumps, loads

SCHEME = "sqlite"
log = logging.getLogger(__name__)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS message ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, payload TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS message_queue_id ON message (queue, id)",
)


def register() -> None:
    """Makes `sqlite://` a broker URL Kombu knows (called when the Celery app is made)."""
    TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")


def connect(path: str | Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection in autocommit mode: each statement, or BEGIN … COMMIT, is a transaction."""
    if sqlite3.sqlite_version_info < (3, 35):
        raise RuntimeError(
            f"The embedded broker needs SQLite 3.35 or newer (DELETE … RETURNING); this Python "
            f"has {sqlite3.sqlite_version}. Use Redis (CELERY_BROKER_URL=redis://…)."
        )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: Kombu's producer pool may hand this channel to another thread of
    # the web process; the channel's lock serialises its use.
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL with WAL: a commit survives the process crashing; only a power loss may lose the
    # last ones (the embedded mode is a demo and development setup).
    db.execute("PRAGMA synchronous=NORMAL")
    with transaction(db):
        for statement in SCHEMA:
            db.execute(statement)
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE takes the write lock first (waiting up to the busy timeout), so a write
    cannot fail on a snapshot that another writer changed since the transaction began."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # also when COMMIT itself failed (a full disk, say)
            db.execute("ROLLBACK")
        raise


class Channel(virtual.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._db = connect(self.connection.path)

    def _put(self, queue: str, message: dict, **kwargs) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO message (queue, payload) VALUES (?, ?)", (queue, dumps(message))
            )

    def _get(self, queue: str, timeout: float | None = None) -> dict:
        with self._lock, transaction(self._db):
            row = self._db.execute(
                "DELETE FROM message WHERE id = ("
                " SELECT id FROM message WHERE queue = ? ORDER BY id LIMIT 1"
                ") RETURNING payload",
                (queue,),
            ).fetchone()
        if row is None:
            raise Empty()
        self.connection.delivered()
        return loads(row[0])

    def _size(self, queue: str) -> int:
        with self._lock:
            return self._db.execute(
                "SELECT count(*) FROM message WHERE queue = ?", (queue,)
            ).fetchone()[0]

    def _purge(self, queue: str) -> int:
        with self._lock:
            return self._db.execute("DELETE FROM message WHERE queue = ?", (queue,)).rowcount

    def _delete(self, queue: str, *args, **kwargs) -> None:
        self._purge(queue)

    def close(self) -> None:
        # The base class puts unacknowledged messages back (through _put) before closing.
        super().close()
        with self._lock:
            self._db.close()


class Transport(virtual.Transport):
    Channel = Channel

    #: the longest pause between two looks into an empty queue
    polling_interval = 0.2
    #: the longest pause while the worker holds all the tasks it may (no look into the file)
    busy_polling_interval = 0.02
    #: the first pause after a message: a burst is taken at once
    min_polling_interval = 0.001
    default_port = None
    driver_type = driver_name = SCHEME

    # "Asynchronous": the worker runs its event loop (the hub) on this transport, as it does on
    # Redis, and so its prefork pool talks to each pool process over pipes of its own. Without
    # the hub, billiard's pool shares one queue and its lock among the processes: a process
    # killed with SIGKILL while holding that lock stopped the whole pool (a worker that took
    # tasks and never ran them). The hub has no file to watch here: the transport looks into
    # the queue from a timer instead, with the same back-off as drain_events.
    implements = virtual.Transport.implements.extend(asynchronous=True)

    def __init__(self, client, **kwargs):
        super().__init__(client, **kwargs)
        path = client.virtual_host or client.transport_options.get("path")
        if not path or path == "/":
            raise ValueError("The sqlite broker needs a file: sqlite:////absolute/path.sqlite3")
        self.path = path
        self._interval = self.min_polling_interval

    @property
    def default_connection_params(self) -> dict:
        return {}  # a file, not a host: no "No hostname was supplied" warning

    def delivered(self) -> None:
        self._interval = self.min_polling_interval

    def drain_events(self, connection, timeout=None):
        """Like the virtual transport's, but the pause after an empty look doubles from
        `min_polling_interval` up to `polling_interval`, and starts again after a message."""
        started = monotonic()
        while True:
            try:
                self.cycle.get(self._deliver, timeout=timeout)
            except Empty:
                if timeout is not None and monotonic() - started >= timeout:
                    raise TimeoutError() from None
                # Every consumer may hold as many tasks as it has (the prefetch limit): nothing
                # is read from the file until one finishes, so look again soon; an empty queue
                # is read from the file, less often the longer it stays empty.
                ceiling = self.busy_polling_interval if self._busy() else self.polling_interval
                pause = min(self._interval, ceiling)
                self._interval = min(self._interval * 2, self.polling_interval)
                sleep(pause)
            else:
                return

    def register_with_event_loop(self, connection, loop) -> None:
        self._loop = loop
        loop.call_soon(self._on_timer)

    def _on_timer(self) -> None:
        if not self.channels:  # the connection was closed: stop looking
            return
        try:
            while True:  # everything the consumers may take now
                self.cycle.get(self._deliver)
        except Empty:
            pass
        except sqlite3.Error:
            # The file stayed locked past the busy timeout, or the disk is full: look again a
            # little later. The timer must go on, or the worker lives on but takes no task.
            log.exception("embedded broker: could not read the queue; trying again")
            self._interval = self.polling_interval
        finally:
            ceiling = self.busy_polling_interval if self._busy() else self.polling_interval
            pause = min(self._interval, ceiling)
            self._interval = min(self._interval * 2, self.polling_interval)
            self._loop.call_later(pause, self._on_timer)

    def _busy(self) -> bool:
        consuming = [channel for channel in self.channels if channel._consumers]
        return bool(consuming) and not any(c.qos.can_consume() for c in consuming)

    def driver_version(self) -> str:
        return sqlite3.sqlite_version
