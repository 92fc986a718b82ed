"""Checking and summarising a set of ratings against its instrument. Pure functions.

A structured professional judgement is the assessor's, with reasons; the score (for a
screening instrument) and the indices (influence, vulnerability) are computed from the
ratings and shown beside it, never instead of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .instruments import items_of

__all__ = ["Summary", "items_of", "problems", "summarise"]


@dataclass(frozen=True)
class Summary:
    score: int | None
    band: str  # the band's English label, or ""
    indices: Mapping[str, int]
    referrals: tuple[str, ...] = field(default=())  # item codes whose referral threshold is met


def _levels(definition: Mapping, scale: str) -> set[int]:
    return {level["value"] for level in definition["scales"][scale]["levels"]}


def problems(definition: Mapping, ratings: Mapping[str, Mapping], judgement: int | None,
             reasons: str) -> list[tuple[str, str]]:
    """Every (item code or field, message) that keeps these ratings from being submitted."""
    found: list[tuple[str, str]] = []
    known = {item["code"] for item in items_of(definition)}
    for code in sorted(set(ratings) - known):
        found.append((code, _("item %(item)s is not in this instrument") % {"item": code}))
    for item in items_of(definition):
        rating = ratings.get(item["code"]) or {}
        value = rating.get("value")
        if value is None:
            if item.get("required", True):
                found.append((item["code"], _("item %(item)s is required")
                              % {"item": item["code"]}))
            continue
        if value not in _levels(definition, item["scale"]):
            found.append((item["code"], _("item %(item)s: %(value)s is not on its scale")
                          % {"item": item["code"], "value": value}))
        if definition.get("requires_rationale") and not (rating.get("rationale") or "").strip():
            found.append((item["code"], _("item %(item)s needs a written rationale")
                          % {"item": item["code"]}))
    scale = definition["summary"]["judgement"]["scale"]
    if judgement is None:
        found.append(("judgement", _("the overall judgement is required")))
    elif judgement not in _levels(definition, scale):
        found.append(("judgement", _("%(value)s is not on the judgement's scale")
                      % {"value": judgement}))
    if not reasons.strip():
        found.append(("reasons", _("give the reasons for the overall judgement")))
    return found


def summarise(definition: Mapping, ratings: Mapping[str, Mapping]) -> Summary:
    def value(code: str) -> int:
        return (ratings.get(code) or {}).get("value") or 0

    score = definition["summary"].get("score")
    total, band = None, ""
    if score is not None:
        total = sum(value(code) for code in score["items"])
        band = next((b["label"]["en"] for b in score["bands"]
                     if b["min"] <= total <= b["max"]), "")
    indices = {name: sum(value(code) for code in index["items"])
               for name, index in (definition.get("indices") or {}).items()}
    referrals = tuple(item["code"] for item in items_of(definition)
                      if item.get("referral") and value(item["code"]) >= item["referral"]["at"])
    return Summary(total, band, indices, referrals)
