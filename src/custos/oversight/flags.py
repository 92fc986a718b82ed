"""Raising and resolving flags. Raising is idempotent (a flag's `key`), so the nightly check
and the services that flag as they save can both raise the same finding without doubling it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.errors import InvalidInput, InvalidTransition

from .models import Flag, FlagSeverity
from .rules import DIRECTOR, HEALTH, MONITOR  # noqa: F401 (re-exported to the areas)


@dataclass(frozen=True)
class FlagSpec:
    """A finding to raise: the rule, the evidence, whom it is for, and what it is about."""

    code: str
    rule: str
    facility_id: int
    subject_type: str
    subject_id: int
    raised_on: date
    prisoner_id: int | None = None
    severity: str = FlagSeverity.WARNING
    evidence: dict = field(default_factory=dict)
    for_whom: tuple[str, ...] = (DIRECTOR, MONITOR)
    # What makes two findings the same one: by default the code, the subject and the day.
    once_per: str = "day"

    @property
    def key(self) -> str:
        when = "" if self.once_per == "subject" else self.raised_on.isoformat()
        return f"{self.code}:{self.subject_type}:{self.subject_id}:{when}"


def raise_flags(specs: Iterable[FlagSpec]) -> int:
    """Insert the flags not raised before; returns how many are new. One statement a batch."""
    rows = [Flag(key=s.key, code=s.code, rule=s.rule, severity=s.severity,
                 facility_id=s.facility_id, prisoner_id=s.prisoner_id,
                 subject_type=s.subject_type, subject_id=s.subject_id, evidence=s.evidence,
                 for_whom=list(s.for_whom), raised_on=s.raised_on) for s in specs]
    if not rows:
        return 0
    keys = [r.key for r in rows]
    before = set(Flag.objects.filter(key__in=keys).values_list("key", flat=True))
    Flag.objects.bulk_create([r for r in rows if r.key not in before], batch_size=2000,
                             ignore_conflicts=True)
    return len({k for k in keys if k not in before})


def may_resolve(user, flag: Flag) -> bool:
    """A director resolves the flags of his facility; a flag addressed to the independent
    monitor alone (a complaint confidential to his body) is resolved by that body's monitor."""
    if list(flag.for_whom) == [MONITOR]:
        from . import scoping

        return (policy.can(user, "oversight.monitor", facility_id=flag.facility_id)
                and flag.facility_id in scoping.mandate_facilities(user))
    return policy.can(user, "oversight.authorise", facility_id=flag.facility_id)


def flag_resolve(*, acting_user, flag: Flag, resolution: str) -> Flag:
    """Record what was done about a flag (it stays in the register, resolved)."""
    if not may_resolve(acting_user, flag):
        raise policy.AccessDenied(_("You do not have permission to do this here."),
                                  permission="oversight.authorise", target=f"flag {flag.pk}")
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput(_("Say what was done about it."), field="resolution")
    with transaction.atomic():
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        if locked.resolved_at is not None:
            raise InvalidTransition(_("This flag was already resolved."))
        locked.resolved_at, locked.resolved_by = timezone.now(), acting_user
        locked.resolution = resolution
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        trail.record(acting_user, "oversight.flag_resolved", locked,
                     changes={"code": locked.code}, reason=resolution)
    return locked
