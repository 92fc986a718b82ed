"""THE access policy: a role grants permissions; a scope narrows the rows.

Every selector narrows its querysets here, and every service checks here before it writes.
New scopes (caseload, intelligence compartment, partner MoU) are added as scopes, never as
special cases in views.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .roles import Role

R = Role
# Permission → roles that hold it. Read as a table: who may do what.
PERMISSIONS: dict[str, frozenset[str]] = {
    # See facilities with their capacity and occupancy (aggregate figures, no names).
    "custody.view_facilities": frozenset(
        {R.DIRECTOR, R.SECURITY, R.ANALYST, R.ASSESSOR, R.CASE_MANAGER, R.PROVIDER,
         R.PROBATION, R.MONITOR}
    ),
    # Open prisoners' files and lists.
    "custody.view": frozenset(
        {R.DIRECTOR, R.SECURITY, R.ANALYST, R.ASSESSOR, R.CASE_MANAGER, R.PROVIDER, R.PROBATION}
    ),
    # Religion and health: special-category data, for those whose work needs them.
    "custody.view_sensitive": frozenset({R.DIRECTOR, R.ASSESSOR, R.CASE_MANAGER}),
    "custody.admit": frozenset({R.DIRECTOR, R.SECURITY}),
    "custody.edit": frozenset({R.DIRECTOR, R.SECURITY, R.CASE_MANAGER}),
    "custody.place": frozenset({R.DIRECTOR, R.SECURITY}),
    "custody.override_capacity": frozenset({R.DIRECTOR}),
    "custody.keep_apart": frozenset({R.DIRECTOR, R.SECURITY, R.ANALYST}),
    "custody.release": frozenset({R.DIRECTOR, R.SECURITY}),
    # The audit trail: the auditor alone reads and exports it.
    "audit.view": frozenset({R.AUDITOR}),
    "audit.export": frozenset({R.AUDITOR}),
    # Users, roles, two-factor resets: the administrator alone.
    "accounts.manage": frozenset({R.ADMIN}),
}

ALL = None  # a scope of "every facility"


class AccessDenied(PermissionDenied):
    """Raised by `require`; adapters answer 403 (or 404 where existence is sensitive)."""

    def __init__(self, message: str, *, permission: str, target: str = ""):
        super().__init__(message)
        self.permission = permission
        self.target = target


@dataclass(frozen=True)
class Grant:
    role: str
    facility_id: int | None


def grants(user) -> tuple[Grant, ...]:
    """The user's role assignments, read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, "_custos_grants", None)
    if cached is None:
        cached = tuple(
            Grant(role, facility_id)
            for role, facility_id in user.role_assignments.values_list("role", "facility_id")
        )
        user._custos_grants = cached
    return cached


def roles_of(user) -> set[str]:
    return {g.role for g in grants(user)}


def facilities_for(user, permission: str) -> frozenset[int] | None:
    """Facilities where the user holds `permission`: `ALL`, or a set (maybe empty)."""
    holders = PERMISSIONS[permission]
    ids: set[int] = set()
    for grant in grants(user):
        if grant.role in holders:
            if grant.facility_id is None:
                return ALL
            ids.add(grant.facility_id)
    return frozenset(ids)


def can(user, permission: str, *, facility_id: int | None = None) -> bool:
    scope = facilities_for(user, permission)
    if scope is ALL:
        return True
    if facility_id is None:
        return bool(scope)
    return facility_id in scope


def require(user, permission: str, *, facility_id: int | None = None, target: str = "") -> None:
    if not can(user, permission, facility_id=facility_id):
        raise AccessDenied(
            _("You do not have permission to do this here."), permission=permission, target=target
        )


def require_all(user, permission: str, facility_ids: Iterable[int], *, target: str = "") -> None:
    for facility_id in facility_ids:
        require(user, permission, facility_id=facility_id, target=target)


def scope(user, permission: str, queryset: QuerySet, *,
          facility_field: str = "facility") -> QuerySet:
    """Narrow `queryset` to the rows the user may see under `permission`."""
    facilities = facilities_for(user, permission)
    if facilities is ALL:
        return queryset
    if not facilities:
        return queryset.none()
    return queryset.filter(**{f"{facility_field}__in": facilities})
