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
from datetime import date

import networkit as nk
import numpy as np
from django.db.models import Q
from django.utils.translation import gettext as _

from ..models import CommunicationEvent
from .collect import (
    EGO_CAP,
    EXACT_WORK_LIMIT,
    KINDS,
    THREADS,
    Ties,
    _collect,
    _counted,
    _members,
    _window,
    merge_roots,
    root_party,
    ties,
)
from .figures import GraphMetrics, exact_work, graph, graph_metrics, metrics
from .people import _unknown, describe_parties

__all__ = ["EGO_CAP", "EXACT_WORK_LIMIT", "KINDS", "THREADS", "GraphMetrics", "Ties", "changes",
           "describe_parties", "ego", "exact_work", "graph", "graph_metrics", "merge_roots",
           "metrics", "path", "root_party", "ties", "timeline"]

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

