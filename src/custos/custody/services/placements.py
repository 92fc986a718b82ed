"""Placing and moving prisoners, with every placement rule enforced."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.concurrency import save_versioned
from custos.core.errors import InvalidInput, RuleViolation

from .. import rules
from ..models import (
    Cell,
    CustodyStatus,
    KeepApart,
    Placement,
    Prisoner,
)

# --- facts for the placement rules ---------------------------------------------------------


def person_fact(prisoner: Prisoner, on: date) -> rules.Person:
    return rules.Person(
        id=prisoner.pk,
        label=f"{prisoner.prison_number} {prisoner.display_name}",
        sex=prisoner.sex,
        juvenile=prisoner.is_juvenile(on),
        legal_status=prisoner.legal_status,
    )


def place_fact(cell: Cell) -> rules.Place:
    unit = cell.unit
    return rules.Place(
        cell_id=cell.pk, cell_label=str(cell), beds=cell.beds,
        single_occupancy=cell.single_occupancy, landing=cell.landing, unit_id=unit.pk,
        unit_label=str(unit), unit_regime=unit.regime, mixed_sex=unit.mixed_sex,
        mixed_age=unit.mixed_age, mixed_legal_status=unit.mixed_legal_status,
        population_served=unit.facility.population_served,
    )


def _located(prisoners: Iterable[Prisoner], on: date) -> list[rules.Located]:
    return [
        rules.Located(person=person_fact(p, on), cell_id=p.current_cell_id,
                      landing=p.current_cell.landing, unit_id=p.current_cell.unit_id)
        for p in prisoners if p.current_cell_id
    ]


def active_keep_aparts(prisoner: Prisoner, on: date):
    return KeepApart.objects.filter(
        Q(prisoner_a=prisoner) | Q(prisoner_b=prisoner), closed_at__isnull=True
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))


def placement_check(*, prisoner: Prisoner, cell: Cell, on: date | None = None,
                    legal_status: str | None = None) -> list[rules.Violation]:
    """Every rule that placing `prisoner` in `cell` would break, from the current state.

    `legal_status` judges the prisoner under a status not yet saved (a change of status).
    """
    on = on or timezone.localdate()
    cell = Cell.objects.select_related("unit__facility").get(pk=cell.pk)
    others = (
        Prisoner.objects.filter(current_cell__unit_id=cell.unit_id, status=CustodyStatus.IN_CUSTODY)
        .exclude(pk=prisoner.pk)
        .select_related("current_cell")
        .only("id", "prison_number", "display_name", "sex", "date_of_birth", "legal_status",
              "current_cell__landing", "current_cell__unit_id")
    )
    orders = []
    for order in active_keep_aparts(prisoner, on):
        other = Prisoner.objects.select_related("current_cell").get(pk=order.other(prisoner.pk))
        if other.status == CustodyStatus.IN_CUSTODY and other.current_cell_id:
            orders.append(rules.KeepApartOrder(
                other=_located([other], on)[0], level=order.level,
                reason=order.get_reason_display()))
    person = person_fact(prisoner, on)
    if legal_status is not None:
        person = dataclasses.replace(person, legal_status=legal_status)
    return rules.placement_violations(
        prisoner=person, place=place_fact(cell),
        others_in_unit=_located(others, on), keep_aparts=orders,
    )


def status_change_check(*, prisoner: Prisoner, legal_status: str,
                        on: date | None = None) -> list[rules.Violation]:
    """What the prisoner's current placement would break under `legal_status` (Mandela Rule
    11(b): remand and convicted prisoners are held apart) that it does not break today.

    Only the breaches the change brings are returned: an overcrowding override or another
    state the placement already had is not the status change's doing.
    """
    if prisoner.status != CustodyStatus.IN_CUSTODY or not prisoner.current_cell_id:
        return []
    cell = Cell(pk=prisoner.current_cell_id)
    today = placement_check(prisoner=prisoner, cell=cell, on=on)
    return [v for v in placement_check(prisoner=prisoner, cell=cell, on=on,
                                       legal_status=legal_status) if v not in today]


def _refuse(violations: list[rules.Violation]) -> None:
    first = violations[0]
    raise RuleViolation(
        " ".join(v.message for v in violations), rule=first.rule, people=first.people,
        details={"violations": [
            {"rule": v.rule, "message": v.message, "people": list(v.people),
             "overridable": v.overridable} for v in violations]},
    )


def end_open_placement(*, prisoner: Prisoner, at: datetime, acting_user, field: str,
                       too_early: str) -> None:
    """Close the prisoner's current placement at `at` (a move or a release), if there is one."""
    current = Placement.objects.filter(prisoner=prisoner, ended_at__isnull=True).first()
    if current is None:
        return
    if at < current.started_at:
        raise InvalidInput(too_early, field=field)
    current.ended_at = at
    current.stamp(acting_user)
    current.save(update_fields=["ended_at", "updated_by", "updated_at"])


