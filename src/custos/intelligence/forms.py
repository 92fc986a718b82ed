"""Forms of the intelligence pages. They check the shape of the input; the services decide.

Prisoners are named by prison number and resolved within the user's custody scope: a number
outside it gets the same answer as a number that does not exist.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from custos.custody.selectors import prisoner_list_visible_to

from . import grading
from .models import AlertRuleKind, Audience, ReportKind, ReportStatus

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


def compartment_choices(compartments, *, empty) -> list[tuple]:
    return [("", empty), *((str(c.pk), c.name) for c in compartments)]


def grade_choices(scale: dict[str, str]) -> list[tuple[str, str]]:
    return [(code, f"{code} — {gettext_now(label)}") for code, label in scale.items()]


class ScopedForm(forms.Form):
    """A form that knows whose scope its prisoners and choices come from."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def _prisoners(self, text: str) -> list:
        numbers = list(dict.fromkeys(n.strip().upper() for n in text.replace(";", ",").split(",")
                                     if n.strip()))
        if not numbers:
            return []
        found = {p.prison_number.upper(): p for p in prisoner_list_visible_to(
            user=self.user).filter(prison_number__in=numbers)}
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise forms.ValidationError(
                _("No prisoner known to you has the number %(numbers)s."),
                params={"numbers": ", ".join(unknown)}, code="unknown")
        return [found[n] for n in numbers]


class FacilityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} · {obj.name}"


class ReportSearchForm(ScopedForm):
    q = forms.CharField(label=_("Words or reference"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search"}))
    prisoner = forms.CharField(label=_("Prison number"), required=False, max_length=30)
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("Any kind")), *ReportKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *ReportStatus.choices])
    compartment = forms.ChoiceField(label=_("Compartment"), required=False)

    def __init__(self, *args, compartments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compartment"].choices = compartment_choices(compartments,
                                                                 empty=_("Any"))

    def clean_prisoner(self):
        number = self.cleaned_data["prisoner"].strip()
        return self._prisoners(number)[0] if number else None

    def search_arguments(self) -> dict:
        data = self.cleaned_data
        return {"q": data["q"].strip(), "prisoner": data["prisoner"], "kind": data["kind"],
                "status": data["status"], "compartment": data["compartment"] or None}


class GradesMixin(forms.Form):
    """The three grades of the scheme in force, each with its meaning."""

    source_evaluation = forms.ChoiceField(label=_("Source evaluation"))
    intelligence_assessment = forms.ChoiceField(label=_("Intelligence assessment"))
    handling_code = forms.ChoiceField(label=_("Handling code"))
    handling_conditions = forms.CharField(
        label=_("Handling conditions"), required=False, max_length=300,
        help_text=_("Required when the handling code allows sharing only with conditions."))

    def set_scales(self) -> None:
        scheme = grading.current()
        self.fields["source_evaluation"].choices = grade_choices(scheme.source_evaluation)
        self.fields["intelligence_assessment"].choices = grade_choices(
            scheme.intelligence_assessment)
        self.fields["handling_code"].choices = grade_choices(scheme.handling_labels())

    def grades(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("source_evaluation", "intelligence_assessment",
                                                  "handling_code", "handling_conditions")}


class ReportForm(GradesMixin, ScopedForm):
    facility = FacilityChoice(label=_("Facility"), queryset=None)
    occurred_at = forms.DateTimeField(label=_("When it happened"), widget=DATETIME_LOCAL,
                                      initial=now_to_the_minute)
    place = forms.CharField(label=_("Where"), required=False, max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=200)
    text = forms.CharField(label=_("What was observed or learned"),
                           widget=forms.Textarea(attrs={"rows": 6}))
    prisoners = forms.CharField(
        label=_("Prisoners"), required=False, max_length=1000,
        help_text=_("Prison numbers, separated by commas."))
    source = forms.ChoiceField(label=_("Registered source"), required=False)
    source_description = forms.CharField(
        label=_("Or describe the source"), required=False, max_length=200,
        help_text=_("For example: wing officer, monitored call, police."))
    compartment = forms.ChoiceField(
        label=_("Compartment"), required=False,
        help_text=_("Restricted from creation: only members will ever know it exists."))

    field_order = ["facility", "occurred_at", "place", "summary", "text", "prisoners", "source",
                   "source_description", "compartment", "source_evaluation",
                   "intelligence_assessment", "handling_code", "handling_conditions"]

    def __init__(self, *args, facilities, sources, compartments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        only = list(facilities[:2])
        if len(only) == 1:
            self.fields["facility"].initial = only[0].pk
        self.fields["source"].choices = [("", _("None")),
                                         *((str(s.pk), s.reference) for s in sources)]
        self.fields["compartment"].choices = compartment_choices(
            compartments, empty=_("None: open to the analysts of the facility"))
        self.set_scales()

    def clean_prisoners(self):
        return self._prisoners(self.cleaned_data["prisoners"])

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"facility": data["facility"], "occurred_at": data["occurred_at"],
                "place": data["place"], "summary": data["summary"], "text": data["text"],
                "prisoners": data["prisoners"], "source": data["source"] or None,
                "source_description": data["source_description"],
                "compartment": data["compartment"] or None, "grades": self.grades()}


