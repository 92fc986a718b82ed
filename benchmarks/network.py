"""Communications-network speed: `python benchmarks/network.py` (`--quick` to try it).

Targets (issue: link analysis): on data shaped like a national system — 100,000 prisoners
in 100 facilities, 300,000 outside people, 10,000,000 communication events over a year —
the figures of one facility-year (degree, betweenness, PageRank, Louvain communities) in
under 5 s, and of the whole system in under 120 s, on 2 cores.

The ties are generated in NumPy (no database): each prisoner a handful of family members
(mostly their own, some shared with a neighbour — brothers, cousins), a few associates
anywhere in the country, a few letters to other prisoners, and hubs (shared numbers,
money-transfer agents, former prisoners) in contact with tens to thousands of prisoners;
the 10,000,000 events are spread over the ties (family the most). Each tie belongs to its
prisoner's facility; a facility-year is the ties of one facility. Times
`custos.intelligence.network.graph_metrics` (assembling the ties, building the graph, every
figure) and networkx on the same facility-year graph. networkx on the whole system would
take hours: it is timed on a sample of sources and the full time extrapolated (labelled).
With `--database-url`, also times `network.ties` + `network.metrics` on one facility-year
of real rows in that database (seeded here; PostgreSQL recommended).
Writes JSON to benchmarks/results/network.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime

import numpy as np
from bench_setup import ROOT

RESULTS = ROOT / "benchmarks" / "results"
TARGETS_S = {"facility_year": 5.0, "facility_year_dense": 5.0, "whole_system": 120.0}
YEAR = 365 * 24 * 3600
START = datetime(2025, 1, 1, tzinfo=UTC).timestamp()


def national_ties(*, prisoners=100_000, outside=300_000, facilities=100, events=10_000_000,
                  hubs=600, seed=1) -> dict:
    """Party ids: prisoners 0..P−1, outside people P..P+Q−1. Returns pair arrays, each
    tie's facility and events, first and last seen."""
    rng = np.random.default_rng(seed)
    P, Q = prisoners, outside
    facility_of = np.arange(P) * facilities // P  # prisoners numbered by facility
    pools = Q - hubs
    # family: 2–6 each, drawn near the prisoner's own block of three, so neighbours share
    k = rng.integers(2, 7, P)
    fam_p = np.repeat(np.arange(P), k)
    fam_o = (fam_p * 3 + rng.integers(-1, 4, fam_p.size)) % pools
    # associates anywhere in the country: 0–2 each
    k = rng.integers(0, 3, P)
    ass_p = np.repeat(np.arange(P), k)
    ass_o = rng.integers(0, pools, ass_p.size)
    # hubs: heavy-tailed reach, 20 to 3,000 prisoners each
    reach = np.clip((rng.pareto(1.2, hubs) + 1) * 20, 20, 3000).astype(np.int64)
    hub_p = rng.integers(0, P, reach.sum())
    hub_o = np.repeat(np.arange(pools, Q), reach)
    # letters between prisoners: 2% of prisoners write to another
    writers = rng.choice(P, P // 50, replace=False)
    pen = rng.integers(0, P, writers.size)

    a = np.concatenate([fam_p, ass_p, hub_p, writers])
    b = np.concatenate([fam_o + P, ass_o + P, hub_o + P, pen])
    weight = np.concatenate([np.full(fam_p.size, 8.0), np.full(ass_p.size, 2.0),
                             np.full(hub_p.size, 1.0), np.full(writers.size, 1.0)])
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key, first_index = np.unique(lo * (P + Q) + hi, return_index=True)
    keep = (key // (P + Q)) != (key % (P + Q))
    key, first_index = key[keep], first_index[keep]
    lo, hi, weight = key // (P + Q), key % (P + Q), weight[first_index]
    counts = rng.multinomial(events - lo.size, weight / weight.sum()) + 1
    t1 = START + rng.random(lo.size) * YEAR
    t2 = START + rng.random(lo.size) * YEAR
    return {"a": lo, "b": hi, "facility": facility_of[lo],  # lo is the prisoner when any
            "events": counts, "first": np.minimum(t1, t2), "last": np.maximum(t1, t2),
            "prisoners": P, "outside": Q, "facilities": facilities}


def timed_metrics(network, data: dict, mask) -> dict:
    started = time.perf_counter()
    t = network.Ties.from_pairs(data["a"][mask], data["b"][mask],
                                first_seen=data["first"][mask], last_seen=data["last"][mask],
                                events=data["events"][mask])
    assembled = time.perf_counter()
    found = network.graph_metrics(t, seed=0)
    done = time.perf_counter()
    return {"ties_object": t, "nodes": t.n, "ties": t.m,
            "events": int(data["events"][mask].sum()),
            "seconds": round(done - started, 3), "assemble_s": round(assembled - started, 3),
            "metrics_s": round(done - assembled, 3), "communities": found.communities,
            "modularity": round(found.modularity, 4),
            "betweenness_method": found.betweenness_method, "found": found}


def networkx_facility(t, found) -> dict:
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(t.n))
    g.add_edges_from(zip(t.u.tolist(), t.v.tolist(), strict=True))
    times = {}
    started = time.perf_counter()
    between = nx.betweenness_centrality(g, normalized=True)
    times["betweenness_s"] = time.perf_counter() - started
    started = time.perf_counter()
    nx.pagerank(g, alpha=0.85)
    times["pagerank_s"] = time.perf_counter() - started
    started = time.perf_counter()
    groups = nx.community.louvain_communities(g, seed=0)
    times["louvain_s"] = time.perf_counter() - started
    reference = np.array([between[i] for i in range(t.n)])
    return {"seconds": round(sum(times.values()), 3),
            **{k: round(v, 3) for k, v in times.items()},
            "max_abs_betweenness_difference": float(np.abs(reference - found.betweenness).max()),
            "modularity": round(nx.community.modularity(g, groups), 4)}


def networkx_sample(t, sources: int) -> dict:
    """networkx betweenness from `sources` sources (its own `k` sampling), scaled to all."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(t.n))
    g.add_edges_from(zip(t.u.tolist(), t.v.tolist(), strict=True))
    started = time.perf_counter()
    nx.betweenness_centrality(g, k=sources, normalized=True, seed=0)
    took = time.perf_counter() - started
    return {"sample_sources": sources, "sample_seconds": round(took, 2),
            "extrapolated_exact_seconds": round(took * t.n / sources),
            "note": "networkx exact betweenness extrapolated from a sample of sources"}


def database_variant(database_url: str, data: dict, facility: int) -> dict:
    """Seed one facility-year of real rows and time `ties` + `metrics` through the ORM."""
    from bench_setup import django_against

    django_against(database_url)
    from django.db import transaction

    from custos.custody.models import Facility, Prisoner
    from custos.intelligence import network
    from custos.intelligence.models import CommunicationEvent, OutsidePerson, Party

    mask = data["facility"] == facility
    a, b, counts = data["a"][mask], data["b"][mask], data["events"][mask]
    first, last = data["first"][mask], data["last"][mask]
    P = data["prisoners"]
    ids = np.unique(np.concatenate([a, b]))
    started = time.perf_counter()
    with transaction.atomic():
        place = Facility.objects.create(code="NET", name="Network", country="ML",
                                        security_level="high", official_capacity=1000,
                                        population_served="men")
        admitted = datetime(2024, 1, 1, tzinfo=UTC)
        party_of = {}
        prisoners = Prisoner.objects.bulk_create(
            Prisoner(prison_number=f"N{i:07d}", display_name=f"Prisoner {i}",
                     date_of_birth=datetime(1990, 1, 1).date(), sex="M",  # noqa: DTZ001
                     legal_status="convicted", facility=place, admitted_at=admitted)
            for i in ids[ids < P].tolist())
        people = OutsidePerson.objects.bulk_create(
            OutsidePerson(name=f"Person {i}") for i in ids[ids >= P].tolist())
        parties = Party.objects.bulk_create(
            [Party(prisoner=p) for p in prisoners] + [Party(person=p) for p in people])
        for i, party in zip(ids.tolist(), parties, strict=True):
            party_of[i] = party.pk
        rng = np.random.default_rng(2)
        rows, fingerprint = [], 0
        for x, y, n, t0, t1 in zip(a.tolist(), b.tolist(), counts.tolist(), first.tolist(),
                                   last.tolist(), strict=True):
            for moment in np.sort(rng.uniform(t0, t1, n)).tolist():
                fingerprint += 1
                forward = fingerprint % 2 == 0
                rows.append(CommunicationEvent(
                    kind="call", occurred_at=datetime.fromtimestamp(moment, tz=UTC),
                    from_party_id=party_of[x if forward else y],
                    to_party_id=party_of[y if forward else x], duration_seconds=300,
                    facility=place, fingerprint=fingerprint))
        CommunicationEvent.objects.bulk_create(rows, batch_size=5000)
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    t = network.ties([place.pk], datetime(2025, 1, 1).date(), datetime(2025, 12, 31).date())  # noqa: DTZ001
    read = time.perf_counter() - started
    found = network.metrics(t)
    total = time.perf_counter() - started
    return {"database": database_url.split("://")[0], "events": len(rows), "nodes": t.n,
            "ties": t.m, "seed_s": round(seeded, 1), "ties_query_s": round(read, 3),
            "seconds": round(total, 3), "betweenness_method": found["betweenness_method"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_NETWORK_DATABASE_URL"),
                        help="also time one facility-year read from this database")
    parser.add_argument("--networkx-sources", type=int, default=20,
                        help="sources for the networkx whole-system sample")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custos.settings.development")
    import django

    django.setup()
    from custos.intelligence import network

    scale = 10 if args.quick else 1
    data = national_ties(prisoners=100_000 // scale, outside=300_000 // scale,
                         facilities=100 // scale, events=10_000_000 // scale)
    print(f"generated {data['a'].size:,} ties from {int(data['events'].sum()):,} events",
          flush=True)

    facility = timed_metrics(network, data, data["facility"] == 0)
    print(f"  facility-year done ({facility['seconds']} s)", flush=True)
    # The same facility of 1,000 prisoners where the hubs and associates of a country ten
    # times smaller crowd in: one connected network, about twice the ties (a harder case).
    crowded = national_ties(prisoners=10_000 // scale, outside=30_000 // scale,
                            facilities=10 // scale or 1, events=1_000_000 // scale)
    dense = timed_metrics(network, crowded, crowded["facility"] == 0)
    print(f"  dense facility-year done ({dense['seconds']} s)", flush=True)
    reference = networkx_facility(facility["ties_object"], facility["found"])
    print(f"  networkx facility-year done ({reference['seconds']} s)", flush=True)
    whole = timed_metrics(network, data, np.ones(data["a"].size, dtype=bool))
    print(f"  whole system done ({whole['seconds']} s)", flush=True)
    sample = networkx_sample(whole["ties_object"], args.networkx_sources)
    print(f"  networkx whole-system sample done ({sample['sample_seconds']} s)", flush=True)
    database = database_variant(args.database_url, data, 0) if args.database_url else None

    runs = {"facility_year": facility, "facility_year_dense": dense, "whole_system": whole}
    for run in runs.values():
        run.pop("ties_object")
        run.pop("found")
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "threads": network.THREADS, "cpus": os.cpu_count(), "quick": args.quick,
        "shape": {k: data[k] for k in ("prisoners", "outside", "facilities")},
        "exact_work_limit": network.EXACT_WORK_LIMIT,
        "targets_s": TARGETS_S, **runs,
        "networkx_facility_year": reference, "networkx_whole_system": sample,
        "database_facility_year": database,
        "met": all(runs[k]["seconds"] <= TARGETS_S[k] for k in TARGETS_S),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("network-quick.json" if args.quick else "network.json")
    out.write_text(json.dumps(document, indent=2))

    print(f"\n{'graph':<20}{'nodes':>9}{'ties':>10}{'events':>12}{'secs':>8}{'target':>8}"
          f"{'betweenness':>13}{'groups':>8}")
    for name, r in runs.items():
        print(f"{name:<20}{r['nodes']:>9,}{r['ties']:>10,}{r['events']:>12,}{r['seconds']:>8}"
              f"{TARGETS_S[name]:>8}{r['betweenness_method']['method']:>13}"
              f"{r['communities']:>8}")
    print(f"\nnetworkx, same facility-year graph: {reference['seconds']} s "
          f"(betweenness {reference['betweenness_s']} s, PageRank {reference['pagerank_s']} s,"
          f" Louvain {reference['louvain_s']} s) vs {facility['metrics_s']} s; largest "
          f"betweenness difference {reference['max_abs_betweenness_difference']:.1e}")
    print(f"networkx, whole system: {sample['sample_seconds']} s for {sample['sample_sources']}"
          f" sources, so ~{sample['extrapolated_exact_seconds']:,} s exact (extrapolated)")
    if whole["betweenness_method"]["method"] == "estimate":
        m = whole["betweenness_method"]
        print(f"whole-system betweenness estimated: ±{m['error_bound']:.4f} with "
              f"{m['confidence']:.0%} confidence ({m['algorithm']})")
    if database:
        print(f"database ({database['database']}) facility-year: {database['events']:,} "
              f"events, ties query {database['ties_query_s']} s, with metrics "
              f"{database['seconds']} s")
    print(f"\nwritten to {out.relative_to(ROOT)}; targets met: {document['met']}")
    return 0 if document["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