# --- placements ----------------------------------------------------------------------------


@transaction.atomic
def placement_create(
    *,
    acting_user,
    prisoner: Prisoner,
    cell: Cell,
    reason: str,
    expected_version: int | None = None,
    overcrowding_override: bool = False,
    override_reason: str = "",
    at: datetime | None = None,
) -> Placement:
    """Place or move a prisoner into a cell, enforcing every placement rule."""
    at = at or timezone.now()
    cell = Cell.objects.select_for_update().select_related("unit__facility").get(pk=cell.pk)
    prisoner = Prisoner.objects.select_for_update().get(pk=prisoner.pk)
    policy.require(acting_user, "custody.place", facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=str(prisoner.pk))
    policy.require(acting_user, "custody.place", facility_id=cell.unit.facility_id)
    if not reason.strip():
        raise InvalidInput(_("Give the reason for this placement."), field="reason")
    if prisoner.status != CustodyStatus.IN_CUSTODY:
        raise InvalidInput(_("%(who)s is not in custody.") % {"who": prisoner}, field="prisoner")
    if prisoner.current_cell_id == cell.pk:
        raise InvalidInput(_("%(who)s is already in cell %(cell)s.")
                           % {"who": prisoner, "cell": cell}, field="cell")
    if at < prisoner.admitted_at:
        raise InvalidInput(_("A placement cannot start before admission."), field="at")

    violations = placement_check(prisoner=prisoner, cell=cell, on=at.date())
    if overcrowding_override:
        policy.require(acting_user, "custody.override_capacity", facility_id=cell.unit.facility_id)
        if not override_reason.strip():
            raise InvalidInput(_("An overcrowding override needs a recorded reason."),
                               field="override_reason")
        overridden = [v for v in violations if v.overridable]
        violations = [v for v in violations if not v.overridable]
        overcrowding_override = bool(overridden)
    if violations:
        _refuse(violations)

    end_open_placement(prisoner=prisoner, at=at, acting_user=acting_user, field="at",
                       too_early=_("A move cannot be dated before the current placement began."))
    placement = Placement(
        prisoner=prisoner, cell=cell, started_at=at, reason=reason.strip(),
        authorised_by=acting_user, overcrowding_override=overcrowding_override,
        override_reason=override_reason.strip() if overcrowding_override else "",
    )
    placement.stamp(acting_user)
    placement.full_clean()
    placement.save()
    from_cell = prisoner.current_cell_id
    prisoner.current_cell = cell
    prisoner.facility_id = cell.unit.facility_id
    save_versioned(prisoner, acting_user=acting_user, expected_version=expected_version,
                   fields=["current_cell", "facility"])
    trail.record(
        acting_user, "placement.override" if overcrowding_override else "placement.create",
        placement, reason=placement.reason,
        changes={"cell": [from_cell, cell.pk], "override_reason": placement.override_reason},
    )
    return placement


# --- many moves at once (an approved housing plan) -------------------------------------------


