"""Instrument files: parse, validate and normalise, naming the line of every problem.

An instrument is configuration an agency writes (instruments/README.md). The file is
composed into YAML nodes first, so that every refusal can say which line it is about; the
structure is then checked against `instrument_schema.json` and the meaning by `_semantics`
(what a schema cannot say: codes are unique, scales exist, bands cover the score range).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jsonschema
import yaml
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from custos.core.errors import InvalidInput

SCHEMA_PATH = Path(__file__).with_name("instrument_schema.json")
FORMAT = 1
MAX_BYTES = 1_000_000  # a generous instrument is ~100 kB; refuse anything absurd before parsing

Path_ = tuple[str | int, ...]


class InvalidInstrument(InvalidInput):
    """A refused instrument file: every problem found, each with its line (or None)."""

    code = "invalid_instrument"

    def __init__(self, errors: list[tuple[int | None, str]]):
        self.errors = sorted(set(errors), key=lambda e: (e[0] or 0, e[1]))
        super().__init__(
            "\n".join(_line_message(line, message) for line, message in self.errors),
            details={"errors": [{"line": line, "message": message}
                                for line, message in self.errors]},
        )


def _line_message(line: int | None, message: str) -> str:
    if line is None:
        return message
    return _("line %(line)s: %(message)s") % {"line": line, "message": message}


@dataclass
class Parsed:
    """A valid instrument: its normalised definition and where each part was in the file."""

    definition: dict
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, *path: str | int) -> int | None:
        return _line_of(self.lines, path)


def translated(texts: dict[str, str] | None, language: str | None = None) -> str:
    """An instrument text in the given (or active) language, falling back to English."""
    if not texts:
        return ""
    language = (language or get_language() or "en").split("-")[0]
    return texts.get(language) or texts["en"]


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def parse(text: str) -> Parsed:
    """Parse an instrument file, or raise `InvalidInstrument` listing every problem found."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise InvalidInstrument([(None, _("The file is larger than %(size)s bytes.")
                                  % {"size": MAX_BYTES})])
    data, lines, errors = _load_yaml(text)
    if data is None:
        raise InvalidInstrument(errors)
    errors += _schema_errors(data, lines)
    if not errors:
        errors += _semantic_errors(data, lines)
    if errors:
        raise InvalidInstrument(errors)
    return Parsed(definition=normalise(data), lines=lines)


# --- YAML, with the line of every node ---------------------------------------------------

