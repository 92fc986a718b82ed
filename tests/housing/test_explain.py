"""Reasons for each prisoner's place, and conflicts, as sentences: on small hand-made problems."""

from dataclasses import replace

import pytest

from custos.housing import explain, synthetic
from custos.housing.baseline import first_fit
from custos.housing.explain import Explainer, conflict_text, reason_text
from custos.housing.problem import (
    Cell,
    Facility,
    KeepApart,
    Options,
    Prisoner,
    Problem,
    Unit,
)


def unit(id, regime="general", security="medium", **kw):
    return Unit(id=id, label=f"U{id}", facility_id=1, regime=regime, security_level=security,
                **kw)


def man(id, **kw):
    kw.setdefault("sex", "M")
    return Prisoner(id=id, label=f"P{id}", juvenile=False,
                    legal_status=kw.pop("legal_status", "convicted"), **kw)


def problem(prisoners, *, units=None, cells=None, keep_aparts=(), **options):
    units = units or [unit(1), unit(2, "high_security", "high"), unit(3, "separation", "maximum"),
                      unit(4, "women")]
    cells = cells or [Cell(id=10 * u.id + i, label=f"c{10 * u.id + i}", unit_id=u.id, beds=2)
                      for u in units for i in range(1, 3)]
    return Problem(facilities=[Facility(id=1, code="F")], units=units, cells=cells,
                   prisoners=list(prisoners), keep_aparts=list(keep_aparts),
                   options=Options(**options))


def codes(found):
    return [r["code"] for r in found]


def find(found, code):
    return next(r for r in found if r["code"] == code)


# --- where he goes --------------------------------------------------------------------------

def test_a_prisoner_who_stays_is_told_so():
    given = problem([man(1, current_cell=11, current_unit=1)])

    found = explain.reasons(given, {1: 11}, given.prisoners[0])

    assert found[0] == {"code": "stays", "params": {"place": "U1 · c11"}}
    assert reason_text(found[0]) == "Stays in U1 · c11."


def test_a_move_names_both_cells():
    given = problem([man(1, current_cell=11, current_unit=1)])

    found = explain.reasons(given, {1: 12}, given.prisoners[0])

    assert found[0] == {"code": "moves", "params": {"from": "U1 · c11", "to": "U1 · c12"}}
    assert reason_text(found[0]) == "Moves from U1 · c11 to U1 · c12."


def test_an_admission_and_an_unplaced_prisoner():
    given = problem([man(1), man(2)])

    placed = Explainer(given, {1: 11, 2: None})

    assert reason_text(placed.reasons(given.prisoners[0])[0]) == \
        "Housed in U1 · c11 (no current cell)."
    assert codes(placed.reasons(given.prisoners[1]))[0] == "not_placed"


def test_a_prisoner_outside_an_admissions_plan_stays():
    given = problem([man(1, current_cell=11, current_unit=1, movable=False)])

    found = explain.reasons(given, {1: 11}, given.prisoners[0])

    assert reason_text(found[0]) == "Not part of this plan: stays in U1 · c11."


# --- what bound the choice ---------------------------------------------------------------

def test_rule_11_and_security_exclusions_are_counted_by_rule():
    given = problem([man(1)])

    found = explain.reasons(given, {1: 11}, given.prisoners[0])

    # a general-regime man: not the women's unit (Rule 11), not the separation unit (security)
    assert find(found, "eligible")["params"] == {"units": 2, "units_total": 4, "cells": 4,
                                                 "cells_total": 8}
    assert reason_text(find(found, "eligible")) == \
        "May occupy 4 of the 8 cells, in 2 of the 4 units."
    assert find(found, "excluded_rule_11")["params"]["units"] == 1
    assert reason_text(find(found, "excluded_rule_11")) == \
        "Mandela Rule 11 sets 1 unit apart: held only with men, convicted."
    assert find(found, "excluded_security")["params"]["units"] == 1


