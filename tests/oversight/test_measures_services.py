"""Imposing, authorising, reviewing and ending restrictive measures: who may, what is refused
(a child in solitary confinement, a review too far away, a missing reason), and that a refusal
leaves nothing behind but its entry in the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition, RuleViolation
from custos.oversight import measures
from custos.oversight.models import MeasureReview, RestrictiveMeasure

from ..factories import FacilityFactory, PrisonerFactory, user_with_role
from .measures_helpers import REASONS, impose


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


def born_years_ago(years: int, *, plus_days: int = 0) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) + timedelta(days=plus_days)


def test_a_director_imposing_a_measure_authorises_it_at_once(director, prisoner):
    measure = impose(director, prisoner)

    assert measure.authorised_by == director and measure.authorised_at is not None
    assert measure.facility == prisoner.facility and measure.in_force
    entry = AuditEntry.objects.get(action="oversight.measure_imposed")
    assert entry.object_id == str(measure.pk) and entry.changes["kind"] == "solitary"


def test_a_security_officers_measure_is_an_emergency_measure_awaiting_a_director(
        security, prisoner):
    measure = impose(security, prisoner)

    assert measure.in_force and measure.authorised_by is None and measure.authorised_at is None


@pytest.mark.parametrize("kind", ["solitary", "segregation"])
def test_solitary_or_segregation_of_a_child_is_refused_and_the_refusal_audited(
        director, facility, kind):
    child = PrisonerFactory(facility=facility, date_of_birth=born_years_ago(18, plus_days=1))

    with pytest.raises(RuleViolation) as refused:
        impose(director, child, kind=kind)

    assert refused.value.status == 422
    assert refused.value.rule == "Mandela Rule 45(2); Havana Rule 67"
    assert "Mandela Rule 45(2)" in refused.value.message
    assert not RestrictiveMeasure.objects.exists()
    assert not AuditEntry.objects.filter(action="oversight.measure_imposed").exists()
    entry = AuditEntry.objects.get(action="oversight.refused")
    assert entry.changes["rule"] == "Mandela Rule 45(2); Havana Rule 67"


def test_an_adult_from_his_eighteenth_birthday_may_be_segregated(director, facility):
    adult = PrisonerFactory(facility=facility, date_of_birth=born_years_ago(18))

    assert impose(director, adult, kind="segregation").in_force


def test_a_child_may_have_his_visits_restricted(director, facility):
    child = PrisonerFactory(facility=facility, date_of_birth=born_years_ago(16))

    assert impose(director, child, kind="restricted_visits", review_in=30).in_force


@pytest.mark.parametrize("kind,longest", [("solitary", 7), ("segregation", 7), ("restraints", 1),
                                          ("restricted_visits", 30), ("special_search", 30)])
def test_the_review_may_be_planned_as_far_as_the_kind_allows_and_no_further(
        director, facility, kind, longest):
    assert impose(director, PrisonerFactory(facility=facility), kind=kind, review_in=longest)

    with pytest.raises(InvalidInput) as refused:
        impose(director, PrisonerFactory(facility=facility), kind=kind, review_in=longest + 1)

    assert refused.value.field == "planned_review_on"
    assert RestrictiveMeasure.objects.count() == 1


def test_the_review_maximum_is_configuration(director, prisoner, settings):
    settings.CUSTOS_MEASURE_REVIEW_DAYS = {"solitary": 3}

    with pytest.raises(InvalidInput):
        impose(director, prisoner, review_in=4)
    assert impose(director, prisoner, review_in=3)


def test_a_review_before_the_start_is_refused(director, prisoner):
    with pytest.raises(InvalidInput) as refused:
        impose(director, prisoner, review_in=-1)
    assert refused.value.field == "planned_review_on"


@pytest.mark.parametrize("field", sorted(REASONS))
def test_every_reason_is_required(director, prisoner, field):
    with pytest.raises(InvalidInput) as refused:
        impose(director, prisoner, **{field: "   "})

    assert refused.value.field == field and refused.value.status == 400
    assert not RestrictiveMeasure.objects.exists()


def test_a_start_in_the_future_is_refused(director, prisoner):
    with pytest.raises(InvalidInput) as refused:
        impose(director, prisoner, started_at=timezone.now() + timedelta(hours=2))
    assert refused.value.field == "started_at"


def test_a_second_measure_of_the_same_kind_in_force_is_refused(director, prisoner):
    impose(director, prisoner)

    with pytest.raises(InvalidInput) as refused:
        impose(director, prisoner)

    assert refused.value.field == "kind" and RestrictiveMeasure.objects.count() == 1


def test_a_released_prisoner_gets_no_measure(director, prisoner):
    prisoner.status = "released"
    prisoner.save()

    with pytest.raises(InvalidInput) as refused:
        impose(director, prisoner)
    assert refused.value.field == "prisoner"


@pytest.mark.parametrize("role", ["monitor", "partner", "casemanager", "analyst"])
def test_only_security_officers_and_directors_impose(facility, prisoner, role):
    with pytest.raises(AccessDenied):
        impose(user_with_role(role, facility), prisoner)
    assert not RestrictiveMeasure.objects.exists()


def test_security_staff_of_another_facility_cannot_impose(prisoner):
    elsewhere = user_with_role("security", FacilityFactory(code="GAO"))
    with pytest.raises(AccessDenied):
        impose(elsewhere, prisoner)
    assert not RestrictiveMeasure.objects.exists()


# --- authorisation --------------------------------------------------------------------------

def test_a_director_authorises_an_emergency_measure(security, director, prisoner):
    measure = impose(security, prisoner)

    done = measures.measure_authorise(acting_user=director, measure=measure,
                                      version=measure.version)

    assert done.authorised_by == director and done.version == measure.version + 1
    assert AuditEntry.objects.filter(action="oversight.measure_authorised",
                                     object_id=str(measure.pk)).exists()


def test_a_security_officer_cannot_authorise(security, prisoner):
    measure = impose(security, prisoner)
    with pytest.raises(AccessDenied):
        measures.measure_authorise(acting_user=security, measure=measure, version=1)
    measure.refresh_from_db()
    assert measure.authorised_at is None


def test_authorising_from_a_stale_version_is_refused(security, director, prisoner):
    measure = impose(security, prisoner)
    measures.measure_review(acting_user=security, measure=measure, version=1,
                            outcome="continue", reasons="Still a risk.",
                            next_review_on=timezone.localdate() + timedelta(days=2))

    with pytest.raises(ConcurrentEdit):
        measures.measure_authorise(acting_user=director, measure=measure, version=1)
    measure.refresh_from_db()
    assert measure.authorised_at is None and measure.version == 2


def test_an_authorised_measure_is_not_authorised_again(director, prisoner):
    measure = impose(director, prisoner)
    with pytest.raises(InvalidTransition):
        measures.measure_authorise(acting_user=director, measure=measure, version=1)


# --- reviews and the end -------------------------------------------------------------------

def test_a_review_that_continues_the_measure_sets_the_next_review(security, prisoner):
    measure = impose(security, prisoner)
    next_on = timezone.localdate() + timedelta(days=7)

    review = measures.measure_review(acting_user=security, measure=measure, version=1,
                                     outcome="continue", reasons="Threats repeated.",
                                     next_review_on=next_on)

    measure.refresh_from_db()
    assert review.next_review_on == next_on and measure.planned_review_on == next_on
    assert measure.in_force and measure.version == 2
    entry = AuditEntry.objects.get(action="oversight.measure_reviewed")
    assert entry.reason == "Threats repeated." and entry.changes["outcome"] == "continue"


def test_a_next_review_further_than_allowed_is_refused(security, prisoner):
    measure = impose(security, prisoner)

    with pytest.raises(InvalidInput) as refused:
        measures.measure_review(acting_user=security, measure=measure, version=1,
                                outcome="continue", reasons="Still a risk.",
                                next_review_on=timezone.localdate() + timedelta(days=8))

    assert refused.value.field == "next_review_on"
    assert not MeasureReview.objects.exists()
    measure.refresh_from_db()
    assert measure.version == 1


def test_a_review_needs_reasons_and_an_outcome(security, prisoner):
    measure = impose(security, prisoner)
    with pytest.raises(InvalidInput) as no_reasons:
        measures.measure_review(acting_user=security, measure=measure, version=1,
                                outcome="continue", reasons="",
                                next_review_on=timezone.localdate())
    with pytest.raises(InvalidInput) as bad_outcome:
        measures.measure_review(acting_user=security, measure=measure, version=1,
                                outcome="forever", reasons="x",
                                next_review_on=timezone.localdate())
    assert (no_reasons.value.field, bad_outcome.value.field) == ("reasons", "outcome")
    assert not MeasureReview.objects.exists()


def test_a_review_that_ends_the_measure_ends_it(security, prisoner):
    measure = impose(security, prisoner)

    measures.measure_review(acting_user=security, measure=measure, version=1, outcome="end",
                            reasons="Calm for two days.")

    measure.refresh_from_db()
    assert not measure.in_force and measure.end_reason == "Calm for two days."


def test_ending_a_measure_needs_a_reason_and_happens_once(security, prisoner):
    measure = impose(security, prisoner)
    with pytest.raises(InvalidInput) as refused:
        measures.measure_end(acting_user=security, measure=measure, version=1, reason=" ")
    assert refused.value.field == "reason"

    measures.measure_end(acting_user=security, measure=measure, version=1, reason="Calm.")

    measure.refresh_from_db()
    assert measure.ended_at is not None and measure.end_reason == "Calm."
    assert AuditEntry.objects.filter(action="oversight.measure_ended").count() == 1
    with pytest.raises(InvalidTransition):
        measures.measure_end(acting_user=security, measure=measure, version=2, reason="Again.")
    with pytest.raises(InvalidTransition):
        measures.measure_review(acting_user=security, measure=measure, version=2,
                                outcome="continue", reasons="x",
                                next_review_on=timezone.localdate())


def test_ending_from_a_stale_version_is_refused(security, prisoner):
    measure = impose(security, prisoner)
    measures.measure_end(acting_user=security, measure=measure, version=1, reason="Calm.")
    measure.refresh_from_db()
    ended = measure.ended_at

    with pytest.raises(ConcurrentEdit):
        measures.measure_review(acting_user=security, measure=measure, version=1,
                                outcome="end", reasons="x")
    measure.refresh_from_db()
    assert measure.ended_at == ended
