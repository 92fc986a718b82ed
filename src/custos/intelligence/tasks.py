"""Background jobs of prison intelligence, run by `custos db_worker`."""

from __future__ import annotations

from django_tasks import task

from .importing.loading import validate_event_keys as _validate


@task()
def validate_event_keys() -> list[str]:
    """Record as validated the events' foreign keys a bulk import put back NOT VALID."""
    return _validate()
