"""The search of units that improves a national plan: it separates influencers from the
vulnerable within the facility the plan chose, and never breaks a rule to do it."""

import pytest

from custos.housing import synthetic, unit_search
from custos.housing.evaluate import breaches, current_placement, metrics
from custos.housing.problem import Cell, Facility, KeepApart, Options, Prisoner, Problem, Unit
from custos.housing.solver import solve

NATIONAL = Options(kind="national")


def _two_units(second_facility: int = 1, neighbour: dict | None = None, orders=()):
    """U1 holds an influencer (5) and two vulnerable men (3 each): 30 of exposure. U2, with
    room, holds one man without scores."""
    facilities = [Facility(1, "F1"), Facility(2, "F2")]
    units = [Unit(1, "U1", 1, "general", "medium"),
             Unit(2, "U2", second_facility, "general", "medium")]
    cells = [Cell(11, "U1-1", 1, 4), Cell(21, "U2-1", 2, 4)]
    man = {"sex": "M", "juvenile": False, "legal_status": "convicted"}
    prisoners = [
        Prisoner(1, "P1", **man, influence=5, current_unit=1, current_facility=1),
        Prisoner(2, "P2", **man, vulnerability=3, current_unit=1, current_facility=1),
        Prisoner(3, "P3", **man, vulnerability=3, current_unit=1, current_facility=1),
        Prisoner(4, "P4", **{**man, **(neighbour or {})}, current_unit=2,
                 current_facility=second_facility)]
    problem = Problem(facilities, units, cells, prisoners, list(orders), NATIONAL)
    return problem, {p.id: p.current_unit for p in prisoners}


def test_the_influencer_leaves_the_vulnerable_when_it_pays():
    problem, start = _two_units()
    assert metrics(problem, start)["objective"] == 30
    found = unit_search.improve(problem, start, 0.5)
    assert found == {1: 2, 2: 1, 3: 1, 4: 2}  # one move (10) for 30 of exposure
    assert metrics(problem, found)["objective"] == 10
    assert breaches(problem, found) == []


@pytest.mark.parametrize("obstacle", [
    "remand man there",  # Rule 11: convicted and remand do not share a unit
    "keep-apart order",
    "other facility",  # the facility is the plan's choice: the search keeps it
])
def test_no_rule_is_broken_to_separate_them(obstacle):
    problem, start = _two_units(
        second_facility=2 if obstacle == "other facility" else 1,
        neighbour={"legal_status": "remand"} if obstacle == "remand man there" else None,
        orders=[KeepApart(1, 4, "unit"), KeepApart(2, 4, "unit"), KeepApart(3, 4, "unit")]
        if obstacle == "keep-apart order" else ())
    found = unit_search.improve(problem, start, 0.3)
    assert found == start
    assert breaches(problem, found) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_country_plan_improves_lawfully_within_its_facilities(seed):
    problem = synthetic.national_problem(facilities=3, prisoners=600, seed=seed)
    start = current_placement(problem)
    assert breaches(problem, start) == []
    found = unit_search.improve(problem, start, 1.0, seed=seed)
    assert breaches(problem, found) == []
    assert metrics(problem, found)["objective"] < metrics(problem, start)["objective"]
    facility = {u.id: u.facility_id for u in problem.units}
    assert all(facility[found[p]] == facility[start[p]] for p in start)


def test_a_cancelled_search_returns_a_lawful_plan_at_once():
    problem = synthetic.national_problem(facilities=2, prisoners=300, seed=4)
    start = current_placement(problem)
    found = unit_search.improve(problem, start, 30.0, stop=lambda: True)
    assert breaches(problem, found) == []
    assert metrics(problem, found)["objective"] <= metrics(problem, start)["objective"]


def test_national_solve_searches_units_after_its_stages():
    # facilities of 1,000: large enough that the units' CP-SAT stage leaves work to do
    problem = synthetic.national_problem(facilities=2, prisoners=2000, seed=5)
    outcome = solve(problem, time_limit=6)
    assert outcome.method == "national+search"
    assert breaches(problem, outcome.placement) == []
    assert outcome.lower_bound <= outcome.metrics["objective"]


def test_progress_hears_only_better_objectives_ending_with_the_plans():
    problem = synthetic.national_problem(facilities=2, prisoners=600, seed=6)
    start = current_placement(problem)
    heard = []
    found = unit_search.improve(problem, start, 1.5, report=heard.append)
    assert heard and heard == sorted(heard, reverse=True)
    assert heard[0] < metrics(problem, start)["objective"]
    assert heard[-1] == metrics(problem, found)["objective"]
