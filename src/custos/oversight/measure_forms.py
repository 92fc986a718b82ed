"""Forms of the restrictive-measures and flags pages. They check the shape of the input; the
services decide (the Mandela Rules, the review maximum, the versions)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custos.access import policy
from custos.custody.models import Facility, Prisoner

from .models import MeasureKind, ReviewOutcome

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
REASON = forms.Textarea(attrs={"rows": 3})


def now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


def facility_choices(facility_ids) -> list[tuple[str, str]]:
    found = Facility.objects.order_by("code")
    if facility_ids is not None:
        found = found.filter(pk__in=sorted(facility_ids))
    return [("", _("Every facility")), *((str(f.pk), f"{f.code} · {f.name}") for f in found)]


class RegisterFilterForm(forms.Form):
    facility = forms.TypedChoiceField(label=_("Facility"), required=False, coerce=int,
                                      empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("Any kind")), *MeasureKind.choices])
    in_force = forms.ChoiceField(label=_("In force"), required=False, initial="yes",
                                 choices=[("yes", _("In force")), ("no", _("Ended")),
                                          ("", _("All"))])
    overdue = forms.BooleanField(label=_("Review overdue"), required=False)

    def __init__(self, *args, facility_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = facility_choices(facility_ids)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {"in_force": "yes"}
        return {"facility": data.get("facility"), "kind": data.get("kind", ""),
                "in_force": {"yes": True, "no": False}.get(data.get("in_force", "")),
                "overdue": bool(data.get("overdue"))}


class FlagFilterForm(forms.Form):
    facility = forms.TypedChoiceField(label=_("Facility"), required=False, coerce=int,
                                      empty_value=None)
    state = forms.ChoiceField(label=_("State"), required=False, initial="open",
                              choices=[("open", _("Open")), ("resolved", _("Resolved")),
                                       ("", _("All"))])
    code = forms.ChoiceField(label=_("What"), required=False)

    def __init__(self, *args, facility_ids, codes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = facility_choices(facility_ids)
        self.fields["code"].choices = [("", _("Anything")), *codes]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {"state": "open"}
        return {"facility": data.get("facility"), "state": data.get("state", ""),
                "code": data.get("code", "")}


class MeasureForm(forms.Form):
    prisoner = forms.CharField(label=_("Prison number"), max_length=30)
    kind = forms.ChoiceField(label=_("Kind of measure"), choices=MeasureKind.choices)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300,
                                  help_text=_("The law or regulation that allows it."))
    necessity = forms.CharField(label=_("Why it is necessary"), widget=REASON)
    proportionality = forms.CharField(label=_("Why it is proportionate"), widget=REASON)
    alternatives_considered = forms.CharField(
        label=_("Less restrictive alternatives considered"), widget=REASON,
        help_text=_("What else was considered and why it was not enough."))
    started_at = forms.DateTimeField(label=_("Started at"), widget=DATETIME_LOCAL,
                                     initial=now_to_the_minute)
    planned_review_on = forms.DateField(
        label=_("Review due on"), widget=DATE,
        help_text=_("Segregation and solitary confinement within 7 days, restraints within a "
                    "day, other measures within 30 days, unless configured otherwise."))
    planned_end_on = forms.DateField(label=_("Planned end"), widget=DATE, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_prisoner(self):
        number = self.cleaned_data["prisoner"].strip().upper()
        found = policy.scope(self.user, "oversight.measures",
                             Prisoner.objects.filter(prison_number__iexact=number),
                             prisoner_field="pk").first()
        if found is None:
            raise forms.ValidationError(_("No prisoner known to you has this number."),
                                        code="unknown")
        return found


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AuthoriseForm(VersionForm):
    pass


class ReviewForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewOutcome.choices,
                                widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), widget=REASON)
    next_review_on = forms.DateField(label=_("Next review due on"), widget=DATE, required=False,
                                     help_text=_("Not needed when the measure ends."))


class EndForm(VersionForm):
    reason = forms.CharField(label=_("Reason for ending"), widget=REASON)


class DayForm(forms.Form):
    on = forms.DateField(label=_("Day"), widget=DATE, initial=timezone.localdate)
    hours_without_contact = forms.DecimalField(
        label=_("Hours without meaningful human contact"), min_value=0, max_value=24,
        decimal_places=1, max_digits=3,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        help_text=_("22 hours or more is solitary confinement (Mandela Rule 44)."))
    exercise_minutes = forms.IntegerField(
        label=_("Minutes in the open air"), min_value=0, max_value=1440, initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    health_visit = forms.BooleanField(label=_("Seen by health care today"), required=False)
    contacts = forms.CharField(label=_("Meaningful contacts (who, how long)"), required=False,
                               widget=REASON)


class DayCorrectForm(VersionForm, DayForm):
    reason = forms.CharField(label=_("Why it is corrected"), widget=REASON)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["on"]


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("What was done about it"), widget=REASON)
