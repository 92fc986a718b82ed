"""Link analysis over communications: the network of prisoners and outside people as it was
in a window of days and a set of facilities, and the figures analysts read from it.

A tie joins two parties with at least one communication event between them (either
direction) in the window and the facilities; it carries the first and last event, the
number of events per kind, the total duration and the total amount. Outside people merged
into another (`OutsidePerson.merged_into`, chains allowed) count as the person they were
merged into, so undoing a merge splits the node again with nothing rewritten.

Every function takes the facilities explicitly: the caller passes those the user may see,
and nothing here checks permissions. Results are plain dicts and lists, ready for JSON.

Figures (`graph_metrics`):
- degree: the number of distinct parties a party is tied to;
- betweenness: brokerage, normalised exactly as `networkx.betweenness_centrality` normalises
  an undirected graph (the share of shortest paths between *other* pairs through the
  party, divided by (n−1)(n−2)/2 pairs). Exact (Brandes, rustworkx, in parallel) while
  the work Σ n·m over components stays under `EXACT_WORK_LIMIT`; above it, NetworKit's
  KADABRA estimate, whose error bound is recorded with the result so the screen can say so;
- centrality ("who is central"): PageRank (damping 0.85), summing to 1 over the network.
  PageRank rather than eigenvector centrality because it stays meaningful on a network of
  many separate groups (eigenvector centrality gives zero to everyone outside the largest);
- community: Louvain (NetworKit PLM, sequential, fixed seed: the same input gives the same
  groups), numbered by size, 0 the largest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import networkit as nk
import numpy as np
import rustworkx as rx
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CommunicationEvent, CommunicationKind, Identifier, OutsidePerson, Party

KINDS: tuple[str, ...] = tuple(CommunicationKind.values)
THREADS = 2
# Exact betweenness (Brandes) costs about Σ n_c·m_c steps over the connected components;
# two cores do ~2·10^7 of them a second (benchmarks/network.py), so this limit keeps exact
# betweenness to a few seconds. A facility-year (~5,000 parties, ~10,000 ties, one
# component: ~5·10^7) is exact; the whole national system (~400,000 parties, ~900,000
# ties: ~10^11) is estimated.
EXACT_WORK_LIMIT = 60_000_000
ESTIMATE_ERROR = 0.005
ESTIMATE_DELTA = 0.1
PAGERANK_DAMPING = 0.85
EGO_CAP = 300
DESCRIBE_CHUNK = 10_000


# ---------------------------------------------------------------------------------------
# Ties


@dataclass(frozen=True)
class Ties:
    """The ties of a window: node i is party `party_ids[i]` (root parties, sorted); tie j
    joins nodes `u[j] < v[j]`. Times are UTC seconds since the epoch."""

    party_ids: np.ndarray
    u: np.ndarray
    v: np.ndarray
    first_seen: np.ndarray
    last_seen: np.ndarray
    events: np.ndarray
    kinds: dict[str, np.ndarray] = field(default_factory=dict)
    duration: np.ndarray | None = None
    amount: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.party_ids.size)

    @property
    def m(self) -> int:
        return int(self.u.size)

    @classmethod
    def from_pairs(cls, a: Iterable[int], b: Iterable[int], *, first_seen=None, last_seen=None,
                   events=None) -> Ties:
        """Ties between party ids `a[j]` and `b[j]` (any order, repeats summed, self-loops
        dropped): for tests and benchmarks that need no database."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        zeros = np.zeros(a.size, dtype=np.float64)
        return _assemble(
            a, b,
            zeros if first_seen is None else np.asarray(first_seen, dtype=np.float64),
            zeros if last_seen is None else np.asarray(last_seen, dtype=np.float64),
            np.ones(a.size, dtype=np.int64) if events is None else np.asarray(events, np.int64),
            {}, np.zeros(a.size, dtype=np.int64), zeros.copy())

    def index_of(self, party_id: int) -> int | None:
        i = int(np.searchsorted(self.party_ids, party_id))
        return i if i < self.n and int(self.party_ids[i]) == party_id else None

    def tie_between(self, i: int, j: int) -> int | None:
        """The index of the tie between nodes i and j, if any."""
        i, j = min(i, j), max(i, j)
        keys = self.u * self.n + self.v  # sorted: ties are kept ordered by (u, v)
        k = int(np.searchsorted(keys, i * self.n + j))
        return k if k < self.m and int(keys[k]) == i * self.n + j else None

    def tie(self, k: int) -> dict:
        return {
            "a": int(self.party_ids[self.u[k]]),
            "b": int(self.party_ids[self.v[k]]),
            "first_seen": _iso(self.first_seen[k]),
            "last_seen": _iso(self.last_seen[k]),
            "events": int(self.events[k]),
            "kinds": {kind: int(c[k]) for kind, c in self.kinds.items() if c[k]},
            "duration_seconds": int(self.duration[k]) if self.duration is not None else 0,
            "amount": round(float(self.amount[k]), 2) if self.amount is not None else 0.0,
        }


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(float(seconds), tz=UTC).isoformat()


