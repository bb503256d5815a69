"""Scaling out: two web processes (gunicorn, each with its own memory) and two Celery workers on
one database and one broker keep every rule. Sessions, rate limits, the booking's guard against a
double booking and the outbox's claims live in the shared database and cache, never in a
process: so a visitor sent to either process by a load balancer meets the same rules.

The processes run with the development settings on this run's database, cache and broker: SQLite,
the file cache and the embedded broker by default; PostgreSQL and Redis in CI."""

import threading
import time
from datetime import UTC
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_CACHE_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client as HttpClient

from coaching.models import Client, Send
from coaching.tasks import deliver_sends
from coaching.tests.factories import TEST_PASSWORD, ClientFactory, UserFactory
from coaching.tests.smtp_sink import start_sink
from coaching.tests.test_outbox_worker import (
    hand_overs,
    mail_env,
    message_ids,
    record_mails,
    statuses,
    task_errors,
)
from coaching.tests.web_processes import Visitor, web_processes
from coaching.tests.workers import new_queue, purge, start_worker, stop_all, tasks_to

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

TOO_MANY_LOGINS = "Te veel inlogpogingen"  # allauth's message, in Dutch
SLOT_TAKEN = "Dit tijdstip is net bezet"


@pytest.fixture
def webs(transactional_db, tmp_path: Path):
    """Two gunicorn processes on the test's database and cache; what their pages hand to a
    worker waits in a queue of the test's own, purged afterwards."""
    queue = new_queue()
    try:
        with web_processes(tmp_path, queue) as pair:
            yield pair
    finally:
        purge(queue)


def with_real_password(account) -> None:
    """The tests' accounts have a quick hash the web processes do not accept (conftest): give
    the account the hash the web processes themselves write."""
    account.password = make_password(TEST_PASSWORD, hasher=PBKDF2PasswordHasher())
    account.save(update_fields=["password"])


def test_a_session_made_on_one_process_is_valid_on_the_other_until_signed_out_on_either(
    webs, coachee
):
    first, second = webs
    with_real_password(coachee)
    eva = Visitor()
    eva.get(first, "/account/login/")  # the login form (and its CSRF cookie)
    answer = eva.post(first, "/account/login/", {"login": coachee.email, "password": TEST_PASSWORD})
    assert answer.status == 302, answer.body[-2000:]
    session_key = eva.cookies[settings.SESSION_COOKIE_NAME]
    # Where the other process finds it: in the shared cache, and in the database behind it.
    assert cache.get(SESSION_CACHE_PREFIX + session_key)
    assert Session.objects.filter(session_key=session_key).exists()

    home = eva.get(second, "/portaal/")
    assert home.status == 200 and "Eva" in home.body, home.status

    stolen_copy = Visitor(eva.cookies)  # the cookie as it was: the session itself must end
    assert eva.post(second, "/account/logout/", {}).status == 302
    assert settings.SESSION_COOKIE_NAME not in eva.cookies
    assert cache.get(SESSION_CACHE_PREFIX + session_key) is None
    assert not Session.objects.filter(session_key=session_key).exists()
    for web in (first, second):
        answer = stolen_copy.get(web, "/portaal/")
        assert answer.status == 302 and answer.location.startswith("/account/login/"), web


def test_failed_logins_alternated_between_the_processes_meet_the_accounts_limit(webs, coachee):
    """Five failed logins for one account in five minutes (ACCOUNT_RATE_LIMITS), counted
    together whichever process took them: the sixth is refused, the right password too, by
    either process."""
    first, second = webs
    with_real_password(coachee)
    visitor = Visitor()
    visitor.get(first, "/account/login/")
    for attempt in range(5):
        web = webs[attempt % 2]
        answer = visitor.post(web, "/account/login/", {"login": coachee.email, "password": "fout"})
        assert answer.status == 200 and TOO_MANY_LOGINS not in answer.body, attempt
    for web in (second, first):
        answer = visitor.post(
            web, "/account/login/", {"login": coachee.email, "password": TEST_PASSWORD}
        )
        # What she sees: the login form again, with the message, and she is not signed in.
        assert answer.status == 200 and TOO_MANY_LOGINS in answer.body, web
        assert settings.SESSION_COOKIE_NAME not in visitor.cookies


def kennismaking_form(n: int) -> dict[str, str]:
    """A prospect who asks to be contacted by e-mail (no time chosen)."""
    return {
        "for_whom": "self",
        "first_name": "Noor",
        "last_name": f"Jansen {n}",
        "email": f"noor{n}@example.org",
        "phone": "0612345678",
        "date_of_birth": "1990-05-05",
        "how": "email",
        "slot": "",
        "mode": "phone",
        "message": "",
        "website": "",
    }


def test_kennismaking_requests_from_one_address_are_limited_across_the_processes(webs, coach_a):
    """Five kennismaking requests an hour from one address, whichever process takes them."""
    from sessions.models import SessionType
    from sessions.tests.test_pages import open_all_week

    open_all_week(coach_a)
    SessionType.objects.create(
        kind="kennismaking",
        name="Kennismaking",
        default_minutes=30,
        allowed_modes=["phone", "video", "practice"],
        bookable_online=True,
    )
    first, second = webs
    prospect = Visitor()
    prospect.get(first, "/kennismaking/")
    for n in range(5):
        answer = prospect.post(webs[n % 2], "/kennismaking/", kennismaking_form(n))
        assert answer.location == "/kennismaking/bedankt/", (n, answer.status)
    for web in (second, first):
        answer = prospect.post(web, "/kennismaking/", kennismaking_form(6))
        # The form again, as filled in, with the message; nothing stored.
        assert answer.status == 200 and "te veel aanvragen" in answer.body, web
        assert 'value="noor6@example.org"' in answer.body
    assert Client.objects.count() == 5


