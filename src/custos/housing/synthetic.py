"""Generated housing problems shaped like the demo data, for benchmarks and tests.

A facility of units (remand, women, juveniles, separation, high-security and general) whose
cells hold one to six; prisoners with the demo's shares of remand, women and juveniles,
classification regimes, terrorism-related offences, influence and vulnerability scores,
needs, keep-apart orders; and current placements that keep every rule (first fit over a
shuffled order), so a re-plan starts from a lawful state as it would in a real prison.
"""

from __future__ import annotations

import random
from dataclasses import replace

from .baseline import warm_start
from .problem import Cell, Facility, KeepApart, Options, Prisoner, Problem, Unit

# (unit regime, security level, share of the cells)
UNIT_TYPES = (
    ("women", "medium", 0.07),
    ("juveniles", "medium", 0.05),
    ("separation", "maximum", 0.08),
    ("high_security", "high", 0.18),
    ("remand", "medium", 0.26),
    ("general", "medium", 0.36),
)


def facility_problem(*, prisoners: int = 2000, cells: int = 600, keep_aparts: int = 300,
                     seed: int = 0, facility_id: int = 1, first_ids: int = 1,
                     options: Options | None = None, placed: bool = True,
                     cells_per_unit: int = 30) -> Problem:
    rng = random.Random(seed)
    facility = Facility(facility_id, f"F{facility_id}", rng.uniform(-5, 15), rng.uniform(-5, 35))
    units, all_cells = [], []
    next_id = first_ids
    for regime, level, share in UNIT_TYPES:
        wanted = max(1, round(cells * share))
        count = max(1, round(wanted / cells_per_unit))
        for index in range(count):
            unit = Unit(next_id, f"{facility.code}-{regime[:3].upper()}{index + 1}", facility_id,
                        regime, level,
                        mixed_legal_status=regime in ("women", "juveniles"))
            next_id += 1
            units.append(unit)
            for number in range(wanted // count):
                beds = rng.choice((1, 2, 4, 4, 6, 6, 6)) if regime != "separation" else 1
                all_cells.append(Cell(next_id, f"{unit.label}-{number + 1}", unit.id, beds,
                                      landing=str(number % 3), single_occupancy=beds == 1,
                                      accessible=rng.random() < 0.05))
                next_id += 1

    people = []
    for index in range(prisoners):
        roll = rng.random()
        sex, juvenile = ("F", False) if roll < 0.05 else ("M", 0.05 <= roll < 0.08)
        legal = "remand" if rng.random() < 0.3 else "convicted"
        terror = rng.random() < 0.2
        regime = "general"
        if legal == "convicted" and sex == "M" and not juvenile:
            pick = rng.random()
            regime = "separation" if pick < 0.03 else "high_security" if pick < 0.25 else "general"
        influence = rng.choice((1, 2, 3, 4, 6, 8)) if rng.random() < (0.4 if terror else 0.1) else 0
        vulnerability = rng.randint(1, 10) if rng.random() < 0.3 else 0
        people.append(Prisoner(
            next_id + index, f"P{next_id + index}", sex, juvenile, legal, regime=regime,
            terrorism_related=terror, influence=influence, vulnerability=vulnerability,
            needs_single_cell=rng.random() < 0.01, needs_accessible_cell=rng.random() < 0.01,
            current_facility=facility_id,
            home=(rng.uniform(-5, 15), rng.uniform(-5, 35))))
    orders = []
    by_kind: dict[tuple, list] = {}
    for prisoner in people:
        by_kind.setdefault(prisoner.kind, []).append(prisoner.id)
    pairs = set()
    people_by_id = {p.id: p for p in people}
    groups = [ids for ids in by_kind.values() if len(ids) > 1]
    while groups and len(orders) < keep_aparts:
        ids = rng.choice(groups)
        a, b = sorted(rng.sample(ids, 2))
        if (a, b) in pairs:
            continue
        pairs.add((a, b))
        level = rng.choice(("cell", "cell", "cell", "landing", "unit"))
        if level == "unit" and (people_by_id[a].sex == "F" or people_by_id[a].juvenile):
            level = "landing"  # women and juveniles have one unit each here
        orders.append(KeepApart(a, b, level))

    problem = Problem([facility], units, all_cells, people, orders, options or Options())
    if placed:
        problem = with_current_placements(problem, rng)
    return problem


def with_current_placements(problem: Problem, rng: random.Random) -> Problem:
    """A lawful state to re-plan from: everyone housed by kind, in a shuffled order."""
    shuffled = list(problem.prisoners)
    rng.shuffle(shuffled)
    renumbered = {p.id: index for index, p in enumerate(shuffled)}
    # placing goes by id among equals: renumber in the shuffled order
    proxy = Problem(problem.facilities, problem.units, problem.cells,
                    [replace(p, id=renumbered[p.id]) for p in shuffled],
                    [KeepApart(renumbered[k.a], renumbered[k.b], k.level)
                     for k in problem.keep_aparts], problem.options)
    placed = warm_start(proxy)
    cells = problem.cell_by_id
    prisoners = []
    for prisoner in problem.prisoners:
        cell = placed.get(renumbered[prisoner.id])
        prisoners.append(replace(prisoner, current_cell=cell,
                                 current_unit=cells[cell].unit_id if cell else None))
    return Problem(problem.facilities, problem.units, problem.cells, prisoners,
                   problem.keep_aparts, problem.options)