def test_a_high_security_classification_excludes_the_medium_units():
    given = problem([man(1, regime="high_security", category="A")])

    found = explain.reasons(given, {1: 21}, given.prisoners[0])

    assert find(found, "excluded_security")["params"]["units"] == 2  # medium and separation
    assert reason_text(find(found, "excluded_security")) == (
        "The security classification (category A, high security regime) excludes 2 units.")


def test_concentration_sends_him_to_the_designated_unit():
    given = problem([man(1, terrorism_related=True, influence=5)], regime="concentration",
                    designated_units=frozenset({2}))

    found = explain.reasons(given, {1: 21}, given.prisoners[0])

    assert find(found, "excluded_regime")["params"] == {"units": 1, "regime": "concentration",
                                                       "designated": True}
    assert "sends this prisoner to a designated unit: 1 other unit" in reason_text(
        find(found, "excluded_regime"))
    assert find(found, "regime_designated")["params"]["units"] == ["U2"]
    assert "designated unit (U2); the plan uses U2" in reason_text(
        find(found, "regime_designated"))


def test_others_are_kept_out_of_the_designated_units():
    given = problem([man(1)], regime="concentration", designated_units=frozenset({2}))

    found = explain.reasons(given, {1: 11}, given.prisoners[0])

    assert reason_text(find(found, "excluded_regime")) == \
        "Under the concentration regime 1 designated unit is kept for others."


def test_dispersal_counts_the_terrorism_related_prisoners_of_his_unit():
    people = [man(i, terrorism_related=True) for i in (1, 2)]
    given = problem(people, regime="dispersal", dispersal_limit=2)

    found = explain.reasons(given, {1: 11, 2: 12}, people[0])

    assert find(found, "regime_dispersed")["params"] == {"regime": "dispersal", "unit": "U1",
                                                        "count": 2, "limit": 2}
    assert reason_text(find(found, "regime_dispersed")) == (
        "Under the dispersal regime at most 2 terrorism-related prisoners share a unit; "
        "U1 holds 2 of them.")


def test_separation_gives_them_units_of_their_own():
    given = problem([man(1, terrorism_related=True)], regime="separation")

    found = explain.reasons(given, {1: 11}, given.prisoners[0])

    assert reason_text(find(found, "regime_apart")) == (
        "Under the separation regime terrorism-related prisoners have units of their own; "
        "U1 holds 1 of them and nobody else.")


def test_single_and_accessible_cell_needs():
    units = [unit(1)]
    cells = [Cell(id=1, label="c1", unit_id=1, beds=2, accessible=True),
             Cell(id=2, label="c2", unit_id=1, beds=2)]
    given = problem([man(1, needs_single_cell=True, needs_accessible_cell=True)], units=units,
                    cells=cells)

    found = explain.reasons(given, {1: 1}, given.prisoners[0])

    assert reason_text(find(found, "single_cell")) == \
        "Needs a cell of their own: nobody shares it."
    assert find(found, "accessible_cell")["params"] == {"cells": 1, "excluded": 1}
    assert reason_text(find(found, "accessible_cell")) == (
        "Needs an accessible cell: 1 cell open to this prisoner is accessible, 1 are not.")
    assert find(found, "eligible")["params"]["cells"] == 1


def test_keep_apart_orders_say_with_whom_at_which_level_and_where_he_is():
    given = problem([man(1), man(2), man(3)],
                    keep_aparts=[KeepApart(1, 2, "unit"), KeepApart(3, 1, "cell")])

    found = explain.reasons(given, {1: 11, 2: 21, 3: None}, given.prisoners[0])

    orders = [r for r in found if r["code"] == "keep_apart"]
    assert [o["params"] for o in orders] == [
        {"name": "P2", "level": "unit", "where": "U2 · c21"},
        {"name": "P3", "level": "cell", "where": ""}]
    assert reason_text(orders[0]) == \
        "Kept apart from P2 at unit level; P2 is in U2 · c21."
    assert reason_text(orders[1]) == \
        "Kept apart from P3 at cell level; P3 has no place in this plan."


