"""The key that signs audit anchors (Ed25519).

Where it comes from, first found wins:
1. `CUSTOS_AUDIT_SIGNING_KEY` in the environment: a PEM private key, or the 32-byte raw
   private key in base64;
2. the file named by `CUSTOS_AUDIT_SIGNING_KEY_FILE` or the `AUDIT_SIGNING_KEY_FILE` setting
   (default `var/audit_signing_key.pem`);
3. in development only (`DEBUG`), a new key generated into that file on first use.

The outside party (the independent monitor, the ministry) keeps the public key
(`custos audit public-key`) together with the anchors it receives.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

ENV_KEY = "CUSTOS_AUDIT_SIGNING_KEY"
ENV_FILE = "CUSTOS_AUDIT_SIGNING_KEY_FILE"


class SigningKeyError(ImproperlyConfigured):
    """No usable signing or public key."""


def key_file() -> Path:
    configured = os.environ.get(ENV_FILE) or getattr(settings, "AUDIT_SIGNING_KEY_FILE", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit_signing_key.pem"


def parse_private_key(text: str | bytes) -> Ed25519PrivateKey:
    data = text.encode() if isinstance(text, str) else text
    data = data.strip()
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(data, password=None)
    else:
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as error:
            raise SigningKeyError(_("The audit signing key is neither PEM nor base64.")) from error
        if len(raw) != 32:
            raise SigningKeyError(_("A raw Ed25519 private key is 32 bytes (base64-encoded)."))
        key = Ed25519PrivateKey.from_private_bytes(raw)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(_("The audit signing key must be an Ed25519 key."))
    return key


def parse_public_key(text: str | bytes) -> Ed25519PublicKey:
    data = text.encode() if isinstance(text, str) else text
    data = data.strip()
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(data)
    else:
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data, validate=True))
        except (binascii.Error, ValueError) as error:
            raise SigningKeyError(
                _("The public key is neither PEM nor 32 bytes of base64.")) from error
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(_("The public key must be an Ed25519 key."))
    return key


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint: the first 16 hex digits of SHA-256 of the raw public key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _generate(path: Path, notify: Callable[[str], None]) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_key_pem(key))
    notify(f"Generated a development audit signing key in {path}. In production set "
           f"{ENV_KEY} (or {ENV_FILE}) and give the public key (`custos audit public-key`) "
           f"to the outside party that keeps the anchors.")
    return key


def signing_key(*, notify: Callable[[str], None] = print,
                generate: bool | None = None) -> Ed25519PrivateKey:
    """The private key that signs anchors (see the module's docstring)."""
    if os.environ.get(ENV_KEY):
        return parse_private_key(os.environ[ENV_KEY])
    path = key_file()
    if path.exists():
        return parse_private_key(path.read_bytes())
    if generate if generate is not None else settings.DEBUG:
        return _generate(path, notify)
    raise SigningKeyError(_("No audit signing key: set %(env)s or %(env_file)s, or put a PEM "
                            "key in %(path)s.")
                          % {"env": ENV_KEY, "env_file": ENV_FILE, "path": path})


def verifying_key(public_key_file: str | Path | None = None, *,
                  notify: Callable[[str], None] = print,
                  generate: bool | None = None) -> Ed25519PublicKey:
    """The public key given by the outside party, or else the one of our own signing key."""
    if public_key_file:
        return parse_public_key(Path(public_key_file).read_bytes())
    return signing_key(notify=notify, generate=generate).public_key()
