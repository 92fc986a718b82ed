"""Bodies and their mandates, who acts for them, and the monitors' visits, findings and
recommendations: each rule at its boundary, each refusal changing nothing."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.access.roles import Role
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition, RuleViolation
from custos.oversight import monitoring, scoping
from custos.oversight.models import (
    MonitoringBody,
    MonitoringFinding,
    MonitoringVisit,
    MonitorMembership,
    Recommendation,
)

from ..factories import FacilityFactory, user_with_role
from .monitoring_fixtures import done_visit, finding_on, make_body, make_monitor, recommend


@pytest.fixture
def admin(db):
    return user_with_role(Role.ADMIN, None, username="admin")


@pytest.fixture
def elsewhere(db):
    return FacilityFactory(code="KYS", name="Kayes")


@pytest.fixture
def body(facility):
    return make_body([facility])


@pytest.fixture
def monitor(body):
    return make_monitor(body)


# --- bodies and memberships ----------------------------------------------------------------


def test_the_administrator_registers_a_body_with_its_mandate(admin, facility, elsewhere):
    body = monitoring.body_create(acting_user=admin, name="Ombudsman", kind="ombudsman",
                                  mandate="Complaints and visits.", legal_basis="Law 2019-12",
                                  facilities=[facility, elsewhere.pk], individual_cases=False,
                                  unannounced_visits=False)

    assert set(body.facilities.values_list("code", flat=True)) == {"BKO", "KYS"}
    assert (body.individual_cases, body.unannounced_visits, body.active) == (False, False, True)
    entry = AuditEntry.objects.get(action="oversight.body_create")
    assert entry.object_id == str(body.pk) and entry.changes["facilities"] == sorted(
        [facility.pk, elsewhere.pk])


@pytest.mark.parametrize("change,field", [
    ({"name": "  "}, "name"),
    ({"kind": "club"}, "kind"),
    ({"mandate": ""}, "mandate"),
    ({"facilities": []}, "facilities"),
    ({"facilities": [999999]}, "facilities"),
])
def test_a_body_without_what_it_needs_is_refused(admin, facility, change, field):
    values = {"name": "Ombudsman", "kind": "ombudsman", "mandate": "Visits.",
              "facilities": [facility], **change}

    with pytest.raises(InvalidInput) as refused:
        monitoring.body_create(acting_user=admin, **values)

    assert refused.value.field == field
    assert not MonitoringBody.objects.exists()


def test_two_bodies_cannot_share_a_name(admin, facility, body):
    with pytest.raises(InvalidInput) as refused:
        monitoring.body_create(acting_user=admin, name=body.name.upper(), kind="ngo",
                               mandate="x", facilities=[facility])

    assert refused.value.field == "name"
    assert MonitoringBody.objects.count() == 1


def test_only_the_administrator_registers_bodies(director, facility):
    with pytest.raises(AccessDenied):
        monitoring.body_create(acting_user=director, name="Mine", kind="ngo", mandate="x",
                               facilities=[facility])

    assert not MonitoringBody.objects.exists()


def test_a_mandate_change_over_a_stale_version_is_refused(admin, body, facility, elsewhere):
    values = {"name": body.name, "kind": body.kind, "mandate": body.mandate,
              "facilities": [facility, elsewhere]}
    monitoring.body_update(acting_user=admin, body=body, version=1, **values)

    with pytest.raises(ConcurrentEdit):
        monitoring.body_update(acting_user=admin, body=body, version=1,
                               **{**values, "facilities": [elsewhere]})

    body.refresh_from_db()
    assert body.version == 2
    assert set(body.facilities.values_list("code", flat=True)) == {"BKO", "KYS"}


def test_a_monitor_joins_a_body_and_acts_for_one_at_a_time(admin, body, facility):
    user = user_with_role(Role.MONITOR, None, username="mon")
    other = make_body([facility], name="Civil society")

    monitoring.membership_add(acting_user=admin, body=body, user=user)
    with pytest.raises(InvalidInput) as refused:
        monitoring.membership_add(acting_user=admin, body=other, user=user)

    assert refused.value.field == "user" and body.name in refused.value.message
    assert list(MonitorMembership.objects.values_list("body", flat=True)) == [body.pk]
    assert scoping.body_of(user) == body


def test_a_user_without_the_monitor_role_cannot_act_for_a_body(admin, body, director):
    with pytest.raises(InvalidInput) as refused:
        monitoring.membership_add(acting_user=admin, body=body, user=director)

    assert refused.value.field == "user"
    assert not MonitorMembership.objects.exists()


def test_an_ended_membership_leaves_the_monitor_without_a_body(admin, body, monitor):
    membership = MonitorMembership.objects.get(user=monitor)

    monitoring.membership_end(acting_user=admin, membership=membership)

    monitor.__dict__.pop("_custos_body", None)
    assert scoping.body_of(monitor) is None
    with pytest.raises(InvalidTransition):
        monitoring.membership_end(acting_user=admin, membership=membership)


# --- visits --------------------------------------------------------------------------------


def test_a_monitor_plans_a_visit_to_a_facility_in_the_mandate(monitor, facility, body):
    tomorrow = timezone.localdate() + timedelta(days=1)

    visit = monitoring.visit_plan(acting_user=monitor, facility=facility, planned_on=tomorrow,
                                  announced=False)

    assert (visit.body, visit.status, visit.announced) == (body, "planned", False)
    assert AuditEntry.objects.filter(action="oversight.visit_plan",
                                     object_id=str(visit.pk)).exists()


def test_a_facility_outside_the_mandate_is_refused(monitor, elsewhere):
    with pytest.raises(InvalidInput) as refused:
        monitoring.visit_plan(acting_user=monitor, facility=elsewhere,
                              planned_on=timezone.localdate())

    assert refused.value.field == "facility"
    assert not MonitoringVisit.objects.exists()


def test_an_unannounced_visit_is_refused_when_the_mandate_does_not_allow_it(facility):
    body = make_body([facility], unannounced_visits=False, legal_basis="Decree 12")
    monitor = make_monitor(body)
    today = timezone.localdate()

    with pytest.raises(RuleViolation) as refused:
        monitoring.visit_plan(acting_user=monitor, facility=facility, planned_on=today,
                              announced=False)
    announced = monitoring.visit_plan(acting_user=monitor, facility=facility, planned_on=today)

    assert refused.value.status == 422 and refused.value.details["rule"] == "Decree 12"
    assert refused.value.field == "announced"
    assert list(MonitoringVisit.objects.all()) == [announced]


def test_a_visit_is_planned_for_today_or_later(monitor, facility):
    with pytest.raises(InvalidInput) as refused:
        monitoring.visit_plan(acting_user=monitor, facility=facility,
                              planned_on=timezone.localdate() - timedelta(days=1))

    assert refused.value.field == "planned_on"
    assert not MonitoringVisit.objects.exists()


def test_a_monitor_without_a_body_cannot_plan(facility):
    loose = user_with_role(Role.MONITOR, None, username="loose")

    with pytest.raises(AccessDenied):
        monitoring.visit_plan(acting_user=loose, facility=facility,
                              planned_on=timezone.localdate())

    assert not MonitoringVisit.objects.exists()


def test_recording_keeps_only_the_number_of_private_interviews(monitor, facility):
    visit = done_visit(monitor, facility, interviews=6)

    assert (visit.status, visit.private_interviews, visit.version) == ("done", 6, 2)
    entry = AuditEntry.objects.get(action="oversight.visit_record")
    assert entry.changes["private_interviews"] == 6


def test_a_visit_in_the_future_cannot_be_recorded(monitor, facility):
    today = timezone.localdate()
    visit = monitoring.visit_plan(acting_user=monitor, facility=facility, planned_on=today)

    with pytest.raises(InvalidInput) as refused:
        monitoring.visit_record(acting_user=monitor, visit=visit, version=1,
                                visited_on=today + timedelta(days=1), team="x")

    assert refused.value.field == "visited_on"
    visit.refresh_from_db()
    assert (visit.status, visit.version) == ("planned", 1)


def test_another_bodys_monitor_cannot_touch_a_visit(monitor, facility):
    visit = monitoring.visit_plan(acting_user=monitor, facility=facility,
                                  planned_on=timezone.localdate())
    rival = make_monitor(make_body([facility], name="Other body"), username="rival")

    with pytest.raises(AccessDenied):
        monitoring.visit_cancel(acting_user=rival, visit=visit, version=1, reason="Mine now")

    visit.refresh_from_db()
    assert visit.status == "planned"


def test_a_cancelled_visit_stays_cancelled(monitor, facility):
    visit = monitoring.visit_plan(acting_user=monitor, facility=facility,
                                  planned_on=timezone.localdate())
    monitoring.visit_cancel(acting_user=monitor, visit=visit, version=1, reason="Road closed")

    with pytest.raises(InvalidTransition):
        monitoring.visit_record(acting_user=monitor, visit=visit, version=2,
                                visited_on=timezone.localdate(), team="x")

    visit.refresh_from_db()
    assert (visit.status, visit.visited_on) == ("cancelled", None)


# --- findings and recommendations ----------------------------------------------------------


def test_findings_need_a_visit_carried_out(monitor, facility):
    visit = monitoring.visit_plan(acting_user=monitor, facility=facility,
                                  planned_on=timezone.localdate())

    with pytest.raises(InvalidTransition):
        finding_on(monitor, visit)

    assert not MonitoringFinding.objects.exists()


@override_settings(CUSTOS_RECOMMENDATION_RESPONSE_DAYS=30)
def test_a_recommendation_is_due_for_a_response_after_the_configured_days(monitor, facility):
    made = recommend(monitor, done_visit(monitor, facility))

    assert made.response_due_on == timezone.localdate() + timedelta(days=30)
    assert (made.status, made.facility, made.body) == ("awaiting", facility,
                                                       scoping.body_of(monitor))


def test_a_recommendation_is_due_sixty_days_later_by_default(monitor, facility):
    made = recommend(monitor, done_visit(monitor, facility))

    assert made.response_due_on == timezone.localdate() + timedelta(days=60)


def test_a_response_due_today_is_refused(monitor, facility):
    visit = done_visit(monitor, facility)
    finding = finding_on(monitor, visit)

    with pytest.raises(InvalidInput) as refused:
        monitoring.recommendation_add(acting_user=monitor, finding=finding, text="Do it",
                                      response_due_on=timezone.localdate())

    assert refused.value.field == "response_due_on"
    assert not Recommendation.objects.exists()


def test_a_monitor_recommends_only_on_his_own_bodys_findings(monitor, facility):
    finding = finding_on(monitor, done_visit(monitor, facility))
    rival = make_monitor(make_body([facility], name="Other body"), username="rival")

    with pytest.raises(AccessDenied):
        monitoring.recommendation_add(acting_user=rival, finding=finding, text="Do it")

    assert not Recommendation.objects.exists()
