"""Pages of the custody cases: the register (overdue notifications first), a new case, and a
case with its steps. A case outside the reader's reach, or one he is implicated in, answers
404; every case shown is a read in the audit trail."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from custos.access import policy
from custos.core import pages

from . import case_forms as forms
from . import case_selectors as selectors
from . import cases
from .models import CaseStatus

STEPS = {
    "report_form": (forms.ReportForm, cases.case_report_to_authority,
                    gettext_lazy("The report to the authority has been recorded.")),
    "kin_form": (forms.NextOfKinForm, cases.case_notify_next_of_kin,
                 gettext_lazy("The next of kin have been recorded as informed.")),
    "evidence_form": (forms.EvidenceForm, cases.case_record_evidence,
                      gettext_lazy("The evidence has been recorded.")),
    "close_form": (forms.CloseForm, cases.case_close, gettext_lazy("The case has been closed.")),
}


@require_GET
def register(request):
    page = pages.page_of(request, selectors.case_register(user=request.user))
    page.object_list = [selectors.described(c, user=request.user) for c in page.object_list]
    return render(request, "oversight/cases/register.html", {"page": page})


@require_http_methods(["GET", "POST"])
def case_new(request):
    form = forms.CaseForm(request.POST or None, user=request.user)
    return pages.submit(
        request, form, "oversight/cases/new.html",
        lambda data: cases.case_open(acting_user=request.user, **form.service_arguments()),
        done=lambda case: (_after(request.user, case), _("The case has been opened.")))


def _after(user, case) -> str:
    """The case, or the register when the user implicated himself and is kept off it."""
    if selectors.cases_visible(user=user).filter(pk=case.pk).exists():
        return reverse("oversight:case", args=[case.pk])
    return reverse("oversight:cases")


def _context(request, case, **bound) -> dict:
    user = request.user
    case = selectors.described(case, user=user)
    open_case = case.status != CaseStatus.CLOSED
    may_act = open_case and policy.can(user, cases.OPEN, facility_id=case.facility_id)
    initial = {"version": case.version}
    steps = {}
    if may_act and case.authority_reported_at is None:
        steps["report_form"] = forms.ReportForm(initial=initial)
    if may_act and cases.needs_next_of_kin(case.kind) and case.next_of_kin_notified_at is None:
        steps["kin_form"] = forms.NextOfKinForm(initial=initial)
    if may_act:
        steps["evidence_form"] = forms.EvidenceForm(initial=initial)
    if open_case and policy.can(user, cases.AUTHORISE, facility_id=case.facility_id):
        steps["close_form"] = forms.CloseForm(initial=initial)
    steps.update(bound)
    return {"case": case, "implicated": case.implicated.all(), **steps}


@require_GET
def case_detail(request, case):
    found = selectors.case_get(user=request.user, pk=case)
    return render(request, "oversight/cases/case.html", _context(request, found))


def _step(name: str):
    form_class, service, message = STEPS[name]

    @require_POST
    def view(request, case):
        found = selectors.case_get(user=request.user, pk=case)
        form = form_class(request.POST)
        return pages.submit(
            request, form, "oversight/cases/case.html",
            lambda data: service(acting_user=request.user, case=found, **data),
            done=lambda saved: (reverse("oversight:case", args=[saved.pk]), message),
            context=_context(request, found, **{name: form}))

    return view


urlpatterns = [
    path("oversight/cases/", register, name="cases"),
    path("oversight/cases/new/", case_new, name="case_new"),
    path("oversight/cases/<int:case>/", case_detail, name="case"),
    path("oversight/cases/<int:case>/report/", _step("report_form"), name="case_report"),
    path("oversight/cases/<int:case>/next-of-kin/", _step("kin_form"), name="case_next_of_kin"),
    path("oversight/cases/<int:case>/evidence/", _step("evidence_form"), name="case_evidence"),
    path("oversight/cases/<int:case>/close/", _step("close_form"), name="case_close"),
]