def _bound(day: date | datetime | None, *, end: bool) -> datetime | None:
    """Days are whole days in the current time zone; `end` makes the bound exclusive."""
    if day is None:
        return None
    if isinstance(day, datetime):
        return day
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    return timezone.make_aware(moment)


def _window(facility_ids: Iterable[int], date_from, date_to) -> Q:
    where = Q(facility_id__in=list(facility_ids))
    if (start := _bound(date_from, end=False)) is not None:
        where &= Q(occurred_at__gte=start)
    if (stop := _bound(date_to, end=True)) is not None:
        where &= Q(occurred_at__lt=stop)
    return where


def merge_roots() -> dict[int, int]:
    """Party of each merged outside person → party of the person it finally counts as."""
    parent = {
        absorbed: kept for absorbed, kept in OutsidePerson.objects.filter(
            merged_into__isnull=False, party__isnull=False,
        ).values_list("party__id", "merged_into__party__id")
        if kept is not None
    }
    return {party: root_party(party, parent) for party in parent}


def root_party(party_id: int, parent: dict[int, int]) -> int:
    """Follow merges to the end (a cycle, which the merge services refuse, stops the walk)."""
    seen = {party_id}
    while party_id in parent and parent[party_id] not in seen:
        party_id = parent[party_id]
        seen.add(party_id)
    return party_id


def _members(roots: dict[int, int], parties: Iterable[int]) -> list[int]:
    """The parties whose events count as those of `parties` (root parties)."""
    wanted = set(parties)
    return sorted(wanted | {p for p, root in roots.items() if root in wanted})


def _map(ids: np.ndarray, roots: dict[int, int]) -> np.ndarray:
    if not roots or ids.size == 0:
        return ids
    keys = np.fromiter(roots.keys(), dtype=np.int64, count=len(roots))
    values = np.fromiter(roots.values(), dtype=np.int64, count=len(roots))
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    pos = np.minimum(np.searchsorted(keys, ids), keys.size - 1)
    hit = keys[pos] == ids
    out = ids.copy()
    out[hit] = values[pos[hit]]
    return out


