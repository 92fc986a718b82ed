"""The wing's record of each day of segregation or solitary confinement, checked against the
Mandela Rules as it is saved: day 15 allowed and day 16 refused, a 22-hour day counted and a
21.9-hour one not, the count carried across measures, flags for pregnancy, disability, a
missing health-care visit and a day without an hour in the open air."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, RuleViolation
from custos.oversight import measures
from custos.oversight.models import DailyRecord, Flag

from ..factories import PrisonerFactory
from .measures_helpers import day, days, impose


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


@pytest.fixture
def measure(security, prisoner):
    return impose(security, prisoner, days_ago=25)


def since(measure):
    return timezone.localtime(measure.started_at).date()


def test_day_15_is_recorded_and_day_16_is_refused_with_the_rule(security, measure):
    first = since(measure)
    recorded = days(security, measure, first, 15)
    assert len(recorded) == 15

    with pytest.raises(RuleViolation) as refused:
        day(security, measure, first + timedelta(days=15))

    assert refused.value.status == 422
    assert refused.value.rule == "Mandela Rules 43(1)(b) and 44"
    assert "16" in refused.value.message
    assert refused.value.details["evidence"]["consecutive_days"] == 16
    assert DailyRecord.objects.count() == 15
    assert not DailyRecord.objects.filter(on=first + timedelta(days=15)).exists()
    refusal = AuditEntry.objects.get(action="oversight.refused")
    assert refusal.changes["rule"] == "Mandela Rules 43(1)(b) and 44"
    assert refusal.object_id == str(measure.pk)


def test_day_16_with_meaningful_contact_is_recorded(security, measure):
    first = since(measure)
    days(security, measure, first, 15)

    assert day(security, measure, first + timedelta(days=15), hours=20)


@pytest.mark.parametrize("hours,refused", [(22, True), ("22.0", True), ("21.9", False)])
def test_a_22_hour_day_counts_as_solitary_and_a_21_9_hour_day_does_not(
        security, measure, hours, refused):
    first = since(measure)
    days(security, measure, first, 7)
    day(security, measure, first + timedelta(days=7), hours=hours)
    days(security, measure, first + timedelta(days=8), 7)  # days 9 to 15

    sixteenth = first + timedelta(days=15)
    if refused:
        with pytest.raises(RuleViolation):
            day(security, measure, sixteenth)
    else:
        assert day(security, measure, sixteenth)
    assert DailyRecord.objects.filter(on=sixteenth).exists() is not refused


def test_ending_one_measure_and_starting_another_does_not_reset_the_count(
        security, prisoner):
    first_measure = impose(security, prisoner, days_ago=25)
    first = since(first_measure)
    days(security, first_measure, first, 10)
    measures.measure_end(acting_user=security, measure=first_measure, version=1,
                         ended_at=first_measure.started_at + timedelta(days=9, hours=1),
                         reason="Moved to the segregation unit.")
    second = impose(security, prisoner, kind="segregation",
                    started_at=first_measure.started_at + timedelta(days=10))
    days(security, second, first + timedelta(days=10), 5)  # days 11 to 15

    with pytest.raises(RuleViolation) as refused:
        day(security, second, first + timedelta(days=15))

    assert refused.value.details["evidence"]["consecutive_days"] == 16
    assert DailyRecord.objects.filter(measure=second).count() == 5


def test_a_gap_in_the_record_does_not_reset_the_count(security, measure):
    first = since(measure)
    days(security, measure, first, 10)
    days(security, measure, first + timedelta(days=12), 3)  # days 11 and 12 not recorded

    with pytest.raises(RuleViolation):
        day(security, measure, first + timedelta(days=15))


def test_the_approach_of_the_limit_is_flagged_once_from_day_10(security, measure):
    first = since(measure)
    days(security, measure, first, 9)
    assert not Flag.objects.filter(code="solitary_nearing_limit").exists()

    days(security, measure, first + timedelta(days=9), 3)  # days 10 to 12

    flag = Flag.objects.get(code="solitary_nearing_limit")
    assert flag.rule == "Mandela Rule 44" and flag.subject_id == measure.pk
    assert flag.raised_on == first + timedelta(days=9)
    assert flag.evidence["consecutive_days"] == 10
    assert flag.evidence["last_day_allowed"] == (first + timedelta(days=14)).isoformat()


def test_the_thresholds_are_configuration(security, measure, settings):
    settings.CUSTOS_MANDELA_THRESHOLDS = {"prolonged_days": 5, "warn_from_day": 3}
    first = since(measure)
    days(security, measure, first, 5)

    with pytest.raises(RuleViolation):
        day(security, measure, first + timedelta(days=5))


def test_pregnancy_is_flagged_as_a_breach_for_health_care_too(security, facility):
    woman = PrisonerFactory(facility=facility, sex="F", pregnant_or_nursing=True)
    measure = impose(security, woman, days_ago=3)

    days(security, measure, since(measure), 2)

    flag = Flag.objects.get(code="solitary_pregnant_or_nursing")  # once for the measure
    assert flag.rule == "Bangkok Rule 22" and flag.severity == "breach"
    assert "health_care" in flag.for_whom and flag.prisoner_id == woman.pk


@pytest.mark.parametrize("facts", [{"disability": "Uses a wheelchair"},
                                   {"mental_health_condition": True}])
def test_a_recorded_disability_or_mental_health_condition_is_flagged(security, facility, facts):
    someone = PrisonerFactory(facility=facility, **facts)
    measure = impose(security, someone, days_ago=3)

    day(security, measure, since(measure))

    flag = Flag.objects.get(code="solitary_disability")
    assert flag.rule == "Mandela Rule 45(2)" and "health_care" in flag.for_whom


def test_a_blank_disability_is_no_disability(security, facility):
    someone = PrisonerFactory(facility=facility, disability="  ")
    measure = impose(security, someone, days_ago=3)

    day(security, measure, since(measure))

    assert not Flag.objects.filter(code="solitary_disability").exists()


def test_a_solitary_day_without_a_health_care_visit_is_flagged(security, measure):
    day(security, measure, since(measure), health=False)
    day(security, measure, since(measure) + timedelta(days=1), health=True)

    flag = Flag.objects.get(code="no_health_visit")
    assert flag.rule == "Mandela Rule 46(1)"
    assert flag.evidence["on"] == since(measure).isoformat()


@pytest.mark.parametrize("minutes,flagged", [(60, False), (59, True), (0, True)])
def test_a_day_without_an_hour_in_the_open_air_is_flagged(security, measure, minutes, flagged):
    day(security, measure, since(measure), minutes=minutes)

    assert Flag.objects.filter(code="no_open_air_hour").exists() is flagged


def test_a_second_record_of_the_same_day_is_refused_and_not_overwritten(security, prisoner,
                                                                       measure):
    other = impose(security, prisoner, kind="segregation", days_ago=20)
    record = day(security, measure, since(other), hours=23)

    for target in (measure, other):
        with pytest.raises(ConcurrentEdit) as refused:
            day(security, target, since(other), hours=5)
        assert refused.value.status == 409

    record.refresh_from_db()
    assert record.hours_without_contact == 23 and DailyRecord.objects.count() == 1


@pytest.mark.parametrize("offset", [-1, 26])
def test_a_day_outside_the_measure_or_in_the_future_is_refused(security, measure, offset):
    with pytest.raises(InvalidInput) as refused:
        day(security, measure, since(measure) + timedelta(days=offset))
    assert refused.value.field == "on" and not DailyRecord.objects.exists()


def test_a_day_after_the_measure_ended_is_refused(security, measure):
    measures.measure_end(acting_user=security, measure=measure, version=1, reason="Calm.",
                         ended_at=measure.started_at + timedelta(days=2))

    with pytest.raises(InvalidInput):
        day(security, measure, since(measure) + timedelta(days=3))
    assert day(security, measure, since(measure) + timedelta(days=2))


@pytest.mark.parametrize("hours", [-1, "24.5", "many"])
def test_hours_outside_a_day_are_refused(security, measure, hours):
    with pytest.raises(InvalidInput) as refused:
        day(security, measure, since(measure), hours=hours)
    assert refused.value.field == "hours_without_contact"


def test_days_are_recorded_for_segregation_and_solitary_only(security, prisoner):
    visits = impose(security, prisoner, kind="restricted_visits", days_ago=2)
    with pytest.raises(InvalidInput) as refused:
        day(security, visits, since(visits))
    assert refused.value.field == "measure"


def test_a_monitor_cannot_record_a_day(measure, facility):
    from custos.access.policy import AccessDenied

    from ..factories import user_with_role

    with pytest.raises(AccessDenied):
        day(user_with_role("monitor", facility), measure, since(measure))
    assert not DailyRecord.objects.exists()


# --- corrections ----------------------------------------------------------------------------

def test_a_correction_changes_the_day_and_keeps_the_old_values_in_the_audit(security, measure):
    record = day(security, measure, since(measure), hours=23, minutes=30)

    corrected = measures.daily_record_correct(
        acting_user=security, record=record, version=1, reason="Typed the wrong hours.",
        hours_without_contact="12.5", exercise_minutes=90, health_visit=True)

    assert corrected.hours_without_contact == pytest.approx(12.5) and corrected.version == 2
    entry = AuditEntry.objects.get(action="oversight.day_corrected")
    assert entry.changes["hours_without_contact"] == ["23.0", "12.5"]
    assert entry.changes["exercise_minutes"] == [30, 90]
    assert entry.reason == "Typed the wrong hours."


def test_a_correction_from_a_stale_version_is_refused(security, measure):
    record = day(security, measure, since(measure), hours=23)
    measures.daily_record_correct(acting_user=security, record=record, version=1, reason="x",
                                  hours_without_contact=20)

    with pytest.raises(ConcurrentEdit):
        measures.daily_record_correct(acting_user=security, record=record, version=1,
                                      reason="y", hours_without_contact=5)
    record.refresh_from_db()
    assert record.hours_without_contact == 20


def test_a_correction_that_would_join_two_runs_past_the_limit_is_refused(security, measure):
    first = since(measure)
    days(security, measure, first, 8)
    middle = day(security, measure, first + timedelta(days=8), hours=10)
    days(security, measure, first + timedelta(days=9), 7)  # days 10 to 16: a run of 7

    with pytest.raises(RuleViolation) as refused:
        measures.daily_record_correct(acting_user=security, record=middle, version=1,
                                      reason="It was solitary.", hours_without_contact=23)

    assert refused.value.details["evidence"]["consecutive_days"] == 16
    middle.refresh_from_db()
    assert middle.hours_without_contact == 10 and middle.version == 1
    assert AuditEntry.objects.filter(action="oversight.refused").count() == 1


def test_a_correction_needs_a_reason(security, measure):
    record = day(security, measure, since(measure))
    with pytest.raises(InvalidInput) as refused:
        measures.daily_record_correct(acting_user=security, record=record, version=1,
                                      reason="", hours_without_contact=5)
    assert refused.value.field == "reason"
