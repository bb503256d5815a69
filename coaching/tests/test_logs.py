"""Logs without personal data (coaching.logs): a journey with sentinel names, an e-mail address
and texts, through the pages, a search, a 404, a form error, a failed task and an e-mail the
server refuses, logged as production logs (JSON lines, INFO, one line per request); no line holds
a sentinel, and the lines say what happened (route, request id, user id, task name and id)."""

import io
import json
import logging
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coaching import outbox
from coaching.logs import JSONFormatter
from coaching.models import Client, Send
from coaching.tests.factories import UserFactory
from coaching.tests.log_tasks import fail_with
from coaching.tests.smtp_sink import start_sink
from coaching.tests.workers import new_queue, start_worker, stop, tasks_to, wait_for
from trajects.models import Traject
from trajects.tests.factories import note, running_traject

MARK = uuid.uuid4().hex[:8]
# A name with an accent, as many are: Django escapes such a path in its own lines ("Zo\\xeb").
FIRST, LAST = f"Zoë{MARK}", f"Sentinelka{MARK}"
EMAIL = f"zoe{MARK}.{LAST}@voorbeeld.test".lower()
TEXT = f"GeheimVerhaal{MARK}"
SENTINELS = [FIRST, LAST, EMAIL, TEXT, MARK]


def _leaks(lines: list[str]) -> list[str]:
    return [line for line in lines if any(s.lower() in line.lower() for s in SENTINELS)]