def _assemble(a, b, first, last, events, kinds, duration, amount) -> Ties:
    """Order each pair, drop self-loops, sum repeated pairs, number the parties 0..n−1."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    lo, hi, first, last, events, duration, amount = (
        x[keep] for x in (lo, hi, first, last, events, duration, amount))
    kinds = {k: c[keep] for k, c in kinds.items()}
    if lo.size:
        order = np.lexsort((hi, lo))
        lo, hi, first, last, events, duration, amount = (
            x[order] for x in (lo, hi, first, last, events, duration, amount))
        kinds = {k: c[order] for k, c in kinds.items()}
        starts = np.flatnonzero(np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])])
        if starts.size < lo.size:
            lo, hi = lo[starts], hi[starts]
            first = np.minimum.reduceat(first, starts)
            last = np.maximum.reduceat(last, starts)
            events, duration, amount = (np.add.reduceat(x, starts)
                                        for x in (events, duration, amount))
            kinds = {k: np.add.reduceat(c, starts) for k, c in kinds.items()}
    party_ids = np.unique(np.concatenate([lo, hi]))
    return Ties(party_ids=party_ids, u=np.searchsorted(party_ids, lo),
                v=np.searchsorted(party_ids, hi), first_seen=first, last_seen=last,
                events=events, kinds=kinds, duration=duration, amount=amount)


def _collect(where: Q, roots: dict[int, int]) -> Ties:
    """One aggregate query: a row per unordered pair of parties, then merges applied."""
    aggregates = {
        "first": Min("occurred_at"), "last": Max("occurred_at"), "n": Count("id"),
        **{f"k_{kind}": Count("id", filter=Q(kind=kind)) for kind in KINDS},
        "duration": Sum("duration_seconds"), "total": Sum("amount"),
    }
    rows = list(
        CommunicationEvent.objects.filter(where)
        .annotate(lo=Least("from_party_id", "to_party_id"),
                  hi=Greatest("from_party_id", "to_party_id"))
        .values("lo", "hi").annotate(**aggregates).order_by()
        .values_list("lo", "hi", *aggregates))
    count = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * (2 + len(aggregates))

    def ints(i):
        return np.fromiter((x or 0 for x in columns[i]), dtype=np.int64, count=count)

    def seconds(i):
        return np.fromiter((x.timestamp() for x in columns[i]), dtype=np.float64, count=count)

    amount = np.fromiter((float(x or 0) for x in columns[-1]), dtype=np.float64, count=count)
    kinds = {kind: ints(5 + k) for k, kind in enumerate(KINDS)}
    return _assemble(_map(ints(0), roots), _map(ints(1), roots), seconds(2), seconds(3),
                     ints(4), kinds, ints(5 + len(KINDS)), amount)


def _counted(where: Q, roots: dict[int, int]) -> Ties:
    """Like `_collect`, with the number of events per pair only: what choosing an ego
    network's members needs, without reading and converting a date for every pair."""
    rows = np.array(list(
        CommunicationEvent.objects.filter(where)
        .annotate(lo=Least("from_party_id", "to_party_id"),
                  hi=Greatest("from_party_id", "to_party_id"))
        .values("lo", "hi").annotate(n=Count("id")).order_by()
        .values_list("lo", "hi", "n")), dtype=np.int64).reshape(-1, 3)
    zeros = np.zeros(len(rows), dtype=np.int64)
    return _assemble(_map(rows[:, 0], roots), _map(rows[:, 1], roots), zeros, zeros,
                     rows[:, 2], {}, zeros, zeros.astype(np.float64))


def ties(facility_ids: Iterable[int], date_from: date | None, date_to: date | None) -> Ties:
    """The network of the facilities in the window (inclusive days; None: open-ended)."""
    return _collect(_window(facility_ids, date_from, date_to), merge_roots())


# ---------------------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class GraphMetrics:
    degree: np.ndarray
    betweenness: np.ndarray
    centrality: np.ndarray
    community: np.ndarray
    communities: int
    modularity: float
    betweenness_method: dict


def graph(t: Ties) -> nk.Graph:
    return nk.GraphFromCoo((t.u, t.v), n=t.n)


def exact_work(g: nk.Graph) -> int:
    """Σ n_c·m_c over the connected components: the steps exact betweenness takes."""
    if g.numberOfNodes() == 0:
        return 0
    found = nk.components.ConnectedComponents(g)
    found.run()
    component = np.asarray(found.getPartition().getVector(), dtype=np.int64)
    nodes = np.bincount(component)
    degree = nk.centrality.DegreeCentrality(g)
    degree.run()
    edges = np.bincount(component, weights=np.asarray(degree.scores())) / 2
    return int((nodes * edges).sum())


