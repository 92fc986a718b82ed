"""Shared makers for the restrictive-measures and flags tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from custos.oversight import measures
from custos.oversight.models import MonitoringBody, MonitorMembership

from ..factories import user_with_role

REASONS = {"legal_basis": "Prison Act s.40", "necessity": "Attacked an officer this morning.",
           "proportionality": "The shortest time that keeps staff safe.",
           "alternatives_considered": "A move to another landing; not enough."}


def impose(user, prisoner, *, kind="solitary", days_ago=0, review_in=None, **changes):
    """A measure that started `days_ago` days ago (at this time of day)."""
    started_at = changes.pop("started_at", timezone.now() - timedelta(days=days_ago))
    since = timezone.localtime(started_at).date()
    review = since + timedelta(days=review_in if review_in is not None else 1)
    return measures.measure_impose(acting_user=user, prisoner=prisoner, kind=kind,
                                   started_at=started_at, planned_review_on=review,
                                   **{**REASONS, **changes})


def day(user, measure, on, *, hours=23, minutes=60, health=True, contacts=""):
    return measures.daily_record(acting_user=user, measure=measure, on=on,
                                 hours_without_contact=hours, exercise_minutes=minutes,
                                 health_visit=health, contacts=contacts)


def days(user, measure, first, count, **kwargs):
    return [day(user, measure, first + timedelta(days=i), **kwargs) for i in range(count)]


def monitor_for(facilities, *, individual_cases: bool, username: str, name: str = ""):
    """A monitor acting for a body whose mandate covers `facilities`."""
    body = MonitoringBody.objects.create(name=name or f"Body of {username}", kind="npm",
                                         mandate="Places of detention.",
                                         individual_cases=individual_cases)
    body.facilities.set(facilities)
    user = user_with_role("monitor", None, username=username)
    MonitorMembership.objects.create(body=body, user=user, started_on=timezone.localdate())
    return user
