"""Reads of the access scopes."""

from django.db.models import Q, QuerySet

from custos.accounts.models import User

from . import policy
from .models import Allocation, BreakGlass


def allocations_of(*, prisoner) -> QuerySet[Allocation]:
    return Allocation.objects.current().filter(prisoner=prisoner).select_related(
        "user", "allocated_by")


def break_glass_of(*, user, prisoner) -> BreakGlass | None:
    return BreakGlass.objects.current().filter(user=user, prisoner=prisoner).order_by(
        "-opened_at").first()


def caseload_staff(*, facility_id: int) -> QuerySet[User]:
    """Active users holding a caseload role in the facility (or nationally)."""
    roles = [r for r, reach in policy.ROLE_REACH.items() if reach == policy.CASELOAD]
    return User.objects.filter(
        Q(role_assignments__facility_id=facility_id) | Q(role_assignments__facility__isnull=True),
        is_active=True, role_assignments__role__in=roles).distinct().order_by("username")