def betweenness(g: nk.Graph, *, seed: int = 0,
                exact_work_limit: int = EXACT_WORK_LIMIT) -> tuple[np.ndarray, dict]:
    """Betweenness normalised as networkx normalises an undirected graph, and the method.

    networkx sums, over unordered pairs {s, t} of other parties, the share of shortest
    s–t paths through v, and multiplies by 2/((n−1)(n−2)). Exact figures come from
    rustworkx, which normalises the same way and ran 2–3 times faster than NetworKit's
    Brandes on facility networks (NetworKit's unnormalised figure sums over ordered pairs,
    twice networkx's, and its `normalized=True` divides that by (n−1)(n−2): the same
    figure). The tests compare with networkx on every graph shape.

    Above `exact_work_limit`, KADABRA (adaptive sampling of shortest paths, NetworKit)
    estimates it. NetworKit's KADABRA figure is twice the ordered-pair sum over n(n−1),
    so it is multiplied by n/(2(n−2)). KADABRA promises an additive error below ε on its
    own figure, which would be ε·n/(2(n−2)) on ours; checked against exact figures, the
    error reached 4.6 times that on a tree whose broker stands at 0.5 (1% of it), so the
    bound recorded is 8 times that promise, 4ε·n/(n−2) = 0.02 for a large network, with
    confidence 1−δ: a bound the tests check against exact figures, not a proof."""
    n = g.numberOfNodes()
    if n < 3:
        return np.zeros(n), {"method": "exact"}
    if exact_work(g) <= exact_work_limit:
        edges = rx.PyGraph(multigraph=False)
        edges.add_nodes_from(range(n))
        edges.add_edges_from_no_data([(u, v) for u, v, *_ in g.iterEdges()])
        exact = rx.graph_betweenness_centrality(edges, normalized=True, parallel_threshold=50)
        return np.fromiter((exact[i] for i in range(n)), dtype=np.float64, count=n), {
            "method": "exact"}
    nk.setSeed(seed, True)
    estimate = nk.centrality.KadabraBetweenness(g, ESTIMATE_ERROR, ESTIMATE_DELTA)
    estimate.run()
    return np.asarray(estimate.scores()) * n / (2 * (n - 2)), {
        "method": "estimate", "algorithm": "kadabra",
        "error_bound": 4 * ESTIMATE_ERROR * n / (n - 2), "confidence": 1 - ESTIMATE_DELTA}


def communities(g: nk.Graph, *, seed: int = 0) -> tuple[np.ndarray, int, float]:
    """Louvain groups numbered by size (0 the largest; equal sizes by their first node)."""
    n = g.numberOfNodes()
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0, 0.0
    nk.setSeed(seed, False)
    plm = nk.community.PLM(g, refine=True, par="none")
    plm.run()
    partition = plm.getPartition()
    raw = np.asarray(partition.getVector(), dtype=np.int64)
    labels, first, inverse, sizes = np.unique(raw, return_index=True, return_inverse=True,
                                              return_counts=True)
    rank = np.empty(labels.size, dtype=np.int64)
    rank[np.lexsort((first, -sizes))] = np.arange(labels.size)
    quality = nk.community.Modularity().getQuality(partition, g) if g.numberOfEdges() else 0.0
    return rank[inverse.reshape(-1)], int(labels.size), float(quality)


def graph_metrics(t: Ties, *, seed: int = 0, threads: int = THREADS,
                  exact_work_limit: int = EXACT_WORK_LIMIT) -> GraphMetrics:
    """Every figure of every node, as arrays in node order (no database)."""
    nk.setNumberOfThreads(threads)
    g = graph(t)
    degree = np.bincount(np.concatenate([t.u, t.v]), minlength=t.n).astype(np.int64)
    between, method = betweenness(g, seed=seed, exact_work_limit=exact_work_limit)
    if t.n:
        rank = nk.centrality.PageRank(g, damp=PAGERANK_DAMPING, tol=1e-12)
        rank.run()
        centrality = np.asarray(rank.scores())
        centrality = centrality / centrality.sum()
    else:
        centrality = np.zeros(0)
    community, count, quality = communities(g, seed=seed)
    return GraphMetrics(degree=degree, betweenness=between, centrality=centrality,
                        community=community, communities=count, modularity=quality,
                        betweenness_method=method)


