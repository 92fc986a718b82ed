"""Instruments are configuration: loaded from files, refused with line numbers, never changed."""

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.access.policy import AccessDenied
from custos.access.roles import Role
from custos.assessments import instruments
from custos.assessments.instruments import InvalidInstrument
from custos.assessments.models import Instrument
from custos.assessments.services import instrument_load
from custos.audit.models import AuditEntry
from custos.core.errors import InvalidInput

EXAMPLES = Path(__file__).resolve().parents[2] / "instruments"

MINIMAL = """\
code: TEST
version: "1.0"
kind: screening
title: {en: A test screen, fr: Un dépistage}
countersign_required: false
requires_rationale: true
scales:
  yes_no:
    levels:
      - {value: 0, label: {en: "No"}}
      - {value: 1, label: {en: "Yes"}}
  overall:
    levels:
      - {value: 1, label: {en: Low}}
      - {value: 2, label: {en: High}}
domains:
  - code: D1
    title: {en: First domain}
    items:
      - code: A1
        text: {en: First item}
        guidance: {en: Rate it.}
        scale: yes_no
        factor: risk
      - code: A2
        text: {en: Second item}
        guidance: {en: Rate it too.}
        scale: yes_no
        factor: risk
indices:
  influence:
    title: {en: Influence}
    items: [A1]
summary:
  score:
    bands:
      - {min: 0, max: 1, label: {en: Low}}
      - {min: 2, max: 2, label: {en: High}}
  judgement:
    scale: overall
    prompt: {en: "Your judgement, with reasons."}
"""


