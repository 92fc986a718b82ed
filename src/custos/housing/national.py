"""A national plan: which facility and unit for every prisoner of the service.

Two stages. First, facilities: prisoners alike in everything that decides where they may live
(Rule 11 kind, classification regime, the plan's regime group, accessible-cell need), in the
same facility now and with family homes in the same square degree, are one class, and a
minimum-cost flow sends each class's members to facilities — considered are the facility he
is in and the facilities nearest his family that may hold him — and on to units with places,
so whatever reaches a facility fits its units. Its cost is family distance and moves between
facilities; being optimal, it bounds the plan's objective from below over those candidate
facilities (exposure and moves between units only add to it). Second, each facility's units,
with the facility plan's unit stage (exposure and moves).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from . import baseline, unit_model
from .evaluate import Placement, distance_cost
from .problem import Problem, haversine_km, mixes, regime_group

CANDIDATES = 8  # facilities considered per class besides the current one


def solve_stages(problem: Problem, run) -> tuple[Placement, str, int]:
    facility_of, status, bound = _facilities(problem, run)
    if status in ("infeasible", "unknown"):
        return {}, status, 0
    placement: Placement = {}
    by_facility: dict[int, list] = defaultdict(list)
    for prisoner in problem.prisoners:
        by_facility[facility_of[prisoner.id]].append(prisoner)
    remaining = len(problem.prisoners) or 1
    done = 0
    for facility_id, people in sorted(by_facility.items(), key=lambda item: -len(item[1])):
        share = len(people) / remaining
        remaining -= len(people)
        units_here, code = _units(problem, facility_id, people, run, run.left() * share)
        if code != cp_model.OPTIMAL:
            status = "feasible"
        placement.update(units_here)
        done += len(people)
        run.say("units", 0.5 + 0.5 * done / len(problem.prisoners), None, bound)
    _repair(problem, placement, facility_of)
    return placement, status, bound


def _home_square(prisoner) -> tuple[int, int] | None:
    if prisoner.home is None:
        return None
    return (math.floor(prisoner.home[0]), math.floor(prisoner.home[1]))


def _facilities(problem: Problem, run) -> tuple[dict[int, int], str, int]:
    """Stage one: prisoners to facilities, as a minimum-cost flow.

    Classes send their members to (facility, profile) nodes at the cost of a move and the
    family distance; those pass them to the units of the facility that may hold the profile,
    and each unit passes at most its places on (the dispersed group through a node that lets
    at most the regime's limit through). A unit holds the Rule 11 kinds it holds now (an
    empty one may take any), so kinds that may not meet are never sent to one unit. Flows are
    whole numbers and optimal: the cost is a lower bound for this stage's part of the plan.
    """
    weights = problem.options.weights
    places = problem.capacity
    unit_places = {u.id: sum(places[c.id] for c in problem.cells_of_unit[u.id])
                   for u in problem.units}
    located = {f.id: (f.latitude, f.longitude) for f in problem.facilities
               if f.latitude is not None}
    holds: dict[int, set] = defaultdict(set)
    for prisoner in problem.prisoners:
        if prisoner.current_unit is not None:
            holds[prisoner.current_unit].add(prisoner.kind)

    profiles: dict[tuple, list[int]] = {}
    classes: dict[tuple, list] = defaultdict(list)
    for prisoner in problem.prisoners:
        profile = (prisoner.kind, prisoner.regime, regime_group(problem, prisoner),
                   prisoner.needs_accessible_cell)
        if profile not in profiles:
            profiles[profile] = [
                u for u in unit_model.eligible_units(problem, prisoner, problem.units)
                if not holds[u] or all(mixes(problem.unit_by_id[u], prisoner.kind, kind)
                                       for kind in holds[u])]
        current = prisoner.current_facility if prisoner.movable else -prisoner.id
        classes[(profile, current, _home_square(prisoner))].append(prisoner)
    facilities_of_profile = {
        profile: sorted({problem.unit_by_id[u].facility_id for u in units})
        for profile, units in profiles.items()}

    def cost(members, facility_id: int) -> int:
        sample = members[0]
        move = weights.move * (facility_id != sample.current_facility
                               and sample.current_facility is not None)
        km = [haversine_km(m.home, located[facility_id]) for m in members
              if m.home is not None and facility_id in located]
        return move + weights.distance * (
            round(sum(distance_cost(k) for k in km) / len(km)) if km else 0)

    flow = min_cost_flow.SimpleMinCostFlow()
    nodes: dict[tuple, int] = {}

    def node(key) -> int:
        if key not in nodes:
            nodes[key] = len(nodes)
        return nodes[key]

    sink = node("sink")
    total = len(problem.prisoners)
    arcs: dict[tuple[int, int], int] = {}  # (class index, facility) -> arc
    keys = list(classes)
    for index, key in enumerate(keys):
        profile, _current, square = key
        members = classes[key]
        sample = members[0]
        allowed = facilities_of_profile[profile]
        if not sample.movable:
            allowed = [f for f in allowed if f == sample.current_facility]
        elif square is not None and len(allowed) > CANDIDATES:
            centre = (square[0] + 0.5, square[1] + 0.5)
            nearest = sorted((f for f in allowed if f in located),
                             key=lambda f: haversine_km(centre, located[f]))[:CANDIDATES]
            allowed = sorted(set(nearest) | ({sample.current_facility} & set(allowed)))
        source = node(("class", index))
        flow.set_node_supply(source, len(members))
        for facility_id in allowed:
            arcs[index, facility_id] = flow.add_arc_with_capacity_and_unit_cost(
                source, node(("profile", facility_id, profile)), len(members),
                cost(members, facility_id))
    for profile, units in profiles.items():
        for unit_id in units:
            facility_id = problem.unit_by_id[unit_id].facility_id
            if ("profile", facility_id, profile) not in nodes:
                continue
            into = node(("unit", unit_id))
            if profile[2] == "dispersed":
                gate = node(("dispersed", unit_id))
                if gate == len(nodes) - 1:
                    flow.add_arc_with_capacity_and_unit_cost(
                        gate, into, problem.options.dispersal_limit, 0)
                into = gate
            flow.add_arc_with_capacity_and_unit_cost(
                nodes["profile", facility_id, profile], into, total, 0)
    for unit in problem.units:
        if ("unit", unit.id) in nodes:
            flow.add_arc_with_capacity_and_unit_cost(
                nodes["unit", unit.id], sink, unit_places[unit.id], 0)
    flow.set_node_supply(sink, -total)
    run.say("facilities", 0.1, None, None)
    if flow.solve() != flow.OPTIMAL:
        return {}, "infeasible", 0
    facility_of: dict[int, int | None] = {}
    quotas: dict[int, dict[int, int]] = defaultdict(dict)
    for (index, facility_id), arc in arcs.items():
        quotas[index][facility_id] = flow.flow(arc)
    for index, key in enumerate(keys):
        facility_of.update(unit_model.share_out(classes[key], quotas[index],
                                                lambda m: m.current_facility))
    bound = flow.optimal_cost()
    run.say("facilities", 0.5, bound, bound)
    return facility_of, "optimal", bound


def _units(problem: Problem, facility_id: int, people, run, seconds: float):
    """Stage two for one facility: its units, by the facility plan's unit stage."""
    units = [u for u in problem.units if u.facility_id == facility_id]
    unit_ids = {u.id for u in units}
    cells = [c for c in problem.cells if c.unit_id in unit_ids]
    ids = {p.id for p in people}
    here = [p if p.current_unit in unit_ids else replace(p, current_unit=None, current_cell=None)
            for p in people]
    sub = Problem([problem.facility_by_id[facility_id]], units, cells, here,
                  [k for k in problem.keep_aparts if k.a in ids and k.b in ids],
                  problem.options, places={c.id: problem.capacity[c.id] for c in cells})
    movable = [p for p in here if p.movable]
    fixed = [p for p in here if not p.movable]
    start = baseline.warm_start(sub)
    stage = unit_model.build(sub, movable, fixed, allow_unplaced=True,
                             hint={p: u for p, u in start.items() if u is not None})
    solver, code = run.solve(stage.model, seconds)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return dict(start), code  # no better placement in time: the greedy one
    placed = unit_model.read(stage, solver)
    placed.update({p.id: p.current_unit for p in fixed})
    return placed, code


def _repair(problem: Problem, placement: Placement, facility_of: dict[int, int]) -> None:
    """Whoever a facility's units could not take goes to the first unit that fits, in the
    facility the first stage chose if it can, else anywhere."""
    waiting = [p for p in problem.prisoners if placement.get(p.id) is None]
    if not waiting:
        return
    state = baseline.State(problem)
    for prisoner in problem.prisoners:
        if placement.get(prisoner.id) is not None:
            state.put(prisoner, placement[prisoner.id])
    for prisoner in waiting:
        chosen = facility_of.get(prisoner.id)
        for unit in sorted(problem.units, key=lambda u: (u.facility_id != chosen, u.id)):
            if state.fits(prisoner, unit.id):
                state.put(prisoner, unit.id)
                placement[prisoner.id] = unit.id
                break
