"""A task for the log test (test_logs.py) that fails with personal data in its arguments and
its exception; a real worker imports this module only when started with
`-I coaching.tests.log_tasks`."""

from celery import shared_task


@shared_task
def fail_with(text: str) -> None:
    raise ValueError(f"could not handle {text}")
