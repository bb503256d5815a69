"""Encryption at rest of dossier text and messages (DESIGN.md §7).

`EncryptedTextField` stores its text as ``fernet:<token>`` (Fernet: AES-128-CBC with an
HMAC-SHA256, from the `cryptography` package). The keys are PRAKTIJK_ENCRYPTION_KEYS, newest
first: new text is written with the first key, and every key reads. To rotate, put a new key in
front, deploy, and run ``manage.py reencrypt``, which rewrites every row under the new key;
then the old key can go.

An empty text stays empty (the application asks "is there an agreement?" in SQL), and a row
written before its field was encrypted (no prefix) still reads; ``reencrypt`` encrypts it.
Other lookups than empty/not empty cannot work on ciphertext: nothing filters on these texts.

Files (attachments to messages) are encrypted the same way, with the same keys: an
`EncryptedFileField` stores ``fernet:<token>`` under a name ending in ``.fernet``; read the
file's content with ``field_file.decrypted()`` (``open()`` gives the ciphertext). A file stored
before encryption (no prefix) still reads; the migration that made the field encrypted and
``reencrypt`` encrypt it, and ``reencrypt`` moves every file to the newest key.
"""

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile

PREFIX = "fernet:"
FILE_PREFIX = PREFIX.encode()
FILE_SUFFIX = ".fernet"

log = logging.getLogger(__name__)


class UnreadableText(ImproperlyConfigured):
    """A stored text none of the configured keys can read."""


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, MultiFernet]:
    try:
        fernets = [Fernet(key.encode()) for key in keys]
    except ValueError as error:
        raise ImproperlyConfigured(
            "PRAKTIJK_ENCRYPTION_KEYS holds a key that is not a Fernet key (32 bytes, URL-safe "
            "base64: make one with `python manage.py generate_encryption_key`)."
        ) from error
    return fernets[0], MultiFernet(fernets)


def _current() -> tuple[Fernet, MultiFernet]:
    return _fernets(tuple(settings.PRAKTIJK_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return PREFIX + _current()[1].encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before the field was encrypted
    try:
        return _current()[1].decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise UnreadableText(
            "A stored text cannot be read with any key in PRAKTIJK_ENCRYPTION_KEYS: the key it "
            "was written with is missing."
        ) from error


def rewritten(stored: str) -> str | None:
    """The stored text under the newest key, or None when it is under it already."""
    if stored.startswith(PREFIX):
        token = stored[len(PREFIX) :].encode()
        newest, every = _current()
        try:
            newest.decrypt(token)
            return None
        except InvalidToken:
            return PREFIX + every.rotate(token).decode()
    return encrypt(stored)


class EncryptedTextField(models.TextField):
    """A TextField whose non-empty text is encrypted in the database."""

    description = "Text (encrypted at rest)"

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[models.Field]]]:
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            yield model, fields


@contextmanager
def append_only_lifted(cursor, tables: list[str]):
    """Lets this transaction rewrite rows of append-only tables (trajects 0002) with the same
    text under another key. PostgreSQL: a setting the trigger honours, for this transaction
    only; SQLite: the triggers are dropped and made again within the transaction."""
    vendor = cursor.db.vendor
    if vendor == "postgresql":
        # For this transaction only; off again right after, so that the rest of a longer
        # transaction is append-only as before (after an error the savepoint's rollback
        # undoes the setting itself).
        cursor.execute("SET LOCAL praktijk.reencrypt = 'on'")
        yield
        cursor.execute("SET LOCAL praktijk.reencrypt = 'off'")
        return
    triggers = {}
    if vendor == "sqlite":
        for table in tables:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
            for name, sql in cursor.fetchall():
                triggers[name] = sql
                cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for sql in triggers.values():
            cursor.execute(sql)


def plain(stored: str) -> str | None:
    """The text itself (for a migration back to plain text), or None when it is plain."""
    return decrypt(stored) if stored.startswith(PREFIX) else None


