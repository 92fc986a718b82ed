"""The demo's prison intelligence: reports in every grade, one compartment, a source, wing
observations, disseminations to police and the director with a reply, and alert rules.

Everything goes through the intelligence services, so the demo's records are audited and
keep the same rules as a user's. Communications come from `demo.communications`.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from custos.access.models import Compartment
from custos.accounts.models import User
from custos.custody.models import CustodyStatus, Prisoner
from custos.intelligence import services
from custos.intelligence.models import AlertRuleKind, IntelligenceReport

SIGHTINGS = (
    ("Sermon in the yard", "Led an unauthorised sermon for about twenty prisoners after "
     "exercise; new arrivals sat in the front rows."),
    ("Notes passed at visits", "A folded note changed hands with a visitor; the visitor left "
     "before the search."),
    ("Pressure on a cellmate", "Cellmate asked to change cells, saying he was told to pray and "
     "stop calling his family."),
    ("Phone found", "A mobile phone was found taped under the bunk during a cell search."),
    ("Group forming", "Five prisoners from three units now eat together and avoid staff."),
    ("Money for protection", "Other prisoners report paying for protection through outside "
     "transfers to the same number."),
)
GRADES = (("1", "A", "P"), ("1", "B", "P"), ("2", "B", "P"), ("2", "C", "C"), ("3", "D", "C"),
          ("2", "C", "P"), ("1", "A", "C"))


def set_up(*, users: dict[str, User], seed: int) -> dict[str, int]:
    """The demo's reports and rules; nothing if reports exist already."""
    if IntelligenceReport.objects.exists():
        return {}
    rng = random.Random(seed)
    analyst, handler = users["analyst"], users["sourcehandler"]
    people = list(Prisoner.objects.filter(status=CustodyStatus.IN_CUSTODY,
                                          terrorism_related=True)
                  .select_related("facility").order_by("id")[:60])
    if not people:
        return {}
    compartment = Compartment.objects.filter(name="Operation Harmattan").first() or \
        services.compartment_create(acting_user=analyst, name="Operation Harmattan",
                                    purpose="A recruitment network reaching across facilities")
    source = services.source_create(acting_user=handler, reference="HS-0001",
                                    identity="Demo source: kitchen orderly, unit B",
                                    facility=people[0].facility)
    now = timezone.now()
    made = {"reports": 0, "observations": 0, "disseminations": 0}
    for index, prisoner in enumerate(people):
        summary, text = SIGHTINGS[index % len(SIGHTINGS)]
        when = now - timedelta(days=rng.randint(1, 300), hours=rng.randint(0, 23))
        if index % 4 == 3:
            services.observation_create(acting_user=users["security"],
                                        facility=prisoner.facility, occurred_at=when,
                                        summary=summary, text=text, prisoners=[prisoner])
            made["observations"] += 1
            continue
        evaluation, assessment, handling = GRADES[index % len(GRADES)]
        report = services.report_create(
            acting_user=analyst, facility=prisoner.facility, occurred_at=when, summary=summary,
            text=text, prisoners=[prisoner], place=f"{prisoner.facility.code}",
            source=source.pk if index % 5 == 0 else None,
            source_description="" if index % 5 == 0 else "Wing officer",
            compartment=compartment.pk if index % 6 == 0 else None,
            grades={"source_evaluation": evaluation, "intelligence_assessment": assessment,
                    "handling_code": handling,
                    "handling_conditions": "Counter-terrorism police only" if handling == "C"
                    else ""})
        made["reports"] += 1
        if index % 7 == 1:
            audience = "police" if index % 2 else "director"
            made_one = services.disseminate(
                acting_user=analyst, report=report, audience=audience,
                recipients="Counter-terrorism police" if audience == "police" else "Director",
                text=f"{summary}: {prisoner.display_name} ({prisoner.prison_number}). "
                     "Details withheld to protect the source.")
            made["disseminations"] += 1
            if audience == "police" and made["disseminations"] < 4:
                services.dissemination_reply(
                    acting_user=users["police"], dissemination=made_one,
                    text="The number in this report is known to us from an open inquiry.")
    for name, kind in ((str(AlertRuleKind.FLAGGED_CONTACT.label), AlertRuleKind.FLAGGED_CONTACT),
                       (str(AlertRuleKind.CONCERN_TO_VULNERABLE_FAMILY.label),
                        AlertRuleKind.CONCERN_TO_VULNERABLE_FAMILY),
                       (str(AlertRuleKind.RELEASED_CONTACT.label), AlertRuleKind.RELEASED_CONTACT)):
        services.alert_rule_create(acting_user=analyst, name=name, kind=kind)
    return made
