"""Fingerprints of events, and loading them into the events table."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import numpy as np
import polars as pl
from django.db import IntegrityError, connection, transaction

from custos.custody.models import Facility

from ..models import CommunicationEvent, ImportBatch, Party
from . import pgcopy

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
           for what in ("name", "ident", "hash")))

def _secondary_structures(cursor, table: str, *, primary_key: bool = False
                          ) -> list[tuple[str, str]]:
    """(drop, create) statements for the table's foreign keys, unique constraints and plain
    indexes (and its primary key if asked), as the database defines them now. Foreign keys
    come back NOT VALID: the caller vouches for the rows it loads (see `_vouch_for_keys`)."""
    q = connection.ops.quote_name
    kinds = ["f", "u", "p"] if primary_key else ["f", "u"]
    cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype = ANY(%s)", [table, kinds])
    found = [(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}",
              f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} "
              + (definition.removesuffix(" NOT VALID") + " NOT VALID" if kind == "f"
                 else definition))
             for name, kind, definition in cursor.fetchall()]
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


def _vouch_for_keys(cursor, events: pl.DataFrame) -> None:
    """Make sure every party and facility the events refer to exists and stays until commit.

    The tables referred to are locked against writers (SHARE: readers go on), then the
    distinct ids — a few hundred thousand, not one per event — are looked up once. With that,
    the events' foreign keys can be put back NOT VALID without checking ten million rows
    again, and they hold; `validate_event_keys` records it after commit, without blocking."""
    q = connection.ops.quote_name
    for model, column in ((Party, ("from_party_id", "to_party_id")),
                          (Facility, ("facility_id",))):
        table = model._meta.db_table
        cursor.execute(f"LOCK TABLE {q(table)} IN SHARE MODE")
        wanted = pl.concat([events[c] for c in column]).unique().drop_nulls()
        cursor.execute(f"SELECT count(*) FROM {q(table)} JOIN unnest(%s::bigint[]) "  # noqa: S608
                       "AS wanted(id) USING (id)", [wanted.to_list()])
        if cursor.fetchone()[0] != wanted.len():
            raise IntegrityError(f"events refer to rows missing from {table}")


def _without_secondary_structures(cursor, table: str, load, *, primary_key: bool = False
                                  ) -> None:
    """Drop the table's indexes, uniqueness and foreign keys, `load()`, and rebuild them as
    they were defined, in the same transaction: every index is built again from the rows,
    every uniqueness checked; the foreign keys come back NOT VALID (the caller vouched)."""
    rebuild = _secondary_structures(cursor, table, primary_key=primary_key)
    # Keys checked at commit must be checked now: a table with checks pending cannot be
    # altered (the batch and the parties refer to other tables).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for drop, _create in rebuild:
        cursor.execute(drop)
    load()
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    for _drop, create in sorted(rebuild, key=lambda pair: "PRIMARY KEY" not in pair[1]):
        cursor.execute(create)
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")  # statistics are stale now
    transaction.on_commit(_enqueue_validation)


def with_keys_to(referenced: str, tables: list[str], load) -> None:
    """`load()` with the foreign keys of `tables` that refer to `referenced` dropped, then
    put back and checked with one join each: for hundreds of thousands of new rows, far
    cheaper than a check per row at commit."""
    q = connection.ops.quote_name
    cursor = connection.cursor()
    cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                   "FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass "
                   "AND conrelid::regclass::text = ANY(%s)", [referenced, tables])
    keys = cursor.fetchall()
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no table altered with checks pending
    for table, name, _definition in keys:
        cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
    load()
    for table, name, definition in keys:
        cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _enqueue_validation() -> None:
    from ..tasks import validate_event_keys

    validate_event_keys.enqueue()


def validate_event_keys() -> list[str]:
    """VALIDATE the events' foreign keys left NOT VALID by a bulk load. It takes a lock that
    lets readers and writers go on; returns the keys validated."""
    table = CommunicationEvent._meta.db_table
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                       "AND contype = 'f' AND NOT convalidated", [table])
        names = [row[0] for row in cursor.fetchall()]
        for name in names:
            cursor.execute(f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {q(name)}")
    return names


_EVENT_COLUMNS = ("kind, occurred_at, from_party_id, to_party_id, duration_seconds, amount, "
                  "facility_id, monitored, batch_id, fingerprint")
_EVENT_LAYOUT = [("id", "int8"), ("kind", "text"), ("occurred_us", "timestamptz"),
                 ("from_party_id", "int8"), ("to_party_id", "int8"),
                 ("duration_seconds", "int4"), ("amount_cents", "numeric2"),
                 ("facility_id", "int8"), ("monitored", "bool"), ("batch_id", "int8"),
                 ("fingerprint", "int8")]


_STAGED_LAYOUT = [("kind", "text"), ("occurred_us", "int8"), ("from_party_id", "int8"),
                  ("to_party_id", "int8"), ("duration_seconds", "int4"), ("amount_cents", "int8"),
                  ("facility_id", "int8"), ("monitored", "bool"), ("fingerprint", "int8")]


def reserve_block(cursor, table: str, count: int) -> int:
    """The first of `count` consecutive ids taken from the table's sequence at once. The
    caller has locked the table against other writers, so nobody takes one meanwhile."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def _load_into_empty_table(cursor, table: str, events: pl.DataFrame, batch: ImportBatch) -> int:
    """A first load: every row is new (the file's duplicates are gone), so the rows are
    copied straight into the table in PostgreSQL's binary format, with ids given in the
    file's order, and no staging table and no anti-join; the primary key is built after."""
    _vouch_for_keys(cursor, events)
    first = reserve_block(cursor, table, events.height)
    rows = events.with_columns(
        pl.int_range(first, first + events.height, dtype=pl.Int64).alias("id"),
        pl.lit(batch.pk, pl.Int64).alias("batch_id"),
        pl.col("duration_seconds").cast(pl.Int32))
    columns = ", ".join(name.replace("occurred_us", "occurred_at")
                        .replace("amount_cents", "amount") for name, _ in _EVENT_LAYOUT)
    q = connection.ops.quote_name

    def load():
        pgcopy.send(cursor, f"COPY {q(table)} ({columns}) FROM STDIN (FORMAT binary)",
                    pgcopy.chunks(rows, _EVENT_LAYOUT))

    _without_secondary_structures(cursor, table, load, primary_key=True)
    return rows.height


