"""THE access policy: a role grants permissions; a scope narrows the rows.

Every selector narrows its querysets here, and every service checks here before it writes.
New scopes (caseload, intelligence compartment, partner MoU) are added as scopes, never as
special cases in views.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
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
    # Special-category data, for those whose work needs it (see access.redaction).
    "custody.view_sensitive": frozenset({R.DIRECTOR, R.ASSESSOR, R.CASE_MANAGER}),
    "custody.view_health": frozenset({R.DIRECTOR, R.ASSESSOR, R.CASE_MANAGER}),
    "custody.view_affiliation": frozenset({R.DIRECTOR, R.SECURITY, R.ANALYST}),
    # Where the family lives: for placement near them and for contact, not for everyone.
    "custody.view_family_home": frozenset(
        {R.DIRECTOR, R.SECURITY, R.CASE_MANAGER, R.PROBATION}),
    # Export prisoner lists (each export logs its justification and recipients).
    "custody.export": frozenset({R.DIRECTOR, R.SECURITY, R.CASE_MANAGER}),
    # Allocate prisoners to a case manager's or provider's caseload.
    "custody.allocate": frozenset({R.DIRECTOR, R.SECURITY}),
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
    # Load assessment instruments (versioned configuration files): the administrator alone.
    "assessments.manage_instruments": frozenset({R.ADMIN}),
    # Assess and countersign (a certified assessor, see AssessorCertification); read the
    # items and reasons of assessments, which are sensitive.
    "assessments.assess": frozenset({R.ASSESSOR}),
    "assessments.view": frozenset({R.DIRECTOR, R.ASSESSOR, R.CASE_MANAGER}),
    "assessments.certify": frozenset({R.DIRECTOR, R.TRAINING}),
    "assessments.request": frozenset({R.DIRECTOR, R.SECURITY, R.CASE_MANAGER, R.ASSESSOR}),
    # Calibration exercises: assessors rate a shared vignette, the lead reads the agreement.
    "assessments.calibrate": frozenset({R.DIRECTOR, R.ASSESSOR}),
    # Classification: the rules propose, a director decides (people decide, not software).
    "classification.propose": frozenset({R.DIRECTOR, R.SECURITY, R.ASSESSOR, R.CASE_MANAGER}),
    "classification.decide": frozenset({R.DIRECTOR}),
    # Housing plans: security officers and directors ask for and follow them; a director
    # alone approves (applies) or rejects one. Partners, monitors and police never see plans:
    # they carry assessment scores.
    "housing.plan": frozenset({R.DIRECTOR, R.SECURITY}),
    "housing.approve": frozenset({R.DIRECTOR}),
    # Prison intelligence. Analysts read and grade reports, communications and networks;
    # compartments narrow further (`compartment_rows`). The source handler alone sees who a
    # source is. Wing staff file observations (they cannot read reports). Directors and
    # police liaison read only the sanitised versions disseminated to them. Partners,
    # monitors, providers and case managers see none of it.
    "intelligence.view": frozenset({R.ANALYST}),
    "intelligence.analyse": frozenset({R.ANALYST}),
    "intelligence.sources": frozenset({R.SOURCE_HANDLER}),
    "intelligence.observe": frozenset({R.DIRECTOR, R.SECURITY}),
    "intelligence.disseminated": frozenset({R.DIRECTOR, R.POLICE}),
    # Oversight and human rights (the Mandela Rules). The register of restrictive measures,
    # flags, discipline, custody cases, complaint and monitoring figures: directors, security
    # officers and independent monitors; a monitor only for the facilities in his body's
    # mandate, and names only where the mandate allows individual cases (oversight.scoping).
    # Never intelligence: no oversight permission opens an intelligence record.
    "oversight.view": frozenset({R.DIRECTOR, R.SECURITY, R.MONITOR}),
    # Impose and record measures, their days and reviews; a director authorises them.
    "oversight.measures": frozenset({R.DIRECTOR, R.SECURITY}),
    "oversight.authorise": frozenset({R.DIRECTOR}),
    # Discipline: staff charge and hear; a director decides and sanctions.
    "oversight.discipline": frozenset({R.DIRECTOR, R.SECURITY}),
    "oversight.adjudicate": frozenset({R.DIRECTOR}),
    # Deaths, serious injuries and torture allegations: staff open and report them.
    "oversight.cases": frozenset({R.DIRECTOR, R.SECURITY}),
    # A complaint comes through staff, a monitor or a partner; the director answers.
    "oversight.complain": frozenset({R.DIRECTOR, R.SECURITY, R.CASE_MANAGER, R.MONITOR,
                                     R.PARTNER}),
    "oversight.answer": frozenset({R.DIRECTOR}),
    # Monitors visit and recommend; the director gives the government's response.
    "oversight.monitor": frozenset({R.MONITOR}),
    "oversight.respond": frozenset({R.DIRECTOR}),
    # Monitoring bodies and their mandates, and who acts for them: the administrator.
    "oversight.bodies": frozenset({R.ADMIN}),
    # The oversight report, for a monitor or a ministry (PDF, Excel).
    "oversight.export": frozenset({R.DIRECTOR, R.MONITOR}),
    # Facilities, units and cells (`custos import_estate`).
    "custody.configure": frozenset({R.ADMIN}),
    # Open one file outside one's scope with a typed reason (audited, reviewed by the auditor).
    "access.break_glass": frozenset(
        {R.DIRECTOR, R.SECURITY, R.ANALYST, R.ASSESSOR, R.CASE_MANAGER, R.PROVIDER, R.PROBATION}
    ),
}

ALL = None  # a scope of "every facility"

# How far a role reaches inside the facilities it is assigned to. Staff see the whole
# facility; a case manager or intervention provider sees only the prisoners allocated to
# them (their caseload). Later scopes (intelligence compartments, partner MoUs) join here.
FACILITY, CASELOAD = "facility", "caseload"
ROLE_REACH: dict[str, str] = {R.CASE_MANAGER: CASELOAD, R.PROVIDER: CASELOAD}

# Break-glass: reading one record outside one's scope, with a typed reason, for a few hours.
BREAK_GLASS_PERMISSION = "custody.view"


class AccessDenied(PermissionDenied):
    """Raised by `require`; adapters answer 403 (or 404 where existence is sensitive)."""

    def __init__(self, message: str, *, permission: str, target: str = ""):
        super().__init__(message)
        self.permission = permission
        self.target = target


@dataclass(frozen=True)
class Grant:
    role: str
    facility_id: int | None  # None: every facility

    @property
    def reach(self) -> str:
        return ROLE_REACH.get(self.role, FACILITY)


def grants(user) -> tuple[Grant, ...]:
    """The user's role assignments, read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    return _access_state(user)["grants"]


