"""A task for the soak test of the embedded mode (test_embedded_soak.py); the worker imports this
module only when started with `-I coaching.tests.soak_tasks`."""

import os

from celery import shared_task


@shared_task(acks_late=True)
def probe(number: int, path: str) -> None:
    """Writes `number` on a line of its own to `path`: a line is one write() of a few bytes to a
    file opened for appending, so lines of two pool processes never mix."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{number}\n".encode())
    finally:
        os.close(fd)
