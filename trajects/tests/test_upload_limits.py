"""Uploads never touch the disk unencrypted: an attachment too
large to keep in memory is skipped (coaching.uploads), never spooled to a temporary file; the
page says so and shows the typed text again, and nothing is stored. A normal attachment works
as before, for the coachee and the coach."""

import ast
import importlib
import inspect
import pkgutil
import re
import tempfile
from html import unescape
from pathlib import Path
from uuid import uuid4

import pytest
from django import forms
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test.signals import template_rendered

from coaching.models import Client
from coaching.uploads import RefusedUploadsMixin
from trajects.models import Message, Traject
from trajects.tests.factories import TrajectFactory

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
REFUSED = "Deze bijlage is groter dan 1 MB; er is niets opgeslagen. Je bericht staat hieronder nog."


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.PRAKTIJK_EMAIL_MAX_ATTACHMENT_MB = 1
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * MB  # as coaching/settings.py: the limit + 1 MB


@pytest.fixture
def conversation(coachee):
    return TrajectFactory(client=Client.objects.get(account=coachee), kind=Traject.Kind.EMAIL)


def _pdf(sentinel: str, size: int) -> bytes:
    """A PDF of about `size` bytes with the sentinel all through it."""
    line = b"BT (Vertrouwelijk " + sentinel.encode() + b") Tj ET\n"
    return b"%PDF-1.7\n" + line * (size // len(line) + 1) + b"%%EOF\n"


def _files_holding(sentinel: str) -> list[str]:
    """Files that hold the sentinel: right under the temporary directory (where Django's
    TemporaryUploadedFile goes) and anywhere under MEDIA_ROOT."""
    places = list(Path(tempfile.gettempdir()).iterdir())
    places += list(Path(django_settings.MEDIA_ROOT).rglob("*"))
    found = []
    for path in places:
        try:
            if path.is_file() and sentinel.encode() in path.read_bytes():
                found.append(str(path))
        except OSError:  # another user's file, or gone meanwhile
            continue
    return found


@pytest.fixture
def disk_watch(monkeypatch):
    """While the request is handled (each template the view renders, the upload still open):
    which files hold the sentinel; and every TemporaryUploadedFile made."""
    seen = {"scans": 0, "holding": [], "temporary_files": []}
    watch = {"sentinel": None}
    original_init = TemporaryUploadedFile.__init__

    def recording_init(self, *args, **kwargs):
        seen["temporary_files"].append(args[0] if args else kwargs.get("name"))
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", recording_init)

    def scan(**kwargs):
        if watch["sentinel"] and seen["scans"] == 0:  # the page's own template is enough
            seen["scans"] += 1
            seen["holding"] += _files_holding(watch["sentinel"])

    template_rendered.connect(scan, dispatch_uid="upload-limits-disk-watch")
    yield watch, seen
    template_rendered.disconnect(dispatch_uid="upload-limits-disk-watch")


def _textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name} on the page"
    return unescape(match.group(1)).strip()


def _post(client, user, conversation, by_coach: bool, data):
    client.force_login(user)
    if by_coach:
        return client.post(f"/coach/trajecten/{conversation.uuid}/berichten/", data)
    return client.post(f"/portaal/berichten/{conversation.uuid}/", data)


