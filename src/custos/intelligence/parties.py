"""Who a party is, in a word: a prisoner's name and number, or an outside person's name.

Built on `network.describe_parties`, so a sealed juvenile file stays unnamed here too."""

from __future__ import annotations

from collections.abc import Iterable

from .network import describe_parties


def labels(party_ids: Iterable[int]) -> dict[int, str]:
    return {party: f"{found['name']} ({found['ref']})" if found["is_prisoner"]
            else found["name"] for party, found in describe_parties(party_ids).items()}
