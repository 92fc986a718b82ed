"""The Mandela Rules on solitary confinement at their boundaries: a 22-hour day against a
21-hour one, day 15 against day 16, children, pregnancy, disability, daily care."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from custos.oversight.rules import (
    FLAG,
    HEALTH,
    REFUSE,
    Day,
    Person,
    Thresholds,
    check_day,
    consecutive_solitary,
    is_solitary,
)

START = date(2026, 3, 1)
ADULT = Person()


def days(count: int, *, hours: float = 23, start: date = START) -> list[Day]:
    return [Day(start + timedelta(days=i), hours, exercise_minutes=60, health_visit=True)
            for i in range(count)]


def codes(findings, action=None):
    return [f.code for f in findings if action is None or f.action == action]


@pytest.mark.parametrize("hours,solitary", [(22, True), (21.99, False), (21, False), (24, True)])
def test_a_day_is_solitary_from_22_hours_without_contact(hours, solitary):
    assert is_solitary(Day(START, hours)) is solitary


def test_day_15_is_allowed_and_day_16_is_refused():
    history = days(14)
    fifteenth = days(1, start=START + timedelta(days=14))[0]
    assert codes(check_day(ADULT, history, fifteenth), REFUSE) == []
    sixteenth = days(1, start=START + timedelta(days=15))[0]
    found = check_day(ADULT, [*history, fifteenth], sixteenth)
    assert codes(found, REFUSE) == ["prolonged_solitary"]
    refusal = found[0]
    assert refusal.rule == "Mandela Rules 43(1)(b) and 44"
    assert refusal.evidence == {"consecutive_days": 16, "limit": 15}


def test_the_limit_is_flagged_before_it_is_reached():
    found = check_day(ADULT, days(9), days(1, start=START + timedelta(days=9))[0])
    flag = next(f for f in found if f.code == "solitary_nearing_limit")
    assert flag.action == FLAG and flag.evidence["consecutive_days"] == 10
    assert flag.evidence["last_day_allowed"] == (START + timedelta(days=14)).isoformat()
    assert "solitary_nearing_limit" not in codes(check_day(ADULT, days(8), days(
        1, start=START + timedelta(days=8))[0]))


def test_a_day_with_contact_restarts_the_count_and_a_gap_does_not():
    with_break = [*days(10), Day(START + timedelta(days=10), 21), *days(
        6, start=START + timedelta(days=11))]
    assert consecutive_solitary(with_break) == 6
    gap = [*days(10), *days(6, start=START + timedelta(days=12))]  # two days not recorded
    assert consecutive_solitary(gap) == 18


def test_solitary_confinement_of_a_child_is_refused_even_for_one_day():
    found = check_day(Person(juvenile=True), [], days(1)[0])
    assert codes(found, REFUSE) == ["solitary_child"]
    assert codes(check_day(Person(juvenile=True), [], Day(START, 20, 60, True))) == []


def test_pregnancy_and_disability_are_flagged_for_health_care_too():
    found = check_day(Person(pregnant_or_nursing=True, mental_health_condition=True), [],
                      days(1)[0])
    assert codes(found, FLAG) == ["solitary_disability", "solitary_pregnant_or_nursing"]
    assert all(HEALTH in f.for_whom for f in found)


@pytest.mark.parametrize("minutes,flagged", [(60, False), (59, True), (0, True)])
def test_a_day_without_an_hour_in_the_open_air_is_flagged(minutes, flagged):
    day = Day(START, 23, exercise_minutes=minutes, health_visit=True)
    assert ("no_open_air_hour" in codes(check_day(ADULT, [], day))) is flagged


def test_a_solitary_day_without_a_health_care_visit_is_flagged():
    found = check_day(ADULT, [], Day(START, 23, exercise_minutes=60, health_visit=False))
    assert codes(found) == ["no_health_visit"]
    assert codes(check_day(ADULT, [], Day(START, 10, 60, False))) == []  # not solitary


def test_the_thresholds_are_configuration():
    stricter = Thresholds(prolonged_days=10, warn_from_day=5)
    found = check_day(ADULT, days(10), days(1, start=START + timedelta(days=10))[0], stricter)
    assert codes(found, REFUSE) == ["prolonged_solitary"]
