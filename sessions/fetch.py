"""Fetching a coach's secret iCalendar address, carefully (the busy times of sessions.busy).

- A conditional GET: the ETag and Last-Modified of the last answer go along, and a 304 means
  "unchanged" (Google, Outlook and iCloud send them).
- A timeout for every connection and read, and a cap on the size of the body.
- In production only https, and never an address in a private, loopback, link-local or other
  non-public range (so the server cannot be pointed at the practice's own network): the host's
  addresses are resolved and checked, and the connection goes to the checked address itself
  (with the host's name for TLS and the Host header), so a name that resolves differently a
  moment later (DNS rebinding) gains nothing. Redirects are followed (at most three), each
  checked the same way.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 10
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
USER_AGENT = "Praktijk (busy times of the coach's own calendar)"


class FetchError(Exception):
    """Why the address gave no calendar, in the coach's words."""


@dataclass
class Fetched:
    body: bytes | None  # None: not modified since (304)
    etag: str = ""
    last_modified: str = ""


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(_("De naam %(host)s is niet gevonden.") % {"host": host}) from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_global and not ip.is_multicast


def _checked(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, path with query, the address to connect to)."""
    parts = urlsplit(url)
    allowed = {"https"} if settings.PRODUCTION else {"https", "http"}
    if parts.scheme not in allowed or not parts.hostname:
        raise FetchError(
            _("Alleen een https-adres kan (zoals https://calendar.google.com/…/basic.ics).")
        )
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _addresses(parts.hostname, port)
    if settings.PRODUCTION:
        addresses = [address for address in addresses if _public(address)]
        if not addresses:
            raise FetchError(
                _("Het adres %(host)s wijst naar een intern netwerk; dat wordt niet opgehaald.")
                % {"host": parts.hostname}
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path, addresses[0]


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a given address, with the host's name for SNI and the certificate."""

    def __init__(self, host: str, port: int, address: str, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """The calendar at `url`, or None as body when it did not change; FetchError otherwise."""
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path, address = _checked(url)
        kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
        connection = kind(host, port, address, timeout=TIMEOUT_SECONDS)
        headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status == 304:
                return Fetched(None, etag=etag, last_modified=last_modified)
            if response.status != 200:
                raise FetchError(
                    _("Het adres gaf antwoord %(status)s in plaats van een agenda.")
                    % {"status": response.status}
                )
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > MAX_BYTES:
                raise FetchError(_too_big())
            body = response.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise FetchError(_too_big())
            return Fetched(
                body,
                etag=response.getheader("ETag") or "",
                last_modified=response.getheader("Last-Modified") or "",
            )
        except TimeoutError:
            raise FetchError(
                _("Het adres antwoordde niet binnen %(seconds)s seconden.")
                % {"seconds": TIMEOUT_SECONDS}
            ) from None
        except ssl.SSLError:
            raise FetchError(
                _("De beveiligde verbinding met %(host)s lukte niet.") % {"host": host}
            ) from None
        except (OSError, http.client.HTTPException):
            raise FetchError(
                _("Het adres %(host)s was niet te bereiken.") % {"host": host}
            ) from None
        finally:
            connection.close()
    raise FetchError(_("Het adres stuurt te vaak door."))


def _too_big() -> str:
    return _("De agenda is groter dan %(mb)s MB; dat wordt niet opgehaald.") % {
        "mb": MAX_BYTES // (1024 * 1024)
    }
