"""The estate as configuration: facilities, units and cells loaded from a spreadsheet (CSV).

One row per cell. A service describes its prisons once and reloads the file when they
change: new facilities, units and cells are created, changed ones are updated with their
before and after in the audit trail, and nothing is deleted (a cell that held people stays
in their history). Any bad row refuses the whole file, naming the row and the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.errors import InvalidInput

from .models import Cell, Facility, PopulationServed, Regime, SecurityLevel, Unit

COLUMNS = (
    "facility_code", "facility_name", "country", "facility_security_level",
    "official_capacity", "population_served", "unit_code", "unit_name", "regime",
    "unit_security_level", "mixed_sex", "mixed_age", "mixed_legal_status", "cell_number",
    "landing", "beds", "single_occupancy", "accessible",
)
_TRUE, _FALSE = {"1", "yes", "true", "y", "oui", "x"}, {"", "0", "no", "false", "n", "non"}


class InvalidEstate(InvalidInput):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:20]), details={"problems": problems})
        self.problems = problems


@dataclass
class Report:
    created: dict[str, int] = field(default_factory=lambda: {"facility": 0, "unit": 0, "cell": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"facility": 0, "unit": 0, "cell": 0})


def _flag(value: str, row: int, column: str, problems: list[str]) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        problems.append(_("row %(row)d, %(column)s: “%(value)s” is not yes or no")
                        % {"row": row, "column": column, "value": value})
    return False


def _number(value: str, row: int, column: str, problems: list[str], minimum: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        problems.append(_("row %(row)d, %(column)s: a whole number of at least %(min)d is "
                          "needed") % {"row": row, "column": column, "min": minimum})
    return number


def _choice(value: str, choices, row: int, column: str, problems: list[str]) -> str:
    if value not in choices.values:
        problems.append(_("row %(row)d, %(column)s: “%(value)s” is not one of %(allowed)s")
                        % {"row": row, "column": column, "value": value,
                           "allowed": ", ".join(choices.values)})
    return value


def parse(text: str) -> list[dict]:
    """The rows of an estate CSV, checked; raises InvalidEstate naming every bad cell."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidEstate([_("missing columns: %(c)s") % {"c": ", ".join(missing)}])
    problems: list[str] = []
    rows, seen = [], set()
    for number, raw in enumerate(reader, start=2):
        value = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        for column in ("facility_code", "facility_name", "country", "unit_code", "cell_number"):
            if not value[column]:
                problems.append(_("row %(row)d, %(column)s: required")
                                % {"row": number, "column": column})
        key = (value["facility_code"], value["unit_code"], value["cell_number"])
        if key in seen:
            problems.append(_("row %(row)d: cell %(cell)s appears twice")
                            % {"row": number, "cell": "/".join(key)})
        seen.add(key)
        rows.append({
            "row": number, **value,
            "facility_security_level": _choice(value["facility_security_level"], SecurityLevel,
                                               number, "facility_security_level", problems),
            "unit_security_level": _choice(value["unit_security_level"], SecurityLevel, number,
                                           "unit_security_level", problems),
            "population_served": _choice(value["population_served"], PopulationServed, number,
                                         "population_served", problems),
            "regime": _choice(value["regime"], Regime, number, "regime", problems),
            "official_capacity": _number(value["official_capacity"], number,
                                         "official_capacity", problems, 1),
            "beds": _number(value["beds"], number, "beds", problems, 1),
            **{flag: _flag(value[flag], number, flag, problems) for flag in (
                "mixed_sex", "mixed_age", "mixed_legal_status", "single_occupancy",
                "accessible")},
        })
    if not rows and not problems:
        problems.append(_("the file has no rows"))
    if problems:
        raise InvalidEstate(problems)
    return rows


def _apply(model_obj, values: dict, acting_user, report: Report, kind: str) -> None:
    changed = {k: [getattr(model_obj, k), v] for k, v in values.items()
               if getattr(model_obj, k) != v}
    if not changed:
        return
    for name, (_before, after) in changed.items():
        setattr(model_obj, name, after)
    model_obj.stamp(acting_user)
    model_obj.version += 1
    model_obj.save()
    report.updated[kind] += 1
    trail.record(acting_user, f"estate.{kind}_update", model_obj, changes=changed)


@transaction.atomic
def estate_import(*, acting_user, text: str, source_name: str = "") -> Report:
    """Create or update facilities, units and cells from an estate CSV; audited."""
    if acting_user is not None:
        policy.require(acting_user, "custody.configure")
    report = Report()
    for row in parse(text):
        facility, created = Facility.objects.get_or_create(code=row["facility_code"], defaults={
            "name": row["facility_name"], "country": row["country"],
            "security_level": row["facility_security_level"],
            "official_capacity": row["official_capacity"],
            "population_served": row["population_served"],
            "created_by": acting_user, "updated_by": acting_user})
        if created:
            report.created["facility"] += 1
            trail.record(acting_user, "estate.facility_create", facility)
        else:
            _apply(facility, {"name": row["facility_name"], "country": row["country"],
                              "security_level": row["facility_security_level"],
                              "official_capacity": row["official_capacity"],
                              "population_served": row["population_served"]},
                   acting_user, report, "facility")
        unit_values = {"name": row["unit_name"] or row["unit_code"], "regime": row["regime"],
                       "security_level": row["unit_security_level"],
                       "mixed_sex": row["mixed_sex"], "mixed_age": row["mixed_age"],
                       "mixed_legal_status": row["mixed_legal_status"]}
        unit, created = Unit.objects.get_or_create(
            facility=facility, code=row["unit_code"],
            defaults={**unit_values, "created_by": acting_user, "updated_by": acting_user})
        if created:
            report.created["unit"] += 1
            trail.record(acting_user, "estate.unit_create", unit)
        else:
            _apply(unit, unit_values, acting_user, report, "unit")
        cell_values = {"landing": row["landing"], "beds": row["beds"],
                       "single_occupancy": row["single_occupancy"],
                       "accessible": row["accessible"]}
        cell, created = Cell.objects.get_or_create(
            unit=unit, number=row["cell_number"],
            defaults={**cell_values, "created_by": acting_user, "updated_by": acting_user})
        if created:
            report.created["cell"] += 1
        else:
            _apply(cell, cell_values, acting_user, report, "cell")
    trail.record(acting_user, "estate.import", object_type="custody.facility",
                 object_repr=source_name[:200],
                 changes={"created": report.created, "updated": report.updated})
    return report
