"""Housing optimiser speed and quality: `python benchmarks/housing.py` (`--quick` to try it).

Targets (issue 5): a facility of 2,000 prisoners in 600 cells with 300 keep-apart pairs —
a plan with no hard violation in under 10 s on 2 cores, and within 5% of the proven lower
bound in under 60 s. Anchor: a plain CP-SAT model (a Boolean per prisoner and cell) of 2,000
prisoners took ~30 s to its first solution and stood 34% above its bound after 60 s.

Generates the facility with custos.housing.synthetic (seed 1, shaped like the demo data,
current placements lawful), then times custos.housing.solver.solve on 2 workers: the first
report of an objective (progress callback), the plan at 10 s and at the full time limit
(objective, exposure, moves, bound, gap = (objective − bound) / objective, hard-rule
breaches), beside first fit and the current placements; and a growth table from 500 to
2,000 prisoners (prisoners:cells 10:3), each with the same time limit; and national plans
(custos.housing.synthetic.national_problem: facilities spread over a country, families near
their prisoner's facility for most) from 12,500 to 50,000 prisoners in 10 to 40 facilities,
target under 120 s for 50,000. The search's plans vary with the solver's seed: with
`--solver-seeds N` the long solve is repeated with seeds 0 to N-1, and the gap target is
judged on their mean gap. Writes JSON to benchmarks/results/housing.json and prints a
table. Pure: needs no database.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from custos.housing import synthetic
from custos.housing.diagnose import conflicts as count_conflicts
from custos.housing.evaluate import breaches
from custos.housing.solver import solve

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
FIRST_PLAN_TARGET_S = 10.0
GAP_TARGET = 0.05


def gap(objective: int | None, bound: int | None) -> float | None:
    if objective is None or bound is None:
        return None
    return round((objective - bound) / objective, 4) if objective else 0.0


def run(problem, time_limit: float, workers: int, seed: int = 0) -> dict:
    """One solve, with the time of the first objective the progress callback reports."""
    started = time.monotonic()
    reports: list[tuple[float, str, float, int | None, int | None]] = []
    outcome = solve(problem, time_limit=time_limit, workers=workers, seed=seed,
                    progress=lambda stage, done, obj, bound: reports.append(
                        (time.monotonic() - started, stage, done, obj, bound)))
    wall = time.monotonic() - started
    first = next((r for r in reports if r[3] is not None), None)
    broken = breaches(problem, outcome.placement)
    found = outcome.metrics
    return {
        "time_limit_s": time_limit,
        "solver_seed": seed,
        "seconds": round(wall, 2),
        "status": outcome.status,
        "method": outcome.method,
        "first_report_s": round(first[0], 2) if first else None,
        "first_report_stage": first[1] if first else None,
        "lawful": not broken,
        "breaches": sorted({b.code for b in broken}),
        "objective": found.get("objective"),
        "exposure": found.get("exposure"),
        "cell_exposure": found.get("cell_exposure"),
        "unit_exposure": found.get("unit_exposure"),
        "moves": found.get("moves"),
        "unplaced": found.get("unplaced"),
        "lower_bound": outcome.lower_bound,
        "gap": gap(found.get("objective"), outcome.lower_bound),
        "conflicts": [c["code"] for c in outcome.conflicts],
        "family_km": found.get("mean_family_distance_km"),
        "current_family_km": outcome.current.get("mean_family_distance_km"),
        "first_fit": {k: outcome.baseline.get(k) for k in
                      ("objective", "exposure", "moves", "unplaced")},
        "current": {k: outcome.current.get(k) for k in
                    ("objective", "exposure", "moves", "unplaced")},
    }


def facility(prisoners: int, cells: int, keep_aparts: int, seed: int):
    problem = synthetic.facility_problem(prisoners=prisoners, cells=cells,
                                         keep_aparts=keep_aparts, seed=seed)
    return problem, [c["code"] for c in count_conflicts(problem)]


def fmt(value) -> str:
    return "-" if value is None else str(value)


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and short limits, to check the script works")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="the long solve's limit (default 60 s; 10 s with --quick)")
    parser.add_argument("--growth-limit", type=float, default=None,
                        help="each growth solve's limit (default 20 s; 5 s with --quick)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="the generated problems' seed")
    parser.add_argument("--solver-seeds", type=int, default=1,
                        help="repeat the long solve with the solver's seeds 0 to N-1 and "
                             "report the mean gap (the search's plans vary with the seed)")
    parser.add_argument("--national-limit", type=float, default=None,
                        help="each national solve's limit (default 120 s; 20 s with --quick)")
    args = parser.parse_args()

    if args.quick:
        size = (1000, 300, 150)  # the smaller generated facilities rarely have a lawful plan
        growth = [(500, 150), (1000, 300)]
        short, long_limit, growth_limit = 3.0, args.time_limit or 10.0, args.growth_limit or 5.0
        national_sizes, national_limit = [(4, 4000)], args.national_limit or 20.0
    else:
        size = (2000, 600, 300)
        growth = [(500, 150), (1000, 300), (1500, 450), (2000, 600)]
        short, long_limit, growth_limit = 10.0, args.time_limit or 60.0, args.growth_limit or 20.0
        national_sizes = [(10, 12_500), (20, 25_000), (40, 50_000)]
        national_limit = args.national_limit or 120.0

    prisoners, cells, keep_aparts = size
    problem, counted = facility(prisoners, cells, keep_aparts, args.seed)
    print(f"facility: {prisoners:,} prisoners, {len(problem.cells)} cells, "
          f"{len(problem.keep_aparts)} keep-apart pairs, {len(problem.units)} units "
          f"(seed {args.seed}); counted conflicts: {counted or 'none'}", flush=True)
    at_short = run(problem, short, args.workers)
    print(f"  {short:g} s solve done ({at_short['status']}, {at_short['method']})", flush=True)
    at_long = run(problem, long_limit, args.workers)
    print(f"  {long_limit:g} s solve done ({at_long['status']}, {at_long['method']})", flush=True)
    repeats = [at_long]
    for solver_seed in range(1, args.solver_seeds):
        repeats.append(run(problem, long_limit, args.workers, seed=solver_seed))
        print(f"  {long_limit:g} s solve, solver seed {solver_seed}, done", flush=True)
    gaps = [r["gap"] for r in repeats if r["gap"] is not None]
    mean_gap = round(sum(gaps) / len(gaps), 4) if len(gaps) == len(repeats) else None

    rows = []
    for people, room in growth:
        grown, grown_counted = facility(people, room, round(people * 0.15), args.seed)
        result = run(grown, growth_limit, args.workers)
        result.update({"prisoners": people, "cells": len(grown.cells),
                       "keep_aparts": len(grown.keep_aparts), "counted": grown_counted})
        rows.append(result)
        print(f"  growth {people:,} done ({result['status']}, {result['seconds']} s)",
              flush=True)

    national = []
    for count, people in national_sizes:
        country = synthetic.national_problem(facilities=count, prisoners=people, seed=args.seed)
        result = run(country, national_limit, args.workers)
        result.update({"facilities": count, "prisoners": people, "units": len(country.units)})
        national.append(result)
        print(f"  national {people:,} done ({result['status']}, {result['seconds']} s)",
              flush=True)

    document = {
        "when": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "quick": args.quick, "workers": args.workers, "seed": args.seed,
        "facility": {"prisoners": prisoners, "cells": len(problem.cells),
                     "keep_aparts": len(problem.keep_aparts), "units": len(problem.units),
                     "counted_conflicts": counted},
        "targets": {"first_plan_s": FIRST_PLAN_TARGET_S, "gap": GAP_TARGET},
        "short": at_short, "long": at_long, "long_by_solver_seed": repeats,
        "long_mean_gap": mean_gap, "growth": rows, "national": national,
        "met": {"lawful_plan_within_short": at_short["lawful"]
                and at_short["seconds"] <= FIRST_PLAN_TARGET_S + 1,
                "gap_within_long": mean_gap is not None and mean_gap <= GAP_TARGET},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("housing-quick.json" if args.quick else "housing.json")
    out.write_text(json.dumps(document, indent=2))

    print(f"\n{'plan':<14}{'secs':>7}{'status':>11}{'lawful':>8}{'objective':>11}"
          f"{'exposure':>10}{'moves':>7}{'bound':>9}{'gap':>8}")
    for name, r in ((f"solver {short:g} s", at_short), (f"solver {long_limit:g} s", at_long),
                    *((f"  seed {r['solver_seed']}", r) for r in repeats[1:])):
        print(f"{name:<14}{r['seconds']:>7}{r['status']:>11}{'yes' if r['lawful'] else 'NO':>8}"
              f"{fmt(r['objective']):>11}{fmt(r['exposure']):>10}{fmt(r['moves']):>7}"
              f"{fmt(r['lower_bound']):>9}{pct(r['gap']):>8}")
    for name, r in (("first fit", at_long["first_fit"]), ("current", at_long["current"])):
        print(f"{name:<14}{'':>7}{'':>11}{'':>8}{fmt(r['objective']):>11}"
              f"{fmt(r['exposure']):>10}{fmt(r['moves']):>7}"
              f"   (unplaced {r['unplaced']})")
    if len(repeats) > 1:
        print(f"mean gap of the {long_limit:g} s solves over {len(repeats)} solver seeds: "
              f"{pct(mean_gap)}")
    print(f"first objective reported after {fmt(at_long['first_report_s'])} s "
          f"({at_long['first_report_stage']} stage)")

    print(f"\n{'prisoners':>10}{'cells':>7}{'secs':>7}{'first s':>9}{'status':>11}"
          f"{'lawful':>8}{'objective':>11}{'bound':>9}{'gap':>8}{'first fit':>11}")
    for r in rows:
        print(f"{r['prisoners']:>10,}{r['cells']:>7}{r['seconds']:>7}"
              f"{fmt(r['first_report_s']):>9}{r['status']:>11}"
              f"{'yes' if r['lawful'] else 'NO':>8}{fmt(r['objective']):>11}"
              f"{fmt(r['lower_bound']):>9}{pct(r['gap']):>8}"
              f"{fmt(r['first_fit']['objective']):>11}")
    print(f"\n{'national':>10}{'units':>7}{'secs':>7}{'status':>11}{'lawful':>8}"
          f"{'objective':>11}{'bound':>10}{'gap':>8}{'moves':>8}{'family km':>11}"
          f"{'current km':>11}")
    for r in national:
        print(f"{r['prisoners']:>10,}{r['units']:>7}{r['seconds']:>7}{r['status']:>11}"
              f"{'yes' if r['lawful'] else 'NO':>8}{fmt(r['objective']):>11}"
              f"{fmt(r['lower_bound']):>10}{pct(r['gap']):>8}{fmt(r['moves']):>8}"
              f"{fmt(r['family_km']):>11}{fmt(r['current_family_km']):>11}")
    print(f"\nwritten to {out.relative_to(ROOT)}; targets met: {document['met']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
