"""Custos speed measurements: `make bench` (or `python benchmarks/run.py --help`).

Builds a demo system of 100,000 prisoners in a fresh database (SQLite by default), then
times, through Django's full request path (middleware, access policy, audit, templates):
name search, the prisoner file page and an API list page. Writes JSON to
benchmarks/results/ and prints a table. Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime

from bench_setup import ROOT, django_against

RESULTS = ROOT / "benchmarks" / "results"
TARGETS_MS = {"search": 50, "prisoner_file": 100, "api_list": 100}
QUERIES = ["Mohamed", "Muhammad", "محمد", "Мухаммед", "Fatima", "فاطمة", "Youssef Traoré",
           "Abdoulaye Diallo", "Krasniqi", "Okello", "Ahmed", "عمر", "Khadija", "Ibrahim Maïga",
           "Nurlan", "Hassan", "Amina Coulibaly", "Bilal", "UG-01-0", "Souleymane"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(name: str, samples: list[float], target: float | None) -> dict:
    ms = [s * 1000 for s in samples]
    result = {"name": name, "n": len(ms), "p50_ms": round(statistics.median(ms), 2),
              "p95_ms": round(percentile(ms, 95), 2), "max_ms": round(max(ms), 2)}
    if target is not None:
        result["target_p95_ms"] = target
        result["met"] = result["p95_ms"] <= target
    return result


def timed(call, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def verified_second_factor(client, user) -> None:
    """Mark the session as having passed the TOTP step, as sign-in with a code does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prisoners", type=int, default=100_000)
    parser.add_argument("--facilities", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement")
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/var/bench/bench.sqlite3")
    parser.add_argument("--reuse", action="store_true",
                        help="keep an already-seeded benchmark database")
    args = parser.parse_args()

    django_against(args.database_url, fresh=not args.reuse)
    from django.core.management import call_command
    from django.test import Client

    from custos.accounts.models import ApiToken, User
    from custos.custody.models import Prisoner

    results = []
    if not (args.reuse and Prisoner.objects.count() >= args.prisoners):
        if args.reuse and not args.database_url.startswith("sqlite"):
            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", prisoners=args.prisoners, facilities=args.facilities,
                     seed=1, password="bench-password-1", stdout=open(os.devnull, "w"))  # noqa: SIM115
        elapsed = time.perf_counter() - started
        results.append({"name": "seed_demo", "prisoners": args.prisoners,
                        "seconds": round(elapsed, 1), "target_seconds": 60,
                        "met": elapsed < 60, "database": args.database_url.split(":")[0]})

    rng = random.Random(7)
    director = User.objects.get(username="director")
    client = Client()
    client.force_login(director)
    verified_second_factor(client, director)
    ids = list(Prisoner.objects.values_list("pk", flat=True))
    pages = max(1, len(ids) // 50)
    _, key = ApiToken.issue(user=director, label="benchmark")
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")

    def check(response):
        if response.status_code != 200:
            raise SystemExit(f"{response.request['PATH_INFO']} answered {response.status_code}")

    measurements = {
        "search": lambda: check(client.get("/prisoners/", {"q": rng.choice(QUERIES)},
                                           HTTP_HX_REQUEST="true")),
        "prisoner_file": lambda: check(client.get(f"/prisoners/{rng.choice(ids)}/")),
        "api_list": lambda: check(api.get("/api/v1/prisoners/",
                                          {"page": rng.randint(1, pages)})),
    }
    for name, call in measurements.items():
        timed(call, 20)  # warm caches
        results.append(summary(name, timed(call, args.requests), TARGETS_MS[name]))

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {"when": stamp, "database": args.database_url.split(":")[0],
                "prisoners": Prisoner.objects.count(), "results": results}
    out = RESULTS / f"custody-{stamp}.json"
    out.write_text(json.dumps(document, indent=2))

    print(f"\n{'measurement':<16}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'target':>10}  met")
    for r in results:
        if "p95_ms" in r:
            print(f"{r['name']:<16}{r['n']:>6}{r['p50_ms']:>10}{r['p95_ms']:>10}"
                  f"{r['target_p95_ms']:>10}  {'yes' if r['met'] else 'NO'}")
        else:
            print(f"{r['name']:<16}{r['prisoners']:>6}{r['seconds']:>9}s{r['target_seconds']:>9}s"
                  f"  {'yes' if r['met'] else 'NO'}")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0 if all(r.get("met", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
