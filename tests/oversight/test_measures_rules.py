"""The running count of consecutive solitary days that the measure page shows, and the longest
run a correction is checked against."""

from __future__ import annotations

from datetime import date, timedelta

from custos.oversight.rules import Day, longest_solitary_run, run_started_on, running_counts

START = date(2026, 3, 1)


def on(offset: int, hours: float = 23) -> Day:
    return Day(START + timedelta(days=offset), hours)


def test_the_running_count_restarts_after_contact_and_bridges_a_gap():
    recorded = [on(0), on(1), on(2, hours=21.9), on(3), on(5), on(6, hours=22)]

    assert running_counts(recorded) == [1, 2, 0, 1, 3, 4]
    assert longest_solitary_run(recorded) == 4


def test_the_running_count_follows_the_calendar_not_the_order_given():
    assert running_counts([on(2), on(0), on(1)]) == [1, 2, 3]


def test_no_day_is_no_run():
    assert longest_solitary_run([]) == 0


def test_a_run_of_ten_ending_on_a_day_began_nine_days_before():
    assert run_started_on(START + timedelta(days=9), 10) == START
