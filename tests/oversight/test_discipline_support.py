"""A charge taken step by step through the discipline services, for the discipline tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from custos.accounts.models import User
from custos.oversight import discipline
from custos.oversight.models import DisciplinaryCharge, MonitoringBody, MonitorMembership

from ..factories import PrisonerFactory, user_with_role

NOTICE_DAYS_AGO = 9


def a_prisoner(facility, **changes):
    return PrisonerFactory(facility=facility, **{"languages": "fr,bm", **changes})


def charged(director, prisoner, **changes) -> DisciplinaryCharge:
    data = {"offence": "Fighting", "rule_reference": "Prison Rule 51(1)",
            "particulars": "Struck another prisoner on the landing.",
            "incident_at": timezone.now() - timedelta(days=10)}
    data.update(changes)
    return discipline.charge_create(acting_user=director, prisoner=prisoner, **data)


def notified(user, charge, **changes) -> DisciplinaryCharge:
    data = {"version": charge.version, "language": "fr",
            "notified_at": timezone.now() - timedelta(days=NOTICE_DAYS_AGO)}
    data.update(changes)
    return discipline.charge_notify(acting_user=user, charge=charge, **data)


def hearing_data(charge, adjudicator, **changes) -> dict:
    held_at = (charge.notified_at or timezone.now()) + timedelta(hours=25)
    data = {"version": charge.version, "held_at": held_at,
            "adjudicator": adjudicator, "language": "fr", "interpreter": "",
            "prisoner_heard": True, "prisoner_statement": "He struck me first.",
            "legal_assistance": "", "witnesses": "Officer Traoré", "finding": "proved"}
    data.update(changes)
    return data


def heard(user, charge, adjudicator, **changes) -> DisciplinaryCharge:
    discipline.hearing_record(acting_user=user, charge=charge,
                              **hearing_data(charge, adjudicator, **changes))
    return DisciplinaryCharge.objects.get(pk=charge.pk)


def decided(director, charge, reasons="The officer's account is consistent.") -> \
        DisciplinaryCharge:
    return discipline.charge_decide(acting_user=director, charge=charge,
                                    version=charge.version, reasons=reasons)


def proved(director, prisoner, **changes) -> DisciplinaryCharge:
    """A charge found proved and decided, ready for a sanction or an appeal."""
    charge = notified(director, charged(director, prisoner, **changes))
    return decided(director, heard(director, charge, director))


def appealed(director, charge) -> DisciplinaryCharge:
    discipline.appeal_lodge(acting_user=director, charge=charge, version=charge.version,
                            grounds="He acted in self-defence.",
                            authority="Sentence enforcement judge")
    return DisciplinaryCharge.objects.get(pk=charge.pk)


def monitor_of(facility, *, individual_cases: bool, username: str, covers=True) -> User:
    body = MonitoringBody.objects.create(name=f"Body of {username}", kind="npm",
                                         mandate="Places of detention.",
                                         individual_cases=individual_cases)
    if covers:
        body.facilities.add(facility)
    monitor = user_with_role("monitor", None, username=username)
    MonitorMembership.objects.create(body=body, user=monitor,
                                     started_on=timezone.localdate() - timedelta(days=1))
    return monitor
