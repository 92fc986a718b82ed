"""Fingerprints of events, and loading them into the events table."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import numpy as np
import polars as pl
from django.db import connection

from ..models import (
    CommunicationEvent,
    ImportBatch,
)

_CHUNK = 1_000_000
BULK_MIN_ROWS = 500_000  # from here a file locks the events table against other writers
_SEED = np.uint64(0x9E3779B97F4A7C15)


# Fingerprints -----------------------------------------------------------------------------

def _hash64(text: str) -> int:
    """A stable signed 64-bit hash of a text (BLAKE2b, 8 bytes)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big",
                          signed=True)


def _fmix(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def combine(columns: list[np.ndarray]) -> np.ndarray:
    """Signed 64-bit fingerprints of rows of 64-bit integer facts (see the module's text)."""
    with np.errstate(over="ignore"):
        h = np.full(len(columns[0]), _SEED, dtype=np.uint64)
        for position, values in enumerate(columns, start=1):
            salt = np.uint64(position) * _SEED
            h = _fmix(h ^ _fmix(values.astype(np.int64).view(np.uint64) ^ salt))
    return h.view(np.int64)


def _hashed_text(values: pl.Series) -> np.ndarray:
    distinct = values.unique()
    table = {v: _hash64(f"{values.name}:{v}") for v in distinct.to_list()}
    return values.replace_strict(table, return_dtype=pl.Int64).to_numpy()


def fingerprints(frame: pl.DataFrame) -> np.ndarray:
    """Fingerprints of checked rows (kind, occurred_us, from_hash, to_hash, seconds, cents,
    facility). A missing duration or amount counts as -1, which no real one is."""
    kind = _hashed_text(frame["kind"].rename("kind"))
    facility = _hashed_text(frame["facility"].rename("facility"))
    return combine([
        kind, frame["occurred_us"].to_numpy(), frame["from_hash"].to_numpy(),
        frame["to_hash"].to_numpy(), frame["seconds"].fill_null(-1).cast(pl.Int64).to_numpy(),
        frame["cents"].fill_null(-1).to_numpy(), facility])


# Loading ----------------------------------------------------------------------------------

_KEPT = ("kind", "occurred_us", "seconds", "cents", "facility", "facility_id", "monitored_flag",
         *(f"{side}_{what}" for side in ("from", "to")
           for what in ("ref", "name", "kind", "key", "prisoner", "hash")))

def _secondary_structures(cursor, table: str) -> list[tuple[str, str]]:
    """(drop, create) statements for the table's foreign keys, unique constraints and plain
    indexes (all but the primary key), as the database defines them now."""
    q = connection.ops.quote_name
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')", [table])
    found = [(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}",
              f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
             for name, definition in cursor.fetchall()]
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT x.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)", [table])
    found += [(f"DROP INDEX {q(name)}", definition) for name, definition in cursor.fetchall()]
    return found


def _rows_held(cursor, table: str) -> int:
    cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
    held = cursor.fetchone()[0]
    if held < 0:  # never analysed
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        held = cursor.fetchone()[0]
    return held


def _without_secondary_structures(cursor, table: str, load) -> None:
    """Drop the table's indexes, uniqueness and foreign keys, `load()`, and rebuild them as
    they were defined, in the same transaction: the rebuild checks every row again."""
    rebuild = _secondary_structures(cursor, table)
    # Keys checked at commit must be checked now: a table with checks pending cannot be
    # altered (the batch and the parties refer to other tables).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for drop, _create in rebuild:
        cursor.execute(drop)
    load()
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for _drop, create in rebuild:
        cursor.execute(create)
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")  # statistics are stale now


def _copy_csv(cursor, statement: str, frame: pl.DataFrame) -> None:
    with cursor.copy(statement) as copy:
        for chunk in frame.iter_slices(_CHUNK):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False)
            copy.write(buffer.getvalue())


_EVENT_COLUMNS = ("kind, occurred_at, from_party_id, to_party_id, duration_seconds, amount, "
                  "facility_id, monitored, batch_id, fingerprint")


