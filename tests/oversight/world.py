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
    return {}


def _discipline(facility, prisoner, director, body) -> dict:
    return {}


def _cases(facility, prisoner, director, body) -> dict:
    return {}


def _complaints(facility, prisoner, director, body) -> dict:
    return {}


def _monitoring(facility, prisoner, director, body) -> dict:
    return {}