def _access_state(user) -> dict:
    """Roles, caseload and break-glass openings, read in one query once per user object.

    Every request needs them; one round trip instead of three keeps the policy's cost on
    each API call small.
    """
    cache = user.__dict__.get("_custos_access")
    if cache is None:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_access_sql(), [user.pk, user.pk, now, user.pk, now])
            rows = cursor.fetchall()
        cache = {
            "grants": tuple(Grant(role, ref) for kind, role, ref in rows if kind == "role"),
            "caseload": frozenset(ref for kind, _r, ref in rows if kind == "case"),
            "break_glass": frozenset(ref for kind, _r, ref in rows if kind == "open"),
        }
        user.__dict__["_custos_access"] = cache
    return cache


def roles_of(user) -> set[str]:
    return {g.role for g in grants(user)}


def _holding(user, permission: str) -> list[Grant]:
    holders = PERMISSIONS[permission]
    return [g for g in grants(user) if g.role in holders]


def facilities_for(user, permission: str) -> frozenset[int] | None:
    """Facilities where the user holds `permission`: `ALL`, or a set (maybe empty).

    This is the facility-level answer (dashboards, cells); rows about prisoners are narrowed
    further by `scope`, where a caseload role sees only its allocated prisoners.
    """
    ids: set[int] = set()
    for grant in _holding(user, permission):
        if grant.facility_id is None:
            return ALL
        ids.add(grant.facility_id)
    return frozenset(ids)


def can(user, permission: str, *, facility_id: int | None = None,
        prisoner_id: int | None = None) -> bool:
    """Whether the user may use `permission` at all, in a facility, or on one prisoner."""
    for grant in _holding(user, permission):
        if facility_id is not None and grant.facility_id not in (None, facility_id):
            continue
        if prisoner_id is not None and grant.reach == CASELOAD:
            if not _allocated(user, prisoner_id):
                continue
        return True
    return False


