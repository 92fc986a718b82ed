"""Tests: a fast password hasher; DATABASE_URL chooses PostgreSQL or SQLite."""

from .base import *  # noqa: F403
from .base import DATA_DIR, database_from_env  # noqa: F401

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": database_from_env(DATA_DIR / "test.sqlite3")}
# Tests sign users in with `client.force_login`, which cannot pass a TOTP step: the accounts
# tests turn two-factor back on with the `settings` fixture. Lock-out (axes) stays on.
CUSTOS_REQUIRE_TWO_FACTOR = False
# A fixed key for source identities in tests only (see intelligence/crypto.py).
CUSTOS_SOURCE_KEY = "dGVzdC1vbmx5LXNvdXJjZS1rZXktMzItYnl0ZXMtISE="  # noqa: S105
