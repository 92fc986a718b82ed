"""The prisoner file shows the change of risk over time, to those who may see assessments."""

from django.urls import reverse

from custos.assessments import workflow
from custos.assessments.trajectory import risk_trajectory

from ..factories import PrisonerFactory
from .test_workflow import certified, full_ratings, load


def locked_judgement(prisoner, vern, first, second, judgement):
    draft = workflow.assessment_start(acting_user=first, prisoner=prisoner, instrument=vern,
                                      occasion="review")
    workflow.assessment_save(acting_user=first, assessment=draft, expected_version=draft.version,
                             ratings=full_ratings(vern), judgement=judgement, reasons="Reasons")
    workflow.assessment_submit(acting_user=first, assessment=draft,
                               expected_version=draft.version)
    workflow.assessment_countersign(acting_user=second, assessment=draft,
                                    expected_version=draft.version)


def test_the_trajectory_follows_the_locked_judgements_in_order(client, facility, director,
                                                               security):
    vern = load("ve-risk-needs.yaml")
    first = certified("amina", facility, "CUSTOS-VERN")
    second = certified("karim", facility, "CUSTOS-VERN")
    prisoner = PrisonerFactory(facility=facility)
    for judgement in (3, 2, 1):
        locked_judgement(prisoner, vern, first, second, judgement)

    trajectory = risk_trajectory(prisoner=prisoner)

    assert [p.value for p in trajectory.points] == [3, 2, 1]
    assert [p.label for p in trajectory.points] == ["High", "Moderate", "Low"]
    client.force_login(director)
    page = client.get(reverse("custody:prisoner", args=[prisoner.pk])).content.decode()
    assert "<svg" in page and "trajectory" in page
    client.force_login(security)
    page = client.get(reverse("custody:prisoner", args=[prisoner.pk])).content.decode()
    assert "<svg" not in page


def test_no_locked_risk_assessment_draws_nothing(facility):
    assert risk_trajectory(prisoner=PrisonerFactory(facility=facility)).points == ()
