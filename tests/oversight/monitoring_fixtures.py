"""Builders for the monitoring tests: a body with its mandate, monitors acting for it, a visit
carried out with a finding, a recommendation. Rows are built through the services where the
behaviour matters, directly where it does not."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from custos.access.roles import Role
from custos.oversight import monitoring
from custos.oversight.models import MonitoringBody, MonitorMembership

from ..factories import user_with_role


def make_body(facilities, name="National Preventive Mechanism", **options) -> MonitoringBody:
    values = {"kind": "npm", "mandate": "All places of detention.", "individual_cases": True,
              "unannounced_visits": True, **options}
    body = MonitoringBody.objects.create(name=name, **values)
    body.facilities.set(facilities)
    return body


def make_monitor(body, facility=None, username="monitor-npm"):
    """A user with the monitor role (everywhere, unless `facility`), acting for `body`."""
    user = user_with_role(Role.MONITOR, facility, username=username)
    MonitorMembership.objects.create(body=body, user=user, started_on=timezone.localdate())
    return user


def done_visit(monitor, facility, *, team="A. Diarra, B. Coulibaly", interviews=4,
               summary="Notes of the team."):
    today = timezone.localdate()
    visit = monitoring.visit_plan(acting_user=monitor, facility=facility, planned_on=today)
    return monitoring.visit_record(acting_user=monitor, visit=visit, version=visit.version,
                                   visited_on=today, team=team, private_interviews=interviews,
                                   summary=summary)


def finding_on(monitor, visit, text="Cells hold twice their capacity."):
    return monitoring.finding_add(acting_user=monitor, visit=visit, area="conditions",
                                  text=text)


def recommend(monitor, visit, text="Reduce the occupancy of wing A.",
              due: date | None = None):
    finding = finding_on(monitor, visit)
    return monitoring.recommendation_add(acting_user=monitor, finding=finding, text=text,
                                         response_due_on=due)
