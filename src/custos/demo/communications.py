"""The demo's communications: a year of calls, visits, letters, video calls and money
transfers up to today, imported the way a prison's phone-system export is, then made
readable for analysts — family contacts known as family, a few outside hubs flagged — with
merge proposals and the day's alerts."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from django.utils import timezone

from custos.accounts.models import User
from custos.custody.models import CustodyStatus, Prisoner
from custos.intelligence import alerts, importing, resolution, services, synthetic
from custos.intelligence.models import CommunicationEvent, OutsidePerson, Party, PersonKind

EVENTS_PER_PRISONER = 20
PEOPLE_PER_PRISONER = 2
HUBS_FLAGGED = 3


def set_up(*, analyst: User, seed: int) -> dict[str, int]:
    """Import the demo's communications; nothing if some are on record already."""
    if CommunicationEvent.objects.exists():
        return {}
    people = list(Prisoner.objects.filter(status=CustodyStatus.IN_CUSTODY)
                  .values_list("prison_number", "facility__code"))
    if not people:
        return {}
    numbers = [number for number, _code in people]
    frame = synthetic.events_frame(
        prisoners=numbers, people=len(numbers) * PEOPLE_PER_PRISONER,
        events=len(numbers) * EVENTS_PER_PRISONER, facilities=["-"], seed=seed,
        year=timezone.now().year - 1, released_share=0.0)
    frame = _in_their_facility(_up_to_today(frame), dict(people))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-communications.csv"
        frame.write_csv(path)
        result = importing.communications_import(acting_user=None, path=path)
    families = _families()
    flagged = _flag_hubs(analyst)
    proposed = len(resolution.propose(acting_user=None))
    raised = alerts.raise_alerts()
    return {"events": result.added, "family contacts": families, "flagged": flagged,
            "merge proposals": proposed, "alerts": raised}


def _up_to_today(frame: pl.DataFrame) -> pl.DataFrame:
    """The generator writes a calendar year; shift it so the last day is today."""
    when = pl.col("occurred_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC")
    end_of_year = datetime(timezone.now().year - 1, 12, 31, 23, 0, tzinfo=UTC)
    shift = timezone.now().astimezone(UTC) - end_of_year
    return frame.with_columns((when + shift).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
                              .alias("occurred_at"))


def _in_their_facility(frame: pl.DataFrame, facility_of: dict[str, str]) -> pl.DataFrame:
    """Each event at the facility of the prisoner in it (the generator deals them out)."""
    codes = pl.DataFrame({"ref": list(facility_of), "code": list(facility_of.values())})
    return (frame.join(codes.rename({"ref": "from_ref", "code": "from_code"}), on="from_ref",
                       how="left", maintain_order="left")
            .join(codes.rename({"ref": "to_ref", "code": "to_code"}), on="to_ref", how="left",
                  maintain_order="left")
            .with_columns(pl.coalesce("from_code", "to_code").alias("facility"))
            .drop("from_code", "to_code"))


def _families() -> int:
    """An outside person in contact with one prisoner only is taken as his family."""
    contacts: dict[int, set[int]] = {}
    for one, other in CommunicationEvent.objects.values_list("from_party_id", "to_party_id"):
        contacts.setdefault(one, set()).add(other)
        contacts.setdefault(other, set()).add(one)
    prisoner_of = dict(Party.objects.filter(prisoner__isnull=False)
                       .values_list("pk", "prisoner_id"))
    person_of = dict(Party.objects.filter(person__isnull=False).values_list("pk", "person_id"))
    family = []
    for party, person in person_of.items():
        inmates = [prisoner_of[p] for p in contacts.get(party, ()) if p in prisoner_of]
        if len(inmates) == 1:
            family.append(OutsidePerson(pk=person, kind=PersonKind.FAMILY,
                                        related_prisoner_id=inmates[0]))
    OutsidePerson.objects.bulk_update(family, ["kind", "related_prisoner"], batch_size=2000)
    return len(family)


def _flag_hubs(analyst: User) -> int:
    """The outside people in contact with the most prisoners become associates, flagged."""
    reach: dict[int, set[int]] = {}
    prisoners = set(Party.objects.filter(prisoner__isnull=False).values_list("pk", flat=True))
    for one, other in CommunicationEvent.objects.values_list("from_party_id", "to_party_id"):
        for here, there in ((one, other), (other, one)):
            if there in prisoners and here not in prisoners:
                reach.setdefault(here, set()).add(there)
    top = sorted(reach, key=lambda p: (-len(reach[p]), p))[:HUBS_FLAGGED]
    for party in Party.objects.filter(pk__in=top).select_related("person"):
        OutsidePerson.objects.filter(pk=party.person_id).update(kind=PersonKind.ASSOCIATE)
        services.flag_create(acting_user=analyst, party=party, reason=(
            f"In contact with {len(reach[party.pk])} prisoners in several facilities"))
    return len(top)
