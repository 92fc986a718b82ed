"""Planning a facility's housing: the best placement the time allows, and a proof of how good.

Small facilities are solved whole and exactly (one model over every prisoner and cell).
Larger ones are solved in two stages — how many of each kind of prisoner to each unit, then
each unit's cells (`staged.py`); then, when a lawful plan for everyone is at hand, a search
over moves and swaps of prisoners (`local_search.py`) has the rest of the time to improve
it. National plans go facility, then unit (`national.py`). The unit stage is a relaxation
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
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import (
    baseline,
    cell_model,
    diagnose,
    local_search,
    national,
    staged,
    unit_bound,
    unit_search,
)
from .bound import stay_or_move_bound
from .evaluate import Placement, breaches, by_cell, current_placement, metrics
from .problem import raised_capacity
from .run import Progress, Run, status_of
from .unit_model import own_exposure

WHOLE_MODEL_LIMIT = 6_000  # Booleans (prisoner × eligible cell) below which to solve exactly
STAGED_SHARE = 0.1  # of a large facility's time for the two stages; the search has the rest
# (measured on 2,000 prisoners, 60 s, one run each: 30,606 against 31,834 with 0.25)
SPARE_S = 0.2  # kept back at the end to check and score the plan
NATIONAL_STAGES_SHARE = 0.5  # of a national plan's time for facilities and units; the search
# of units has the rest
BACKGROUND_FROM_S = 3.0  # the least time for which a process is started for the bound

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


def solve(problem, *, time_limit: float = 30.0, workers: int = 2,
          progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
          seed: int = 0) -> Outcome:
    """A plan for `problem`: prisoners to cells (a facility or admissions plan) or to units
    (a national plan, see `national.py`)."""
    if by_cell(problem) and _size(problem, problem.prisoners) > WHOLE_MODEL_LIMIT:
        local_search.warm()  # before the clock: compiled once a machine, not once a plan
        unit_bound.warm()
    run = Run(time_limit, workers, progress, cancelled, seed)
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
        deadline = run.deadline
        run.deadline = min(deadline, run.started + time_limit * NATIONAL_STAGES_SHARE)
        run.span = (0.0, NATIONAL_STAGES_SHARE)
        placement, status, bound = national.solve_stages(problem, run)
        run.deadline, run.span = deadline, (NATIONAL_STAGES_SHARE, 1.0)
        outcome.method = "national"
    elif _size(problem, movable) <= WHOLE_MODEL_LIMIT:
        placement, status, bound = _whole(problem, movable, fixed, run)
        outcome.method = "whole"
    else:
        greedy = _start(problem)
        if by_cell(problem) and run.left() > BACKGROUND_FROM_S:
            run.background = unit_bound.Background(problem, run.left(), min(
                first_metrics["objective"], metrics(problem, greedy)["objective"]))
        # with a lawful plan for everyone to improve on, the search has the time the stages
        # leave; without one, the stages have it all to find one
        share = STAGED_SHARE if _lawful_start(problem, greedy) else 1.0
        deadline = run.deadline
        run.deadline = min(deadline, run.started + time_limit * share)
        run.span = (0.0, share)
        placement, status, bound = staged.solve(problem, movable, fixed, run, greedy)
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
        if (greedy is not None or problem.options.kind == "national") \
                and _search(problem, outcome, run, start):
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


def _search(problem, outcome: Outcome, run: Run, start: Placement) -> bool:
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

    if by_cell(problem):
        found = local_search.improve(problem, start, seconds, seed=run.seed,
                                     stop=stop, report=report)
    else:
        found = unit_search.improve(problem, start, seconds, seed=run.seed, stop=stop,
                                    report=report)
    found_metrics = metrics(problem, found)
    if found_metrics["objective"] >= outcome.metrics["objective"] or breaches(problem, found):
        return False
    outcome.placement, outcome.metrics = found, found_metrics
    outcome.method = outcome.method.split("+")[0] + "+search"
    return True


def _finish(outcome: Outcome, run: Run) -> Outcome:
    if run.background:
        run.background.result()
    outcome.seconds = round(time.monotonic() - run.started, 3)
    # every term of the objective is >= 0, so 0 is always a bound
    outcome.lower_bound = max(0, min(outcome.lower_bound, outcome.metrics.get("objective", 0)))
    run.say("done", 1.0, outcome.metrics.get("objective"), outcome.lower_bound)
    return outcome


def _size(problem, movable) -> int:
    return len(movable) * len(problem.cells)


def _whole(problem, movable, fixed, run: Run):
    weights = problem.options.weights
    offset = (weights.cell_exposure + weights.unit_exposure) * own_exposure(problem.prisoners)
    stage = cell_model.build(problem, movable, fixed, problem.cells, whole=True,
                             allow_unplaced=False)
    solver, code = run.solve(stage.model, run.left(),
                             lambda obj, bound: run.say("whole", 0.5, obj - offset,
                                                        bound - offset))
    if status_of(code) in ("infeasible", "unknown"):
        return {}, status_of(code), 0
    placement = cell_model.read(stage, solver)
    for prisoner in fixed:
        placement[prisoner.id] = prisoner.current_cell
    return placement, status_of(code), int(solver.BestObjectiveBound()) - offset


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


