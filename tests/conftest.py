"""Shared fixtures: a small facility, and one persona per role (the demo roles)."""

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from custos.access.roles import Role

from .factories import CellFactory, FacilityFactory, UnitFactory, user_with_role

# Property tests assert behaviour, never speed: no deadline per example and no complaint that
# examples come slowly, which on a loaded machine made correct code fail (speed is measured in
# benchmarks/).
hypothesis_settings.register_profile(
    "custos", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("custos")


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A test that switches language must not leave the next one in Arabic."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def facility(db):
    return FacilityFactory(code="BKO", name="Bamako Central", official_capacity=4)


@pytest.fixture
def unit(facility):
    return UnitFactory(facility=facility, code="A", regime="general")


@pytest.fixture
def cell(unit):
    return CellFactory(unit=unit, number="A-01", beds=2)


@pytest.fixture
def persona(facility):
    """persona("director") → a user holding that role in `facility`."""

    def make(role: str, where=facility):
        return user_with_role(role, where)

    return make


@pytest.fixture
def director(persona):
    return persona(Role.DIRECTOR)


@pytest.fixture
def security(persona):
    return persona(Role.SECURITY)
