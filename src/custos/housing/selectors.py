"""Reads of housing plans, narrowed to the facilities where the user may plan.

A national plan (no facility) covers every facility: only those who may plan in every one of
them see it. `policy.scope` already hides it from anyone holding facility grants alone (a row
without a facility matches no facility's condition); a user whose grants together cover every
facility sees it too.
"""

from __future__ import annotations

from django.db.models import Exists, Q, QuerySet
from django.http import Http404

from custos.access import policy
from custos.custody.models import Facility

from .models import HousingPlan


def plans_everywhere(user, permission: str = "housing.plan") -> bool:
    """Whether `user` holds `permission` in every facility (what a national plan needs)."""
    where = policy.facilities_for(user, permission)
    if where is policy.ALL:
        return True
    if not where:
        return False
    return not Facility.objects.exclude(pk__in=where).exists()


def plan_list_visible_to(*, user) -> QuerySet[HousingPlan]:
    plans = HousingPlan.objects.select_related("facility", "decided_by")
    if not policy.grants(user):
        return plans.none()
    condition = policy.rows(user, "housing.plan")
    if condition is None:  # a national grant: every plan
        return plans
    where = policy.facilities_for(user, "housing.plan")
    if where:  # national plans too, if no facility lies outside the user's (in the same query)
        condition |= Q(facility__isnull=True) & ~Exists(Facility.objects.exclude(pk__in=where))
    return plans.filter(condition)


def plan_get(*, user, pk: int) -> HousingPlan:
    """A plan the user may see; one outside their facilities looks missing."""
    try:
        return plan_list_visible_to(user=user).get(pk=pk)
    except (HousingPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
