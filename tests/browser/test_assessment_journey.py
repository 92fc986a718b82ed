"""An assessment from draft to countersigned, in the browser, by two certified assessors."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from custos.access.roles import Role
from custos.assessments import services
from custos.assessments.models import Assessment, AssessorCertification

from ..factories import PrisonerFactory, user_with_role
from .test_journeys import sign_in, sign_out_button

INSTRUMENTS = Path(__file__).resolve().parents[2] / "instruments"
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def vern(transactional_db):
    text = (INSTRUMENTS / "ve-risk-needs.yaml").read_text()
    return services.instrument_load(acting_user=None, text=text, source_name="vern")


def assessor(facility, username):
    user = user_with_role(Role.ASSESSOR, facility, username=username)
    today = timezone.localdate()
    AssessorCertification.objects.create(
        user=user, instrument_code="CUSTOS-VERN", certified_on=today - timedelta(days=1),
        expires_on=today + timedelta(days=300), certified_by=user)
    return user


@pytest.mark.browser
@transactional
def test_an_assessment_goes_from_draft_to_countersigned(page, live_server, facility, vern):
    first, second = assessor(facility, "amina"), assessor(facility, "karim")
    prisoner = PrisonerFactory(facility=facility, names=["Oumar Coulibaly"])

    # the first assessor starts and rates every item with its rationale
    sign_in(page, first, f"/prisoners/{prisoner.pk}/assessments/new/")
    page.locator("main select").first.select_option(label=str(vern.display_title) + " ("
                                                    + f"{vern.code} {vern.version})")
    page.locator("main input[type=text]").first.fill("Admission")
    page.locator("main form button[type=submit]").click()
    for group in page.locator("fieldset.item").all():
        group.locator("input[type=radio]").first.check()
        group.locator("textarea").fill("Seen in two interviews and the file")
    page.locator("section", has_text="Overall judgement").locator(
        "input[type=radio]").nth(1).check()
    page.locator("textarea[name$=reasons]").fill("Engaged with the ideology; no capability")
    page.locator("button[value=submit]").click()
    expect(page.get_by_text("Submitted, awaiting countersignature").first).to_be_visible()

    # the second assessor countersigns, which locks it
    sign_out_button(page).click()
    assessment = Assessment.objects.get()
    sign_in(page, second, f"/assessments/{assessment.pk}/")
    page.locator("button[value=countersign]").click()
    expect(page.get_by_text("Locked").first).to_be_visible()

    assessment.refresh_from_db()
    assert assessment.status == "locked" and assessment.countersigned_by == second
    assert assessment.judgement is not None and assessment.assessor == first
