"""Bulk import of calls, letters, visits, video calls and money transfers from the exports of
prison phone and visit systems (`custos import_communications`).

A file is read whole with polars (CSV or Parquet), its columns mapped onto the canonical
ones (`mappings.yaml`, or the canonical header found automatically), and every row checked
with column-wide expressions: a bad row is refused with each of its reasons and its row
number, the good rows go in. Parties are resolved by joins against the prisoners and
identifiers already known, loaded once; the people, identifiers and parties still missing are
created in bulk. On PostgreSQL the events are streamed with COPY into a temporary table and
moved with one ``INSERT … ON CONFLICT (fingerprint) DO NOTHING``; elsewhere they go in with
``bulk_create(ignore_conflicts=True)``.

One file is one transaction (a failure leaves nothing behind, and the batch, its events and
its audit entry commit together); imports are serialised by an advisory lock on PostgreSQL,
so two runs never create the same person twice.

Row numbers are those a spreadsheet shows for a CSV file (the header is row 1, so the first
event is row 2) and the record's position, from 1, in a Parquet file. Times without an
offset are read in the mapping's time zone (UTC for the canonical file).

The fingerprint of an event is a signed 64-bit hash of its facts: kind, time (UTC, to the
microsecond), both references normalised, duration, amount and facility code. Each text fact
is hashed with BLAKE2b (8 bytes) once per distinct value; the per-row combination is the
64-bit mixing function of MurmurHash3 applied field by field, vectorised with numpy. Both are
defined here, not by a library version, so fingerprints stay stable; two events that differ
only in time, duration or amount never share one (each step is a bijection), and the chance
that any two events of a year of a national system's traffic (10 million) collide is about 3
in a million (n²/2⁶⁵). A BLAKE2b of each whole row measured 13 s for 10 million rows (string
building and hashing), against under a second for this.
"""

from __future__ import annotations

import hashlib
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import yaml
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.errors import InvalidInput
from custos.custody.models import Facility, Prisoner

from .identifiers import classify
from .models import (
    CommunicationEvent,
    CommunicationKind,
    Identifier,
    IdentifierKind,
    ImportBatch,
    OutsidePerson,
    Party,
    PersonKind,
)

CANONICAL = "canonical"
CANONICAL_COLUMNS = ("kind", "occurred_at", "from_ref", "from_name", "to_ref", "to_name",
                     "duration_seconds", "amount", "facility")
OPTIONAL_CANONICAL = ("monitored",)
FIELDS = ("occurred_at", "from_ref", "from_name", "to_ref", "to_name", "duration", "amount",
          "facility", "monitored")
REJECTED_KEPT = 1000  # rows listed on the batch; the report file lists them all
MAX_DURATION = 2**31 - 1
MAX_AMOUNT_DIGITS = 10  # DecimalField(max_digits=12, decimal_places=2)
MAX_REF = 300
FUTURE_TOLERANCE = timedelta(days=1)
PRISONER = "prisoner"
_ISO_AWARE = ("%Y-%m-%dT%H:%M:%S%#z", "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z",
              "%Y-%m-%d %H:%M:%S%.f%#z")
_ISO_NAIVE = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f",
              "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_LOCK_KEY = 0x437573746F7349  # "CustosI": one import at a time
_CHUNK = 1_000_000
BULK_MIN_ROWS = 500_000  # from here a file locks the events table against other writers
_SEED = np.uint64(0x9E3779B97F4A7C15)


class UnreadableFile(InvalidInput):
    """The file cannot be read, or its header matches no known export: nothing imported."""

    code = "unreadable"


@dataclass(frozen=True)
class Mapping:
    """How one supplier's export maps onto the canonical columns (see mappings.yaml)."""

    name: str
    columns: dict[str, str]
    delimiter: str = ","
    date_format: str | None = None  # None: ISO 8601
    timezone: str = "UTC"
    kind: str | None = None
    kind_column: str | None = None
    kinds: dict[str, str] = field(default_factory=dict)
    duration_unit: str = "seconds"
    decimal_comma: bool = False
    monitored_values: tuple[str, ...] = ("TRUE", "YES", "Y", "1")
    not_monitored_values: tuple[str, ...] = ("FALSE", "NO", "N", "0")
    facilities: dict[str, str] = field(default_factory=dict)

    @property
    def required(self) -> set[str]:
        names = {c for f, c in self.columns.items() if f != "monitored" or self.name != CANONICAL}
        return names | ({self.kind_column} if self.kind_column else set())