def metrics(t: Ties, *, seed: int = 0, exact_work_limit: int = EXACT_WORK_LIMIT) -> dict:
    """The figures of every party of the network, with who they are."""
    found = graph_metrics(t, seed=seed, exact_work_limit=exact_work_limit)
    described = describe_parties(t.party_ids.tolist())
    parties = []
    for i, party in enumerate(t.party_ids.tolist()):
        parties.append({
            **described.get(party, _unknown(party)),
            "degree": int(found.degree[i]),
            "betweenness": float(found.betweenness[i]),
            "centrality": float(found.centrality[i]),
            "community": int(found.community[i]),
        })
    return {"nodes": t.n, "ties": t.m, "communities": found.communities,
            "modularity": found.modularity, "betweenness_method": found.betweenness_method,
            "centrality_method": "pagerank", "parties": parties}


# ---------------------------------------------------------------------------------------
# Who the parties are


def _unknown(party: int) -> dict:
    return {"party": party, "ref": f"X{party}", "name": "", "is_prisoner": False,
            "kind": None, "facility": None}


def describe_parties(party_ids: Iterable[int]) -> dict[int, dict]:
    """Party id → ref, name, is_prisoner, kind (of an outside person), facility (code, of a
    prisoner). `ref` is the prison number, else the person's first identifier, else
    "X<person id>". Two queries per 10,000 parties."""
    wanted = sorted(set(party_ids))
    found: dict[int, dict] = {}
    for start in range(0, len(wanted), DESCRIBE_CHUNK):
        chunk = wanted[start:start + DESCRIBE_CHUNK]
        rows = Party.objects.filter(id__in=chunk).values_list(
            "id", "prisoner__prison_number", "prisoner__display_name",
            "prisoner__facility__code", "person_id", "person__name", "person__kind",
            "prisoner__sealed_at")
        people: dict[int, int] = {}
        for party, number, display, code, person, name, kind, sealed in rows:
            if sealed is not None:  # a juvenile's sealed file (Havana Rule 19): no name
                found[party] = {"party": party, "ref": f"S{party}", "name": _("Sealed file"),
                                "is_prisoner": True, "kind": "prisoner", "facility": code}
            elif number is not None:
                found[party] = {"party": party, "ref": number, "name": display,
                                "is_prisoner": True, "kind": "prisoner", "facility": code}
            else:
                people[person] = party
                found[party] = {"party": party, "ref": f"X{person}", "name": name,
                                "is_prisoner": False, "kind": kind, "facility": None}
        first: dict[int, str] = {}
        for person, value in (Identifier.objects.filter(person_id__in=list(people))
                              .order_by("person_id", "id").values_list("person_id", "value")):
            first.setdefault(person, value)
        for person, value in first.items():
            found[people[person]]["ref"] = value
    return found


# ---------------------------------------------------------------------------------------
# Paths, ego networks, changes, timelines


def path(source_party_id: int, target_party_id: int, *, facility_ids: Iterable[int],
         date_from: date | None, date_to: date | None, limit: int = 5) -> dict:
    """Shortest paths between two parties in the window: the parties on each path and the
    ties along it (dates, counts). At most `limit` paths; `paths_total` says how many."""
    roots = merge_roots()
    t = _collect(_window(facility_ids, date_from, date_to), roots)
    source = root_party(source_party_id, roots)
    target = root_party(target_party_id, roots)
    result = {"source": source, "target": target, "found": False, "length": None,
              "paths_total": 0, "paths": []}
    s, e = t.index_of(source), t.index_of(target)
    if s is None or e is None:
        return result
    if s == e:
        return {**result, "found": True, "length": 0, "paths_total": 1,
                "paths": [{"parties": [source], "ties": []}]}
    bfs = nk.distance.BFS(graph(t), s, True, False, e)
    bfs.run()
    total = bfs.numberOfPaths(e)
    if total == 0:
        return result
    nodes = bfs.getPaths(e) if total <= limit else [bfs.getPath(e)]
    paths = []
    for route in sorted(nodes)[:limit]:  # each route runs from s to e, both included
        steps = [int(x) for x in route]
        paths.append({"parties": [int(t.party_ids[x]) for x in steps],
                      "ties": [t.tie(t.tie_between(x, y)) for x, y in zip(steps, steps[1:],
                                                                           strict=False)]})
    return {**result, "found": True, "length": len(paths[0]["parties"]) - 1,
            "paths_total": int(total), "paths": paths}


