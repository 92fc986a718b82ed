"""The demo's oversight records: bodies and the monitor, measures, discipline, complaints,
custody cases and monitoring at each stage, and the flags the nightly safeguards raise."""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.custody.models import Facility
from custos.demo import oversight as demo_oversight
from custos.oversight.models import (
    Complaint,
    CustodyCase,
    DailyRecord,
    DisciplinaryCharge,
    Flag,
    MeasureReview,
    MonitoringBody,
    MonitoringVisit,
    Recommendation,
    RecommendationUpdate,
    RestrictiveMeasure,
    Sanction,
)

pytestmark = pytest.mark.django_db


def seed(**options):
    defaults = {"prisoners": 240, "facilities": 2, "seed": 7, "password": "demo-password-1"}
    call_command("seed_demo", **(defaults | options), stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def demo():
    seed()


def test_two_bodies_and_the_demo_monitor_acting_for_the_national_mechanism(demo):
    npm = MonitoringBody.objects.get(kind="npm")
    ngo = MonitoringBody.objects.get(kind="ngo")

    assert npm.individual_cases and not ngo.individual_cases
    assert npm.facilities.count() == Facility.objects.count() == 2
    assert list(npm.members.values_list("user__username", flat=True)) == ["monitor"]
    assert not ngo.members.exists()


def test_measures_in_force_and_ended_with_reviews_and_days(demo):
    measures = RestrictiveMeasure.objects.all()

    assert measures.count() == 6
    assert measures.filter(ended_at__isnull=True).count() == 4
    assert MeasureReview.objects.count() == 3
    solitary = measures.get(kind="solitary")
    assert solitary.days.count() == 12
    assert solitary.days.order_by("-on").first().on == timezone.localdate()
    assert all(day.hours_without_contact >= 22 for day in solitary.days.all())
    warning = Flag.objects.get(code="solitary_nearing_limit", subject_id=solitary.pk)
    first_day = solitary.days.order_by("on").first().on
    assert warning.evidence["last_day_allowed"] == (first_day + timedelta(days=14)).isoformat()
    segregation = measures.get(kind="segregation")
    missed = DailyRecord.objects.get(measure=segregation, health_visit=False)
    assert Flag.objects.filter(code="no_health_visit", subject_id=segregation.pk,
                               evidence__on=missed.on.isoformat()).exists()
    unauthorised = measures.get(authorised_by__isnull=True)
    assert Flag.objects.filter(code="unauthorised_measure", subject_id=unauthorised.pk).exists()


def test_charges_at_every_stage_one_proved_with_a_sanction(demo):
    statuses = sorted(DisciplinaryCharge.objects.values_list("status", flat=True))

    assert statuses == sorted(["charged", "notified", "heard", "proved", "not_proved",
                               "appealed"])
    assert Sanction.objects.filter(charge__status="proved").count() == 1
    assert DisciplinaryCharge.objects.get(status="appealed").appeal.outcome == "pending"


def test_complaints_one_overdue_and_escalated_one_confidential_to_the_body(demo):
    assert Complaint.objects.count() == 5
    overdue = Complaint.objects.get(status="escalated")
    assert overdue.answer_due_on < timezone.localdate()
    assert Flag.objects.filter(code="complaint_overdue", subject_id=overdue.pk).exists()
    # the complainant placed under an emergency measure since: possible retaliation
    assert Flag.objects.filter(code="possible_retaliation",
                               prisoner_id=overdue.prisoner_id).exists()
    confidential = Complaint.objects.get(confidentiality="body")
    assert confidential.body.kind == "npm" and confidential.channel == "monitor"
    assert Complaint.objects.filter(status="answered").count() == 2


def test_a_serious_injury_not_reported_in_time_and_a_torture_allegation_reported(demo):
    injury = CustodyCase.objects.get(kind="serious_injury")
    torture = CustodyCase.objects.get(kind="torture")

    assert injury.authority_reported_at is None and injury.next_of_kin_notified_at
    assert Flag.objects.filter(code="case_authority_overdue", subject_id=injury.pk).exists()
    assert torture.authority_reported_at is not None
    assert not Flag.objects.filter(subject_type="case", subject_id=torture.pk).exists()


def test_two_visits_with_recommendations_at_each_stage_of_the_response(demo):
    assert MonitoringVisit.objects.filter(status="done").count() == 2
    by_status = sorted(Recommendation.objects.values_list("status", flat=True))
    assert by_status == ["awaiting", "awaiting", "implemented", "in_progress"]
    partly = Recommendation.objects.get(response="partly")
    assert partly.owner and partly.deadline and partly.response_reasons
    assert RecommendationUpdate.objects.filter(
        recommendation__status="implemented").count() == 2  # the response, then done


def test_the_nightly_safeguards_ran_once_and_seeding_again_adds_nothing(demo):
    assert AuditEntry.objects.filter(action="oversight.safeguards_checked").count() == 1
    counts = (MonitoringBody.objects.count(), RestrictiveMeasure.objects.count(),
              Complaint.objects.count(), Flag.objects.count())

    seed()

    assert (MonitoringBody.objects.count(), RestrictiveMeasure.objects.count(),
            Complaint.objects.count(), Flag.objects.count()) == counts
    assert AuditEntry.objects.filter(action="oversight.safeguards_checked").count() == 1


def test_the_demo_picks_the_same_prisoners_for_the_same_seed(demo):
    facility = Facility.objects.order_by("code").first()
    today = timezone.localdate()

    first = demo_oversight._prisoners(facility, 14, random.Random(7), today)
    again = demo_oversight._prisoners(facility, 14, random.Random(7), today)
    other = demo_oversight._prisoners(facility, 14, random.Random(8), today)

    assert [p.pk for p in first] == [p.pk for p in again] != [p.pk for p in other]
