"""A housing problem as plain facts: who is to be housed, where they could go, and the rules.

Nothing here touches the database: `inputs.py` builds a :class:`Problem` from the custody
and assessment records, the solver and the first-fit baseline read it, and tests build small
ones by hand. Every hard constraint the plan must keep is decided by the functions at the end
of this module, so the solver, the baseline and the validator cannot disagree about them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

SECURITY_ORDER = {"low": 0, "medium": 1, "high": 2, "maximum": 3}

# The regimes a director chooses for terrorism-related prisoners (seed 000: concentration,
# dispersal, separation, or a hybrid). "none" leaves them to the individual rules.
REGIMES = ("none", "concentration", "dispersal", "separation", "hybrid")


@dataclass(frozen=True)
class Unit:
    id: int
    label: str
    facility_id: int
    regime: str  # custody Regime: general, remand, high_security, separation, women, juveniles
    security_level: str  # low, medium, high, maximum
    mixed_sex: bool = False
    mixed_age: bool = False
    mixed_legal_status: bool = False
    population_served: str = "mixed"  # the facility's: men, women, juveniles, mixed


@dataclass(frozen=True)
class Cell:
    id: int
    label: str
    unit_id: int
    beds: int
    landing: str = ""
    single_occupancy: bool = False
    accessible: bool = False


@dataclass(frozen=True)
class Facility:
    id: int
    code: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Prisoner:
    id: int
    label: str
    sex: str  # "F" / "M"
    juvenile: bool
    legal_status: str  # "remand" / "convicted"
    regime: str = "general"  # from the approved classification: general, high_security, separation
    category: str = ""
    terrorism_related: bool = False
    influence: int = 0
    vulnerability: int = 0
    score_source: str = ""  # which assessment the scores come from, as shown to the user
    needs_single_cell: bool = False
    needs_accessible_cell: bool = False
    current_cell: int | None = None
    current_unit: int | None = None
    current_facility: int | None = None
    home: tuple[float, float] | None = None  # the family home, (latitude, longitude)
    movable: bool = True  # False: stays where it is (an admissions plan houses only the new)

    @property
    def kind(self) -> tuple[str, bool, str]:
        """The Rule 11 distinctions: sex, juvenile, legal status."""
        return (self.sex, self.juvenile, self.legal_status)


@dataclass(frozen=True)
class KeepApart:
    a: int
    b: int
    level: str  # "cell", "landing", "unit"


@dataclass(frozen=True)
class Weights:
    """The objective's weights, which a director can see and set for each plan."""

    cell_exposure: int = 10  # per unit of influence × vulnerability between cellmates
    unit_exposure: int = 1  # the same between people of one unit
    move: int = 10  # per prisoner moved from the current cell (or unit, for a national plan)
    distance: int = 1  # per 10 km between the family home and the facility (national plans)

    def as_dict(self) -> dict:
        return {"cell_exposure": self.cell_exposure, "unit_exposure": self.unit_exposure,
                "move": self.move, "distance": self.distance}


@dataclass(frozen=True)
class Options:
    kind: str = "facility"  # "admissions", "facility" or "national"
    regime: str = "none"  # see REGIMES
    dispersal_limit: int = 2  # dispersal and hybrid: at most this many per unit
    hybrid_influence: int = 4  # hybrid: influence from which a prisoner goes to a designated unit
    designated_units: frozenset[int] = frozenset()  # concentration and hybrid
    overcrowding_percent: int = 0  # beds may be exceeded by at most this share, per cell
    weights: Weights = field(default_factory=Weights)


