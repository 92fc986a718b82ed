"""Ties: the events of a window and a set of facilities, one row per pair of parties, with
merged people counted as the person they were merged into."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from ..models import CommunicationEvent, CommunicationKind, OutsidePerson

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


