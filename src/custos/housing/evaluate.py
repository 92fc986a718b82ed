"""Judging a placement: which hard rules it breaks, and what it costs.

A placement maps each prisoner's id to a cell id (facility and admissions plans) or a unit id
(national plans), or to None when he could not be placed. The solver, the first-fit baseline
and the tests all judge placements here, so "no hard violation" means one thing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .problem import (
    Problem,
    cell_refusal,
    haversine_km,
    mixes,
    regime_group,
    regime_refusal,
    unit_refusal,
)

Placement = dict[int, "int | None"]


@dataclass(frozen=True)
class Breach:
    code: str  # unplaced, fixed, rule_11, security, regime, accessible_cell, capacity,
    # single_cell, keep_apart, dispersal, separation
    prisoners: tuple[int, ...]
    place: int | None = None  # the cell or unit concerned


def by_cell(problem: Problem) -> bool:
    return problem.options.kind != "national"


def unit_of(problem: Problem, place: int | None) -> int | None:
    if place is None:
        return None
    return problem.cell_by_id[place].unit_id if by_cell(problem) else place


def breaches(problem: Problem, placement: Placement) -> list[Breach]:
    """Every hard rule `placement` breaks; empty when it keeps them all."""
    found: list[Breach] = []
    cells = by_cell(problem)
    groups: dict[int, list] = defaultdict(list)  # place -> prisoners
    units: dict[int, list] = defaultdict(list)
    for prisoner in problem.prisoners:
        place = placement.get(prisoner.id)
        if place is None:
            found.append(Breach("unplaced", (prisoner.id,)))
            continue
        current = prisoner.current_cell if cells else prisoner.current_unit
        if not prisoner.movable and place != current:
            found.append(Breach("fixed", (prisoner.id,), place))
        unit = problem.unit_by_id[unit_of(problem, place)]
        why = unit_refusal(prisoner, unit) or regime_refusal(problem, prisoner, unit)
        if why is None and cells:
            why = cell_refusal(prisoner, problem.cell_by_id[place])
        if why:
            found.append(Breach(why, (prisoner.id,), place))
        groups[place].append(prisoner)
        units[unit.id].append(prisoner)

    capacity = problem.capacity
    for place, people in groups.items():
        limit = (capacity[place] if cells
                 else sum(capacity[c.id] for c in problem.cells_of_unit[place]))
        if len(people) > limit:
            found.append(Breach("capacity", tuple(p.id for p in people), place))
        if cells:
            if len(people) > 1 and any(p.needs_single_cell for p in people):
                found.append(Breach("single_cell", tuple(p.id for p in people), place))
            if len({p.kind for p in people}) > 1:
                found.append(Breach("rule_11", tuple(p.id for p in people), place))
    for unit_id, people in units.items():
        unit = problem.unit_by_id[unit_id]
        kinds = sorted({p.kind for p in people})
        for i, one in enumerate(kinds):
            for other in kinds[i + 1:]:
                if not mixes(unit, one, other):
                    found.append(Breach("rule_11", tuple(p.id for p in people
                                                         if p.kind in (one, other)), unit_id))
        groups_here = Counter(regime_group(problem, p) for p in people)
        if groups_here["dispersed"] > problem.options.dispersal_limit:
            found.append(Breach("dispersal", tuple(
                p.id for p in people if regime_group(problem, p) == "dispersed"), unit_id))
        if groups_here["apart"] and groups_here["apart"] < len(people):
            found.append(Breach("separation", tuple(p.id for p in people), unit_id))

    for order in problem.keep_aparts:
        one, other = placement.get(order.a), placement.get(order.b)
        if one is None or other is None:
            continue
        if order.level == "unit":
            shared = unit_of(problem, one) == unit_of(problem, other)
        elif not cells:
            continue  # a national plan chooses units: cells and landings come later
        elif order.level == "cell":
            shared = one == other
        else:
            a, b = problem.cell_by_id[one], problem.cell_by_id[other]
            shared = a.unit_id == b.unit_id and a.landing == b.landing
        if shared:
            found.append(Breach("keep_apart", (order.a, order.b), one))
    return found


def exposure_of(people) -> int:
    """Sum over ordered pairs of one's influence times the other's vulnerability."""
    influence = sum(p.influence for p in people)
    vulnerability = sum(p.vulnerability for p in people)
    return influence * vulnerability - sum(p.influence * p.vulnerability for p in people)


def distance_km(problem: Problem, prisoner, unit_id: int) -> float | None:
    facility = problem.facility_by_id.get(problem.unit_by_id[unit_id].facility_id)
    if prisoner.home is None or facility is None or facility.latitude is None:
        return None
    return haversine_km(prisoner.home, (facility.latitude, facility.longitude))


def distance_cost(km: float | None) -> int:
    return 0 if km is None else round(km / 10)


def metrics(problem: Problem, placement: Placement) -> dict:
    """Exposure, moves, family distance, occupancy and the objective the solver minimises."""
    weights = problem.options.weights
    cells = by_cell(problem)
    in_cell: dict[int, list] = defaultdict(list)
    in_unit: dict[int, list] = defaultdict(list)
    moves = 0
    km_total, km_count, distance_units = 0.0, 0, 0
    for prisoner in problem.prisoners:
        place = placement.get(prisoner.id)
        if place is None:
            continue
        unit_id = unit_of(problem, place)
        in_unit[unit_id].append(prisoner)
        if cells:
            in_cell[place].append(prisoner)
            moves += prisoner.current_cell is not None and prisoner.current_cell != place
        else:
            moves += prisoner.current_unit is not None and prisoner.current_unit != place
            km = distance_km(problem, prisoner, unit_id)
            if km is not None:
                km_total += km
                km_count += 1
                distance_units += distance_cost(km)
    cell_exposure = sum(exposure_of(people) for people in in_cell.values())
    unit_exposure = sum(exposure_of(people) for people in in_unit.values())
    exposure = weights.cell_exposure * cell_exposure + weights.unit_exposure * unit_exposure
    objective = exposure + weights.move * moves + weights.distance * distance_units
    places = problem.capacity
    current = Counter(p.current_unit for p in problem.prisoners)
    occupancy = [{"unit": unit.id, "label": unit.label,
                  "beds": sum(c.beds for c in problem.cells_of_unit[unit.id]),
                  "places": sum(places[c.id] for c in problem.cells_of_unit[unit.id]),
                  "current": current[unit.id], "planned": len(in_unit.get(unit.id, ()))}
                 for unit in problem.units]
    return {
        "objective": objective,
        "exposure": exposure,
        "cell_exposure": cell_exposure,
        "unit_exposure": unit_exposure,
        "moves": moves,
        "placed": sum(1 for p in problem.prisoners if placement.get(p.id) is not None),
        "unplaced": sum(1 for p in problem.prisoners if placement.get(p.id) is None),
        "family_distance_km": round(km_total, 1),
        "mean_family_distance_km": round(km_total / km_count, 1) if km_count else None,
        "occupancy": occupancy,
    }


def current_placement(problem: Problem) -> Placement:
    """Where everyone is now, in the plan's terms (the "no change" plan to compare with)."""
    if by_cell(problem):
        return {p.id: p.current_cell if p.current_cell in problem.cell_by_id else None
                for p in problem.prisoners}
    return {p.id: p.current_unit if p.current_unit in problem.unit_by_id else None
            for p in problem.prisoners}