def ego(party_id: int, *, facility_ids: Iterable[int], date_from: date | None,
        date_to: date | None, hops: int = 1, cap: int = EGO_CAP) -> dict:
    """The parties within `hops` (1 or 2) of a party and the ties among them. Reads only the
    events touching the party and its neighbours. Over `cap` parties, the neighbours with
    the most events are kept (nearest first) and `capped` says so."""
    if hops not in (1, 2):
        raise ValueError(_("An ego network reaches one or two steps."))
    roots = merge_roots()
    centre = root_party(party_id, roots)
    window = _window(facility_ids, date_from, date_to)

    def touching(parties) -> Q:
        members = _members(roots, parties)
        return Q(from_party_id__in=members) | Q(to_party_id__in=members)

    near = _strengths(_counted(window & touching([centre]), roots), {centre})
    rings = [near]
    if hops == 2 and near:
        around = _counted(window & touching(near), roots)
        rings.append(_strengths(around, set(near), exclude={centre}))
    chosen = [centre]
    for ring in rings:
        chosen += sorted(ring, key=lambda p: (-ring[p], p))
    total = len(chosen)
    kept = chosen[:cap]
    members = _members(roots, kept)
    t = _collect(window & Q(from_party_id__in=members, to_party_id__in=members), roots)
    hop = {centre: 0, **{p: 1 for p in near}}
    described = describe_parties(kept)
    return {
        "centre": centre, "hops": hops, "capped": total > cap, "total_parties": total,
        "parties": [{**described.get(p, _unknown(p)), "hop": hop.get(p, 2)} for p in kept],
        "ties": [t.tie(k) for k in range(t.m)],
    }


def _strengths(t: Ties, around: set[int], exclude: frozenset | set = frozenset()) -> dict:
    """Parties tied to any of `around` (but not in it) → most events on one such tie."""
    a, b = t.party_ids[t.u], t.party_ids[t.v]
    inside = np.fromiter(around, dtype=np.int64, count=len(around))
    a_in, b_in = np.isin(a, inside), np.isin(b, inside)
    there = np.concatenate([b[a_in & ~b_in], a[b_in & ~a_in]])
    events = np.concatenate([t.events[a_in & ~b_in], t.events[b_in & ~a_in]])
    if exclude:
        keep = ~np.isin(there, np.fromiter(exclude, dtype=np.int64, count=len(exclude)))
        there, events = there[keep], events[keep]
    if not there.size:
        return {}
    order = np.argsort(there, kind="stable")
    there, events = there[order], events[order]
    starts = np.flatnonzero(np.r_[True, there[1:] != there[:-1]])
    return dict(zip(there[starts].tolist(), np.maximum.reduceat(events, starts).tolist(),
                    strict=True))


