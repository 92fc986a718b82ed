"""The nightly check of restrictive measures: overdue reviews, measures left unauthorised past
24 hours, days of segregation or solitary confinement nobody recorded, runs of solitary days
nearing the limit; at its boundaries, and raising nothing new when it runs twice."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from custos.oversight import measures
from custos.oversight.models import DailyRecord, Flag, RestrictiveMeasure

from ..factories import PrisonerFactory
from .measures_helpers import days, impose


@pytest.fixture
def on():
    return timezone.localdate()


@pytest.fixture
def make(facility):
    def prisoner():
        return PrisonerFactory(facility=facility)
    return prisoner


def midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def codes(measure=None):
    flags = Flag.objects.all()
    if measure is not None:
        flags = flags.filter(subject_type="measure", subject_id=measure.pk)
    return sorted(flags.values_list("code", flat=True))


def test_a_review_past_its_date_is_flagged_and_one_due_today_is_not(director, make, on):
    late = impose(director, make(), kind="restricted_visits", days_ago=5, review_in=4)
    due = impose(director, make(), kind="restricted_visits", days_ago=5, review_in=5)

    measures.nightly(on)

    flag = Flag.objects.get(code="review_overdue")
    assert flag.subject_id == late.pk and flag.rule == "Mandela Rules 36 and 39(3)"
    assert flag.evidence == {"review_due_on": (on - timedelta(days=1)).isoformat(),
                             "days_overdue": 1}
    assert codes(due) == []


def test_an_ended_measure_is_not_overdue(director, make, on):
    measure = impose(director, make(), kind="restricted_visits", days_ago=5, review_in=1)
    measures.measure_end(acting_user=director, measure=measure, version=1, reason="Lifted.")

    assert measures.nightly(on) == 0


def test_a_measure_unauthorised_24_hours_after_it_began_is_flagged(security, make, on):
    late = impose(security, make(), kind="restricted_visits", review_in=1,
                  started_at=midnight(on) - timedelta(hours=25))
    recent = impose(security, make(), kind="restricted_visits", review_in=1,
                    started_at=midnight(on) - timedelta(hours=23))

    measures.nightly(on)

    flag = Flag.objects.get(code="unauthorised_measure")
    assert flag.subject_id == late.pk and flag.severity == "breach"
    assert flag.rule == "Mandela Rule 37(d)" and flag.evidence["authorised_at"] is None
    assert codes(recent) == []


def test_a_measure_authorised_too_late_is_flagged_and_one_in_time_is_not(security, make, on):
    start = midnight(on) - timedelta(hours=48)
    late = impose(security, make(), kind="restricted_visits", review_in=2, started_at=start)
    in_time = impose(security, make(), kind="restricted_visits", review_in=2, started_at=start)
    RestrictiveMeasure.objects.filter(pk=late.pk).update(authorised_at=start + timedelta(hours=30))
    RestrictiveMeasure.objects.filter(pk=in_time.pk).update(
        authorised_at=start + timedelta(hours=23))

    measures.nightly(on)

    assert codes(late) == ["unauthorised_measure"] and codes(in_time) == []


def test_a_solitary_day_not_recorded_is_flagged_for_the_day_before(director, make, on):
    forgotten = impose(director, make(), days_ago=3, review_in=7)
    recorded = impose(director, make(), days_ago=3, review_in=7)
    days(director, recorded, on - timedelta(days=1), 1)
    visits = impose(director, make(), kind="restricted_visits", days_ago=3, review_in=7)
    started_today = impose(director, make(), started_at=timezone.now(), review_in=7)

    measures.nightly(on)

    flag = Flag.objects.get(code="day_not_recorded")
    assert flag.subject_id == forgotten.pk and flag.raised_on == on - timedelta(days=1)
    assert "health_care" in flag.for_whom
    assert codes(recorded) == [] and codes(visits) == [] and codes(started_today) == []


def test_a_measure_ended_yesterday_still_needs_yesterdays_record(director, make, on):
    measure = impose(director, make(), days_ago=3, review_in=7)
    RestrictiveMeasure.objects.filter(pk=measure.pk).update(
        ended_at=midnight(on) - timedelta(hours=2), end_reason="Calm.")
    gone = impose(director, make(), days_ago=4, review_in=7)
    RestrictiveMeasure.objects.filter(pk=gone.pk).update(
        ended_at=midnight(on) - timedelta(hours=30), end_reason="Calm.")

    measures.nightly(on)

    assert codes(measure) == ["day_not_recorded"] and codes(gone) == []


def _orm_days(measure, first, count, hours=23):
    DailyRecord.objects.bulk_create([DailyRecord(
        prisoner_id=measure.prisoner_id, measure=measure, facility_id=measure.facility_id,
        on=first + timedelta(days=i), hours_without_contact=hours, exercise_minutes=60,
        health_visit=True) for i in range(count)])


@pytest.mark.parametrize("count,flagged", [(9, False), (10, True), (12, True)])
def test_a_run_of_solitary_days_at_the_warning_day_is_flagged(director, make, on, count,
                                                              flagged):
    measure = impose(director, make(), days_ago=count + 1, review_in=7)
    first = on - timedelta(days=count)
    _orm_days(measure, first, count)

    measures.nightly(on)

    found = Flag.objects.filter(code="solitary_nearing_limit")
    assert found.exists() is flagged
    if flagged:
        flag = found.get()
        assert flag.subject_id == measure.pk and flag.raised_on == first + timedelta(days=9)
        assert flag.evidence["consecutive_days"] == count


def test_the_nightly_warning_is_the_one_the_wing_raised(director, make, on):
    measure = impose(director, make(), days_ago=12, review_in=7)
    days(director, measure, on - timedelta(days=11), 11)
    assert Flag.objects.filter(code="solitary_nearing_limit").count() == 1

    measures.nightly(on)

    assert Flag.objects.filter(code="solitary_nearing_limit").count() == 1


def test_the_check_is_idempotent_and_counts_what_it_raised(security, director, make, on):
    impose(security, make(), kind="restricted_visits", days_ago=5, review_in=4)
    solitary = impose(director, make(), days_ago=12, review_in=7)
    _orm_days(solitary, on - timedelta(days=12), 10)  # yesterday not recorded

    raised = measures.nightly(on)

    assert raised == Flag.objects.count() == 5
    assert codes() == ["day_not_recorded", "review_overdue", "review_overdue",
                       "solitary_nearing_limit", "unauthorised_measure"]
    assert measures.nightly(on) == 0
    assert Flag.objects.count() == 5


def test_the_check_uses_a_few_queries_whatever_the_number_of_measures(
        director, make, on, django_assert_max_num_queries):
    for _ in range(6):
        measure = impose(director, make(), days_ago=12, review_in=7)
        _orm_days(measure, on - timedelta(days=11), 10)

    with django_assert_max_num_queries(12):
        measures.nightly(on)
    assert Flag.objects.filter(code="solitary_nearing_limit").count() == 6
