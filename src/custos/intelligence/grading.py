"""The grading scales of intelligence reports, read from configuration (`gradings.yaml`),
with their labels in each language the file gives (English when it gives none).

Which scheme is in force is the setting `CUSTOS_INTELLIGENCE_GRADING`; a report keeps the
scheme it was graded under, so a change of scheme leaves old gradings readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from custos.core.errors import InvalidInput

FILE = Path(__file__).with_name("gradings.yaml")
SHARE_YES, SHARE_CONDITIONS, SHARE_NO = "yes", "conditions", "no"


@dataclass(frozen=True)
class Scheme:
    code: str
    name: str
    source_evaluation: dict[str, str]
    intelligence_assessment: dict[str, str]
    handling: dict[str, dict]

    def sharing(self, handling_code: str) -> str:
        return self.handling[handling_code]["disseminate"]

    def handling_labels(self) -> dict[str, str]:
        return {code: value["label"] for code, value in self.handling.items()}


def _in(language: str, text) -> str:
    """A label in `language`: labels are a text, or texts by language code ("en" first)."""
    if isinstance(text, str):
        return text
    return text.get(language) or text.get(language.split("-")[0]) or text["en"]


@cache
def _schemes(language: str) -> dict[str, Scheme]:
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    found = {}
    for code, body in data.items():
        handling = {str(k): {**v, "label": _in(language, v["label"])}
                    for k, v in body["handling"].items()}
        for value in handling.values():
            if value.get("disseminate") not in (SHARE_YES, SHARE_CONDITIONS, SHARE_NO):
                raise ValueError(f"{FILE.name}: {code}: disseminate must be yes/conditions/no")
        found[str(code)] = Scheme(
            str(code), _in(language, body["name"]),
            {str(k): _in(language, v) for k, v in body["source_evaluation"].items()},
            {str(k): _in(language, v) for k, v in body["intelligence_assessment"].items()},
            handling)
    return found


def schemes() -> dict[str, Scheme]:
    """The schemes, their labels in the language of the request."""
    return _schemes(get_language() or "en")


def current() -> Scheme:
    code = getattr(settings, "CUSTOS_INTELLIGENCE_GRADING", "3x5x2")
    return schemes()[code]


def scheme_of(code: str) -> Scheme:
    return schemes().get(code) or current()


def check(scheme: Scheme, *, source_evaluation: str, intelligence_assessment: str,
          handling_code: str, handling_conditions: str = "") -> None:
    """Refuse a grading that is not on the scheme's scales (400, naming the field)."""
    for field, value, scale in (
            ("source_evaluation", source_evaluation, scheme.source_evaluation),
            ("intelligence_assessment", intelligence_assessment, scheme.intelligence_assessment),
            ("handling_code", handling_code, scheme.handling)):
        if value not in scale:
            raise InvalidInput(
                _("“%(value)s” is not a grade of the %(scheme)s scheme; choose one of %(grades)s.")
                % {"value": value, "scheme": scheme.name, "grades": ", ".join(scale)},
                field=field)
    if scheme.sharing(handling_code) == SHARE_CONDITIONS and not handling_conditions.strip():
        raise InvalidInput(_("This handling code requires the conditions of sharing."),
                           field="handling_conditions")