def _insert_postgres(events: pl.DataFrame, batch: ImportBatch) -> int:
    """Load the events; duplicates of rows already held are left out.

    A small file goes through a staging table with ON CONFLICT DO NOTHING, the table open to
    everyone. A large one (BULK_MIN_ROWS) first locks the table against other writers (readers
    go on), so new rows are known exactly without speculative inserts. Into an empty table it
    is copied straight in; otherwise it is staged and its known rows deleted with one anti-join.
    When the new rows are at least as many as the table holds (a first load, a backfill), the
    indexes, the fingerprint's uniqueness and the foreign keys are dropped and rebuilt around
    the load: building an index from sorted rows is many times faster than maintaining it row
    by row, and the keys come back NOT VALID after one look-up of the distinct parties and
    facilities (`_vouch_for_keys`) instead of a check of every row. Readers wait meanwhile."""
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
            # empty, asked exactly (the statistics may lag behind rows added since)
            cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {q(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                return _load_into_empty_table(cursor, table, events, batch)
            held = max(1, _rows_held(cursor, table))
        cursor.execute(
            "CREATE TEMP TABLE custos_import_events (kind varchar(15), occurred_us bigint, "
            "from_party_id bigint, to_party_id bigint, duration_seconds integer, "
            "amount_cents bigint, facility_id bigint, monitored boolean, fingerprint bigint) "
            "ON COMMIT DROP")
        pgcopy.send(cursor, "COPY custos_import_events FROM STDIN (FORMAT binary)",
                    pgcopy.chunks(events, _STAGED_LAYOUT))
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
                _vouch_for_keys(cursor, events)
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