def line_of(text: str, needle: str) -> int:
    """The (1-based) line of the first occurrence of `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def refused(text: str) -> InvalidInstrument:
    with pytest.raises(InvalidInstrument) as caught:
        instruments.parse(text)
    return caught.value


@pytest.fixture
def admin(persona):
    return persona(Role.ADMIN)


# --- the shipped examples ----------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("name", ["intake-screening.yaml", "ve-risk-needs.yaml",
                                  "cell-sharing.yaml"])
def test_each_example_loads_in_three_languages(name):
    text = (EXAMPLES / name).read_text(encoding="utf-8")

    instrument = instrument_load(acting_user=None, text=text, source_name=name)

    items = list(instruments.items_of(instrument.definition))
    assert 10 <= len(items) <= 30
    assert {"en", "fr", "ar"} <= set(instrument.title)
    assert all({"en", "fr", "ar"} <= set(item["text"]) | set(item["guidance"])
               for item in items)
    assert set(instrument.definition["indices"]) == {"influence", "vulnerability"}


@pytest.mark.django_db
def test_the_risk_and_needs_example_is_a_judgement_with_countersignature():
    text = (EXAMPLES / "ve-risk-needs.yaml").read_text(encoding="utf-8")

    definition = instrument_load(acting_user=None, text=text, source_name="x").definition

    assert definition["kind"] == "risk_needs"
    assert definition["interval_months"] == 6
    assert definition["countersign_required"] and definition["requires_rationale"]
    assert "score" not in definition["summary"]  # judged, never summed
    overall = definition["scales"][definition["summary"]["judgement"]["scale"]]
    assert [level["label"]["en"] for level in overall["levels"]] == ["Low", "Moderate", "High"]
    factors = {item["factor"] for item in instruments.items_of(definition)}
    assert factors == {"risk", "protective", "need"}


# --- the loader: normalisation -----------------------------------------------------------

def test_defaults_are_written_out_in_the_stored_definition():
    definition = instruments.parse(MINIMAL).definition

    assert definition["format"] == 1
    assert "interval_months" not in definition
    assert all(item["required"] for item in instruments.items_of(definition))
    assert definition["summary"]["score"]["items"] == ["A1", "A2"]


def test_translated_text_falls_back_to_english():
    title = instruments.parse(MINIMAL).definition["title"]

    assert instruments.translated(title, "fr") == "Un dépistage"
    assert instruments.translated(title, "ar") == "A test screen"


# --- the loader: bad files are refused with the line -------------------------------------

def test_bad_yaml_syntax_names_the_line():
    text = MINIMAL.replace("kind: screening", "kind: [screening")

    error = refused(text)

    assert error.errors[0][0] in (line_of(text, "kind:"), line_of(text, "kind:") + 1)
    assert "not valid YAML" in error.message
    assert isinstance(error, InvalidInput)


def test_a_missing_required_key_names_the_line_of_its_mapping():
    text = MINIMAL.replace("        guidance: {en: Rate it too.}\n", "")

    error = refused(text)

    assert error.errors == [(line_of(text, "- code: A2"), "“guidance” is required here")]


def test_an_item_with_an_undefined_scale_is_refused():
    text = MINIMAL.replace("scale: yes_no\n        factor: risk\n      - code: A2",
                           "scale: freq\n        factor: risk\n      - code: A2")
    line = line_of(text, "scale: freq")

    error = refused(text)

    assert f"line {line}: item “A1” uses scale “freq” which is not defined" in error.message


def test_overlapping_bands_are_refused():
    text = MINIMAL.replace("{min: 2, max: 2", "{min: 1, max: 2")

    error = refused(text)

    assert error.errors == [(line_of(text, "{min: 1, max: 2"),
                             "band 1–2 overlaps the band before it")]


def test_a_gap_between_bands_and_bands_short_of_the_range_are_refused():
    gap = refused(MINIMAL.replace("{min: 0, max: 1", "{min: 0, max: 0"))
    short = refused(MINIMAL.replace("{min: 2, max: 2", "{min: 2, max: 5"))

    assert "leaves a gap: scores from 1 are in no band" in gap.message
    assert "the bands end at 5 but scores run from 0 to 2" in short.message


def test_a_missing_english_text_is_refused():
    text = MINIMAL.replace("text: {en: Second item}", "text: {fr: Deuxième item}")

    error = refused(text)

    assert error.errors == [(line_of(text, "Deuxième item"),
                             "the English text (“en”) of “text” is missing")]


@pytest.mark.parametrize(("change", "needle", "expected"), [
    (('version: "1.0"', "version: 1.0"), "version: 1.0", "write the version in quotes"),
    (("factor: risk\n      - code: A2", "factor: danger\n      - code: A2"), "factor: danger",
     "“danger” is not one of: risk, protective, need"),
    (("title: {en: First domain}", "title: {en: First domain}\n    colour: red"), "colour",
     "unknown key “colour”"),
    (("code: A2", "code: 'A1'"), "code: 'A1'", "item code “A1” is used twice"),
    (("items: [A1]", "items: [Z9]"), "items: [Z9]",
     "index “influence” names item “Z9” which is not defined"),
    (("{en: A test screen, fr: Un dépistage}", "{en: A test screen, de: Ein Test}"), "de: Ein",
     "language “de” is not one Custos offers"),
    (("code: TEST", "code: TEST\ncode: OTHER"), "code: OTHER", "“code” appears twice"),
])
def test_other_mistakes_name_their_line(change, needle, expected):
    text = MINIMAL.replace(*change)

    error = refused(text)

    assert f"line {line_of(text, needle)}: {expected}" in error.message


def test_aliases_are_refused_before_they_are_expanded():
    bomb = "a: &a [x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c]\n"

    error = refused(bomb)

    assert "anchors and aliases" in error.message


def test_an_empty_file_and_a_list_are_refused():
    assert refused("").errors == [(1, "The file is empty.")]
    assert "is a mapping of keys" in refused("- a\n- b\n").message


# --- the service -------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_malformed_file_creates_nothing(admin):
    entries = AuditEntry.objects.count()

    with pytest.raises(InvalidInstrument):
        instrument_load(acting_user=admin, text=MINIMAL.replace("scale: overall", "scale: x"),
                        source_name="bad.yaml")

    assert Instrument.objects.count() == 0
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_loading_writes_an_audit_entry(admin):
    instrument = instrument_load(acting_user=admin, text=MINIMAL, source_name="test.yaml")

    entry = AuditEntry.objects.get(action="instrument.load")
    assert entry.actor == admin
    assert entry.object_id == str(instrument.pk)
    assert entry.changes["source"] == "test.yaml"
    assert entry.changes["items"] == 2
    assert instrument.loaded_by == admin
    assert len(instrument.source_sha256) == 64


@pytest.mark.django_db
def test_reloading_the_same_content_is_a_no_op(admin):
    first = instrument_load(acting_user=admin, text=MINIMAL, source_name="a.yaml")
    reformatted = "# a comment changes no content\n" + MINIMAL

    again = instrument_load(acting_user=admin, text=reformatted, source_name="b.yaml")

    assert again.pk == first.pk
    assert Instrument.objects.count() == 1
    assert AuditEntry.objects.filter(action="instrument.load").count() == 1


@pytest.mark.django_db
def test_the_same_version_with_different_content_is_refused(admin):
    first = instrument_load(acting_user=admin, text=MINIMAL, source_name="a.yaml")
    changed = MINIMAL.replace("Rate it too.", "Rate it carefully.")

    with pytest.raises(InvalidInstrument) as caught:
        instrument_load(acting_user=admin, text=changed, source_name="b.yaml")

    assert caught.value.errors == [(2, "version 1.0 of TEST is already loaded with different "
                                       "content; give it a new version")]
    first.refresh_from_db()
    assert first.definition == instruments.parse(MINIMAL).definition
    assert Instrument.objects.count() == 1


@pytest.mark.django_db
def test_a_new_version_loads_beside_the_old_which_is_unchanged(admin):
    old = instrument_load(acting_user=admin, text=MINIMAL, source_name="a.yaml")
    newer = MINIMAL.replace('version: "1.0"', 'version: "1.1"').replace("Rate it too.", "Rate.")

    new = instrument_load(acting_user=admin, text=newer, source_name="b.yaml")

    assert new.pk != old.pk
    assert [(i.code, i.version) for i in Instrument.objects.order_by("version")] == [
        ("TEST", "1.0"), ("TEST", "1.1")]
    old.refresh_from_db()
    assert old.definition == instruments.parse(MINIMAL).definition


@pytest.mark.django_db
def test_an_instrument_is_never_saved_twice(admin):
    instrument = instrument_load(acting_user=admin, text=MINIMAL, source_name="a.yaml")
    instrument.title = {"en": "Changed"}

    with pytest.raises(ValueError, match="never changed in place"):
        instrument.save()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.ASSESSOR, Role.AUDITOR])
def test_only_an_administrator_loads_instruments(persona, role):
    user = persona(role)
    entries = AuditEntry.objects.count()

    with pytest.raises(AccessDenied):
        instrument_load(acting_user=user, text=MINIMAL, source_name="a.yaml")

    assert Instrument.objects.count() == 0
    assert AuditEntry.objects.count() == entries


# --- the command -------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_command_loads_and_says_so(tmp_path, capsys, admin):
    path = tmp_path / "test.yaml"
    path.write_text(MINIMAL, encoding="utf-8")

    call_command("load_instrument", str(path), "--as", admin.username)
    call_command("load_instrument", str(path))

    out = capsys.readouterr().out
    assert "Loaded TEST version 1.0" in out
    assert "already loaded with this content; nothing changed" in out
    assert Instrument.objects.get().loaded_by == admin


@pytest.mark.django_db
def test_the_command_refuses_a_bad_file_with_line_numbers(tmp_path):
    text = MINIMAL.replace("scale: overall", "scale: missing")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        call_command("load_instrument", str(path))

    assert f"line {line_of(text, 'scale: missing')}: the judgement uses scale" in str(
        caught.value)
    assert "nothing was loaded" in str(caught.value)
    assert Instrument.objects.count() == 0


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_user_or_a_missing_file(tmp_path):
    path = tmp_path / "test.yaml"
    path.write_text(MINIMAL, encoding="utf-8")

    with pytest.raises(CommandError, match="No active user"):
        call_command("load_instrument", str(path), "--as", "nobody")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_instrument", str(tmp_path / "absent.yaml"))
    assert Instrument.objects.count() == 0


# --- properties --------------------------------------------------------------------------

words = st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=20).map(str.strip).filter(
    bool)


@st.composite
def valid_instruments(draw):
    """Random valid instruments: scales, domains, items, and bands that tile the score."""
    scales = {}
    for n in range(draw(st.integers(1, 3))):
        start = draw(st.integers(-3, 3))
        values = range(start, start + draw(st.integers(2, 5)))
        scales[f"s{n}"] = {"levels": [{"value": v, "label": {"en": draw(words)}} for v in values]}
    domains, codes = [], []
    for d in range(draw(st.integers(1, 3))):
        items = []
        for _ in range(draw(st.integers(1, 4))):
            codes.append(f"I{len(codes)}")
            items.append({"code": codes[-1], "text": {"en": draw(words), "fr": draw(words)},
                          "guidance": {"en": draw(words)},
                          "scale": draw(st.sampled_from(sorted(scales))), "factor": "risk"})
        domains.append({"code": f"D{d}", "title": {"en": draw(words)}, "items": items})
    by_code = {i["code"]: i for d in domains for i in d["items"]}
    low = sum(min(lv["value"] for lv in scales[i["scale"]]["levels"]) for i in by_code.values())
    high = sum(max(lv["value"] for lv in scales[i["scale"]]["levels"]) for i in by_code.values())
    cuts = sorted(draw(st.sets(st.integers(low + 1, high), max_size=3))) if high > low else []
    edges = [low, *cuts, high + 1]
    bands = [{"min": a, "max": b - 1, "label": {"en": draw(words)}}
             for a, b in zip(edges, edges[1:], strict=False)]
    return {"code": "PROP", "version": f"{draw(st.integers(0, 9))}.{draw(st.integers(0, 9))}",
            "kind": draw(st.sampled_from(["screening", "risk_needs", "cell_sharing"])),
            "title": {"en": draw(words)}, "countersign_required": draw(st.booleans()),
            "requires_rationale": draw(st.booleans()), "scales": scales, "domains": domains,
            "summary": {"score": {"bands": bands},
                        "judgement": {"scale": "s0", "prompt": {"en": draw(words)}}}}


@settings(max_examples=60)
@given(valid_instruments())
def test_valid_instruments_round_trip(data):
    definition = instruments.parse(yaml.safe_dump(data, allow_unicode=True)).definition

    assert definition == instruments.normalise(data)
    again = instruments.parse(yaml.safe_dump(definition, allow_unicode=True)).definition
    assert again == definition


@settings(max_examples=60)
@given(valid_instruments(), st.data())
def test_a_band_moved_off_its_neighbour_is_always_refused(data, draw):
    bands = data["summary"]["score"]["bands"]
    n = draw.draw(st.integers(0, len(bands) - 1))
    bands[n]["min"] += draw.draw(st.sampled_from([-1, 1]))
    text = yaml.safe_dump(data, allow_unicode=True)

    error = refused(text)

    assert any("band" in message for _line, message in error.errors)
