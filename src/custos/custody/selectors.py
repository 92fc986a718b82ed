"""Every read of the custody record, already narrowed by the access policy."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from custos.access import policy

from .models import (
    Cell,
    CustodyStatus,
    Facility,
    KeepApart,
    NameKey,
    Placement,
    Prisoner,
    Unit,
)
from .names import key_range, query_keys

IN_CUSTODY = Q(status=CustodyStatus.IN_CUSTODY)


def facility_list_visible_to(*, user) -> QuerySet[Facility]:
    return policy.scope(user, "custody.view_facilities", Facility.objects.all(),
                        facility_field="pk")


@dataclass(frozen=True)
class Occupancy:
    capacity: int
    population: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.population / self.capacity, 1) if self.capacity else None

    @property
    def overcrowded(self) -> bool:
        return self.population > self.capacity


def facility_occupancy(*, user) -> list[tuple[Facility, Occupancy, int]]:
    """Each visible facility with official capacity, population and beds in its cells."""
    facilities = facility_list_visible_to(user=user).annotate(
        population=Count("prisoners", filter=Q(prisoners__status=CustodyStatus.IN_CUSTODY)),
    )
    beds = dict(
        Cell.objects.filter(unit__facility__in=facilities)
        .values_list("unit__facility").annotate(Sum("beds"))
    )
    return [(f, Occupancy(f.official_capacity, f.population), beds.get(f.pk, 0))
            for f in facilities]


def facility_get(*, user, code: str) -> Facility:
    facility = facility_list_visible_to(user=user).filter(code=code).first()
    if facility is None:
        raise Http404
    return facility


def unit_occupancy(*, facility: Facility) -> QuerySet[Unit]:
    return facility.units.annotate(
        cell_count=Count("cells", distinct=True),
        beds=Sum("cells__beds", distinct=False),
    ).annotate(
        population=Count("cells__occupants", filter=Q(cells__occupants__status="in_custody")),
    )


def unit_list_visible_to(*, user) -> QuerySet[Unit]:
    return policy.scope(user, "custody.view_facilities", Unit.objects.select_related("facility"))


def cell_list_visible_to(*, user) -> QuerySet[Cell]:
    return policy.scope(user, "custody.view", Cell.objects.select_related("unit__facility"),
                        facility_field="unit__facility")


def cells_with_occupants(*, user, unit: Unit) -> QuerySet[Cell]:
    return cell_list_visible_to(user=user).filter(unit=unit).prefetch_related(
        Prefetch("occupants", Prisoner.objects.filter(IN_CUSTODY).only(
            "id", "prison_number", "display_name", "current_cell_id", "sex", "legal_status",
            "date_of_birth"))
    )


def prisoner_list_visible_to(*, user) -> QuerySet[Prisoner]:
    return policy.scope(user, "custody.view", Prisoner.objects.all())


def prisoner_search(*, user, query: str, include_released: bool = False,
                    facility: Facility | None = None) -> QuerySet[Prisoner]:
    """Prisoners whose number starts with, or whose names sound like, the query.

    Every token of the query must match one of the prisoner's name keys, in any script.
    """
    prisoners = prisoner_list_visible_to(user=user)
    if not include_released:
        prisoners = prisoners.filter(IN_CUSTODY)
    if facility is not None:
        prisoners = prisoners.filter(facility=facility)
    query = query.strip()
    if not query:
        return prisoners.none()
    by_number = Q(prison_number__istartswith=query)
    by_name = Q()
    keys = query_keys(query)
    for key in keys:
        low, high = key_range(key)
        by_name &= Q(pk__in=NameKey.objects.filter(key__gte=low, key__lt=high)
                     .values("prisoner_id"))
    condition = by_number | by_name if keys else by_number
    return prisoners.filter(condition).select_related("current_cell__unit", "facility")


def prisoner_file(*, user, prisoner_id: int) -> Prisoner:
    """The whole file in a bounded number of queries, however long the history.

    Outside the user's scope the prisoner does not exist (404): existence is sensitive.
    """
    prisoner = (
        prisoner_list_visible_to(user=user)
        .select_related("facility", "current_cell__unit", "admission", "created_by")
        .prefetch_related(
            "names", "offences", "family",
            Prefetch("placements", Placement.objects.select_related(
                "cell__unit__facility", "authorised_by")),
        )
        .filter(pk=prisoner_id)
        .first()
    )
    if prisoner is None:
        raise Http404
    return prisoner


def keep_aparts_of(*, prisoner: Prisoner) -> QuerySet[KeepApart]:
    return KeepApart.objects.filter(
        Q(prisoner_a=prisoner) | Q(prisoner_b=prisoner)
    ).select_related("prisoner_a", "prisoner_b", "created_by", "closed_by")


def keep_apart_list_visible_to(*, user) -> QuerySet[KeepApart]:
    visible = prisoner_list_visible_to(user=user)
    return KeepApart.objects.filter(prisoner_a__in=visible, prisoner_b__in=visible).select_related(
        "prisoner_a", "prisoner_b")


def placement_list_visible_to(*, user) -> QuerySet[Placement]:
    return policy.scope(user, "custody.view", Placement.objects.select_related(
        "prisoner", "cell__unit", "authorised_by"), facility_field="prisoner__facility")


def cells_for_placement(*, user, prisoner: Prisoner) -> QuerySet[Cell]:
    """Cells the user may place into, with their current head count, for a chooser."""
    facilities = policy.facilities_for(user, "custody.place")
    cells = Cell.objects.select_related("unit__facility").annotate(
        head_count=Count("occupants", filter=Q(occupants__status=CustodyStatus.IN_CUSTODY)))
    if facilities is not policy.ALL:
        cells = cells.filter(unit__facility__in=facilities)
    return cells.filter(unit__facility=prisoner.facility).exclude(pk=prisoner.current_cell_id)
