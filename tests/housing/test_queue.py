"""The real queue: a plan asked for is run by `custos db_worker` (the database backend)."""

import pytest
from django.core.management import call_command

from custos.housing import services
from custos.housing.models import HousingPlan

from .estate import estate_fixture  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_queued_plan_to_a_result(estate):
    plan = services.plan_create(acting_user=estate["security"], kind="admissions",
                                facility=estate["facility"], time_limit=5,
                                compare_regimes=False)
    assert HousingPlan.objects.get(pk=plan.pk).status == "queued"

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    plan.refresh_from_db()
    assert plan.status == "ready", plan.error
    newcomer = next(r for r in plan.result["assignments"] if r["name"] == "newcomer")
    assert newcomer["moved"] and newcomer["cell"] is not None
    assert sum(r["moved"] for r in plan.result["assignments"]) == 1  # the others stay