def portal_clients(coach, count: int) -> list[tuple[Visitor, object]]:
    """Clients of `coach` in a running traject, each with a portal account, signed in: a browser
    holding a session made here, in the shared cache and database."""
    from trajects.tests.factories import running_traject

    people = []
    for n in range(count):
        account = UserFactory(email=f"coachee{n}@praktijk.test")
        traject = running_traject(coach, client=ClientFactory(coach=coach, account=account))
        signed_in = HttpClient()
        signed_in.force_login(account)
        cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
        people.append((Visitor({settings.SESSION_COOKIE_NAME: cookie}), traject))
    return people


def test_many_clients_booking_one_slot_through_both_processes_at_once(webs, coach_a):
    """Portal clients, each signed in, post a booking of the same free time at the same moment,
    half to each process: exactly one appointment; everyone else gets the booking page saying
    the time was taken (no error page)."""
    from sessions.models import Appointment, SessionType
    from sessions.tests.test_pages import future, open_all_week

    open_all_week(coach_a)
    session = SessionType.objects.create(
        kind="session",
        name="Sessie",
        default_minutes=60,
        allowed_modes=["practice"],
        bookable_online=True,
    )
    people = portal_clients(coach_a, 16)
    slot = future(4, 11).astimezone(UTC).isoformat()  # as the page offers it
    barrier = threading.Barrier(len(people), timeout=60)
    outcomes, lock = [], threading.Lock()

    def attempt(index: int, visitor: Visitor, traject) -> None:
        web = webs[index % 2]
        path = f"/portaal/afspraken/boeken/{traject.uuid}/{session.pk}/"
        try:
            page = visitor.get(web, path)  # the form, with the time free, and the CSRF cookie
            assert page.status == 200 and f'value="{slot}"' in page.body, page.status
        except BaseException:
            barrier.abort()
            raise
        barrier.wait()
        answer = visitor.post(web, path, {"slot": slot, "mode": "practice"})
        outcome = (answer.status, answer.location, SLOT_TAKEN in answer.body)
        with lock:
            outcomes.append(outcome)

    threads = [
        threading.Thread(target=attempt, args=(index, *person))
        for index, person in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [(200, "", True)] * (len(people) - 1) + [
        (302, "/portaal/afspraken/", False)
    ], outcomes
    assert Appointment.objects.filter(coach=coach_a).count() == 1


def wait_until(condition, workers: list, logs: list[Path], seconds: float, what: str) -> None:
    """Polls `condition` until the deadline; fails at once when a worker stopped."""
    deadline = time.monotonic() + seconds
    while not condition():
        for process, log in zip(workers, logs, strict=True):
            if process.poll() is not None:
                pytest.fail(f"A worker stopped ({process.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            tails = "\n".join(log.read_text()[-3000:] for log in logs)
            pytest.fail(f"Waited {seconds} s for {what}:\n{tails}")
        time.sleep(0.1)


def test_two_workers_on_one_queue_send_each_mail_once(coach_a, coachee, tmp_path, settings):
    """Two worker processes take the outbox's chunks from one queue, every chunk handed over
    twice (a redelivery, a second sweep): the claims let one task send each row, the other
    finds it claimed or sent. Each mail arrives once, one SMTP connection per task that sent."""
    from sessions.reminders import FIRST

    rows, chunk = 80, 10
    settings.PRAKTIJK_SEND_CHUNK = chunk
    record_mails(FIRST, coach_a, Client.objects.get(account=coachee), rows)
    ids = sorted(Send.objects.values_list("pk", flat=True))
    sink, controller = start_sink()
    queue = new_queue()
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    env = mail_env(controller.port, PRAKTIJK_SEND_CHUNK=str(chunk))
    workers = [start_worker(queue=queue, log=log, env=env) for log in logs]
    try:
        wait_until(
            lambda: all(" ready." in log.read_text() for log in logs),
            workers,
            logs,
            60,
            "both workers to start",
        )
        with tasks_to(queue):
            for start in range(0, rows, chunk):
                for _twice in range(2):
                    deliver_sends.delay(ids[start : start + chunk])
        tasks = 2 * rows // chunk

        def ran() -> list[tuple[int, int]]:
            return [done for log in logs for done in hand_overs(log.read_text())[1]]

        wait_until(lambda: len(ran()) == tasks, workers, logs, 60, "every task to run")
    finally:
        stop_all(workers, timeout=10)
        controller.stop()
        purge(queue)
    texts = [log.read_text() for log in logs]
    assert not task_errors("".join(texts))
    assert statuses() == {Send.Status.SENT: rows}
    assert sink.counts() == dict.fromkeys(message_ids(Send.objects.all()), 1)
    delivered = ran()
    shares = [hand_overs(text)[1] for text in texts]
    print(
        f"\nTWO-WORKERS: rows={rows} tasks={tasks} received={sink.count} "
        f"duplicates={sink.duplicates()} connections={sink.connections} "
        + " ".join(
            f"worker-{name}: tasks={len(share)} sent={sum(s for s, _ in share)}"
            for name, share in zip("ab", shares, strict=True)
        )
    )
    # Every row sent by one task; its second hand-over was a no-op for the task that got it.
    assert sum(sent for sent, _ in delivered) == rows
    assert sum(not_ours for _, not_ours in delivered) == rows
    # A connection per task that had something to send, none for a no-op.
    assert sink.connections == sum(1 for sent, _ in delivered if sent)
    # Both workers took their share of the queue.
    assert all(shares), shares
