"""Forms of the complaint pages. A partner, who has no access to prisoners' files, names the
prisoner by prison number; the service resolves it within the filer's reach."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Confidentiality, MonitoringBody

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BodyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class ComplaintForm(forms.Form):
    prison_number = forms.CharField(label=_("Prison number"), max_length=30)
    is_request = forms.TypedChoiceField(
        label=_("This is"), coerce=lambda v: v == "request",
        choices=[("complaint", _("A complaint")), ("request", _("A request"))])
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("The complaint, in the prisoner's words"),
                           widget=forms.Textarea(attrs={"rows": 6}))
    confidentiality = forms.ChoiceField(label=_("Confidentiality"),
                                        choices=Confidentiality.choices)
    body = BodyChoice(label=_("Independent body"), required=False,
                      queryset=MonitoringBody.objects.none(),
                      help_text=_("For a complaint confidential to an independent body. A "
                                  "monitor files to his own body."))
    received_at = forms.DateTimeField(label=_("Received at"), required=False,
                                      widget=DATETIME_LOCAL,
                                      help_text=_("Leave empty for now."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = MonitoringBody.objects.filter(active=True)


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))
    upheld = forms.TypedChoiceField(label=_("Upheld"), coerce=lambda v: v == "yes",
                                    choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))])
