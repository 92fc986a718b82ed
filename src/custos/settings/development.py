"""Local use on one machine: the embedded SQLite database and the demo system."""

import os

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = os.environ.get("CUSTOS_DEBUG", "1") == "1"
# A development key, generated once per checkout and kept out of the repository.
_key_file = DATA_DIR / "secret_key"
if not _key_file.exists():
    import secrets

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _key_file.write_text(secrets.token_urlsafe(50))
SECRET_KEY = os.environ.get("CUSTOS_SECRET_KEY") or _key_file.read_text().strip()
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
