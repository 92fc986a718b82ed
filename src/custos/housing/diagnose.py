"""Why no plan keeps every hard rule: which rules conflict, and by how much.

Counting comes first (people against places, for every group of prisoners that may only live
in some units; single and accessible cells; the regime's limits), since it gives the numbers
a director can act on ("14 prisoners need a cell of their own; 9 can be freed"). When the
counts all pass and the solver still proves there is no plan, the solver names the families
of rules that cannot all hold (an infeasible core over their assumption literals).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ortools.sat.python import cp_model

from . import unit_model
from .evaluate import breaches
from .problem import Problem, regime_group


def conflicts(problem: Problem) -> list[dict]:
    found: list[dict] = _fixed_breaches(problem)
    capacity = problem.capacity
    people = len(problem.prisoners)
    places = sum(capacity.values())
    if people > places:
        found.append({"code": "places", "params": {
            "people": people, "places": places, "beds": sum(c.beds for c in problem.cells),
            "limit": problem.options.overcrowding_percent}})

    for units, inside, room, sample in _group_room(problem, capacity):
        if not units:
            found.append({"code": "nowhere", "params": {
                "people": inside, "sex": sample.sex, "juvenile": sample.juvenile,
                "legal_status": sample.legal_status, "regime": sample.regime}})
        elif inside > room and len(units) < len(problem.units):
            found.append({"code": "group_places", "params": {
                "people": inside, "places": room,
                "units": [problem.unit_by_id[u].label for u in sorted(units)]}})

    alone = sum(1 for p in problem.prisoners if p.needs_single_cell)
    if alone:
        spare = places - people
        freed = 0
        for size in sorted(capacity[c.id] for c in problem.cells):
            if freed >= len(problem.cells) or spare < size - 1:
                break
            spare -= size - 1
            freed += 1
        if alone > freed:
            found.append({"code": "single_cells", "params": {"people": alone, "cells": freed}})

    needing = sum(1 for p in problem.prisoners if p.needs_accessible_cell)
    accessible = sum(capacity[c.id] for c in problem.cells if c.accessible)
    if needing > accessible:
        found.append({"code": "accessible_cells",
                      "params": {"people": needing, "places": accessible}})

    groups = Counter(regime_group(problem, p) for p in problem.prisoners)
    if groups["dispersed"]:
        limit = problem.options.dispersal_limit
        open_units = [u for u in problem.units if u.id not in problem.designated
                      or problem.options.regime == "dispersal"]
        if groups["dispersed"] > limit * len(open_units):
            found.append({"code": "dispersal", "params": {
                "people": groups["dispersed"], "limit": limit, "units": len(open_units)}})
    if groups["designated"]:
        room = sum(capacity[c.id] for u in problem.designated for c in problem.cells_of_unit[u])
        if groups["designated"] > room:
            found.append({"code": "designated", "params": {
                "people": groups["designated"], "places": room,
                "units": [problem.unit_by_id[u].label for u in sorted(problem.designated)]}})
    return found


def _group_room(problem: Problem, capacity: dict[int, int]):
    """For each set of units some prisoners may only live in: (the units, how many people may
    only live there, their places, one of those people)."""
    unit_places = {u.id: sum(capacity[c.id] for c in problem.cells_of_unit[u.id])
                   for u in problem.units}
    eligible: dict[tuple, frozenset[int]] = {}
    demand: Counter = Counter()
    samples: dict[frozenset, object] = {}
    for prisoner in problem.prisoners:
        profile = (prisoner.kind, prisoner.regime, regime_group(problem, prisoner),
                   prisoner.needs_accessible_cell)
        if profile not in eligible:
            eligible[profile] = frozenset(
                unit_model.eligible_units(problem, prisoner, problem.units))
        demand[eligible[profile]] += 1
        samples.setdefault(eligible[profile], prisoner)
    for units, count in sorted(demand.items(), key=lambda item: sorted(item[0])):
        if not units:
            yield units, count, 0, samples[units]
            continue
        inside = sum(n for other, n in demand.items() if other and other <= units)
        yield units, inside, sum(unit_places[u] for u in units), samples[units]


def short_of_places(problem: Problem, capacity: dict[int, int]) -> bool:
    """Whether counting alone shows that some prisoners cannot all have a place."""
    if len(problem.prisoners) > sum(capacity.values()):
        return True
    return any(inside > room for units, inside, room, _s in _group_room(problem, capacity)
               if units)


def _fixed_breaches(problem: Problem) -> list[dict]:
    """Those who must stay where they are (an admissions plan) but break a rule there."""
    fixed = [p for p in problem.prisoners if not p.movable]
    if not fixed:
        return []
    cells = problem.options.kind != "national"
    stay = {p.id: (p.current_cell if cells else p.current_unit) for p in fixed}
    alone = Problem(problem.facilities, problem.units, problem.cells, fixed,
                    [k for k in problem.keep_aparts if k.a in stay and k.b in stay],
                    problem.options, places=problem.capacity)
    broken = [b for b in breaches(alone, stay) if b.code != "unplaced"]
    if not broken:
        return []
    labels = {p.id: p.label for p in fixed}
    names = sorted({labels[i] for b in broken for i in b.prisoners})
    return [{"code": "fixed_breach", "params": {
        "people": len(names), "names": names[:20], "rules": sorted({b.code for b in broken})}}]


FAMILIES = ("placed", "capacity", "rule_11", "regime", "keep_apart", "accessible_cell")


def from_core(problem: Problem, movable, fixed, run) -> list[dict]:
    """The families of rules that cannot all hold, from the unit stage's infeasible core."""
    stage = unit_model.build(problem, movable, fixed, with_assumptions=True)
    literals = {}
    for name, found in stage.assumptions.items():
        for literal in found:
            literals[literal.Index()] = name
            stage.model.AddAssumption(literal)
    solver, code = run.solve(stage.model, min(10.0, run.left()))
    if code != cp_model.INFEASIBLE:
        return []
    names = sorted({literals[i] for i in solver.SufficientAssumptionsForInfeasibility()
                    if i in literals} - {"placed"})
    return [{"code": "rules_conflict", "params": {"rules": names}}] if names else []


def unplaced(problem: Problem, placement) -> list[dict]:
    left = defaultdict(list)
    for prisoner in problem.prisoners:
        if placement.get(prisoner.id) is None:
            left[prisoner.kind].append(prisoner.label)
    return [{"code": "unplaced", "params": {"people": len(names), "names": names[:20]}}
            for names in left.values()]
