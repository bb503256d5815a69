"""Fetching a coach's calendar address (sessions.fetch) from a local HTTP server in the test:
a conditional GET answered 304, a timeout, a 500, an oversized body, a redirect, and in
production an http address and one that resolves to a private range, both refused before any
connection."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sessions import fetch as fetching
from sessions.fetch import FetchError, fetch

CALENDAR = (Path(__file__).with_name("calendars") / "practice.ics").read_bytes()


class Handler(BaseHTTPRequestHandler):
    released = threading.Event()
    seen: list[dict] = []

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        Handler.seen.append(dict(self.headers))
        if self.path == "/agenda.ics":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("ETag", '"v1"')
            self.send_header("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT")
            self.send_header("Content-Length", str(len(CALENDAR)))
            self.end_headers()
            self.wfile.write(CALENDAR)
        elif self.path == "/traag.ics":
            Handler.released.wait(10)  # until the test is done with it
            self.send_response(200)
            self.end_headers()
        elif self.path == "/kapot.ics":
            self.send_response(500)
            self.end_headers()
        elif self.path == "/groot.ics":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the cap counts what arrives
            self.wfile.write(b"X" * 5000)
        elif self.path == "/verhuisd.ics":
            self.send_response(302)
            self.send_header("Location", "/agenda.ics")
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()


@pytest.fixture
def server():
    Handler.released.clear()
    Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        Handler.released.set()
        httpd.shutdown()
        httpd.server_close()


def test_a_calendar_then_not_modified(server):
    first = fetch(f"{server}/agenda.ics")
    assert first.body == CALENDAR and first.etag == '"v1"'
    again = fetch(f"{server}/agenda.ics", etag=first.etag, last_modified=first.last_modified)
    assert again.body is None  # 304: unchanged
    assert Handler.seen[-1]["If-None-Match"] == '"v1"'
    assert Handler.seen[-1]["If-Modified-Since"] == "Tue, 01 Dec 2026 10:00:00 GMT"


def test_a_redirect_is_followed(server):
    assert fetch(f"{server}/verhuisd.ics").body == CALENDAR


def test_a_server_that_does_not_answer_in_time(server, monkeypatch):
    monkeypatch.setattr(fetching, "TIMEOUT_SECONDS", 0.3)
    with pytest.raises(FetchError, match="niet binnen"):
        fetch(f"{server}/traag.ics")


def test_an_error_answer(server):
    with pytest.raises(FetchError, match="antwoord 500"):
        fetch(f"{server}/kapot.ics")


def test_an_oversized_body(server, monkeypatch):
    monkeypatch.setattr(fetching, "MAX_BYTES", 1000)
    with pytest.raises(FetchError, match="groter dan"):
        fetch(f"{server}/groot.ics")


def test_nothing_listening(server):
    with pytest.raises(FetchError, match="niet te bereiken"):
        fetch("http://127.0.0.1:9/agenda.ics")


@pytest.mark.parametrize(
    "url, says",
    [
        ("http://calendar.example/agenda.ics", "Alleen een https-adres"),
        ("https://localhost/agenda.ics", "intern netwerk"),
        ("https://127.0.0.1/agenda.ics", "intern netwerk"),
        ("https://10.1.2.3/agenda.ics", "intern netwerk"),
        ("https://169.254.169.254/latest/meta-data", "intern netwerk"),
        ("https://[::1]/agenda.ics", "intern netwerk"),
        ("ftp://calendar.example/agenda.ics", "Alleen een https-adres"),
    ],
)
def test_production_refuses_plain_http_and_private_addresses(settings, url, says):
    settings.PRODUCTION = True
    with pytest.raises(FetchError, match=says):
        fetch(url)
