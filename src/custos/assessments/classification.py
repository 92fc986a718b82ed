"""Classification rules: from facts about a prisoner to the least restrictive safe category.

Rules are configuration (a versioned file, see `instruments/classification.yaml`), never
code. Categories are ordered from least to most restrictive; each rule that fires sets a
minimum category. The proposal is the least restrictive category that satisfies every rule
that fired — "systemic, transparent and fair" (Morocco's DGAPR tool, seed 000) and the least
restrictive measure that is safe (Mandela Rules) — and it names each rule that fired and on
which inputs. People decide: a director approves, or chooses another category with a written
justification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from custos.core.errors import InvalidInput

from .instruments import line_of, load_yaml_with_lines

OPERATORS = {
    "eq": lambda fact, value: fact == value,
    "ne": lambda fact, value: fact != value,
    "in": lambda fact, value: fact in value,
    "gte": lambda fact, value: fact is not None and fact >= value,
    "gt": lambda fact, value: fact is not None and fact > value,
    "lte": lambda fact, value: fact is not None and fact <= value,
    "lt": lambda fact, value: fact is not None and fact < value,
}


class InvalidRules(InvalidInput):
    """A rules file refused: each problem as "line N: message" where the line is known."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:10]), details={"problems": problems})
        self.problems = problems


@dataclass(frozen=True)
class Condition:
    fact: str  # e.g. "judgement", "terrorism_related", "score.influence"
    operator: str
    value: Any

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return OPERATORS[self.operator](facts.get(self.fact), self.value)


@dataclass(frozen=True)
class Rule:
    id: str
    description: Mapping[str, str]
    conditions: tuple[Condition, ...]
    minimum: str


@dataclass(frozen=True)
class Category:
    code: str
    label: Mapping[str, str]
    regime: str


@dataclass(frozen=True)
class RuleSet:
    code: str
    version: str
    categories: tuple[Category, ...]  # least restrictive first
    rules: tuple[Rule, ...]
    review_months: int

    def rank(self, code: str) -> int:
        return [c.code for c in self.categories].index(code)


@dataclass(frozen=True)
class Fired:
    rule: Rule
    inputs: Mapping[str, Any]  # the facts the rule looked at, with their values


@dataclass(frozen=True)
class Proposal:
    category: Category
    fired: tuple[Fired, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def deciding(self) -> tuple[Fired, ...]:
        """The rules that set the proposed category (the others demanded less)."""
        return tuple(f for f in self.fired if f.rule.minimum == self.category.code)


def parse_text(text: str) -> RuleSet:
    """A RuleSet from the text of a rules file, or InvalidRules naming lines and problems."""
    data, lines, errors = load_yaml_with_lines(text)
    if data is None:
        raise InvalidRules([f"line {line}: {message}" if line else message
                            for line, message in errors])
    try:
        return parse(data)
    except InvalidRules as refused:
        raise InvalidRules([
            f"line {line_of(lines, path)}: {message}" if line_of(lines, path) else message
            for path, message in refused.located]) from None


def parse(data: Mapping) -> RuleSet:
    """A RuleSet from the loaded file, or InvalidRules naming every problem."""
    located: list[tuple[tuple, str]] = []

    class _Problems(list):
        def append(self, message: str, path: tuple = ()) -> None:  # noqa: D401
            super().append(message)
            located.append((path, message))

    problems: list[str] = _Problems()
    categories = []
    for index, item in enumerate(data.get("categories") or []):
        if not isinstance(item, Mapping) or not item.get("code"):
            problems.append(f"categories[{index}]: a category needs a code",
                            ("categories", index))
            continue
        categories.append(Category(str(item["code"]), dict(item.get("label") or {}),
                                   str(item.get("regime") or "general")))
    codes = [c.code for c in categories]
    if not categories:
        problems.append("categories: at least one category is needed", ("categories",))
    if len(set(codes)) != len(codes):
        problems.append("categories: codes must be unique", ("categories",))
    rules, ids = [], set()
    for index, item in enumerate(data.get("rules") or []):
        where = f"rules[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: a rule is a mapping", ("rules", index))
            continue
        rule_id = str(item.get("id") or "")
        if not rule_id or rule_id in ids:
            problems.append(f"{where}: a unique id is needed", ("rules", index, "id"))
        ids.add(rule_id)
        if item.get("minimum") not in codes:
            problems.append(f"{where} ({rule_id}): minimum {item.get('minimum')!r} is not a "
                            f"category", ("rules", index, "minimum"))
        conditions = []
        for fact, test in (item.get("when") or {}).items():
            operator, value = (next(iter(test.items())) if isinstance(test, Mapping)
                               and len(test) == 1 else ("eq", test))
            if operator not in OPERATORS:
                problems.append(f"{where} ({rule_id}): unknown operator {operator!r} on {fact}",
                                ("rules", index, "when", fact))
                continue
            conditions.append(Condition(str(fact), operator, value))
        if not conditions:
            problems.append(f"{where} ({rule_id}): a rule needs at least one condition",
                            ("rules", index))
        if not (item.get("description") or {}).get("en"):
            problems.append(f"{where} ({rule_id}): an English description is needed",
                            ("rules", index, "description"))
        rules.append(Rule(rule_id, dict(item.get("description") or {}), tuple(conditions),
                          str(item.get("minimum"))))
    review = data.get("review_months", 6)
    if not isinstance(review, int) or review < 1:
        problems.append("review_months: a whole number of months, at least 1",
                        ("review_months",))
    if problems:
        refused = InvalidRules(list(problems))
        refused.located = located
        raise refused
    return RuleSet(str(data.get("code")), str(data.get("version")), tuple(categories),
                   tuple(rules), review)


def propose(rules: RuleSet, facts: Mapping[str, Any]) -> Proposal:
    """The least restrictive category that every rule that fires allows, and why."""
    fired = tuple(
        Fired(rule, {c.fact: facts.get(c.fact) for c in rule.conditions})
        for rule in rules.rules if all(c.holds(facts) for c in rule.conditions)
    )
    rank = max((rules.rank(f.rule.minimum) for f in fired), default=0)
    return Proposal(rules.categories[rank], fired, dict(facts))
