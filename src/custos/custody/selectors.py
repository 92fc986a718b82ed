"""Every read of the custody record, already narrowed by the access policy."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from custos.access import policy, redaction

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
from .names import PRIMARY, key_range, query_keys

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
    """A unit's cells; occupants only as far as the user may see them (caseloads)."""
    return cell_list_visible_to(user=user).filter(unit=unit).prefetch_related(
        Prefetch("occupants", prisoner_list_visible_to(user=user).filter(IN_CUSTODY).only(
            "id", "prison_number", "display_name", "current_cell_id", "sex", "legal_status",
            "date_of_birth"))
    )


def prisoner_list_visible_to(*, user) -> QuerySet[Prisoner]:
    return policy.scope(user, "custody.view", Prisoner.objects.all(), prisoner_field="pk")


SEARCH_LIMIT = 25
MAX_CANDIDATES = 5000


def _visible(include_released: bool, facility: Facility | None, prefix: str = "") -> Q:
    """The rows a search may return, as a condition on `prefix` (a path to the prisoner)."""
    condition = Q()
    if not include_released:
        condition &= Q(**{f"{prefix}status": CustodyStatus.IN_CUSTODY})
    if facility is not None:
        condition &= Q(**{f"{prefix}facility": facility})
    return condition


def prisoner_search(*, user, query: str, include_released: bool = False,
                    facility: Facility | None = None, limit: int = SEARCH_LIMIT) -> list[Prisoner]:
    """Prisoners whose number starts with, or whose names sound like, the query.

    Every token of the query must match one of the prisoner's name keys (by prefix), in any
    script. Prison-number matches come first, then names, closest keys first.
    """
    query = query.strip()
    if not query:
        return []
    found: list[int] = []
    if any(ch.isdigit() for ch in query):
        low, high = key_range(query.upper())
        found = list(prisoner_list_visible_to(user=user)
                     .filter(_visible(include_released, facility),
                             prison_number__gte=low, prison_number__lt=high)
                     .order_by("prison_number").values_list("pk", flat=True)[:limit])
    keys = list(dict.fromkeys(query_keys(query)))  # in typed order: the last may be partial
    if keys and len(found) < limit:
        by_name = _name_matches(user, keys, include_released, facility, limit)
        found = list(dict.fromkeys(found + by_name))[:limit]
    rows = Prisoner.objects.select_related("current_cell__unit", "facility").in_bulk(found)
    return [rows[pk] for pk in found if pk in rows]


def _key_rows(key: str, *, prefix: bool) -> list[tuple[str, int, int]]:
    """(key, rank, prisoner id) for `key`, or every key starting with it, from the covering index.

    A plain cursor: the ORM's per-row conversion costs more than the query for the ten
    thousand rows a common name has among 100,000 prisoners.
    """
    table = connection.ops.quote_name(NameKey._meta.db_table)
    select = f"SELECT key, rank, prisoner_id FROM {table} WHERE "  # noqa: S608 (no user input)
    with connection.cursor() as cursor:
        if prefix:
            cursor.execute(select + "key >= %s AND key < %s", list(key_range(key)))
        else:
            cursor.execute(select + "key = %s", [key])
        return cursor.fetchall()


def _name_matches(user, keys: list[str], include_released: bool, facility: Facility | None,
                  limit: int) -> list[int]:
    """Ids of visible prisoners with a name key starting with each of `keys`.

    One token walks the key index in order and stops at `limit`, so a common name among
    100,000 prisoners costs no more than a rare one. Several tokens intersect the id sets
    read from the covering index, then narrow and order the survivors: whole-word matches
    first, then partial ones.
    """
    if len(keys) > 1:
        tiers: list[list[set[int]]] = [[], [], []]  # primary name whole, any name whole, prefix
        for position, key in enumerate(keys):
            primary, whole, prefix = set(), set(), set()
            # Only the last word may still be being typed; the others are whole words.
            for found_key, rank, prisoner_id in _key_rows(key, prefix=position == len(keys) - 1):
                prefix.add(prisoner_id)
                if found_key == key:
                    whole.add(prisoner_id)
                    if rank == PRIMARY:
                        primary.add(prisoner_id)
            for tier, found in zip(tiers, (primary, whole, prefix), strict=True):
                tier.append(found)
        visible = prisoner_list_visible_to(user=user).filter(_visible(include_released, facility))
        ranked: list[int] = []
        seen: set[int] = set()
        for tier in tiers:
            group = set.intersection(*tier) - seen
            if group and len(ranked) < limit:
                found = list(visible.filter(pk__in=sorted(group)[:MAX_CANDIDATES]).order_by(
                    "display_name", "pk").values_list("pk", flat=True)[:limit - len(ranked)])
                ranked += found
            seen |= group
        return ranked
    low, high = key_range(keys[0])
    matches = policy.scope(user, "custody.view", NameKey.objects.filter(
        key__gte=low, key__lt=high), facility_field="prisoner__facility",
        prisoner_field="prisoner")
    ids = (matches.filter(_visible(include_released, facility, prefix="prisoner__"))
           .order_by("key", "rank", "prisoner_id").values_list("prisoner_id", flat=True))
    return list(dict.fromkeys(ids[:limit * 4]))[:limit]


def prisoner_file(*, user, prisoner_id: int) -> Prisoner:
    """The whole file in a bounded number of queries, however long the history.

    Outside the user's scope the prisoner does not exist (404): existence is sensitive.
    """
    prisoner = (
        prisoner_list_visible_to(user=user)
        .select_related("facility", "current_cell__unit__facility", "admission", "created_by")
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


EXPORT_FIELDS = ("prison_number", "display_name", "date_of_birth", "sex", "nationality",
                 "legal_status", "terrorism_related", "sentence_start", "expected_release",
                 "status", "facility__code", "current_cell__unit__code", "current_cell__number",
                 "religion", "health_notes", "disability", "group_affiliation")


def prisoner_export(*, user, facility: Facility | None, include_released: bool):
    """(header, rows) of the visible prisoners, with the fields the user may not see removed.

    Redaction is decided per facility, as a user may hold a role in one facility and not in
    another.
    """
    prisoners = prisoner_list_visible_to(user=user)
    if facility is not None:
        prisoners = prisoners.filter(facility=facility)
    if not include_released:
        prisoners = prisoners.filter(IN_CUSTODY)
    hidden_by_facility = {
        f: redaction.hidden_fields(user, "custody.prisoner", facility_id=f)
        for f in prisoners.values_list("facility", flat=True).distinct()
    }
    hidden_anywhere = frozenset().union(*hidden_by_facility.values()) if hidden_by_facility \
        else frozenset(redaction.protected("custody.prisoner"))
    header = [f for f in EXPORT_FIELDS if f not in hidden_anywhere]
    rows = prisoners.order_by("prison_number").values_list(*header).iterator(chunk_size=2000)
    return header, rows


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
        "prisoner", "cell__unit", "authorised_by"), facility_field="prisoner__facility",
        prisoner_field="prisoner")


def cells_for_placement(*, user, prisoner: Prisoner) -> QuerySet[Cell]:
    """Cells the user may place into, with their current head count, for a chooser."""
    facilities = policy.facilities_for(user, "custody.place")
    cells = Cell.objects.select_related("unit__facility").annotate(
        head_count=Count("occupants", filter=Q(occupants__status=CustodyStatus.IN_CUSTODY)))
    if facilities is not policy.ALL:
        cells = cells.filter(unit__facility__in=facilities)
    return cells.filter(unit__facility=prisoner.facility).exclude(pk=prisoner.current_cell_id)
