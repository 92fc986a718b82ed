"""The communications network: ties of a window and facilities, merges, and every figure,
checked against networkx on the same graph."""

import itertools
from datetime import UTC, date, datetime

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.intelligence import network
from custos.intelligence.models import (
    CommunicationEvent,
    Identifier,
    OutsidePerson,
    Party,
)

from ..factories import FacilityFactory, PrisonerFactory

_fingerprints = itertools.count(1)


def prisoner_party(facility, **fields):
    return Party.objects.create(prisoner=PrisonerFactory(facility=facility, **fields))


def outside_party(name="Outside person", **fields):
    return Party.objects.create(person=OutsidePerson.objects.create(name=name, **fields))


def event(a, b, facility, when=datetime(2025, 3, 10, 12, tzinfo=UTC), kind="call",
          duration=None, amount=None):
    return CommunicationEvent.objects.create(
        kind=kind, occurred_at=when, from_party=a, to_party=b, facility=facility,
        duration_seconds=duration, amount=amount, fingerprint=next(_fingerprints))


def on(day: int, month: int = 3) -> datetime:
    return datetime(2025, month, day, 12, tzinfo=UTC)


def two_cliques(facility, size=4):
    """Two cliques of `size` joined through one broker: (left, right, broker)."""
    left = [prisoner_party(facility) for _ in range(size)]
    right = [outside_party(f"Right {i}") for i in range(size)]
    broker = outside_party("Broker")
    for group in (left, right):
        for a, b in itertools.combinations(group, 2):
            event(a, b, facility)
    event(broker, left[0], facility)
    event(right[0], broker, facility)
    return left, right, broker


def as_networkx(t: network.Ties) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(t.party_ids.tolist())
    g.add_edges_from(zip(t.party_ids[t.u].tolist(), t.party_ids[t.v].tolist(), strict=True))
    return g


# --- ties -------------------------------------------------------------------------------


def test_a_tie_counts_both_directions_within_the_window_only(facility):
    prisoner, mother = prisoner_party(facility), outside_party("Mother")
    event(prisoner, mother, facility, on(1, 2))  # before the window
    event(prisoner, mother, facility, on(5), kind="call", duration=60)
    event(mother, prisoner, facility, on(9), kind="money_transfer", amount="25.50")
    event(prisoner, mother, facility, on(20), kind="call", duration=120)
    event(prisoner, mother, facility, on(2, 4))  # after the window

    t = network.ties([facility.pk], date(2025, 3, 1), date(2025, 3, 31))

    assert t.m == 1 and sorted(t.party_ids.tolist()) == sorted([prisoner.pk, mother.pk])
    tie = t.tie(0)
    assert tie["first_seen"] == on(5).isoformat() and tie["last_seen"] == on(20).isoformat()
    assert tie["events"] == 3 and tie["kinds"] == {"call": 2, "money_transfer": 1}
    assert tie["duration_seconds"] == 180 and tie["amount"] == 25.5


def test_the_window_takes_whole_days_at_both_ends(facility):
    prisoner, friend = prisoner_party(facility), outside_party()
    event(prisoner, friend, facility, datetime(2025, 3, 31, 23, 59, tzinfo=UTC))

    assert network.ties([facility.pk], date(2025, 3, 31), date(2025, 3, 31)).m == 1
    assert network.ties([facility.pk], date(2025, 4, 1), None).m == 0
    assert network.ties([facility.pk], None, date(2025, 3, 30)).m == 0


def test_only_the_chosen_facilities_count(facility):
    elsewhere = FacilityFactory()
    prisoner, friend, other = prisoner_party(facility), outside_party(), outside_party()
    event(prisoner, friend, facility)
    event(prisoner, other, elsewhere)

    here = network.ties([facility.pk], None, None)
    both = network.ties([facility.pk, elsewhere.pk], None, None)

    assert set(here.party_ids.tolist()) == {prisoner.pk, friend.pk}
    assert set(both.party_ids.tolist()) == {prisoner.pk, friend.pk, other.pk}
    assert network.ties([], None, None).n == 0


