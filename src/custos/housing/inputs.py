"""A housing problem from the records: the estate, its people and their scores.

A facility or admissions plan reads one facility; a national plan (no facility) reads every
facility of the service, with the facilities' coordinates and the families' homes.

Everything is read in a handful of bulk queries (no query per prisoner), so a facility of
thousands builds in well under a second or two. The snapshot fingerprints what the plan was
made from; approval recomputes it and refuses the plan when the facility has changed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from django.db.models import Q
from django.utils import timezone

from custos.assessments.models import (
    Assessment,
    AssessmentStatus,
    Classification,
    ClassificationStatus,
)
from custos.custody.models import Cell, CustodyStatus, Facility, KeepApart, Prisoner, Unit

from .problem import Cell as CellFact
from .problem import Facility as FacilityFact
from .problem import KeepApart as KeepApartFact
from .problem import Options, Problem, Weights
from .problem import Prisoner as PrisonerFact
from .problem import Unit as UnitFact

SCORES = ("influence", "vulnerability")
PRISONER_COLUMNS = (
    "id", "prison_number", "display_name", "sex", "date_of_birth", "legal_status",
    "terrorism_related", "needs_single_cell", "needs_accessible_cell", "current_cell_id",
    "current_cell__unit_id", "facility_id", "family_home_latitude", "family_home_longitude",
)
UNIT_COLUMNS = ("id", "code", "facility_id", "regime", "security_level", "mixed_sex",
                "mixed_age", "mixed_legal_status")
FACILITY_COLUMNS = ("id", "code", "latitude", "longitude", "population_served")


def options_for(plan, *, regime: str | None = None) -> Options:
    return Options(
        kind=plan.kind, regime=regime or plan.regime, dispersal_limit=plan.dispersal_limit,
        hybrid_influence=plan.hybrid_influence,
        designated_units=frozenset(int(u) for u in plan.designated_units or ()),
        overcrowding_percent=plan.overcrowding_percent,
        weights=Weights(**(plan.weights or {})),
    )


def problem_for(*, plan) -> tuple[Problem, dict]:
    """The plan's problem, and what goes with it: labels for the result and the snapshot.

    A facility plan moves everyone in custody at the facility; an admissions plan houses only
    those without a cell, the others staying where they are. A national plan (no facility)
    covers every facility: everyone in custody anywhere, each unit labelled "CODE/UNIT".
    """
    today = timezone.localdate()
    # Every narrowing below is one filter: a facility's rows, or (national) all of them.
    here = {"facility": plan.facility} if plan.facility_id else {}
    facilities = ([{k: getattr(plan.facility, k) for k in FACILITY_COLUMNS}] if here else
                  list(Facility.objects.order_by("code", "id").values(*FACILITY_COLUMNS)))
    code = {f["id"]: f["code"] for f in facilities}
    served = {f["id"]: f["population_served"] for f in facilities}
    units = list(Unit.objects.filter(**here).order_by("facility__code", "code", "id")
                 .values(*UNIT_COLUMNS))
    cells = list(Cell.objects.filter(**{f"unit__{k}": v for k, v in here.items()})
                 .order_by("unit__facility__code", "unit__code", "number", "id")
                 .values("id", "number", "unit_id", "unit__code", "unit__facility_id",
                         "landing", "beds", "single_occupancy", "accessible"))
    people = list(Prisoner.objects.filter(status=CustodyStatus.IN_CUSTODY, **here)
                  .order_by("id").values(*PRISONER_COLUMNS))
    in_scope = Q(prisoner__status=CustodyStatus.IN_CUSTODY,
                 **{f"prisoner__{k}": v for k, v in here.items()})
    classifications = _latest_classifications(in_scope)
    assessments = _latest_scores(in_scope)
    orders = _keep_aparts_in_force(plan.facility if here else None, today)

    prisoners = [_prisoner(row, classifications.get(row["id"]), assessments.get(row["id"]),
                           plan.kind, today) for row in people]
    problem = Problem(
        facilities=[FacilityFact(f["id"], f["code"], f["latitude"], f["longitude"])
                    for f in facilities],
        units=[UnitFact(u["id"], f"{code[u['facility_id']]}/{u['code']}", u["facility_id"],
                        u["regime"], u["security_level"], u["mixed_sex"], u["mixed_age"],
                        u["mixed_legal_status"], served[u["facility_id"]]) for u in units],
        cells=[CellFact(c["id"], f"{code[c['unit__facility_id']]}/{c['unit__code']}/"
                                 f"{c['number']}",
                        c["unit_id"], c["beds"], c["landing"], c["single_occupancy"],
                        c["accessible"]) for c in cells],
        prisoners=prisoners,
        keep_aparts=[KeepApartFact(a, b, level) for _id, a, b, level in orders],
        options=options_for(plan),
    )
    context = {
        "snapshot": _fingerprint(people, cells, orders, classifications, assessments,
                                 units=units, facilities=facilities if not here else None),
        "names": {row["id"]: (row["prison_number"], row["display_name"]) for row in people},
        "facilities": code,
    }
    return problem, context


def snapshot_for(*, plan) -> str:
    """The fingerprint of the estate as it is now (what approval compares)."""
    return problem_for(plan=plan)[1]["snapshot"]


def _prisoner(row: dict, classification: dict | None, assessment: dict | None, kind: str,
              today: date) -> PrisonerFact:
    latitude, longitude = row["family_home_latitude"], row["family_home_longitude"]
    scores = (assessment or {}).get("indices") or {}
    source = ""
    if assessment:
        source = (f"{assessment['instrument__code']} v{assessment['instrument__version']}, "
                  f"{assessment['locked_at']:%Y-%m-%d}, #{assessment['id']}")
    return PrisonerFact(
        id=row["id"], label=row["prison_number"], sex=row["sex"],
        juvenile=Prisoner(date_of_birth=row["date_of_birth"]).is_juvenile(today),
        legal_status=row["legal_status"],
        regime=(classification or {}).get("regime") or "general",
        category=(classification or {}).get("category") or "",
        terrorism_related=row["terrorism_related"],
        influence=_score(scores.get("influence")),
        vulnerability=_score(scores.get("vulnerability")),
        score_source=source,
        needs_single_cell=row["needs_single_cell"],
        needs_accessible_cell=row["needs_accessible_cell"],
        current_cell=row["current_cell_id"], current_unit=row["current_cell__unit_id"],
        current_facility=row["facility_id"],
        home=(latitude, longitude) if latitude is not None and longitude is not None else None,
        movable=kind != "admissions" or row["current_cell_id"] is None,
    )


def _score(value) -> int:
    try:
        return max(0, round(float(value)))
    except (TypeError, ValueError):
        return 0


def _latest_classifications(in_scope: Q) -> dict[int, dict]:
    latest: dict[int, dict] = {}
    rows = (Classification.objects.filter(in_scope, status=ClassificationStatus.APPROVED)
            .order_by("prisoner_id", "-decided_at", "-id")
            .values("id", "prisoner_id", "regime", "category"))
    for row in rows:
        latest.setdefault(row["prisoner_id"], row)
    return latest


def _latest_scores(in_scope: Q) -> dict[int, dict]:
    """Each prisoner's latest locked assessment that scores influence or vulnerability."""
    latest: dict[int, dict] = {}
    rows = (Assessment.objects.filter(in_scope, status=AssessmentStatus.LOCKED,
                                      indices__has_any_keys=list(SCORES))
            .order_by("prisoner_id", "-locked_at", "-id")
            .values("id", "prisoner_id", "indices", "locked_at", "instrument__code",
                    "instrument__version"))
    for row in rows:
        latest.setdefault(row["prisoner_id"], row)
    return latest


