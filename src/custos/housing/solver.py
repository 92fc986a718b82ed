"""Planning a facility's housing: the best placement the time allows, and a proof of how good.

Small facilities are solved whole and exactly (one model over every prisoner and cell).
Larger ones are solved in two stages — how many of each kind of prisoner to each unit, then
each unit's cells — with variables only for the places a prisoner may occupy, current
placements as the starting point, identical cells ordered to break symmetry; then, when a
lawful plan for everyone is at hand, a search over moves and swaps of single prisoners
(`local_search.py`) has the rest of the time to improve it. The unit stage is a relaxation
of the whole problem, so its proven bound bounds the plan's objective from below, as do
the cheapest choice of who stays in his cell (`bound.py`) and, for large facilities, a
Lagrangian over the units computed in a process of its own while the stages and the search
run (`unit_bound.py`: its product of influence and vulnerability is kept whole, where the
unit stage's LP loses it); the largest is reported. Whatever the solver finds is checked
against every hard rule, and never returned when first fit does better. The time limit
counts everything, setting up included.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from . import baseline, cell_model, diagnose, local_search, national, unit_model
from .bound import stay_or_move_bound
from .evaluate import Placement, breaches, by_cell, current_placement, metrics
from .problem import mixes, raised_capacity
from .unit_bound import Background
from .unit_model import own_exposure

WHOLE_MODEL_LIMIT = 6_000  # Booleans (prisoner × eligible cell) below which to solve exactly
STAGED_SHARE = 0.1  # of a large facility's time for the two stages; the search has the rest
# (measured on 2,000 prisoners, 60 s, one run each: 30,606 against 31,834 with 0.25)
SPARE_S = 0.2  # kept back at the end to check and score the plan
BACKGROUND_FROM_S = 3.0  # the least time for which a process is started for the bound

# progress(stage, share of the work done, objective so far, bound) -> None
Progress = Callable[[str, float, "int | None", "int | None"], None]


@dataclass
class Outcome:
    placement: Placement
    # optimal, feasible (lawful and complete), partial (someone has no place), infeasible
    # (proved: the conflicts say why), cancelled (the best lawful plan found before)
    status: str
    lower_bound: int
    conflicts: list[dict] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    baseline: dict = field(default_factory=dict)  # first fit's metrics
    current: dict = field(default_factory=dict)  # the current placements' metrics
    method: str = ""
    seconds: float = 0.0


class _Watch(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[int, int], None]):
        super().__init__()
        self.report = report

    def on_solution_callback(self) -> None:
        self.report(int(self.ObjectiveValue()), int(self.BestObjectiveBound()))


class _Run:
    """One solve: its clock, its cancellation, its progress reports."""

    def __init__(self, time_limit: float, workers: int, progress: Progress | None,
                 cancelled: Callable[[], bool] | None, seed: int):
        self.started = time.monotonic()
        self.deadline = self.started + time_limit
        self.workers, self.progress, self.cancelled, self.seed = workers, progress, cancelled, seed
        self.stopped = False
        self.span = (0.0, 1.0)  # where the running phase's share of work lies in the whole
        self.background: Background | None = None  # the Lagrangian bound's process

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    def left(self) -> float:
        return max(0.05, self.deadline - time.monotonic())

    def say(self, stage: str, done: float, objective, bound) -> None:
        if self.progress:
            if stage != "done":
                done = self.span[0] + (self.span[1] - self.span[0]) * done
            self.progress(stage, done, objective, None if bound is None else max(0, bound))

    def solve(self, model: cp_model.CpModel, seconds: float,
              report: Callable[[int, int], None] | None = None,
              presolve: bool = True) -> tuple[cp_model.CpSolver, int]:
        """Solve within `seconds` (and the plan's time). `presolve=False` for the large staged
        models: CP-SAT's presolve takes seconds on them and then loses the start we hint,
        while without it the search begins from that start at once (measured: first plan at
        0.03 s instead of 3 s on 2,000 prisoners)."""
        start = _complete_hint(model, min(1.0, seconds / 4, self.left() / 4))
        solver = cp_model.CpSolver()
        solver.parameters.cp_model_presolve = presolve
        solver.parameters.max_time_in_seconds = max(0.05, min(seconds, self.left()))
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = self.seed
        solver.parameters.log_search_progress = bool(os.environ.get("CUSTOS_SOLVER_LOG"))
        if not self.stopped and self.cancelled and self.cancelled():
            self.stopped = True
        if self.stopped:
            solver.parameters.max_time_in_seconds = 0.05
        watchdog = None
        if self.cancelled:
            finished = threading.Event()

            def watch():
                while not finished.wait(0.25):
                    if self.cancelled():
                        self.stopped = True
                        solver.StopSearch()
                        return
            watchdog = threading.Thread(target=watch, daemon=True)
            watchdog.start()
        status = solver.Solve(model, _Watch(report) if report else None)
        if watchdog:
            finished.set()
            watchdog.join()
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE) \
                and start is not None:
            return start, cp_model.FEASIBLE  # no time to improve on the start: keep it
        return solver, status


def _complete_hint(model: cp_model.CpModel, seconds: float) -> cp_model.CpSolver | None:
    """Turn a partial hint (our start placement) into a complete one; return it solved.

    CP-SAT starts from a hint only when it can complete it; with auxiliary variables (sums,
    products) left out it often cannot and searches from scratch. Solving once with the hinted
    variables fixed completes the rest in a moment; the whole solution becomes the hint, and
    stays the answer if the search finds nothing better in its time.
    """
    if not model.Proto().solution_hint.vars:
        return None
    probe = cp_model.CpSolver()
    probe.parameters.fix_variables_to_their_hinted_value = True
    probe.parameters.max_time_in_seconds = max(0.05, seconds)
    probe.parameters.num_workers = 1
    if probe.Solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = list(probe.ResponseProto().solution)
    model.ClearHints()
    for index, value in enumerate(values):
        model.AddHint(model.GetIntVarFromProtoIndex(index), value)
    return probe


def solve(problem, *, time_limit: float = 30.0, workers: int = 2,
          progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
          seed: int = 0) -> Outcome:
    """A plan for `problem`: prisoners to cells (a facility or admissions plan) or to units
    (a national plan, see `national.py`)."""
    run = _Run(time_limit, workers, progress, cancelled, seed)
    first = baseline.first_fit(problem)
    first_metrics = metrics(problem, first)
    outcome = Outcome(placement=first, status="infeasible", lower_bound=0,
                      baseline=first_metrics,
                      current=metrics(problem, current_placement(problem)))
    conflicts = diagnose.conflicts(problem)
    if conflicts:
        outcome.conflicts = conflicts
        outcome.metrics = first_metrics
        outcome.method = "diagnosis"
        return _finish(outcome, run)

    movable = [p for p in problem.prisoners if p.movable]
    fixed = [p for p in problem.prisoners if not p.movable]
    greedy = None
    if problem.options.kind == "national":
        placement, status, bound = national.solve_stages(problem, run)
        outcome.method = "national"
    elif _size(problem, movable) <= WHOLE_MODEL_LIMIT:
        placement, status, bound = _whole(problem, movable, fixed, run)
        outcome.method = "whole"
    else:
        greedy = _start(problem)
        if by_cell(problem) and run.left() > BACKGROUND_FROM_S:
            run.background = Background(problem, run.left(), min(
                first_metrics["objective"], metrics(problem, greedy)["objective"]))
        # with a lawful plan for everyone to improve on, the search has the time the stages
        # leave; without one, the stages have it all to find one
        share = STAGED_SHARE if _lawful_start(problem, greedy) else 1.0
        deadline = run.deadline
        run.deadline = min(deadline, run.started + time_limit * share)
        run.span = (0.0, share)
        placement, status, bound = _staged(problem, movable, fixed, run, greedy)
        run.deadline, run.span = deadline, (share, 1.0)
        outcome.method = "staged"
    if status == "infeasible":
        fuller = raised_capacity(problem.cells, problem.options.overcrowding_percent)
        if problem.options.overcrowding_percent and problem.capacity != fuller \
                and run.left() > 1:
            # the evenly spread places were too few: use all the director allowed
            if run.background:
                run.background.result()  # this attempt's bound is for the fewer places
            wider = dataclasses.replace(problem, places=fuller)
            return solve(wider, time_limit=run.left(), workers=workers, progress=progress,
                         cancelled=cancelled, seed=seed)
        outcome.conflicts = diagnose.from_core(problem, movable, fixed, run) or [
            {"code": "no_plan", "params": {}}]
        outcome.metrics = first_metrics
        return _finish(outcome, run)
    if by_cell(problem):  # whoever stays in his cell keeps his cellmates' exposure
        bound = max(bound, stay_or_move_bound(problem))
    outcome.lower_bound = bound

    # The plan is the cheapest complete, lawful one among the optimiser's and the greedy ones.
    candidates = [(first, first_metrics, "first_fit")]
    if greedy is not None:
        candidates.append((greedy, metrics(problem, greedy), "greedy"))
        now = current_placement(problem)
        if all(place is not None for place in now.values()):
            candidates.append((now, outcome.current, "current"))
    if status != "unknown":
        candidates.insert(0, (placement, metrics(problem, placement), outcome.method))
    lawful = [c for c in candidates if not breaches(problem, c[0])]
    if lawful:
        chosen = min(lawful, key=lambda c: c[1]["objective"])
        outcome.placement, outcome.metrics = chosen[0], chosen[1]
        if chosen[2] != outcome.method:
            outcome.method = f"{outcome.method}+{chosen[2]}"
            status = "feasible"
        # the search does best from the current placements (measured: 37,000 against 41,000
        # from the greedy plan on 2,000 prisoners), moving only whom it pays to move
        start = next((c[0] for c in lawful if c[2] == "current"), outcome.placement)
        if greedy is not None and _search(problem, outcome, run, start):
            status = "feasible"
        if run.background:
            outcome.lower_bound = max(outcome.lower_bound, run.background.result())
    else:  # nobody found a place for everyone: show the fullest lawful attempt, and who is left
        partial = [c for c in candidates
                   if all(b.code == "unplaced" for b in breaches(problem, c[0]))]
        chosen = min(partial or candidates, key=lambda c: (c[1]["unplaced"], c[1]["objective"]))
        outcome.placement, outcome.metrics = chosen[0], chosen[1]
        outcome.conflicts = diagnose.unplaced(problem, chosen[0])
        outcome.lower_bound = 0  # a bound for housing everyone says nothing of this plan
        if status == "unknown":
            outcome.conflicts.insert(0, {"code": "no_plan_in_time",
                                         "params": {"seconds": round(time_limit)}})
        status = "partial"
    if status == "optimal" and outcome.metrics["objective"] > outcome.lower_bound:
        status = "feasible"  # the stages were solved to optimality, not the whole plan
    elif status == "feasible" and outcome.metrics["objective"] <= outcome.lower_bound:
        status = "optimal"  # the plan meets its bound: nothing can do better
    outcome.status = "cancelled" if run.stopped else status
    return _finish(outcome, run)


def _search(problem, outcome: Outcome, run: _Run, start: Placement) -> bool:
    """Improve on the chosen plan with the time left, searching from `start` (complete and
    lawful); whether it found better."""
    seconds = run.deadline - time.monotonic() - SPARE_S
    if run.stopped or seconds <= 0:
        return False
    began = time.monotonic()

    def stop() -> bool:
        if not run.stopped and run.cancelled and run.cancelled():
            run.stopped = True
        return run.stopped

    def report(objective: int) -> None:
        bound = outcome.lower_bound
        if run.background:
            run.background.aim(objective)
            bound = max(bound, run.background.proved())
        run.say("search", min(1.0, (time.monotonic() - began) / seconds), objective, bound)

    found = local_search.improve(problem, start, seconds, seed=run.seed,
                                 stop=stop, report=report)
    found_metrics = metrics(problem, found)
    if found_metrics["objective"] >= outcome.metrics["objective"] or breaches(problem, found):
        return False
    outcome.placement, outcome.metrics = found, found_metrics
    outcome.method = outcome.method.split("+")[0] + "+search"
    return True


def _finish(outcome: Outcome, run: _Run) -> Outcome:
    if run.background:
        run.background.result()
    outcome.seconds = round(time.monotonic() - run.started, 3)
    # every term of the objective is >= 0, so 0 is always a bound
    outcome.lower_bound = max(0, min(outcome.lower_bound, outcome.metrics.get("objective", 0)))
    run.say("done", 1.0, outcome.metrics.get("objective"), outcome.lower_bound)
    return outcome


def _size(problem, movable) -> int:
    return len(movable) * len(problem.cells)


def _status(code: int) -> str:
    """CP-SAT's answer in our words; "unknown": no solution yet when the time ran out."""
    return {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
            cp_model.INFEASIBLE: "infeasible"}.get(code, "unknown")


def _whole(problem, movable, fixed, run: _Run):
    weights = problem.options.weights
    offset = (weights.cell_exposure + weights.unit_exposure) * own_exposure(problem.prisoners)
    stage = cell_model.build(problem, movable, fixed, problem.cells, whole=True,
                             allow_unplaced=False)
    solver, code = run.solve(stage.model, run.left(),
                             lambda obj, bound: run.say("whole", 0.5, obj - offset,
                                                        bound - offset))
    if _status(code) in ("infeasible", "unknown"):
        return {}, _status(code), 0
    placement = cell_model.read(stage, solver)
    for prisoner in fixed:
        placement[prisoner.id] = prisoner.current_cell
    return placement, _status(code), int(solver.BestObjectiveBound()) - offset


def _start(problem) -> Placement:
    """The better complete one of two greedy placements, to start the search from."""
    found = [baseline.least_exposure(problem), baseline.warm_start(problem)]
    return min(found, key=lambda placement: (
        sum(1 for place in placement.values() if place is None),
        metrics(problem, placement)["objective"]))


def _lawful_start(problem, greedy: Placement) -> bool:
    """Whether the greedy plan or the current placements house everyone lawfully."""
    return any(all(place is not None for place in plan.values()) and not breaches(problem, plan)
               for plan in (greedy, current_placement(problem)))


def _unit_hint(problem, movable, fixed, start: Placement) -> dict[int, int]:
    """Units to start the unit stage from: the start's, and for whom the start found no cell,
    a unit with room whose people they may live with (cells are the next stage's concern)."""
    hint = {p.id: problem.cell_by_id[start[p.id]].unit_id for p in movable
            if start.get(p.id) is not None}
    count, kinds = Counter(), defaultdict(set)
    for prisoner in [*movable, *fixed]:
        unit_id = hint.get(prisoner.id, prisoner.current_unit if not prisoner.movable else None)
        if unit_id is not None:
            count[unit_id] += 1
            kinds[unit_id].add(prisoner.kind)
    places = {u.id: sum(problem.capacity[c.id] for c in problem.cells_of_unit[u.id])
              for u in problem.units}
    for prisoner in movable:
        if prisoner.id in hint:
            continue
        for unit_id in unit_model.eligible_units(problem, prisoner, problem.units):
            unit = problem.unit_by_id[unit_id]
            if count[unit_id] < places[unit_id] and all(
                    mixes(unit, prisoner.kind, kind) for kind in kinds[unit_id]):
                hint[prisoner.id] = unit_id
                count[unit_id] += 1
                kinds[unit_id].add(prisoner.kind)
                break
    return hint


def _staged(problem, movable, fixed, run: _Run, start: Placement):
    total = run.left()
    hint = _unit_hint(problem, movable, fixed, start)
    # the unit stage's objective: unit exposure and moves between units; the plan's adds cell
    # exposure (never below zero) and moves within units, so the stage's bound is the plan's
    offset = problem.options.weights.unit_exposure * own_exposure(problem.prisoners)
    # Whoever the start leaves out may stay out, at a prohibitive cost: the start is then a
    # complete solution the search improves from, instead of one it must first repair.
    stage = unit_model.build(problem, movable, fixed, hint=hint, allow_unplaced=True)
    solver, code = run.solve(stage.model, total * 0.4,
                             lambda obj, bound: run.say("units", 0.2, obj - offset,
                                                        bound - offset), presolve=False)
    status = _status(code)
    if status in ("infeasible", "unknown"):
        return {}, status, 0
    left_out = sum(solver.Value(v) for v in stage.left.values())
    if left_out and status == "optimal":  # proved: not everyone can be housed
        return {}, "infeasible", 0
    # with someone left out, the bound counts their prohibitive cost: no bound for the plan
    bound = 0 if left_out else int(solver.BestObjectiveBound()) - offset
    units_of = unit_model.read(stage, solver)
    run.say("units", 0.4, int(solver.ObjectiveValue()) - offset, bound)

    placement: Placement = {p.id: p.current_cell for p in fixed}
    by_unit: dict[int, list] = {}
    for prisoner in movable:
        if units_of[prisoner.id] is None:
            placement[prisoner.id] = None
        else:
            by_unit.setdefault(units_of[prisoner.id], []).append(prisoner)
    work = {u: len(people) * len(problem.cells_of_unit[u]) for u, people in by_unit.items()}
    remaining = sum(work.values()) or 1
    done = 0
    short = []  # units whose cells left someone out, to try again with the time kept back
    for unit_id, people in sorted(by_unit.items()):
        share = work[unit_id] / remaining
        remaining -= work[unit_id]
        if run.over():  # the stages' time is up: the unit's people wait for the repair
            placed, code = {p.id: None for p in people}, cp_model.UNKNOWN
        else:
            placed, code = _cells(problem, unit_id, people, fixed, start, run,
                                  run.left() * 0.75 * share)
        if code != cp_model.OPTIMAL:
            status = "feasible"
        if any(place is None for place in placed.values()):
            short.append((unit_id, people))
        placement.update(placed)
        done += work[unit_id]
        run.say("cells", 0.4 + 0.6 * done / sum(work.values()), None, bound)
    for index, (unit_id, people) in enumerate(short):
        if run.over():
            break
        placed, _code = _cells(problem, unit_id, people, fixed, start, run,
                               run.left() / (len(short) - index))
        if sum(p is None for p in placed.values()) < sum(
                placement[p.id] is None for p in people):
            placement.update(placed)
    _repair(problem, placement, run)
    return placement, status, bound


def _cells(problem, unit_id: int, people, fixed, start: Placement, run: _Run, seconds: float):
    """One unit's cells for the people the unit stage sent there."""
    staying = [p for p in fixed if p.current_unit == unit_id]
    cells = problem.cells_of_unit[unit_id]
    stage = cell_model.build(problem, people, staying, cells, whole=False, hint=start)
    solver, code = run.solve(stage.model, seconds)
    placed = ({p.id: None for p in people} if _status(code) in ("infeasible", "unknown")
              else cell_model.read(stage, solver))
    if any(place is None for place in placed.values()) and not run.stopped:
        # house everyone first, exposure aside: a lawful, complete unit beats a better one
        # that leaves someone out
        again = cell_model.build(problem, people, staying, cells, whole=False, hint=start)
        again.model.Minimize(sum(again.unplaced.values()))
        solver, second = run.solve(again.model, min(max(seconds, 2.0), run.left()))
        if _status(second) in ("optimal", "feasible"):
            found = cell_model.read(again, solver)
            if sum(p is None for p in found.values()) < sum(
                    p is None for p in placed.values()):
                placed, code = found, cp_model.FEASIBLE
    return placed, code


def _repair(problem, placement: Placement, run: _Run) -> None:
    """Whoever a unit's cells could not take goes to the first cell anywhere that fits, or to
    one whose occupants can all move elsewhere — while the stages' time lasts (then whoever
    is left stays without a place, and the plan is one of the greedy ones)."""
    waiting = [p for p in problem.prisoners if placement.get(p.id) is None]
    if not waiting:
        return
    state = baseline.State(problem)
    for prisoner in problem.prisoners:
        place = placement.get(prisoner.id)
        if place is not None:
            state.put(prisoner, place)
    order = [c.id for c in sorted(problem.cells, key=lambda c: (c.unit_id, c.label, c.id))]
    for prisoner in waiting:
        if run.over():
            break
        place = state.first_place(prisoner, order)
        if place is not None:
            state.put(prisoner, place)
        else:
            state.make_room(prisoner, order)
    placement.update({p.id: state.where[p.id][0] for p in problem.prisoners
                      if p.id in state.where})
