"""The embedded broker (coaching/broker.py) on its own: whole messages, each handed over once,
and a worker's timer that survives a locked or broken file."""

import sqlite3
import threading

import pytest
from kombu import Connection

from coaching import broker


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'broker.sqlite3'}"


def test_messages_are_whole_and_each_is_taken_once_by_racing_consumers(url):
    with Connection(url) as connection:
        queue = connection.SimpleQueue("race")
        for number in range(400):
            queue.put({"number": number, "padding": "x" * 2000})
        queue.close()
    taken: list[int] = []
    lock = threading.Lock()

    def consume() -> None:
        with Connection(url) as connection:
            queue = connection.SimpleQueue("race")
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                assert message.payload["padding"] == "x" * 2000  # never half a message
                message.ack()
                with lock:
                    taken.append(message.payload["number"])
            queue.close()

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == list(range(400))  # every one, none twice


class Loop:
    def __init__(self):
        self.later: list[float] = []

    def call_soon(self, callback, *args):
        pass

    def call_later(self, delay, callback, *args):
        self.later.append(delay)


def test_the_workers_timer_goes_on_after_the_file_was_locked(url, monkeypatch):
    """Were the timer not set again, the worker would live on and take no task, for good."""
    with Connection(url) as connection:
        connection.connect()
        transport = connection.transport
        transport.create_channel(transport)  # a channel, as a consumer's
        loop = Loop()
        transport.register_with_event_loop(connection.connection, loop)

        def locked(callback):
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(transport.cycle, "get", locked)
        transport._on_timer()
        assert loop.later == [transport.polling_interval]  # looks again, a little later


def test_an_old_sqlite_is_refused_with_the_way_out(monkeypatch, tmp_path):
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    with pytest.raises(RuntimeError, match="3.35 or newer.*CELERY_BROKER_URL=redis"):
        broker.connect(tmp_path / "old.sqlite3")