def _keep_aparts_in_force(facility, today: date) -> list[tuple[int, int, int, str]]:
    """Orders in force between two prisoners in custody (at `facility`, or anywhere if None)."""
    where = {"status": CustodyStatus.IN_CUSTODY}
    if facility is not None:
        where["facility"] = facility
    both_here = {f"{side}__{name}": value for side in ("prisoner_a", "prisoner_b")
                 for name, value in where.items()}
    return list(KeepApart.objects.filter(closed_at__isnull=True, **both_here)
                .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
                .order_by("id").values_list("id", "prisoner_a_id", "prisoner_b_id", "level"))


def _fingerprint(people, cells, orders, classifications, assessments, *, units,
                 facilities=None) -> str:
    """Where everyone is and what they are, the estate, the orders and the scores used; for a
    national plan also each prisoner's facility and family home, and where facilities are."""
    body = {
        "people": [[p["id"], p["current_cell_id"], p["sex"], str(p["date_of_birth"]),
                    p["legal_status"], p["terrorism_related"], p["needs_single_cell"],
                    p["needs_accessible_cell"]] for p in people],
        "cells": [[c["id"], c["unit_id"], c["beds"], c["landing"], c["single_occupancy"],
                   c["accessible"]] for c in sorted(cells, key=lambda c: c["id"])],
        "keep_aparts": [list(order) for order in orders],
        "classifications": sorted(row["id"] for row in classifications.values()),
        "assessments": sorted(row["id"] for row in assessments.values()),
        "units": [[u[k] for k in UNIT_COLUMNS] for u in sorted(units, key=lambda u: u["id"])],
    }
    if facilities is not None:
        body["facilities"] = [[f["id"], f["latitude"], f["longitude"], f["population_served"]]
                              for f in sorted(facilities, key=lambda f: f["id"])]
        body["homes"] = [[p["id"], p["facility_id"], p["family_home_latitude"],
                          p["family_home_longitude"]] for p in people]
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