def _load_into_empty_table(cursor, table: str, events: pl.DataFrame, batch: ImportBatch) -> int:
    """A first load: every row is new (the file's duplicates are gone), so the rows are
    copied straight into the table, with no staging table and no anti-join."""
    cents = pl.col("amount_cents")
    rows = events.select(
        "kind",
        pl.from_epoch("occurred_us", time_unit="us").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"),
        "from_party_id", "to_party_id", "duration_seconds",
        pl.when(cents.is_not_null()).then(pl.format(
            "{}.{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2))).alias("amount"),
        "facility_id", "monitored", pl.lit(batch.pk).alias("batch_id"), "fingerprint")
    q = connection.ops.quote_name
    _without_secondary_structures(cursor, table, lambda: _copy_csv(
        cursor, f"COPY {q(table)} ({_EVENT_COLUMNS}) FROM STDIN (FORMAT csv)", rows))
    return rows.height


def _insert_postgres(events: pl.DataFrame, batch: ImportBatch) -> int:
    """Load the events; duplicates of rows already held are left out.

    A small file goes through a staging table with ON CONFLICT DO NOTHING, the table open to
    everyone. A large one (BULK_MIN_ROWS) first locks the table against other writers (readers
    go on), so new rows are known exactly without speculative inserts. Into an empty table it
    is copied straight in; otherwise it is staged and its known rows deleted with one anti-join.
    When the new rows are at least as many as the table holds (a first load, a backfill), the
    indexes, the fingerprint's uniqueness and the foreign keys are dropped and rebuilt around
    the load: building an index from sorted rows and checking a key with one join are many
    times faster than maintaining them row by row. Readers wait meanwhile."""
    table = CommunicationEvent._meta.db_table
    q = connection.ops.quote_name
    select = ("SELECT kind, timestamptz 'epoch' + occurred_us * interval '1 microsecond', "
              "from_party_id, to_party_id, duration_seconds, amount_cents::numeric / 100, "
              "facility_id, monitored, %s, fingerprint FROM custos_import_events")
    large = events.height >= BULK_MIN_ROWS
    with connection.cursor() as cursor:
        held = 0
        if large:
            cursor.execute(f"LOCK TABLE {q(table)} IN SHARE ROW EXCLUSIVE MODE")
            held = _rows_held(cursor, table)
            if not held:
                return _load_into_empty_table(cursor, table, events, batch)
        cursor.execute(
            "CREATE TEMP TABLE custos_import_events (kind varchar(15), occurred_us bigint, "
            "from_party_id bigint, to_party_id bigint, duration_seconds integer, "
            "amount_cents bigint, facility_id bigint, monitored boolean, fingerprint bigint) "
            "ON COMMIT DROP")
        _copy_csv(cursor, "COPY custos_import_events FROM STDIN (FORMAT csv)", events)
        insert = f"INSERT INTO {q(table)} ({_EVENT_COLUMNS}) {select}"  # noqa: S608
        if not large:
            cursor.execute(f"{insert} ON CONFLICT (fingerprint) DO NOTHING", [batch.pk])
            added = cursor.rowcount
        else:
            # Room for the anti-join to hash either side in memory (a spill to disk of
            # millions of fingerprints costs more than the join).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("ANALYZE custos_import_events")
            cursor.execute(f"DELETE FROM custos_import_events t USING {q(table)} e "  # noqa: S608
                           "WHERE e.fingerprint = t.fingerprint")
            new = events.height - cursor.rowcount
            found = {}

            def load():
                cursor.execute(insert, [batch.pk])
                found["added"] = cursor.rowcount

            if new >= held:
                _without_secondary_structures(cursor, table, load)
            else:
                load()
            added = found["added"]
        cursor.execute("DROP TABLE custos_import_events")
    return added


def _insert_django(events: pl.DataFrame, batch: ImportBatch) -> int:
    from datetime import UTC, datetime
    from decimal import Decimal

    before = CommunicationEvent.objects.count()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for chunk in events.iter_slices(5000):
        CommunicationEvent.objects.bulk_create([
            CommunicationEvent(
                kind=kind, occurred_at=epoch + timedelta(microseconds=us),
                from_party_id=a, to_party_id=b, duration_seconds=seconds,
                amount=None if cents is None else Decimal(cents).scaleb(-2),
                facility_id=facility, monitored=monitored, batch=batch, fingerprint=fp)
            for kind, us, a, b, seconds, cents, facility, monitored, fp in chunk.iter_rows()
        ], ignore_conflicts=True)
    return CommunicationEvent.objects.count() - before


