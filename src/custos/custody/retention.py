"""Records past their retention period: listed for review, or erased where the rule says so.

People decide about prisoners' files (review); contacts of long-released prisoners are
erased when their category's rule says erase. Every erasure is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from custos.audit import trail
from custos.core.models import PersonCategory, RetentionAction, RetentionRule

from .models import CustodyStatus, FamilyMember, Prisoner


@dataclass(frozen=True)
class Due:
    category: str
    action: str
    count: int
    cutoff: str


def _cutoff(category: str):
    rule = RetentionRule.objects.filter(category=category).first()
    if rule is None:
        return None, None
    return timezone.now() - timedelta(days=rule.retention_days), rule.action


def due_prisoners():
    cutoff, _action = _cutoff(PersonCategory.PRISONER)
    if cutoff is None:
        return Prisoner.objects.none()
    return Prisoner.objects.filter(status=CustodyStatus.RELEASED, released_at__lt=cutoff)


def due_contacts():
    cutoff, _action = _cutoff(PersonCategory.CONTACT)
    if cutoff is None:
        return FamilyMember.objects.none()
    return FamilyMember.objects.filter(prisoner__status=CustodyStatus.RELEASED,
                                       prisoner__released_at__lt=cutoff)


def report() -> list[Due]:
    found = []
    for category, rows in ((PersonCategory.PRISONER, due_prisoners()),
                           (PersonCategory.CONTACT, due_contacts())):
        cutoff, action = _cutoff(category)
        if cutoff is not None:
            found.append(Due(category, action, rows.count(), cutoff.date().isoformat()))
    return found


@transaction.atomic
def erase_due_contacts(*, acting_user) -> int:
    """Erase contacts whose rule says erase; one audit entry per prisoner concerned."""
    _cutoff_at, action = _cutoff(PersonCategory.CONTACT)
    if action != RetentionAction.ERASE:
        return 0
    erased = 0
    for prisoner_id, count in _counts(due_contacts()):
        trail.record(acting_user, "retention.erase", object_type="custody.prisoner",
                     object_id=str(prisoner_id), reason="Retention period of contacts ended",
                     changes={"contacts_erased": count})
        erased += count
    due_contacts().delete()
    return erased


def _counts(rows):
    from django.db.models import Count

    return rows.values_list("prisoner_id").annotate(n=Count("id")).order_by("prisoner_id")
