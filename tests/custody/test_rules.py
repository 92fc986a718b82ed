"""The placement rules as pure functions: every rule, and the edge where it starts to bite."""

from dataclasses import replace
from datetime import date

import pytest

from custos.custody import rules
from custos.custody.models import Prisoner
from custos.custody.rules import KeepApartOrder, Located, Person, Place, placement_violations
from custos.custody.services import placements

CELL, OTHER_CELL, FAR_CELL = 1, 2, 3
UNIT, OTHER_UNIT = 10, 20


def person(pid=1, *, sex="M", juvenile=False, legal_status="convicted", label=None) -> Person:
    return Person(id=pid, label=label or f"P{pid:06d} Person {pid}", sex=sex, juvenile=juvenile,
                  legal_status=legal_status)


def place(**overrides) -> Place:
    base = Place(
        cell_id=CELL, cell_label="BKO/A/A-01", beds=2, single_occupancy=False, landing="1",
        unit_id=UNIT, unit_label="BKO/A", unit_regime="general", mixed_sex=False,
        mixed_age=False, mixed_legal_status=False, population_served="mixed",
    )
    return replace(base, **overrides)


def at(who: Person, *, cell_id=CELL, landing="1", unit_id=UNIT) -> Located:
    return Located(person=who, cell_id=cell_id, landing=landing, unit_id=unit_id)


def rules_of(violations) -> list[str]:
    return [v.rule for v in violations]


NEWCOMER = person(1)


# --- an ordinary placement ------------------------------------------------------------------


def test_empty_cell_in_a_general_unit_is_allowed():
    # given an empty cell in a general unit of a mixed facility
    # when a convicted adult man is placed there
    found = placement_violations(prisoner=NEWCOMER, place=place(), others_in_unit=[])
    # then no rule objects
    assert found == []


def test_like_with_like_in_the_same_cell_is_allowed():
    cellmate = person(2)
    found = placement_violations(prisoner=NEWCOMER, place=place(), others_in_unit=[at(cellmate)])
    assert found == []


# --- capacity --------------------------------------------------------------------------------


@pytest.mark.parametrize("beds", [1, 2, 4])
def test_capacity_allows_up_to_beds_minus_one_occupants(beds):
    # given a cell with one bed still free
    others = [at(person(100 + i)) for i in range(beds - 1)]
    # when one more is placed
    found = placement_violations(prisoner=NEWCOMER, place=place(beds=beds), others_in_unit=others)
    # then the last bed is taken without objection
    assert found == []


@pytest.mark.parametrize("beds", [1, 2, 4])
def test_capacity_refuses_when_every_bed_is_taken_and_is_overridable(beds):
    # given a cell whose beds are all taken
    others = [at(person(100 + i)) for i in range(beds)]
    # when one more is placed
    found = placement_violations(prisoner=NEWCOMER, place=place(beds=beds), others_in_unit=others)
    # then capacity objects, and only a director's override can lift it
    assert rules_of(found) == ["capacity"]
    violation = found[0]
    assert violation.overridable is True
    assert violation.people == (NEWCOMER.label,)
    assert f"{beds} bed(s) and {beds} occupant(s)" in violation.message


def test_capacity_counts_only_the_target_cell_not_the_unit():
    # given a full neighbouring cell in the same unit
    others = [at(person(100 + i), cell_id=OTHER_CELL) for i in range(5)]
    # when placed in an empty one-bed cell
    found = placement_violations(prisoner=NEWCOMER, place=place(beds=1), others_in_unit=others)
    # then nothing objects
    assert found == []


# --- single occupancy ------------------------------------------------------------------------


def test_single_occupancy_cell_that_is_empty_is_allowed():
    found = placement_violations(prisoner=NEWCOMER, place=place(single_occupancy=True, beds=2),
                                 others_in_unit=[])
    assert found == []


def test_single_occupancy_cell_with_one_occupant_is_refused_and_not_overridable():
    # given a two-bed cell marked single occupancy with one occupant
    occupant = person(2)
    # when someone else is placed there
    found = placement_violations(prisoner=NEWCOMER, place=place(single_occupancy=True, beds=2),
                                 others_in_unit=[at(occupant)])
    # then single occupancy objects, naming both, and it cannot be overridden
    assert rules_of(found) == ["single_occupancy"]
    assert found[0].people == (NEWCOMER.label, occupant.label)
    assert found[0].overridable is False


