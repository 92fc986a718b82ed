"""Forms of the assessment pages. The rating form is built from the instrument's definition."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .instruments import items_of, translated
from .models import Instrument


class StartForm(forms.Form):
    instrument = forms.ModelChoiceField(Instrument.objects.none(), label=_("Instrument"))
    occasion = forms.CharField(label=_("Occasion"), max_length=100, help_text=_(
        "Admission, periodic review, trigger event (an incident…), request"))

    def __init__(self, *args, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = instruments
        self.fields["instrument"].label_from_instance = (
            lambda i: f"{i.display_title} ({i.code} {i.version})")


def _choices(definition: dict, scale: str) -> list[tuple[int, str]]:
    return [(level["value"], f"{level['value']} · {translated(level['label'])}")
            for level in definition["scales"][scale]["levels"]]


def value_name(code: str) -> str:
    return f"{code}__value"


def rationale_name(code: str) -> str:
    return f"{code}__rationale"


class RatingForm(forms.Form):
    """Every item's rating (radio buttons on its scale) and rationale; the judgement."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    judgement = forms.TypedChoiceField(label=_("Overall judgement"), coerce=int,
                                       empty_value=None, required=False,
                                       widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons for the judgement"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for item in items_of(definition):
            code = item["code"]
            self.fields[value_name(code)] = forms.TypedChoiceField(
                label=translated(item["text"]), coerce=int, empty_value=None, required=False,
                choices=_choices(definition, item["scale"]), widget=forms.RadioSelect)
            self.fields[rationale_name(code)] = forms.CharField(
                label=_("Rationale"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
        judgement = definition["summary"]["judgement"]
        self.fields["judgement"].choices = _choices(definition, judgement["scale"])
        self.fields["judgement"].help_text = translated(judgement.get("prompt"))

    @staticmethod
    def initial_for(assessment) -> dict:
        initial = {"version": assessment.version, "judgement": assessment.judgement,
                   "reasons": assessment.reasons}
        for code, rating in (assessment.ratings or {}).items():
            initial[value_name(code)] = rating.get("value")
            initial[rationale_name(code)] = rating.get("rationale", "")
        return initial

    def ratings(self) -> dict[str, dict]:
        data = self.cleaned_data
        found = {}
        for item in items_of(self.definition):
            code = item["code"]
            value, rationale = data.get(value_name(code)), data.get(rationale_name(code), "")
            if value is not None or rationale.strip():
                found[code] = {"value": value, "rationale": rationale}
        return found

    def field_for(self, name: str | None) -> str | None:
        """The form field a refusal naming `name` (an item code or a field) belongs to."""
        if name in self.fields:
            return name
        if name and value_name(name) in self.fields:
            return value_name(name)
        return None


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CorrectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the correction"),
                             widget=forms.Textarea(attrs={"rows": 2}))