CANONICAL_MAPPING = Mapping(
    name=CANONICAL,
    columns={"occurred_at": "occurred_at", "from_ref": "from_ref", "from_name": "from_name",
             "to_ref": "to_ref", "to_name": "to_name", "duration": "duration_seconds",
             "amount": "amount", "facility": "facility", "monitored": "monitored"},
    kind_column="kind",
    kinds={k.upper(): k for k in CommunicationKind.values},
)


@cache
def mappings() -> dict[str, Mapping]:
    """The vendor mappings of mappings.yaml, by name."""
    raw = yaml.safe_load((Path(__file__).with_name("mappings.yaml")).read_text("utf-8"))
    found = {}
    for name, spec in raw.items():
        spec = {k: v for k, v in spec.items() if k != "description"}
        for key in ("monitored_values", "not_monitored_values"):
            if key in spec:
                spec[key] = tuple(str(v).upper() for v in spec[key])
        if "kinds" in spec:
            spec["kinds"] = {str(k).upper(): v for k, v in spec["kinds"].items()}
        found[name] = Mapping(name=name, **spec)
    return found


@dataclass
class ImportResult:
    batch: ImportBatch
    rows: int
    added: int
    duplicates: int
    rejected: pl.DataFrame  # row, reason, raw

    @property
    def rejected_count(self) -> int:
        return self.rejected.height


# Reading ----------------------------------------------------------------------------------

def _unreadable(path: Path, error: object) -> UnreadableFile:
    return UnreadableFile(_("The file %(name)s cannot be read, nothing was imported: %(error)s")
                          % {"name": path.name, "error": error}, field="file")


def _split_header(line: str, delimiter: str) -> list[str]:
    return [c.strip().strip('"').strip() for c in line.split(delimiter)]


def _choose_mapping(header_of, name: str | None, path: Path) -> Mapping:
    """The mapping asked for (its columns must be there), or the one the header matches."""
    if name:
        if name == CANONICAL:
            mapping = CANONICAL_MAPPING
        elif name in mappings():
            mapping = mappings()[name]
        else:
            raise InvalidInput(_("There is no mapping named “%(name)s”; known mappings: "
                                 "%(known)s.") % {"name": name, "known": ", ".join(
                                     [CANONICAL, *sorted(mappings())])}, field="mapping")
        missing = mapping.required - set(header_of(mapping.delimiter))
        if missing:
            raise UnreadableFile(_("The file %(name)s lacks the columns %(columns)s of the "
                                   "“%(mapping)s” export, nothing was imported.") % {
                "name": path.name, "columns": ", ".join(sorted(missing)),
                "mapping": mapping.name}, field="file")
        return mapping
    header = tuple(header_of(","))
    if header in (CANONICAL_COLUMNS, CANONICAL_COLUMNS + OPTIONAL_CANONICAL):
        return CANONICAL_MAPPING
    for mapping in mappings().values():
        columns = set(header_of(mapping.delimiter))
        if mapping.required <= columns <= mapping.required | set(mapping.columns.values()):
            return mapping
    raise UnreadableFile(
        _("The header of %(name)s matches no known export, nothing was imported. A canonical "
          "file starts with the header “%(header)s”; other exports need --mapping (known: "
          "%(known)s).") % {"name": path.name, "header": ",".join(CANONICAL_COLUMNS),
                            "known": ", ".join(sorted(mappings()))}, field="file")


def _field_counts(path: Path, delimiter: str, rows: int) -> pl.Series | None:
    """Fields on each data line (quoted text left out), or None when lines and records do
    not line up (a quoted field across lines), in which case ragged rows are not named."""
    lines = pl.read_csv(path, has_header=False, separator="\x1f", quote_char=None,
                        infer_schema=False, new_columns=["line"]).to_series()
    if lines.len() != rows + 1:
        return None
    return (lines.slice(1).str.replace_all(r'"[^"]*"', "")
            .str.count_matches(delimiter, literal=True) + 1)


