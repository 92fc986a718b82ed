"""Field redaction: which fields a user may see, decided in one table for pages, API and exports.

Special-category data (religion, health) and what could harm a prisoner if it leaked (group
affiliation) are visible only to roles whose work needs them, where they hold that role.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import policy

# model label → field → permission needed to see (and to change) it
FIELD_PERMISSIONS: dict[str, dict[str, str]] = {
    "custody.prisoner": {
        "religion": "custody.view_sensitive",
        "health_notes": "custody.view_health",
        "disability": "custody.view_health",
        "mental_health_condition": "custody.view_health",
        "pregnant_or_nursing": "custody.view_health",
        "group_affiliation": "custody.view_affiliation",
        "family_home": "custody.view_family_home",
        "family_home_latitude": "custody.view_family_home",
        "family_home_longitude": "custody.view_family_home",
    },
}


def protected(model_label: str) -> dict[str, str]:
    return FIELD_PERMISSIONS.get(model_label, {})


def hidden_fields(user, model_label: str, *, facility_id: int | None = None,
                  prisoner_id: int | None = None) -> frozenset[str]:
    """The fields of one record (in a facility, about a prisoner) the user may not see."""
    cache = user.__dict__.setdefault("_custos_hidden_cache", {}) if user is not None else {}
    key = (model_label, facility_id, prisoner_id)
    if key not in cache:
        cache[key] = frozenset(
            name for name, permission in protected(model_label).items()
            if not policy.can(user, permission, facility_id=facility_id,
                              prisoner_id=prisoner_id))
    return cache[key]


def redact(data: Mapping, hidden: frozenset[str]) -> dict:
    return {k: v for k, v in data.items() if k not in hidden}


def require_fields(user, model_label: str, fields, *, facility_id: int | None = None,
                   prisoner_id: int | None = None) -> None:
    """Refuse a change to a field the user may not even see."""
    for name in fields:
        permission = protected(model_label).get(name)
        if permission:
            policy.require(user, permission, facility_id=facility_id, prisoner_id=prisoner_id)
