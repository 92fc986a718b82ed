"""Property tests of the housing optimiser on random small facilities (Hypothesis).

Whatever the facility, the plan never breaks a hard rule unless the solver says no plan
exists (and then it names a conflict); a plan houses everyone; its objective is never worse
than first fit's when first fit houses everyone, and with no cost on moves neither is its
exposure. The staged path (units, then cells) is checked on generated facilities larger than
the exact model's limit. Pure: no database.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custos.housing import solver as solver_module
from custos.housing import synthetic
from custos.housing.evaluate import breaches
from custos.housing.problem import (
    REGIMES,
    Cell,
    Facility,
    KeepApart,
    Options,
    Prisoner,
    Problem,
    Unit,
    Weights,
)
from custos.housing.solver import solve

from .instances import lawful_facility

LIMIT = 2.0
PROPERTY = settings(max_examples=25,  # the profile's too_slow kept: this list replaces it
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def facilities(draw, *, move_weight: int | None = None) -> Problem:
    units = []
    for uid in range(1, draw(st.integers(1, 3)) + 1):
        regime = draw(st.sampled_from(
            ["general", "general", "remand", "high_security", "separation", "women",
             "juveniles"]))
        units.append(Unit(uid, f"U{uid}", 1, regime,
                          draw(st.sampled_from(["low", "medium", "high", "maximum"])),
                          mixed_sex=draw(st.booleans()), mixed_age=draw(st.booleans()),
                          mixed_legal_status=draw(st.booleans())))
    cells = []
    count = draw(st.integers(max(2, len(units)), 8))
    for index in range(count):
        unit_id = units[index % len(units)].id if index < len(units) else draw(
            st.sampled_from([u.id for u in units]))
        beds = draw(st.integers(1, 4))
        cells.append(Cell(100 + index, f"C{index}", unit_id, beds,
                          landing=draw(st.sampled_from("ab")),
                          single_occupancy=beds == 1 or draw(st.booleans()) and beds == 2,
                          accessible=draw(st.booleans())))
    by_id = {c.id: c for c in cells}
    prisoners = []
    for pid in range(1, draw(st.integers(1, 12)) + 1):
        juvenile = draw(st.booleans()) and draw(st.booleans())
        at = draw(st.one_of(st.none(), st.sampled_from(sorted(by_id))))
        prisoners.append(Prisoner(
            pid, f"P{pid}", draw(st.sampled_from("MMMF")), juvenile,
            draw(st.sampled_from(["convicted", "convicted", "remand"])),
            regime=draw(st.sampled_from(["general"] * 4 + ["high_security", "separation"])),
            terrorism_related=draw(st.booleans()),
            influence=draw(st.integers(0, 8)), vulnerability=draw(st.integers(0, 10)),
            needs_single_cell=draw(st.integers(0, 9)) == 0,
            needs_accessible_cell=draw(st.integers(0, 9)) == 0,
            current_cell=at, current_unit=by_id[at].unit_id if at is not None else None))
    ids = [p.id for p in prisoners]
    orders = {}
    if len(ids) > 1:
        for _ in range(draw(st.integers(0, 4))):
            a, b = sorted(draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2,
                                        unique=True)))
            orders[a, b] = KeepApart(a, b, draw(st.sampled_from(["cell", "landing", "unit"])))
    unit_ids = [u.id for u in units]
    designated = draw(st.sets(st.sampled_from(unit_ids), max_size=len(unit_ids)))
    weights = Weights(cell_exposure=draw(st.integers(1, 10)),
                      unit_exposure=draw(st.integers(0, 2)),
                      move=move_weight if move_weight is not None else draw(st.integers(0, 10)))
    options = Options(regime=draw(st.sampled_from(REGIMES)),
                      dispersal_limit=draw(st.integers(1, 3)),
                      hybrid_influence=draw(st.integers(1, 8)),
                      designated_units=frozenset(designated),
                      overcrowding_percent=draw(st.sampled_from([0, 0, 25, 50])),
                      weights=weights)
    return Problem([Facility(1, "F1")], units, cells, prisoners, list(orders.values()), options)


def check_plan(problem: Problem):
    outcome = solve(problem, time_limit=LIMIT)
    assert outcome.lower_bound <= outcome.metrics["objective"]
    if outcome.status == "infeasible":
        assert outcome.conflicts
        return outcome
    assert breaches(problem, outcome.placement) == [], (outcome.status, outcome.method)
    assert all(outcome.placement.get(p.id) is not None for p in problem.prisoners)
    if outcome.baseline["unplaced"] == 0:
        assert outcome.metrics["objective"] <= outcome.baseline["objective"]
    return outcome


@PROPERTY
@given(facilities())
def test_plan_never_breaks_a_hard_rule_and_never_loses_to_first_fit(problem):
    check_plan(problem)


@PROPERTY
@given(facilities(move_weight=0))
def test_without_a_cost_on_moves_exposure_never_worse_than_first_fit(problem):
    outcome = check_plan(problem)
    if outcome.status != "infeasible" and outcome.baseline["unplaced"] == 0:
        assert outcome.metrics["exposure"] <= outcome.baseline["exposure"]


@PROPERTY
@given(facilities())
def test_staged_path_never_breaks_a_hard_rule(problem):
    # the same small facilities, forced through the units-then-cells path
    original = solver_module.WHOLE_MODEL_LIMIT
    solver_module.WHOLE_MODEL_LIMIT = 0
    try:
        outcome = solve(problem, time_limit=LIMIT)
    finally:
        solver_module.WHOLE_MODEL_LIMIT = original
    assert outcome.method.startswith(("staged", "diagnosis"))
    assert outcome.lower_bound <= outcome.metrics["objective"]
    if outcome.status == "infeasible":
        assert outcome.conflicts
    else:
        assert [b for b in breaches(problem, outcome.placement) if b.code != "unplaced"] == []


# --------------------------------------------------------------------------- staged, larger


def _staged(monkeypatch, problem: Problem) -> None:
    size = len(problem.prisoners) * len(problem.cells)
    if size <= solver_module.WHOLE_MODEL_LIMIT:
        monkeypatch.setattr(solver_module, "WHOLE_MODEL_LIMIT", size - 1)


@pytest.mark.parametrize("seed", [1, 3, 4, 5, 8])
def test_staged_plan_of_a_generated_facility_keeps_every_rule(monkeypatch, seed):
    problem = synthetic.facility_problem(prisoners=120, cells=40, keep_aparts=10, seed=seed)
    _staged(monkeypatch, problem)
    outcome = solve(problem, time_limit=4)
    assert outcome.method.startswith("staged")
    assert outcome.lower_bound <= outcome.metrics["objective"]
    # the hard rules hold for everyone placed, whatever the status
    assert [b for b in breaches(problem, outcome.placement) if b.code != "unplaced"] == []
    if outcome.status == "infeasible":
        assert outcome.conflicts


def test_staged_plan_houses_everyone_when_it_can(monkeypatch):
    problem = lawful_facility(120, 40, 10, seed=3)
    _staged(monkeypatch, problem)
    outcome = solve(problem, time_limit=4)
    assert outcome.method.startswith("staged")
    assert outcome.status in ("optimal", "feasible")
    assert breaches(problem, outcome.placement) == []
    assert outcome.metrics["objective"] <= outcome.current["objective"]


def test_staged_status_feasible_means_everyone_is_housed(monkeypatch):
    problem = synthetic.facility_problem(prisoners=120, cells=40, keep_aparts=10, seed=1)
    _staged(monkeypatch, problem)
    outcome = solve(problem, time_limit=4)
    if outcome.status in ("optimal", "feasible"):
        assert outcome.metrics["unplaced"] == 0, outcome.conflicts
    else:
        assert outcome.conflicts