def read(path: Path, mapping_name: str | None = None) -> tuple[pl.DataFrame, Mapping, int, str]:
    """The file as text columns (or temporal ones from Parquet), its mapping, the number of
    the first record (2 for CSV, 1 for Parquet) and the delimiter used to show raw rows.

    A `_fields` column holds each CSV row's number of fields when some rows are ragged."""
    try:
        with path.open("rb") as handle:
            start = handle.read(4096)
    except OSError as error:
        raise _unreadable(path, error.strerror or error) from error
    try:
        if start[:4] == b"PAR1":
            names = pl.read_parquet_schema(path)
            mapping = _choose_mapping(lambda _delimiter: list(names), mapping_name, path)
            frame = pl.read_parquet(path)
            frame = frame.with_columns(
                pl.col(c).cast(pl.String) for c, t in frame.schema.items()
                if not t.is_temporal())
            return frame, mapping, 1, ","
        first = start.decode("utf-8-sig", errors="replace").splitlines()
        if not first:
            raise _unreadable(path, _("the file is empty"))
        mapping = _choose_mapping(lambda d: _split_header(first[0], d), mapping_name, path)
        options = {"separator": mapping.delimiter, "infer_schema": False, "encoding": "utf8"}
        try:
            frame = pl.read_csv(path, **options)
            ragged = False
        except pl.exceptions.ComputeError:
            frame = pl.read_csv(path, truncate_ragged_lines=True, **options)
            ragged = True
    except UnreadableFile:
        raise
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as error:
        raise _unreadable(path, str(error).splitlines()[0] if str(error) else error) from error
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
    if frame.width and (ragged or frame[frame.columns[-1]].null_count()):
        counts = _field_counts(path, mapping.delimiter, frame.height)
        if counts is not None:
            frame = frame.with_columns(counts.alias("_fields"))
    return frame, mapping, 2, mapping.delimiter


# Checking ---------------------------------------------------------------------------------

def _message(template: str, **values) -> pl.Expr:
    """A translated message with `%(name)s` filled per row from expressions."""
    parts, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(pl.lit(template[position:match.start()]))
        value = values[match.group(1)]
        parts.append(value if isinstance(value, pl.Expr) else pl.lit(str(value)))
        position = match.end()
    parts.append(pl.lit(template[position:]))
    return pl.concat_str(parts, ignore_nulls=True)


def _text(frame: pl.DataFrame, mapping: Mapping, name: str) -> pl.Expr:
    column = mapping.columns.get(name)
    if column is None or column not in frame.columns:
        return pl.lit(None, pl.String)
    if frame.schema[column].is_temporal():
        return pl.col(column)
    value = pl.col(column).str.strip_chars()
    return pl.when(value != "").then(value)


def _times(raw: pl.Series, mapping: Mapping) -> pl.Series:
    """Times as UTC microseconds since the epoch (null when not understood)."""
    if raw.dtype.is_temporal():
        if getattr(raw.dtype, "time_zone", None) is None:
            raw = raw.cast(pl.Datetime("us")).dt.replace_time_zone(
                mapping.timezone, ambiguous="earliest", non_existent="null")
        return raw.dt.convert_time_zone("UTC").dt.epoch("us")
    result = pl.Series(raw.name, [None] * raw.len(), pl.Int64)
    if mapping.date_format:
        formats = [(mapping.date_format, "%z" in mapping.date_format)]
    else:
        formats = [(f, True) for f in _ISO_AWARE] + [(f, False) for f in _ISO_NAIVE]
    for fmt, aware in formats:
        if not (result.is_null() & raw.is_not_null()).any():
            break
        if aware:
            parsed = raw.str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us")
        else:
            parsed = raw.str.to_datetime(fmt, strict=False, time_unit="us").dt.replace_time_zone(
                mapping.timezone, ambiguous="earliest", non_existent="null")
        result = result.fill_null(parsed.dt.epoch("us"))
    return result