@pytest.fixture
def production_log(settings):
    """The root logger's lines as production writes them (JSON, INFO, requests logged)."""
    settings.PRAKTIJK_ACCESS_LOG = True
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [line for line in buffer.getvalue().splitlines() if line]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.django_db(transaction=True)
def test_a_journey_with_sentinels_leaves_none_in_the_log(
    client, settings, coach_a, coachee, production_log
):
    sink, controller = start_sink()
    sink.refused = {EMAIL}
    settings.MAILERS = {
        "default": {
            "BACKEND": "coaching.mime.SMTPBackend",
            "OPTIONS": {"host": controller.hostname, "port": controller.port, "use_tls": False},
        }
    }
    try:
        client.force_login(coach_a)
        created = client.post(
            "/coach/clienten/nieuw/",
            {"first_name": FIRST, "last_name": LAST, "date_of_birth": "1990-04-01",
             "email": EMAIL, "phone": "", "new_organisation": ""},
        )  # fmt: skip
        assert created.status_code == 302
        sentinel_client = Client.objects.get(first_name=FIRST)
        assert client.get(f"/coach/clienten/?q={LAST}").status_code == 200
        assert FIRST in client.get(f"/coach/clienten/{sentinel_client.uuid}/").content.decode()
        # A form error with the text typed in it.
        refused = client.post(
            "/coach/clienten/nieuw/",
            {"first_name": TEXT, "last_name": LAST, "date_of_birth": "morgen", "email": EMAIL},
        )
        assert refused.status_code == 200
        # A 404 whose path holds a name.
        assert client.get(f"/coach/clienten/{FIRST}/").status_code == 404
        # The dossier and the e-mail coaching, with the text.
        traject = running_traject(
            coach_a, client=Client.objects.get(account=coachee), kind=Traject.Kind.EMAIL
        )
        note(traject, coach_a, text=f"Verslag: {TEXT}")
        assert TEXT in client.get(f"/coach/trajecten/{traject.uuid}/").content.decode()
        client.force_login(coachee)
        sent = client.post(
            f"/portaal/berichten/{traject.uuid}/",
            {"body": TEXT, "attachment": SimpleUploadedFile(f"{LAST}.pdf", b"%PDF-1.7 x")},
        )
        assert sent.status_code == 302
        client.logout()
        # A task that fails with the text in its argument and its exception.
        with pytest.raises(ValueError, match=TEXT):
            fail_with.delay(TEXT)
        # An e-mail to the sentinel's address, refused by the mail server.
        UserFactory(email=EMAIL, first_name=FIRST, last_name=LAST)
        client.post("/account/password/reset/", {"email": EMAIL})
        outbox.sweep()
        mails = Send.objects.filter(kind=Send.Kind.ACCOUNT_MAIL).exclude(status=Send.Status.SENT)
        assert any(EMAIL in send.recipients for send in mails)
    finally:
        controller.stop()

    lines = production_log()
    print("\n".join(lines))
    assert _leaks(lines) == []
    parsed = [json.loads(line) for line in lines]
    # The log says what happened, by route, request id, user id, task and exception type.
    requests = [line for line in parsed if line["logger"] == "praktijk.requests"]
    routes = {(line["method"], line["route"], line["status"]) for line in requests}
    assert ("POST", "coach/clienten/nieuw/", 302) in routes
    assert ("GET", "coach/clienten/", 200) in routes
    assert ("GET", "-", 404) in routes
    assert all(len(line["request_id"]) == 32 for line in requests)
    assert {line.get("user_id") for line in requests} >= {coach_a.pk, coachee.pk}
    not_found = [line for line in parsed if line["logger"] == "django.request"]
    assert not_found and not_found[0]["message"] == "Not Found: -"
    # The refused e-mail failed (its reason, with the address, is kept for the admin in the
    # database, not in the log).
    assert any(line.get("task", "").endswith("deliver_sends") for line in parsed)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_logs_a_failed_task_by_its_name_and_id_only(tmp_path: Path):
    queue, log = new_queue(), tmp_path / "worker.log"
    worker = start_worker(
        queue=queue,
        log=tmp_path / "stdout.log",
        env={"LOG_FORMAT": "json"},
        options=("-I", "coaching.tests.log_tasks", f"--logfile={log}"),
    )
    try:
        with tasks_to(queue):
            result = fail_with.delay(TEXT)

        def failed() -> bool:
            return log.exists() and result.id in log.read_text() and "ValueError" in log.read_text()

        wait_for(failed, worker, tmp_path / "stdout.log", what="the task to fail")
    finally:
        stop(worker)
    lines = [line for line in log.read_text().splitlines() if line]
    assert _leaks(lines) == []
    parsed = [json.loads(line) for line in lines]  # every line is JSON
    failure = next(line for line in parsed if "exception" in line)
    assert failure["task"] == fail_with.name and failure["task_id"] == result.id
    assert failure["exception"]["type"] == "builtins.ValueError"
    assert all("time" in line for line in parsed)


def test_an_address_exception_message_and_path_never_reach_a_line():
    """What the journey cannot provoke: a third party's message naming an address, an
    exception whose message holds a name, Django's line about a request with its path."""
    formatter = JSONFormatter()
    record = logging.LogRecord("smtp", logging.WARNING, __file__, 1, "refused: %s", (EMAIL,), None)
    assert json.loads(formatter.format(record))["message"] == "refused: [e-mail]"
    try:
        raise ValueError(f"duplicate key (last_name)=({LAST})")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), exc_info)
    line = json.loads(formatter.format(record))
    assert line["exception"]["type"] == "builtins.ValueError" and LAST not in json.dumps(line)
    assert line["exception"]["frames"][0].startswith("coaching/tests/test_logs.py:")


@pytest.mark.parametrize(
    "msg, args",
    [
        ("Error handling request %s", (f"/coach/clienten/?q={LAST}",)),
        (f"Invalid request from ip=203.0.113.7: Invalid HTTP request line: 'GET /?q={LAST}'", ()),
    ],
)
def test_gunicorns_lines_keep_what_happened_not_the_request(msg, args):
    record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1, msg, args, None)
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] in ("Error handling request", "Invalid request")
    assert _leaks([json.dumps(line)]) == [] and "203.0.113.7" not in json.dumps(line)
