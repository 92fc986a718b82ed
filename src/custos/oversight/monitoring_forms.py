"""Forms of the monitoring pages. They check the shape of the input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from custos.custody.models import Facility

from .models import BodyKind, FindingArea, RecommendationStatus, ResponseKind
from .monitoring import BODY_MOVES, GOVERNMENT_MOVES, REOPEN

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FacilityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} · {obj.name}"


class FacilitiesChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} · {obj.name}"


class Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class BodyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=BodyKind.choices)
    mandate = forms.CharField(label=_("Mandate"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300, required=False,
                                  help_text=_("The law or treaty the body visits under."))
    facilities = FacilitiesChoice(label=_("Facilities in the mandate"),
                                  queryset=Facility.objects.order_by("code"),
                                  widget=forms.CheckboxSelectMultiple)
    individual_cases = forms.BooleanField(label=_("May see individual cases"), required=False)
    unannounced_visits = forms.BooleanField(label=_("May visit unannounced"), required=False,
                                            initial=True)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class BodyEditForm(Versioned, BodyForm):
    @classmethod
    def of(cls, body, data=None):
        return cls(data, initial={
            "version": body.version, "name": body.name, "kind": body.kind,
            "mandate": body.mandate, "legal_basis": body.legal_basis,
            "facilities": list(body.facilities.all()), "active": body.active,
            "individual_cases": body.individual_cases,
            "unannounced_visits": body.unannounced_visits})


class MembershipForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Monitor"), queryset=None,
                                  help_text=_("Users holding the independent monitor role who "
                                              "act for no body at present."))
    started_on = forms.DateField(label=_("From"), required=False, widget=DATE)

    def __init__(self, *args, monitors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = monitors


class MembershipEndForm(forms.Form):
    membership = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = memberships


class VisitPlanForm(forms.Form):
    facility = FacilityChoice(label=_("Facility"), queryset=None)
    planned_on = forms.DateField(label=_("Planned for"), widget=DATE)
    announced = forms.BooleanField(label=_("Announced in advance"), required=False,
                                   initial=True)

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities


class VisitRecordForm(Versioned):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    team = forms.CharField(label=_("Team"), widget=forms.Textarea(attrs={"rows": 2}))
    private_interviews = forms.IntegerField(
        label=_("Prisoners interviewed in private"), min_value=0, initial=0,
        help_text=_("Only the number is recorded here: what they said stays with the body."))
    summary = forms.CharField(label=_("Summary (the body's own notes)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))


class VisitCancelForm(Versioned):
    reason = forms.CharField(label=_("Why the visit is cancelled"))


class FindingForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), choices=FindingArea.choices)
    text = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 4}))


class RecommendationForm(forms.Form):
    finding = forms.ModelChoiceField(label=_("From the finding"), queryset=None)
    text = forms.CharField(label=_("Recommendation"), widget=forms.Textarea(attrs={"rows": 4}))
    response_due_on = forms.DateField(label=_("Response due on"), required=False, widget=DATE,
                                      help_text=_("Leave empty for the usual time."))

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = findings
        self.fields["finding"].label_from_instance = (
            lambda f: f"{f.get_area_display()}: {f.text[:80]}")


class RespondForm(Versioned):
    response = forms.ChoiceField(label=_("Response"), choices=ResponseKind.choices,
                                 widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when it is partly accepted or rejected."))
    owner = forms.CharField(label=_("Owner"), max_length=200, required=False,
                            help_text=_("Who implements it (required unless rejected)."))
    deadline = forms.DateField(label=_("Implementation deadline"), required=False, widget=DATE)


STEP_LABELS = {
    "": _("Comment only"),
    RecommendationStatus.IMPLEMENTED: _("Mark as implemented"),
    RecommendationStatus.NOT_IMPLEMENTED: _("Mark as not implemented"),
    RecommendationStatus.IN_PROGRESS: _("Back to being implemented"),
    RecommendationStatus.CLOSED: _("Close"),
    REOPEN: _("Reopen"),
}


def steps(status: str, *, by_body: bool) -> list[tuple[str, str]]:
    moves = (BODY_MOVES if by_body else GOVERNMENT_MOVES).get(status, frozenset())
    return [(value, label) for value, label in STEP_LABELS.items() if value in moves]


class UpdateForm(Versioned):
    status = forms.ChoiceField(label=_("Step"), required=False, choices=())
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices or [("", STEP_LABELS[""])]