def _facts(frame: pl.DataFrame, mapping: Mapping, first_row: int) -> pl.DataFrame:
    """The mapped, typed columns, with what is wrong in each row's own values."""
    if mapping.kind:
        kind_raw = pl.lit(mapping.kind)
    else:
        kind_raw = pl.col(mapping.kind_column).str.strip_chars()
        kind_raw = pl.when(kind_raw != "").then(kind_raw)
    columns = {name: _text(frame, mapping, name) for name in FIELDS}
    amount = columns["amount"]
    if mapping.decimal_comma:
        amount = amount.str.replace(",", ".", literal=True)
    out = frame.select(
        (pl.int_range(pl.len(), dtype=pl.Int64) + first_row).alias("row"),
        kind_raw.alias("kind_raw"),
        kind_raw.str.to_uppercase().replace_strict(
            mapping.kinds or {mapping.kind.upper(): mapping.kind}, default=None,
            return_dtype=pl.String).alias("kind"),
        *(columns[n].alias(n) for n in FIELDS if n not in ("amount",)),
        amount.alias("amount"),
        (pl.col("_fields") if "_fields" in frame.columns else pl.lit(None, pl.UInt32))
        .alias("_fields"),
    )
    times = _times(out["occurred_at"], mapping)
    number = r"^-?\d+(\.\d+)?$"
    duration_ok = pl.col("duration").str.contains(number)
    seconds = pl.col("duration").cast(pl.Float64, strict=False) * (
        60 if mapping.duration_unit == "minutes" else 1)
    amount_ok = pl.col("amount").str.contains(r"^-?\d+(\.\d{1,2})?$")
    whole = pl.col("amount").str.extract(r"^-?(\d+)", 1)
    cents = (whole.cast(pl.Int64, strict=False) * 100
             + pl.col("amount").str.extract(r"\.(\d{1,2})$", 1).str.pad_end(2, "0")
             .cast(pl.Int64, strict=False).fill_null(0))
    monitored = pl.col("monitored").str.to_uppercase()
    facility = pl.col("facility")
    if mapping.facilities:
        facility = facility.replace(mapping.facilities)
    if out["occurred_at"].dtype == pl.String:
        occurred_text = pl.col("occurred_at")
    else:
        occurred_text = pl.col("occurred_at").cast(pl.String)
    out = out.with_columns(
        times.alias("occurred_us"),
        occurred_text.alias("occurred_text"),
        pl.when(duration_ok).then(seconds.round(0)).alias("seconds"),
        pl.when(amount_ok).then(cents).alias("cents"),
        pl.when(monitored.is_in(list(mapping.monitored_values))).then(True)
        .when(monitored.is_null() | monitored.is_in(list(mapping.not_monitored_values)))
        .then(False).alias("monitored_flag"),
        facility.alias("facility"),
    )
    return out


