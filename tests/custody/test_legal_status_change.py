"""A change of legal status keeps Mandela Rule 11(b): remand and convicted prisoners apart.

Refused while the prisoner's cell or unit would then hold both, unless the same change names
the cell they move to; refusals change nothing.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from custos.accounts.models import ApiToken
from custos.audit.models import AuditEntry
from custos.core.errors import InvalidInput, RuleViolation
from custos.custody import services
from custos.custody.models import Placement, Prisoner

from ..factories import CellFactory, PrisonerFactory, UnitFactory
from .test_placement_create import put, snapshot


@pytest.fixture
def remand_wing(facility):
    return UnitFactory(facility=facility, code="R", regime="general")


@pytest.fixture
def convicted_wing(facility):
    return UnitFactory(facility=facility, code="C", regime="general")


@pytest.fixture
def pair(facility, remand_wing, director):
    """Two remand prisoners sharing a cell of a unit that does not mix legal statuses."""
    shared = CellFactory(unit=remand_wing, number="R-01", beds=2)
    mover = PrisonerFactory(facility=facility, legal_status="remand")
    mate = PrisonerFactory(facility=facility, legal_status="remand")
    put(mover, shared, director)
    put(mate, shared, director)
    mover.refresh_from_db()
    return mover, mate


def convict(prisoner, by, **kwargs):
    return services.prisoner_update(acting_user=by, prisoner=prisoner,
                                    expected_version=prisoner.version,
                                    changes={"legal_status": "convicted"}, **kwargs)


def test_a_conviction_that_would_share_a_cell_with_remand_is_refused(pair, director):
    mover, mate = pair
    before = snapshot(mover, mate)

    with pytest.raises(RuleViolation) as refused:
        convict(mover, director)

    assert refused.value.rule == "Mandela Rule 11"
    assert "11(b)" in refused.value.message and "same cell" in refused.value.message
    assert refused.value.field == "legal_status"
    assert f"{mate.prison_number} {mate.display_name}" in refused.value.people
    assert f"{mover.prison_number} {mover.display_name}" in refused.value.people
    assert Prisoner.objects.get(pk=mover.pk).legal_status == "remand"
    assert snapshot(mover, mate) == before


def test_a_conviction_in_a_unit_holding_remand_is_refused_even_alone_in_the_cell(
        facility, remand_wing, director):
    alone = PrisonerFactory(facility=facility, legal_status="remand")
    neighbour = PrisonerFactory(facility=facility, legal_status="remand")
    put(alone, CellFactory(unit=remand_wing, number="R-02"), director)
    put(neighbour, CellFactory(unit=remand_wing, number="R-03"), director)
    alone.refresh_from_db()
    before = snapshot(alone, neighbour)

    with pytest.raises(RuleViolation, match="is not configured to hold both") as refused:
        convict(alone, director)

    assert f"{neighbour.prison_number} {neighbour.display_name}" in refused.value.people
    assert snapshot(alone, neighbour) == before


def test_a_conviction_in_a_remand_unit_is_refused(facility, director):
    remand_unit = UnitFactory(facility=facility, code="RU", regime="remand")
    alone = PrisonerFactory(facility=facility, legal_status="remand")
    put(alone, CellFactory(unit=remand_unit, number="RU-1"), director)
    alone.refresh_from_db()

    with pytest.raises(RuleViolation, match="remand unit"):
        convict(alone, director)

    assert Prisoner.objects.get(pk=alone.pk).legal_status == "remand"


def test_a_conviction_with_a_move_changes_both_in_one_transaction(pair, director,
                                                                  convicted_wing):
    mover, mate = pair
    target = CellFactory(unit=convicted_wing, number="C-01")
    PrisonerFactory(facility=mover.facility, legal_status="convicted",
                    current_cell=target)  # a convicted cellmate is no breach after the change

    updated = convict(mover, director, cell=target)

    assert updated.legal_status == "convicted" and updated.current_cell_id == target.pk
    current = Placement.objects.get(prisoner=mover, ended_at__isnull=True)
    assert current.cell == target and current.authorised_by == director
    assert Placement.objects.filter(prisoner=mover, ended_at__isnull=False).count() == 1
    assert AuditEntry.objects.filter(action="prisoner.update",
                                     object_id=str(mover.pk)).count() == 1
    assert AuditEntry.objects.filter(action="placement.create").count() == 3


def test_a_move_into_a_cell_that_breaks_the_rule_under_the_new_status_changes_nothing(
        pair, director, remand_wing):
    mover, mate = pair
    other_remand_cell = CellFactory(unit=remand_wing, number="R-09")
    before = snapshot(mover, mate)

    with pytest.raises(RuleViolation, match="11\\(b\\)"):
        convict(mover, director, cell=other_remand_cell)

    assert Prisoner.objects.get(pk=mover.pk).legal_status == "remand"
    assert snapshot(mover, mate) == before


def test_a_change_that_breaks_nothing_still_goes_through(facility, director):
    mixed = UnitFactory(facility=facility, code="M", regime="general", mixed_legal_status=True)
    mover = PrisonerFactory(facility=facility, legal_status="remand")
    neighbour = PrisonerFactory(facility=facility, legal_status="remand")
    put(mover, CellFactory(unit=mixed, number="M-1"), director)
    put(neighbour, CellFactory(unit=mixed, number="M-2"), director)
    mover.refresh_from_db()

    updated = convict(mover, director)

    assert updated.legal_status == "convicted"
    assert Placement.objects.filter(prisoner=mover).count() == 1  # not moved


def test_an_unplaced_prisoner_changes_status_freely(facility, director):
    waiting = PrisonerFactory(facility=facility, legal_status="remand")

    assert convict(waiting, director).legal_status == "convicted"


def test_a_cell_without_a_change_of_status_is_refused(pair, director, convicted_wing):
    mover, _mate = pair
    target = CellFactory(unit=convicted_wing, number="C-02")

    with pytest.raises(InvalidInput) as refused:
        services.prisoner_update(acting_user=director, prisoner=mover,
                                 expected_version=mover.version,
                                 changes={"languages": "fr"}, cell=target)

    assert refused.value.field == "cell"
    assert Prisoner.objects.get(pk=mover.pk).current_cell_id != target.pk


def test_the_api_refuses_with_422_and_moves_with_a_cell(pair, director, convicted_wing):
    mover, mate = pair
    target = CellFactory(unit=convicted_wing, number="C-03")
    _token, key = ApiToken.issue(user=director)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/v1/prisoners/{mover.pk}/"

    refused = api.patch(url, {"version": mover.version, "legal_status": "convicted"},
                        format="json")
    assert refused.status_code == 422
    assert refused.json()["rule"] == "Mandela Rule 11"
    assert any(mate.prison_number in who for who in refused.json()["people"])
    assert Prisoner.objects.get(pk=mover.pk).legal_status == "remand"

    moved = api.patch(url, {"version": mover.version, "legal_status": "convicted",
                            "cell": target.pk}, format="json")
    assert moved.status_code == 200, moved.json()
    mover.refresh_from_db()
    assert (mover.legal_status, mover.current_cell_id) == ("convicted", target.pk)


def test_the_edit_page_offers_a_new_cell_and_moves_with_the_change(client, pair, director,
                                                                    convicted_wing):
    mover, _mate = pair
    target = CellFactory(unit=convicted_wing, number="C-04")
    url = reverse("custody:edit", args=[mover.pk])
    client.force_login(director)
    assert 'name="cell"' in client.get(url).content.decode()
    form = {"date_of_birth": mover.date_of_birth.isoformat(), "sex": mover.sex,
            "legal_status": "convicted", "version": mover.version}

    refused = client.post(url, form)
    assert refused.status_code == 200 and "11(b)" in refused.content.decode()
    assert Prisoner.objects.get(pk=mover.pk).legal_status == "remand"

    moved = client.post(url, {**form, "cell": target.pk})
    assert moved.status_code == 302
    mover.refresh_from_db()
    assert (mover.legal_status, mover.current_cell_id) == ("convicted", target.pk)