def test_merged_people_are_one_node_until_the_merge_is_undone(facility):
    prisoner = prisoner_party(facility)
    kept, absorbed, older = outside_party("Kept"), outside_party("Absorbed"), outside_party("Old")
    event(prisoner, kept, facility, on(3))
    event(absorbed, prisoner, facility, on(7))
    event(prisoner, older, facility, on(9))
    event(kept, absorbed, facility, on(8))  # becomes a self-loop once merged
    absorbed.person.merged_into = kept.person
    absorbed.person.save()
    older.person.merged_into = absorbed.person  # a chain: older → absorbed → kept
    older.person.save()

    merged = network.ties([facility.pk], None, None)

    assert sorted(merged.party_ids.tolist()) == sorted([prisoner.pk, kept.pk])
    assert merged.m == 1 and merged.tie(0)["events"] == 3
    assert merged.tie(0)["first_seen"] == on(3).isoformat()
    assert merged.tie(0)["last_seen"] == on(9).isoformat()

    absorbed.person.merged_into = None
    absorbed.person.save()
    undone = network.ties([facility.pk], None, None)

    assert set(undone.party_ids.tolist()) == {prisoner.pk, kept.pk, absorbed.pk}
    assert undone.m == 3  # prisoner–kept, prisoner–absorbed (with older), kept–absorbed


# --- figures ----------------------------------------------------------------------------


def test_figures_match_networkx_on_two_groups_and_a_broker(facility):
    left, right, broker = two_cliques(facility)
    t = network.ties([facility.pk], None, None)
    g = as_networkx(t)

    found = {p["party"]: p for p in network.metrics(t)["parties"]}

    expected = nx.betweenness_centrality(g, normalized=True)
    ranks = nx.pagerank(g, alpha=0.85, tol=1e-12)
    for party, row in found.items():
        assert row["degree"] == g.degree(party)
        assert row["betweenness"] == pytest.approx(expected[party], abs=1e-12)
        assert row["centrality"] == pytest.approx(ranks[party], abs=1e-6)
    assert found[broker.pk]["betweenness"] == pytest.approx(32 / 56)  # 4·4 pairs of 28
    assert max(found.values(), key=lambda r: r["betweenness"])["party"] == broker.pk
    assert len({found[p.pk]["community"] for p in left}) == 1
    assert len({found[p.pk]["community"] for p in right}) == 1
    assert found[left[1].pk]["community"] != found[right[1].pk]["community"]
    assert found[left[0].pk]["is_prisoner"] and not found[right[0].pk]["is_prisoner"]


def test_communities_are_numbered_by_size_and_repeat_with_the_seed():
    big = [(a, b) for a, b in itertools.combinations(range(1, 7), 2)]
    small = [(a, b) for a, b in itertools.combinations(range(10, 14), 2)]
    t = network.Ties.from_pairs(*zip(*(big + small + [(6, 10)]), strict=True))

    first = network.graph_metrics(t, seed=3)
    again = network.graph_metrics(t, seed=3)

    labels = dict(zip(t.party_ids.tolist(), first.community.tolist(), strict=True))
    assert {labels[p] for p in range(1, 7)} == {0} and {labels[p] for p in range(10, 14)} == {1}
    assert first.communities == 2 and first.modularity > 0.3
    assert first.community.tolist() == again.community.tolist()
    reference = nx.community.modularity(
        as_networkx(t), nx.community.louvain_communities(as_networkx(t), seed=3))
    assert first.modularity >= reference - 1e-9


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), min_size=1, max_size=45))
def test_betweenness_equals_networkx_on_any_small_graph(pairs):
    t = network.Ties.from_pairs(*zip(*pairs, strict=True))
    g = as_networkx(t)

    found = network.graph_metrics(t)

    expected = nx.betweenness_centrality(g, normalized=True)
    assert found.betweenness_method == {"method": "exact"}
    for i, party in enumerate(t.party_ids.tolist()):
        assert found.betweenness[i] == pytest.approx(expected[party], abs=1e-12)
        assert found.degree[i] == g.degree(party)


@pytest.mark.parametrize("g", [
    nx.connected_watts_strogatz_graph(1500, 4, 0.1, seed=2),
    nx.disjoint_union(nx.barabasi_albert_graph(1200, 1, seed=2), nx.path_graph(300)),
], ids=["small-world", "tree-and-path"])
def test_the_estimate_keeps_networkx_normalisation_within_its_bound(g):
    t = network.Ties.from_pairs(*zip(*g.edges(), strict=True))

    found = network.graph_metrics(t, exact_work_limit=0)

    method = found.betweenness_method
    assert method["method"] == "estimate" and 0 < method["error_bound"] <= 0.0201
    expected = nx.betweenness_centrality(g, normalized=True)
    errors = [abs(found.betweenness[i] - expected[p]) for i, p in enumerate(t.party_ids)]
    assert max(errors) <= method["error_bound"]
    top = max(expected, key=expected.get)
    assert found.betweenness[t.index_of(top)] == pytest.approx(expected[top], rel=0.1)


def test_exact_work_counts_each_component_apart():
    t = network.Ties.from_pairs([1, 2, 3, 10], [2, 3, 4, 11])  # a path of 4, an edge

    assert network.exact_work(network.graph(t)) == 4 * 3 + 2 * 1


