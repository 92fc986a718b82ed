"""Who a party is, in a word: a prisoner's number and name, or an outside person's name."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Party


def labels(party_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted({int(p) for p in party_ids})
    found = {}
    rows = Party.objects.filter(pk__in=ids).values_list(
        "pk", "prisoner__prison_number", "prisoner__display_name", "person__name")
    for pk, number, prisoner_name, person_name in rows:
        found[pk] = f"{prisoner_name} ({number})" if number else person_name
    return found
