"""Mandela Rules checks on solitary confinement, as pure functions over plain facts.

What a machine can check of Rules 43–46 (and Bangkok Rule 22, Havana Rule 67): a day of
solitary confinement is 22 hours or more without meaningful human contact (Rule 44);
more than 15 consecutive such days is prolonged solitary confinement, which is prohibited
(Rules 43(1)(b), 44), so a 16th day is refused and the days before it are flagged; solitary
confinement is refused for children and flagged for pregnant women, women with infants or
breastfeeding, and prisoners with a recorded disability or mental-health condition (Rule 45(2),
Bangkok Rule 22); each day needs a health-care visit (Rule 46(1)) and an hour of exercise in the
open air (Rule 23(1)). The thresholds are configuration (`Thresholds`), the Mandela Rules the
shipped default. Every finding names its rule, its evidence and whom it is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

REFUSE, FLAG = "refuse", "flag"
DIRECTOR, HEALTH, MONITOR = "director", "health_care", "independent_monitor"


@dataclass(frozen=True)
class Thresholds:
    solitary_hours: float = 22.0  # Rule 44: 22 hours or more a day
    prolonged_days: int = 15  # Rule 44: more than 15 consecutive days is prolonged
    warn_from_day: int = 10  # flag the approach of the limit from this day on
    exercise_minutes: int = 60  # Rule 23(1): at least one hour in the open air
    daily_health_visit: bool = True  # Rule 46(1)


@dataclass(frozen=True)
class Person:
    juvenile: bool = False
    pregnant_or_nursing: bool = False
    disability: bool = False
    mental_health_condition: bool = False


@dataclass(frozen=True)
class Day:
    """One day of a restrictive measure, as recorded by the wing."""

    on: date
    hours_without_contact: float
    exercise_minutes: int = 0
    health_visit: bool = False


@dataclass(frozen=True)
class Finding:
    action: str  # REFUSE or FLAG
    rule: str  # "Mandela Rule 44", …
    code: str
    evidence: dict = field(default_factory=dict)
    for_whom: tuple[str, ...] = (DIRECTOR, MONITOR)


def is_solitary(day: Day, limits: Thresholds = Thresholds()) -> bool:
    return day.hours_without_contact >= limits.solitary_hours


def consecutive_solitary(days: Sequence[Day], limits: Thresholds = Thresholds()) -> int:
    """Solitary days in a row ending on the last day recorded (a missing calendar day breaks
    the run only if the record says it was not solitary: unrecorded days count as solitary,
    because a gap in the record must not reset the count)."""
    ordered = sorted(days, key=lambda d: d.on)
    run, previous = 0, None
    for day in ordered:
        if not is_solitary(day, limits):
            run, previous = 0, day.on
            continue
        gap = (day.on - previous).days - 1 if previous is not None and run else 0
        run += 1 + max(0, gap)
        previous = day.on
    return run


def check_day(person: Person, history: Sequence[Day], day: Day,
              limits: Thresholds = Thresholds()) -> list[Finding]:
    """What recording `day` after `history` means: refusals first, then flags."""
    findings: list[Finding] = []
    solitary = is_solitary(day, limits)
    if solitary and person.juvenile:
        findings.append(Finding(REFUSE, "Mandela Rule 45(2); Havana Rule 67",
                                "solitary_child", {"hours": day.hours_without_contact}))
    run = consecutive_solitary([*history, day], limits) if solitary else 0
    if run > limits.prolonged_days:
        findings.append(Finding(REFUSE, "Mandela Rules 43(1)(b) and 44", "prolonged_solitary",
                                {"consecutive_days": run, "limit": limits.prolonged_days}))
    elif run >= limits.warn_from_day:
        findings.append(Finding(FLAG, "Mandela Rule 44", "solitary_nearing_limit",
                                {"consecutive_days": run, "limit": limits.prolonged_days,
                                 "last_day_allowed": (day.on + timedelta(
                                     days=limits.prolonged_days - run)).isoformat()}))
    if solitary:
        if person.pregnant_or_nursing:
            findings.append(Finding(FLAG, "Bangkok Rule 22", "solitary_pregnant_or_nursing",
                                    for_whom=(DIRECTOR, HEALTH, MONITOR)))
        if person.disability or person.mental_health_condition:
            findings.append(Finding(FLAG, "Mandela Rule 45(2)", "solitary_disability",
                                    {"disability": person.disability,
                                     "mental_health": person.mental_health_condition},
                                    for_whom=(DIRECTOR, HEALTH, MONITOR)))
        if limits.daily_health_visit and not day.health_visit:
            findings.append(Finding(FLAG, "Mandela Rule 46(1)", "no_health_visit",
                                    {"on": day.on.isoformat()}, for_whom=(HEALTH, DIRECTOR)))
    if day.exercise_minutes < limits.exercise_minutes:
        findings.append(Finding(FLAG, "Mandela Rule 23(1)", "no_open_air_hour",
                                {"on": day.on.isoformat(), "minutes": day.exercise_minutes,
                                 "required": limits.exercise_minutes}))
    return sorted(findings, key=lambda f: (f.action != REFUSE, f.code))


def running_counts(days: Sequence[Day], limits: Thresholds = Thresholds()) -> list[int]:
    """For each day in date order, the consecutive solitary days ending on it (0 on a day that
    was not solitary), counted as `consecutive_solitary` counts them."""
    counts: list[int] = []
    run, previous = 0, None
    for day in sorted(days, key=lambda d: d.on):
        if not is_solitary(day, limits):
            run, previous = 0, day.on
        else:
            gap = (day.on - previous).days - 1 if previous is not None and run else 0
            run += 1 + max(0, gap)
            previous = day.on
        counts.append(run)
    return counts


def longest_solitary_run(days: Sequence[Day], limits: Thresholds = Thresholds()) -> int:
    """The longest run of consecutive solitary days in `days` (a correction of one day can
    join two runs into one longer than the limit)."""
    return max(running_counts(days, limits), default=0)


def run_started_on(last: date, run: int) -> date:
    """The first day of a run of `run` consecutive days ending on `last`."""
    return last - timedelta(days=run - 1)
