"""Optimistic locking: a save succeeds only from the version the user last saw."""

from __future__ import annotations

from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ConcurrentEdit


def save_versioned(obj: Model, *, acting_user, expected_version: int | None,
                   fields: list[str]) -> None:
    """Write `fields` of `obj` if nobody else saved it since `expected_version`.

    `expected_version=None` means the caller holds a row lock or made no promise (internal
    use); any other value that no longer matches raises `ConcurrentEdit` and writes nothing.
    """
    model = type(obj)
    values = {name: getattr(obj, name) for name in fields}
    values["updated_by"] = acting_user
    query = model._default_manager.filter(pk=obj.pk)
    if expected_version is not None:
        query = query.filter(version=expected_version)

    values["updated_at"] = timezone.now()
    if query.update(version=F("version") + 1, **values) != 1:
        raise ConcurrentEdit(
            _(
                "This record was changed by someone else while you were editing it. "
                "Reload it to see their changes, then make yours again."
            ),
            details={"current_version": model._default_manager.get(pk=obj.pk).version},
        )
    obj.refresh_from_db(fields=["version", "updated_at", "updated_by"])
