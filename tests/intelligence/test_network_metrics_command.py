"""`custos network_metrics`: the JSON the screens show, against networkx."""

import json
from datetime import UTC, datetime

import networkx as nx
import pytest
from django.core.management import CommandError, call_command

from custos.intelligence import network

from ..factories import FacilityFactory
from .test_network import as_networkx, event, outside_party, prisoner_party, two_cliques


def run(tmp_path, *args):
    output = tmp_path / "metrics.json"
    call_command("network_metrics", *args, "--output", str(output))
    return json.loads(output.read_text(encoding="utf-8"))


def test_the_figures_of_two_groups_and_their_broker(facility, tmp_path, capsys):
    left, right, broker = two_cliques(facility)
    t = network.ties([facility.pk], None, None)
    expected = nx.betweenness_centrality(as_networkx(t), normalized=True)

    rows = run(tmp_path, "--facility", facility.code)

    assert len(rows) == 9
    assert set(rows[0]) >= {"ref", "name", "degree", "betweenness", "community",
                            "is_prisoner"}
    assert rows[0]["ref"] == f"X{broker.person.pk}" and rows[0]["name"] == "Broker"
    assert rows[0]["betweenness"] == pytest.approx(32 / 56) and rows[0]["degree"] == 2
    assert not rows[0]["is_prisoner"]
    by_party = {row["party"]: row for row in rows}
    for party, value in expected.items():
        assert by_party[party]["betweenness"] == pytest.approx(value, abs=1e-12)
    assert by_party[left[0].pk]["ref"] == left[0].prisoner.prison_number
    assert by_party[left[0].pk]["is_prisoner"] and by_party[left[0].pk]["degree"] == 4
    assert by_party[left[1].pk]["community"] != by_party[right[1].pk]["community"]
    assert [r["betweenness"] for r in rows] == sorted((r["betweenness"] for r in rows),
                                                      reverse=True)
    assert "9" in capsys.readouterr().out


def test_the_window_and_several_facilities(facility, tmp_path):
    elsewhere = FacilityFactory(code="GAO")
    prisoner, friend, other = prisoner_party(facility), outside_party(), outside_party()
    event(prisoner, friend, facility, datetime(2025, 3, 10, 12, tzinfo=UTC))
    event(prisoner, other, elsewhere, datetime(2025, 5, 10, 12, tzinfo=UTC))

    march = run(tmp_path, "--from", "2025-03-01", "--to", "2025-03-31")
    both = run(tmp_path, "--facility", facility.code, "--facility", "GAO")
    everywhere = run(tmp_path)

    assert {r["party"] for r in march} == {prisoner.pk, friend.pk}
    assert {r["party"] for r in both} == {prisoner.pk, friend.pk, other.pk}
    assert {r["party"]: r["degree"] for r in everywhere}[prisoner.pk] == 2


def test_an_unknown_facility_is_refused_by_name(facility, tmp_path):
    output = tmp_path / "metrics.json"
    with pytest.raises(CommandError, match="NOPE"):
        call_command("network_metrics", "--facility", facility.code, "--facility", "NOPE",
                     "--output", str(output))
    assert not output.exists()


def test_without_output_nothing_runs(facility, tmp_path):
    with pytest.raises(CommandError, match="--output"):
        call_command("network_metrics")
    with pytest.raises(CommandError, match="2025-13-01"):
        call_command("network_metrics", "--from", "2025-13-01", "--output",
                     str(tmp_path / "x.json"))
    assert list(tmp_path.iterdir()) == []
