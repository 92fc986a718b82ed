"""Classification rules propose the least restrictive category every fired rule allows."""

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from custos.assessments.classification import InvalidRules, parse, propose

SHIPPED = Path(__file__).resolve().parents[2] / "instruments" / "classification.yaml"


@pytest.fixture(scope="module")
def rules():
    return parse(yaml.safe_load(SHIPPED.read_text()))


def test_the_shipped_rules_load_with_three_categories_least_restrictive_first(rules):
    assert [c.code for c in rules.categories] == ["C", "B", "A"]
    assert [c.regime for c in rules.categories] == ["general", "high_security", "separation"]


def test_no_rule_firing_proposes_the_least_restrictive_category(rules):
    proposal = propose(rules, {"judgement": "low", "terrorism_related": True})

    assert proposal.category.code == "C"
    assert proposal.fired == ()


def test_the_proposal_names_the_rules_that_fired_and_on_which_inputs(rules):
    proposal = propose(rules, {"judgement": "high", "score.influence": 7})

    assert proposal.category.code == "A"
    assert [f.rule.id for f in proposal.fired] == ["R1", "R2"]
    assert [f.rule.id for f in proposal.deciding] == ["R2"]
    assert proposal.fired[1].inputs == {"judgement": "high", "score.influence": 7}


def test_a_missing_fact_never_fires_a_comparison(rules):
    assert propose(rules, {"judgement": "high"}).category.code == "B"


facts = st.fixed_dictionaries({
    "judgement": st.sampled_from(["low", "moderate", "high", None]),
    "score.influence": st.one_of(st.none(), st.integers(0, 12)),
    "serious_incidents_12m": st.integers(0, 5),
    "intelligence_flag": st.booleans(),
})


@given(facts)
def test_the_proposal_never_lies_above_what_the_rules_demand(facts):
    rules = parse(yaml.safe_load(SHIPPED.read_text()))

    proposal = propose(rules, facts)

    demanded = max((rules.rank(f.rule.minimum) for f in proposal.fired), default=0)
    assert rules.rank(proposal.category.code) == demanded
    for rule in rules.rules:
        if all(c.holds(facts) for c in rule.conditions):
            assert rules.rank(proposal.category.code) >= rules.rank(rule.minimum)


@pytest.mark.parametrize(("change", "problem"), [
    (lambda d: d["rules"][0].update(minimum="Z"), "minimum 'Z' is not a category"),
    (lambda d: d["rules"][1].update(id="R1"), "a unique id is needed"),
    (lambda d: d["rules"][0].update(when={"judgement": {"near": "high"}}), "unknown operator"),
    (lambda d: d["rules"][0].update(when={}), "at least one condition"),
    (lambda d: d["rules"][0]["description"].pop("en"), "English description"),
    (lambda d: d.update(categories=[]), "at least one category"),
])
def test_bad_rules_are_refused_naming_the_problem(change, problem):
    data = yaml.safe_load(SHIPPED.read_text())
    change(data)

    with pytest.raises(InvalidRules) as refused:
        parse(data)

    assert any(problem in p for p in refused.value.problems)
