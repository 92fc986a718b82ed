"""The figures of a network: degree, betweenness (exact or estimated), PageRank and
Louvain communities."""

from __future__ import annotations

from dataclasses import dataclass

import networkit as nk
import numpy as np
import rustworkx as rx

from .collect import (
    ESTIMATE_DELTA,
    ESTIMATE_ERROR,
    EXACT_WORK_LIMIT,
    PAGERANK_DAMPING,
    THREADS,
    Ties,
)
from .people import _unknown, describe_parties

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


