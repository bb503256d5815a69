"""Every request: an id (X-Request-ID), a line in the application log, and the Prometheus
metrics (coaching.metrics); the log lines written while it is served carry its id and user
(coaching.logs)."""

import logging
import re
import time
import uuid

from django.conf import settings

from coaching import metrics
from coaching.logs import current_request, route_of

log = logging.getLogger("praktijk.requests")
# An id sent by the proxy is kept (so that its log and ours meet) when it looks like one.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            match = request.resolver_match
            view = match.view_name if match is not None else "-"
            method = request.method if request.method in METHODS else "OTHER"
            metrics.observe_request(view, method, response.status_code, seconds)
            response["X-Request-ID"] = request.id
            if settings.PRAKTIJK_ACCESS_LOG:
                log.info(
                    "%s %s %s",
                    method,
                    route_of(request),
                    response.status_code,
                    extra={
                        "fields": {
                            "method": method,
                            "route": route_of(request),
                            "view": view,
                            "status": response.status_code,
                            "duration_ms": round(seconds * 1000, 1),
                        }
                    },
                )
            return response
        finally:
            current_request.reset(token)
