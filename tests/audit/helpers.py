"""Helpers for the audit tests: raw SQL on the trail, and chains written with chosen ids."""

from __future__ import annotations

import contextlib

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from custos.audit import trail
from custos.audit.models import AuditEntry

TABLE = AuditEntry._meta.db_table


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def sql(statement: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


@contextlib.contextmanager
def trigger_disabled():
    """Let a test tamper with the trail: on PostgreSQL the append-only trigger is off."""
    if not on_postgresql():
        yield
        return
    # ALTER TABLE refuses while deferred foreign-key checks are pending: run them first.
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_append_only")
    try:
        yield
    finally:
        sql("SET CONSTRAINTS ALL IMMEDIATE")
        sql(f"ALTER TABLE {TABLE} ENABLE TRIGGER audit_append_only")
        sql("SET CONSTRAINTS ALL DEFERRED")


def record(n: int, action: str = "test.write", **kwargs) -> list[AuditEntry]:
    return [trail.record(None, action, object_type="test.thing", object_id=str(i),
                         reason=f"reason {i}", **kwargs) for i in range(n)]


def forged(entry_id: int, prev_hash: str, action: str = "forged.entry", **values) -> AuditEntry:
    """An entry with a chosen id and a correct hash of its own content."""
    entry = AuditEntry(id=entry_id, at=timezone.now(), action=action, prev_hash=prev_hash,
                       object_type="test.thing", **values)
    entry.hash = trail.entry_hash(entry)
    entry.save(force_insert=True)
    return entry


def write_chain(gaps: list[int]) -> list[AuditEntry]:
    """A valid chain after the existing one, with ids spaced by `gaps` (ids need not be
    contiguous: a rolled-back transaction leaves a hole in a PostgreSQL sequence)."""
    entry_id = (AuditEntry.objects.aggregate(m=Max("id"))["m"] or 0) + 1000
    prev = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    prev = prev or trail.GENESIS
    out = []
    for i, gap in enumerate(gaps):
        entry_id += gap
        entry = forged(entry_id, prev, action="test.chain", reason=f"link {i}")
        prev = entry.hash
        out.append(entry)
    return out


def rehash_all(change_reason: str) -> None:
    """What a database superuser could do: rewrite every entry and re-hash the chain."""
    prev = trail.GENESIS
    for entry in AuditEntry.objects.order_by("id"):
        entry.reason = change_reason
        entry.prev_hash = prev
        entry.hash = prev = trail.entry_hash(entry)
        sql(f"UPDATE {TABLE} SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
            [entry.reason, entry.prev_hash, entry.hash, entry.id])
