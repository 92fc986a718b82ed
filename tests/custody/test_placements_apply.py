"""Many moves at once: judged by where everyone is after all of them, all or nothing."""

import pytest

from custos.audit.models import AuditEntry
from custos.core.errors import RuleViolation
from custos.custody import services
from custos.custody.models import Placement, Prisoner

from ..factories import CellFactory, PrisonerFactory, UnitFactory


@pytest.fixture
def wing(facility, director):
    unit = UnitFactory(facility=facility, code="W")
    cells = [CellFactory(unit=unit, number=f"W-{n}", beds=1) for n in (1, 2, 3)]
    one, two = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    services.placement_create(acting_user=director, prisoner=one, cell=cells[0], reason="x")
    services.placement_create(acting_user=director, prisoner=two, cell=cells[1], reason="x")
    return {"cells": cells, "one": one, "two": two}


def where() -> dict:
    return dict(Prisoner.objects.values_list("pk", "current_cell_id"))


def test_two_prisoners_swap_single_bed_cells_in_one_batch(wing, director):
    cells, one, two = wing["cells"], wing["one"], wing["two"]

    services.placements_apply(acting_user=director, moves=[(one, cells[1]), (two, cells[0])],
                              reason="swap")

    assert where()[one.pk] == cells[1].pk and where()[two.pk] == cells[0].pk
    assert Placement.objects.filter(ended_at__isnull=True).count() == 2
    assert AuditEntry.objects.filter(action="placement.create", reason="swap").count() == 2


def test_a_batch_whose_final_state_breaks_rule_11_is_refused_whole(wing, facility, director):
    cells = wing["cells"]
    woman = PrisonerFactory(facility=facility, sex="F")
    before, entries = where(), AuditEntry.objects.count()

    with pytest.raises(RuleViolation) as refused:
        services.placements_apply(acting_user=director,
                                  moves=[(wing["one"], cells[2]), (woman, cells[0])],
                                  reason="batch")

    assert refused.value.rule == "Mandela Rule 11"
    assert where() == before and AuditEntry.objects.count() == entries


def test_a_batch_that_puts_a_keep_apart_pair_on_one_landing_is_refused(wing, facility,
                                                                       director):
    cells = wing["cells"]
    newcomer = PrisonerFactory(facility=facility)
    services.keep_apart_create(acting_user=director, prisoner_a=wing["one"],
                               prisoner_b=newcomer, reason="rivals", level="landing")
    before, placements = where(), Placement.objects.count()

    with pytest.raises(RuleViolation) as refused:
        services.placements_apply(acting_user=director, moves=[(newcomer, cells[2])],
                                  reason="batch")

    assert refused.value.rule == "keep_apart"
    assert where() == before and Placement.objects.count() == placements


def test_capacity_is_judged_after_every_move_and_needs_a_directors_reason(wing, facility,
                                                                          director):
    cells = wing["cells"]
    third = PrisonerFactory(facility=facility)
    before = where()

    with pytest.raises(RuleViolation) as refused:
        services.placements_apply(acting_user=director,
                                  moves=[(third, cells[2]), (wing["one"], cells[2])],
                                  reason="batch")
    assert refused.value.rule == "capacity"
    assert where() == before

    services.placements_apply(acting_user=director,
                              moves=[(third, cells[2]), (wing["one"], cells[2])],
                              reason="batch", overcrowding_reason="Emergency intake")

    assert where()[third.pk] == where()[wing["one"].pk] == cells[2].pk
    assert Placement.objects.filter(overcrowding_override=True).count() >= 1
