"""Every write to the custody record: one function, one transaction, checked and audited."""

from .admission import (
    ADMISSION_FIELDS,
    EDITABLE_FIELDS,
    prisoner_admit,
    prisoner_name_add,
    prisoner_release,
    prisoner_update,
)
from .keep_aparts import keep_apart_breaches, keep_apart_close, keep_apart_create
from .placements import (
    active_keep_aparts,
    placement_check,
    placement_create,
    placements_apply,
)

__all__ = [
    "ADMISSION_FIELDS", "EDITABLE_FIELDS", "active_keep_aparts", "keep_apart_breaches",
    "keep_apart_close", "keep_apart_create", "placement_check", "placement_create",
    "placements_apply",
    "prisoner_admit", "prisoner_name_add", "prisoner_release", "prisoner_update",
]
