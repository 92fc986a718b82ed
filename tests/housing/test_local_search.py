"""The search that improves a complete, lawful plan: it keeps every rule and never does worse."""

import pytest

from custos.housing import local_search
from custos.housing.evaluate import breaches, current_placement, metrics

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
