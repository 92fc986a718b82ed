"""Who the parties of the events are: prisoners by number, outside people by identifier,
the missing ones created in bulk."""

from __future__ import annotations

import io

import numpy as np
import polars as pl
from django.db import connection
from django.utils import timezone

from custos.custody.models import Prisoner

from ..identifiers import classify
from ..models import (
    Identifier,
    IdentifierKind,
    OutsidePerson,
    Party,
    PersonKind,
)
from . import pgcopy
from .loading import _hash64, reserve_block, with_keys_to
from .reading import MAX_REF, PRISONER

KEYS_DROPPED_FROM = 50_000  # new people in one file
_CHUNK = 1_000_000  # rows per piece of COPY

# Parties ----------------------------------------------------------------------------------

def _refs(frame: pl.DataFrame) -> pl.DataFrame:
    """Each distinct reference of the file: a prisoner (by prison number, in any case) or an
    outside identifier (kind and key, `identifiers.classify`), with the hash the fingerprint
    uses and `ident`, a number for its kind and key (two spellings of one phone number share
    it; null when the reference is unusable), so the rows carry numbers, not texts. Prison
    numbers and plain ASCII phone numbers are recognised column-wide (the same rules as
    `identifiers.phone_key`); the few other references one by one."""
    refs = (pl.concat([frame["from_ref"], frame["to_ref"]]).drop_nulls().unique()
            .alias("ref").to_frame())
    numbers = pl.DataFrame(list(Prisoner.objects.values_list("prison_number", "pk")),
                           schema={"number": pl.String, "prisoner_id": pl.Int64}, orient="row")
    by_upper = numbers.with_columns(pl.col("number").str.to_uppercase().alias("upper")).unique(
        subset="upper", keep="first")
    refs = refs.join(numbers, left_on="ref", right_on="number", how="left").join(
        by_upper.rename({"number": "upper_number", "prisoner_id": "upper_id"}),
        left_on=pl.col("ref").str.to_uppercase(), right_on="upper", how="left")
    compact = pl.col("ref").str.replace_all(r"[\s\-./()]+", "")
    compact = (pl.when(compact.str.starts_with("00"))
               .then(pl.concat_str([pl.lit("+"), compact.str.slice(2)])).otherwise(compact))
    phone = (pl.col("ref").str.contains(r"^[\x20-\x7E]*$") & ~pl.col("ref").str.contains("@")
             & compact.str.contains(r"^\+?\d{6,15}$"))
    prisoner = pl.col("prisoner_id").is_not_null() | pl.col("upper_id").is_not_null()
    refs = refs.select(
        "ref",
        pl.when(prisoner).then(pl.lit(PRISONER)).when(phone)
        .then(pl.lit(IdentifierKind.PHONE.value)).alias("ref_kind"),
        pl.when(pl.col("prisoner_id").is_not_null()).then("ref")
        .when(prisoner).then("upper_number").when(phone).then(compact).alias("ref_key"),
        pl.coalesce("prisoner_id", "upper_id").alias("prisoner_id"))
    others = refs.filter(pl.col("ref_kind").is_null())["ref"].to_list()
    found = {ref: classify(ref) or (None, None) for ref in others}
    refs = refs.with_columns(
        pl.col("ref_kind").fill_null(pl.col("ref").replace_strict(
            {r: k for r, (k, _key) in found.items()}, default=None, return_dtype=pl.String)),
        pl.col("ref_key").fill_null(pl.col("ref").replace_strict(
            {r: key for r, (_kind, key) in found.items()}, default=None,
            return_dtype=pl.String)))
    too_long = (pl.col("ref").str.len_chars() > MAX_REF) | (pl.col("ref_key").str.len_chars()
                                                             > MAX_REF)
    refs = refs.with_columns(pl.when(~too_long).then(pl.col(c)).alias(c)
                             for c in ("ref_kind", "ref_key"))
    labels = pl.concat_str(["ref_kind", pl.lit(":"), "ref_key"])
    hashes = {label: _hash64(label) for label in refs.select(labels).to_series().drop_nulls()}
    return refs.with_columns(
        labels.replace_strict(hashes, default=None, return_dtype=pl.Int64).alias("ref_hash"),
        (labels.rank("dense") - 1).cast(pl.Int64).alias("ident"),
        (pl.col("ref_kind") == PRISONER).fill_null(False).alias("is_prisoner"))


