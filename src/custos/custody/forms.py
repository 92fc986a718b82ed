"""Forms for the custody pages. They validate shape; the services enforce the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import (
    FamilyMember,
    KeepApartLevel,
    KeepApartReason,
    LegalStatus,
    NameKind,
    Script,
    Sex,
)


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class IdentityFields(forms.Form):
    """Identity, legal and sentence details, shared by admission and editing."""

    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    nationality = forms.CharField(label=_("Nationality (ISO code)"), max_length=2, required=False)
    languages = forms.CharField(label=_("Languages"), max_length=100, required=False)
    interpreter_needed = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    legal_status = forms.ChoiceField(label=_("Legal status"), choices=LegalStatus.choices)
    terrorism_related = forms.BooleanField(label=_("Terrorism-related offence"), required=False)
    returned_foreign_fighter = forms.BooleanField(
        label=_("Returned foreign terrorist fighter"), required=False)
    sentence_start = forms.DateField(label=_("Sentence start"), required=False, widget=DateInput)
    expected_release = forms.DateField(label=_("Expected release"), required=False,
                                       widget=DateInput)
    religion = forms.CharField(label=_("Religion"), max_length=100, required=False)
    health_notes = forms.CharField(label=_("Health notes"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    disability = forms.CharField(label=_("Disability or access need"), max_length=200,
                                 required=False)
    mental_health_condition = forms.BooleanField(label=_("Recorded mental-health condition"),
                                                 required=False)
    pregnant_or_nursing = forms.BooleanField(
        label=_("Pregnant, with an infant or breastfeeding"), required=False)
    group_affiliation = forms.CharField(label=_("Group affiliation"), max_length=200,
                                        required=False)
    needs_single_cell = forms.BooleanField(label=_("Needs a single cell"), required=False)
    needs_accessible_cell = forms.BooleanField(label=_("Needs an accessible cell"),
                                               required=False)
    family_home = forms.CharField(label=_("Family home"), max_length=200, required=False)
    family_home_latitude = forms.FloatField(label=_("Family home latitude"), required=False,
                                            min_value=-90, max_value=90)
    family_home_longitude = forms.FloatField(label=_("Family home longitude"), required=False,
                                             min_value=-180, max_value=180)

    def __init__(self, *args, hidden: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in hidden:  # fields the user may not see are neither shown nor changed
            del self.fields[name]


class AdmitForm(IdentityFields):
    facility = forms.ModelChoiceField(queryset=None, label=_("Facility"))
    prison_number = forms.CharField(label=_("Prison number"), max_length=30)
    name = forms.CharField(label=_("Full name, as written on the commitment order"),
                           max_length=300)
    name_script = forms.ChoiceField(label=_("Script of that name"), choices=Script.choices)
    other_name = forms.CharField(label=_("Same name in another script"), max_length=300,
                                 required=False)
    other_name_script = forms.ChoiceField(label=_("Script"), choices=Script.choices,
                                          initial=Script.ARABIC)
    alias = forms.CharField(label=_("Alias or also known as"), max_length=300, required=False)
    offence = forms.CharField(label=_("Offence"), max_length=300, required=False)
    admitted_at = forms.DateTimeField(label=_("Day and hour of admission"),
                                      widget=DateTimeInput)
    commitment_order = forms.CharField(label=_("Commitment order reference"), max_length=100)
    commitment_authority = forms.CharField(label=_("Committing authority"), max_length=200)
    arrested_on = forms.DateField(label=_("Date of arrest"), required=False, widget=DateInput)
    arrest_place = forms.CharField(label=_("Place of arrest"), max_length=200, required=False)
    visible_injuries = forms.CharField(label=_("Visible injuries"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    ill_treatment_complaints = forms.CharField(
        label=_("Complaints of earlier ill-treatment"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))
    property_inventory = forms.CharField(label=_("Property inventory"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 2}))
    next_of_kin_name = forms.CharField(label=_("Next of kin"), max_length=200, required=False)
    next_of_kin_relationship = forms.CharField(label=_("Relationship"), max_length=100,
                                               required=False)
    next_of_kin_contact = forms.CharField(label=_("Next of kin contact"), max_length=200,
                                          required=False)
    emergency_contact = forms.CharField(label=_("Emergency contact"), max_length=300,
                                        required=False)

    field_order = (
        "facility", "prison_number", "name", "name_script", "other_name", "other_name_script",
        "alias", "date_of_birth", "sex", "nationality", "languages", "interpreter_needed",
        "legal_status", "offence", "terrorism_related", "returned_foreign_fighter",
        "sentence_start", "expected_release", "admitted_at",
    )
    ADMISSION = ("commitment_order", "commitment_authority", "arrested_on", "arrest_place",
                 "visible_injuries", "ill_treatment_complaints", "property_inventory",
                 "next_of_kin_name", "next_of_kin_relationship", "next_of_kin_contact",
                 "emergency_contact")
    # Identity fields passed through as they are (those hidden from the user are absent).
    IDENTITY = ("nationality", "languages", "interpreter_needed", "terrorism_related",
                "returned_foreign_fighter", "sentence_start", "expected_release", "religion",
                "health_notes", "disability", "mental_health_condition", "pregnant_or_nursing",
                "group_affiliation", "needs_single_cell",
                "needs_accessible_cell", "family_home", "family_home_latitude",
                "family_home_longitude")

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities

    def service_arguments(self, family: list[dict]) -> dict:
        data = self.cleaned_data
        names = [{"full_name": data["name"], "script": data["name_script"], "kind": "primary"}]
        if data["other_name"]:
            names.append({"full_name": data["other_name"], "script": data["other_name_script"],
                          "kind": "transliteration"})
        if data["alias"]:
            names.append({"full_name": data["alias"], "script": Script.LATIN, "kind": "alias"})
        identity = {k: data[k] for k in self.IDENTITY if k in data}
        offences = [{"description": data["offence"],
                     "terrorism_related": data["terrorism_related"]}] if data["offence"] else []
        return dict(
            facility=data["facility"], prison_number=data["prison_number"], names=names,
            date_of_birth=data["date_of_birth"], sex=data["sex"],
            legal_status=data["legal_status"], admitted_at=data["admitted_at"],
            admission={k: data[k] for k in self.ADMISSION}, family=family, offences=offences,
            **identity,
        )


class FamilyForm(forms.ModelForm):
    class Meta:
        model = FamilyMember
        fields = ["name", "relationship", "is_child", "date_of_birth", "whereabouts", "carer",
                  "contact"]
        widgets = {"date_of_birth": DateInput}


FamilyFormSet = forms.formset_factory(FamilyForm, extra=2)


class PlaceForm(forms.Form):
    cell = forms.ModelChoiceField(queryset=None, label=_("Cell"))
    reason = forms.CharField(label=_("Reason"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)
    overcrowding_override = forms.BooleanField(
        label=_("Place beyond the cell's capacity (director's override)"), required=False)
    override_reason = forms.CharField(label=_("Reason for the override"), max_length=300,
                                      required=False)

    def __init__(self, *args, cells, may_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = cells
        self.fields["cell"].label_from_instance = lambda c: _(
            "%(cell)s — %(count)s of %(beds)s beds taken%(flags)s") % {
            "cell": c, "count": c.head_count, "beds": c.beds,
            "flags": (" · " + str(_("single occupancy"))) if c.single_occupancy else ""}
        if not may_override:
            del self.fields["overcrowding_override"]
            del self.fields["override_reason"]


class KeepApartForm(forms.Form):
    other = forms.CharField(label=_("Other prisoner's prison number"), max_length=30)
    reason = forms.ChoiceField(label=_("Reason"), choices=KeepApartReason.choices)
    level = forms.ChoiceField(label=_("Keep apart at"), choices=KeepApartLevel.choices,
                              initial=KeepApartLevel.UNIT)
    details = forms.CharField(label=_("Details"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.DateField(label=_("Expires on (optional)"), required=False,
                                 widget=DateInput)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for closing"),
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReleaseForm(forms.Form):
    released_at = forms.DateTimeField(label=_("Day and hour of release"), widget=DateTimeInput)
    reason = forms.CharField(label=_("Reason for release"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput)


class PrisonerEditForm(IdentityFields):
    """Identity, legal and sentence details. Sensitive fields only for those who may see them.

    `cells`, for those who may place the prisoner: where they move when a change of legal
    status would leave them with prisoners of the other status (Mandela Rule 11(b)).
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    cell = forms.ModelChoiceField(
        queryset=None, required=False, label=_("New cell (with a change of legal status)"),
        help_text=_("Only when the legal status changes and the present cell or unit would "
                    "then hold remand and convicted prisoners together."))

    def __init__(self, *args, cells=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cells is None:
            del self.fields["cell"]
        else:
            self.fields["cell"].queryset = cells
            self.fields["cell"].label_from_instance = lambda c: _(
                "%(cell)s — %(count)s of %(beds)s beds taken") % {
                "cell": c, "count": c.head_count, "beds": c.beds}

    def changes(self, prisoner) -> dict:
        """Only the fields the user changed, so a save never rewrites what they did not touch."""
        data = self.cleaned_data
        return {name: data[name] for name in self.fields
                if name not in ("version", "cell") and data[name] != getattr(prisoner, name)}


class NameForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=300)
    script = forms.ChoiceField(label=_("Script"), choices=Script.choices)
    kind = forms.ChoiceField(label=_("Kind"), initial=NameKind.TRANSLITERATION, choices=[
        c for c in NameKind.choices if c[0] != NameKind.PRIMARY])


class ExportForm(forms.Form):
    """A disclosure: what, why and to whom (EU Law Enforcement Directive art. 25)."""

    facility = forms.ModelChoiceField(queryset=None, label=_("Facility"), required=False,
                                      empty_label=_("All facilities you can see"))
    include_released = forms.BooleanField(label=_("Include released prisoners"), required=False)
    reason = forms.CharField(label=_("Justification"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
    recipients = forms.CharField(label=_("Recipients"), max_length=300,
                                 help_text=_("Who will receive this list (names, offices)."))

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
