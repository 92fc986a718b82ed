"""Append to the tamper-evident audit trail, in the caller's transaction.

Every entry hashes its own content together with the previous entry's hash, so an edited,
deleted or inserted entry breaks the chain. Appends are serialised: an advisory lock on
PostgreSQL, an immediate (write-locked) transaction on SQLite.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .context import current
from .models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 0x437573746F73  # "Custos"


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "roles": entry.roles,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
        "reason": entry.reason,
        "ip": entry.ip,
        "request_id": entry.request_id,
        "via": entry.via,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _roles_of(actor) -> str:
    if actor is None:
        return ""
    from custos.access.policy import roles_of

    return ",".join(sorted(roles_of(actor)))


def record(
    actor,
    action: str,
    obj: Model | None = None,
    *,
    changes: Mapping | None = None,
    reason: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    via: str = "",
) -> AuditEntry:
    """Append one entry. Call it inside the transaction of the change it records."""
    ctx = current.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        actor = actor if getattr(actor, "is_authenticated", False) else None
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor,
            actor_name=actor.get_username() if actor else "",
            roles=_roles_of(actor),
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            changes=json.loads(json.dumps(dict(changes or {}), default=str)),
            reason=reason,
            ip=ctx.ip,
            request_id=ctx.request_id,
            via=via or ctx.via,
            prev_hash=last or GENESIS,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


def diff(before: Mapping, after: Mapping) -> dict:
    """Fields that changed, as {field: [before, after]}."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}
