"""A reproducible synthetic prison system, shaped on the published figures of real ones.

Facilities are as crowded and as remand-heavy as the countries they stand for (Uganda's at
about 370 % of official capacity), with men's, remand, high-security, separation, women's and
juvenile units. Placements respect every rule the custody services enforce: Mandela Rule 11
separations, single-occupancy cells and keep-apart orders; beds beyond a cell's capacity are
recorded as the director's overcrowding overrides, as the services require.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from custos.access.models import Allocation
from custos.audit import trail
from custos.custody.models import (
    AdmissionRecord,
    Cell,
    Facility,
    FamilyMember,
    KeepApart,
    NameKey,
    Offence,
    Placement,
    Prisoner,
    PrisonerName,
    Unit,
)
from custos.custody.names import prisoner_keys

from . import bulk
from .countries import PROFILES, CountryProfile
from .names import FAMILY, FEMALE_GIVEN, MALE_GIVEN

BATCH = 2000
TERRORISM_SHARE = 0.04

# code, name, regime, security level, beds per cell, single occupancy, mixed flags
UNIT_PLAN = (
    ("A", "General A", "general", "medium", 12, False, (False, False, False)),
    ("B", "General B", "general", "medium", 12, False, (False, False, False)),
    ("R", "Remand", "remand", "medium", 16, False, (False, False, False)),
    ("H", "High security", "high_security", "high", 2, False, (False, False, True)),
    ("S", "Separation unit", "separation", "maximum", 1, True, (False, False, True)),
    ("W", "Women", "women", "medium", 6, False, (False, True, True)),
    ("J", "Juveniles", "juveniles", "medium", 4, False, (False, False, True)),
)
TERRORIST_OFFENCES = (
    ("Membership of a terrorist organisation", "Penal Code art. 421-2-1"),
    ("Financing of terrorism", "Anti-terrorism law art. 5"),
    ("Preparation of a terrorist act", "Anti-terrorism law art. 3"),
    ("Recruitment for a terrorist organisation", "Anti-terrorism law art. 7"),
)
OTHER_OFFENCES = (
    ("Theft", "Penal Code art. 311"), ("Armed robbery", "Penal Code art. 311-8"),
    ("Drug trafficking", "Narcotics law art. 2"), ("Assault", "Penal Code art. 222-11"),
    ("Homicide", "Penal Code art. 221-1"), ("Fraud", "Penal Code art. 313-1"),
    ("Burglary", "Penal Code art. 311-4"),
)
COURTS = ("Tribunal de grande instance", "Court of first instance", "Pôle judiciaire spécialisé",
          "High Court", "Investigating judge")


@dataclass
class Draft:
    """One synthetic prisoner before it is written."""

    number: str
    sex: str
    juvenile: bool
    remand: bool
    terrorism: bool
    names: list[tuple[str, str, str]]  # (full name, script, kind)
    dob: date
    admitted: datetime
    unit: str = ""
    cell: Cell | None = None
    override: bool = False
    extra: dict = field(default_factory=dict)


@lru_cache(maxsize=65536)
def _keys(names: tuple[str, ...]) -> dict[str, int]:
    return prisoner_keys(list(names))


class DemoSystem:
    def __init__(self, *, seed: int, actor, caseload=(), today: date | None = None):
        self.rng = random.Random(seed)
        self.actor = actor
        self.caseload = list(caseload)  # staff who get a caseload in every facility
        self.today = today or timezone.localdate()
        self.now = timezone.now()

    # --- people -----------------------------------------------------------------------------

    def _names(self, profile: CountryProfile, sex: str) -> list[tuple[str, str, str]]:
        given = self.rng.choice(FEMALE_GIVEN if sex == "F" else MALE_GIVEN)
        family = self.rng.choice(FAMILY)
        latin = f"{self.rng.choice(given[0])} {self.rng.choice(family[0])}"
        arabic = f"{given[1]} {family[1]}" if given[1] and family[1] else ""
        cyrillic = f"{given[2]} {family[2]}" if given[2] and family[2] else ""
        by_script = {"latn": latin, "arab": arabic, "cyrl": cyrillic}
        names = []
        for script in profile.scripts:
            if by_script[script]:
                kind = "primary" if not names else "transliteration"
                names.append((by_script[script], script, kind))
        if not names:
            names.append((latin, "latn", "primary"))
        if self.rng.random() < 0.08:
            names.append((f"Abu {self.rng.choice(MALE_GIVEN)[0][0]}", "latn", "alias"))
        return names

    def _draft(self, profile: CountryProfile, facility_code: str, index: int) -> Draft:
        rng = self.rng
        sex = "F" if rng.random() * 100 < profile.female_pct else "M"
        juvenile = rng.random() * 100 < max(profile.juvenile_pct, 0.5)
        remand = rng.random() * 100 < profile.remand_pct
        terrorism = rng.random() < TERRORISM_SHARE and not juvenile
        age_days = rng.randint(15 * 365 + 30, 17 * 365 + 300) if juvenile else rng.randint(
            19 * 365, 65 * 365)
        dob = self.today - timedelta(days=age_days)
        max_days = 700 if remand else 2900
        if juvenile:
            max_days = min(max_days, age_days - 15 * 365)
        admitted = self.now - timedelta(days=rng.randint(1, max(max_days, 2)),
                                        minutes=rng.randint(0, 1440))
        return Draft(number=f"{facility_code}-{index:06d}", sex=sex, juvenile=juvenile,
                     remand=remand, terrorism=terrorism, names=self._names(profile, sex),
                     dob=dob, admitted=admitted)

    @staticmethod
    def _unit_for(d: Draft, rng: random.Random) -> str:
        if d.sex == "F":
            return "W"
        if d.juvenile:
            return "J"
        if d.terrorism:
            return "S" if rng.random() < 0.35 else "H"
        if d.remand:
            return "R"
        return "H" if rng.random() < 0.08 else rng.choice("AB")

    # --- facilities -------------------------------------------------------------------------

    def build_facility(self, *, index: int, prisoners: int, number_offset: int) -> Facility | None:
        profile = PROFILES[index % len(PROFILES)]
        code = f"{profile.iso2}-{index // len(PROFILES) + 1:02d}"
        if Facility.objects.filter(code=code).exists():
            return None
        drafts = [self._draft(profile, code, number_offset + i) for i in range(prisoners)]
        for d in drafts:
            d.unit = self._unit_for(d, self.rng)
        with transaction.atomic():
            facility, cells = self._facility_with_cells(code, profile, drafts)
            self._place(drafts, cells)
            self._write_prisoners(facility, drafts)
            self._keep_aparts(drafts)
            self._allocate(drafts)
            trail.record(self.actor, "demo.seed", facility,
                         changes={"prisoners": len(drafts), "country": profile.iso2})
        return facility

    def _facility_with_cells(self, code, profile, drafts) -> tuple[Facility, dict]:
        occupancy = profile.occupancy_pct / 100
        by_unit = defaultdict(int)
        groups = defaultdict(set)  # a cell never mixes remand/convicted or young/adult
        for d in drafts:
            by_unit[d.unit] += 1
            groups[d.unit].add((d.remand, d.juvenile))
        facility = Facility(code=code, name=f"{profile.city} {code[-2:]}", country=profile.iso2,
                            security_level="high", official_capacity=1,
                            population_served="mixed", created_by=self.actor,
                            updated_by=self.actor,
                            latitude=round(profile.latitude + self.rng.uniform(-0.5, 0.5), 4),
                            longitude=round(profile.longitude + self.rng.uniform(-0.5, 0.5), 4))
        facility.save()
        capacity = 0
        cells: dict[str, list[Cell]] = {}
        for ucode, name, regime, level, beds, single, (msex, mage, mlegal) in UNIT_PLAN:
            unit = Unit.objects.create(
                facility=facility, code=ucode, name=name, regime=regime, security_level=level,
                mixed_sex=msex, mixed_age=mage, mixed_legal_status=mlegal,
                created_by=self.actor, updated_by=self.actor)
            people = by_unit.get(ucode, 0)
            # Separation cells are single: one each, so build as many as there are people.
            wanted_beds = people if single else math.ceil(people / occupancy)
            count = max(1, len(groups[ucode]), math.ceil(wanted_beds / beds) + (1 if single else 0))
            rows = [Cell(unit=unit, number=f"{ucode}{n + 1:03d}", landing=str(n // 10 + 1),
                         beds=beds, single_occupancy=single, accessible=(n % 15 == 0),
                         created_by=self.actor, updated_by=self.actor) for n in range(count)]
            cells[ucode] = Cell.objects.bulk_create(rows)
            capacity += wanted_beds
        # The official (design) capacity follows the country's published occupancy; the
        # beds in cells, rounded up to whole cells, are shown beside it.
        facility.official_capacity = max(capacity, 1)
        facility.save(update_fields=["official_capacity"])
        return facility, cells

    def _place(self, drafts: list[Draft], cells: dict[str, list[Cell]]) -> None:
        """Fill each unit's cells group by group, so no cell mixes a Rule 11 distinction."""
        by_unit = defaultdict(list)
        for d in drafts:
            by_unit[d.unit].append(d)
        for ucode, people in by_unit.items():
            unit_cells = cells[ucode]
            groups = defaultdict(list)
            for d in people:
                groups[(d.remand, d.juvenile)].append(d)
            ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))
            start = 0
            for position, (_key, members) in enumerate(ordered):
                left = len(ordered) - position - 1
                share = max(1, round(len(unit_cells) * len(members) / len(people)))
                share = min(share, len(unit_cells) - start - left)
                block = unit_cells[start:start + share]
                start += share
                load = defaultdict(int)
                for i, d in enumerate(members):
                    cell = block[i % len(block)]
                    load[cell.pk] += 1
                    d.cell = cell
                    d.override = load[cell.pk] > cell.beds

    def _write_prisoners(self, facility: Facility, drafts: list[Draft]) -> None:
        rng, actor, now = self.rng, self.actor.pk, self.now
        stamp = (now, actor, now, actor, 1)  # created_at/by, updated_at/by, version
        first = bulk.next_id(Prisoner)
        languages = {"ML": "fr,bm", "MA": "ar,fr", "XK": "sq", "KZ": "kk,ru", "TN": "ar,fr",
                     "UG": "en,lg", "NE": "fr,ha", "NG": "en,ha"}.get(facility.country, "en")
        prisoners, names, keys, offences, admissions, family, placements = ([] for _ in range(7))
        for pk, d in enumerate(drafts, start=first):
            d.extra["pk"] = pk
            sentence_start = expected = None
            if not d.remand:
                sentence_start = min(d.admitted.date() + timedelta(days=rng.randint(30, 200)),
                                     self.today)
                years = rng.randint(5, 20) if d.terrorism else rng.randint(1, 10)
                expected = sentence_start + timedelta(days=365 * years)
            prisoners.append((
                pk, d.number, d.names[0][0], d.dob, d.sex, facility.country, languages, False,
                "remand" if d.remand else "convicted", d.terrorism,
                d.terrorism and rng.random() < 0.15, sentence_start, expected,
                rng.choice(("", "Islam", "Christianity", "")), "", "",
                f"Synthetic group {rng.randint(1, 6)}" if d.terrorism else "", "in_custody",
                facility.pk, d.cell.pk, d.admitted, None, "", None,
                rng.random() < 0.01, rng.random() < 0.02, *self._family_home(facility),
                # a few recorded health facts of Rule 45(2), drawn apart from the generator's
                # random sequence so every other demo record stays as it was
                pk % 37 == 0, d.sex == "F" and pk % 23 == 0, *stamp))
            for full, script, kind in d.names:
                names.append((pk, full, script, kind, *stamp))
            for key, rank in _keys(tuple(n[0] for n in d.names)).items():
                keys.append((pk, key, rank))
            description, reference = rng.choice(TERRORIST_OFFENCES if d.terrorism
                                                else OTHER_OFFENCES)
            offences.append((pk, description, reference, d.terrorism,
                             d.admitted.date() - timedelta(days=30), *stamp))
            town = facility.name.split()[0]
            admissions.append((
                pk, f"CO-{d.admitted.year}-{pk:07d}", f"{rng.choice(COURTS)}, {town}",
                d.admitted.date() - timedelta(days=rng.randint(0, 10)), town,
                "" if rng.random() < 0.95 else "Bruising to the left arm", "",
                "Clothing; identity card; mobile phone (sealed)",
                f"{rng.choice(FEMALE_GIVEN)[0][0]} {d.names[0][0].split()[-1]}",
                rng.choice(("mother", "sister", "spouse")),
                f"+{rng.randint(200, 299)} {rng.randint(10**7, 10**8 - 1)}", "", *stamp))
            if not d.juvenile and rng.random() < (0.6 if d.sex == "F" else 0.3):
                family.append((pk, rng.choice(MALE_GIVEN)[0][0], "child", True,
                               self.today - timedelta(days=rng.randint(300, 16 * 365)),
                               "At home", "Grandmother", "", *stamp))
            placements.append((
                pk, d.cell.pk, d.admitted, None, "Placement on admission", actor, d.override,
                "Facility above official capacity; no free bed" if d.override else "", *stamp))
        tracked = ("created_at", "created_by", "updated_at", "updated_by", "version")
        bulk.insert(Prisoner, (
            "id", "prison_number", "display_name", "date_of_birth", "sex", "nationality",
            "languages", "interpreter_needed", "legal_status", "terrorism_related",
            "returned_foreign_fighter", "sentence_start", "expected_release", "religion",
            "health_notes", "disability", "group_affiliation", "status", "facility",
            "current_cell", "admitted_at", "released_at", "release_reason", "sealed_at",
            "needs_single_cell", "needs_accessible_cell", "family_home", "family_home_latitude",
            "family_home_longitude", "mental_health_condition", "pregnant_or_nursing",
            *tracked), prisoners)
        bulk.reset_sequences(Prisoner)
        bulk.insert(PrisonerName, ("prisoner", "full_name", "script", "kind", *tracked), names)
        bulk.insert(NameKey, ("prisoner", "key", "rank"), keys)
        bulk.insert(Offence, ("prisoner", "description", "legal_reference",
                              "terrorism_related", "committed_on", *tracked), offences)
        bulk.insert(AdmissionRecord, (
            "prisoner", "commitment_order", "commitment_authority", "arrested_on",
            "arrest_place", "visible_injuries", "ill_treatment_complaints",
            "property_inventory", "next_of_kin_name", "next_of_kin_relationship",
            "next_of_kin_contact", "emergency_contact", *tracked), admissions)
        bulk.insert(FamilyMember, ("prisoner", "name", "relationship", "is_child",
                                   "date_of_birth", "whereabouts", "carer", "contact", *tracked),
                    family)
        bulk.insert(Placement, ("prisoner", "cell", "started_at", "ended_at", "reason",
                                "authorised_by", "overcrowding_override", "override_reason",
                                *tracked), placements)

    def _family_home(self, facility: Facility) -> tuple[str, float, float]:
        """Somewhere within a few hundred kilometres of the facility."""
        rng = self.rng
        district = rng.randint(1, 12)
        return (f"District {district}", round(facility.latitude + rng.uniform(-3, 3), 4),
                round(facility.longitude + rng.uniform(-3, 3), 4))

    def _allocate(self, drafts: list[Draft]) -> None:
        """A caseload of up to 40 prisoners a facility for each case manager and provider."""
        picked = self.rng.sample(drafts, min(len(drafts), 40 * len(self.caseload)))
        rows = [(d.extra["pk"], staff.pk, self.now, None, "Demo caseload", self.actor.pk)
                for index, staff in enumerate(self.caseload)
                for d in picked[index::len(self.caseload)]]
        bulk.insert(Allocation, ("prisoner", "user", "started_at", "ended_at", "reason",
                                 "allocated_by"), rows)

    def _keep_aparts(self, drafts: list[Draft]) -> None:
        """Co-defendants and rivals among the terrorism-related, each pair in separate units."""
        flagged = [d for d in drafts if d.terrorism]
        self.rng.shuffle(flagged)
        orders = []
        for a, b in zip(flagged[::2], flagged[1::2], strict=False):
            if a.unit == b.unit or self.rng.random() < 0.5:
                continue
            orders.append(KeepApart(
                prisoner_a_id=a.extra["pk"], prisoner_b_id=b.extra["pk"],
                reason=self.rng.choice(("co_defendants", "rivals", "intelligence")),
                level="unit", details="Synthetic demo order", created_by=self.actor,
                updated_by=self.actor))
        KeepApart.objects.bulk_create(orders, batch_size=BATCH)
