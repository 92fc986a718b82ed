"""Identity resolution's scoring speed: `python benchmarks/resolution.py` (`--quick` to try).

Builds outside-person records in memory, shaped like a national import (names in several
scripts and spellings, phone numbers shared by some, contacts with prisoners), then times
custos.intelligence.resolution's blocking (`_candidates`) and the scoring of every candidate
pair, as `propose` does before it writes. No database: the records are made directly.
Writes JSON to benchmarks/results/resolution.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime

from bench_setup import ROOT

RESULTS = ROOT / "benchmarks" / "results"
FIRST = ["Amina", "Aminata", "Mohamed", "Muhammad", "محمد", "Мухаммед", "Fatoumata", "فاطمة",
         "Ibrahim", "Aïcha", "Youssef", "Aziz", "Oumar", "Mariam", "Awa", "Nurlan", "Khadija"]
LAST = ["Diallo", "Traoré", "Keita", "Coulibaly", "Benali", "El Idrissi", "Touré", "Cissé",
        "Sow", "Kane", "Maïga", "Krasniqi", "Okello", "Abenov", "Trabelsi", "Haddad"]


def records(count: int, seed: int):
    from custos.intelligence.resolution import _Person

    rng = random.Random(seed)
    people = {}
    for pk in range(count):
        person = _Person(pk=pk, name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {pk % 997}",
                         created=(0, pk))
        # one record in five shares its phone number with another record
        number = rng.randrange(count * 4 // 5)
        person.identifiers[("phone", f"{number:08d}")] = f"+223 {number:08d}"
        person.contacts = {rng.randrange(count // 10 + 1) for _ in range(rng.randint(1, 3))}
        people[pk] = person
    return people


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 records instead of 200,000")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custos.settings.development")
    import django

    django.setup()
    from custos.intelligence.resolution import THRESHOLD, _candidates, score

    count = 20_000 if args.quick else 200_000
    people = records(count, args.seed)
    started = time.perf_counter()
    pairs = _candidates(people)
    blocking = time.perf_counter() - started
    started = time.perf_counter()
    proposed = sum(score(people[a], people[b])[0] >= THRESHOLD for a, b in pairs)
    scoring = time.perf_counter() - started
    row = {"records": count, "candidate_pairs": len(pairs), "proposed": proposed,
           "blocking_s": round(blocking, 2), "scoring_s": round(scoring, 2),
           "us_per_pair": round(scoring / max(len(pairs), 1) * 1e6, 1)}
    print(f"{'records':>9} {'pairs':>9} {'proposed':>9} {'blocking s':>11} {'scoring s':>10} "
          f"{'µs/pair':>8}")
    print(f"{count:>9,} {len(pairs):>9,} {proposed:>9,} {blocking:>11.2f} {scoring:>10.2f} "
          f"{row['us_per_pair']:>8}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("resolution-quick.json" if args.quick else "resolution.json")
    out.write_text(json.dumps({"when": datetime.now(UTC).isoformat(), "result": row}, indent=2))
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
