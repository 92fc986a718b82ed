"""People and records the intelligence tests share."""

from __future__ import annotations

import pytest
from django.utils import timezone

from custos.intelligence import services

from ..factories import PrisonerFactory, user_with_role

GRADES = {"source_evaluation": "1", "intelligence_assessment": "B", "handling_code": "P"}


@pytest.fixture
def analyst(facility):
    return user_with_role("analyst", facility, username="analyst-1")


@pytest.fixture
def other_analyst(facility):
    return user_with_role("analyst", facility, username="analyst-2")


@pytest.fixture
def handler(facility):
    return user_with_role("sourcehandler", facility, username="handler-1")


@pytest.fixture
def police(facility):
    return user_with_role("police", facility, username="police-1")


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility, display_name="Moussa Traoré")


@pytest.fixture
def report_for(facility, prisoner):
    """report_for(user, compartment=None, **changes) → a graded report about `prisoner`."""
    def make(user, compartment=None, **changes):
        values = {"facility": facility, "occurred_at": timezone.now(),
                  "summary": "Recruiting on the yard", "text": "Seen talking to new arrivals.",
                  "prisoners": [prisoner], "grades": dict(GRADES), "compartment": compartment}
        values.update(changes)
        return services.report_create(acting_user=user, **values)
    return make