def test_parties_are_described_by_prison_number_identifier_or_id(facility):
    prisoner = prisoner_party(facility, prison_number="BKO-0042", display_name="Amadou Sow")
    known, unnamed = outside_party("Fatou", kind="family"), outside_party("Somebody")
    Identifier.objects.create(person=known.person, kind="phone", value="+223 70 00 00 01",
                              key="22370000001")
    Identifier.objects.create(person=known.person, kind="email", value="f@example.org",
                              key="f@example.org")

    found = network.describe_parties([prisoner.pk, known.pk, unnamed.pk])

    assert found[prisoner.pk] == {"party": prisoner.pk, "ref": "BKO-0042",
                                  "name": "Amadou Sow", "is_prisoner": True,
                                  "kind": "prisoner", "facility": "BKO"}
    assert found[known.pk]["ref"] == "+223 70 00 00 01" and found[known.pk]["kind"] == "family"
    assert found[unnamed.pk]["ref"] == f"X{unnamed.person.pk}"
    assert not found[unnamed.pk]["is_prisoner"] and found[unnamed.pk]["name"] == "Somebody"


# --- paths, ego networks, changes, timelines --------------------------------------------


def test_the_shortest_path_matches_networkx_and_carries_the_ties(facility):
    left, right, broker = two_cliques(facility)
    t = network.ties([facility.pk], None, None)

    found = network.path(left[2].pk, right[3].pk, facility_ids=[facility.pk],
                         date_from=None, date_to=None)

    assert found["found"]
    assert found["length"] == nx.shortest_path_length(as_networkx(t), left[2].pk, right[3].pk)
    route = found["paths"][0]["parties"]
    assert route == [left[2].pk, left[0].pk, broker.pk, right[0].pk, right[3].pk]
    assert found["paths_total"] == 1 and len(found["paths"][0]["ties"]) == 4
    assert all(tie["events"] == 1 and tie["first_seen"] for tie in found["paths"][0]["ties"])


def test_no_path_outside_the_window_or_between_separate_groups(facility):
    prisoner, friend = prisoner_party(facility), outside_party()
    stranger, other = prisoner_party(facility), outside_party()
    event(prisoner, friend, facility, on(5))
    event(stranger, other, facility, on(5))

    apart = network.path(prisoner.pk, stranger.pk, facility_ids=[facility.pk],
                         date_from=None, date_to=None)
    earlier = network.path(prisoner.pk, friend.pk, facility_ids=[facility.pk],
                           date_from=date(2025, 1, 1), date_to=date(2025, 2, 1))

    assert not apart["found"] and apart["paths"] == []
    assert not earlier["found"]


def test_every_shortest_path_is_listed_up_to_the_limit(facility):
    a, b = prisoner_party(facility), prisoner_party(facility)
    middles = [outside_party(f"M{i}") for i in range(3)]
    for m in middles:
        event(a, m, facility)
        event(m, b, facility)

    found = network.path(a.pk, b.pk, facility_ids=[facility.pk], date_from=None, date_to=None)
    one = network.path(a.pk, b.pk, facility_ids=[facility.pk], date_from=None, date_to=None,
                       limit=2)

    assert found["paths_total"] == 3 and {p["parties"][1] for p in found["paths"]} == {
        m.pk for m in middles}
    assert one["paths_total"] == 3 and len(one["paths"]) == 1


def test_the_ego_network_keeps_the_strongest_ties_when_capped(facility):
    centre = prisoner_party(facility)
    contacts = [outside_party(f"C{i}") for i in range(6)]
    for strength, contact in enumerate(contacts, start=1):
        for _ in range(strength):
            event(centre, contact, facility)
    event(contacts[5], contacts[4], facility)
    far = outside_party("Two steps away")
    event(contacts[0], far, facility)
    elsewhere = outside_party("Not connected")
    event(prisoner_party(facility), elsewhere, facility)

    capped = network.ego(centre.pk, facility_ids=[facility.pk], date_from=None, date_to=None,
                         cap=3)
    whole = network.ego(centre.pk, facility_ids=[facility.pk], date_from=None, date_to=None)
    wider = network.ego(centre.pk, facility_ids=[facility.pk], date_from=None, date_to=None,
                        hops=2)

    assert capped["capped"] and capped["total_parties"] == 7
    assert [p["party"] for p in capped["parties"]] == [centre.pk, contacts[5].pk,
                                                       contacts[4].pk]
    assert {(t["a"], t["b"]) for t in capped["ties"]} == {
        tuple(sorted(pair)) for pair in [(centre.pk, contacts[5].pk),
                                         (centre.pk, contacts[4].pk),
                                         (contacts[5].pk, contacts[4].pk)]}
    assert not whole["capped"] and len(whole["parties"]) == 7 and len(whole["ties"]) == 7
    assert {p["party"]: p["hop"] for p in wider["parties"]}[far.pk] == 2
    assert elsewhere.pk not in {p["party"] for p in wider["parties"]}
    with pytest.raises(ValueError):
        network.ego(centre.pk, facility_ids=[facility.pk], date_from=None, date_to=None, hops=3)


