"""A director compares a housing plan with the current placements and first fit, and approves it."""

import pytest
from playwright.sync_api import expect

from custos.custody import services as custody
from custos.housing import services
from custos.housing.models import HousingPlan, PlanStatus

from ..factories import CellFactory, PrisonerFactory
from .test_journeys import sign_in

transactional = pytest.mark.django_db(transaction=True)


@pytest.mark.browser
@transactional
def test_a_director_compares_a_plan_and_approves_it(page, live_server, facility, unit, cell,
                                                    director):
    # given a tiny facility: two men share stands empty, a newcomer has no cell
    CellFactory(unit=unit, number="A-02", beds=2)
    for i in (1, 2):
        man = PrisonerFactory(facility=facility, prison_number=f"BKO-10{i}",
                              names=[f"Man {i}"])
        custody.placement_create(acting_user=director, prisoner=man, cell=cell, reason="in")
    PrisonerFactory(facility=facility, prison_number="BKO-103", names=["Newcomer"])
    plan = services.plan_create(acting_user=director, kind="facility", facility=facility,
                                time_limit=5, compare_regimes=True, regime="dispersal")
    services.plan_run(plan.pk)
    assert HousingPlan.objects.get(pk=plan.pk).status == PlanStatus.READY

    # the director opens the plan and reads the comparison
    sign_in(page, director, f"/housing/plans/{plan.pk}/")
    table = page.locator("table.comparison")
    expect(table).to_be_visible()
    expect(table.locator("thead")).to_contain_text("Current placements")
    expect(table.locator("thead")).to_contain_text("First fit")
    expect(table.locator("tbody")).to_contain_text("Proven lower bound")
    expect(page.get_by_role("heading", name="Occupancy per unit")).to_be_visible()

    # and the reasons of one prisoner, then approves
    page.get_by_role("link", name="Every prisoner's assignment, with the reasons").click()
    expect(page.locator("table.assignments")).to_contain_text("Newcomer")
    page.go_back()
    page.locator("textarea[name='approve-reason']").fill("Fewer people in A-01")
    page.get_by_role("button", name="Approve and apply the plan").click()

    expect(page.get_by_text("The plan has been approved and applied.")).to_be_visible()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.decided_by == director
    assert plan.decision_reason == "Fewer people in A-01"
