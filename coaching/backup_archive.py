"""The backup archive's format: one encrypted stream of named entries.

An archive is a header and AES-256-GCM chunks:

- the header (authenticated with every chunk): ``MAGIC`` (16 bytes), the backup key's id (8
  bytes: an HMAC of the key, which does not reveal it) and a random salt (16 bytes). The
  archive's own key is derived from the backup key and the salt (HKDF-SHA256), so no two
  archives share one, and each chunk's nonce can simply be its number;
- chunks of at most ``CHUNK`` bytes of plaintext, each written as a 4-byte length (its top bit
  set on the last chunk) and the ciphertext with its tag. The nonce holds the chunk's number
  and whether it is the last, so a chunk that is changed, moved, dropped or cut off fails its
  tag, and an archive without its last chunk is known to be truncated (the STREAM
  construction of Hoang, Reyhanitabar, Rogaway and Vizár).

Inside, the plaintext is a row of entries: ``b"F"``, the name's length (2 bytes) and the name,
then the content as blocks (a 4-byte length and the bytes) up to an empty block; ``b"."`` ends
the archive. So the database dump is streamed in without being written to disk first, and its
size need not be known beforehand (which a tar member's header needs).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

MAGIC = b"PRAKTIJK-BACKUP1"
CHUNK = 1 << 20
_LAST = 1 << 31
_TAG = 16
_HEADER = len(MAGIC) + 8 + 16


class ArchiveError(Exception):
    """The archive cannot be read: not ours, another key, damaged or cut off."""


def key_bytes(key: str) -> bytes:
    """A backup key as PRAKTIJK_BACKUP_KEYS holds it (32 bytes, URL-safe base64)."""
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ArchiveError(
            _(
                "Een back-upsleutel is 32 bytes in URL-veilige base64; maak er een met "
                "`manage.py generate_encryption_key`."
            )
        )
    return raw


def key_id(key: bytes) -> bytes:
    return hmac.new(key, b"praktijk backup key id", hashlib.sha256).digest()[:8]


def _aead(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"praktijk backup v1"
    ).derive(key)
    return AESGCM(derived)


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class Writer:
    """Writes entries into an encrypted archive (``file`` is open for writing in binary)."""

    def __init__(self, file: BinaryIO, key: bytes):
        salt = os.urandom(16)
        self._file = file
        self._header = MAGIC + key_id(key) + salt
        self._aead = _aead(key, salt)
        self._number = 0
        self._buffer = bytearray()
        self.bytes_written = 0
        self._write(self._header)

    def _write(self, data: bytes) -> None:
        self._file.write(data)
        self.bytes_written += len(data)

    def _seal(self, plaintext: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._number, last), plaintext, self._header)
        self._write(struct.pack(">I", len(sealed) | (_LAST if last else 0)) + sealed)
        self._number += 1

    def _put(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def entry(self, name: str, blocks) -> None:
        """An entry of this name whose content is the iterable of bytes ``blocks``."""
        encoded = name.encode()
        self._put(b"F" + struct.pack(">H", len(encoded)) + encoded)
        for block in blocks:
            if block:
                self._put(struct.pack(">I", len(block)) + block)
        self._put(struct.pack(">I", 0))

    def close(self) -> None:
        self._put(b".")
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()


class Reader:
    """Reads an archive's entries in order, checking every chunk as it comes.

    ``entries()`` yields ``(name, blocks)``; each entry's blocks must be read (or skipped by
    moving on) before the next. A damaged or truncated archive raises ``ArchiveError`` at the
    place where it is found, so a caller must not act on what it read until the end.
    """

    def __init__(self, file: BinaryIO, keys: list[bytes]):
        self._file = file
        header = file.read(_HEADER)
        if len(header) < _HEADER or not header.startswith(MAGIC):
            raise ArchiveError(_("Dit is geen back-up van Praktijk (of het begin ontbreekt)."))
        wanted = header[len(MAGIC) : len(MAGIC) + 8]
        key = next((key for key in keys if hmac.compare_digest(key_id(key), wanted)), None)
        if key is None:
            raise ArchiveError(
                _(
                    "Deze back-up is gemaakt met een andere back-upsleutel (sleutel-id %(id)s) "
                    "dan die in PRAKTIJK_BACKUP_KEYS (%(ours)s). Zet de sleutel van toen in "
                    "PRAKTIJK_BACKUP_KEYS."
                )
                % {"id": wanted.hex(), "ours": ", ".join(key_id(k).hex() for k in keys) or "-"}
            )
        self._header = header
        self._aead = _aead(key, header[len(MAGIC) + 8 :])
        self._number = 0
        self._offset = _HEADER
        self._plain = b""
        self._at = 0
        self._ended = False
        self.chunks = 0

    def _damaged(self) -> ArchiveError:
        return ArchiveError(
            _(
                "De back-up is beschadigd: blok %(number)s (vanaf byte %(offset)s) klopt niet "
                "met zijn controlecode. Er is niets teruggezet."
            )
            % {"number": self._number + 1, "offset": self._offset}
        )

    def _truncated(self) -> ArchiveError:
        return ArchiveError(
            _(
                "De back-up is afgebroken: het bestand houdt op na %(offset)s bytes, voor het "
                "einde van het archief. Er is niets teruggezet."
            )
            % {"offset": self._offset}
        )

    def _next_chunk(self) -> None:
        if self._ended:
            raise self._truncated()
        prefix = self._file.read(4)
        if len(prefix) < 4:
            raise self._truncated()
        (length,) = struct.unpack(">I", prefix)
        last = bool(length & _LAST)
        length &= ~_LAST
        if length < _TAG or length > CHUNK + _TAG:
            raise self._damaged()
        sealed = self._file.read(length)
        if len(sealed) < length:
            raise self._truncated()
        try:
            plain = self._aead.decrypt(_nonce(self._number, last), sealed, self._header)
        except InvalidTag:
            raise self._damaged() from None
        self._number += 1
        self.chunks += 1
        self._offset += 4 + length
        if last:
            self._ended = True
            if self._file.read(1):
                raise ArchiveError(
                    _("Na het einde van de back-up staan nog gegevens. Er is niets teruggezet.")
                )
        self._plain = self._plain[self._at :] + plain
        self._at = 0

    def _take(self, size: int) -> bytes:
        while len(self._plain) - self._at < size:
            self._next_chunk()
        taken = self._plain[self._at : self._at + size]
        self._at += size
        return taken

    def entries(self) -> Iterator[tuple[str, Iterator[bytes]]]:
        while True:
            kind = self._take(1)
            if kind == b".":
                if not self._ended or self._at != len(self._plain):
                    raise self._damaged()
                return
            if kind != b"F":
                raise self._damaged()
            (size,) = struct.unpack(">H", self._take(2))
            name = self._take(size).decode("utf-8", errors="strict")
            blocks = self._blocks()
            yield name, blocks
            for _rest in blocks:  # what the caller did not read
                pass

    def _blocks(self) -> Iterator[bytes]:
        while True:
            (size,) = struct.unpack(">I", self._take(4))
            if size == 0:
                return
            yield self._take(size)
