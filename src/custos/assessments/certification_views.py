"""Assessor certifications: who may assess with which instrument, until when."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from custos.access.roles import Role
from custos.accounts.models import User
from custos.core.errors import DomainError

from . import workflow
from .models import AssessorCertification, Instrument


class DateInput(forms.DateInput):
    input_type = "date"


class CertificationForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=gettext_lazy("Assessor"))
    instrument_code = forms.ChoiceField(label=gettext_lazy("Instrument"))
    certified_on = forms.DateField(label=gettext_lazy("Certified on"), widget=DateInput)
    expires_on = forms.DateField(label=gettext_lazy("Expires on"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            is_active=True, role_assignments__role=Role.ASSESSOR).distinct().order_by("username")
        codes = Instrument.objects.order_by("code").values_list("code", flat=True).distinct()
        self.fields["instrument_code"].choices = [(c, c) for c in codes]


@require_http_methods(["GET", "POST"])
def certifications(request):
    today = timezone.localdate()
    form = CertificationForm(request.POST or None, initial={
        "certified_on": today, "expires_on": today + timedelta(days=730)})
    if request.method == "POST" and form.is_valid():
        try:
            workflow.certification_grant(acting_user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Certification recorded."))
            return redirect("assessments:certifications")
    rows = AssessorCertification.objects.select_related("user", "certified_by").order_by(
        "user__username", "instrument_code", "-expires_on")
    return render(request, "assessments/certifications.html",
                  {"form": form, "rows": rows, "today": today})