def changes(*, facility_ids: Iterable[int], before: tuple[date | None, date | None],
            after: tuple[date | None, date | None], flagged_party_ids: Iterable[int],
            top: int = 20, factor: float = 2.0, seed: int = 0) -> dict:
    """What changed from the window `before` to the window `after`.

    - new ties: a tie with a flagged party in `after` that did not exist in `before`, with
      the date of its first event in `after`;
    - rises: a party among the `top` of `after` by betweenness (or by degree) — rank counted
      as 1 + the number of parties with a higher figure — whose figure is positive and at
      least `factor` times its figure in `before` (0 if it was not in the network then).
    Each comes with the figures before and after as evidence.
    """
    facility_ids = list(facility_ids)
    roots = merge_roots()
    earlier = _collect(_window(facility_ids, *before), roots)
    later = _collect(_window(facility_ids, *after), roots)
    flagged = {root_party(p, roots) for p in flagged_party_ids}

    known = set(zip(earlier.party_ids[earlier.u].tolist(),
                    earlier.party_ids[earlier.v].tolist(), strict=True))
    new_ties = []
    for k, (a, b) in enumerate(zip(later.party_ids[later.u].tolist(),
                                   later.party_ids[later.v].tolist(), strict=True)):
        if (a in flagged or b in flagged) and (a, b) not in known:
            tie = later.tie(k)
            for who, other in ((a, b), (b, a)):
                if who in flagged:
                    new_ties.append({"flagged": who, "other": other,
                                     "first_seen": tie["first_seen"], "tie": tie})
    new_ties.sort(key=lambda x: (x["first_seen"], x["flagged"], x["other"]))

    was = graph_metrics(earlier, seed=seed)
    now = graph_metrics(later, seed=seed)
    rises = []
    for measure in ("betweenness", "degree"):
        old = dict(zip(earlier.party_ids.tolist(), getattr(was, measure).tolist(), strict=True))
        new = getattr(now, measure)
        old_ranks = _ranks(getattr(was, measure))
        old_rank = dict(zip(earlier.party_ids.tolist(), old_ranks.tolist(), strict=True))
        for i, rank in enumerate(_ranks(new).tolist()):
            party = int(later.party_ids[i])
            value, previous = float(new[i]), float(old.get(party, 0))
            if rank <= top and value > 0 and value >= factor * previous:
                rises.append({"party": party, "measure": measure, "before": previous,
                              "after": value, "rank_before": old_rank.get(party),
                              "rank_after": rank})
    rises.sort(key=lambda x: (x["measure"], x["rank_after"], x["party"]))
    involved = {x["flagged"] for x in new_ties} | {x["other"] for x in new_ties} \
        | {x["party"] for x in rises}
    return {"new_ties": new_ties, "rises": rises, "parties": describe_parties(involved),
            "rule": {"top": top, "factor": factor},
            "betweenness_method": {"before": was.betweenness_method,
                                   "after": now.betweenness_method}}


def _ranks(values: np.ndarray) -> np.ndarray:
    """1 + the number of strictly higher values (equal figures share a rank)."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    ordered = np.sort(values)[::-1]
    return np.searchsorted(-ordered, -values, side="left") + 1


def timeline(party_id: int, *, facility_ids: Iterable[int], date_from: date | None,
             date_to: date | None, other_party_id: int | None = None, page: int = 1,
             page_size: int = 50) -> dict:
    """The events of a party (or between two parties) in the window, newest first."""
    roots = merge_roots()
    centre = root_party(party_id, roots)
    mine = _members(roots, [centre])
    where = _window(facility_ids, date_from, date_to)
    if other_party_id is None:
        where &= Q(from_party_id__in=mine) | Q(to_party_id__in=mine)
    else:
        theirs = _members(roots, [root_party(other_party_id, roots)])
        where &= (Q(from_party_id__in=mine, to_party_id__in=theirs)
                  | Q(from_party_id__in=theirs, to_party_id__in=mine))
    page = max(1, page)
    offset = (page - 1) * page_size
    rows = list(CommunicationEvent.objects.filter(where).order_by("-occurred_at", "-id")
                .values_list("id", "occurred_at", "kind", "from_party_id", "to_party_id",
                             "duration_seconds", "amount", "facility_id", "monitored")
                [offset:offset + page_size + 1])
    events = []
    for event, at, kind, sender, receiver, duration, amount, facility, monitored in (
            rows[:page_size]):
        outgoing = sender in mine
        events.append({
            "id": event, "occurred_at": at.isoformat(), "kind": kind,
            "direction": "out" if outgoing else "in",
            "other": root_party(receiver if outgoing else sender, roots),
            "duration_seconds": duration,
            "amount": None if amount is None else float(amount),
            "facility_id": facility, "monitored": monitored,
        })
    involved = {centre} | {e["other"] for e in events}
    return {"party": centre, "page": page, "page_size": page_size,
            "has_next": len(rows) > page_size, "events": events,
            "parties": describe_parties(involved)}
