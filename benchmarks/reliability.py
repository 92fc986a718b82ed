"""Reliability statistics at scale: `python benchmarks/reliability.py`.

Target (issue 4): reliability statistics for 10,000 double-rated assessments in under 5 s.
Generates synthetic, seeded data — 10,000 assessments, each rated independently by two of
50 assessors on 20 items of a 4-level scale (some items and some assessors deliberately
noisy) — then times, with custos.assessments.reliability: quadratic-weighted kappa per item,
overall (all item ratings pooled), per assessor (each against their partners) and ICC(1,1)
and ICC(2,1) of the total scores. Everything is vectorised with numpy (confusion tables by
np.bincount); no Python loop over assessments. Also times the tuple-based service layer
(agreement_by_item / agreement_by_rater) on the same data, for information. Writes JSON to
benchmarks/results/ and prints a table. Never part of the test run; needs no database.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from custos.assessments import reliability as rel

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET_SECONDS = 5.0
LEVELS = 4


def generate(assessments: int, items: int, raters: int, seed: int) -> dict[str, np.ndarray]:
    """Two independent ratings per item per assessment from a latent risk, seeded."""
    rng = np.random.default_rng(seed)
    risk = rng.normal(size=(assessments, 1))
    loading = rng.uniform(0.6, 1.2, size=(1, items))
    noise_sd = np.full((1, items), 0.45)
    noise_sd[0, -3:] = 1.2                      # three unreliable items
    severity = rng.normal(0, 0.15, size=raters)
    severity[:3] += 0.8                          # three harsh assessors
    rater_a = rng.integers(0, raters, assessments)
    rater_b = (rater_a + rng.integers(1, raters, assessments)) % raters

    def rate(rater):
        latent = (risk * loading + severity[rater][:, None]
                  + rng.normal(size=(assessments, items)) * noise_sd)
        return np.clip(np.round(latent + 1.5), 0, LEVELS - 1).astype(np.intp)

    return {"a": rate(rater_a), "b": rate(rater_b), "rater_a": rater_a, "rater_b": rater_b}


def statistics_run(data: dict[str, np.ndarray]) -> dict:
    a, b = data["a"], data["b"]
    assessments, items = a.shape
    cats = range(LEVELS)
    item_codes = np.broadcast_to(np.arange(items), a.shape).ravel()
    per_item = rel.kappa_by_group(item_codes, a.ravel(), b.ravel(), categories=cats)
    overall = rel.weighted_kappa(a.ravel(), b.ravel(), categories=cats)
    per_rater = rel.kappa_by_rater(np.repeat(data["rater_a"], items),
                                   np.repeat(data["rater_b"], items), a.ravel(), b.ravel(),
                                   categories=cats)
    totals = np.column_stack([a.sum(axis=1), b.sum(axis=1)])
    icc1 = rel.icc(totals, form="ICC(1,1)")
    icc2 = rel.icc(totals, form="ICC(2,1)")
    return {"per_item": per_item, "overall": overall, "per_rater": per_rater,
            "icc1": icc1, "icc2": icc2}


def service_run(data: dict[str, np.ndarray]) -> None:
    a, b = data["a"].tolist(), data["b"].tolist()
    items = len(a[0])
    scale = tuple(range(LEVELS))
    rel.agreement_by_item((f"I{j:02d}", x[j], y[j], scale)
                          for x, y in zip(a, b, strict=True) for j in range(items))
    rel.agreement_by_rater((ra, rb, x[j], y[j], scale)
                           for ra, rb, x, y in zip(data["rater_a"].tolist(),
                                                   data["rater_b"].tolist(), a, b, strict=True)
                           for j in range(items))


def timed(call, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def summary(name: str, samples: list[float], target: float | None) -> dict:
    result = {"name": name, "n": len(samples),
              "p50_s": round(statistics.median(samples), 3), "max_s": round(max(samples), 3)}
    if target is not None:
        result["target_s"] = target
        result["met"] = result["max_s"] <= target
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--raters", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    data = generate(args.assessments, args.items, args.raters, args.seed)
    found = statistics_run(data)                       # warm up, and keep for the report
    results = [
        summary("statistics", timed(lambda: statistics_run(data), args.repeat), TARGET_SECONDS),
        summary("service_layer", timed(lambda: service_run(data), max(1, args.repeat // 2)),
                None),
    ]
    kappas = {f"I{i:02d}": round(e.value, 3) for i, e in found["per_item"].items()}
    by_rater = sorted(found["per_rater"].items(), key=lambda kv: kv[1].value)
    findings = {
        "overall_kappa": round(found["overall"].value, 3),
        "icc1_totals": [round(v, 3) for v in (found["icc1"].value, found["icc1"].ci_low,
                                              found["icc1"].ci_high)],
        "icc2_totals": round(found["icc2"].value, 3),
        "lowest_items": dict(sorted(kappas.items(), key=lambda kv: kv[1])[:3]),
        "lowest_raters": {int(r): round(e.value, 3) for r, e in by_rater[:3]},
    }

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {"when": stamp, "assessments": args.assessments, "items": args.items,
                "raters": args.raters, "levels": LEVELS, "seed": args.seed,
                "rating_pairs": args.assessments * args.items, "results": results,
                "findings": findings}
    out = RESULTS / f"reliability-{stamp}.json"
    out.write_text(json.dumps(document, indent=2))

    print(f"\n{'measurement':<16}{'n':>6}{'p50 s':>10}{'max s':>10}{'target':>10}  met")
    for r in results:
        target = f"{r['target_s']}s" if "target_s" in r else "-"
        met = ("yes" if r["met"] else "NO") if "met" in r else "-"
        print(f"{r['name']:<16}{r['n']:>6}{r['p50_s']:>10}{r['max_s']:>10}{target:>10}  {met}")
    print(f"\n{args.assessments:,} assessments × {args.items} items, {args.raters} assessors; "
          f"overall kappa {findings['overall_kappa']}, ICC(1,1) of totals "
          f"{findings['icc1_totals'][0]}")
    print(f"least reliable items {findings['lowest_items']}; "
          f"assessors {findings['lowest_raters']}")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0 if all(r.get("met", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
