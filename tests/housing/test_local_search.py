"""The search that improves a complete, lawful plan: it keeps every rule and never does worse."""

import numpy as np
import pytest

from custos.housing import local_search, search_kernel
from custos.housing.evaluate import breaches, current_placement, metrics
from custos.housing.problem import Cell, Facility, Prisoner, Problem, Unit

from .instances import lawful_facility


@pytest.mark.parametrize("seed", [0, 3])
def test_search_keeps_every_rule_and_never_does_worse(seed):
    problem = lawful_facility(300, 90, 40, seed=seed)
    start = current_placement(problem)
    assert breaches(problem, start) == []
    heard = []
    found = local_search.improve(problem, start, 1.0, seed=seed, report=heard.append)
    assert breaches(problem, found) == []
    assert metrics(problem, found)["objective"] < metrics(problem, start)["objective"]
    assert heard and min(heard) >= metrics(problem, found)["objective"]


def test_search_keeps_its_costs_exactly():
    problem = lawful_facility(200, 60, 20, seed=1)
    plan = local_search._Plan(problem, current_placement(problem))
    assert plan.objective() == metrics(problem, current_placement(problem))["objective"]


def test_search_leaves_an_incomplete_plan_alone():
    problem = lawful_facility(200, 60, 20, seed=1)
    start = current_placement(problem)
    start[problem.prisoners[0].id] = None
    assert local_search.improve(problem, start, 1.0) is start


def test_search_stops_when_asked():
    problem = lawful_facility(200, 60, 20, seed=1)
    start = current_placement(problem)
    found = local_search.improve(problem, start, 30.0, stop=lambda: True)
    assert breaches(problem, found) == []


def test_search_opens_a_unit_to_another_kind():
    """Two women share a cell, the one influencing the other; the only other units hold a man
    each. No single move or swap separates them (a man and a woman never share a unit), but
    moving one man in with the other lets the influencer have a unit: 2 moves instead of
    10 × 25 + 25 of exposure."""
    units = [Unit(1, "W", 1, "women", "medium"), Unit(2, "G1", 1, "general", "medium"),
             Unit(3, "G2", 1, "general", "medium")]
    cells = [Cell(11, "A", 1, 2), Cell(12, "B", 2, 2), Cell(13, "C", 3, 2)]
    people = [Prisoner(1, "W1", "F", False, "convicted", influence=5, current_cell=11,
                       current_unit=1),
              Prisoner(2, "W2", "F", False, "convicted", vulnerability=5, current_cell=11,
                       current_unit=1),
              Prisoner(3, "M1", "M", False, "convicted", current_cell=12, current_unit=2),
              Prisoner(4, "M2", "M", False, "convicted", current_cell=13, current_unit=3)]
    problem = Problem([Facility(1, "F1")], units, cells, people, [])
    start = current_placement(problem)
    assert metrics(problem, start)["objective"] == 275
    found = local_search.improve(problem, start, 1.0)
    assert breaches(problem, found) == []
    assert metrics(problem, found)["objective"] == 20


def test_the_search_keeps_its_running_total_exactly():
    """After every batch of the kernel's steps, take-overs included (made frequent here),
    the changes it has counted add up to the objective counted afresh, its counts are those
    of the plan counted afresh, and no rule is broken; the best it reports is the objective
    of the plan it kept as the best."""
    problem = lawful_facility(300, 90, 40, seed=1)
    plan = local_search._Plan(problem, current_placement(problem))
    search_kernel.seed(2)
    current = best = plan.objective()
    best_where = plan.where.copy()
    moved = set()
    for batch in range(100):
        before = plan.where.copy()
        current, best = search_kernel.anneal(
            50, 30.0, 16, current, best, best_where, *plan.state(), plan.movers,
            plan.scored, plan.away, plan.openings, batch * 50)
        moved |= set(np.flatnonzero(before != plan.where).tolist())
        placement = plan.placement()
        assert current == metrics(problem, placement)["objective"]
        assert breaches(problem, placement) == []
        counts = (plan.CS.copy(), plan.US.copy(), plan.UK.copy())
        plan.load(plan.where.copy())
        assert all((kept == fresh).all() for kept, fresh in
                   zip(counts, (plan.CS, plan.US, plan.UK), strict=True))
    assert len(moved) > 50
    plan.load(best_where)
    assert best == metrics(problem, plan.placement())["objective"] < metrics(
        problem, current_placement(problem))["objective"]


def test_with_time_enough_short_runs_race_and_rounds_shake_the_best_ones(monkeypatch):
    """Each short run of the race starts from the plan given, with a seed of its own; each
    round after it shakes the best plan of one of the race's best runs, as far as the
    rounds have improved it, and cools it from the lower temperature; what is returned is
    the best of them all."""
    problem = lawful_facility(300, 90, 40, seed=1)
    monkeypatch.setattr(local_search, "RACE_FROM_S", 1.0)
    monkeypatch.setattr(local_search, "ROUND_S", 0.2)
    start = current_placement(problem)
    runs, kicks = [], []
    anneal, kick = local_search._anneal, local_search._kick

    def recorded(plan, seconds, seed, hot, stop, report):
        began = plan.objective()
        objective, where = anneal(plan, seconds, seed, hot, stop, report)
        runs.append((began, hot, seed, objective))
        return objective, where

    def shaken(plan, seed):
        kicks.append((len(runs), plan.objective()))
        kick(plan, seed)

    monkeypatch.setattr(local_search, "_anneal", recorded)
    monkeypatch.setattr(local_search, "_kick", shaken)
    heard = []
    found = local_search.improve(problem, start, 2.0, seed=1, report=heard.append)
    assert breaches(problem, found) == []
    race, rounds = runs[:local_search.RACE_RUNS], runs[local_search.RACE_RUNS:]
    assert {r[0] for r in race} == {metrics(problem, start)["objective"]}
    assert len({r[2] for r in runs}) == len(runs)  # each with a seed of its own
    assert {r[1] for r in race} == {local_search.HOT}
    assert len(rounds) >= 2 and {r[1] for r in rounds} == {local_search.HOT_AFTER_RACE}
    second = sorted(r[3] for r in race)[local_search.CHAINS - 1]
    for before, shaken_from in kicks:  # each round shakes one of the best plans before it
        assert shaken_from in {r[3] for r in runs[:before]} and shaken_from <= second
    assert len(kicks) == len(rounds)
    assert metrics(problem, found)["objective"] == min(r[3] for r in runs)
    assert heard == sorted(heard, reverse=True) and heard[-1] == min(r[3] for r in runs)