def _join_refs(facts: pl.DataFrame, refs: pl.DataFrame) -> pl.DataFrame:
    """Each row's parties as numbers: `{side}_ident`, `{side}_hash`, `{side}_is_prisoner`."""
    for side in ("from", "to"):
        # joined on the one column, then set beside the others: the wide frame is not copied
        found = facts.select(f"{side}_ref").join(
            refs.select(pl.col("ref").alias(f"{side}_ref"), pl.col("ident").alias(f"{side}_ident"),
                        pl.col("ref_hash").alias(f"{side}_hash"),
                        pl.col("is_prisoner").alias(f"{side}_is_prisoner")),
            on=f"{side}_ref", how="left", maintain_order="left")
        facts = facts.with_columns(found.drop(f"{side}_ref"))
    return facts


def _reserve_ids(table: str, count: int) -> pl.Series:
    """`count` ids from the table's sequence (PostgreSQL), for rows loaded with COPY. They
    are taken one by one, but usually come out consecutive (nobody else took one meanwhile),
    and then only the first and last travel back; otherwise they are taken again, listed
    (a sequence's gaps are harmless)."""
    taken = ("SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id "
             "FROM generate_series(1, %s)")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM ({taken}) t", [table, count])  # noqa: S608
        low, high = cursor.fetchone()
        if high - low + 1 == count:
            return pl.int_range(low, high + 1, dtype=pl.Int64, eager=True).alias("id")
        cursor.execute(taken, [table, count])
        return pl.Series("id", [r[0] for r in cursor.fetchall()], pl.Int64)


def _copy(table: str, frame: pl.DataFrame) -> None:
    """Load a frame into the table's columns of the same names with COPY (PostgreSQL).
    Text is quoted, so an empty text stays empty and an empty field is NULL."""
    def pieces():
        for chunk in frame.iter_slices(_CHUNK):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False, quote_style="non_numeric")
            yield buffer.getvalue()

    with connection.cursor() as cursor:
        pgcopy.send(cursor, f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)",
                    pieces())


def _copy_people(new: pl.DataFrame, actor_id: int | None) -> pl.Series:
    """The people, identifiers and parties of `new` with COPY (PostgreSQL); their party ids.
    Many at once (KEYS_DROPPED_FROM) take their ids in one block, the tables locked against
    other writers, and go in with the keys to the people dropped and checked again after
    (`with_keys_to`)."""
    now = timezone.now().isoformat()
    bulk = new.height >= KEYS_DROPPED_FROM
    if bulk:  # the tables are then closed to other writers anyway (see with_keys_to)
        ids = []
        with connection.cursor() as cursor:
            for table in (OutsidePerson._meta.db_table, Party._meta.db_table):
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                first = reserve_block(cursor, table, new.height)
                ids.append(pl.int_range(first, first + new.height, dtype=pl.Int64,
                                        eager=True).alias("id"))
        people, parties = ids
    else:
        people = _reserve_ids(OutsidePerson._meta.db_table, new.height)
        parties = _reserve_ids(Party._meta.db_table, new.height)

    def load():
        _copy(OutsidePerson._meta.db_table, new.select(
            people.alias("id"), "name", pl.lit(PersonKind.UNKNOWN.value).alias("kind"),
            pl.lit("").alias("notes"), pl.lit(now).alias("created_at"),
            pl.lit(now).alias("updated_at"),
            pl.lit(actor_id, pl.Int64).alias("created_by_id"),
            pl.lit(actor_id, pl.Int64).alias("updated_by_id"), pl.lit(1).alias("version")))
        _copy(Identifier._meta.db_table, new.select(
            people.alias("person_id"), pl.col("ref_kind").alias("kind"),
            pl.col("ref").alias("value"), pl.col("ref_key").alias("key")))
        _copy(Party._meta.db_table, pl.DataFrame([parties, people.alias("person_id")]))

    if bulk:
        with_keys_to(OutsidePerson._meta.db_table,
                     [Identifier._meta.db_table, Party._meta.db_table], load)
    else:
        load()
    return parties


def _create_people(new: pl.DataFrame, actor) -> pl.DataFrame:
    """Create an outside person, their identifier and their party for each new reference;
    returns ident, party_id."""
    if new.is_empty():
        return pl.DataFrame(schema={"ident": pl.Int64, "party_id": pl.Int64})
    actor_id = actor.pk if actor is not None else None
    new = new.with_columns(pl.col("name").str.slice(0, 300), pl.col("ref").str.slice(0, 300))
    if connection.vendor == "postgresql":
        parties = _copy_people(new, actor_id).to_list()
    else:
        created = OutsidePerson.objects.bulk_create(
            [OutsidePerson(name=n, kind=PersonKind.UNKNOWN, created_by_id=actor_id,
                           updated_by_id=actor_id) for n in new["name"]], batch_size=2000)
        people = [p.pk for p in created]
        Identifier.objects.bulk_create(
            [Identifier(person_id=p, kind=k, value=v, key=key) for p, k, v, key in
             zip(people, new["ref_kind"], new["ref"], new["ref_key"], strict=True)],
            batch_size=2000)
        parties = [p.pk for p in Party.objects.bulk_create(
            [Party(person_id=p) for p in people], batch_size=2000)]
    return new.select("ident").with_columns(pl.Series("party_id", parties, pl.Int64))


