"""Fixtures the calibration tests share: the cell-sharing screen, a lead, three raters."""

import pytest

from ..factories import user_with_role
from .test_workflow import certified, load


@pytest.fixture
def cellshare(db):
    return load("cell-sharing.yaml")


@pytest.fixture
def lead(facility):
    return user_with_role("director", facility, username="lead")


@pytest.fixture
def raters(facility):
    return [certified(name, facility, "CUSTOS-CELLSHARE")
            for name in ("amina", "karim", "salma")]