def require(user, permission: str, *, facility_id: int | None = None,
            prisoner_id: int | None = None, target: str = "") -> None:
    if not can(user, permission, facility_id=facility_id, prisoner_id=prisoner_id):
        raise AccessDenied(
            _("You do not have permission to do this here."), permission=permission, target=target
        )


def forget(user) -> None:
    """Drop what was read of the user's access, after a change to it."""
    user.__dict__.pop("_custos_access", None)
    user.__dict__.pop("_custos_hidden_cache", None)
    user.__dict__.pop("_custos_compartments", None)


@lru_cache(maxsize=1)
def _access_sql() -> str:
    """One statement for roles, current allocations and open break-glass grants.

    Plain SQL: composing the same union through the ORM costs several times the query.
    """
    from .models import Allocation, BreakGlass, RoleAssignment

    table = connection.ops.quote_name
    return (
        f"SELECT 'role', role, facility_id FROM {table(RoleAssignment._meta.db_table)} "  # noqa: S608
        "WHERE user_id = %s "
        f"UNION ALL SELECT 'case', '', prisoner_id FROM {table(Allocation._meta.db_table)} "
        "WHERE user_id = %s AND (ended_at IS NULL OR ended_at > %s) "
        f"UNION ALL SELECT 'open', '', prisoner_id FROM {table(BreakGlass._meta.db_table)} "
        "WHERE user_id = %s AND (ended_at IS NULL OR ended_at > %s)"
    )


def caseload(user) -> frozenset[int]:
    """Prisoners currently allocated to the user."""
    return _access_state(user)["caseload"] if grants(user) else frozenset()


def opened_by_break_glass(user) -> frozenset[int]:
    """Prisoners whose files the user has opened by break-glass, while the opening lasts."""
    return _access_state(user)["break_glass"] if grants(user) else frozenset()


def _allocated(user, prisoner_id: int) -> bool:
    return prisoner_id in caseload(user)


def _field(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix != "pk" else name


def rows(user, permission: str, *, facility_field: str = "facility",
         prisoner_field: str | None = None) -> Q | None:
    """The condition for the rows `permission` lets the user see; `None` means all rows.

    `prisoner_field` names the path to the prisoner a row is about ("pk" for prisoners
    themselves). For such rows, caseload roles reach only their allocated prisoners, sealed
    files (juveniles after release) are hidden, and break-glass grants open single files.
    """
    condition = Q(pk__in=[])
    everything = False
    for grant in _holding(user, permission):
        if grant.reach == CASELOAD and prisoner_field is not None:
            reach = Q(**{f"{prisoner_field}__in": sorted(caseload(user))})
        else:
            reach = Q()
            everything = everything or grant.facility_id is None
        if grant.facility_id is not None:
            reach &= Q(**{facility_field: grant.facility_id})
        condition |= reach
    if prisoner_field is None:
        return None if everything else condition
    sealed = _field(prisoner_field, "sealed_at")
    condition = (Q() if everything else condition) & Q(**{f"{sealed}__isnull": True})
    opened = opened_by_break_glass(user) if permission == BREAK_GLASS_PERMISSION else ()
    if opened:
        condition |= Q(**{f"{prisoner_field}__in": sorted(opened)})
    return condition


def compartments(user) -> frozenset[int]:
    """The intelligence compartments the user is a member of now."""
    cache = user.__dict__.get("_custos_compartments")
    if cache is None:
        from .models import CompartmentMember

        cache = frozenset(CompartmentMember.objects.filter(
            user_id=user.pk, ended_at__isnull=True).values_list("compartment_id", flat=True)
        ) if grants(user) else frozenset()
        user.__dict__["_custos_compartments"] = cache
    return cache


def compartment_rows(user, field: str = "compartment") -> Q:
    """Rows open to everyone the permission reaches, or restricted to a compartment the user
    belongs to. Anything else does not exist for the user: lists, counts, search and links
    all narrow through this."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__in": sorted(compartments(user))})


def scope(user, permission: str, queryset: QuerySet, *, facility_field: str = "facility",
          prisoner_field: str | None = None) -> QuerySet:
    """Narrow `queryset` to the rows the user may see under `permission`."""
    if not grants(user):
        return queryset.none()
    condition = rows(user, permission, facility_field=facility_field,
                     prisoner_field=prisoner_field)
    return queryset if condition is None else queryset.filter(condition)
