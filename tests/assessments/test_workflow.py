"""Assessments: only certified assessors; draft → submitted → countersigned → locked; nothing
is overwritten — a correction supersedes."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.assessments import rules, services, workflow
from custos.assessments.instruments import items_of
from custos.assessments.models import Assessment, AssessorCertification
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition

from ..factories import PrisonerFactory, user_with_role

INSTRUMENTS = Path(__file__).resolve().parents[2] / "instruments"


def load(name: str):
    text = (INSTRUMENTS / name).read_text()
    return services.instrument_load(acting_user=None, text=text, source_name=name)


@pytest.fixture
def vern(db):
    return load("ve-risk-needs.yaml")


@pytest.fixture
def intake(db):
    return load("intake-screening.yaml")


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


def certified(username, facility, *codes):
    user = user_with_role("assessor", facility, username=username)
    today = timezone.localdate()
    for code in codes:
        AssessorCertification.objects.create(
            user=user, instrument_code=code, certified_on=today - timedelta(days=30),
            expires_on=today + timedelta(days=365), certified_by=user)
    return user


def full_ratings(instrument, value_of=lambda item: 1, rationale="Seen in interviews"):
    return {item["code"]: {"value": value_of(item), "rationale": rationale}
            for item in items_of(instrument.definition)}


def filled(assessor, prisoner, instrument, **ratings_options):
    draft = workflow.assessment_start(acting_user=assessor, prisoner=prisoner,
                                      instrument=instrument, occasion="admission")
    return workflow.assessment_save(
        acting_user=assessor, assessment=draft, expected_version=draft.version,
        ratings=full_ratings(instrument, **ratings_options), judgement=2,
        reasons="Engaged but no capability shown")


def test_draft_submitted_countersigned_and_locked_with_every_step_audited(
        vern, prisoner, facility):
    first = certified("amina", facility, "CUSTOS-VERN")
    second = certified("karim", facility, "CUSTOS-VERN")
    assessment = filled(first, prisoner, vern)

    workflow.assessment_submit(acting_user=first, assessment=assessment,
                               expected_version=assessment.version)
    assert assessment.status == "submitted"
    workflow.assessment_countersign(acting_user=second, assessment=assessment,
                                    expected_version=assessment.version)

    assessment.refresh_from_db()
    assert assessment.status == "locked" and assessment.countersigned_by == second
    assert assessment.indices.keys() == {"influence", "vulnerability"}
    actions = list(AuditEntry.objects.filter(object_type="assessments.assessment")
                   .values_list("action", flat=True))
    assert actions == ["assessment.start", "assessment.save", "assessment.submit",
                       "assessment.countersign"]


def test_an_uncertified_or_expired_assessor_is_refused_and_nothing_is_made(
        vern, prisoner, facility):
    uncertified = user_with_role("assessor", facility, username="new")
    expired = certified("old", facility, "CUSTOS-VERN")
    AssessorCertification.objects.filter(user=expired).update(
        expires_on=timezone.localdate() - timedelta(days=1))

    for user in (uncertified, expired):
        with pytest.raises(InvalidInput) as refused:
            workflow.assessment_start(acting_user=user, prisoner=prisoner, instrument=vern,
                                      occasion="admission")
        assert refused.value.field == "assessor"
    assert not Assessment.objects.exists()


def test_a_role_without_the_permission_to_assess_is_refused(vern, prisoner, security):
    with pytest.raises(AccessDenied):
        workflow.assessment_start(acting_user=security, prisoner=prisoner, instrument=vern,
                                  occasion="admission")
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(("spoil", "field"), [
    (lambda r: r.pop("ENG1"), "ENG1"),
    (lambda r: r["ENG1"].update(value=9), "ENG1"),
    (lambda r: r["ENG1"].update(rationale=" "), "ENG1"),
])
def test_submission_names_the_item_at_fault_and_changes_nothing(
        vern, prisoner, facility, spoil, field):
    assessor = certified("amina", facility, "CUSTOS-VERN")
    ratings = full_ratings(vern)
    spoil(ratings)
    draft = workflow.assessment_start(acting_user=assessor, prisoner=prisoner, instrument=vern,
                                      occasion="review")
    workflow.assessment_save(acting_user=assessor, assessment=draft,
                             expected_version=draft.version, ratings=ratings, judgement=2,
                             reasons="Reasons")

    with pytest.raises(InvalidInput) as refused:
        workflow.assessment_submit(acting_user=assessor, assessment=draft,
                                   expected_version=draft.version)

    assert refused.value.field == field
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.submitted_at is None


def test_the_assessor_cannot_countersign_their_own_assessment(vern, prisoner, facility):
    assessor = certified("amina", facility, "CUSTOS-VERN")
    assessment = filled(assessor, prisoner, vern)
    workflow.assessment_submit(acting_user=assessor, assessment=assessment,
                               expected_version=assessment.version)

    with pytest.raises(InvalidInput):
        workflow.assessment_countersign(acting_user=assessor, assessment=assessment,
                                        expected_version=assessment.version)
    assessment.refresh_from_db()
    assert assessment.status == "submitted"


def test_a_screening_without_countersignature_locks_on_submission_with_its_score(
        intake, prisoner, facility):
    assessor = certified("amina", facility, "CUSTOS-INTAKE")
    assessment = filled(assessor, prisoner, intake, value_of=lambda item: 0)

    workflow.assessment_submit(acting_user=assessor, assessment=assessment,
                               expected_version=assessment.version)

    assessment.refresh_from_db()
    assert assessment.status == "locked" and assessment.score == 0
    assert assessment.band == "Few indicators"


def test_a_correction_supersedes_the_locked_assessment_which_stays_as_it_was(
        intake, prisoner, facility):
    assessor = certified("amina", facility, "CUSTOS-INTAKE")
    original = filled(assessor, prisoner, intake, value_of=lambda item: 0)
    workflow.assessment_submit(acting_user=assessor, assessment=original,
                               expected_version=original.version)
    before = dict(original.ratings)

    correction = workflow.assessment_correct(acting_user=assessor, assessment=original,
                                             reason="Item EXT1 was rated on the wrong file")
    ratings = dict(correction.ratings, EXT1={"value": 2, "rationale": "Re-read the file"})
    workflow.assessment_save(acting_user=assessor, assessment=correction,
                             expected_version=correction.version, ratings=ratings,
                             judgement=correction.judgement, reasons=correction.reasons)
    workflow.assessment_submit(acting_user=assessor, assessment=correction,
                               expected_version=correction.version)

    original.refresh_from_db()
    assert original.status == "superseded" and original.ratings == before
    assert correction.status == "locked" and correction.score == 2
    with pytest.raises(InvalidTransition):
        workflow.assessment_save(acting_user=assessor, assessment=original,
                                 expected_version=original.version, ratings={}, judgement=1,
                                 reasons="x")


def test_two_saves_from_the_same_version_conflict(intake, prisoner, facility):
    assessor = certified("amina", facility, "CUSTOS-INTAKE")
    draft = workflow.assessment_start(acting_user=assessor, prisoner=prisoner,
                                      instrument=intake, occasion="admission")
    seen = draft.version
    workflow.assessment_save(acting_user=assessor, assessment=draft, expected_version=seen,
                             ratings={}, judgement=None, reasons="")

    with pytest.raises(ConcurrentEdit):
        workflow.assessment_save(acting_user=assessor, assessment=draft,
                                 expected_version=seen, ratings={}, judgement=1, reasons="r")


def test_referrals_are_found_from_the_ratings(intake):
    referred = [i for i in items_of(intake.definition) if i.get("referral")]
    ratings = {i["code"]: {"value": i["referral"]["at"]} for i in referred}

    summary = rules.summarise(intake.definition, ratings)

    assert set(summary.referrals) == {i["code"] for i in referred}