# --- Mandela Rule 11: separation -------------------------------------------------------------

DISTINCTIONS = [
    # (name, newcomer, other, unit flag that allows both in one unit, rule text)
    ("sex", person(1, sex="F"), person(2, sex="M"), "mixed_sex", "11(a)"),
    ("age", person(1, juvenile=True), person(2, juvenile=False), "mixed_age", "11(d)"),
    ("legal", person(1, legal_status="remand"), person(2, legal_status="convicted"),
     "mixed_legal_status", "11(b)"),
]
IDS = [d[0] for d in DISTINCTIONS]


@pytest.mark.parametrize(("name", "newcomer", "other", "flag", "text"), DISTINCTIONS, ids=IDS)
@pytest.mark.parametrize("unit_mixed", [False, True], ids=["unit-not-mixed", "unit-mixed"])
def test_rule_11_never_in_the_same_cell(name, newcomer, other, flag, text, unit_mixed):
    # given someone on the other side of the distinction in the target cell
    target = place(**{flag: unit_mixed})
    # when the newcomer is placed in that cell
    found = placement_violations(prisoner=newcomer, place=target, others_in_unit=[at(other)])
    # then Rule 11 refuses, even in a unit configured as mixed, naming both people
    assert rules_of(found) == [rules.RULE_11]
    assert text in found[0].message
    assert "same cell" in found[0].message
    assert found[0].people == (newcomer.label, other.label)
    assert found[0].overridable is False


@pytest.mark.parametrize(("name", "newcomer", "other", "flag", "text"), DISTINCTIONS, ids=IDS)
def test_rule_11_same_unit_refused_unless_the_unit_is_mixed(name, newcomer, other, flag, text):
    # given someone on the other side of the distinction in another cell of the unit
    others = [at(other, cell_id=OTHER_CELL, landing="2")]
    # when the unit is not configured as mixed for that distinction
    refused = placement_violations(prisoner=newcomer, place=place(), others_in_unit=others)
    # then Rule 11 refuses, naming the unit and both people
    assert rules_of(refused) == [rules.RULE_11]
    assert text in refused[0].message
    assert "BKO/A" in refused[0].message
    assert refused[0].people == (newcomer.label, other.label)
    # and when it is configured as mixed, the same placement is allowed
    allowed = placement_violations(prisoner=newcomer, place=place(**{flag: True}),
                                   others_in_unit=others)
    assert allowed == []


@pytest.mark.parametrize(("name", "newcomer", "other", "flag", "text"), DISTINCTIONS, ids=IDS)
def test_rule_11_other_flags_do_not_mix_this_distinction(name, newcomer, other, flag, text):
    # given a unit mixed for every distinction but this one
    flags = {f: True for f in ("mixed_sex", "mixed_age", "mixed_legal_status") if f != flag}
    others = [at(other, cell_id=OTHER_CELL)]
    # when placed in it
    found = placement_violations(prisoner=newcomer, place=place(**flags), others_in_unit=others)
    # then this distinction still refuses
    assert rules_of(found) == [rules.RULE_11]
    assert text in found[0].message


def test_rule_11_reports_each_distinction_separately():
    # given an adult convicted man in the cell
    other = person(2, sex="M", juvenile=False, legal_status="convicted")
    # when a juvenile remand girl would join him
    newcomer = person(1, sex="F", juvenile=True, legal_status="remand")
    found = placement_violations(prisoner=newcomer, place=place(), others_in_unit=[at(other)])
    # then all three distinctions object
    messages = " ".join(v.message for v in found)
    assert rules_of(found) == [rules.RULE_11] * 3
    assert "11(a)" in messages and "11(b)" in messages and "11(d)" in messages


def test_people_in_another_unit_are_not_considered():
    other = person(2, sex="F")
    found = placement_violations(prisoner=NEWCOMER, place=place(),
                                 others_in_unit=[at(other, cell_id=FAR_CELL, unit_id=OTHER_UNIT)])
    assert found == []


