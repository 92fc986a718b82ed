"""Which prisoners are due or overdue for an assessment, per facility.

Due: an intake screening at admission; a risk and needs assessment for terrorism-related
prisoners within 30 days of admission, then at the instrument's interval, and again six
months before the expected release; and whatever was requested (after an incident, before a
decision) until an assessment of that kind is locked. Incidents and programme completion will
file such requests themselves when those capabilities arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max
from django.utils import timezone

from custos.custody.models import CustodyStatus
from custos.custody.selectors import prisoner_list_visible_to

from .models import Assessment, AssessmentRequest, AssessmentStatus, Instrument, InstrumentKind

FIRST_RISK_ASSESSMENT_DAYS = 30
BEFORE_RELEASE = timedelta(days=182)


@dataclass(frozen=True)
class Due:
    prisoner_id: int
    prison_number: str
    name: str
    kind: str
    due_on: date
    why: str  # "admission", "interval", "before_release", "request"

    @property
    def overdue(self) -> bool:
        return self.due_on < timezone.localdate()


def _interval_months() -> int:
    latest = Instrument.objects.filter(kind=InstrumentKind.RISK_NEEDS).order_by(
        "-loaded_at").values_list("definition", flat=True).first()
    return int((latest or {}).get("interval_months") or 6)


def due_list(*, user, facility) -> list[Due]:
    """Every assessment due in the facility, oldest first (four queries, any size)."""
    prisoners = list(prisoner_list_visible_to(user=user).filter(
        facility=facility, status=CustodyStatus.IN_CUSTODY).values_list(
        "pk", "prison_number", "display_name", "admitted_at", "terrorism_related",
        "expected_release"))
    last = {}
    for prisoner_id, kind, locked in (
            Assessment.objects.filter(prisoner__facility=facility,
                                      prisoner__status=CustodyStatus.IN_CUSTODY,
                                      status=AssessmentStatus.LOCKED)
            .values_list("prisoner_id", "instrument__kind").annotate(Max("locked_at"))):
        last[(prisoner_id, kind)] = locked.date()
    requests = list(AssessmentRequest.objects.filter(
        prisoner__facility=facility, prisoner__status=CustodyStatus.IN_CUSTODY).values_list(
        "prisoner_id", "kind", "requested_at"))
    months = _interval_months()
    found: list[Due] = []
    for pk, number, name, admitted, terrorism, release in prisoners:
        if (pk, InstrumentKind.SCREENING) not in last:
            found.append(Due(pk, number, name, InstrumentKind.SCREENING, admitted.date(),
                             "admission"))
        if not terrorism:
            continue
        done = last.get((pk, InstrumentKind.RISK_NEEDS))
        if done is None:
            due_on = admitted.date() + timedelta(days=FIRST_RISK_ASSESSMENT_DAYS)
            found.append(Due(pk, number, name, InstrumentKind.RISK_NEEDS, due_on, "admission"))
            continue
        due_on, why = done + timedelta(days=round(30.44 * months)), "interval"
        if release and release - BEFORE_RELEASE > done and release - BEFORE_RELEASE < due_on:
            due_on, why = release - BEFORE_RELEASE, "before_release"
        found.append(Due(pk, number, name, InstrumentKind.RISK_NEEDS, due_on, why))
    names = {pk: (number, name) for pk, number, name, *_rest in prisoners}
    for prisoner_id, kind, requested in requests:
        done = last.get((prisoner_id, kind))
        if prisoner_id in names and (done is None or done < requested.date()):
            found.append(Due(prisoner_id, *names[prisoner_id], kind, requested.date(),
                             "request"))
    return sorted(found, key=lambda d: (d.due_on, d.prison_number))


def overdue_list(*, user, facility) -> list[Due]:
    return [d for d in due_list(user=user, facility=facility) if d.overdue]
