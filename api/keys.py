"""API keys for writes (and, when configured, reads): several named keys, hashed at rest.

A key is shown once, when it is made (``vaksam keys create --name intranet``); the file
(``VAKSAM_KEYS_FILE``) keeps only its SHA-256, its name and its first characters, so a
leaked file opens nothing. Keys are 256-bit random tokens, so a plain hash is enough
(no password stretching): there is nothing to guess. Clients send the key as
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.

Usage::

    keys = KeyStore(Path("data/api-keys.json"))
    secret = keys.create("intranet")      # "vk_..." - shown once
    keys.verify(secret)                    # the ApiKey record, or None
    keys.revoke("intranet")
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

PREFIX = "vk_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


class KeyFileError(ValueError):
    """A key cannot be made or removed as asked."""


class ApiKey(BaseModel):
    name: str
    hint: str  # the first characters, to tell keys apart in listings and logs
    sha256: str
    created: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyStore:
    """The key file, re-read when it changes so `vaksam keys` takes effect in a running server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._cache: tuple[float, list[ApiKey]] | None = None

    def keys(self) -> list[ApiKey]:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return []
        with self._lock:
            if self._cache is None or self._cache[0] != mtime:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    self._cache = (mtime, [ApiKey(**k) for k in data.get("keys", [])])
                except (OSError, ValueError, TypeError) as exc:
                    raise KeyFileError(f"the key file {self.path} cannot be read: {exc}") from exc
            return list(self._cache[1])

    def verify(self, secret: str | None) -> ApiKey | None:
        """The key that ``secret`` is, or None. Compares every stored hash in constant time."""
        if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        digest = _digest(secret)
        found = None
        for key in self.keys():
            if hmac.compare_digest(key.sha256, digest):
                found = key
        return found

    def create(self, name: str) -> str:
        """Make a key named ``name`` and return its secret (the only time it is shown)."""
        name = name.strip()
        if not _NAME.match(name):
            raise KeyFileError("a key name is 1-64 letters, digits, spaces, dots, dashes or underscores")
        keys = self.keys()
        if any(k.name == name for k in keys):
            raise KeyFileError(f"a key named {name!r} exists; revoke it first or choose another name")
        secret = PREFIX + secrets.token_urlsafe(32)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        keys.append(ApiKey(name=name, hint=secret[:7], sha256=_digest(secret), created=created))
        self._write(keys)
        return secret

    def revoke(self, name: str) -> None:
        keys = self.keys()
        kept = [k for k in keys if k.name != name]
        if len(kept) == len(keys):
            raise KeyFileError(f"no key named {name!r}; `vaksam keys list` shows them")
        self._write(kept)

    def _write(self, keys: list[ApiKey]) -> None:
        """Atomically, readable by the owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"keys": [k.model_dump() for k in keys]}, fh, indent=2)
        os.replace(tmp, self.path)
        with self._lock:
            self._cache = None
