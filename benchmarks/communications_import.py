"""Communications import speed: `python benchmarks/communications_import.py` (`--quick` to try).

Target (issue: prison intelligence): 200,000 events per second or faster into PostgreSQL,
for a year of a national system — 10,000,000 events, 100,000 prisoners, 300,000 outside
people. In a PostgreSQL database of its own (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/custos_bench_import, created when missing, emptied and
migrated), creates the facilities and prisoners in bulk, writes a synthetic canonical file
(custos.intelligence.synthetic), then times `communications_import` of it (every person,
identifier and party created, every event new), the validation of the foreign keys the
first load put back NOT VALID (the background job that follows its commit), and the import
again (every event a duplicate). Writes
JSON to benchmarks/results/communications_import.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from bench_setup import ROOT, django_against

RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/custos_bench_import"
TARGET_PER_SECOND = 200_000


def ensure_database(url: str) -> None:
    """Create the benchmark's database when it does not exist (never the one named test)."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if name in ("", "test", "postgres"):
        raise SystemExit(f"Refusing to run the benchmark in the database {name!r}.")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                   [name]).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{name}"')


def timed_import(path: Path) -> tuple[float, object]:
    from custos.intelligence.importing import communications_import

    started = time.perf_counter()
    result = communications_import(acting_user=None, path=path)
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="200,000 events")
    parser.add_argument("--prisoners", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--facilities", type=int, default=40)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    args = parser.parse_args()
    events = 200_000 if args.quick else args.events
    if not args.database_url.startswith("postgres"):
        raise SystemExit("The import benchmark runs on PostgreSQL (--database-url).")

    ensure_database(args.database_url)
    django_against(args.database_url, fresh=True)
    from django.db import connection

    from custos.intelligence import synthetic
    from custos.intelligence.importing.loading import validate_event_keys
    from custos.intelligence.models import CommunicationEvent, OutsidePerson

    started = time.perf_counter()
    numbers, codes = synthetic.create_estate(prisoners=args.prisoners,
                                             facilities=args.facilities)
    estate_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"communications.{args.format}"
        started = time.perf_counter()
        synthetic.write_communications(path, prisoners=numbers, people=args.people,
                                       events=events, facilities=codes, seed=1,
                                       fmt=args.format)
        write_s = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")  # the set-up's own writes are not the import's
        first_s, first = timed_import(path)
        started = time.perf_counter()
        validated = validate_event_keys()  # what the worker does after the first commit
        validate_s = time.perf_counter() - started
        second_s, second = timed_import(path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))",
                       [CommunicationEvent._meta.db_table])
        table_size = cursor.fetchone()[0]

    def rate(seconds: float) -> int:
        return round(events / seconds) if seconds else 0

    results = [
        {"name": "first import", "events": events, "rows": first.rows, "added": first.added,
         "duplicates": first.duplicates, "rejected": first.rejected_count,
         "seconds": round(first_s, 2), "events_per_second": rate(first_s),
         "target_per_second": TARGET_PER_SECOND, "met": rate(first_s) >= TARGET_PER_SECOND},
        {"name": "re-import", "events": events, "rows": second.rows, "added": second.added,
         "duplicates": second.duplicates, "rejected": second.rejected_count,
         "seconds": round(second_s, 2), "events_per_second": rate(second_s),
         "target_per_second": TARGET_PER_SECOND, "met": rate(second_s) >= TARGET_PER_SECOND},
    ]
    document = {
        "when": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"), "database": "postgresql",
        "cpus": os.cpu_count(), "format": args.format, "events": events,
        "prisoners": args.prisoners, "people_generated": args.people,
        "outside_people_created": OutsidePerson.objects.count(),
        "file_mb": round(size_mb, 1), "estate_seconds": round(estate_s, 1),
        "file_seconds": round(write_s, 1), "event_table": table_size, "results": results,
        "keys_validated_after_commit": {"keys": len(validated),
                                        "seconds": round(validate_s, 2)},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "communications_import.json"
    out.write_text(json.dumps(document, indent=2))

    print(f"\n{events:,} events ({args.format}, {size_mb:.0f} MB), {args.prisoners:,} prisoners, "
          f"{document['outside_people_created']:,} outside people created; "
          f"estate {estate_s:.1f} s, file {write_s:.1f} s")
    print(f"{'measurement':<14}{'added':>12}{'duplicates':>12}{'seconds':>10}{'events/s':>12}"
          f"{'target':>10}  met")
    for r in results:
        print(f"{r['name']:<14}{r['added']:>12,}{r['duplicates']:>12,}{r['seconds']:>10}"
              f"{r['events_per_second']:>12,}{r['target_per_second']:>10,}  "
              f"{'yes' if r['met'] else 'NO'}")
    print(f"after the first import's commit, its {len(validated)} foreign keys validated in "
          f"{validate_s:.1f} s (a background job; readers and writers go on meanwhile)")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