@pytest.mark.parametrize("by_coach", [False, True], ids=["coachee", "coach"])
def test_a_too_large_attachment_is_never_on_disk_and_the_text_stays(
    client, coachee, coach_a, conversation, disk_watch, by_coach
):
    watch, seen = disk_watch
    sentinel = f"TE-GROOT-{uuid4().hex}"
    watch["sentinel"] = sentinel
    text = f"Mijn lange verhaal over de afgelopen week & <mijn> werk {uuid4().hex}"
    pdf = _pdf(sentinel, 3 * MB)  # larger than the request may be to stay in memory
    user = coach_a if by_coach else coachee

    response = _post(
        client,
        user,
        conversation,
        by_coach,
        {"body": text, "attachment": SimpleUploadedFile("verslag.pdf", pdf, "application/pdf")},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSED in unescape(page)
    assert page.index(REFUSED) < page.index('name="body"')  # above the text, as it says
    assert _textarea(page, "body") == text  # the typed text is on the page, in the form
    assert not Message.objects.exists()  # nothing is stored
    # While the request was handled: no temporary upload file, no file holding the PDF.
    assert seen["scans"] == 1
    assert seen["temporary_files"] == []
    assert seen["holding"] == []
    assert _files_holding(sentinel) == []
    assert not any(p.is_file() for p in Path(django_settings.MEDIA_ROOT).rglob("*"))


@pytest.mark.parametrize("by_coach", [False, True], ids=["coachee", "coach"])
def test_a_normal_attachment_still_works(
    client, coachee, coach_a, conversation, disk_watch, by_coach
):
    _watch, seen = disk_watch
    sentinel = f"GEWOON-{uuid4().hex}"
    pdf = _pdf(sentinel, MB // 2)
    user = coach_a if by_coach else coachee

    response = _post(
        client,
        user,
        conversation,
        by_coach,
        {"body": "Zie de bijlage", "attachment": SimpleUploadedFile("verslag.pdf", pdf)},
    )

    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.from_coach, message.attachment_type) == (by_coach, "application/pdf")
    assert message.attachment.decrypted() == pdf
    assert seen["temporary_files"] == []
    assert _files_holding(sentinel) == []  # stored encrypted, nowhere plain


def test_without_an_attachment_a_large_request_is_not_refused(client, coachee, conversation):
    """A request too large for memory without a file (a long text, an empty file field as a
    browser sends it) refuses nothing."""
    boundary = "GRENS"
    raw = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n'
        + "x" * (2 * MB + 10)
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="attachment"; filename=""'
        f"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
    )
    client.force_login(coachee)
    response = client.post(
        f"/portaal/berichten/{conversation.uuid}/",
        raw,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302
    assert Message.objects.get().attachment.name == ""


def test_the_upload_handlers_never_write_to_disk():
    assert django_settings.FILE_UPLOAD_HANDLERS == [
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "coaching.uploads.MemoryOnlyUploadHandler",
    ]


def test_the_form_names_the_refused_file_of_its_own_fields_only():
    class Form(RefusedUploadsMixin, forms.Form):
        text = forms.CharField()
        upload = forms.FileField(required=False)

    data = {"p-text": "blijft"}
    refused = Form(data, {}, prefix="p", refused_uploads=["p-upload"])
    assert not refused.is_valid()
    assert refused.non_field_errors() == [REFUSED]
    assert refused.data["p-text"] == "blijft"
    assert Form(data, {}, prefix="p", refused_uploads=["upload", "p-text"]).is_valid()
    assert Form(data, {}, prefix="p").is_valid()


PROJECT_APPS = ["coaching", "trajects", "groups", "sessions", "billing", "privacy", "audit"]


def _project_modules():
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".tests" not in info.name and ".migrations" not in info.name:
                yield importlib.import_module(info.name)


def test_every_form_with_a_file_field_says_when_its_file_was_refused():
    """A new form that takes a file mixes in RefusedUploadsMixin; a new view that reads
    request.FILES hands it refused_uploads(request): a too large file is never dropped in
    silence, nor a message saved without it."""
    with_files, reading_files = [], []
    for module in _project_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, forms.BaseForm):
                continue
            if any(isinstance(f, forms.FileField) for f in cls.base_fields.values()):
                with_files.append(cls)
                assert issubclass(cls, RefusedUploadsMixin), cls
        source = inspect.getsource(module)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and "request.FILES" in ast.unparse(node):
                reading_files.append(f"{module.__name__}.{node.name}")
                assert "refused_uploads=refused_uploads(request)" in ast.unparse(node), node.name
    assert with_files and reading_files  # the check looked at something
