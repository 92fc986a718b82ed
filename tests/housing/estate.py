"""A small hand-made facility for the housing tests: two units of two cells of two beds.

Four men are placed with the influential two sharing a cell with the vulnerable ones, so the
optimiser has a reason to move people; a fifth waits for a cell.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from custos.assessments.models import Assessment, Classification, ClassificationRules, Instrument
from custos.custody import services as custody
from custos.custody.models import Prisoner

from ..factories import CellFactory, FacilityFactory, PrisonerFactory, UnitFactory


def locked_scores(prisoner, assessor, *, influence=0, vulnerability=0, days_ago=1,
                  code="cell-sharing"):
    instrument, _ = Instrument.objects.get_or_create(
        code=code, version="1", defaults={"kind": "cell_sharing", "title": {"en": code},
                                          "definition": {}, "source_sha256": "0" * 64})
    at = timezone.now() - timedelta(days=days_ago)
    return Assessment.objects.create(
        prisoner=prisoner, instrument=instrument, assessor=assessor, status="locked",
        occasion="admission", indices={"influence": influence, "vulnerability": vulnerability},
        locked_at=at, submitted_at=at)


def approved_classification(prisoner, director, *, regime="general", category="C"):
    rules, _ = ClassificationRules.objects.get_or_create(code="rules", version="1",
                                                         defaults={"definition": {}})
    return Classification.objects.create(
        prisoner=prisoner, rules=rules, facts={}, fired=[], proposed_category=category,
        category=category, regime=regime, status="approved", decided_by=director,
        decided_at=timezone.now())


@pytest.fixture(name="estate")
def estate_fixture(db):
    """The facility, its cells by name, its prisoners by name, and its director."""
    from ..factories import user_with_role

    facility = FacilityFactory(code="HSG", population_served="men")
    director = user_with_role("director", facility, username="hsg-director")
    security = user_with_role("security", facility, username="hsg-security")
    units = {name: UnitFactory(facility=facility, code=name, security_level="medium")
             for name in ("A", "B")}
    cells = {f"{u}{n}": CellFactory(unit=units[u], number=f"{u}-{n}", landing=u, beds=2)
             for u in units for n in (1, 2)}
    people = {name: PrisonerFactory(facility=facility, display_name=name)
              for name in ("leader", "follower", "recruiter", "young", "newcomer")}
    for name, where in (("leader", "A1"), ("follower", "A1"), ("recruiter", "B1"),
                        ("young", "B1")):
        custody.placement_create(acting_user=director, prisoner=people[name], cell=cells[where],
                                 reason="initial")
    for name, (influence, vulnerability) in {"leader": (8, 0), "recruiter": (7, 0),
                                             "follower": (0, 6), "young": (0, 5)}.items():
        locked_scores(people[name], director, influence=influence, vulnerability=vulnerability)
    people = {name: Prisoner.objects.get(pk=p.pk) for name, p in people.items()}
    return {"facility": facility, "director": director, "security": security,
            "units": units, "cells": cells, "people": people}