# --- juvenile: the 18th birthday ------------------------------------------------------------


def test_is_juvenile_until_the_day_before_the_18th_birthday():
    prisoner = Prisoner(date_of_birth=date(2006, 5, 20))
    assert prisoner.is_juvenile(date(2024, 5, 19)) is True
    assert prisoner.age_on(date(2024, 5, 19)) == 17


def test_is_adult_from_the_18th_birthday():
    prisoner = Prisoner(date_of_birth=date(2006, 5, 20))
    assert prisoner.is_juvenile(date(2024, 5, 20)) is False
    assert prisoner.age_on(date(2024, 5, 20)) == 18


def test_born_on_29_february_becomes_adult_on_1_march_in_a_common_year():
    prisoner = Prisoner(date_of_birth=date(2008, 2, 29))
    assert prisoner.is_juvenile(date(2026, 2, 28)) is True
    assert prisoner.is_juvenile(date(2026, 3, 1)) is False


def _prisoner(number: str, dob: date) -> Prisoner:
    return Prisoner(prison_number=number, display_name=number, date_of_birth=dob, sex="M",
                    legal_status="convicted")


@pytest.mark.parametrize(("day", "refused"), [
    (date(2024, 5, 19), True),  # the day before the 18th birthday: still a juvenile
    (date(2024, 5, 20), False),  # the 18th birthday: an adult
])
def test_rule_11_age_boundary_through_the_rule_input(day, refused):
    # given an adult in the cell and a young man whose 18th birthday is 20 May 2024
    young = placements.person_fact(_prisoner("Y1", date(2006, 5, 20)), day)
    adult = placements.person_fact(_prisoner("A1", date(1980, 1, 1)), day)
    # when the placement is checked on `day`
    found = placement_violations(prisoner=young, place=place(), others_in_unit=[at(adult)])
    # then it is refused only while he is a juvenile
    assert young.juvenile is refused
    assert rules_of(found) == ([rules.RULE_11] if refused else [])


# --- Mandela Rule 11: facilities and units set aside ----------------------------------------


@pytest.mark.parametrize(("served", "newcomer", "allowed"), [
    ("men", person(1, sex="M"), True),
    ("men", person(1, sex="F"), False),
    ("women", person(1, sex="F"), True),
    ("women", person(1, sex="M"), False),
    ("juveniles", person(1, juvenile=True), True),
    ("juveniles", person(1, juvenile=False), False),
    ("mixed", person(1, sex="F", juvenile=True, legal_status="remand"), True),
    ("mixed", person(1, sex="M"), True),
])
def test_facility_population_served(served, newcomer, allowed):
    # given an empty cell in a facility that serves `served`
    # when the newcomer is placed there
    found = placement_violations(prisoner=newcomer, place=place(population_served=served),
                                 others_in_unit=[])
    # then it is allowed only for the population the facility serves
    if allowed:
        assert found == []
    else:
        assert rules_of(found) == [rules.RULE_11]
        assert "this facility holds only" in found[0].message
        assert found[0].people == (newcomer.label,)


@pytest.mark.parametrize(("regime", "flags", "newcomer", "allowed"), [
    ("women", {}, person(1, sex="F"), True),
    ("women", {}, person(1, sex="M"), False),
    ("women", {"mixed_sex": True}, person(1, sex="M"), False),
    ("juveniles", {}, person(1, juvenile=True), True),
    ("juveniles", {}, person(1, juvenile=False), False),
    ("juveniles", {"mixed_age": True}, person(1, juvenile=False), True),
    ("remand", {}, person(1, legal_status="remand"), True),
    ("remand", {}, person(1, legal_status="convicted"), False),
    ("remand", {"mixed_legal_status": True}, person(1, legal_status="convicted"), True),
    ("high_security", {}, person(1, sex="F", juvenile=True, legal_status="remand"), True),
])
def test_unit_regime(regime, flags, newcomer, allowed):
    # given an empty cell in a unit with `regime`
    target = place(unit_regime=regime, **flags)
    # when the newcomer is placed there
    found = placement_violations(prisoner=newcomer, place=target, others_in_unit=[])
    # then only those the unit is set aside for are allowed (or those its flags admit)
    if allowed:
        assert found == []
    else:
        assert rules_of(found) == [rules.RULE_11]
        assert "BKO/A" in found[0].message
        assert found[0].people == (newcomer.label,)


