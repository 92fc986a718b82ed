"""Forms of the discipline pages. They check the shape of the input; the services decide.

The prisoner is named by prison number within the user's reach; the adjudicator is chosen
among the directors of the charge's prison.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custos.access import policy
from custos.access.roles import Role
from custos.accounts.models import User
from custos.custody.models import Facility, Prisoner

from . import discipline
from .models import AppealOutcome, ChargeStatus, HearingFinding, SanctionKind

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LAWFUL = [(k, label) for k, label in SanctionKind.choices if k not in discipline.PROHIBITED]


def now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


class FacilityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} · {obj.name}"


class ChargeSearchForm(forms.Form):
    facility = FacilityChoice(label=_("Facility"), required=False, queryset=Facility.objects,
                              empty_label=_("Every facility"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *ChargeStatus.choices])
    date_from = forms.DateField(label=_("Incidents from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("to"), required=False, widget=DATE)

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data


class ChargeForm(forms.Form):
    prisoner = forms.CharField(label=_("Prison number"), max_length=30)
    offence = forms.CharField(label=_("Offence against discipline"), max_length=300)
    rule_reference = forms.CharField(
        label=_("Prison rule"), max_length=100,
        help_text=_("The law or regulation that defines the offence (Mandela Rule 37)."))
    particulars = forms.CharField(label=_("What happened"), widget=forms.Textarea(
        attrs={"rows": 4}))
    incident_at = forms.DateTimeField(label=_("Incident at"), widget=DATETIME_LOCAL,
                                      initial=now_to_the_minute)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_prisoner(self):
        number = self.cleaned_data["prisoner"].strip().upper()
        found = policy.scope(self.user, discipline.DISCIPLINE, Prisoner.objects.filter(
            prison_number__iexact=number), prisoner_field="pk").first()
        if found is None:
            raise forms.ValidationError(_("No prisoner known to you has this number."),
                                        code="unknown")
        return found


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class NotifyForm(VersionedForm):
    notified_at = forms.DateTimeField(label=_("Told at"), widget=DATETIME_LOCAL,
                                      initial=now_to_the_minute)
    language = forms.CharField(label=_("Language of the notice"), max_length=10,
                               help_text=_("A language code, such as fr, ar or bm."))
    interpreter = forms.CharField(
        label=_("Interpreter"), max_length=200, required=False,
        help_text=_("Needed when the notice is not in one of his languages."))


class AdjudicatorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class HearingForm(VersionedForm):
    held_at = forms.DateTimeField(label=_("Held at"), widget=DATETIME_LOCAL,
                                  initial=now_to_the_minute)
    adjudicator = AdjudicatorChoice(label=_("Adjudicator"), queryset=User.objects.none())
    language = forms.CharField(label=_("Language of the hearing"), max_length=10)
    interpreter = forms.CharField(label=_("Interpreter"), max_length=200, required=False)
    prisoner_heard = forms.BooleanField(label=_("The prisoner was heard in his defence"),
                                        required=False)
    prisoner_statement = forms.CharField(label=_("The prisoner's statement"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 3}))
    legal_assistance = forms.CharField(label=_("Legal assistance"), max_length=200,
                                       required=False)
    witnesses = forms.CharField(label=_("Witnesses"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    finding = forms.ChoiceField(label=_("Finding"), choices=HearingFinding.choices)

    def __init__(self, *args, facility_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        here = Q(role_assignments__facility_id=facility_id) | Q(
            role_assignments__facility__isnull=True)
        self.fields["adjudicator"].queryset = User.objects.filter(
            here, is_active=True, role_assignments__role=Role.DIRECTOR).distinct().order_by(
            "username")


class DecideForm(VersionedForm):
    reasons = forms.CharField(label=_("Reasons for the decision"),
                              widget=forms.Textarea(attrs={"rows": 3}))


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Sanction"), choices=LAWFUL,
                             help_text=_("Sanctions Rule 43 prohibits are not offered."))
    days = forms.IntegerField(label=_("Days"), required=False, min_value=1, max_value=365)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE,
                                initial=timezone.localdate)
    details = forms.CharField(label=_("Details"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(VersionedForm):
    grounds = forms.CharField(label=_("Grounds of the appeal"),
                              widget=forms.Textarea(attrs={"rows": 3}))
    authority = forms.CharField(label=_("Reviewing authority"), max_length=200)
    lodged_at = forms.DateTimeField(label=_("Lodged at"), widget=DATETIME_LOCAL,
                                    initial=now_to_the_minute)


class AppealDecisionForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        (k, label) for k, label in AppealOutcome.choices if k != AppealOutcome.PENDING])
    reasons = forms.CharField(label=_("The authority's reasons"),
                              widget=forms.Textarea(attrs={"rows": 3}))
    sanction = forms.TypedChoiceField(label=_("Sanction varied"), required=False, coerce=int,
                                      empty_value=None)
    days = forms.IntegerField(label=_("Days after the variation"), required=False,
                              min_value=1, max_value=365)

    def __init__(self, *args, sanctions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sanction"].choices = [("", "—"), *(
            (s.pk, f"{s.get_kind_display()} · {s.days}") for s in sanctions if s.days)]

    def variations(self) -> dict[int, int | None]:
        data = self.cleaned_data
        return {data["sanction"]: data["days"]} if data.get("sanction") else {}