def test_changes_report_a_new_tie_to_a_flagged_party_and_a_new_broker(facility):
    flagged, prisoner = outside_party("Recruiter"), prisoner_party(facility)
    event(prisoner, flagged, facility, on(10, 1))  # known before
    left = [prisoner_party(facility) for _ in range(3)]
    right = [outside_party(f"R{i}") for i in range(3)]
    for group in (left, right):
        for a, b in itertools.combinations(group, 2):
            event(a, b, facility, on(12, 1))
            event(a, b, facility, on(12, 3))
    broker = outside_party("Go-between")
    event(broker, left[0], facility, on(15, 1))  # before: one tie, no brokerage
    event(broker, left[0], facility, on(14, 3))
    event(broker, right[0], facility, on(16, 3))  # after: joins the two groups
    newcomer = prisoner_party(facility)
    event(newcomer, flagged, facility, on(20, 3))
    event(prisoner, flagged, facility, on(21, 3))

    found = network.changes(facility_ids=[facility.pk],
                            before=(date(2025, 1, 1), date(2025, 1, 31)),
                            after=(date(2025, 3, 1), date(2025, 3, 31)),
                            flagged_party_ids=[flagged.pk], top=3)

    assert [(t["flagged"], t["other"], t["first_seen"]) for t in found["new_ties"]] == [
        (flagged.pk, newcomer.pk, on(20, 3).isoformat())]
    rises = {(r["party"], r["measure"]): r for r in found["rises"]}
    assert (broker.pk, "betweenness") in rises
    assert rises[(broker.pk, "betweenness")]["before"] == 0.0
    assert rises[(broker.pk, "betweenness")]["after"] == pytest.approx(9 * 2 / (9 * 8))
    assert (left[1].pk, "betweenness") not in rises
    assert found["parties"][newcomer.pk]["is_prisoner"]


def test_the_timeline_is_newest_first_and_paginated(facility):
    prisoner, mother, friend = prisoner_party(facility), outside_party(), outside_party()
    for day in range(1, 6):
        event(prisoner, mother, facility, on(day), duration=day)
    event(friend, prisoner, facility, on(7), kind="visit")
    event(friend, mother, facility, on(8))

    first = network.timeline(prisoner.pk, facility_ids=[facility.pk], date_from=None,
                             date_to=None, page_size=4)
    second = network.timeline(prisoner.pk, facility_ids=[facility.pk], date_from=None,
                              date_to=None, page_size=4, page=2)
    between = network.timeline(prisoner.pk, facility_ids=[facility.pk], date_from=None,
                               date_to=None, other_party_id=mother.pk)

    assert [e["occurred_at"] for e in first["events"]] == [
        on(d).isoformat() for d in (7, 5, 4, 3)]
    assert first["events"][0] | {"id": 0} == {
        "id": 0, "occurred_at": on(7).isoformat(), "kind": "visit", "direction": "in",
        "other": friend.pk, "duration_seconds": None, "amount": None,
        "facility_id": facility.pk, "monitored": False}
    assert first["has_next"] and not second["has_next"]
    assert [e["duration_seconds"] for e in second["events"]] == [2, 1]
    assert len(between["events"]) == 5 and {e["other"] for e in between["events"]} == {mother.pk}


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 9)),
                max_size=40),
       st.sets(st.integers(1, 12), min_size=1, max_size=4),
       st.sets(st.integers(1, 12), max_size=3))
def test_the_strength_of_each_neighbour_is_its_strongest_tie_into_the_ring(pairs, ring,
                                                                           exclude):
    import numpy as np

    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    n = np.array([p[2] for p in pairs], dtype=np.int64)
    zeros = np.zeros(len(pairs), dtype=np.int64)
    t = network.collect._assemble(a, b, zeros, zeros, n, {}, zeros, zeros.astype(float))
    expected: dict[int, int] = {}
    for (lo, hi), events in zip(zip(t.party_ids[t.u].tolist(), t.party_ids[t.v].tolist(),
                                    strict=True), t.events.tolist(), strict=True):
        for here, there in ((lo, hi), (hi, lo)):
            if here in ring and there not in ring and there not in exclude:
                expected[there] = max(expected.get(there, 0), events)

    assert network._strengths(t, set(ring), exclude) == expected