def test_cellmates_and_unit_exposure_with_the_scores_source():
    people = [man(1, influence=4, vulnerability=1, score_source="VERN 2026-01-02"),
              man(2, influence=1, vulnerability=3), man(3, influence=2, vulnerability=2)]
    given = problem(people)

    explainer = Explainer(given, {1: 11, 2: 11, 3: 12})
    found = explainer.reasons(people[0])

    # in his cell: 4 × 3 (his influence on P2) + 1 × 1 (P2's on him) = 13
    assert find(found, "cellmates")["params"] == {"count": 1, "names": ["P2"], "exposure": 13}
    assert reason_text(find(found, "cellmates")) == \
        "Shares the cell with 1 person (P2); exposure between them: 13."
    # in his unit: 4 × (3 + 2) + (1 + 2) × 1 = 23
    assert find(found, "unit_exposure")["params"] == {"unit": "U1", "people": 2, "exposure": 23}
    assert reason_text(find(found, "unit_exposure")) == \
        "U1 holds 2 other people; exposure with them: 23."
    assert reason_text(find(found, "scores")) == \
        "Influence 4 and vulnerability 1, from VERN 2026-01-02."
    assert reason_text(find(explainer.reasons(people[2]), "alone")) == \
        "Has the cell alone: no exposure in the cell."
    assert "no_scores" in codes(explainer.reasons(people[1]))


def test_a_national_plan_counts_units_not_cells():
    given = problem([man(1, current_unit=1)], kind="national")

    found = explain.reasons(given, {1: 2}, given.prisoners[0])

    assert found[0] == {"code": "moves", "params": {"from": "U1", "to": "U2"}}
    assert reason_text(find(found, "eligible_units")) == "May be held in 2 of the 4 units."
    assert "cellmates" not in codes(found)


def test_every_prisoner_of_a_large_facility_is_explained():
    given = synthetic.facility_problem(prisoners=2000, cells=600, keep_aparts=300, seed=1)
    placement = first_fit(given)

    explainer = Explainer(given, placement)
    found = [explainer.reasons(p) for p in given.prisoners]
    sentences = [reason_text(r) for rs in found for r in rs]

    assert len(found) == 2000 and all(sentences)


# --- every code renders ---------------------------------------------------------------------

CONFLICTS = [
    ({"code": "places", "params": {"people": 14, "places": 9, "beds": 9, "limit": 0}},
     "14 prisoners need a place; there are 9 beds and no overcrowding is allowed."),
    ({"code": "places", "params": {"people": 14, "places": 10, "beds": 9, "limit": 10}},
     "14 prisoners need a place; the 9 beds give 10 places with overcrowding of at most 10%."),
    ({"code": "nowhere", "params": {"people": 2, "sex": "F", "juvenile": True,
                                    "legal_status": "remand", "regime": "general"}},
     "2 prisoners (girls, on remand, general classification) may live in no unit of the "
     "facility."),
    ({"code": "group_places", "params": {"people": 5, "places": 4, "units": ["W1", "W2"]}},
     "5 prisoners may only live in W1, W2, which have 4 places."),
    ({"code": "single_cells", "params": {"people": 14, "cells": 9}},
     "14 prisoners need a cell of their own; at most 9 cells can be given to one person while "
     "everyone else keeps a place."),
    ({"code": "accessible_cells", "params": {"people": 3, "places": 2}},
     "3 prisoners need an accessible cell; accessible cells have 2 places."),
    ({"code": "dispersal", "params": {"people": 7, "limit": 2, "units": 3}},
     "7 terrorism-related prisoners are to be dispersed, at most 2 per unit, over 3 units."),
    ({"code": "designated", "params": {"people": 1, "places": 0, "units": ["S"]}},
     "1 terrorism-related prisoner is to be concentrated in S, which have 0 places."),
    ({"code": "rules_conflict", "params": {"rules": ["capacity", "keep_apart"]}},
     "These rules cannot all hold together: capacity, keep-apart orders."),
    ({"code": "no_plan", "params": {}}, "No plan can keep every hard rule."),
    ({"code": "no_plan_in_time", "params": {"seconds": 60}},
     "No plan housing everyone was found within 60 seconds; give the plan more time."),
    ({"code": "fixed_breach", "params": {"people": 1, "names": ["P7"], "rules": ["rule_11"]}},
     "1 prisoner who stays where they are already breaks Mandela Rule 11 there: P7. Move them "
     "first, or make a full re-plan."),
    ({"code": "unplaced", "params": {"people": 2, "names": ["P1", "P2"]}},
     "2 prisoners could not be placed: P1, P2."),
]