def rewrite_table(model, fields, *, transform=rewritten, batch: int = 500) -> int:
    """Rewrites every row of the model whose texts `transform` changes (by default: those not
    under the newest key, plain rows included); returns how many rows changed. Call inside a
    transaction."""
    table = model._meta.db_table
    columns = [field.column for field in fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    pk = connection.ops.quote_name(model._meta.pk.column)
    name = connection.ops.quote_name(table)
    changed, last = 0, None
    with connection.cursor() as cursor, append_only_lifted(cursor, [table]):
        while True:
            where = f"WHERE {pk} > %s " if last is not None else ""
            # The names come from the models; the values are parameters.
            select = f"SELECT {pk}, {quoted} FROM {name} {where}ORDER BY {pk} LIMIT %s"  # nosec B608
            cursor.execute(select, [*([last] if last is not None else []), batch])
            rows = cursor.fetchall()
            if not rows:
                return changed
            for row in rows:
                last = row[0]
                new = [transform(value) if value else None for value in row[1:]]
                if any(new):
                    sets = ", ".join(
                        f"{connection.ops.quote_name(column)} = %s"
                        for column, value in zip(columns, new, strict=True)
                        if value
                    )
                    update = f"UPDATE {name} SET {sets} WHERE {pk} = %s"  # nosec B608
                    cursor.execute(update, [value for value in new if value] + [last])
                    changed += 1


def encrypt_rows(app_label: str):
    """(forward, backward) for a migration's RunPython that makes fields of the app encrypted:
    forward encrypts the rows written before, backward writes them back as plain text."""

    def run(apps, transform) -> None:
        for model in apps.get_app_config(app_label).get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if fields:
                rewrite_table(model, fields, transform=transform)

    def forward(apps, schema_editor):
        run(apps, rewritten)

    def backward(apps, schema_editor):
        run(apps, plain)

    return forward, backward


# --- Files ------------------------------------------------------------------------------------


def encrypt_bytes(data: bytes) -> bytes:
    return FILE_PREFIX + _current()[1].encrypt(data)


def decrypt_bytes(stored: bytes) -> bytes:
    if not stored.startswith(FILE_PREFIX):
        return stored  # stored before files were encrypted
    try:
        return _current()[1].decrypt(stored[len(FILE_PREFIX) :])
    except InvalidToken as error:
        raise UnreadableText(
            "A stored file cannot be read with any key in PRAKTIJK_ENCRYPTION_KEYS: the key it "
            "was written with is missing."
        ) from error


def rewritten_bytes(stored: bytes) -> bytes | None:
    """The file's content under the newest key, or None when it is under it already."""
    if stored.startswith(FILE_PREFIX):
        token = stored[len(FILE_PREFIX) :]
        newest, every = _current()
        try:
            newest.decrypt(token)
            return None
        except InvalidToken:
            return FILE_PREFIX + every.rotate(token)
    return encrypt_bytes(stored)


def plain_bytes(stored: bytes) -> bytes | None:
    """The file's content itself (for a migration back), or None when it is plain."""
    return decrypt_bytes(stored) if stored.startswith(FILE_PREFIX) else None


class EncryptedFieldFile(FieldFile):
    def save(self, name, content, save=True):
        # Encrypted before it reaches the storage: no plain copy is ever written there.
        data = b"".join(content.chunks()) if hasattr(content, "chunks") else content.read()
        if not name.endswith(FILE_SUFFIX):
            name += FILE_SUFFIX
        super().save(name, ContentFile(encrypt_bytes(data)), save)

    save.alters_data = True

    def decrypted(self) -> bytes:
        """The file's content as it was uploaded (OSError when the file is gone)."""
        with self.storage.open(self.name, "rb") as file:
            return decrypt_bytes(file.read())


class EncryptedFileField(models.FileField):
    """A FileField whose files are encrypted in the storage (same keys as the texts)."""

    attr_class = EncryptedFieldFile
    description = "File (encrypted at rest)"


def encrypted_files() -> Iterator[tuple[type[models.Model], models.Field]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedFileField):
                yield model, field


def _renamed(name: str, encrypted: bool) -> str:
    """The name for the rewritten file: without the random parts the storage added to the
    name taken (`x_AbC1234.pdf.fernet`), so that names do not grow with every rotation."""
    directory, slash, filename = name.removesuffix(FILE_SUFFIX).rpartition("/")
    stem, dot, extensions = filename.partition(".")
    base = directory + slash + re.sub(r"(_[A-Za-z0-9]{7})+$", "", stem) + dot + extensions
    return base + FILE_SUFFIX if encrypted else base


def rewrite_files(
    model, field, *, transform: Callable[[bytes], bytes | None] = rewritten_bytes
) -> int:
    """Rewrites every file of the field that `transform` changes (by default: those not under
    the newest key, plain files included); returns how many changed. Each file is written
    under a new name, the row points at it in a transaction of its own, and the old file goes
    once that committed: an interruption leaves every row pointing at a file it can read."""
    storage = field.storage
    manager = model._base_manager
    rows = manager.exclude(**{field.attname: ""}).exclude(**{f"{field.attname}__isnull": True})
    changed = 0
    # A list first: the loop writes to the table (SQLite does not isolate an open cursor).
    for pk, name in list(rows.order_by("pk").values_list("pk", field.attname)):
        try:
            with storage.open(name, "rb") as file:
                stored = file.read()
        except OSError:
            log.warning("%s %s: the file %s is missing", model._meta.label, pk, name)
            continue
        new = transform(stored)
        if new is None:
            continue
        new_name = storage.save(
            _renamed(name, new.startswith(FILE_PREFIX)),
            ContentFile(new),
            max_length=field.max_length,
        )
        try:
            with transaction.atomic():
                # Only if the row still points at the file read (not changed meanwhile).
                moved = manager.filter(pk=pk, **{field.attname: name}).update(
                    **{field.attname: new_name}
                )
        except Exception:
            storage.delete(new_name)
            raise
        if not moved:
            storage.delete(new_name)
            continue
        transaction.on_commit(lambda name=name: storage.delete(name), robust=True)
        changed += 1
    return changed


def encrypt_files(app_label: str):
    """(forward, backward) for a migration's RunPython that makes file fields of the app
    encrypted: forward encrypts the files stored before, backward writes them back plain."""

    def run(apps, transform) -> None:
        for model in apps.get_app_config(app_label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, EncryptedFileField):
                    rewrite_files(model, field, transform=transform)

    def forward(apps, schema_editor):
        run(apps, rewritten_bytes)

    def backward(apps, schema_editor):
        run(apps, plain_bytes)

    return forward, backward