@transaction.atomic
def placements_apply(
    *,
    acting_user,
    moves: list[tuple[Prisoner, Cell]],
    reason: str,
    overcrowding_reason: str = "",
    at: datetime | None = None,
) -> list[Placement]:
    """Move many prisoners at once, judged by where everyone will be after every move.

    Moves made one by one could be refused half-way (two cellmates swapping cells) or pass
    one by one and break a rule together; so every moved prisoner is checked by the same rules
    as `placement_create` against the final occupants of the cell, landing and unit, and the
    whole batch is refused if any rule breaks. Capacity may be exceeded only with a director's
    recorded `overcrowding_reason`.
    """
    at = at or timezone.now()
    on = at.date()
    if not reason.strip():
        raise InvalidInput(_("Give the reason for this placement."), field="reason")
    target = {prisoner.pk: cell.pk for prisoner, cell in moves}
    if len(target) != len(moves):
        raise InvalidInput(_("A prisoner can be moved only once in a batch."), field="moves")
    if not moves:
        return []
    people = {p.pk: p for p in Prisoner.objects.select_for_update().filter(pk__in=target)}
    cells = {c.pk: c for c in Cell.objects.select_related("unit__facility")
             .filter(pk__in=set(target.values()))}
    for facility_id in ({p.facility_id for p in people.values()}
                        | {c.unit.facility_id for c in cells.values()}):
        policy.require(acting_user, "custody.place", facility_id=facility_id)
    for prisoner_id in target:
        prisoner = people[prisoner_id]
        if prisoner.status != CustodyStatus.IN_CUSTODY:
            raise InvalidInput(_("%(who)s is not in custody.") % {"who": prisoner},
                               field="prisoner")
        if prisoner.current_cell_id == target[prisoner_id]:
            raise InvalidInput(_("%(who)s is already in cell %(cell)s.")
                               % {"who": prisoner, "cell": cells[target[prisoner_id]]},
                               field="cell")
    overriding = bool(overcrowding_reason.strip())
    if overriding:
        for facility_id in {c.unit.facility_id for c in cells.values()}:
            policy.require(acting_user, "custody.override_capacity", facility_id=facility_id)

    violations = _final_state_violations(people, cells, target, on)
    overridden = {v for v in violations if v.overridable} if overriding else set()
    refused = [v for v in violations if v not in overridden]
    if refused:
        _refuse(refused)
    crowded = {label for v in overridden for label in v.people}

    open_placements = Placement.objects.filter(prisoner_id__in=target, ended_at__isnull=True)
    if open_placements.filter(started_at__gt=at).exists():
        raise InvalidInput(_("A move cannot be dated before the current placement began."),
                           field="at")
    open_placements.update(ended_at=at, updated_by=acting_user, updated_at=timezone.now())
    created = []
    for prisoner_id, cell_id in target.items():
        prisoner, cell = people[prisoner_id], cells[cell_id]
        override = person_fact(prisoner, on).label in crowded
        placement = Placement(
            prisoner=prisoner, cell=cell, started_at=at, reason=reason.strip(),
            authorised_by=acting_user, overcrowding_override=override,
            override_reason=overcrowding_reason.strip() if override else "")
        placement.stamp(acting_user)
        placement.save()
        from_cell = prisoner.current_cell_id
        prisoner.current_cell = cell
        prisoner.facility_id = cell.unit.facility_id
        save_versioned(prisoner, acting_user=acting_user, expected_version=None,
                       fields=["current_cell", "facility"])
        trail.record(acting_user, "placement.override" if override else "placement.create",
                     placement, reason=placement.reason,
                     changes={"cell": [from_cell, cell.pk],
                              "override_reason": placement.override_reason, "batch": True})
        created.append(placement)
    return created


def _final_state_violations(people: dict[int, Prisoner], cells: dict[int, Cell],
                            target: dict[int, int], on: date) -> list[rules.Violation]:
    """What each moved prisoner would break among the people around them after every move."""
    units = {c.unit_id for c in cells.values()}
    staying = (Prisoner.objects.filter(current_cell__unit_id__in=units,
                                       status=CustodyStatus.IN_CUSTODY)
               .exclude(pk__in=target).select_related("current_cell"))
    final_in_unit: dict[int, list[rules.Located]] = {}
    for located in _located(staying, on):
        final_in_unit.setdefault(located.unit_id, []).append(located)
    moved_located = {}
    for prisoner_id, cell_id in target.items():
        cell = cells[cell_id]
        located = rules.Located(person=person_fact(people[prisoner_id], on), cell_id=cell.pk,
                                landing=cell.landing, unit_id=cell.unit_id)
        moved_located[prisoner_id] = located
        final_in_unit.setdefault(cell.unit_id, []).append(located)

    orders = list(KeepApart.objects.filter(Q(prisoner_a_id__in=target)
                                           | Q(prisoner_b_id__in=target),
                                           closed_at__isnull=True)
                  .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on)))
    others_ids = {o.prisoner_a_id for o in orders} | {o.prisoner_b_id for o in orders}
    others = {p.pk: p for p in Prisoner.objects.filter(
        pk__in=others_ids - set(target), status=CustodyStatus.IN_CUSTODY,
        current_cell__isnull=False).select_related("current_cell")}
    where = {located.person.id: located for located in _located(others.values(), on)}
    where.update(moved_located)

    found: list[rules.Violation] = []
    for prisoner_id, cell_id in target.items():
        me = moved_located[prisoner_id]
        keep_aparts = [
            rules.KeepApartOrder(other=where[order.other(prisoner_id)], level=order.level,
                                 reason=order.get_reason_display())
            for order in orders
            if order.other(prisoner_id) in where
            # an order between two moved prisoners is judged once, from the first's side
            and not (order.other(prisoner_id) in target and order.other(prisoner_id) < prisoner_id)
        ]
        for violation in rules.placement_violations(
                prisoner=me.person, place=place_fact(cells[cell_id]),
                others_in_unit=[o for o in final_in_unit[cells[cell_id].unit_id]
                                if o.person.id != prisoner_id],
                keep_aparts=keep_aparts):
            if violation not in found:
                found.append(violation)
    return found