@pytest.mark.parametrize("conflict,sentence", CONFLICTS, ids=[c["code"] for c, _ in CONFLICTS])
def test_every_conflict_reads_as_a_sentence_with_its_numbers(conflict, sentence):
    assert conflict_text(conflict) == sentence


def test_every_rule_code_and_an_unknown_one_render():
    for code in ("rule_11", "security", "regime"):
        assert conflict_text({"code": code, "params": {}}).endswith("refuses this place.")
    assert conflict_text({"code": "new_rule"}) == "Unexplained condition: new_rule."


def test_every_reason_the_explainer_gives_renders():
    people = [man(1, terrorism_related=True, influence=5, score_source="X", current_cell=11,
                  needs_single_cell=True, needs_accessible_cell=True),
              man(2, terrorism_related=True, current_cell=12, movable=False),
              man(3, sex="F"), man(4)]
    cells = [Cell(id=10 * u + i, label=f"c{u}{i}", unit_id=u, beds=2, accessible=i == 1)
             for u in (1, 2, 3, 4) for i in (1, 2)]
    seen = set()
    for options in ({"regime": "hybrid", "designated_units": frozenset({2})},
                    {"regime": "dispersal"}, {"regime": "separation"}, {}):
        given = problem(people, cells=cells, keep_aparts=[KeepApart(1, 4, "landing")],
                        **options)
        explainer = Explainer(given, {1: 21, 2: 12, 3: 41, 4: None})
        for prisoner in given.prisoners:
            for reason in explainer.reasons(prisoner):
                seen.add(reason["code"])
                text = reason_text(reason)
                assert text and "%(" not in text and "Unexplained" not in text, reason
    assert {"moves", "not_in_plan", "admitted", "not_placed", "eligible", "excluded_rule_11",
            "excluded_security", "excluded_regime", "regime_designated", "regime_dispersed",
            "regime_apart", "single_cell", "accessible_cell", "keep_apart", "alone",
            "unit_exposure", "scores", "no_scores"} <= seen


def test_sentences_follow_the_active_language():
    from django.utils import translation

    with translation.override("ar"):
        text = reason_text({"code": "stays", "params": {"place": "A · 1"}})
    assert "A · 1" in text  # untranslated strings fall back to English, with the place


def test_reasons_thin_wrapper_matches_the_explainer():
    given = problem([man(1)])
    placement = {1: 11}

    assert explain.reasons(given, placement, given.prisoners[0]) == \
        Explainer(given, placement).reasons(replace(given.prisoners[0]))


def test_a_national_plan_gives_the_family_distance():
    units = [unit(1), Unit(id=2, label="G/A", facility_id=2, regime="general",
                           security_level="medium")]
    given = Problem(facilities=[Facility(id=1, code="F", latitude=16.77, longitude=-3.0),
                                Facility(id=2, code="G", latitude=12.64, longitude=-8.0)],
                    units=units, cells=[Cell(id=11, label="c11", unit_id=1, beds=2),
                                        Cell(id=21, label="c21", unit_id=2, beds=2)],
                    prisoners=[man(1, current_unit=1, current_facility=1, home=(12.64, -8.0))],
                    keep_aparts=[], options=Options(kind="national"))

    found = find(explain.reasons(given, {1: 2}, given.prisoners[0]), "family_distance")

    assert found["params"]["km"] == 0 and found["params"]["facility"] == "G"
    assert found["params"]["current"] == "F" and 600 < found["params"]["current_km"] < 800
    assert reason_text(found).startswith("The family home is 0 km from G (")
    stays = explain.reasons(given, {1: 1}, given.prisoners[0])
    assert reason_text(find(stays, "family_distance")) == \
        f"The family home is {find(stays, 'family_distance')['params']['km']} km from F."
