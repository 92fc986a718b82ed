"""Forms of the custody-case pages. They check the shape of the input; the services decide.

The prisoner is named by prison number and resolved within the user's reach: a number
outside it gets the same answer as one that does not exist.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from custos.access import policy
from custos.accounts.models import User
from custos.custody.models import Prisoner

from . import cases
from .models import CaseKind

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _moment(label, *, required=True, help_text=""):
    return forms.DateTimeField(label=label, required=required, widget=DATETIME_LOCAL,
                               help_text=help_text)


class CaseForm(forms.Form):
    prison_number = forms.CharField(label=_("Prison number"), max_length=30)
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices)
    occurred_at = _moment(_("When it happened or is alleged to have happened"))
    learned_at = _moment(_("When the prison learned of it"),
                         help_text=_("The deadlines for the report to the independent "
                                     "authority and for the next of kin run from here."))
    account = forms.CharField(label=_("What is known"), widget=forms.Textarea(attrs={"rows": 6}))
    implicated_users = forms.CharField(
        label=_("Staff implicated (user names)"), required=False, max_length=1000,
        help_text=_("Separated by commas. They will not be able to read or change the case."))
    implicated_names = forms.CharField(
        label=_("Other people implicated (names)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One a line."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_prison_number(self):
        number = self.cleaned_data["prison_number"].strip()
        reach = policy.scope(self.user, cases.OPEN, Prisoner.objects.all(),
                             prisoner_field="pk")
        prisoner = reach.filter(prison_number__iexact=number).first()
        if prisoner is None:
            raise forms.ValidationError(_("No prisoner in your facilities has this number."),
                                        code="unknown")
        return prisoner

    def clean_implicated_users(self):
        names = list(dict.fromkeys(n.strip() for n in
                                   self.cleaned_data["implicated_users"].split(",")
                                   if n.strip()))
        found = {u.username.lower(): u for u in User.objects.filter(username__in=names)}
        unknown = [n for n in names if n.lower() not in found]
        if unknown:
            raise forms.ValidationError(_("No user is called %(names)s."),
                                        params={"names": ", ".join(unknown)}, code="unknown")
        return [found[n.lower()] for n in names]

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["prisoner"] = data.pop("prison_number")
        data["implicated_names"] = data["implicated_names"].splitlines()
        return data


class VersionedForm(forms.Form):
    """A step of a case; several share one page, so each has its own element ids."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{type(self).__name__.lower()}_%s")
        super().__init__(*args, **kwargs)


class ReportForm(VersionedForm):
    authority = forms.CharField(label=_("Independent authority"), max_length=200)
    independent = forms.BooleanField(
        label=_("This authority is independent of the prison administration"), required=False)
    reference = forms.CharField(label=_("Its reference"), max_length=100, required=False)
    reported_at = _moment(_("Reported at"), required=False,
                          help_text=_("Leave empty for now."))


class NextOfKinForm(VersionedForm):
    next_of_kin = forms.CharField(label=_("Who was informed"), max_length=200)
    notified_at = _moment(_("Informed at"), required=False, help_text=_("Leave empty for now."))


class EvidenceForm(VersionedForm):
    evidence = forms.CharField(label=_("Evidence preserved, and how"),
                               widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(VersionedForm):
    reasons = forms.CharField(label=_("Reasons for closing"),
                              widget=forms.Textarea(attrs={"rows": 3}))
