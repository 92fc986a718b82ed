"""Forms of the housing pages: a new plan, and a director's decision on one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from custos.custody.models import Facility, Unit

from .models import PlanKind, PlanRegime
from .problem import Weights

DEFAULTS = Weights()


class PlanForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=_("Facility"), queryset=Facility.objects.none(), required=False,
        help_text=_("Leave empty for a national plan, which covers every facility."))
    kind = forms.ChoiceField(
        label=_("Kind of plan"), initial=PlanKind.FACILITY,
        choices=[(PlanKind.FACILITY, PlanKind.FACILITY.label),
                 (PlanKind.ADMISSIONS, PlanKind.ADMISSIONS.label),
                 (PlanKind.NATIONAL, PlanKind.NATIONAL.label)],
        help_text=_("A full re-plan may move anyone; an admissions plan houses only the "
                    "prisoners who have no cell yet; a national plan proposes a facility and "
                    "unit for everyone, near their family."))
    regime = forms.ChoiceField(label=_("Regime for terrorism-related prisoners"),
                               choices=PlanRegime.choices, initial=PlanRegime.NONE)
    dispersal_limit = forms.IntegerField(
        label=_("Dispersal: at most this many per unit"), min_value=1, max_value=100,
        initial=2, help_text=_("Used by the dispersal and hybrid regimes."))
    hybrid_influence = forms.IntegerField(
        label=_("Hybrid: influence from which a prisoner is concentrated"), min_value=0,
        max_value=100, initial=4)
    designated_units = forms.ModelMultipleChoiceField(
        label=_("Designated units"), queryset=Unit.objects.none(), required=False,
        help_text=_("Concentration and hybrid regimes. Left empty: the separation units."))
    overcrowding_percent = forms.IntegerField(
        label=_("Overcrowding limit (% above beds)"), min_value=0, max_value=300, initial=0,
        help_text=_("0 keeps to the beds. A limit is spread as evenly as the rules allow; "
                    "setting one is a director's decision."))
    cell_exposure = forms.IntegerField(
        label=_("Weight of exposure in a cell"), min_value=0, max_value=1000,
        initial=DEFAULTS.cell_exposure,
        help_text=_("Cost of each point of one cellmate's influence times another's "
                    "vulnerability."))
    unit_exposure = forms.IntegerField(
        label=_("Weight of exposure in a unit"), min_value=0, max_value=1000,
        initial=DEFAULTS.unit_exposure,
        help_text=_("The same cost between people of one unit, who meet less closely."))
    move = forms.IntegerField(
        label=_("Weight of a move"), min_value=0, max_value=1000, initial=DEFAULTS.move,
        help_text=_("Cost of moving one prisoner from the current cell: higher keeps people "
                    "where they are."))
    distance = forms.IntegerField(
        label=_("Weight of family distance"), min_value=0, max_value=1000,
        initial=DEFAULTS.distance,
        help_text=_("Cost of each 10 km between the family home and the facility (national "
                    "plans)."))
    time_limit = forms.IntegerField(label=_("Time limit (seconds)"), min_value=5,
                                    max_value=600, initial=60)
    compare_regimes = forms.BooleanField(label=_("Compare the other regimes"), required=False,
                                         initial=True)

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        only = list(facilities[:2])
        if len(only) == 1:
            self.fields["facility"].initial = only[0].pk
        self.fields["designated_units"].queryset = (
            Unit.objects.filter(facility__in=facilities).select_related("facility")
            .order_by("facility__code", "code"))
        self.fields["designated_units"].label_from_instance = (
            lambda unit: f"{unit.facility.code} · {unit.code} {unit.name}")

    def clean(self):
        data = super().clean()
        if data.get("kind") not in (None, PlanKind.NATIONAL) and not data.get("facility"):
            self.add_error("facility", _("Choose the facility to plan."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"], "facility": data["facility"], "regime": data["regime"],
            "dispersal_limit": data["dispersal_limit"],
            "hybrid_influence": data["hybrid_influence"],
            "designated_units": [u.pk for u in data["designated_units"]],
            "overcrowding_percent": data["overcrowding_percent"],
            "weights": {k: data[k] for k in DEFAULTS.as_dict()},
            "time_limit": data["time_limit"], "compare_regimes": data["compare_regimes"],
        }


class ApproveForm(forms.Form):
    prefix = "approve"
    reason = forms.CharField(label=_("Reason (optional)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    prefix = "reject"
    reason = forms.CharField(label=_("Reason for rejecting"),
                             widget=forms.Textarea(attrs={"rows": 2}))


class AssignmentFilter(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    moved = forms.BooleanField(label=_("Moved only"), required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All units")), *units]


def weights(values: dict) -> list[tuple]:
    """(label, value, meaning) of each weight of a plan, in the order of the form."""
    fields = PlanForm.base_fields
    return [(fields[key].label, values[key], fields[key].help_text)
            for key in DEFAULTS.as_dict() if key in values]
