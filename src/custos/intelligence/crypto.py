"""Encryption at rest of source identities (Fernet: AES-128-CBC with HMAC-SHA256).

The key, in order:
1. `CUSTOS_SOURCE_KEY` in the environment (a Fernet key: 32 bytes, URL-safe base64);
2. the setting `CUSTOS_SOURCE_KEY` (the test settings set one);
3. in development only (`DEBUG`), a key generated into `DATA_DIR/source_key` on first use.
Production refuses to encrypt or decrypt without one. Lose the key and the identities are
lost with it: keep it where the service keeps its other secrets, apart from the database.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENV_KEY = "CUSTOS_SOURCE_KEY"


def _key() -> bytes:
    key = os.environ.get(ENV_KEY) or getattr(settings, "CUSTOS_SOURCE_KEY", "")
    if key:
        return key.encode() if isinstance(key, str) else key
    if not settings.DEBUG:
        raise ImproperlyConfigured(f"{ENV_KEY} is not set: source identities cannot be kept.")
    path = Path(settings.DATA_DIR) / "source_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return path.read_bytes().strip()


def encrypt(text: str) -> bytes:
    return Fernet(_key()).encrypt(text.encode("utf-8"))


def decrypt(token: bytes) -> str:
    try:
        return Fernet(_key()).decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A source identity cannot be read with the key in force (was the key changed?)."
        ) from error
