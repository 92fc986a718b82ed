"""What every benchmark does first: a database of its own, Custos set up against it."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_against(database_url: str, *, fresh: bool = True) -> None:
    """Point Custos at `database_url` (a fresh SQLite file unless `fresh` is False), set up
    Django with production-like speed settings (DEBUG off) and create the tables."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["CUSTOS_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custos.settings.development")
    os.chdir(ROOT)
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            path.unlink(missing_ok=True)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if fresh and not database_url.startswith("sqlite"):
        call_command("flush", interactive=False, verbosity=0)