def _load_yaml(text: str) -> tuple[dict | None, dict[Path_, int], list[tuple[int | None, str]]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, [(1, _("The file is empty."))]
        lines: dict[Path_, int] = {}
        errors: list[tuple[int | None, str]] = []
        aliases = _walk(node, (), lines, errors, set())
        if aliases:  # not constructed: aliases can multiply a small file into a huge one
            return None, lines, errors + [
                (line, _("anchors and aliases (&, *) are not allowed in instrument files"))
                for line in aliases]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or str(exc)
        return None, {}, [(mark.line + 1 if mark else None,
                           _("this is not valid YAML: %(problem)s") % {"problem": problem})]
    except yaml.YAMLError as exc:
        return None, {}, [(None, _("this is not valid YAML: %(problem)s") % {"problem": exc})]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, lines, [(node.start_mark.line + 1,
                              _("An instrument file is a mapping of keys (code, version, …)."))]
    return data, lines, errors


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int],
          errors: list[tuple[int | None, str]], seen_nodes: set[int]) -> list[int]:
    """Record the line of every key and element and find repeated keys.

    Returns the lines of aliases: a node met twice is an alias, and is not walked again (an
    alias of an alias of … would make the walk itself exponential).
    """
    if id(node) in seen_nodes:
        return [node.start_mark.line + 1]
    seen_nodes.add(id(node))
    lines.setdefault(path, node.start_mark.line + 1)
    aliases: list[int] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                errors.append((line, _("“%(key)s” appears twice in this mapping (first on line "
                                       "%(first)s)") % {"key": key, "first": seen[key]}))
            seen.setdefault(key, line)
            lines[(*path, key)] = line
            aliases += _walk(value_node, (*path, key), lines, errors, seen_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for index, element in enumerate(node.value):
            aliases += _walk(element, (*path, index), lines, errors, seen_nodes)
    return aliases


def _line_of(lines: dict[Path_, int], path) -> int | None:
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


# --- structure: the JSON Schema ----------------------------------------------------------

def _type_name(name: str) -> str:
    return {
        "string": _("text"),
        "integer": _("a whole number"),
        "boolean": _("true or false"),
        "object": _("a mapping of keys"),
        "array": _("a list"),
    }.get(name, name)


def _pattern_hint(pattern: str) -> str:
    return {
        schema()["$defs"]["instrument_code"]["pattern"]:
            _("capital letters, digits, - and _, 2 to 40 characters"),
        schema()["$defs"]["code"]["pattern"]: _("a letter, then letters, digits, ., - or _"),
        schema()["$defs"]["name"]["pattern"]: _("lower-case letters, digits and _"),
        schema()["properties"]["version"]["pattern"]: _("numbers and dots, in quotes: \"1.0\""),
        schema()["$defs"]["text"]["propertyNames"]["pattern"]:
            _("a language code such as en, fr or ar"),
    }.get(pattern, _("the expected form"))


def _schema_errors(data: dict, lines: dict[Path_, int]) -> list[tuple[int | None, str]]:
    validator = jsonschema.Draft202012Validator(schema())
    found = []
    for error in validator.iter_errors(data):
        for path, message in _describe(error):
            found.append((_line_of(lines, path), message))
    return found


def _describe(error: jsonschema.ValidationError) -> Iterator[tuple[Path_, str]]:
    """Turn a schema error into (path, message) in the user's language."""
    path = tuple(error.absolute_path)
    where = str(path[-1]) if path and isinstance(path[-1], str) else ""
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        for key in value:
            if isinstance(instance, dict) and key not in instance:
                if key == "en" and error.schema.get("title") == "text":
                    yield path, _("the English text (“en”) of “%(field)s” is missing") % {
                        "field": where or "text"}
                else:
                    yield path, _("“%(key)s” is required here") % {"key": key}
    elif kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        for key in sorted(set(instance) - allowed):
            yield (*path, key), _("unknown key “%(key)s”") % {"key": key}
    elif kind == "type":
        if where == "version" and isinstance(instance, int | float):
            yield path, _("write the version in quotes, for example \"1.0\"")
        else:
            yield path, _("“%(field)s” must be %(type)s") % {
                "field": where or _("this value"), "type": _type_name(value)}
    elif kind in ("enum", "const"):
        options = value if kind == "enum" else [value]
        yield path, _("“%(value)s” is not one of: %(options)s") % {
            "value": instance, "options": ", ".join(str(o) for o in options)}
    elif kind == "pattern":
        yield path, _("“%(value)s” is not valid here: use %(hint)s") % {
            "value": instance, "hint": _pattern_hint(value)}
    elif kind in ("minItems", "minProperties"):
        yield path, _("“%(field)s” needs at least %(count)s entries") % {
            "field": where or _("this list"), "count": value}
    elif kind == "minLength":
        yield path, _("“%(field)s” must not be empty") % {"field": where or _("this text")}
    elif kind in ("minimum", "maximum"):
        yield path, _("%(value)s is out of range for “%(field)s”") % {
            "value": instance, "field": where or _("this value")}
    elif kind == "uniqueItems":
        yield path, _("“%(field)s” lists the same entry twice") % {"field": where}
    else:  # rare: schema keywords the messages above do not cover
        yield path, error.message


# --- meaning: what the schema cannot say -------------------------------------------------

def _semantic_errors(data: dict, lines: dict[Path_, int]) -> list[tuple[int | None, str]]:
    errors: list[tuple[int | None, str]] = []

    def refuse(path, message):
        errors.append((_line_of(lines, path), message))

    _check_languages(data, (), refuse)

    scales = data["scales"]
    for name, scale in scales.items():
        values = [level["value"] for level in scale["levels"]]
        if values != sorted(set(values)):
            refuse(("scales", name, "levels"), _(
                "the levels of scale “%(scale)s” must have different values, lowest first")
                % {"scale": name})

    domain_codes: set[str] = set()
    items: dict[str, dict] = {}
    for d, domain in enumerate(data["domains"]):
        if domain["code"] in domain_codes:
            refuse(("domains", d, "code"), _("domain code “%(code)s” is used twice")
                   % {"code": domain["code"]})
        domain_codes.add(domain["code"])
        for i, item in enumerate(domain["items"]):
            where = ("domains", d, "items", i)
            if item["code"] in items:
                refuse((*where, "code"), _("item code “%(code)s” is used twice")
                       % {"code": item["code"]})
            items.setdefault(item["code"], item)
            if item["scale"] not in scales:
                refuse((*where, "scale"), _(
                    "item “%(item)s” uses scale “%(scale)s” which is not defined")
                    % {"item": item["code"], "scale": item["scale"]})
            elif "referral" in item and item["referral"]["at"] not in _values(scales,
                                                                              item["scale"]):
                refuse((*where, "referral", "at"), _(
                    "item “%(item)s” refers at %(value)s, which is not a value of its scale")
                    % {"item": item["code"], "value": item["referral"]["at"]})

    for name, index in data.get("indices", {}).items():
        for n, code in enumerate(index["items"]):
            if code not in items:
                refuse(("indices", name, "items", n), _(
                    "index “%(index)s” names item “%(item)s” which is not defined")
                    % {"index": name, "item": code})

    judgement = data["summary"]["judgement"]
    if judgement["scale"] not in scales:
        refuse(("summary", "judgement", "scale"), _(
            "the judgement uses scale “%(scale)s” which is not defined")
            % {"scale": judgement["scale"]})

    score = data["summary"].get("score")
    if score is not None:
        codes = score.get("items") or _risk_items(data)
        unknown = [(n, c) for n, c in enumerate(codes) if c not in items]
        for n, code in unknown:
            refuse(("summary", "score", "items", n), _(
                "the score names item “%(item)s” which is not defined") % {"item": code})
        if not codes:
            refuse(("summary", "score"), _("the score has no items to add up"))
        elif not unknown and all(items[c]["scale"] in scales for c in codes):
            low = sum(min(_values(scales, items[c]["scale"])) for c in codes)
            high = sum(max(_values(scales, items[c]["scale"])) for c in codes)
            for n, message in _band_problems(score["bands"], low, high):
                refuse(("summary", "score", "bands", n), message)
    return errors


def _values(scales: dict, name: str) -> list[int]:
    return [level["value"] for level in scales[name]["levels"]]


def _risk_items(data: dict) -> list[str]:
    return [item["code"] for domain in data["domains"] for item in domain["items"]
            if item["factor"] == "risk"]


def _band_problems(bands: list[dict], low: int, high: int) -> Iterator[tuple[int, str]]:
    """Bands, in the order written, must cover low..high once each: no gap, no overlap."""
    expected = low
    for n, band in enumerate(bands):
        values = {"min": band["min"], "max": band["max"], "expected": expected,
                  "low": low, "high": high}
        if band["min"] > band["max"]:
            yield n, _("band %(min)s–%(max)s ends before it starts") % values
            return
        if band["min"] < expected:
            yield n, (_("band %(min)s–%(max)s overlaps the band before it") % values if n
                      else _("band %(min)s–%(max)s starts below the lowest possible score "
                             "%(low)s") % values)
            return
        if band["min"] > expected:
            yield n, _("band %(min)s–%(max)s leaves a gap: scores from %(expected)s are "
                       "in no band") % values
            return
        expected = band["max"] + 1
    if expected - 1 != high:
        yield len(bands) - 1, _("the bands end at %(end)s but scores run from %(low)s to "
                                "%(high)s") % {"end": expected - 1, "low": low, "high": high}


def _check_languages(value, path: Path_, refuse) -> None:
    """Every translation is in a language Custos offers (settings.LANGUAGES)."""
    offered = {code for code, _name in settings.LANGUAGES}
    if isinstance(value, dict):
        if "en" in value and all(isinstance(v, str) for v in value.values()):
            for language in value:
                if language not in offered:
                    refuse((*path, language), _(
                        "language “%(language)s” is not one Custos offers (%(offered)s)")
                        % {"language": language, "offered": ", ".join(sorted(offered))})
            return
        for key, child in value.items():
            _check_languages(child, (*path, key), refuse)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _check_languages(child, (*path, index), refuse)


# --- the stored form ---------------------------------------------------------------------

def normalise(data: dict) -> dict:
    """The definition as stored: defaults written out, so readers need not know them.

    Optional parts with no default (interval_months, score) stay absent, so the stored
    definition is itself a valid instrument file.
    """
    definition = copy.deepcopy(data)
    definition.setdefault("format", FORMAT)
    definition.setdefault("indices", {})
    for domain in definition["domains"]:
        for item in domain["items"]:
            item.setdefault("required", True)
    score = definition["summary"].get("score")
    if score is not None and "items" not in score:
        score["items"] = _risk_items(definition)
    return definition


def items_of(definition: dict) -> Iterator[dict]:
    for domain in definition["domains"]:
        yield from domain["items"]


# Shared with the classification rules, which are configuration files too.
load_yaml_with_lines = _load_yaml
line_of = _line_of
