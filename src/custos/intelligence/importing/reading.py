"""Reading an export: the file, its mapping onto the canonical columns, and the checks
of every row, column-wide."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

import polars as pl
import yaml
from django.utils.translation import gettext as _

from custos.core.errors import InvalidInput

from ..models import (
    CommunicationKind,
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
# UTC written "Z" first: a fixed letter parses about four times faster than an offset.
_ISO_AWARE = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%S%#z",
              "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z", "%Y-%m-%d %H:%M:%S%.f%#z")
_ISO_NAIVE = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f",
              "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


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
    raw = yaml.safe_load((Path(__file__).parent.parent / "mappings.yaml").read_text("utf-8"))
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
    return pl.col(column).str.strip_chars().replace("", None)  # blank is missing


def _times(raw: pl.Series, mapping: Mapping) -> pl.Series:
    """Times as UTC microseconds since the epoch (null when not understood)."""
    if raw.dtype.is_temporal():
        if getattr(raw.dtype, "time_zone", None) is None:
            raw = raw.cast(pl.Datetime("us")).dt.replace_time_zone(
                mapping.timezone, ambiguous="earliest", non_existent="null")
        return raw.dt.convert_time_zone("UTC").dt.epoch("us")
    result = pl.Series(raw.name, dtype=pl.Int64).extend_constant(None, raw.len())
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
        kind_raw = pl.col(mapping.kind_column).str.strip_chars().replace("", None)
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
        (c("from_ref").is_not_null() & c("from_ident").is_null(),
         _message(_("the reference “%(value)s” is longer than %(max)s characters"),
                  value=c("from_ref"), max=MAX_REF)),
        (c("to_ref").is_not_null() & c("to_ident").is_null(),
         _message(_("the reference “%(value)s” is longer than %(max)s characters"),
                  value=c("to_ref"), max=MAX_REF)),
        (c("from_ident") == c("to_ident"),
         _message(_("both parties are the same (%(value)s)"), value=c("from_ref"))),
        (c("from_ident").is_not_null() & c("to_ident").is_not_null()
         & ~c("from_is_prisoner") & ~c("to_is_prisoner"),
         _message(_("neither party is a prisoner known to Custos (no prison number "
                    "“%(first)s” or “%(second)s”)"), first=c("from_ref"), second=c("to_ref"))),
    ]
    return rules


