"""Why each prisoner is where a plan puts him, and what a plan's conflicts mean, in words.

Reasons and conflicts are codes with parameters (`{"code": ..., "params": {...}}`) so a plan
stored in one language reads in another: `reason_text` and `conflict_text` turn them into full
sentences through gettext at the moment they are shown. An :class:`Explainer` reads the
problem and the placement once, so explaining 2,000 prisoners costs one pass over each, not
one per prisoner.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .evaluate import Placement, by_cell, distance_km, unit_of
from .problem import (
    ACCESSIBLE,
    REGIME,
    RULE_11,
    SECURITY,
    Prisoner,
    Problem,
    cell_refusal,
    haversine_km,
    regime_group,
    regime_refusal,
    unit_refusal,
)


class Explainer:
    """The reasons of every prisoner of one plan, from facts gathered once."""

    def __init__(self, problem: Problem, placement: Placement):
        self.problem = problem
        self.placement = placement
        self.cells = by_cell(problem)
        self.occupants: dict[int, list[Prisoner]] = defaultdict(list)  # place -> people
        self.unit_people: dict[int, list[Prisoner]] = defaultdict(list)
        for prisoner in problem.prisoners:
            place = placement.get(prisoner.id)
            if place is not None:
                self.occupants[place].append(prisoner)
                self.unit_people[unit_of(problem, place)].append(prisoner)
        self.unit_sums = {u: (sum(p.influence for p in people),
                              sum(p.vulnerability for p in people))
                          for u, people in self.unit_people.items()}
        self.group_count = {u: Counter(regime_group(problem, p) for p in people)
                            for u, people in self.unit_people.items()}
        self._eligibility: dict[tuple, dict] = {}

    # --- places -------------------------------------------------------------------------

    def label(self, place: int | None) -> str:
        if place is None:
            return ""
        if self.cells:
            cell = self.problem.cell_by_id.get(place)
            if cell is None:
                return ""
            unit = self.problem.unit_by_id.get(cell.unit_id)
            if unit is None or cell.label.startswith(unit.label):
                return cell.label  # custody's labels already name the unit: "BKO/A/A-01"
            return f"{unit.label} · {cell.label}"
        unit = self.problem.unit_by_id.get(place)
        return unit.label if unit else ""

    def eligibility(self, prisoner: Prisoner) -> dict:
        """Units and cells he may occupy, and how many units each rule excludes."""
        group = regime_group(self.problem, prisoner)
        key = (prisoner.kind, prisoner.regime, group, prisoner.needs_accessible_cell)
        found = self._eligibility.get(key)
        if found is None:
            refused: Counter = Counter()
            units = []
            for unit in self.problem.units:
                why = unit_refusal(prisoner, unit) or regime_refusal(self.problem, prisoner, unit)
                if why:
                    refused[why] += 1
                else:
                    units.append(unit.id)
            cells = [c for u in units for c in self.problem.cells_of_unit[u]]
            fitting = [c for c in cells if cell_refusal(prisoner, c) is None]
            found = {"units": units, "refused": refused, "cells": len(fitting),
                     "inaccessible": len(cells) - len(fitting)}
            self._eligibility[key] = found
        return found

    # --- reasons --------------------------------------------------------------------------

    def reasons(self, prisoner: Prisoner) -> list[dict]:
        problem = self.problem
        place = self.placement.get(prisoner.id)
        found: list[dict] = []
        current = prisoner.current_cell if self.cells else prisoner.current_unit
        if place is None:
            found.append(_reason("not_placed"))
        elif not prisoner.movable:
            found.append(_reason("not_in_plan", place=self.label(place)))
        elif current == place:
            found.append(_reason("stays", place=self.label(place)))
        elif current is None or not self.label(current):
            found.append(_reason("admitted", to=self.label(place)))
        else:
            found.append(_reason("moves", **{"from": self.label(current),
                                             "to": self.label(place)}))

        allowed = self.eligibility(prisoner)
        params = {"units": len(allowed["units"]), "units_total": len(problem.units)}
        if self.cells:
            params.update(cells=allowed["cells"], cells_total=len(problem.cells))
            found.append(_reason("eligible", **params))
        else:
            found.append(_reason("eligible_units", **params))
        refused = allowed["refused"]
        if refused[RULE_11]:
            found.append(_reason("excluded_rule_11", units=refused[RULE_11], sex=prisoner.sex,
                                 juvenile=prisoner.juvenile,
                                 legal_status=prisoner.legal_status))
        if refused[SECURITY]:
            found.append(_reason("excluded_security", units=refused[SECURITY],
                                 category=prisoner.category, regime=prisoner.regime))
        if refused[REGIME]:
            found.append(_reason("excluded_regime", units=refused[REGIME],
                                 regime=problem.options.regime,
                                 designated=regime_group(problem, prisoner) == "designated"))
        found.extend(self._regime(prisoner, place))
        if prisoner.needs_single_cell:
            found.append(_reason("single_cell"))
        if prisoner.needs_accessible_cell and self.cells:
            found.append(_reason(ACCESSIBLE, cells=allowed["cells"],
                                 excluded=allowed["inaccessible"]))
        for order in problem.keep_aparts_of(prisoner.id):
            other_id = order.b if order.a == prisoner.id else order.a
            other = problem.prisoner_by_id.get(other_id)
            found.append(_reason("keep_apart", name=other.label if other else str(other_id),
                                 level=order.level,
                                 where=self.label(self.placement.get(other_id))))
        if place is not None:
            found.extend(self._exposure(prisoner, place))
        if place is not None and not self.cells:
            found.extend(self._family(prisoner, place))
        if prisoner.score_source:
            found.append(_reason("scores", influence=prisoner.influence,
                                 vulnerability=prisoner.vulnerability,
                                 source=prisoner.score_source))
        else:
            found.append(_reason("no_scores"))
        return found

    def _regime(self, prisoner: Prisoner, place: int | None) -> list[dict]:
        group = regime_group(self.problem, prisoner)
        if not group or place is None:
            return []
        unit_id = unit_of(self.problem, place)
        unit = self.problem.unit_by_id[unit_id]
        regime = self.problem.options.regime
        if group == "designated":
            labels = [self.problem.unit_by_id[u].label for u in sorted(self.problem.designated)
                      if u in self.problem.unit_by_id]
            return [_reason("regime_designated", regime=regime, unit=unit.label, units=labels)]
        count = self.group_count[unit_id][group]
        if group == "dispersed":
            return [_reason("regime_dispersed", regime=regime, unit=unit.label, count=count,
                            limit=self.problem.options.dispersal_limit)]
        return [_reason("regime_apart", unit=unit.label, count=count)]

    def _family(self, prisoner: Prisoner, unit_id: int) -> list[dict]:
        """A national plan: how far the family lives from the planned facility, and from the
        facility he is in now (None where a home or a facility has no coordinates)."""
        km = distance_km(self.problem, prisoner, unit_id)
        if km is None:
            return []
        facility = self.problem.facility_by_id[self.problem.unit_by_id[unit_id].facility_id]
        current = self.problem.facility_by_id.get(prisoner.current_facility)
        now = None
        if current is not None and current.id != facility.id and current.latitude is not None:
            now = haversine_km(prisoner.home, (current.latitude, current.longitude))
        return [_reason("family_distance", km=round(km), facility=facility.code,
                        current_km=None if now is None else round(now),
                        current=current.code if current is not None else "")]

    def _exposure(self, prisoner: Prisoner, place: int) -> list[dict]:
        found = []
        if self.cells:
            others = [p for p in self.occupants[place] if p.id != prisoner.id]
            if others:
                found.append(_reason(
                    "cellmates", count=len(others), names=[p.label for p in others],
                    exposure=_pairs(prisoner, sum(p.influence for p in others),
                                    sum(p.vulnerability for p in others))))
            else:
                found.append(_reason("alone"))
        unit_id = unit_of(self.problem, place)
        influence, vulnerability = self.unit_sums[unit_id]
        found.append(_reason(
            "unit_exposure", unit=self.problem.unit_by_id[unit_id].label,
            people=len(self.unit_people[unit_id]) - 1,
            exposure=_pairs(prisoner, influence - prisoner.influence,
                            vulnerability - prisoner.vulnerability)))
        return found


def reasons(problem: Problem, placement: Placement, prisoner: Prisoner) -> list[dict]:
    """Why `prisoner` is where `placement` puts him (build an Explainer to explain many)."""
    return Explainer(problem, placement).reasons(prisoner)


def _reason(code: str, **params) -> dict:
    return {"code": code, "params": params}


def _pairs(prisoner: Prisoner, others_influence: int, others_vulnerability: int) -> int:
    """His influence on the others plus theirs on him (the pairs of exposure he is part of)."""
    return prisoner.influence * others_vulnerability + others_influence * prisoner.vulnerability


# --------------------------------------------------------------------------------- words

def _names(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _group(sex: str, juvenile: bool, legal_status: str) -> str:
    """A Rule 11 group as words: "adult men, convicted"."""
    if juvenile:
        people = _("girls") if sex == "F" else _("boys")
    else:
        people = _("women") if sex == "F" else _("men")
    status = _("on remand") if legal_status == "remand" else _("convicted")
    return _("%(people)s, %(status)s") % {"people": people, "status": status}


def _level(level: str) -> str:
    return {"cell": _("cell"), "landing": _("landing"), "unit": _("unit")}.get(level, level)


def regime_name(regime: str) -> str:
    return {"none": _("no regime"), "concentration": _("concentration"),
            "dispersal": _("dispersal"), "separation": _("separation"),
            "hybrid": _("hybrid")}.get(regime, regime)


def _classification(regime: str) -> str:
    return {"general": _("general"), "high_security": _("high security"),
            "separation": _("separation")}.get(regime, regime)


def reason_text(reason: dict) -> str:
    """One reason as a full sentence in the active language."""
    code, p = reason.get("code", ""), dict(reason.get("params") or {})
    if code == "not_placed":
        return _("No place keeps every hard rule: left unplaced.")
    if code == "not_in_plan":
        return _("Not part of this plan: stays in %(place)s.") % p
    if code == "stays":
        return _("Stays in %(place)s.") % p
    if code == "admitted":
        return _("Housed in %(to)s (no current cell).") % p
    if code == "moves":
        return _("Moves from %(from)s to %(to)s.") % p
    if code == "eligible":
        return _("May occupy %(cells)d of the %(cells_total)d cells, in %(units)d of the "
                 "%(units_total)d units.") % p
    if code == "eligible_units":
        return _("May be held in %(units)d of the %(units_total)d units.") % p
    if code == "excluded_rule_11":
        return ngettext(
            "Mandela Rule 11 sets %(units)d unit apart: held only with %(group)s.",
            "Mandela Rule 11 sets %(units)d units apart: held only with %(group)s.",
            p["units"]) % {"units": p["units"], "group": _group(
                p.get("sex", ""), p.get("juvenile", False), p.get("legal_status", ""))}
    if code == "excluded_security":
        values = {"units": p["units"], "regime": _classification(p.get("regime", "")),
                  "category": p.get("category") or "—"}
        return ngettext(
            "The security classification (category %(category)s, %(regime)s regime) excludes "
            "%(units)d unit.",
            "The security classification (category %(category)s, %(regime)s regime) excludes "
            "%(units)d units.", p["units"]) % values
    if code == "excluded_regime":
        values = {"units": p["units"], "regime": regime_name(p.get("regime", ""))}
        if p.get("designated"):
            return ngettext(
                "The %(regime)s regime sends this prisoner to a designated unit: %(units)d "
                "other unit is excluded.",
                "The %(regime)s regime sends this prisoner to a designated unit: %(units)d "
                "other units are excluded.", p["units"]) % values
        return ngettext(
            "Under the %(regime)s regime %(units)d designated unit is kept for others.",
            "Under the %(regime)s regime %(units)d designated units are kept for others.",
            p["units"]) % values
    if code == "regime_designated":
        return _("The %(regime)s regime holds this prisoner in a designated unit "
                 "(%(units)s); the plan uses %(unit)s.") % {
            "regime": regime_name(p.get("regime", "")), "units": _names(p.get("units", [])),
            "unit": p.get("unit", "")}
    if code == "regime_dispersed":
        return ngettext(
            "Under the %(regime)s regime at most %(limit)d terrorism-related prisoners share a "
            "unit; %(unit)s holds %(count)d of them.",
            "Under the %(regime)s regime at most %(limit)d terrorism-related prisoners share a "
            "unit; %(unit)s holds %(count)d of them.", p["count"]) % {
            **p, "regime": regime_name(p.get("regime", ""))}
    if code == "regime_apart":
        return ngettext(
            "Under the separation regime terrorism-related prisoners have units of their own; "
            "%(unit)s holds %(count)d of them and nobody else.",
            "Under the separation regime terrorism-related prisoners have units of their own; "
            "%(unit)s holds %(count)d of them and nobody else.", p["count"]) % p
    if code == "single_cell":
        return _("Needs a cell of their own: nobody shares it.")
    if code == ACCESSIBLE:
        return ngettext(
            "Needs an accessible cell: %(cells)d cell open to this prisoner is accessible, "
            "%(excluded)d are not.",
            "Needs an accessible cell: %(cells)d cells open to this prisoner are accessible, "
            "%(excluded)d are not.", p["cells"]) % p
    if code == "keep_apart":
        values = {"name": p.get("name", ""), "level": _level(p.get("level", "")),
                  "where": p.get("where", "")}
        if values["where"]:
            return _("Kept apart from %(name)s at %(level)s level; %(name)s is in "
                     "%(where)s.") % values
        return _("Kept apart from %(name)s at %(level)s level; %(name)s has no place "
                 "in this plan.") % values
    if code == "cellmates":
        return ngettext(
            "Shares the cell with %(count)d person (%(names)s); exposure between them: "
            "%(exposure)d.",
            "Shares the cell with %(count)d people (%(names)s); exposure between them: "
            "%(exposure)d.", p["count"]) % {**p, "names": _names(p.get("names", []))}
    if code == "alone":
        return _("Has the cell alone: no exposure in the cell.")
    if code == "unit_exposure":
        return ngettext(
            "%(unit)s holds %(people)d other person; exposure with them: "
            "%(exposure)d.",
            "%(unit)s holds %(people)d other people; exposure with them: "
            "%(exposure)d.", p["people"]) % p
    if code == "scores":
        return _("Influence %(influence)d and vulnerability %(vulnerability)d, from "
                 "%(source)s.") % p
    if code == "family_distance":
        if p.get("current_km") is not None:
            return _("The family home is %(km)d km from %(facility)s (%(current_km)d km from "
                     "%(current)s, where this prisoner is now).") % p
        return _("The family home is %(km)d km from %(facility)s.") % p
    if code == "no_scores":
        return _("No assessment scores this prisoner: influence and vulnerability count as 0.")
    return conflict_text(reason)


def conflict_text(conflict: dict) -> str:
    """One conflict of an infeasible plan as a full sentence, with its numbers."""
    code, p = conflict.get("code", ""), dict(conflict.get("params") or {})
    if code == "places":
        if p.get("limit"):
            return ngettext(
                "%(people)d prisoners need a place; the %(beds)d beds give %(places)d places "
                "with overcrowding of at most %(limit)d%%.",
                "%(people)d prisoners need a place; the %(beds)d beds give %(places)d places "
                "with overcrowding of at most %(limit)d%%.", p["people"]) % p
        return ngettext(
            "%(people)d prisoner needs a place; there are %(places)d beds and no overcrowding "
            "is allowed.",
            "%(people)d prisoners need a place; there are %(places)d beds and no overcrowding "
            "is allowed.", p["people"]) % p
    if code == "nowhere":
        return ngettext(
            "%(people)d prisoner (%(group)s, %(regime)s classification) may live in no unit "
            "of the facility.",
            "%(people)d prisoners (%(group)s, %(regime)s classification) may live in no unit "
            "of the facility.", p["people"]) % {
            "people": p["people"], "regime": _classification(p.get("regime", "")),
            "group": _group(p.get("sex", ""), p.get("juvenile", False),
                            p.get("legal_status", ""))}
    if code == "group_places":
        return ngettext(
            "%(people)d prisoner may only live in %(units)s, which have %(places)d places.",
            "%(people)d prisoners may only live in %(units)s, which have %(places)d places.",
            p["people"]) % {**p, "units": _names(p.get("units", []))}
    if code == "single_cells":
        return ngettext(
            "%(people)d prisoner needs a cell of their own; at most %(cells)d cells can be "
            "given to one person while everyone else keeps a place.",
            "%(people)d prisoners need a cell of their own; at most %(cells)d cells can be "
            "given to one person while everyone else keeps a place.", p["people"]) % p
    if code == "accessible_cells":
        return ngettext(
            "%(people)d prisoner needs an accessible cell; accessible cells have %(places)d "
            "places.",
            "%(people)d prisoners need an accessible cell; accessible cells have %(places)d "
            "places.", p["people"]) % p
    if code == "dispersal":
        return ngettext(
            "%(people)d terrorism-related prisoner is to be dispersed, at most %(limit)d per "
            "unit, over %(units)d units.",
            "%(people)d terrorism-related prisoners are to be dispersed, at most %(limit)d per "
            "unit, over %(units)d units.", p["people"]) % p
    if code == "designated":
        return ngettext(
            "%(people)d terrorism-related prisoner is to be concentrated in %(units)s, which "
            "have %(places)d places.",
            "%(people)d terrorism-related prisoners are to be concentrated in %(units)s, which "
            "have %(places)d places.", p["people"]) % {**p, "units": _names(p.get("units", []))}
    if code == "rules_conflict":
        families = {"capacity": _("capacity"), "rule_11": _("Mandela Rule 11"),
                    "regime": _("the regime"), "keep_apart": _("keep-apart orders"),
                    "accessible_cell": _("accessible cells"), "placed": _("placing everyone")}
        names = ", ".join(str(families.get(r, r)) for r in p.get("rules", []))
        return _("These rules cannot all hold together: %(rules)s.") % {"rules": names}
    if code == "no_plan":
        return _("No plan can keep every hard rule.")
    if code == "no_plan_in_time":
        return _("No plan housing everyone was found within %(seconds)d seconds; give the "
                 "plan more time.") % p
    if code == "fixed_breach":
        families = {"capacity": _("capacity"), RULE_11: _("Mandela Rule 11"),
                    SECURITY: _("the security classification"), REGIME: _("the regime"),
                    "keep_apart": _("keep-apart orders"), "single_cell": _("single cells"),
                    "accessible_cell": _("accessible cells"), "dispersal": _("the regime"),
                    "separation": _("the regime")}
        return ngettext(
            "%(people)d prisoner who stays where they are already breaks %(rules)s there: "
            "%(names)s. Move them first, or make a full re-plan.",
            "%(people)d prisoners who stay where they are already break %(rules)s there: "
            "%(names)s. Move them first, or make a full re-plan.", p["people"]) % {
            "people": p["people"], "names": _names(p.get("names", [])),
            "rules": ", ".join(sorted({str(families.get(r, r)) for r in p.get("rules", [])}))}
    if code == "unplaced":
        return ngettext(
            "%(people)d prisoner could not be placed: %(names)s.",
            "%(people)d prisoners could not be placed: %(names)s.", p["people"]) % {
            "people": p["people"], "names": _names(p.get("names", []))}
    if code in (RULE_11, SECURITY, REGIME):
        return {RULE_11: _("Mandela Rule 11 refuses this place."),
                SECURITY: _("The security classification refuses this place."),
                REGIME: _("The plan's regime refuses this place.")}[code]
    return _("Unexplained condition: %(code)s.") % {"code": code}
