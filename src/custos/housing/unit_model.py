"""The first stage of a facility plan: how many of each kind of prisoner go to each unit.

Prisoners who are alike in everything the unit stage can see (Rule 11 kind, classification
regime, the plan's regime group, scores, needs, current unit) are one *class*; a variable
counts the members of a class in a unit, and only for the units the class may live in. Who
is under a keep-apart order is a class of one. The constraints are necessary conditions for
a placement into cells to exist (a relaxation), so the stage's proven bound is a lower bound
for the whole plan's objective; its objective is unit exposure plus moves between units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .problem import Problem, cell_refusal, mixes, regime_group, regime_refusal, unit_refusal

UNPLACED_COST = 10_000_000


@dataclass
class Klass:
    key: tuple
    members: list  # Prisoner
    units: list[int]  # where it may live

    @property
    def sample(self):
        return self.members[0]


@dataclass
class UnitStage:
    model: cp_model.CpModel
    classes: list[Klass]
    count: dict[tuple[int, int], cp_model.IntVar]  # (class index, unit id) -> members there
    assumptions: dict[str, list] = field(default_factory=dict)  # family -> literals
    left: dict[int, cp_model.IntVar] = field(default_factory=dict)  # class index -> no unit


def eligible_units(problem: Problem, prisoner, units) -> list[int]:
    found = []
    for unit in units:
        if unit_refusal(prisoner, unit) or regime_refusal(problem, prisoner, unit):
            continue
        if not any(cell_refusal(prisoner, c) is None for c in problem.cells_of_unit[unit.id]):
            continue
        found.append(unit.id)
    return found


def make_classes(problem: Problem, prisoners, units) -> list[Klass]:
    ordered = sorted(units, key=lambda u: u.id)
    by_key: dict[tuple, Klass] = {}
    eligible_cache: dict[tuple, list[int]] = {}
    for prisoner in prisoners:
        profile = (prisoner.kind, prisoner.regime, regime_group(problem, prisoner),
                   prisoner.needs_accessible_cell, prisoner.influence)
        key = (*profile, prisoner.vulnerability, prisoner.needs_single_cell,
               prisoner.current_unit, prisoner.id if problem.keep_aparts_of(prisoner.id) else 0)
        if key not in by_key:
            if profile not in eligible_cache:
                eligible_cache[profile] = eligible_units(problem, prisoner, ordered)
            by_key[key] = Klass(key, [], eligible_cache[profile])
        by_key[key].members.append(prisoner)
    return list(by_key.values())


def _single_cell_table(cells, capacity, occupied: set[int]) -> list[int]:
    """table[s]: the fewest places s people who must be alone take, in empty cells."""
    sizes = sorted(capacity[c.id] for c in cells if c.id not in occupied)
    table = [0]
    for size in sizes:
        table.append(table[-1] + size)
    return table


def build(problem: Problem, movable, fixed, *, hint: dict[int, int] | None = None,
          with_assumptions: bool = False, allow_unplaced: bool = False) -> UnitStage:
    """The unit-stage model for `movable` prisoners, `fixed` ones staying where they are.

    `hint` maps prisoners to units to start the search from (their current units, or first
    fit's). With `with_assumptions`, each family of constraints hangs on a literal, so an
    infeasible model can name the families that conflict. With `allow_unplaced`, members of
    a class may be left without a unit at a cost far above any other (`left`), so a plan
    still comes out and says who is left.
    """
    weights = problem.options.weights
    model = cp_model.CpModel()
    units = problem.units
    classes = make_classes(problem, movable, units)
    capacity = problem.capacity
    assumptions: dict[str, list] = defaultdict(list)

    def family(name: str):
        if not with_assumptions:
            return None
        literal = model.NewBoolVar(name)
        assumptions[name].append(literal)
        return literal

    def add(expression, name: str):
        constraint = model.Add(expression)
        literal = family(name)
        if literal is not None:
            constraint.OnlyEnforceIf(literal)

    count: dict[tuple[int, int], cp_model.IntVar] = {}
    left: dict[int, cp_model.IntVar] = {}
    in_unit: dict[int, list[tuple[int, Klass]]] = defaultdict(list)
    for index, klass in enumerate(classes):
        size = len(klass.members)
        for unit_id in klass.units:
            var = model.NewIntVar(0, size, f"n{index}_{unit_id}")
            count[index, unit_id] = var
            in_unit[unit_id].append((index, klass))
        if allow_unplaced:
            left[index] = model.NewIntVar(0, size, f"l{index}")
            model.Add(sum(count[index, u] for u in klass.units) + left[index] == size)
        else:
            add(sum(count[index, u] for u in klass.units) == size, "placed")

    fixed_in: dict[int, list] = defaultdict(list)
    for prisoner in fixed:
        if prisoner.current_unit in problem.unit_by_id:
            fixed_in[prisoner.current_unit].append(prisoner)

    exposure_terms, move_terms = [], []
    for unit in units:
        here = in_unit.get(unit.id, [])
        staying = fixed_in.get(unit.id, [])
        if not here:
            continue
        cells = problem.cells_of_unit[unit.id]
        occupied = {p.current_cell for p in staying}
        places = sum(capacity[c.id] for c in cells) - len(staying)
        total = sum(count[i, unit.id] for i, _k in here)

        # places, with who must be alone taking whole (empty) cells
        alone = [(i, k) for i, k in here if k.sample.needs_single_cell]
        if alone:
            table = _single_cell_table(cells, capacity, occupied)
            singles = model.NewIntVar(0, len(table) - 1, f"s{unit.id}")
            model.Add(singles == sum(count[i, unit.id] for i, _k in alone))
            taken = model.NewIntVar(0, table[-1], f"t{unit.id}")
            model.AddElement(singles, table, taken)
            add(total - singles + taken <= places, "capacity")
        else:
            add(total <= places, "capacity")
        needing = [(i, k) for i, k in here if k.sample.needs_accessible_cell]
        if needing:
            accessible = sum(capacity[c.id] for c in cells if c.accessible) - sum(
                1 for p in staying if problem.cell_by_id[p.current_cell].accessible)
            add(sum(count[i, unit.id] for i, _k in needing) <= accessible, "accessible_cell")

        # Mandela Rule 11: kinds that may not share the unit never meet in it
        kinds = sorted({k.sample.kind for _i, k in here} | {p.kind for p in staying})
        if len(kinds) > 1:
            room = sum(capacity[c.id] for c in cells)
            total_of = {kind: sum(count[i, unit.id] for i, k in here if k.sample.kind == kind)
                        + sum(1 for p in staying if p.kind == kind) for kind in kinds}
            present = {kind: model.NewBoolVar(f"k{unit.id}{kind}") for kind in kinds}
            for kind in kinds:
                model.Add(total_of[kind] <= room * present[kind])
            mixed = False
            for a, one in enumerate(kinds):
                for other in kinds[a + 1:]:
                    if mixes(unit, one, other):
                        mixed = True
                    else:
                        add(present[one] + present[other] <= 1, "rule_11")
            if mixed:  # kinds never share a cell: each needs cells of its own
                widest = max(capacity[c.id] for c in cells)
                cells_of = {kind: model.NewIntVar(0, len(cells), f"m{unit.id}{kind}")
                            for kind in kinds}
                for kind in kinds:
                    model.Add(total_of[kind] <= widest * cells_of[kind])
                add(sum(cells_of.values()) <= len(cells), "rule_11")

        # the plan's regime for terrorism-related prisoners
        groups = defaultdict(list)
        for i, klass in here:
            groups[regime_group(problem, klass.sample)].append(count[i, unit.id])
        fixed_groups = defaultdict(int)
        for prisoner in staying:
            fixed_groups[regime_group(problem, prisoner)] += 1
        if groups.get("dispersed"):
            add(sum(groups["dispersed"]) + fixed_groups["dispersed"]
                <= problem.options.dispersal_limit, "regime")
        if groups.get("apart"):
            apart = model.NewBoolVar(f"a{unit.id}")
            others = [v for g, vs in groups.items() if g != "apart" for v in vs]
            big = len(movable) + len(staying)
            add(sum(groups["apart"]) + fixed_groups["apart"] <= big * apart, "regime")
            add(sum(others) + sum(n for g, n in fixed_groups.items() if g != "apart")
                <= big * (1 - apart), "regime")

        # exposure between people of the unit, and moves into it
        exposure = _exposure(model, [(count[i, unit.id], k.sample, len(k.members))
                                     for i, k in here], staying, f"u{unit.id}")
        if exposure is not None:
            exposure_terms.append(exposure)
        move_terms += [count[i, unit.id] for i, k in here
                       if k.sample.current_unit is not None and k.sample.current_unit != unit.id]

    # keep-apart orders: at unit level, and at cell or landing level where a unit has only
    # one cell or one landing (then sharing the unit is sharing the cell or landing)
    index_of = {k.members[0].id: i for i, k in enumerate(classes) if len(k.members) == 1}
    fixed_unit = {p.id: p.current_unit for p in fixed}
    for order in problem.keep_aparts:
        for unit in units:
            if not _binds_in_unit(problem, order.level, unit.id):
                continue
            sides = []
            for person in (order.a, order.b):
                if person in index_of and (index_of[person], unit.id) in count:
                    sides.append(count[index_of[person], unit.id])
                elif fixed_unit.get(person) == unit.id:
                    sides.append(1)
            if len(sides) == 2 and not all(isinstance(s, int) for s in sides):
                add(sum(sides) <= 1, "keep_apart")

    if hint:
        _hint(model, classes, count, left, hint)
    model.Minimize(weights.unit_exposure * sum(exposure_terms) + weights.move * sum(move_terms)
                   + UNPLACED_COST * sum(left.values()))
    return UnitStage(model, classes, count, dict(assumptions), left)


def _binds_in_unit(problem: Problem, level: str, unit_id: int) -> bool:
    if level == "unit":
        return True
    cells = problem.cells_of_unit[unit_id]
    if level == "cell":
        return len(cells) == 1
    return len({c.landing for c in cells}) == 1


def _exposure(model, counted, staying, name: str):
    """(Σ influence) × (Σ vulnerability) of the people counted here: the exposure over their
    ordered pairs plus each person's own influence × vulnerability (see `own_exposure`).

    `counted` holds (how many — a variable, a person they are like, how many at most);
    `staying` are the people fixed here.
    """
    top_influence = sum(p.influence * most for _v, p, most in counted) + sum(
        p.influence for p in staying)
    top_vulnerability = sum(p.vulnerability * most for _v, p, most in counted) + sum(
        p.vulnerability for p in staying)
    if not top_influence or not top_vulnerability:
        return None
    influence = model.NewIntVar(0, top_influence, f"i{name}")
    vulnerability = model.NewIntVar(0, top_vulnerability, f"v{name}")
    model.Add(influence == sum(p.influence * v for v, p, _m in counted if p.influence)
              + sum(p.influence for p in staying))
    model.Add(vulnerability == sum(p.vulnerability * v for v, p, _m in counted if p.vulnerability)
              + sum(p.vulnerability for p in staying))
    product = model.NewIntVar(0, top_influence * top_vulnerability, f"p{name}")
    model.AddMultiplicationEquality(product, [influence, vulnerability])
    # Redundant cuts the solver propagates well: once the influence here reaches k, the
    # product is at least k × the vulnerability (and the other way round).
    for one, other, top in ((influence, vulnerability, top_influence),
                            (vulnerability, influence, top_vulnerability)):
        step = 1
        while step <= top:
            reached = model.NewBoolVar(f"r{name}")
            model.Add(one >= step).OnlyEnforceIf(reached)
            model.Add(one < step).OnlyEnforceIf(reached.Not())
            model.Add(product >= step * other).OnlyEnforceIf(reached)
            step *= 2
    return product


def own_exposure(people) -> int:
    """What `_exposure`'s products count of each person with himself: a constant of the
    population (everyone is somewhere), so the models leave it out and it is taken off after."""
    return sum(p.influence * p.vulnerability for p in people)


def _hint(model, classes, count, left, hint: dict[int, int]) -> None:
    for index, klass in enumerate(classes):
        wanted = defaultdict(int)
        for member in klass.members:
            unit = hint.get(member.id)
            if unit is not None and (index, unit) in count:
                wanted[unit] += 1
        for unit_id in klass.units:
            model.AddHint(count[index, unit_id], wanted.get(unit_id, 0))
        if index in left:
            model.AddHint(left[index], len(klass.members) - sum(wanted.values()))


def read(stage: UnitStage, solver: cp_model.CpSolver) -> dict[int, int | None]:
    """Prisoner -> unit (None: left out)."""
    placed: dict[int, int | None] = {}
    for index, klass in enumerate(stage.classes):
        quota = {u: solver.Value(stage.count[index, u]) for u in klass.units}
        placed.update(share_out(klass.members, quota, lambda m: m.current_unit))
    return placed


def share_out(members, quota: dict[int, int], current) -> dict[int, int | None]:
    """Which members of a class go where, given how many go to each place: those already in
    a place stay in it first; whoever is over goes nowhere (None)."""
    placed: dict[int, int | None] = {}
    quota = dict(quota)
    waiting = []
    for member in members:
        if quota.get(current(member), 0) > 0:
            placed[member.id] = current(member)
            quota[current(member)] -= 1
        else:
            waiting.append(member)
    for place, many in quota.items():
        for _ in range(many):
            placed[waiting.pop().id] = place
    for member in waiting:
        placed[member.id] = None
    return placed