def _row_problems(mapping: Mapping, fields_expected: int, now_us: int,
                  reach: frozenset[int] | None = None) -> list[tuple[pl.Expr, pl.Expr]]:
    """What can be wrong in a row, as (condition, message) pairs; `reach`: the facilities
    the importing analyst may load events of (None: all)."""
    c = pl.col
    col = mapping.columns
    kinds = ", ".join(CommunicationKind.values) if mapping.name == CANONICAL else ", ".join(
        sorted(mapping.kinds))
    time_format = mapping.date_format or "ISO 8601 (2025-03-01T14:05:00+00:00)"
    yes_no = ", ".join(mapping.monitored_values + mapping.not_monitored_values)
    rules = [
        (c("_fields").is_not_null() & (c("_fields") != fields_expected),
         _message(_("the row has %(found)s fields where the header has %(expected)s"),
                  found=c("_fields").cast(pl.String), expected=fields_expected)),
        (c("kind_raw").is_null(),
         _message(_("the kind (%(column)s) is missing"), column=mapping.kind_column or "kind")),
        (c("kind_raw").is_not_null() & c("kind").is_null(),
         _message(_("unknown kind “%(value)s” (expected one of: %(kinds)s)"),
                  value=c("kind_raw"), kinds=kinds)),
        (c("occurred_text").is_null(),
         _message(_("the time (%(column)s) is missing"), column=col["occurred_at"])),
        (c("occurred_text").is_not_null() & c("occurred_us").is_null(),
         _message(_("the time “%(value)s” is not a date and time in the format %(format)s"),
                  value=c("occurred_text"), format=time_format)),
        (c("occurred_us") > now_us,
         _message(_("the time “%(value)s” is in the future"), value=c("occurred_text"))),
        (c("from_ref").is_null(),
         _message(_("the first party (%(column)s) is missing"),
                  column=col.get("from_ref", "from_ref"))),
        (c("to_ref").is_null(),
         _message(_("the second party (%(column)s) is missing"),
                  column=col.get("to_ref", "to_ref"))),
        (c("duration").is_not_null() & c("seconds").is_null(),
         _message(_("the duration “%(value)s” is not a number"), value=c("duration"))),
        (c("seconds") < 0,
         _message(_("the duration “%(value)s” is negative"), value=c("duration"))),
        (c("seconds") > MAX_DURATION,
         _message(_("the duration “%(value)s” is too long"), value=c("duration"))),
        (c("amount").is_not_null() & c("cents").is_null()
         & ~c("amount").str.contains(r"^-?\d+(\.\d{1,2})?$"),
         _message(_("the amount “%(value)s” is not a sum of money (digits, at most two "
                    "decimals)"), value=c("amount"))),
        (c("amount").str.starts_with("-") & c("cents").is_not_null(),
         _message(_("the amount “%(value)s” is negative"), value=c("amount"))),
        (c("amount").str.extract(r"^-?(\d+)", 1).str.len_chars() > MAX_AMOUNT_DIGITS,
         _message(_("the amount “%(value)s” is too large"), value=c("amount"))),
        ((c("kind") == CommunicationKind.MONEY_TRANSFER) & c("amount").is_null(),
         pl.lit(_("a money transfer without an amount"))),
        (c("monitored").is_not_null() & c("monitored_flag").is_null(),
         _message(_("“%(value)s” does not say whether the event was monitored (expected one "
                    "of: %(values)s)"), value=c("monitored"), values=yes_no)),
        (c("facility").is_null(),
         _message(_("the facility (%(column)s) is missing"),
                  column=col.get("facility", "facility"))),
        (c("facility").is_not_null() & c("facility_id").is_null(),
         _message(_("unknown facility code “%(value)s”"), value=c("facility"))),
        *([] if reach is None else [
            (c("facility_id").is_not_null() & ~c("facility_id").is_in(sorted(reach)),
             _message(_("the facility “%(value)s” is not one of yours"),
                      value=c("facility")))]),
        (c("from_ref").is_not_null() & c("from_key").is_null(),
         _message(_("the reference “%(value)s” is longer than %(max)s characters"),
                  value=c("from_ref"), max=MAX_REF)),
        (c("to_ref").is_not_null() & c("to_key").is_null(),
         _message(_("the reference “%(value)s” is longer than %(max)s characters"),
                  value=c("to_ref"), max=MAX_REF)),
        (c("from_key").is_not_null() & (c("from_kind") == c("to_kind"))
         & (c("from_key") == c("to_key")),
         _message(_("both parties are the same (%(value)s)"), value=c("from_ref"))),
        (c("from_key").is_not_null() & c("to_key").is_not_null()
         & (c("from_kind") != PRISONER) & (c("to_kind") != PRISONER),
         _message(_("neither party is a prisoner known to Custos (no prison number "
                    "“%(first)s” or “%(second)s”)"), first=c("from_ref"), second=c("to_ref"))),
    ]
    return rules


# Parties ----------------------------------------------------------------------------------

def _hash64(text: str) -> int:
    """A stable signed 64-bit hash of a text (BLAKE2b, 8 bytes)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big",
                          signed=True)


def _refs(frame: pl.DataFrame) -> pl.DataFrame:
    """Each distinct reference of the file: a prisoner (by prison number, in any case) or an
    outside identifier (kind and key, `identifiers.classify`), with the hash the fingerprint
    uses. Prison numbers and plain ASCII phone numbers are recognised column-wide (the same
    rules as `identifiers.phone_key`); the few other references one by one."""
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
    return refs.with_columns(labels.replace_strict(hashes, default=None, return_dtype=pl.Int64)
                             .alias("ref_hash"))


def _join_refs(facts: pl.DataFrame, refs: pl.DataFrame) -> pl.DataFrame:
    for side in ("from", "to"):
        facts = facts.join(
            refs.rename({"ref": f"{side}_ref", "ref_kind": f"{side}_kind",
                         "ref_key": f"{side}_key", "prisoner_id": f"{side}_prisoner",
                         "ref_hash": f"{side}_hash"}),
            on=f"{side}_ref", how="left", maintain_order="left")
    return facts


def _reserve_ids(table: str, count: int) -> pl.Series:
    """`count` ids from the table's sequence (PostgreSQL), for rows loaded with COPY."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                       "FROM generate_series(1, %s)", [table, count])
        return pl.Series("id", [r[0] for r in cursor.fetchall()], pl.Int64)


