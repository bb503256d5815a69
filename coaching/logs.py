"""The application log: JSON lines in production, without personal data.

Every line is one JSON object: the time, level, logger, message, and where it happened: the
request's id (also sent back as X-Request-ID) and the signed-in user's id, or the Celery task's
name and id. Never a name, an e-mail address, a text or a query string:

- a request is logged by its route (``coach/clienten/<uuid:client>/``), never its path or query
  (coaching.observe writes one line per request);
- Django's own lines about a request (a 404, a CSRF failure, a 500) have their path replaced by
  the route;
- an exception is logged by its type and frames (file, line, function), never its message (an
  IntegrityError names the value that clashed; an SMTP error the address it refused);
- Celery's lines about a task keep its name, id, run time and outcome, never its arguments,
  result or exception message;
- an e-mail address in any other message is replaced by ``[e-mail]``.

coaching/tests/test_logs.py runs a journey with sentinel names and texts through every part and
finds none of them in the log.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path

# The request being served in this thread or task (set by coaching.observe.RequestMiddleware).
current_request: ContextVar = ContextVar("praktijk_current_request", default=None)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
ROOT = str(Path(__file__).resolve().parent.parent) + "/"
# Of Celery's task lines, the fields that say which task and how it ended.
_TASK_FIELDS = {"name", "id", "runtime", "description", "hostname", "eta"}


class _TaskArgs(dict):
    """Celery's arguments of a task line, with the content left out."""

    def __missing__(self, key: str) -> str:
        return "[-]"


def _request_fields(request) -> dict:
    fields = {"request_id": getattr(request, "id", None)}
    user = getattr(request, "_cached_user", None)  # set once the request's user was looked up
    if user is not None and user.is_authenticated:
        fields["user_id"] = user.pk
    return fields


def _task_fields() -> dict:
    from celery import current_task

    if not current_task:  # a proxy: false outside a task
        return {}
    request = current_task.request
    if request is None or not request.id:
        return {}
    return {"task": current_task.name, "task_id": request.id}


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None else "-"


def _message(record: logging.LogRecord) -> str:
    args = record.args
    if record.name.startswith("celery") and isinstance(args, dict):
        safe = _TaskArgs({key: args[key] for key in _TASK_FIELDS if key in args})
        try:
            return str(record.msg) % safe
        except (TypeError, ValueError, KeyError):
            return str(record.msg)
    request = getattr(record, "request", None)
    if request is not None and isinstance(args, tuple):
        # Django's "Not Found: /path", "Forbidden (reason): /path": the route, not the path
        # (which Django may have escaped: "Zo\\xeb" for "Zoë").
        path = getattr(request, "path", None) or ""
        paths = {path, path.encode("unicode_escape").decode("ascii")}
        args = tuple(route_of(request) if arg in paths else arg for arg in args)
        record = logging.makeLogRecord({**record.__dict__, "args": args})
    message = record.getMessage()
    if record.name.startswith("gunicorn") and "request" in message.lower():
        # gunicorn writes the request line or address after the word ("Error handling request
        # /…?q=…", "Invalid request from ip=…: …"): what happened, up to that word.
        message = message[: message.lower().index("request") + len("request")]
    return EMAIL.sub("[e-mail]", message)


def _exception(exc_info) -> dict:
    kind, _value, tb = exc_info
    frames = [
        f"{frame.filename.removeprefix(ROOT)}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(tb)
    ]
    return {"type": f"{kind.__module__}.{kind.__qualname__}", "frames": frames[-12:]}


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        # Django logs a 4xx or 5xx after the middleware is done: its record names the request.
        request = current_request.get() or getattr(record, "request", None)
        if request is not None:
            data.update(_request_fields(request))
        data.update(_task_fields())
        # Fields our own code adds (extra={"fields": {...}}): plain values, never personal data.
        data.update(getattr(record, "fields", None) or {})
        if record.exc_info and record.exc_info[0] is not None:
            data["exception"] = _exception(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """Development's readable lines, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request = current_request.get()
        if request is not None and getattr(request, "id", None):
            line = f"{line} [{request.id}]"
        return line
