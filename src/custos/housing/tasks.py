"""Background jobs of the housing optimiser, run by `custos db_worker`."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def run_housing_plan(plan_id: int) -> str:
    """Run one queued plan; returns the status it ends in."""
    return services.plan_run(plan_id).status