class GradeForm(GradesMixin):
    prefix = "grade"
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_scales()


class DisseminateForm(forms.Form):
    prefix = "share"
    audience = forms.ChoiceField(label=_("For"), choices=Audience.choices)
    recipients = forms.CharField(label=_("Recipients"), max_length=300)
    text = forms.CharField(
        label=_("Sanitised text"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the recipients may read: never the source or how it was learned."))
    handling_conditions = forms.CharField(label=_("Handling conditions"), required=False,
                                          max_length=300)


class ObservationForm(ScopedForm):
    facility = FacilityChoice(label=_("Facility"), queryset=None)
    occurred_at = forms.DateTimeField(label=_("When"), widget=DATETIME_LOCAL,
                                      initial=now_to_the_minute)
    place = forms.CharField(label=_("Where"), required=False, max_length=200,
                            help_text=_("Wing, landing, cell, yard…"))
    prisoners = forms.CharField(
        label=_("Prisoners"), required=False, max_length=1000,
        help_text=_("Prison numbers, separated by commas."))
    summary = forms.CharField(label=_("In a few words"), max_length=200)
    text = forms.CharField(label=_("What you saw or heard"),
                           widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        only = list(facilities[:2])
        if len(only) == 1:
            self.fields["facility"].initial = only[0].pk

    def clean_prisoners(self):
        return self._prisoners(self.cleaned_data["prisoners"])


class ReplyForm(forms.Form):
    summary = forms.CharField(label=_("Subject"), required=False, max_length=200)
    text = forms.CharField(label=_("The information you send back"),
                           widget=forms.Textarea(attrs={"rows": 5}))


class SourceForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=30)
    identity = forms.CharField(
        label=_("Identity"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted when saved; shown again only on request, with a reason."))
    facility = FacilityChoice(label=_("Facility"), queryset=None)

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))


class CompartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    purpose = forms.CharField(label=_("Purpose"), required=False, max_length=300)


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               help_text=_("An intelligence analyst or source handler."))


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, phone number, address or document"), required=False,
                        max_length=200, widget=forms.TextInput(attrs={"type": "search"}))


class FlagForm(forms.Form):
    reason = forms.CharField(label=_("Why this person is of concern"), min_length=10,
                             max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    compartment = forms.ChoiceField(label=_("Compartment"), required=False)

    def __init__(self, *args, compartments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compartment"].choices = compartment_choices(
            compartments, empty=_("None: every analyst sees the flag"))


class AlertRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=AlertRuleKind.choices)
    facility = FacilityChoice(label=_("Facility"), queryset=None, required=False,
                              empty_label=_("Every facility"))
    compartment = forms.ChoiceField(label=_("Compartment"), required=False)
    influence_at_least = forms.IntegerField(
        label=_("Influence score from"), min_value=0, max_value=100, initial=4,
        help_text=_("Prisoners of concern: influence score at least this."))
    vulnerability_at_least = forms.IntegerField(
        label=_("Vulnerability score from"), min_value=0, max_value=100, initial=6,
        help_text=_("Vulnerable prisoners: vulnerability score at least this."))

    def __init__(self, *args, facilities, compartments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        self.fields["compartment"].choices = compartment_choices(
            compartments, empty=_("None: every analyst sees its alerts"))

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["compartment"] = data["compartment"] or None
        return data


class ImportForm(forms.Form):
    """A communications export to import: CSV (canonical or a supplier's) or Parquet."""

    SUFFIXES = (".csv", ".txt", ".parquet")

    file = forms.FileField(label=_("Export file (CSV or Parquet)"))
    mapping = forms.ChoiceField(label=_("Format"), required=False)

    def __init__(self, *args, mappings: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapping"].choices = [("", _("Recognised from the header")),
                                          *((name, name) for name in mappings)]

    def clean_file(self):
        from pathlib import Path

        from django.conf import settings

        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in self.SUFFIXES:
            raise forms.ValidationError(gettext_now(
                "Choose a CSV or Parquet file (.csv, .txt or .parquet)."))
        limit = getattr(settings, "CUSTOS_IMPORT_MAX_MB", 200)
        if upload.size > limit * 1_000_000:
            raise forms.ValidationError(gettext_now(
                "The file is larger than %(limit)s MB: import it with the custos "
                "import_communications command.") % {"limit": limit})
        return upload
