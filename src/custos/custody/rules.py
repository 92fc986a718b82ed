"""Placement rules, as pure functions over plain facts. Each cites its source.

The services gather the facts (who is in the cell, the unit, the landing; which keep-apart
orders are in force) and call `placement_violations`; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Person:
    id: int
    label: str  # prison number and name, as shown to staff
    sex: str  # "F" / "M"
    juvenile: bool
    legal_status: str  # "remand" / "convicted"


@dataclass(frozen=True)
class Place:
    cell_id: int
    cell_label: str
    beds: int
    single_occupancy: bool
    landing: str
    unit_id: int
    unit_label: str
    unit_regime: str
    mixed_sex: bool
    mixed_age: bool
    mixed_legal_status: bool
    population_served: str  # of the facility


@dataclass(frozen=True)
class Located:
    """Where another person is now: their cell, landing and unit."""

    person: Person
    cell_id: int
    landing: str
    unit_id: int


@dataclass(frozen=True)
class KeepApartOrder:
    other: Located
    level: str  # "cell" / "landing" / "unit"
    reason: str


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    people: tuple[str, ...] = field(default=())
    overridable: bool = False


RULE_11 = "Mandela Rule 11"


def _separation_checks(prisoner: Person, others: Iterable[Located],
                       place: Place) -> list[Violation]:
    """Mandela Rule 11: women and men, juveniles and adults, remand and convicted apart.

    Never in one cell; never in one unit unless the unit is configured as mixed for that
    distinction.
    """
    distinctions = (
        ("sex", lambda p: p.sex, place.mixed_sex,
         _("Mandela Rule 11(a): women and men are held apart")),
        ("age", lambda p: p.juvenile, place.mixed_age,
         _("Mandela Rule 11(d): juveniles are held apart from adults")),
        ("legal", lambda p: p.legal_status, place.mixed_legal_status,
         _("Mandela Rule 11(b): remand prisoners are held apart from convicted prisoners")),
    )
    found = []
    for _name, attribute, unit_mixed, text in distinctions:
        mine = attribute(prisoner)
        in_cell = [o.person.label for o in others if o.cell_id == place.cell_id
                   and attribute(o.person) != mine]
        in_unit = [o.person.label for o in others if o.unit_id == place.unit_id
                   and attribute(o.person) != mine]
        if in_cell:
            found.append(Violation(RULE_11, _("%(rule)s — not in the same cell (%(cell)s).")
                                   % {"rule": text, "cell": place.cell_label},
                                   (prisoner.label, *in_cell)))
        elif in_unit and not unit_mixed:
            found.append(Violation(RULE_11, _(
                "%(rule)s — unit %(unit)s is not configured to hold both.")
                % {"rule": text, "unit": place.unit_label}, (prisoner.label, *in_unit[:5])))
    return found


def _population_checks(prisoner: Person, place: Place) -> list[Violation]:
    """Mandela Rule 11: a facility or unit set aside for women or juveniles holds only them."""
    found = []
    served = place.population_served
    if (served == "men" and prisoner.sex == "F") or (served == "women" and prisoner.sex == "M"):
        found.append(Violation(RULE_11, _(
            "Mandela Rule 11(a): this facility holds only women.") if served == "women" else _(
            "Mandela Rule 11(a): this facility holds only men."), (prisoner.label,)))
    if served == "juveniles" and not prisoner.juvenile:
        found.append(Violation(RULE_11, _(
            "Mandela Rule 11(d): this facility holds only juveniles."), (prisoner.label,)))
    if place.unit_regime == "women" and prisoner.sex != "F":
        found.append(Violation(RULE_11, _(
            "Mandela Rule 11(a): unit %(unit)s is a women's unit.") % {"unit": place.unit_label},
            (prisoner.label,)))
    if place.unit_regime == "juveniles" and not prisoner.juvenile and not place.mixed_age:
        found.append(Violation(RULE_11, _(
            "Mandela Rule 11(d): unit %(unit)s is a juvenile unit.") % {"unit": place.unit_label},
            (prisoner.label,)))
    if place.unit_regime == "remand" and prisoner.legal_status != "remand" \
            and not place.mixed_legal_status:
        found.append(Violation(RULE_11, _(
            "Mandela Rule 11(b): unit %(unit)s is a remand unit.") % {"unit": place.unit_label},
            (prisoner.label,)))
    return found


def _cell_checks(prisoner: Person, cellmates: list[Located], place: Place) -> list[Violation]:
    """Single-occupancy cells hold one person; capacity needs a director's recorded override."""
    if place.single_occupancy and cellmates:
        return [Violation("single_occupancy", _(
            "Cell %(cell)s is for single occupancy and already holds someone.")
            % {"cell": place.cell_label},
            (prisoner.label, *(o.person.label for o in cellmates)))]
    if len(cellmates) >= place.beds:
        return [Violation("capacity", _(
            "Cell capacity: cell %(cell)s has %(beds)d bed(s) and %(count)d occupant(s). "
            "Only a director may place beyond capacity, with a recorded reason.")
            % {"cell": place.cell_label, "beds": place.beds, "count": len(cellmates)},
            (prisoner.label,), overridable=True)]
    return []


def _level_name(level: str) -> str:
    return {"cell": _("cell"), "landing": _("landing"), "unit": _("unit")}[level]


def _keep_apart_checks(prisoner: Person, place: Place,
                       orders: Iterable[KeepApartOrder]) -> list[Violation]:
    """Keep-apart (non-association) orders: never share what the order's level forbids."""
    found = []
    for order in orders:
        other = order.other
        shares = {
            "cell": other.cell_id == place.cell_id,
            "landing": other.unit_id == place.unit_id and other.landing == place.landing,
            "unit": other.unit_id == place.unit_id,
        }[order.level]
        if shares:
            found.append(Violation("keep_apart", _(
                "Keep-apart order (%(reason)s): %(a)s and %(b)s may not share the same %(level)s.")
                % {"reason": order.reason, "a": prisoner.label, "b": other.person.label,
                   "level": _level_name(order.level)},
                (prisoner.label, other.person.label)))
    return found


def placement_violations(
    *,
    prisoner: Person,
    place: Place,
    others_in_unit: list[Located],
    keep_aparts: Iterable[KeepApartOrder] = (),
) -> list[Violation]:
    """Every rule the placement of `prisoner` in `place` would break (empty: allowed).

    `others_in_unit` are the people now in the target unit, the prisoner excluded.
    """
    cellmates = [o for o in others_in_unit if o.cell_id == place.cell_id]
    return [
        *_population_checks(prisoner, place),
        *_cell_checks(prisoner, cellmates, place),
        *_separation_checks(prisoner, others_in_unit, place),
        *_keep_apart_checks(prisoner, place, keep_aparts),
    ]
