from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _tune_sqlite(sender, connection, **kwargs):
    """Write-ahead logging: readers never wait for the writer, and commits cost one fsync less."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")


class CoreConfig(AppConfig):
    name = "custos.core"
    label = "core"

    def ready(self) -> None:
        connection_created.connect(_tune_sqlite)
