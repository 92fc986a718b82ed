"""Reads of housing plans, narrowed to the facilities where the user may plan."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from custos.access import policy

from .models import HousingPlan


def plan_list_visible_to(*, user) -> QuerySet[HousingPlan]:
    return policy.scope(user, "housing.plan",
                        HousingPlan.objects.select_related("facility", "decided_by"))


def plan_get(*, user, pk: int) -> HousingPlan:
    """A plan the user may see; one outside their facilities looks missing."""
    try:
        return plan_list_visible_to(user=user).get(pk=pk)
    except (HousingPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