def _copy(table: str, frame: pl.DataFrame) -> None:
    """Load a frame into the table's columns of the same names with COPY (PostgreSQL).
    Text is quoted, so an empty text stays empty and an empty field is NULL."""
    columns = ", ".join(frame.columns)
    with connection.cursor() as cursor, cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        for chunk in frame.iter_slices(_CHUNK):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False, quote_style="non_numeric")
            copy.write(buffer.getvalue())


def _create_people(new: pl.DataFrame, actor) -> pl.DataFrame:
    """Create an outside person, their identifier and their party for each new reference;
    returns ref_kind, ref_key, party_id."""
    if new.is_empty():
        return pl.DataFrame(schema={"ref_kind": pl.String, "ref_key": pl.String,
                                    "party_id": pl.Int64})
    actor_id = actor.pk if actor is not None else None
    new = new.with_columns(pl.col("name").str.slice(0, 300), pl.col("ref").str.slice(0, 300))
    if connection.vendor == "postgresql":
        now = timezone.now().isoformat()
        people = _reserve_ids(OutsidePerson._meta.db_table, new.height)
        parties = _reserve_ids(Party._meta.db_table, new.height)
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
        parties = parties.to_list()
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
    return new.select("ref_kind", "ref_key").with_columns(
        pl.Series("party_id", parties, pl.Int64))


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


def _parties(valid: pl.DataFrame, actor) -> pl.DataFrame:
    """ref_kind, ref_key → party_id for every party of the valid rows, creating what is
    missing: prisoners' parties, and outside people with their identifier and party."""
    sides = [valid.select(pl.col(f"{s}_kind").alias("ref_kind"), pl.col(f"{s}_key")
                          .alias("ref_key"), pl.col(f"{s}_prisoner").alias("prisoner_id"),
                          pl.col(f"{s}_ref").alias("ref"), pl.col(f"{s}_name").alias("name"))
             for s in ("from", "to")]
    used = pl.concat(sides)
    prisoners = used.filter(pl.col("ref_kind") == PRISONER)["prisoner_id"].unique().to_list()
    by_prisoner = _prisoner_parties(prisoners).join(
        used.filter(pl.col("ref_kind") == PRISONER).select("ref_kind", "ref_key", "prisoner_id")
        .unique(), on="prisoner_id").select("ref_kind", "ref_key", "party_id")
    outside = (used.filter(pl.col("ref_kind") != PRISONER)
               .sort(pl.col("name").is_null(), maintain_order=True)
               .unique(subset=["ref_kind", "ref_key"], keep="first", maintain_order=True))
    known = outside.join(_known_identifiers(), on=["ref_kind", "ref_key"], how="left")
    unpartied = known.filter(pl.col("person_id").is_not_null() & pl.col("party_id").is_null())
    if not unpartied.is_empty():
        Party.objects.bulk_create([Party(person_id=p) for p in unpartied["person_id"]],
                                  ignore_conflicts=True)
        known = outside.join(_known_identifiers(), on=["ref_kind", "ref_key"], how="left")
    new = known.filter(pl.col("person_id").is_null()).with_columns(
        pl.col("name").fill_null(pl.col("ref")))
    created = _create_people(new, actor)
    return pl.concat([by_prisoner,
                      known.filter(pl.col("person_id").is_not_null())
                      .select("ref_kind", "ref_key", "party_id"),
                      created])


# Fingerprints -----------------------------------------------------------------------------

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


