"""The overdue-assessment list for a facility of 10,000 prisoners (target: under 200 ms).

Usage: python benchmarks/assessments_due.py [--prisoners N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime

from bench_setup import ROOT, django_against

TARGET_MS = 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prisoners", type=int, default=10_000)
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/var/bench/due.sqlite3")
    args = parser.parse_args()
    django_against(args.database_url)
    from django.core.management import call_command

    from custos.accounts.models import User
    from custos.assessments.due import due_list
    from custos.custody.models import Facility

    call_command("seed_demo", prisoners=args.prisoners, facilities=1, seed=4,
                 password="bench-password-1", stdout=open(os.devnull, "w"))  # noqa: SIM115
    for name in ("intake-screening.yaml", "ve-risk-needs.yaml"):
        call_command("load_instrument", str(ROOT / "instruments" / name),
                     stdout=open(os.devnull, "w"))  # noqa: SIM115
    director = User.objects.get(username="director")
    facility = Facility.objects.get()
    samples = []
    for _ in range(20):
        started = time.perf_counter()
        rows = due_list(user=director, facility=facility)
        samples.append((time.perf_counter() - started) * 1000)
    result = {"name": "due_list", "prisoners": args.prisoners, "rows": len(rows),
              "p50_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1),
              "target_ms": TARGET_MS, "met": max(samples) < TARGET_MS}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "benchmarks" / "results" / f"assessments-due-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\n{'measurement':<12}{'prisoners':>10}{'rows':>8}{'p50 ms':>9}{'max ms':>9}"
          f"{'target':>8}  met")
    print(f"{'due_list':<12}{args.prisoners:>10}{len(rows):>8}{result['p50_ms']:>9}"
          f"{result['max_ms']:>9}{TARGET_MS:>8}  {'yes' if result['met'] else 'NO'}")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