# --- keep-apart orders ------------------------------------------------------------------------

ENEMY = person(9, label="P000009 Enemy")


def order(level: str, *, cell_id: int, landing: str, unit_id: int) -> KeepApartOrder:
    return KeepApartOrder(other=at(ENEMY, cell_id=cell_id, landing=landing, unit_id=unit_id),
                          level=level, reason="Co-defendants")


@pytest.mark.parametrize(("level", "where", "refused"), [
    # the other person is in the same cell
    ("cell", {"cell_id": CELL, "landing": "1", "unit_id": UNIT}, True),
    ("landing", {"cell_id": CELL, "landing": "1", "unit_id": UNIT}, True),
    ("unit", {"cell_id": CELL, "landing": "1", "unit_id": UNIT}, True),
    # same landing, different cell
    ("cell", {"cell_id": OTHER_CELL, "landing": "1", "unit_id": UNIT}, False),
    ("landing", {"cell_id": OTHER_CELL, "landing": "1", "unit_id": UNIT}, True),
    ("unit", {"cell_id": OTHER_CELL, "landing": "1", "unit_id": UNIT}, True),
    # different landing, same unit
    ("cell", {"cell_id": OTHER_CELL, "landing": "2", "unit_id": UNIT}, False),
    ("landing", {"cell_id": OTHER_CELL, "landing": "2", "unit_id": UNIT}, False),
    ("unit", {"cell_id": OTHER_CELL, "landing": "2", "unit_id": UNIT}, True),
    # a landing of the same name in another unit
    ("cell", {"cell_id": FAR_CELL, "landing": "1", "unit_id": OTHER_UNIT}, False),
    ("landing", {"cell_id": FAR_CELL, "landing": "1", "unit_id": OTHER_UNIT}, False),
    ("unit", {"cell_id": FAR_CELL, "landing": "1", "unit_id": OTHER_UNIT}, False),
])
def test_keep_apart_levels(level, where, refused):
    # given a keep-apart order at `level` with someone who is `where`
    orders = [order(level, **where)]
    # when the placement is checked
    found = placement_violations(prisoner=NEWCOMER, place=place(beds=4), others_in_unit=[],
                                 keep_aparts=orders)
    # then it is refused exactly when they would share what the order forbids
    if refused:
        assert rules_of(found) == ["keep_apart"]
        assert found[0].people == (NEWCOMER.label, ENEMY.label)
        assert NEWCOMER.label in found[0].message and ENEMY.label in found[0].message
        assert "Co-defendants" in found[0].message
        assert found[0].overridable is False
    else:
        assert found == []


def test_every_keep_apart_order_in_breach_is_reported():
    friend_of_enemy = person(8, label="P000008 Other")
    orders = [
        order("unit", cell_id=OTHER_CELL, landing="2", unit_id=UNIT),
        KeepApartOrder(other=at(friend_of_enemy), level="cell", reason="Rival groups"),
    ]
    found = placement_violations(prisoner=NEWCOMER, place=place(beds=4), others_in_unit=[],
                                 keep_aparts=orders)
    assert rules_of(found) == ["keep_apart", "keep_apart"]
    assert {v.people[1] for v in found} == {ENEMY.label, friend_of_enemy.label}


def test_several_rules_are_reported_together():
    # given a full one-bed cell holding a woman, with a keep-apart against her
    woman = person(2, sex="F")
    orders = [KeepApartOrder(other=at(woman), level="cell", reason="Victim and perpetrator")]
    # when a man is placed there
    found = placement_violations(prisoner=NEWCOMER, place=place(beds=1),
                                 others_in_unit=[at(woman)], keep_aparts=orders)
    # then capacity, Rule 11 and the keep-apart all object
    assert sorted(rules_of(found)) == sorted(["capacity", rules.RULE_11, "keep_apart"])
    assert [v.overridable for v in found if v.rule == "capacity"] == [True]
