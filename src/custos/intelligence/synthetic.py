"""Communications files shaped like a national prison system's, for benchmarks and trials.

`create_estate` makes facilities and prisoners quickly (bulk inserts); `write_communications`
writes a year of events between them and outside people, vectorised with numpy:

- each prisoner has a few family contacts, who call, visit, write and send money;
- a few outside people ("hubs") are in contact with many prisoners across facilities;
- a few prisoners are released, and serving prisoners still call them;
- outside people have one to three phone numbers, and some numbers are also written in
  local notation or appear with a variant of the person's name (surname first, a
  transliteration), so identity resolution has work.

Prisoner i belongs to facility i mod F in both functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

FIRST = ["Amina", "Moussa", "Fatoumata", "Ibrahim", "Aïcha", "Mohamed", "Mariam", "Oumar",
         "Kadiatou", "Souleymane", "Awa", "Bakary", "Hawa", "Youssouf", "Salimata", "Adama",
         "Fatima", "Hassan", "Khadija", "Abdoulaye", "Nafissatou", "Issa", "Rokia", "Seydou"]
VARIANTS = {"Mohamed": "Muhammad", "Aïcha": "Aissata", "Fatoumata": "Fatimata",
            "Youssouf": "Yusuf", "Oumar": "Umar", "Hassan": "Hasan", "Khadija": "Khadidja",
            "Ibrahim": "Brahim", "Issa": "Isa", "Abdoulaye": "Abdullahi"}
LAST = ["Diallo", "Traoré", "Keïta", "Coulibaly", "Konaté", "Camara", "Sissoko", "Touré",
        "Cissé", "Diarra", "Sangaré", "Kouyaté", "Maïga", "Doumbia", "Sidibé", "Ballo",
        "Dembélé", "Sylla", "Fofana", "Bagayoko"]
KINDS = np.array(["call", "video_call", "visit", "letter", "money_transfer"])
KIND_SHARE = [0.70, 0.08, 0.10, 0.07, 0.05]
YEAR_SECONDS = 365 * 24 * 3600


def prison_number(i: int) -> str:
    return f"N{i:07d}"


def facility_code(i: int) -> str:
    return f"F{i:03d}"


def create_estate(*, prisoners: int, facilities: int, released_share: float = 0.02
                  ) -> tuple[list[str], list[str]]:
    """Facilities and prisoners in bulk (no names, placements or audit: benchmark data).
    Returns the prison numbers and facility codes."""
    from custos.custody.models import Facility, Prisoner

    codes = [facility_code(i) for i in range(facilities)]
    Facility.objects.bulk_create(
        [Facility(code=c, name=f"Prison {c}", country="ML", security_level="high",
                  official_capacity=prisoners // facilities + 1, population_served="men")
         for c in codes], ignore_conflicts=True)
    ids = dict(Facility.objects.filter(code__in=codes).values_list("code", "pk"))
    admitted = datetime(2020, 1, 1, tzinfo=UTC)
    released_from = int(prisoners * (1 - released_share))
    numbers = [prison_number(i) for i in range(prisoners)]
    batch = 10_000
    for start in range(0, prisoners, batch):
        Prisoner.objects.bulk_create([
            Prisoner(prison_number=numbers[i], display_name=f"Prisoner {i}",
                     date_of_birth=date(1980 + i % 25, 1 + i % 12, 1 + i % 28), sex="M",
                     legal_status="convicted", facility_id=ids[codes[i % facilities]],
                     admitted_at=admitted,
                     status="released" if i >= released_from else "in_custody",
                     released_at=admitted + timedelta(days=1000) if i >= released_from
                     else None)
            for i in range(start, min(prisoners, start + batch))], ignore_conflicts=True)
    return numbers, codes


def _people(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """One row per (person, reference, name as written): the ways each person appears."""
    first = rng.integers(0, len(FIRST), n)
    last = rng.integers(0, len(LAST), n)
    names = [f"{FIRST[a]} {LAST[b]}" for a, b in zip(first, last, strict=True)]
    variants = [f"{LAST[b].upper()} {VARIANTS.get(FIRST[a], FIRST[a])}"
                for a, b in zip(first, last, strict=True)]
    person = np.arange(n)
    numbers = 60_000_000 + person * 7 + 3  # distinct 8-digit subscriber numbers
    international = [f"+223 {x // 1_000_000:02d} {x // 1000 % 1000:03d} {x % 1000:03d}"
                     for x in numbers]
    local = [f"0{x}" for x in numbers]
    second = [f"+33 7 {x % 100_000_000:08d}" for x in numbers]
    rows = [pl.DataFrame({"person": person, "ref": international, "name": names})]
    has_local = rng.random(n) < 0.10  # the same number written locally, name as a variant
    rows.append(pl.DataFrame({"person": person[has_local],
                              "ref": np.array(local, dtype=object)[has_local].tolist(),
                              "name": np.array(variants, dtype=object)[has_local].tolist()}))
    has_second = rng.random(n) < 0.20
    rows.append(pl.DataFrame({"person": person[has_second],
                              "ref": np.array(second, dtype=object)[has_second].tolist(),
                              "name": np.array(names, dtype=object)[has_second].tolist()}))
    return pl.concat(rows).sort("person", maintain_order=True)


def events_frame(*, prisoners: Sequence[str], people: int, events: int,
                 facilities: Sequence[str], seed: int = 1, year: int = 2025,
                 released_share: float = 0.02) -> pl.DataFrame:
    """The canonical columns of `events` synthetic events."""
    rng = np.random.default_rng(seed)
    n_prisoners, n_facilities = len(prisoners), len(facilities)
    released_from = int(n_prisoners * (1 - released_share))
    serving = max(1, released_from)
    refs = _people(people, rng)
    starts = np.searchsorted(refs["person"].to_numpy(), np.arange(people))
    counts = np.diff(np.append(starts, refs.height))

    # Who: a serving prisoner, busier ones more often (a heavy-tailed activity).
    activity = rng.pareto(1.5, serving) + 1
    prisoner = rng.choice(serving, size=events, p=activity / activity.sum())
    # With whom: mostly family (people p, p + serving, p + 2·serving… are prisoner p's),
    # sometimes a hub, sometimes a released prisoner.
    family_size = max(1, (people * 9 // 10) // serving)
    family = prisoner + serving * rng.integers(0, family_size, events)
    family = np.where(family < people * 9 // 10, family, prisoner % max(1, people * 9 // 10))
    hubs = people - people * 9 // 10
    hub = people * 9 // 10 + rng.integers(0, max(1, hubs), events)
    kind_of_contact = rng.random(events)
    outside = np.where(kind_of_contact < 0.9, family, np.minimum(hub, people - 1))
    to_released = (kind_of_contact > 0.985) & (released_from < n_prisoners)
    released = released_from + rng.integers(0, max(1, n_prisoners - released_from), events)

    ref_row = starts[outside] + rng.integers(0, 1 << 30, events) % counts[outside]
    outside_ref = refs["ref"].gather(ref_row)
    outside_name = refs["name"].gather(ref_row)
    numbers = pl.Series(list(prisoners))
    prisoner_ref = numbers.gather(prisoner)
    released_ref = numbers.gather(np.minimum(released, n_prisoners - 1))
    kind = KINDS[rng.choice(len(KINDS), size=events, p=KIND_SHARE)]
    outward = (kind == "call") | (kind == "video_call") | (kind == "letter") & (
        rng.random(events) < 0.5)

    start = datetime(year, 1, 1, tzinfo=UTC)
    day = rng.integers(0, 365, events) * 86_400
    hour = np.clip(rng.normal(15, 3, events), 8, 21.9) * 3600
    when = (pl.Series(np.int64(start.timestamp()) + day + hour.astype(np.int64)) * 1_000_000
            ).cast(pl.Datetime("us", "UTC"))
    duration = np.where(kind == "call", rng.exponential(420, events).astype(np.int64) + 5,
                        np.where(kind == "video_call", rng.integers(600, 1800, events),
                                 np.where(kind == "visit", rng.integers(1800, 7200, events),
                                          -1)))
    amount = np.where(kind == "money_transfer", rng.integers(500, 20_000, events) / 100, -1.0)
    frame = pl.DataFrame({
        "kind": kind, "occurred_at": when, "prisoner": prisoner_ref,
        "outside": outside_ref, "outside_name": outside_name, "released": released_ref,
        "to_released": to_released, "outward": outward | to_released,
        "duration_seconds": duration, "amount": amount,
        "facility": pl.Series(list(facilities)).gather(prisoner % n_facilities),
    }).with_columns(
        pl.when("to_released").then("released").otherwise("outside").alias("other"),
        pl.when("to_released").then(pl.lit(None, pl.String)).otherwise("outside_name")
        .alias("other_name"))
    return frame.select(
        "kind",
        pl.col("occurred_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        pl.when("outward").then("prisoner").otherwise("other").alias("from_ref"),
        pl.when("outward").then(pl.lit(None, pl.String)).otherwise("other_name")
        .alias("from_name"),
        pl.when("outward").then("other").otherwise("prisoner").alias("to_ref"),
        pl.when("outward").then("other_name").otherwise(pl.lit(None, pl.String))
        .alias("to_name"),
        pl.when(pl.col("duration_seconds") >= 0).then("duration_seconds"),
        pl.when(pl.col("amount") >= 0).then(pl.col("amount").round(2)).alias("amount"),
        "facility",
    )


def write_communications(path: Path | str, *, prisoners: Sequence[str], people: int,
                         events: int, facilities: Sequence[str], seed: int = 1,
                         fmt: str = "csv") -> Path:
    """Write a canonical file ("csv" or "parquet") or a callsys export ("callsys": the
    calls only) of synthetic events; returns its path."""
    frame = events_frame(prisoners=prisoners, people=people, events=events,
                         facilities=facilities, seed=seed)
    path = Path(path)
    if fmt == "parquet":
        frame.write_parquet(path)
    elif fmt == "callsys":
        calls = frame.filter(pl.col("kind") == "call").select(
            pl.col("occurred_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ")
            .dt.strftime("%d/%m/%Y %H:%M:%S").alias("CALL_START"),
            pl.col("from_ref").alias("INMATE_ID"), pl.col("to_ref").alias("DIALLED_NUMBER"),
            pl.col("to_name").alias("CONTACT_NAME"),
            pl.col("duration_seconds").alias("DURATION_SEC"), pl.col("facility").alias("SITE"),
            pl.lit("Y").alias("RECORDED"))
        calls.write_csv(path, separator=";")
    else:
        frame.write_csv(path)
    return path
