"""Append to the tamper-evident audit trail, in the caller's transaction.

Every entry hashes its own content together with the previous entry's hash, so an edited,
deleted or inserted entry breaks the chain (`custos audit verify`, `custos.audit.chain`).
Appends are serialised: an advisory lock on PostgreSQL, an immediate (write-locked)
transaction on SQLite. An entry is written in the transaction of the change it records, so
the change and its entry commit together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .context import current
from .models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 0x437573746F73  # "Custos"

# The content an entry's hash covers, in the order `custos.audit.chain` reads the columns.
# "actor" is the user's id. Never reorder or rename: old entries must keep verifying.
HASHED = ("at", "actor", "actor_name", "roles", "action", "object_type", "object_id",
          "object_repr", "changes", "reason", "ip", "request_id", "via", "prev_hash")
# Fields added after entries were first written: they enter the hashed content only when
# they are not empty, so an entry written before the field existed hashes as it did then.
# Present-and-not-empty versus absent stays unambiguous, so nothing can be hidden in them.
HASHED_IF_SET = ("recipients",)


def canonical(values: Mapping) -> bytes:
    """The bytes an entry's hash covers, from a mapping of its values (see `HASHED`).

    `at` is an aware datetime (UTC as the database returns it); `changes` the decoded JSON.
    """
    body = {name: values[name] for name in HASHED}
    at = body["at"]
    body["at"] = at.isoformat() if isinstance(at, datetime) else str(at)
    for name in HASHED_IF_SET:
        if values.get(name):
            body[name] = values[name]
    return json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()


def values_of(entry: AuditEntry) -> dict:
    values = {name: getattr(entry, name) for name in HASHED if name != "actor"}
    values["actor"] = entry.actor_id
    for name in HASHED_IF_SET:
        values[name] = getattr(entry, name)
    return values


def hash_values(values: Mapping) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    return hash_values(values_of(entry))


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def lock_chain_head() -> str:
    """Take the append lock (until the transaction ends) and return the last entry's hash.

    Call inside `transaction.atomic()`.
    """
    _lock_chain()
    last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS


def _roles_of(actor) -> str:
    if actor is None:
        return ""
    from custos.access.policy import roles_of

    return ",".join(sorted(roles_of(actor)))


def _stable(value):
    """`changes` as the database will give them back, so their hash survives the round trip.

    PostgreSQL's jsonb keeps numbers as decimals: a float written with a positive exponent
    (1e+20) comes back as an integer, -0.0 as 0.0; NaN and infinities are not JSON at all.
    """
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0:
            return 0.0
        if value.is_integer() and "e" in repr(value):
            return int(value)
    return value


def _entry(actor, action: str, obj: Model | None, *, changes, reason, object_type, object_id,
           object_repr, via, recipients, at) -> AuditEntry:
    ctx = current.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        at=at,
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        roles=_roles_of(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=_stable(json.loads(json.dumps(dict(changes or {}), default=str))),
        reason=reason,
        recipients=recipients,
        ip=ctx.ip,
        request_id=ctx.request_id,
        via=via or ctx.via,
    )


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
    recipients: str = "",
) -> AuditEntry:
    """Append one entry. Call it inside the transaction of the change it records.

    `reason` is the justification; `recipients` who received disclosed data (EU Law
    Enforcement Directive art. 25: consultation and disclosure are logged with both).
    """
    entry = _entry(actor, action, obj, changes=changes, reason=reason, object_type=object_type,
                   object_id=object_id, object_repr=object_repr, via=via,
                   recipients=recipients, at=timezone.now())
    with transaction.atomic():
        entry.prev_hash = lock_chain_head()
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


def record_many(
    actor,
    action: str,
    objects: Iterable[Model],
    *,
    changes: Mapping | None = None,
    reason: str = "",
    via: str = "",
    recipients: str = "",
) -> list[AuditEntry]:
    """Append one entry per object of a bulk operation, in the caller's transaction.

    One lock and one INSERT for the lot; the bulk change and its entries commit together.
    """
    now = timezone.now()
    entries = [_entry(actor, action, obj, changes=changes, reason=reason, object_type="",
                      object_id="", object_repr="", via=via, recipients=recipients, at=now)
               for obj in objects]
    if not entries:
        return []
    with transaction.atomic():
        prev = lock_chain_head()
        for entry in entries:
            entry.prev_hash = prev
            entry.hash = prev = entry_hash(entry)
        AuditEntry.objects.bulk_create(entries)
    return entries


def diff(before: Mapping, after: Mapping) -> dict:
    """Fields that changed, as {field: [before, after]}."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}
