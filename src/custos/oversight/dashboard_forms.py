"""The dashboard's filters and the report's export form (a disclosure: what, why, to whom)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .dashboard import Period

PDF, XLSX = "pdf", "xlsx"


class FiguresForm(forms.Form):
    """Facility and period. The facility is a number, not a choice among the reader's: one
    outside his reach is refused as such (and audited), not passed off as a typing error."""

    facility = forms.IntegerField(label=_("Facility"), required=False, min_value=1)
    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("All facilities you can see"))]
        choices += [(f.pk, f"{f.code} {f.name}") for f in facilities]
        self.fields["facility"].widget = forms.Select(choices=choices)

    def period(self) -> Period:
        """The period asked for; raises InvalidInput (naming `start` or `end`)."""
        return Period.of(self.cleaned_data.get("start"), self.cleaned_data.get("end"))


class ReportForm(FiguresForm):
    format = forms.ChoiceField(label=_("Format"), choices=[(PDF, _("PDF document")),
                                                           (XLSX, _("Excel workbook"))],
                               widget=forms.RadioSelect, initial=PDF)
    purpose = forms.CharField(label=_("Purpose"), max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Why the report is made (it is recorded)."))
    recipients = forms.CharField(label=_("Recipients"), max_length=300,
                                 help_text=_("Who will receive it (names, offices)."))