def _lock_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def communications_import(*, acting_user, path: Path | str, mapping: str | None = None
                          ) -> ImportResult:
    """Import one export file; see the module's text. `acting_user` None: the system (a
    scheduled import). Raises UnreadableFile (nothing imported) or AccessDenied."""
    path = Path(path)
    if acting_user is not None:
        policy.require(acting_user, "intelligence.analyse")
    with ThreadPoolExecutor(max_workers=1) as pool:
        sha = pool.submit(_sha256, path)
        frame, chosen, first_row, delimiter = read(path, mapping)
        facts = _facts(frame, chosen, first_row)
        expected_fields = len(frame.columns) - ("_fields" in frame.columns)
        with transaction.atomic():
            _lock_imports()
            facilities = pl.DataFrame(list(Facility.objects.values_list("code", "pk")),
                                      schema={"facility": pl.String, "facility_id": pl.Int64},
                                      orient="row")
            facts = _join_refs(facts.join(facilities, on="facility", how="left",
                                          maintain_order="left"), _refs(facts))
            now_us = int((timezone.now() + FUTURE_TOLERANCE).timestamp() * 1_000_000)
            reach = None if acting_user is None else policy.facilities_for(
                acting_user, "intelligence.analyse")
            rules = _row_problems(chosen, expected_fields, now_us, reach)
            # Flags for every row, messages for the bad ones only: most rows are good.
            bad = facts.select(pl.any_horizontal(
                [condition.fill_null(False) for condition, _message in rules])).to_series()
            refused = facts.filter(bad).with_columns(pl.concat_str(
                [pl.when(condition).then(message) for condition, message in rules],
                separator="; ", ignore_nulls=True).alias("reason"))
            valid = facts.filter(~bad).select(_KEPT)
            del facts
            valid = valid.with_columns(pl.Series("fingerprint", fingerprints(valid)))
            distinct = valid.unique(subset="fingerprint", keep="first", maintain_order=True)
            batch = ImportBatch.objects.create(file_name=path.name[:300],
                                               file_sha256=sha.result(), mapping=chosen.name,
                                               imported_by=acting_user)
            parties = _parties(distinct, acting_user)
            for side in ("from", "to"):
                distinct = distinct.join(
                    parties.rename({"ref_kind": f"{side}_kind", "ref_key": f"{side}_key",
                                    "party_id": f"{side}_party_id"}),
                    on=[f"{side}_kind", f"{side}_key"], how="left", maintain_order="left")
            events = distinct.select(
                "kind", "occurred_us", "from_party_id", "to_party_id",
                pl.col("seconds").cast(pl.Int64).alias("duration_seconds"),
                pl.col("cents").alias("amount_cents"), "facility_id",
                pl.col("monitored_flag").alias("monitored"), "fingerprint")
            insert = _insert_postgres if connection.vendor == "postgresql" else _insert_django
            added = insert(events, batch) if events.height else 0
            rejected = _rejected_rows(frame, refused, delimiter, first_row)
            batch.rows = frame.height
            batch.added = added
            batch.duplicates = valid.height - added
            batch.rejected = rejected.head(REJECTED_KEPT).select("row", "reason").to_dicts()
            batch.save(update_fields=["rows", "added", "duplicates", "rejected"])
            trail.record(acting_user, "intelligence.import", batch, changes={
                "file": batch.file_name, "mapping": batch.mapping, "rows": batch.rows,
                "added": added, "duplicates": batch.duplicates, "rejected": rejected.height})
    return ImportResult(batch=batch, rows=batch.rows, added=added, duplicates=batch.duplicates,
                        rejected=rejected)


def _rejected_rows(frame: pl.DataFrame, bad: pl.DataFrame, delimiter: str,
                   first_row: int) -> pl.DataFrame:
    """row, reason and the row as it was written, for the report."""
    columns = [c for c in frame.columns if c != "_fields"]
    raw = frame[(bad["row"] - first_row).to_list()].select(
        pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in columns],
                      separator=delimiter).alias("raw"))
    return bad.select("row", "reason").with_columns(raw["raw"])


def write_report(result: ImportResult, path: Path | str) -> None:
    """The rejected rows as CSV: row number, reason, the row as it was in the file."""
    result.rejected.write_csv(Path(path))
