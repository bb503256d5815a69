"""Uploads never touch the disk unencrypted.

Django keeps a file in memory (MemoryFileUploadHandler) only when the whole request body fits in
FILE_UPLOAD_MAX_MEMORY_SIZE (the attachment limit + 1 MB); a larger one would go, as it came, to
a temporary file (TemporaryFileUploadHandler) before the form refuses it as too big.
`MemoryOnlyUploadHandler` takes that handler's place in FILE_UPLOAD_HANDLERS: a file that does
not fit in memory is skipped (read and thrown away, never written) and its field name goes to
``request.refused_uploads``. The other fields of the request (the typed message) are parsed as
usual, so the page can show the form again with the text and the reason.

A form that takes a file mixes in `RefusedUploadsMixin` and gets
``refused_uploads=refused_uploads(request)``: a refused file is an error of the form (nothing is
saved), never a message saved without its attachment.
"""

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.translation import gettext as _


def refused_uploads(request: HttpRequest) -> list[str]:
    """The names of the file fields of this request that were too large to keep in memory."""
    return getattr(request, "refused_uploads", [])


class MemoryOnlyUploadHandler(FileUploadHandler):
    """After MemoryFileUploadHandler, which takes (and stops the handlers after it for) every
    file of a request that fits in memory: a file that reaches this handler does not fit, and
    is skipped without a byte of it being kept."""

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        if self.request is not None:
            if not hasattr(self.request, "refused_uploads"):
                self.request.refused_uploads = []
            self.request.refused_uploads.append(field_name)
        raise SkipFile  # the parser reads the rest of this file and throws it away

    def receive_data_chunk(self, raw_data, start):  # never: the file was skipped in new_file
        return None

    def file_complete(self, file_size):  # never: the file was skipped in new_file
        return None


def too_large_message() -> str:
    return _(
        "Deze bijlage is groter dan %(mb)s MB; er is niets opgeslagen. Je bericht staat "
        "hieronder nog."
    ) % {"mb": settings.PRAKTIJK_EMAIL_MAX_ATTACHMENT_MB}


class RefusedUploadsMixin:
    """For a form with a FileField: a file the upload handler refused (too large for memory)
    makes the bound form invalid, with the reason above the fields; the other data stays in the
    form, so the page shows it again."""

    def __init__(self, *args, refused_uploads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_uploads = set(refused_uploads)

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not self.refused_uploads:
            return
        if any(
            isinstance(field, forms.FileField) and self.add_prefix(name) in self.refused_uploads
            for name, field in self.fields.items()
        ):
            # Above the form (its text is "below"); the file field itself cannot be filled again.
            self.add_error(None, too_large_message())
