"""Writes to the access scopes: caseload allocations and break-glass openings."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.audit import trail
from custos.core.errors import InvalidInput

from . import policy
from .models import Allocation, BreakGlass

MIN_REASON = 10


@transaction.atomic
def allocation_create(*, acting_user, prisoner, staff, reason: str = "") -> Allocation:
    """Put a prisoner on a case manager's or provider's caseload, in the prisoner's facility."""
    policy.require(acting_user, "custody.allocate", facility_id=prisoner.facility_id,
                   target=str(prisoner.pk))
    caseload_roles = {role for role, reach in policy.ROLE_REACH.items()
                      if reach == policy.CASELOAD}
    if not any(g.role in caseload_roles and g.facility_id in (None, prisoner.facility_id)
               for g in policy.grants(staff)):
        raise InvalidInput(_("%(who)s holds no caseload role in this facility.")
                           % {"who": staff}, field="staff")
    if Allocation.objects.current().filter(user=staff, prisoner=prisoner).exists():
        raise InvalidInput(_("%(who)s already has this prisoner on their caseload.")
                           % {"who": staff}, field="staff")
    allocation = Allocation.objects.create(user=staff, prisoner=prisoner, reason=reason.strip(),
                                           allocated_by=acting_user)
    trail.record(acting_user, "allocation.create", allocation, reason=allocation.reason,
                 changes={"staff": staff.get_username(), "prisoner": prisoner.pk})
    policy.forget(staff)
    return allocation


@transaction.atomic
def allocation_end(*, acting_user, allocation: Allocation, reason: str) -> Allocation:
    policy.require(acting_user, "custody.allocate", facility_id=allocation.prisoner.facility_id)
    if allocation.ended_at:
        raise InvalidInput(_("This allocation has already ended."), field="allocation")
    allocation.ended_at = timezone.now()
    allocation.save(update_fields=["ended_at"])
    policy.forget(allocation.user)
    trail.record(acting_user, "allocation.end", allocation, reason=reason.strip(),
                 changes={"staff": allocation.user.get_username()})
    return allocation


def break_glass_hours() -> int:
    return int(getattr(settings, "CUSTOS_BREAK_GLASS_HOURS", 8))


@transaction.atomic
def break_glass_open(*, acting_user, prisoner, reason: str) -> BreakGlass:
    """Open one file outside the user's scope for a few hours, for the reason they typed.

    Allowed, never silent: the opening is audited as break-glass and listed for the
    auditor's review.
    """
    policy.require(acting_user, "access.break_glass", target=str(prisoner.pk))
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(_("Explain why your duty requires this file (at least %(n)d "
                             "characters): the auditor will review it.") % {"n": MIN_REASON},
                           field="reason")
    now = timezone.now()
    opening = BreakGlass.objects.create(user=acting_user, prisoner=prisoner, reason=reason,
                                        opened_at=now,
                                        ended_at=now + timedelta(hours=break_glass_hours()))
    trail.record(acting_user, "access.break_glass", object_type="custody.prisoner",
                 object_id=str(prisoner.pk), object_repr=prisoner.prison_number, reason=reason,
                 changes={"until": opening.ended_at.isoformat()})
    policy.forget(acting_user)
    return opening
