"""How long `custos audit verify` takes on a long trail: `python benchmarks/audit_verify.py`.

Builds 1,000,000 audit entries (correct hashes, realistic content) in a fresh SQLite
database under var/bench/, written with `executemany` (custos.demo.bulk), then times
`chain.verify` — the walk `custos audit verify` does — twice, and once more through the
command itself. Target: under 60 s. Writes JSON to benchmarks/results/ and prints a table.
Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from bench_setup import ROOT, django_against

RESULTS = ROOT / "benchmarks" / "results"
TARGET_SECONDS = 60
ACTIONS = ["prisoner.view", "prisoner.view", "prisoner.view", "placement.create",
           "prisoner.update", "keep_apart.create", "access.denied", "prisoner.admit",
           "prisoner.release", "custody.export", "access.break_glass", "audit.view"]
USERS = [("director", "director"), ("security", "security"), ("casemanager", "casemanager"),
         ("analyst", "analyst"), ("auditor", "auditor"), ("assessor", "assessor")]
REASONS = ["", "", "", "Routine review of the file", "Keep apart: rival networks (A/B wing)",
           "Transfer after risk assessment — décision du directeur", "نقل بعد تقييم المخاطر"]


def build(entries: int, seed: int) -> float:
    """Write `entries` chained entries; returns the seconds it took."""
    from django.db import transaction

    from custos.audit import trail
    from custos.audit.models import AuditEntry
    from custos.demo import bulk

    rng = random.Random(seed)
    fields = ("id", "at", "actor", "actor_name", "roles", "action", "object_type", "object_id",
              "object_repr", "changes", "reason", "recipients", "ip", "request_id", "via",
              "prev_hash", "hash")
    started = time.perf_counter()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    prev = trail.GENESIS
    next_id = bulk.next_id(AuditEntry)
    batch = []
    for i in range(entries):
        at += timedelta(microseconds=rng.randint(1, 60_000_000))
        name, role = rng.choice(USERS)
        action = rng.choice(ACTIONS)
        pid = rng.randint(1, 100_000)
        changes = ({"cell": [rng.randint(1, 9000), rng.randint(1, 9000)],
                    "override_reason": ""} if action == "placement.create"
                   else {"permission": "custody.view"} if action == "access.denied"
                   else {})
        values = {
            "at": at, "actor": None, "actor_name": name, "roles": role, "action": action,
            "object_type": "custody.prisoner", "object_id": str(pid),
            "object_repr": f"UG-01-{pid:06d} Prisoner {pid}", "changes": changes,
            "reason": rng.choice(REASONS),
            "recipients": "Ministry of Justice, inspection unit" if action == "custody.export"
            else "",
            "ip": f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "request_id": str(uuid.UUID(int=rng.getrandbits(128))), "via": "web",
            "prev_hash": prev,
        }
        prev = trail.hash_values(values)
        values["hash"] = prev
        values["id"] = next_id + i
        values["changes"] = json.dumps(changes)
        batch.append(tuple(values[f] for f in fields))
        if len(batch) == 50_000:
            with transaction.atomic():
                bulk.insert(AuditEntry, fields, batch)
            batch = []
    with transaction.atomic():
        bulk.insert(AuditEntry, fields, batch)
    bulk.reset_sequences(AuditEntry)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2, help="timed verify runs")
    parser.add_argument("--database-url",
                        default=f"sqlite:///{ROOT}/var/bench/audit-verify.sqlite3")
    parser.add_argument("--reuse", action="store_true",
                        help="keep an already-built benchmark database")
    args = parser.parse_args()

    sqlite = args.database_url.startswith("sqlite")
    # PostgreSQL is never emptied here: its audit table refuses DELETE (see below).
    django_against(args.database_url, fresh=sqlite and not args.reuse)
    from django.core.management import call_command

    from custos.audit import chain
    from custos.audit.models import AuditEntry

    results = []
    if not (args.reuse and AuditEntry.objects.count() >= args.entries):
        if not sqlite:
            raise SystemExit("on PostgreSQL pass --reuse with a database built elsewhere: the "
                             "audit table refuses DELETE, so it is never emptied here")
        seconds = build(args.entries, seed=1)
        results.append({"name": "build", "entries": args.entries, "seconds": round(seconds, 1)})

    count = AuditEntry.objects.count()
    for run in range(1, args.runs + 1):
        report = chain.verify()
        if not report.ok:
            raise SystemExit("the benchmark chain does not verify: " + "; ".join(report.lines()))
        results.append({"name": f"verify #{run}", "entries": report.count,
                        "seconds": round(report.seconds, 1), "target_seconds": TARGET_SECONDS,
                        "met": report.seconds < TARGET_SECONDS,
                        "entries_per_second": round(report.count / report.seconds)})
    started = time.perf_counter()
    call_command("audit", "verify", stdout=open(os.devnull, "w"))  # noqa: SIM115
    seconds = time.perf_counter() - started
    results.append({"name": "custos audit verify", "entries": count, "seconds": round(seconds, 1),
                    "target_seconds": TARGET_SECONDS, "met": seconds < TARGET_SECONDS})

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {"when": stamp, "database": args.database_url.split(":")[0],
                "entries": count, "cpus": os.cpu_count(), "results": results}
    out = RESULTS / f"audit-verify-{stamp}.json"
    out.write_text(json.dumps(document, indent=2))

    print(f"\n{'measurement':<22}{'entries':>10}{'seconds':>10}{'target':>10}  met")
    for r in results:
        target = f"{r['target_seconds']}s" if "target_seconds" in r else "-"
        met = ("yes" if r["met"] else "NO") if "met" in r else ""
        print(f"{r['name']:<22}{r['entries']:>10}{r['seconds']:>9}s{target:>10}  {met}")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0 if all(r.get("met", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
