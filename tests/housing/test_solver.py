"""The housing optimiser on small hand-made facilities: every hard rule, and the diagnosis.

Each rule has a case where the cheapest plan without it (usually: everyone stays where he
is now, so no move is paid) would break it, and the plan does not. The infeasible cases check
that the diagnosis names the rules that conflict, with the numbers. Pure: no database.
"""

from __future__ import annotations

from collections import Counter

import pytest

from custos.housing import solver as solver_module
from custos.housing.baseline import first_fit
from custos.housing.evaluate import breaches, metrics
from custos.housing.problem import (
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

LIMIT = 5.0


# --------------------------------------------------------------------------- builders


def unit(uid: int, regime: str = "general", security: str = "medium", **kw) -> Unit:
    return Unit(uid, f"U{uid}", 1, regime, security, **kw)


def cell(cid: int, unit_id: int, beds: int = 2, **kw) -> Cell:
    return Cell(cid, f"C{cid}", unit_id, beds, **kw)


def person(pid: int, *, sex: str = "M", juvenile: bool = False, legal: str = "convicted",
           at: int | None = None, cells: dict | None = None, **kw) -> Prisoner:
    """A prisoner; `at` is his current cell (its unit is looked up in `cells`)."""
    current_unit = cells[at].unit_id if (at is not None and cells) else None
    return Prisoner(pid, f"P{pid}", sex, juvenile, legal, current_cell=at,
                    current_unit=current_unit, current_facility=1, **kw)


def problem(units, cells, prisoners, keep_aparts=(), **options) -> Problem:
    return Problem([Facility(1, "F1")], list(units), list(cells), list(prisoners),
                   list(keep_aparts), Options(**options))


def lawful_plan(prob: Problem, **kw):
    """Solve, and check the plan keeps every hard rule and houses everyone."""
    outcome = solve(prob, time_limit=kw.pop("time_limit", LIMIT), **kw)
    assert outcome.status in ("optimal", "feasible"), (outcome.status, outcome.conflicts)
    assert breaches(prob, outcome.placement) == []
    assert all(outcome.placement[p.id] is not None for p in prob.prisoners)
    assert outcome.lower_bound <= outcome.metrics["objective"]
    assert outcome.metrics == metrics(prob, outcome.placement)
    return outcome


def infeasible(prob: Problem) -> list[dict]:
    outcome = solve(prob, time_limit=LIMIT)
    assert outcome.status == "infeasible"
    assert outcome.conflicts
    return outcome.conflicts


def codes(conflicts) -> dict[str, dict]:
    return {c["code"]: c["params"] for c in conflicts}


def unit_of(prob: Problem, place: int) -> int:
    return prob.cell_by_id[place].unit_id


def cells_by_id(*cells) -> dict[int, Cell]:
    return {c.id: c for c in cells}


# --------------------------------------------------------------------------- capacity


def test_capacity_moves_only_the_one_who_does_not_fit():
    a, b = cell(11, 1, beds=2), cell(12, 1, beds=2)
    cs = cells_by_id(a, b)
    prob = problem([unit(1)], [a, b], [person(i, at=11, cells=cs) for i in (1, 2, 3)])
    outcome = lawful_plan(prob)
    assert Counter(outcome.placement.values()) == {11: 2, 12: 1}
    assert outcome.metrics["moves"] == 1
    assert outcome.status == "optimal"
    assert outcome.metrics["objective"] == 10  # one move, nothing else


def test_overcrowding_only_up_to_the_limit_and_spread():
    cs = [cell(11, 1, beds=2), cell(12, 1, beds=2)]
    prisoners = [person(i) for i in range(1, 6)]
    prob = problem([unit(1)], cs, prisoners, overcrowding_percent=50)
    assert prob.capacity == {11: 3, 12: 3}
    outcome = lawful_plan(prob)
    assert sorted(Counter(outcome.placement.values()).values()) == [2, 3]


def test_single_occupancy_cell_holds_one():
    a, b = cell(11, 1, beds=2, single_occupancy=True), cell(12, 1, beds=2)
    cs = cells_by_id(a, b)
    prob = problem([unit(1)], [a, b], [person(1, at=11, cells=cs), person(2, at=11, cells=cs)])
    outcome = lawful_plan(prob)
    assert sorted(outcome.placement.values()) == [11, 12]


# --------------------------------------------------------------------------- cell needs


def test_who_needs_a_cell_of_his_own_is_alone():
    a, b = cell(11, 1, beds=3), cell(12, 1, beds=3)
    cs = cells_by_id(a, b)
    prob = problem([unit(1)], [a, b], [
        person(1, at=11, cells=cs, needs_single_cell=True),
        person(2, at=11, cells=cs), person(3, at=12, cells=cs)])
    outcome = lawful_plan(prob)
    place = outcome.placement[1]
    assert [p for p, c in outcome.placement.items() if c == place] == [1]
    assert outcome.metrics["moves"] == 1


def test_who_needs_an_accessible_cell_gets_one_even_in_another_unit():
    a, b = cell(11, 1, beds=2), cell(21, 2, beds=2, accessible=True)
    cs = cells_by_id(a, b)
    prob = problem([unit(1), unit(2)], [a, b], [
        person(1, at=11, cells=cs, needs_accessible_cell=True), person(2, at=11, cells=cs)])
    outcome = lawful_plan(prob)
    assert outcome.placement[1] == 21
    assert outcome.placement[2] == 11


# --------------------------------------------------------------------------- Rule 11


def test_rule_11_kinds_never_share_a_cell_even_in_a_mixed_unit():
    a, b = cell(11, 1, beds=2), cell(12, 1, beds=2)
    cs = cells_by_id(a, b)
    prob = problem([unit(1, mixed_legal_status=True)], [a, b], [
        person(1, legal="remand", at=11, cells=cs), person(2, at=11, cells=cs)])
    outcome = lawful_plan(prob)
    assert outcome.placement[1] != outcome.placement[2]
    assert outcome.metrics["moves"] == 1


def test_rule_11_remand_and_convicted_not_in_one_unmixed_unit():
    a, b, c = cell(11, 1, beds=2), cell(12, 1, beds=2), cell(21, 2, beds=2)
    cs = cells_by_id(a, b, c)
    prob = problem([unit(1), unit(2)], [a, b, c], [
        person(1, legal="remand", at=11, cells=cs), person(2, at=12, cells=cs)])
    outcome = lawful_plan(prob)
    assert unit_of(prob, outcome.placement[1]) != unit_of(prob, outcome.placement[2])


def test_rule_11_women_and_men_apart_and_women_units_hold_women_only():
    a, b, w = cell(11, 1, beds=2), cell(12, 1, beds=2), cell(21, 2, beds=2)
    cs = cells_by_id(a, b, w)
    prob = problem([unit(1), unit(2, regime="women")], [a, b, w], [
        person(1, sex="F", at=11, cells=cs), person(2, at=12, cells=cs),
        person(3, at=21, cells=cs)])  # a man in the women's unit
    outcome = lawful_plan(prob)
    assert outcome.placement[1] == 21
    assert unit_of(prob, outcome.placement[3]) == 1


def test_rule_11_juveniles_apart_from_adults():
    a, b, j = cell(11, 1, beds=2), cell(12, 1, beds=2), cell(21, 2, beds=2)
    cs = cells_by_id(a, b, j)
    prob = problem([unit(1), unit(2, regime="juveniles")], [a, b, j], [
        person(1, juvenile=True, at=11, cells=cs), person(2, at=12, cells=cs)])
    outcome = lawful_plan(prob)
    assert outcome.placement == {1: 21, 2: 12}


def test_rule_11_a_mixed_sex_unit_may_hold_both_in_separate_cells():
    a, b = cell(11, 1, beds=2), cell(12, 1, beds=2)
    cs = cells_by_id(a, b)
    prob = problem([unit(1, mixed_sex=True)], [a, b], [
        person(1, sex="F", at=11, cells=cs), person(2, at=12, cells=cs)])
    outcome = lawful_plan(prob)
    assert outcome.placement == {1: 11, 2: 12}
    assert outcome.metrics["objective"] == 0


# --------------------------------------------------------------------------- security


def test_separation_classification_goes_to_the_separation_unit_and_nobody_else_does():
    g, s = cell(11, 1, beds=2), cell(21, 2, beds=1)
    cs = cells_by_id(g, s)
    prob = problem([unit(1), unit(2, regime="separation", security="maximum")], [g, s], [
        person(1, regime="separation", at=11, cells=cs),
        person(2, at=21, cells=cs)])  # an ordinary prisoner held in separation
    outcome = lawful_plan(prob)
    assert outcome.placement == {1: 21, 2: 11}
    assert outcome.metrics["moves"] == 2


def test_high_security_goes_to_a_high_or_maximum_security_unit():
    low, high = cell(11, 1, beds=2), cell(21, 2, beds=2)
    cs = cells_by_id(low, high)
    prob = problem([unit(1, security="medium"), unit(2, "high_security", security="high")],
                   [low, high], [person(1, regime="high_security", at=11, cells=cs),
                                 person(2, at=11, cells=cs)])
    outcome = lawful_plan(prob)
    assert outcome.placement[1] == 21
    assert outcome.placement[2] == 11


# --------------------------------------------------------------------------- regimes


def _terror_facility(**options):
    """Two general units and a designated one, with all the terrorism-related in unit 1."""
    cs = [cell(11, 1, beds=4), cell(12, 1, beds=4), cell(21, 2, beds=4), cell(22, 2, beds=4),
          cell(31, 3, beds=4)]
    by = cells_by_id(*cs)
    prisoners = [person(1, at=11, cells=by, terrorism_related=True, influence=6),
                 person(2, at=11, cells=by, terrorism_related=True, influence=1),
                 person(3, at=11, cells=by, terrorism_related=True, influence=1),
                 person(4, at=12, cells=by, vulnerability=5),
                 person(5, at=31, cells=by)]  # an ordinary prisoner in the designated unit
    units = [unit(1), unit(2), unit(3, security="high")]
    return problem(units, cs, prisoners, designated_units=frozenset({3}), **options)


def test_concentration_puts_the_terrorism_related_in_designated_units_only():
    prob = _terror_facility(regime="concentration")
    outcome = lawful_plan(prob)
    units = {p: unit_of(prob, c) for p, c in outcome.placement.items()}
    assert units[1] == units[2] == units[3] == 3
    assert units[4] != 3 and units[5] != 3


def test_dispersal_keeps_at_most_the_limit_per_unit():
    prob = _terror_facility(regime="dispersal", dispersal_limit=1)
    outcome = lawful_plan(prob)
    terror_units = [unit_of(prob, outcome.placement[p]) for p in (1, 2, 3)]
    assert len(set(terror_units)) == 3  # one per unit, the designated one included


def test_separation_regime_gives_the_terrorism_related_units_of_their_own():
    prob = _terror_facility(regime="separation")
    outcome = lawful_plan(prob)
    terror = {unit_of(prob, outcome.placement[p]) for p in (1, 2, 3)}
    others = {unit_of(prob, outcome.placement[p]) for p in (4, 5)}
    assert not terror & others


def test_hybrid_designates_the_influential_and_disperses_the_rest():
    prob = _terror_facility(regime="hybrid", hybrid_influence=4, dispersal_limit=1)
    outcome = lawful_plan(prob)
    units = {p: unit_of(prob, c) for p, c in outcome.placement.items()}
    assert units[1] == 3
    assert units[2] != units[3] and 3 not in (units[2], units[3])
    assert units[5] != 3


# --------------------------------------------------------------------------- keep-aparts


def test_keep_apart_at_cell_level_may_share_the_landing():
    a, b = cell(11, 1, beds=2, landing="1"), cell(12, 1, beds=2, landing="1")
    cs = cells_by_id(a, b)
    prob = problem([unit(1)], [a, b], [person(1, at=11, cells=cs), person(2, at=11, cells=cs)],
                   [KeepApart(1, 2, "cell")])
    outcome = lawful_plan(prob)
    assert sorted(outcome.placement.values()) == [11, 12]


def test_keep_apart_at_landing_level():
    a, b, c = (cell(11, 1, beds=2, landing="1"), cell(12, 1, beds=2, landing="1"),
               cell(13, 1, beds=2, landing="2"))
    cs = cells_by_id(a, b, c)
    prob = problem([unit(1)], [a, b, c], [person(1, at=11, cells=cs),
                                          person(2, at=12, cells=cs)],
                   [KeepApart(1, 2, "landing")])
    outcome = lawful_plan(prob)
    landings = {prob.cell_by_id[outcome.placement[p]].landing for p in (1, 2)}
    assert landings == {"1", "2"}
    assert outcome.metrics["moves"] == 1


def test_keep_apart_at_unit_level():
    a, b, c = cell(11, 1, beds=2), cell(12, 1, beds=2), cell(21, 2, beds=2)
    cs = cells_by_id(a, b, c)
    prob = problem([unit(1), unit(2)], [a, b, c], [person(1, at=11, cells=cs),
                                                   person(2, at=12, cells=cs)],
                   [KeepApart(1, 2, "unit")])
    outcome = lawful_plan(prob)
    assert unit_of(prob, outcome.placement[1]) != unit_of(prob, outcome.placement[2])


# --------------------------------------------------------------------------- objective


def test_influencer_and_vulnerable_not_in_one_cell_when_another_cell_is_lawful():
    a, b = cell(11, 1, beds=2), cell(12, 1, beds=2)
    prob = problem([unit(1)], [a, b], [person(1, influence=8), person(2, vulnerability=9),
                                       person(3)])
    first = first_fit(prob)
    assert first[1] == first[2]  # first fit would put them together
    outcome = lawful_plan(prob)
    assert outcome.placement[1] != outcome.placement[2]
    assert outcome.metrics["cell_exposure"] == 0
    assert outcome.metrics["exposure"] == 72  # the unit's share only: 8 × 9 at weight 1
    assert outcome.metrics["objective"] < outcome.baseline["objective"]


def test_exposure_moves_people_when_it_outweighs_the_move():
    a, b = cell(11, 1, beds=2), cell(12, 1, beds=2)
    cs = cells_by_id(a, b)
    prob = problem([unit(1)], [a, b], [person(1, at=11, cells=cs, influence=8),
                                       person(2, at=11, cells=cs, vulnerability=9)])
    outcome = lawful_plan(prob)
    assert outcome.placement[1] != outcome.placement[2]
    assert outcome.metrics["moves"] == 1
    assert outcome.current["cell_exposure"] == 72


def test_the_move_weight_keeps_people_in_place_when_nothing_is_gained():
    cs = [cell(11, 1, beds=2), cell(12, 1, beds=2), cell(21, 2, beds=2), cell(22, 2, beds=2)]
    by = cells_by_id(*cs)
    prisoners = [person(1, at=22, cells=by), person(2, at=12, cells=by),
                 person(3, at=21, cells=by), person(4, at=21, cells=by)]
    prob = problem([unit(1), unit(2)], cs, prisoners)
    outcome = lawful_plan(prob)
    assert outcome.placement == {1: 22, 2: 12, 3: 21, 4: 21}
    assert outcome.metrics["objective"] == 0
    assert outcome.baseline["moves"] > 0  # first fit ignores where people are


def test_a_high_move_weight_keeps_a_cheap_exposure():
    a, b = cell(11, 1, beds=2), cell(12, 1, beds=2)
    cs = cells_by_id(a, b)
    prob = problem([unit(1)], [a, b], [person(1, at=11, cells=cs, influence=1),
                                       person(2, at=11, cells=cs, vulnerability=1)],
                   weights=Weights(cell_exposure=10, unit_exposure=1, move=100))
    outcome = lawful_plan(prob)
    assert outcome.placement == {1: 11, 2: 11}
    assert outcome.metrics["objective"] == 11


def test_admissions_plan_leaves_the_non_movable_where_they_are():
    a, b = cell(11, 1, beds=2), cell(12, 1, beds=2)
    cs = cells_by_id(a, b)
    prob = problem([unit(1)], [a, b], [
        person(1, at=11, cells=cs, movable=False, influence=8),
        person(2, at=12, cells=cs, movable=False),
        person(3, vulnerability=9),  # a new admission: the influencer's cell is free too
        person(4)], kind="admissions")
    outcome = lawful_plan(prob)
    assert outcome.placement[1] == 11 and outcome.placement[2] == 12
    assert outcome.placement[3] == 12 and outcome.placement[4] == 11


def test_non_movable_in_a_full_cell_make_others_go_elsewhere():
    a, b = cell(11, 1, beds=1), cell(12, 1, beds=2)
    cs = cells_by_id(a, b)
    prob = problem([unit(1)], [a, b], [
        person(1, at=11, cells=cs, movable=False), person(2, at=11, cells=cs)])
    outcome = lawful_plan(prob)
    assert outcome.placement == {1: 11, 2: 12}


# --------------------------------------------------------------------------- infeasible


def test_too_few_places():
    cs = [cell(11, 1, beds=2), cell(12, 1, beds=2)]
    found = codes(infeasible(problem([unit(1)], cs, [person(i) for i in range(1, 6)],
                                     overcrowding_percent=10)))
    assert found["places"]["people"] == 5
    assert found["places"]["places"] == 4
    assert found["places"]["limit"] == 10


def test_more_people_needing_a_cell_of_their_own_than_cells():
    cs = [cell(11, 1, beds=2), cell(12, 1, beds=2)]
    found = codes(infeasible(problem([unit(1)], cs, [
        person(i, needs_single_cell=True) for i in (1, 2, 3)])))
    assert found["single_cells"]["people"] == 3
    assert found["single_cells"]["cells"] < 3
    assert "places" not in found  # four places for three: counting places alone passes


def test_more_people_needing_accessible_cells_than_accessible_places():
    cs = [cell(11, 1, beds=2, accessible=True), cell(12, 1, beds=4)]
    found = codes(infeasible(problem([unit(1)], cs, [
        person(i, needs_accessible_cell=True) for i in (1, 2, 3)])))
    assert found["accessible_cells"] == {"people": 3, "places": 2}


def test_separation_classified_with_no_separation_unit_is_nowhere():
    cs = [cell(11, 1, beds=2), cell(21, 2, beds=2)]
    found = codes(infeasible(problem([unit(1), unit(2, "high_security", "high")], cs, [
        person(1, regime="separation"), person(2)])))
    assert found["nowhere"]["people"] == 1
    assert found["nowhere"]["regime"] == "separation"


def test_concentration_with_too_small_designated_units():
    cs = [cell(11, 1, beds=4), cell(21, 2, beds=2)]
    prisoners = [person(i, terrorism_related=True) for i in (1, 2, 3)] + [person(4)]
    found = codes(infeasible(problem([unit(1), unit(2)], cs, prisoners,
                                     regime="concentration", designated_units=frozenset({2}))))
    assert found["designated"]["people"] == 3
    assert found["designated"]["places"] == 2
    assert found["designated"]["units"] == ["U2"]


def test_dispersal_with_too_many_for_the_units():
    cs = [cell(11, 1, beds=4), cell(21, 2, beds=4)]
    prisoners = [person(i, terrorism_related=True) for i in (1, 2, 3)]
    found = codes(infeasible(problem([unit(1), unit(2)], cs, prisoners, regime="dispersal",
                                     dispersal_limit=1)))
    assert found["dispersal"] == {"people": 3, "limit": 1, "units": 2}


def test_unit_keep_apart_when_only_one_unit_may_hold_them():
    cs = [cell(11, 1, beds=2), cell(12, 1, beds=2), cell(21, 2, beds=4, accessible=True)]
    prisoners = [person(1, regime="high_security"), person(2, regime="high_security"),
                 person(3)]
    prob = problem([unit(1, "high_security", "high"), unit(2)], cs, prisoners,
                   [KeepApart(1, 2, "unit")])
    conflicts = infeasible(prob)
    named = codes(conflicts)
    assert ("keep_apart" in named.get("rules_conflict", {}).get("rules", [])
            or "group_places" in named), conflicts


def test_cell_keep_apart_in_a_one_cell_unit_is_diagnosed():
    cs = [cell(11, 1, beds=2), cell(21, 2, beds=2)]
    prisoners = [person(1, juvenile=True), person(2, juvenile=True), person(3)]
    prob = problem([unit(1, "juveniles"), unit(2)], cs, prisoners, [KeepApart(1, 2, "cell")])
    named = codes(infeasible(prob))
    assert "keep_apart" in named["rules_conflict"]["rules"]


def test_rule_11_conflict_counted_by_the_units_that_may_hold_a_group():
    cs = [cell(11, 1, beds=2), cell(21, 2, beds=2)]
    prisoners = [person(i, sex="F") for i in (1, 2, 3)] + [person(4)]
    prob = problem([unit(1, "women"), unit(2, population_served="men")], cs, prisoners)
    named = codes(infeasible(prob))
    assert named["group_places"]["people"] == 3
    assert named["group_places"]["places"] == 2
    assert named["group_places"]["units"] == ["U1"]


# --------------------------------------------------------------------------- the run


def test_progress_names_the_stages_and_ends_at_one():
    cs = [cell(11, 1, beds=2), cell(12, 1, beds=2)]
    prob = problem([unit(1)], cs, [person(1, influence=3), person(2, vulnerability=2)])
    reports = []
    outcome = solve(prob, time_limit=LIMIT,
                    progress=lambda *args: reports.append(args))
    assert reports
    assert {stage for stage, *_ in reports} <= {"whole", "units", "cells", "search", "done"}
    assert reports[-1] == ("done", 1.0, outcome.metrics["objective"], outcome.lower_bound)
    assert all(0 <= done <= 1 for _s, done, _o, _b in reports)


def test_progress_of_a_staged_plan(monkeypatch):
    monkeypatch.setattr(solver_module, "WHOLE_MODEL_LIMIT", 0)
    prob = lawful_facility(120, 40, 10, seed=3)
    reports = []
    outcome = solve(prob, time_limit=LIMIT, progress=lambda *args: reports.append(args))
    assert outcome.method.startswith("staged")
    stages = [stage for stage, *_ in reports]
    assert "units" in stages and "cells" in stages
    assert stages[-1] == "done" and reports[-1][1] == 1.0
    shares = [done for _s, done, _o, _b in reports]
    assert shares == sorted(shares)
    assert breaches(prob, outcome.placement) == []


def test_diagnosis_reports_progress_done_too():
    reports = []
    outcome = solve(problem([unit(1)], [cell(11, 1, beds=1)], [person(1), person(2)]),
                    time_limit=LIMIT, progress=lambda *args: reports.append(args))
    assert outcome.status == "infeasible"
    assert reports[-1][:2] == ("done", 1.0)


# 120 prisoners in about 45 cells: lawful plans exist (a greedy plan houses everyone), but the
# exact whole model, which the solver picks for it, needs seconds to its first solution.
def _seed_3():
    return lawful_facility(120, 40, 10, seed=3)


def test_cancellation_of_a_staged_plan_returns_promptly_with_a_lawful_plan(monkeypatch):
    monkeypatch.setattr(solver_module, "WHOLE_MODEL_LIMIT", 0)
    prob = _seed_3()
    outcome = solve(prob, time_limit=60, cancelled=lambda: True)
    assert outcome.method.startswith("staged")
    assert outcome.status == "cancelled"
    assert breaches(prob, outcome.placement) == []
    assert outcome.lower_bound <= outcome.metrics["objective"]


def test_cancellation_of_a_whole_plan_is_not_reported_infeasible():
    prob = _seed_3()
    outcome = solve(prob, time_limit=60, cancelled=lambda: True)
    assert outcome.method.startswith("whole")
    assert outcome.status == "cancelled", outcome.conflicts


def test_whole_model_out_of_time_is_not_reported_infeasible():
    prob = _seed_3()
    outcome = solve(prob, time_limit=1.0)
    assert outcome.status != "infeasible", outcome.conflicts


def test_the_same_facility_staged_is_lawful(monkeypatch):
    monkeypatch.setattr(solver_module, "WHOLE_MODEL_LIMIT", 0)
    prob = _seed_3()
    outcome = lawful_plan(prob, time_limit=3)
    assert outcome.metrics["objective"] < outcome.current["objective"]


def test_cancelled_before_start_on_a_tiny_plan_still_gives_a_lawful_plan():
    cs = [cell(11, 1, beds=2), cell(12, 1, beds=2)]
    prob = problem([unit(1)], cs, [person(1, influence=3), person(2, vulnerability=2)])
    outcome = solve(prob, time_limit=LIMIT, cancelled=lambda: True)
    # a tiny model is solved before the watchdog first looks (every 0.25 s)
    assert outcome.status in ("optimal", "feasible", "cancelled")
    assert breaches(prob, outcome.placement) == []


@pytest.mark.parametrize("seed", [0, 10])
def test_lower_bound_never_above_the_objective(seed):
    prob = lawful_facility(40, 14, 6, seed=seed)
    outcome = lawful_plan(prob, time_limit=3)
    assert 0 <= outcome.lower_bound <= outcome.metrics["objective"]
    if outcome.status == "optimal":
        assert outcome.lower_bound == outcome.metrics["objective"]


def test_a_non_movable_prisoner_in_a_refused_unit_is_not_a_lawful_plan():
    a, b = cell(11, 1, beds=2), cell(21, 2, beds=2)
    cs = cells_by_id(a, b)
    prob = problem([unit(1), unit(2, "remand")], [a, b], [
        person(1, at=21, cells=cs, movable=False), person(2)])
    outcome = solve(prob, time_limit=LIMIT)
    assert outcome.status == "infeasible"
    assert outcome.conflicts[0]["code"] == "fixed_breach"
    assert outcome.conflicts[0]["params"]["rules"] == ["rule_11"]
