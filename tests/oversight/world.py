"""Oversight records for the endpoint-matrix test: one of each kind, in the test facility.

URL parameters of oversight endpoints are named after the keys returned here (a page
`oversight:measure` with `<int:measure>` gets `world["measure"]`). Each area adds its own
records in its own function.
"""

from __future__ import annotations

from django.utils import timezone

from custos.accounts.models import User
from custos.oversight.models import MonitoringBody, MonitorMembership


def oversight_world(facility, prisoner, director) -> dict:
    body = MonitoringBody.objects.create(name="National Preventive Mechanism", kind="npm",
                                         mandate="All places of detention.",
                                         individual_cases=True)
    body.facilities.add(facility)
    world = {"body": body.pk}
    for area in (_measures, _discipline, _cases, _complaints, _monitoring):
        world.update(area(facility, prisoner, director, body))
    return world


def join_monitors_to_body(body_id: int) -> None:
    """Monitors act for a body; those signed in by the matrix test act for the world's."""
    for monitor in User.objects.filter(role_assignments__role="monitor"):
        if not MonitorMembership.objects.filter(user=monitor, ended_on__isnull=True).exists():
            MonitorMembership.objects.create(body_id=body_id, user=monitor,
                                             started_on=timezone.localdate())


def _measures(facility, prisoner, director, body) -> dict:
    """A solitary-confinement measure in force, one recorded day of it (without a health-care
    visit, so it has a flag)."""
    from datetime import timedelta

    from custos.oversight import measures
    from custos.oversight.models import Flag

    today = timezone.localdate()
    measure = measures.measure_impose(
        acting_user=director, prisoner=prisoner, kind="solitary", legal_basis="Prison Act s.40",
        necessity="Assault on staff.", proportionality="Shortest time.",
        alternatives_considered="Cell change.", started_at=timezone.now() - timedelta(days=3),
        planned_review_on=today + timedelta(days=3))
    record = measures.daily_record(acting_user=director, measure=measure,
                                   on=today - timedelta(days=1), hours_without_contact=23,
                                   exercise_minutes=60, health_visit=False)
    flag = Flag.objects.get(code="no_health_visit", subject_id=measure.pk)
    return {"measure": measure.pk, "daily_record": record.pk, "flag": flag.pk}


def _discipline(facility, prisoner, director, body) -> dict:
    """A charge just recorded, whose next step is the notice to the prisoner."""
    from custos.oversight import discipline

    charge = discipline.charge_create(
        acting_user=director, prisoner=prisoner, offence="Fighting",
        rule_reference="Prison Rule 51(1)", particulars="A fight on the landing.",
        incident_at=timezone.now() - timezone.timedelta(hours=2))
    return {"charge": charge.pk}


def _cases(facility, prisoner, director, body) -> dict:
    """A death in custody just opened, neither reported nor the next of kin informed."""
    from custos.oversight import cases

    now = timezone.now()
    case = cases.case_open(acting_user=director, prisoner=prisoner, kind="death",
                           occurred_at=now - timezone.timedelta(hours=3),
                           learned_at=now - timezone.timedelta(hours=2),
                           account="Found unresponsive in his cell.")
    return {"case": case.pk}


def _complaints(facility, prisoner, director, body) -> dict:
    """A complaint filed through staff, not confidential, awaiting the director's answer."""
    from custos.oversight import complaints

    complaint = complaints.complaint_file(
        acting_user=director, prison_number=prisoner.prison_number, subject="Food",
        text="The meals are cold.")
    return {"complaint": complaint.pk}


def _monitoring(facility, prisoner, director, body) -> dict:
    """A visit of the world's body, carried out, with a finding and a recommendation awaiting
    the director's response."""
    from datetime import timedelta

    from custos.oversight.models import MonitoringFinding, MonitoringVisit, Recommendation

    today = timezone.localdate()
    visit = MonitoringVisit.objects.create(
        body=body, facility=facility, planned_on=today, status="done", visited_on=today,
        team="Two members", private_interviews=3, summary="The body's own notes.")
    finding = MonitoringFinding.objects.create(visit=visit, area="conditions",
                                               text="Cells are overcrowded.")
    made = Recommendation.objects.create(
        finding=finding, body=body, facility=facility, text="Reduce occupancy.",
        response_due_on=today + timedelta(days=60))
    return {"visit": visit.pk, "recommendation": made.pk}
