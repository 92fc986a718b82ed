"""Generated housing problems shaped like the demo data, for benchmarks and tests.

A facility of units (remand, women, juveniles, separation, high-security and general) whose
cells hold one to six; prisoners with the demo's shares of remand, women and juveniles,
classification regimes, terrorism-related offences, influence and vulnerability scores,
needs, keep-apart orders; and current placements that keep every rule (first fit over a
shuffled order), so a re-plan starts from a lawful state as it would in a real prison.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from .baseline import warm_start
from .problem import Cell, Facility, KeepApart, Options, Prisoner, Problem, Unit

# unit regime -> security level; the cells of each kind of unit follow the demand for it
UNIT_TYPES = {"women": "medium", "juveniles": "medium", "separation": "maximum",
              "high_security": "high", "remand": "medium", "general": "medium"}
BEDS = (1, 2, 4, 4, 6, 6, 6)
ROUNDS = 20  # draws of a facility at most, each with cells more where someone was left out


def _unit_type(sex: str, juvenile: bool, legal: str, regime: str) -> str:
    if sex == "F":
        return "women"
    if juvenile:
        return "juveniles"
    if regime != "general":
        return regime
    return "remand" if legal == "remand" else "general"


def facility_problem(*, prisoners: int = 2000, cells: int = 600, keep_aparts: int = 300,
                     seed: int = 0, facility_id: int = 1, first_ids: int = 1,
                     options: Options | None = None, placed: bool = True,
                     cells_per_unit: int = 30) -> Problem:
    """The facility, with its people's current placements unless `placed` is false.

    Beds are counted per kind of unit, but a cell holds one Rule 11 kind and some people need
    a cell to themselves: when first fit leaves someone out of the current placements (a
    small facility's few juvenile cells, say), the kind of unit he needs gets a cell more
    and the facility is drawn again from the same seed (`ROUNDS` times at most), so that a
    lawful plan exists.
    """
    spare: Counter = Counter()
    for _round in range(ROUNDS):
        problem = _facility(prisoners, cells, keep_aparts, seed, facility_id, first_ids,
                            options, placed, cells_per_unit, spare)
        left_out = [p for p in problem.prisoners if placed and p.current_cell is None]
        if not left_out:
            break
        for prisoner in left_out:
            spare[_unit_type(*prisoner.kind, prisoner.regime)] += 1
    return problem


def _facility(prisoners: int, cells: int, keep_aparts: int, seed: int, facility_id: int,
              first_ids: int, options: Options | None, placed: bool, cells_per_unit: int,
              spare: Counter) -> Problem:
    rng = random.Random(seed)
    facility = Facility(facility_id, f"F{facility_id}", rng.uniform(-5, 15), rng.uniform(-5, 35))
    drawn = []
    for _ in range(prisoners):
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
        drawn.append((sex, juvenile, legal, regime, terror, influence, vulnerability,
                      rng.random() < 0.01, rng.random() < 0.01))

    # cells for each kind of unit in proportion to the beds its people need, and always
    # enough beds for them with some to spare (a lawful plan exists, as in a real estate)
    demand = Counter(_unit_type(*d[:4]) for d in drawn)
    mean_beds = sum(BEDS) / len(BEDS)
    need = {kind: demand[kind] / (1 if kind == "separation" else mean_beds)
            for kind in UNIT_TYPES}
    scale = cells / (sum(need.values()) or 1)
    units, all_cells = [], []
    next_id = first_ids
    for regime, level in UNIT_TYPES.items():
        wanted = max(2, round(need[regime] * scale)) + spare[regime]
        enough = demand[regime] * 1.15 + 2
        count = max(1, round(wanted / cells_per_unit))
        made, beds_made = 0, 0
        unit_list = []
        for index in range(count):
            unit = Unit(next_id, f"{facility.code}-{regime[:3].upper()}{index + 1}", facility_id,
                        regime, level, mixed_legal_status=regime in ("women", "juveniles"))
            next_id += 1
            unit_list.append(unit)
        while made < wanted or beds_made < enough:
            unit = unit_list[made % count]
            beds = rng.choice(BEDS) if regime != "separation" else 1
            number = made // count + 1
            all_cells.append(Cell(next_id, f"{unit.label}-{number}", unit.id, beds,
                                  landing=str(number % 3), single_occupancy=beds == 1,
                                  accessible=number <= 3 or rng.random() < 0.08))
            next_id += 1
            made += 1
            beds_made += beds
        units += unit_list

    people = [
        Prisoner(next_id + index, f"P{next_id + index}", sex, juvenile, legal, regime=regime,
                 terrorism_related=terror, influence=influence, vulnerability=vulnerability,
                 needs_single_cell=single, needs_accessible_cell=accessible,
                 current_facility=facility_id, home=(rng.uniform(-5, 15), rng.uniform(-5, 35)))
        for index, (sex, juvenile, legal, regime, terror, influence, vulnerability, single,
                    accessible) in enumerate(drawn)]
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
        one, other = people_by_id[a], people_by_id[b]
        if level == "unit" and not all(p.regime == "general" and p.legal_status == "convicted"
                                       and p.sex == "M" and not p.juvenile for p in (one, other)):
            level = "landing"  # only convicted men of the general regime have several units
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


def national_problem(*, facilities: int = 40, prisoners: int = 50_000, seed: int = 0,
                     options: Options | None = None) -> Problem:
    """A prison service of `facilities` like `facility_problem`'s, spread over a country ten
    degrees square, with families living near their prisoner's facility for most prisoners
    and anywhere in the country for the others."""
    rng = random.Random(seed)
    options = options or Options(kind="national")
    each = prisoners // facilities
    parts, next_id = [], 1
    for index in range(facilities):
        part = facility_problem(prisoners=each, cells=max(10, each * 3 // 10),
                                keep_aparts=each * 15 // 100, seed=seed * 1000 + index,
                                facility_id=index + 1, first_ids=next_id)
        spot = (rng.uniform(0, 10), rng.uniform(0, 10))
        part.facilities = [Facility(index + 1, f"F{index + 1:02d}", *spot)]
        parts.append(part)
        next_id = max(p.id for p in part.prisoners) + 1
    spots = [part.facilities[0] for part in parts]
    people = []
    for part in parts:
        here = part.facilities[0]
        for prisoner in part.prisoners:
            near = here if rng.random() < 0.6 else rng.choice(spots)
            people.append(replace(prisoner, home=(near.latitude + rng.uniform(-0.7, 0.7),
                                                  near.longitude + rng.uniform(-0.7, 0.7))))
    return Problem(spots, [u for part in parts for u in part.units],
                   [c for part in parts for c in part.cells], people,
                   [k for part in parts for k in part.keep_aparts], options)
