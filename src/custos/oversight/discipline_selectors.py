"""Every read of discipline, narrowed by the access policy and a monitor's mandate.

Staff read the charges of their facilities; an independent monitor those of the facilities in
his body's mandate, with the prisoner's name and the free text of the file only where the
mandate allows individual cases. A charge outside the reader's reach answers 404, like one
that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from . import discipline, scoping
from .models import (
    AppealOutcome,
    ChargeStatus,
    DisciplinaryCharge,
    Sanction,
    SanctionKind,
)

VIEW = "oversight.view"


def charge_list_visible_to(*, user) -> QuerySet[DisciplinaryCharge]:
    return scoping.visible(user, VIEW, DisciplinaryCharge.objects.select_related(
        "prisoner", "facility"), prisoner_field="prisoner")


def charge_search(*, user, facility=None, status: str = "", date_from: date | None = None,
                  date_to: date | None = None) -> QuerySet[DisciplinaryCharge]:
    """Charges by facility, status and the day of the incident (both ends included)."""
    charges = charge_list_visible_to(user=user)
    if facility:
        charges = charges.filter(facility=facility)
    if status:
        charges = charges.filter(status=status)
    if date_from:
        charges = charges.filter(incident_at__date__gte=date_from)
    if date_to:
        charges = charges.filter(incident_at__date__lte=date_to)
    return charges.order_by("-incident_at", "-pk")


def charge_get(*, user, pk) -> DisciplinaryCharge:
    try:
        return charge_list_visible_to(user=user).select_related(
            "decided_by", "hearing__adjudicator", "appeal").get(pk=int(pk))
    except (DisciplinaryCharge.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def sanctions_of(*, charge: DisciplinaryCharge) -> list[Sanction]:
    return list(Sanction.objects.filter(charge=charge).select_related("charge__appeal")
                .order_by("starts_on", "pk"))


def figures(*, charges: QuerySet[DisciplinaryCharge]) -> dict:
    """The discipline figures monitors need, over a set of charges already narrowed: how many
    by status, by offence, and sanctions by kind (those quashed on appeal apart)."""
    counted = dict(charges.order_by().values_list("status").annotate(n=Count("pk")))
    by_status = [(status, label, counted[status]) for status, label in ChargeStatus.choices
                 if counted.get(status)]
    by_offence = list(charges.order_by().values("offence", "rule_reference")
                      .annotate(n=Count("pk")).order_by("-n", "offence"))
    quashed = Q(charge__appeal__outcome=AppealOutcome.QUASHED)
    rows = (Sanction.objects.filter(charge__in=charges.values("pk")).order_by()
            .values("kind").annotate(n=Count("pk", filter=~quashed),
                                     days=Sum("days", filter=~quashed),
                                     void=Count("pk", filter=quashed)).order_by("-n", "kind"))
    labels = dict(SanctionKind.choices)
    by_sanction = [{**row, "label": labels.get(row["kind"], row["kind"])} for row in rows]
    return {"total": sum(counted.values()), "by_status": by_status,
            "by_offence": by_offence, "by_sanction": by_sanction}


# --- the rights of the procedure, each met or not ---------------------------------------------

MET, NOT_MET, PENDING, NOT_NEEDED, NONE = "met", "not_met", "pending", "not_needed", "none"
STATES = {MET: _("Met"), NOT_MET: _("Not met"), PENDING: _("Not yet"),
          NOT_NEEDED: _("Not needed"), NONE: _("None recorded")}


@dataclass(frozen=True)
class Right:
    rule: str
    name: str
    state: str
    evidence: str = ""

    @property
    def label(self) -> str:
        return STATES[self.state]


def rights(charge: DisciplinaryCharge) -> list[Right]:
    """What the Rules require of this charge's procedure, and whether the record shows it."""
    prisoner = charge.prisoner
    hearing = getattr(charge, "hearing", None)
    appeal = getattr(charge, "appeal", None)
    found = [Right("Mandela Rule 37", _("The offence is one a prison rule defines"),
                   MET if charge.rule_reference else NOT_MET, charge.rule_reference)]
    told = _("Told of the charge without delay")
    language = _("In a language he understands")
    if charge.notified_at is None:
        found += [Right("Mandela Rule 41(2)", told, PENDING),
                  Right("Mandela Rule 41(2)", language, PENDING)]
    else:
        # "Without delay" is measured from when the charge was recorded, as the nightly
        # check does; the incident may have been investigated first (Rule 41(1)).
        waited = charge.notified_at - (charge.created_at or charge.notified_at)
        understood = (discipline.understands(prisoner, charge.notice_language)
                      or bool(charge.notice_interpreter))
        found += [
            Right("Mandela Rule 41(2)", told,
                  MET if waited <= timedelta(hours=discipline.notice_hours()) else NOT_MET,
                  _("%(hours)s hours after the charge was recorded; at most %(limit)s") % {
                      "hours": max(0, int(waited.total_seconds() // 3600)),
                      "limit": f"{discipline.notice_hours():g}"}),
            Right("Mandela Rule 41(2)", language, MET if understood else NOT_MET,
                  (_("%(language)s through %(name)s") % {
                      "language": charge.notice_language, "name": charge.notice_interpreter})
                  if charge.notice_interpreter else charge.notice_language),
        ]
    hours = discipline.preparation_hours()
    if hearing is None:
        found += [Right("Mandela Rule 41(2)", _("Adequate time to prepare his defence"),
                        PENDING, _("at least %(hours)s hours") % {"hours": f"{hours:g}"}),
                  Right("Mandela Rule 41(3)", _("An interpreter if he needs one"), PENDING),
                  Right("Mandela Rule 41(3)", _("Heard in his defence"), PENDING),
                  Right("Mandela Rule 41(3)", _("Legal assistance"), PENDING)]
    else:
        prepared = hearing.held_at - charge.notified_at
        needs = discipline.interpreter_required(prisoner, hearing.language)
        found += [
            Right("Mandela Rule 41(2)", _("Adequate time to prepare his defence"),
                  MET if prepared >= timedelta(hours=hours) else NOT_MET,
                  _("%(given)s hours between notice and hearing; at least %(hours)s") % {
                      "given": int(prepared.total_seconds() // 3600), "hours": f"{hours:g}"}),
            Right("Mandela Rule 41(3)", _("An interpreter if he needs one"),
                  (MET if hearing.interpreter else NOT_MET) if needs else NOT_NEEDED,
                  hearing.interpreter or hearing.language),
            Right("Mandela Rule 41(3)", _("Heard in his defence"),
                  MET if hearing.prisoner_heard else NOT_MET),
            Right("Mandela Rule 41(3)", _("Legal assistance"),
                  MET if hearing.legal_assistance else NONE, hearing.legal_assistance),
        ]
    found.append(Right("Mandela Rule 39(1)", _("A decision with reasons"),
                       MET if charge.decision_reasons else PENDING))
    if appeal is None:
        state = NOT_NEEDED if charge.status == ChargeStatus.NOT_PROVED else PENDING
        found.append(Right("Mandela Rule 41(4)", _("Review by an independent authority"),
                           state, _("open to appeal") if charge.status == ChargeStatus.PROVED
                           else ""))
    else:
        found.append(Right("Mandela Rule 41(4)", _("Review by an independent authority"),
                           MET if appeal.outcome != AppealOutcome.PENDING else PENDING,
                           appeal.authority))
    return found