@dataclass
class Problem:
    facilities: list[Facility]
    units: list[Unit]
    cells: list[Cell]
    prisoners: list[Prisoner]
    keep_aparts: list[KeepApart]
    options: Options = field(default_factory=Options)
    places: dict[int, int] | None = None  # places per cell, when set by a larger plan

    @cached_property
    def unit_by_id(self) -> dict[int, Unit]:
        return {u.id: u for u in self.units}

    @cached_property
    def cell_by_id(self) -> dict[int, Cell]:
        return {c.id: c for c in self.cells}

    @cached_property
    def facility_by_id(self) -> dict[int, Facility]:
        return {f.id: f for f in self.facilities}

    @cached_property
    def prisoner_by_id(self) -> dict[int, Prisoner]:
        return {p.id: p for p in self.prisoners}

    @cached_property
    def cells_of_unit(self) -> dict[int, list[Cell]]:
        found: dict[int, list[Cell]] = {u.id: [] for u in self.units}
        for cell in self.cells:
            found[cell.unit_id].append(cell)
        return found

    @cached_property
    def designated(self) -> frozenset[int]:
        """Units designated for the regime: chosen for the plan, else the separation units."""
        if self.options.designated_units:
            return frozenset(self.options.designated_units)
        return frozenset(u.id for u in self.units if u.regime == "separation")

    @cached_property
    def capacity(self) -> dict[int, int]:
        """Places per cell: the beds, or more up to the plan's overcrowding limit, spread evenly.

        With a limit, every cell is raised by the same smallest share (never past the limit)
        with which counting finds a place for every prisoner — in all, and for each group of
        prisoners in the units they may live in — so crowding is spread over all cells instead
        of piled into a few. Single-occupancy cells always hold one.
        """
        if self.places is not None:
            return self.places
        from .diagnose import short_of_places  # it counts with the rules of this module

        percent = self.options.overcrowding_percent
        for share in range(0, percent + 1):
            places = raised_capacity(self.cells, share)
            if not short_of_places(self, places):
                return places
        return raised_capacity(self.cells, max(percent, 0))

    def keep_aparts_of(self, prisoner_id: int) -> list[KeepApart]:
        return self._keep_apart_index.get(prisoner_id, [])

    @cached_property
    def _keep_apart_index(self) -> dict[int, list[KeepApart]]:
        found: dict[int, list[KeepApart]] = {}
        for order in self.keep_aparts:
            found.setdefault(order.a, []).append(order)
            found.setdefault(order.b, []).append(order)
        return found


def raised_capacity(cells: Iterable[Cell], share: int) -> dict[int, int]:
    """Places per cell with every cell's beds raised by `share` per cent (rounded down);
    single-occupancy cells hold one."""
    return {c.id: 1 if c.single_occupancy else c.beds * (100 + share) // 100 for c in cells}


# --------------------------------------------------------------------------- the hard rules
# Reasons are codes with parameters: `explain.py` turns them into sentences in the user's
# language. The same codes name the conflicts of an infeasible plan.

RULE_11 = "rule_11"
SECURITY = "security"
REGIME = "regime"
SINGLE = "single_cell"
ACCESSIBLE = "accessible_cell"


def unit_refusal(prisoner: Prisoner, unit: Unit) -> str | None:
    """Why `prisoner` may not live in `unit` at all (None: he may), from his facts alone.

    Mandela Rule 11 (facilities and units set aside for women, men, juveniles or remand);
    security category to unit (a separation-regime classification goes to a separation unit,
    a high-security one to a unit of high or maximum security, and nobody is held in a
    separation unit whom the classification does not send there).
    """
    served = unit.population_served
    if (served == "men" and prisoner.sex == "F") or (served == "women" and prisoner.sex == "M"):
        return RULE_11
    if served == "juveniles" and not prisoner.juvenile:
        return RULE_11
    if unit.regime == "women" and prisoner.sex != "F":
        return RULE_11
    if unit.regime == "juveniles" and not prisoner.juvenile and not unit.mixed_age:
        return RULE_11
    if unit.regime == "remand" and prisoner.legal_status != "remand" \
            and not unit.mixed_legal_status:
        return RULE_11
    if prisoner.regime == "separation":
        return None if unit.regime == "separation" else SECURITY
    if unit.regime == "separation":
        return SECURITY
    if prisoner.regime == "high_security" and SECURITY_ORDER.get(unit.security_level, 0) < 2:
        return SECURITY
    return None


def cell_refusal(prisoner: Prisoner, cell: Cell) -> str | None:
    if prisoner.needs_accessible_cell and not cell.accessible:
        return ACCESSIBLE
    return None


def mixes(unit: Unit, one: tuple, other: tuple) -> bool:
    """Whether two Rule 11 kinds may share `unit` (never a cell: that is checked apart)."""
    return ((one[0] == other[0] or unit.mixed_sex)
            and (one[1] == other[1] or unit.mixed_age)
            and (one[2] == other[2] or unit.mixed_legal_status))


def regime_group(problem: Problem, prisoner: Prisoner) -> str:
    """How the plan's regime treats the prisoner: "designated", "dispersed", "apart" or ""."""
    regime = problem.options.regime
    if not prisoner.terrorism_related or regime == "none":
        return ""
    if regime == "concentration":
        return "designated"
    if regime == "dispersal":
        return "dispersed"
    if regime == "separation":
        return "apart"
    # hybrid: the most influential to the designated units, the others dispersed
    if prisoner.influence >= problem.options.hybrid_influence:
        return "designated"
    return "dispersed"


def regime_refusal(problem: Problem, prisoner: Prisoner, unit: Unit) -> str | None:
    """Concentration and hybrid: designated units hold the designated group and nobody else."""
    if problem.options.regime not in ("concentration", "hybrid"):
        return None
    group = regime_group(problem, prisoner)
    if (group == "designated") != (unit.id in problem.designated):
        return REGIME
    return None


def haversine_km(one: tuple[float, float], other: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*one, *other))
    a = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))
