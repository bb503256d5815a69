"""Every page is valid HTML: the Nu Html Checker (vnu, the W3C's checker) finds no error.

Every GET page of the permission matrix (coaching/tests/test_permissions.py) that answers 200
with HTML, for every role that gets it; allauth's pages for every role; the error pages (403,
404) as the matrix meets them; the Django admin's pages (/beheer/) for the admin, with an object
of every model that has one; and the HTML part of every e-mail. All go through one run of the
checker (a JVM start is slow).

The checker is npm's vnu-jar, pinned in the Makefile (`make vnu`; `make test` installs it when
npm is there). It needs Java 17 or newer. Without it this test is skipped with the reason, unless
E2E=required (CI), in which case it fails.
"""

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client as HttpClient
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from coaching.emails import templated_message
from coaching.tests import test_permissions as matrix

ROOT = Path(__file__).resolve().parents[2]


def vnu_jar() -> Path:
    """The jar `make vnu` installs (VNU_JAR in the environment overrides it)."""
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    version = re.search(r"^VNU_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)[1]
    return ROOT / f"var/vnu/{version}/node_modules/vnu-jar/build/dist/vnu.jar"


def missing() -> str | None:
    """Why the checker cannot run here, or None."""
    if not vnu_jar().is_file():
        return f"the Nu Html Checker is not installed ({vnu_jar()}): run `make vnu` (needs npm)"
    if not shutil.which("java"):
        return "the Nu Html Checker needs Java 17 or newer (`java` is not on the PATH)"
    return None


REQUIRED = os.environ.get("E2E") == "required"
pytestmark = pytest.mark.skipif(
    missing() is not None and not REQUIRED, reason=f"HTML check skipped: {missing()}"
)

# The matrix's world (built once for this module) and production's security settings.
world_once = matrix.world_once
world = matrix.world
production_security = matrix.production_security
_as_in_production = matrix._as_in_production


def run_vnu(directory: Path) -> list[dict]:
    """The checker's errors for every .html file in the directory (one JVM)."""
    result = subprocess.run(  # noqa: S603 (our own command line)
        [
            "java",
            "-jar",
            str(vnu_jar()),
            "--errors-only",
            "--format",
            "json",
            "--stdout",
            "--exit-zero-always",
            "--skip-non-html",
            str(directory),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"vnu failed ({result.returncode}): {result.stderr}"
    return json.loads(result.stdout)["messages"]


def is_html(response) -> bool:
    return not response.streaming and response.get("Content-Type", "").startswith("text/html")


def matrix_pages(world) -> list[tuple[str, str, bytes]]:
    """(role, URL, HTML) of every page of the matrix that shows HTML to that role."""
    pages, error_pages = [], set()
    allauth = sorted(matrix.ALLAUTH_OPEN | matrix.ALLAUTH_LOGIN_REQUIRED)
    patterns = dict(matrix.all_url_patterns())
    for role in matrix.ROLES:
        client = HttpClient()
        if world["users"][role]:
            client.force_login(world["users"][role])
        urls = [matrix.url_for(name, world) for name in matrix.GET]
        for name in allauth:
            kwargs = {key: matrix.ALLAUTH_KWARGS[key] for key in patterns[name]}
            urls.append(reverse(name, kwargs=kwargs))
        for url in urls:
            response = client.get(url, secure=True)
            if not is_html(response):
                continue
            if response.status_code == 200:
                pages.append((role, url, response.content))
            elif response.status_code in (403, 404) and (role, response.status_code) not in (
                error_pages
            ):
                error_pages.add((role, response.status_code))
                pages.append((role, f"{url} ({response.status_code})", response.content))
        # The forms posted empty, shown again with their errors (after the GETs: a POST may
        # change what the pages show).
        for name in matrix.POST:
            if matrix.POST[name][role] == matrix.OK:
                url = matrix.url_for(name, world)
                response = client.post(url, {}, secure=True)
                if response.status_code == 200 and is_html(response):
                    pages.append((role, f"{url} (POST)", response.content))
    return pages


def admin_pages(world) -> list[tuple[str, str, bytes]]:
    """The admin's pages: every named admin URL, and each model's change, history and delete
    pages for an object of it (the matrix's URLs use id 1, which most models do not have)."""
    urls = [url for _name, url in matrix.admin_urls()]
    for model in admin.site._registry:
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        info = model._meta.app_label, model._meta.model_name
        for action in ("change", "history", "delete"):
            with contextlib.suppress(NoReverseMatch):
                urls.append(reverse(f"admin:{info[0]}_{info[1]}_{action}", args=[obj.pk]))
    client = HttpClient()
    client.force_login(world["users"]["admin"])
    pages = []
    for url in dict.fromkeys(urls):
        response = client.get(url, secure=True)
        if response.status_code == 200 and is_html(response):
            pages.append(("admin", url, response.content))
    return pages


class Example:
    """Whatever an e-mail template asks of its context: a text, a link for a name that ends in
    url or link, a date and time for one that ends in _at or _on, a number of days."""

    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return example(name)

    def __str__(self) -> str:
        return f"Voorbeeld ({self.name})"


def example(name: str):
    if name.endswith(("url", "link")):
        return f"https://praktijk.example/{name}/"
    if name.endswith(("_at", "_on")) or name in {"due", "on", "until", "when"}:
        return timezone.now() + timedelta(days=3)
    if name in {"days", "number"}:
        return 3
    return Example(name)


def email_pages() -> list[tuple[str, str, bytes]]:
    """The HTML part of every e-mail (templates/emails/*_body.html), through templated_message,
    with a value for every name its template uses."""
    pages = []
    for path in sorted((ROOT / "templates" / "emails").glob("*_body.html")):
        name = path.name.removesuffix("_body.html")
        names = set(re.findall(r"\b[a-z_][a-z0-9_]*\b", path.read_text()))
        context = {key: example(key) for key in names - {"site_url", "practice_name"}}
        message = templated_message(name, to="iemand@praktijk.test", context=context)
        (html, mimetype) = message.alternatives[0]
        assert mimetype == "text/html"
        pages.append(("e-mail", f"templates/emails/{path.name}", html.encode()))
    return pages


CANARY = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Kanarie</title></head><body>
<label>Begin <input type="datetime-local" name="start" value="03-12-2026 12:00:00"></label>
</body></html>
"""


@pytest.fixture
def checker():
    reason = missing()
    if reason:
        pytest.fail(f"HTML check required (E2E=required): {reason}", pytrace=False)
    return run_vnu


@pytest.mark.django_db
def test_every_page_is_valid_html(checker, world, tmp_path):
    pages = matrix_pages(world) + admin_pages(world) + email_pages()
    where = {}
    for number, (role, url, html) in enumerate(pages):
        path = tmp_path / f"{number:04d}.html"
        path.write_bytes(html)
        where[path.name] = (role, url)
    # A page with a known error: the checker really read the files.
    (tmp_path / "canary.html").write_text(CANARY)
    started = time.monotonic()
    messages = checker(tmp_path)
    seconds = time.monotonic() - started
    errors = [message for message in messages if message.get("type") != "info"]
    canary = [error for error in errors if error.get("url", "").endswith("/canary.html")]
    assert [error["message"] for error in canary] == [
        "Bad value “03-12-2026 12:00:00” for attribute “value” on element “input”: "
        "The literal did not satisfy the local datetime format."
    ], canary
    errors = [error for error in errors if error not in canary]
    print(
        f"\nvnu checked {len(pages)} pages ({len({url for _role, url in where.values()})} URLs)"
        f" in {seconds:.1f} s: {len(errors)} errors"
    )
    print("  pages per role:", dict(Counter(role for role, _url in where.values())))
    for text, count in Counter(error["message"] for error in errors).most_common():
        print(f"  {count:4d}  {text}")
    report = []
    for error in errors:
        name = Path(error.get("url", "")).name
        role, url = where.get(name, ("?", error.get("url", "?")))
        report.append(
            f"{url} as {role} ({name}), line {error.get('lastLine', '?')}: {error['message']}"
            f" [{error.get('extract', '').strip()}]"
        )
    assert not report, f"{len(report)} HTML errors (the pages are in {tmp_path}):\n" + "\n".join(
        report
    )
