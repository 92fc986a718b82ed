"""What the tests of custody cases, complaints and the retaliation check share: monitors
acting for a body, and moments relative to a day's nightly check."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from custos.oversight.models import MonitoringBody, MonitorMembership

from ..factories import FacilityFactory, user_with_role


def monitor_of(facility, *, username: str, individual_cases: bool = True, active: bool = True,
               name: str | None = None):
    """A monitor acting for a new body whose mandate covers `facility`."""
    body = MonitoringBody.objects.create(name=name or f"Body of {username}", kind="npm",
                                         mandate="Places of detention.",
                                         individual_cases=individual_cases, active=active)
    body.facilities.add(facility)
    monitor = user_with_role("monitor", None, username=username)
    MonitorMembership.objects.create(body=body, user=monitor,
                                     started_on=timezone.localdate() - timedelta(days=1))
    return monitor, body


def other_facility():
    return FacilityFactory(code="KYS", name="Kayes", official_capacity=10)


def end_of(day: date) -> datetime:
    """The moment a nightly check of `day` looks from (that day is in the past)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def test_a_monitor_made_here_acts_for_his_body(facility):
    from custos.oversight import scoping

    monitor, body = monitor_of(facility, username="mon-support")

    assert scoping.body_of(monitor) == body
    assert scoping.mandate_facilities(monitor) == frozenset({facility.pk})