def _known_identifiers() -> pl.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.kind, i.key, i.person_id, p.id FROM {Identifier._meta.db_table} i "  # noqa: S608
            f"LEFT JOIN {Party._meta.db_table} p ON p.person_id = i.person_id")
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema={"ref_kind": pl.String, "ref_key": pl.String,
                                      "person_id": pl.Int64, "party_id": pl.Int64},
                        orient="row")


def _prisoner_parties(prisoner_ids: list[int]) -> pl.DataFrame:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {Party._meta.db_table} (prisoner_id) "  # noqa: S608
                           "SELECT unnest(%s::bigint[]) ON CONFLICT DO NOTHING", [prisoner_ids])
    else:
        Party.objects.bulk_create([Party(prisoner_id=p) for p in prisoner_ids],
                                  ignore_conflicts=True, batch_size=2000)
    rows = Party.objects.filter(prisoner__isnull=False).values_list("prisoner_id", "pk")
    return pl.DataFrame(list(rows), schema={"prisoner_id": pl.Int64, "party_id": pl.Int64},
                        orient="row")


def _first_names(valid: pl.DataFrame) -> pl.DataFrame:
    """ident → the first name the rows give it (the first parties' column read before the
    second's)."""
    found = []
    for side in ("from", "to"):
        rows = valid.select(pl.col(f"{side}_ident").alias("ident"),
                            pl.col(f"{side}_name").is_not_null().alias("named")).with_row_index()
        first = (rows.filter(pl.col("named") & pl.col("ident").is_not_null())
                 .group_by("ident").agg(pl.col("index").min()))
        found.append(first.select("ident", valid[f"{side}_name"].gather(first["index"])
                                  .alias("name")))
    return pl.concat(found).unique(subset="ident", keep="first", maintain_order=True)


def _parties(valid: pl.DataFrame, refs: pl.DataFrame, actor) -> pl.DataFrame:
    """ident → party_id for every party of the valid rows, creating what is missing:
    prisoners' parties, and outside people with their identifier and party (their name the
    first the file gives, else the reference; the reference stored is the first spelling in
    alphabetical order)."""
    used = np.zeros(int(refs["ident"].max() or 0) + 1, dtype=bool)
    for side in ("from", "to"):
        used[valid[f"{side}_ident"].drop_nulls().to_numpy()] = True
    named = refs.drop_nulls("ident")
    people = (named.filter(pl.Series(used[named["ident"].to_numpy()]))
              .group_by("ident").agg(pl.col("ref").min(), pl.col("ref_kind").first(),
                                     pl.col("ref_key").first(), pl.col("prisoner_id").first()))
    prisoners = people.filter(pl.col("ref_kind") == PRISONER)
    by_prisoner = prisoners.join(_prisoner_parties(prisoners["prisoner_id"].to_list()),
                                 on="prisoner_id").select("ident", "party_id")
    outside = people.filter(pl.col("ref_kind") != PRISONER).join(
        _first_names(valid), on="ident", how="left")
    known = outside.join(_known_identifiers(), on=["ref_kind", "ref_key"], how="left")
    unpartied = known.filter(pl.col("person_id").is_not_null() & pl.col("party_id").is_null())
    if not unpartied.is_empty():
        Party.objects.bulk_create([Party(person_id=p) for p in unpartied["person_id"]],
                                  ignore_conflicts=True)
        known = outside.join(_known_identifiers(), on=["ref_kind", "ref_key"], how="left")
    new = known.filter(pl.col("person_id").is_null()).with_columns(
        pl.col("name").fill_null(pl.col("ref")))
    return pl.concat([by_prisoner,
                      known.filter(pl.col("person_id").is_not_null()).select("ident", "party_id"),
                      _create_people(new, actor)])


def party_ids(parties: pl.DataFrame, idents: pl.Series) -> pl.Series:
    """The party of each ident of a column (from `_parties`), by position, not by a join."""
    size = int(max(parties["ident"].max() or 0, idents.max() or 0)) + 1
    table = np.zeros(size, dtype=np.int64)
    table[parties["ident"].to_numpy()] = parties["party_id"].to_numpy()
    return pl.Series(table[idents.to_numpy()])
