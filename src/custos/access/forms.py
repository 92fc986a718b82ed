from django import forms
from django.utils.translation import gettext_lazy as _


class BreakGlassForm(forms.Form):
    prison_number = forms.CharField(label=_("Prison number"), max_length=30)
    reason = forms.CharField(
        label=_("Why does your duty require this file now?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit trail and reviewed by the auditor."))


class AllocationForm(forms.Form):
    staff = forms.ModelChoiceField(queryset=None, label=_("Case manager or provider"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff


class EndAllocationForm(forms.Form):
    reason = forms.CharField(label=_("Reason for ending"), max_length=300)
