"""Placing and moving prisoners through the service: rules enforced, refusals leave no trace."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.access.roles import Role
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, RuleViolation
from custos.custody import rules, services
from custos.custody.models import KeepApart, Placement, Prisoner

from ..factories import CellFactory, FacilityFactory, PrisonerFactory, UnitFactory, user_with_role


def snapshot(*prisoners: Prisoner) -> dict:
    """Everything a placement could change."""
    return {
        "placements": list(Placement.objects.order_by("id").values_list(
            "id", "prisoner_id", "cell_id", "ended_at", "overcrowding_override")),
        "audit": AuditEntry.objects.count(),
        "prisoners": list(Prisoner.objects.filter(pk__in=[p.pk for p in prisoners])
                          .order_by("id").values_list("id", "current_cell_id", "facility_id",
                                                      "version")),
    }


def put(prisoner: Prisoner, cell, by, **kwargs) -> Placement:
    return services.placement_create(acting_user=by, prisoner=prisoner, cell=cell,
                                     reason="arrival", **kwargs)


# --- allowed ---------------------------------------------------------------------------------


def test_allowed_placement_is_recorded_and_audited(director, facility, cell):
    # given a prisoner in custody, not yet placed
    prisoner = PrisonerFactory(facility=facility)
    audit_before = AuditEntry.objects.count()
    # when the director places them
    placement = services.placement_create(acting_user=director, prisoner=prisoner, cell=cell,
                                          reason="  arrival from court  ")
    # then the placement is open, the prisoner is in the cell, and the audit trail says so
    prisoner.refresh_from_db()
    assert prisoner.current_cell == cell
    assert prisoner.version == 2
    assert Placement.objects.filter(prisoner=prisoner).count() == 1
    assert placement.ended_at is None
    assert placement.reason == "arrival from court"
    assert placement.authorised_by == director
    assert placement.overcrowding_override is False
    entries = AuditEntry.objects.order_by("id")[audit_before:]
    assert [(e.action, e.object_id) for e in entries] == [("placement.create", str(placement.pk))]
    assert entries[0].actor == director
    assert entries[0].changes["cell"] == [None, cell.pk]


def test_security_officer_may_place(security, facility, cell):
    prisoner = PrisonerFactory(facility=facility)
    put(prisoner, cell, security)
    prisoner.refresh_from_db()
    assert prisoner.current_cell == cell


def test_moving_ends_the_previous_placement(director, facility, unit, cell):
    # given a prisoner placed in one cell
    prisoner = PrisonerFactory(facility=facility)
    first = put(prisoner, cell, director, at=timezone.now() - timedelta(days=2))
    other_cell = CellFactory(unit=unit, number="A-02")
    # when they are moved to another
    second = put(prisoner, other_cell, director)
    # then the first placement ends when the second begins, and only the second is open
    first.refresh_from_db()
    prisoner.refresh_from_db()
    assert first.ended_at == second.started_at
    assert list(Placement.objects.filter(prisoner=prisoner, ended_at__isnull=True)) == [second]
    assert prisoner.current_cell == other_cell
    last = AuditEntry.objects.order_by("-id").first()
    assert last.action == "placement.create"
    assert last.changes["cell"] == [cell.pk, other_cell.pk]


def test_moving_to_another_facility_moves_the_prisoner_file_there(facility, cell):
    # given a national director and a prisoner placed in one facility
    national = user_with_role(Role.DIRECTOR, None)
    prisoner = PrisonerFactory(facility=facility)
    put(prisoner, cell, national)
    elsewhere = CellFactory(unit=UnitFactory(facility=FacilityFactory()))
    # when moved to a cell of another facility
    put(prisoner, elsewhere, national)
    # then the prisoner belongs to that facility now
    prisoner.refresh_from_db()
    assert prisoner.facility_id == elsewhere.unit.facility_id


def test_placing_into_the_cell_they_are_in_is_refused(director, facility, cell):
    prisoner = PrisonerFactory(facility=facility)
    put(prisoner, cell, director)
    before = snapshot(prisoner)
    with pytest.raises(InvalidInput) as refused:
        put(prisoner, cell, director)
    assert refused.value.field == "cell"
    assert snapshot(prisoner) == before


def test_a_placement_needs_a_reason(director, facility, cell):
    prisoner = PrisonerFactory(facility=facility)
    before = snapshot(prisoner)
    with pytest.raises(InvalidInput) as refused:
        services.placement_create(acting_user=director, prisoner=prisoner, cell=cell,
                                  reason="   ")
    assert refused.value.field == "reason"
    assert snapshot(prisoner) == before


def test_a_placement_cannot_start_before_admission(director, facility, cell):
    prisoner = PrisonerFactory(facility=facility)
    before = snapshot(prisoner)
    with pytest.raises(InvalidInput) as refused:
        put(prisoner, cell, director, at=prisoner.admitted_at - timedelta(minutes=1))
    assert refused.value.field == "at"
    assert snapshot(prisoner) == before


# --- refused by a rule -----------------------------------------------------------------------


def assert_refused(error, *, rule: str, people: list[Prisoner]) -> None:
    assert error.rule == rule
    assert error.status == 422
    for who in people:
        assert any(who.prison_number in label for label in error.people), (who, error.people)
    assert error.as_dict()["rule"] == rule


def test_full_cell_is_refused_and_nothing_changes(director, facility, cell):
    # given a two-bed cell holding two prisoners
    occupants = [PrisonerFactory(facility=facility) for _ in range(2)]
    for occupant in occupants:
        put(occupant, cell, director)
    newcomer = PrisonerFactory(facility=facility)
    before = snapshot(newcomer, *occupants)
    # when a third is placed there
    with pytest.raises(RuleViolation) as refused:
        put(newcomer, cell, director)
    # then capacity refuses, naming the newcomer, and nothing has changed
    assert_refused(refused.value, rule="capacity", people=[newcomer])
    assert "capacity" in refused.value.message.lower()
    assert refused.value.details["violations"][0]["overridable"] is True
    assert snapshot(newcomer, *occupants) == before


def test_single_occupancy_cell_is_refused_and_nothing_changes(director, facility, unit):
    solo = CellFactory(unit=unit, number="S-01", beds=2, single_occupancy=True)
    occupant = PrisonerFactory(facility=facility)
    put(occupant, solo, director)
    newcomer = PrisonerFactory(facility=facility)
    before = snapshot(newcomer, occupant)
    with pytest.raises(RuleViolation) as refused:
        put(newcomer, solo, director)
    assert_refused(refused.value, rule="single_occupancy", people=[newcomer, occupant])
    assert snapshot(newcomer, occupant) == before


def test_woman_in_a_mens_cell_is_refused_and_nothing_changes(director, facility, cell):
    # given a man in the cell
    man = PrisonerFactory(facility=facility, sex="M")
    put(man, cell, director)
    woman = PrisonerFactory(facility=facility, sex="F")
    before = snapshot(woman, man)
    # when a woman is placed with him
    with pytest.raises(RuleViolation) as refused:
        put(woman, cell, director)
    # then Mandela Rule 11 refuses, naming both, and nothing has changed
    assert_refused(refused.value, rule=rules.RULE_11, people=[woman, man])
    assert "11(a)" in refused.value.message
    assert snapshot(woman, man) == before


def test_remand_in_a_convicted_unit_is_refused_unless_the_unit_is_mixed(director, facility,
                                                                        unit, cell):
    # given a convicted man in one cell of the unit
    convicted = PrisonerFactory(facility=facility, legal_status="convicted")
    put(convicted, cell, director)
    other_cell = CellFactory(unit=unit, number="A-02", landing="2")
    remand = PrisonerFactory(facility=facility, legal_status="remand")
    before = snapshot(remand, convicted)
    # when a remand prisoner is placed in another cell of the same unit
    with pytest.raises(RuleViolation) as refused:
        put(remand, other_cell, director)
    # then Rule 11(b) refuses and nothing has changed
    assert_refused(refused.value, rule=rules.RULE_11, people=[remand, convicted])
    assert "11(b)" in refused.value.message
    assert snapshot(remand, convicted) == before
    # and once the unit is configured to hold both, the placement is allowed
    unit.mixed_legal_status = True
    unit.save()
    put(remand, other_cell, director)
    remand.refresh_from_db()
    assert remand.current_cell == other_cell


def test_man_in_a_womens_facility_is_refused(director):
    women = FacilityFactory(population_served="women")
    director_there = user_with_role(Role.DIRECTOR, women)
    cell = CellFactory(unit=UnitFactory(facility=women))
    man = PrisonerFactory(facility=women, sex="M")
    before = snapshot(man)
    with pytest.raises(RuleViolation) as refused:
        put(man, cell, director_there)
    assert_refused(refused.value, rule=rules.RULE_11, people=[man])
    assert snapshot(man) == before


@pytest.mark.parametrize(("day", "allowed"), [
    (date(2018, 6, 14), False),  # the day before the 18th birthday
    (date(2018, 6, 15), True),  # the 18th birthday
])
def test_juvenile_with_adult_until_the_18th_birthday(director, facility, cell, day, allowed):
    # given an adult in the cell since 2017 and a youth born on 15 June 2000
    admitted = datetime(2017, 1, 1, tzinfo=UTC)
    adult = PrisonerFactory(facility=facility, date_of_birth=date(1980, 1, 1),
                            admitted_at=admitted)
    put(adult, cell, director, at=admitted)
    youth = PrisonerFactory(facility=facility, date_of_birth=date(2000, 6, 15),
                            admitted_at=admitted)
    before = snapshot(youth, adult)
    when = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    # when the youth is placed with the adult on `day`
    if allowed:
        put(youth, cell, director, at=when)
        youth.refresh_from_db()
        assert youth.current_cell == cell
    else:
        # then before the 18th birthday Rule 11(d) refuses and nothing changes
        with pytest.raises(RuleViolation) as refused:
            put(youth, cell, director, at=when)
        assert_refused(refused.value, rule=rules.RULE_11, people=[youth, adult])
        assert "11(d)" in refused.value.message
        assert snapshot(youth, adult) == before


@pytest.mark.parametrize("level", ["cell", "landing", "unit"])
def test_keep_apart_order_refuses_and_nothing_changes(director, facility, unit, cell, level):
    # given two co-defendants under a keep-apart order, one of them in the cell
    a = PrisonerFactory(facility=facility)
    b = PrisonerFactory(facility=facility)
    put(a, cell, director)
    services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                               reason="co_defendants", level=level)
    before = snapshot(a, b)
    # when the other is placed in the same cell (which every level forbids)
    with pytest.raises(RuleViolation) as refused:
        put(b, cell, director)
    # then the order refuses, naming both, and nothing has changed
    assert_refused(refused.value, rule="keep_apart", people=[b, a])
    assert a.prison_number in refused.value.message
    assert b.prison_number in refused.value.message
    assert snapshot(a, b) == before


def test_keep_apart_at_landing_level_allows_another_landing(director, facility, unit, cell):
    a = PrisonerFactory(facility=facility)
    b = PrisonerFactory(facility=facility)
    put(a, cell, director)
    services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                               reason="rivals", level="landing")
    same_landing = CellFactory(unit=unit, number="A-02", landing=cell.landing)
    other_landing = CellFactory(unit=unit, number="B-01", landing="2")
    with pytest.raises(RuleViolation):
        put(b, same_landing, director)
    put(b, other_landing, director)
    b.refresh_from_db()
    assert b.current_cell == other_landing


def test_expired_keep_apart_does_not_block(director, facility, cell):
    # given a keep-apart order that expired yesterday
    a = PrisonerFactory(facility=facility)
    b = PrisonerFactory(facility=facility)
    put(a, cell, director)
    KeepApart.objects.create(prisoner_a=a, prisoner_b=b, reason="co_defendants", level="cell",
                             expires_on=timezone.localdate() - timedelta(days=1))
    # when the other is placed in the same cell
    put(b, cell, director)
    # then the placement goes ahead
    b.refresh_from_db()
    assert b.current_cell == cell


def test_keep_apart_expiring_today_still_blocks(director, facility, cell):
    a = PrisonerFactory(facility=facility)
    b = PrisonerFactory(facility=facility)
    put(a, cell, director)
    services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                               reason="co_defendants", level="cell",
                               expires_on=timezone.localdate())
    before = snapshot(a, b)
    with pytest.raises(RuleViolation):
        put(b, cell, director)
    assert snapshot(a, b) == before


def test_closed_keep_apart_does_not_block(director, facility, cell):
    # given a keep-apart order that has been closed
    a = PrisonerFactory(facility=facility)
    b = PrisonerFactory(facility=facility)
    put(a, cell, director)
    order = services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                                       reason="co_defendants", level="cell")
    services.keep_apart_close(acting_user=director, order=order, reason="trial concluded",
                              expected_version=order.version)
    # when the other is placed in the same cell
    put(b, cell, director)
    # then the placement goes ahead
    b.refresh_from_db()
    assert b.current_cell == cell


# --- overcrowding override -------------------------------------------------------------------


def fill(cell, facility, by) -> list[Prisoner]:
    occupants = [PrisonerFactory(facility=facility) for _ in range(cell.beds)]
    for occupant in occupants:
        put(occupant, cell, by)
    return occupants


def test_director_may_override_capacity_with_a_reason(director, facility, cell):
    # given a full cell
    fill(cell, facility, director)
    newcomer = PrisonerFactory(facility=facility)
    # when the director places one more, with a recorded reason
    placement = put(newcomer, cell, director, overcrowding_override=True,
                    override_reason="  no other cell after the riot  ")
    # then the placement is made, flagged and audited as an override
    newcomer.refresh_from_db()
    assert newcomer.current_cell == cell
    assert placement.overcrowding_override is True
    assert placement.override_reason == "no other cell after the riot"
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "placement.override"
    assert entry.object_id == str(placement.pk)
    assert entry.changes["override_reason"] == "no other cell after the riot"


def test_override_not_needed_is_not_flagged(director, facility, cell):
    # given a cell with room
    newcomer = PrisonerFactory(facility=facility)
    # when the director ticks the override anyway
    placement = put(newcomer, cell, director, overcrowding_override=True,
                    override_reason="just in case")
    # then it is an ordinary placement
    assert placement.overcrowding_override is False
    assert placement.override_reason == ""
    assert AuditEntry.objects.order_by("-id").first().action == "placement.create"


def test_override_does_not_lift_other_rules(director, facility, cell):
    # given a full cell of men
    fill(cell, facility, director)
    woman = PrisonerFactory(facility=facility, sex="F")
    before = snapshot(woman)
    # when the director overrides capacity to place a woman there
    with pytest.raises(RuleViolation) as refused:
        put(woman, cell, director, overcrowding_override=True, override_reason="emergency")
    # then Rule 11 still refuses
    assert refused.value.rule == rules.RULE_11
    assert snapshot(woman) == before


def test_security_officer_may_not_override_capacity(security, facility, cell):
    occupants = fill(cell, facility, security)
    newcomer = PrisonerFactory(facility=facility)
    before = snapshot(newcomer, *occupants)
    with pytest.raises(AccessDenied) as denied:
        put(newcomer, cell, security, overcrowding_override=True, override_reason="emergency")
    assert denied.value.permission == "custody.override_capacity"
    assert snapshot(newcomer, *occupants) == before


def test_override_without_a_reason_is_refused(director, facility, cell):
    occupants = fill(cell, facility, director)
    newcomer = PrisonerFactory(facility=facility)
    before = snapshot(newcomer, *occupants)
    with pytest.raises(InvalidInput) as refused:
        put(newcomer, cell, director, overcrowding_override=True, override_reason="  ")
    assert refused.value.field == "override_reason"
    assert snapshot(newcomer, *occupants) == before


# --- versions, status and scope --------------------------------------------------------------


def test_stale_version_is_refused_and_nothing_changes(director, security, facility, cell):
    # given a director who read the prisoner at version 1
    prisoner = PrisonerFactory(facility=facility)
    seen = prisoner.version
    # and a security officer who has since changed the file
    services.prisoner_update(acting_user=security, prisoner=Prisoner.objects.get(pk=prisoner.pk),
                             expected_version=seen, changes={"languages": "bm,fr"})
    before = snapshot(prisoner)
    # when the director places the prisoner from the version they saw
    with pytest.raises(ConcurrentEdit) as conflict:
        put(prisoner, cell, director, expected_version=seen)
    # then it is refused as a conflict and nothing has changed
    assert conflict.value.status == 409
    assert conflict.value.details["current_version"] == seen + 1
    assert snapshot(prisoner) == before


def test_current_version_is_accepted(director, facility, cell):
    prisoner = PrisonerFactory(facility=facility)
    put(prisoner, cell, director, expected_version=prisoner.version)
    prisoner.refresh_from_db()
    assert prisoner.current_cell == cell


def test_released_prisoner_cannot_be_placed(director, facility, cell):
    # given a released prisoner
    prisoner = PrisonerFactory(facility=facility)
    services.prisoner_release(acting_user=director, prisoner=prisoner,
                              released_at=timezone.now(), reason="end of sentence",
                              expected_version=None)
    before = snapshot(prisoner)
    # when someone tries to place them
    with pytest.raises(InvalidInput) as refused:
        put(prisoner, cell, director)
    # then it is refused and nothing has changed
    assert refused.value.field == "prisoner"
    assert snapshot(prisoner) == before


def test_released_cellmate_does_not_count(director, facility, cell):
    occupants = fill(cell, facility, director)
    services.prisoner_release(acting_user=director, prisoner=occupants[0],
                              released_at=timezone.now(), reason="bail", expected_version=None)
    newcomer = PrisonerFactory(facility=facility)
    put(newcomer, cell, director)
    newcomer.refresh_from_db()
    assert newcomer.current_cell == cell


def test_user_of_another_facility_is_refused(facility, cell):
    # given a director whose role is in another facility only
    elsewhere = FacilityFactory()
    outsider = user_with_role(Role.DIRECTOR, elsewhere)
    prisoner = PrisonerFactory(facility=facility)
    before = snapshot(prisoner)
    # when they try to place a prisoner of this facility
    with pytest.raises(AccessDenied):
        put(prisoner, cell, outsider)
    # then nothing has changed
    assert snapshot(prisoner) == before


def test_cannot_move_own_prisoner_into_a_facility_outside_ones_scope(director, facility, cell):
    prisoner = PrisonerFactory(facility=facility)
    foreign_cell = CellFactory(unit=UnitFactory(facility=FacilityFactory()))
    before = snapshot(prisoner)
    with pytest.raises(AccessDenied):
        put(prisoner, foreign_cell, director)
    assert snapshot(prisoner) == before


@pytest.mark.parametrize("role", [Role.ANALYST, Role.CASE_MANAGER, Role.PARTNER])
def test_roles_without_placement_permission_are_refused(persona, facility, cell, role):
    prisoner = PrisonerFactory(facility=facility)
    before = snapshot(prisoner)
    with pytest.raises(AccessDenied):
        put(prisoner, cell, persona(role))
    assert snapshot(prisoner) == before
