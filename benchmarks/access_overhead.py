"""What the access policy and the audit trail cost on API reads and writes.

Runs the same API calls with Custos as it is, and with the policy and the trail switched
off in-process (scopes return every row, checks pass, `trail.record` does nothing), in
alternating rounds so both see the same machine. Target: at most 15 % more time.
Usage: python benchmarks/access_overhead.py [--prisoners N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from bench_setup import ROOT, django_against

TARGET_PCT = 15.0


@contextmanager
def without_policy_and_audit():
    from custos.access import drf, policy
    from custos.audit import trail

    saved = (policy.scope, policy.can, trail.record, drf.Policy.has_permission)
    policy.scope = lambda user, permission, queryset, **kw: queryset
    policy.can = lambda *args, **kwargs: True
    trail.record = lambda *args, **kwargs: None
    drf.Policy.has_permission = lambda self, request, view: True
    try:
        yield
    finally:
        policy.scope, policy.can, trail.record, drf.Policy.has_permission = saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prisoners", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/var/bench/overhead.sqlite3")
    args = parser.parse_args()
    django_against(args.database_url)
    from django.core.management import call_command
    from django.test import Client

    from custos.accounts.models import ApiToken, User
    from custos.custody.models import Cell, Prisoner

    call_command("seed_demo", prisoners=args.prisoners, facilities=4, seed=3,
                 password="bench-password-1", stdout=open(os.devnull, "w"))  # noqa: SIM115
    director = User.objects.get(username="director")
    _, key = ApiToken.issue(user=director, label="benchmark")
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    rng = random.Random(5)
    ids = list(Prisoner.objects.values_list("pk", flat=True)[:5000])
    # Writes: move one single prisoner between two empty single cells, back and forth.
    spare = list(Cell.objects.filter(single_occupancy=True, occupants__isnull=True)[:2])
    mover = Prisoner.objects.filter(current_cell__single_occupancy=True).first()

    def read_detail():
        assert api.get(f"/api/v1/prisoners/{rng.choice(ids)}/").status_code == 200

    def read_list():
        assert api.get("/api/v1/prisoners/", {"page": rng.randint(1, 50)}).status_code == 200

    state = {"n": 0}

    def write():
        state["n"] += 1
        cell = spare[state["n"] % 2]
        response = api.post("/api/v1/placements/", {"prisoner": mover.pk, "cell": cell.pk,
                                                     "reason": "benchmark move"},
                            content_type="application/json")
        assert response.status_code == 201, response.content

    calls = {"api_read_detail": read_detail, "api_read_list": read_list, "api_write": write}
    samples = {name: {"with": [], "without": []} for name in calls}
    for name, call in calls.items():
        for _ in range(5):
            call()  # warm up
        for _ in range(args.rounds):
            for mode in ("with", "without"):
                started = time.perf_counter()
                if mode == "with":
                    for _ in range(args.per_round):
                        call()
                else:
                    with without_policy_and_audit():
                        for _ in range(args.per_round):
                            call()
                samples[name][mode].append((time.perf_counter() - started) / args.per_round)

    results = []
    for name, modes in samples.items():
        with_ms = statistics.median(modes["with"]) * 1000
        without_ms = statistics.median(modes["without"]) * 1000
        overhead = 100 * (with_ms - without_ms) / without_ms
        results.append({"name": name, "with_ms": round(with_ms, 2),
                        "without_ms": round(without_ms, 2), "overhead_pct": round(overhead, 1),
                        "target_pct": TARGET_PCT, "met": overhead <= TARGET_PCT})
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "benchmarks" / "results" / f"access-overhead-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"when": stamp, "database": args.database_url.split(":")[0],
                               "prisoners": args.prisoners, "results": results}, indent=2))
    print(f"\n{'measurement':<18}{'with ms':>10}{'without ms':>12}{'overhead':>10}  met")
    for r in results:
        print(f"{r['name']:<18}{r['with_ms']:>10}{r['without_ms']:>12}"
              f"{r['overhead_pct']:>9}%  {'yes' if r['met'] else 'NO'}")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
