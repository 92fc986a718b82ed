"""Who the parties of a network are, as the screens and exports name them."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from ..models import Identifier, Party
from .collect import DESCRIBE_CHUNK

# ---------------------------------------------------------------------------------------
# Who the parties are


def _unknown(party: int) -> dict:
    return {"party": party, "ref": f"X{party}", "name": "", "is_prisoner": False,
            "kind": None, "facility": None}


def describe_parties(party_ids: Iterable[int]) -> dict[int, dict]:
    """Party id → ref, name, is_prisoner, kind (of an outside person), facility (code, of a
    prisoner). `ref` is the prison number, else the person's first identifier, else
    "X<person id>". Two queries per 10,000 parties."""
    wanted = sorted(set(party_ids))
    found: dict[int, dict] = {}
    for start in range(0, len(wanted), DESCRIBE_CHUNK):
        chunk = wanted[start:start + DESCRIBE_CHUNK]
        rows = Party.objects.filter(id__in=chunk).values_list(
            "id", "prisoner__prison_number", "prisoner__display_name",
            "prisoner__facility__code", "person_id", "person__name", "person__kind",
            "prisoner__sealed_at")
        people: dict[int, int] = {}
        for party, number, display, code, person, name, kind, sealed in rows:
            if sealed is not None:  # a juvenile's sealed file (Havana Rule 19): no name
                found[party] = {"party": party, "ref": f"S{party}", "name": _("Sealed file"),
                                "is_prisoner": True, "kind": "prisoner", "facility": code}
            elif number is not None:
                found[party] = {"party": party, "ref": number, "name": display,
                                "is_prisoner": True, "kind": "prisoner", "facility": code}
            else:
                people[person] = party
                found[party] = {"party": party, "ref": f"X{person}", "name": name,
                                "is_prisoner": False, "kind": kind, "facility": None}
        first: dict[int, str] = {}
        for person, value in (Identifier.objects.filter(person_id__in=list(people))
                              .order_by("person_id", "id").values_list("person_id", "value")):
            first.setdefault(person, value)
        for person, value in first.items():
            found[people[person]]["ref"] = value
    return found


