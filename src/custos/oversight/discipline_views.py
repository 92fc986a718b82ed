"""Discipline pages: the charges with the discipline figures, a new charge, and a charge's
whole procedure on one page with each right shown as met or not and the form for the next
step. Every step posts to its own address and comes back to the charge.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from custos.access import policy
from custos.audit import trail
from custos.core import pages
from custos.custody.models import Facility

from . import discipline, scoping
from . import discipline_forms as forms
from . import discipline_selectors as selectors
from .models import ChargeStatus

CHARGE_PAGE = "oversight/discipline/charge.html"
# The form for each step: its prefix, the status it follows and the permission it needs.
STEPS = {
    "notify": (ChargeStatus.CHARGED, discipline.DISCIPLINE),
    "hearing": (ChargeStatus.NOTIFIED, discipline.DISCIPLINE),
    "decide": (ChargeStatus.HEARD, discipline.ADJUDICATE),
    "sanction": (ChargeStatus.PROVED, discipline.ADJUDICATE),
    "appeal": (ChargeStatus.PROVED, discipline.DISCIPLINE),
    "appeal_decision": (ChargeStatus.APPEALED, discipline.ADJUDICATE),
}


def _facilities(user):
    where = scoping.facilities(user)
    found = Facility.objects.order_by("code")
    return found if where is None else found.filter(pk__in=sorted(where))


@require_GET
def charges(request):
    user = request.user
    form = forms.ChargeSearchForm(request.GET or None, facilities=_facilities(user))
    wanted = form.cleaned_data if form.is_bound and form.is_valid() else {}
    found = selectors.charge_search(user=user, **{k: v for k, v in wanted.items() if v})
    if form.is_bound and not form.is_valid():
        found = found.none()
    page = pages.page_of(request, found)
    rows = [(c, scoping.subject_label(user, c.prisoner, c.facility_id))
            for c in page.object_list]
    return render(request, "oversight/discipline/charges.html", {
        "form": form, "page": page, "rows": rows, "figures": selectors.figures(charges=found),
        "may_charge": policy.can(user, discipline.DISCIPLINE)})


@require_http_methods(["GET", "POST"])
def charge_new(request):
    form = forms.ChargeForm(request.POST or None, user=request.user,
                            initial={"prisoner": request.GET.get("prisoner", "")})
    return pages.submit(
        request, form, "oversight/discipline/new.html",
        lambda data: discipline.charge_create(acting_user=request.user, **data),
        done=lambda charge: (reverse("oversight:charge", args=[charge.pk]),
                             _("The charge has been recorded. Tell the prisoner now.")))


def _form(step: str, charge, data=None, sanctions=(), user=None):
    initial = {"version": charge.version}
    if step == "notify":
        return forms.NotifyForm(data, prefix=step, initial=initial)
    if step == "hearing":
        if user is not None and policy.can(user, discipline.ADJUDICATE,
                                           facility_id=charge.facility_id):
            initial["adjudicator"] = user.pk
        return forms.HearingForm(data, prefix=step, facility_id=charge.facility_id,
                                 initial={**initial, "language": charge.notice_language})
    if step == "decide":
        return forms.DecideForm(data, prefix=step, initial=initial)
    if step == "sanction":
        return forms.SanctionForm(data, prefix=step)
    if step == "appeal":
        return forms.AppealForm(data, prefix=step, initial=initial)
    return forms.AppealDecisionForm(data, prefix=step, initial=initial, sanctions=sanctions)


def _context(request, charge, given: dict | None = None) -> dict:
    user = request.user
    sanctions = selectors.sanctions_of(charge=charge)
    for sanction in sanctions:
        sanction.void = discipline.sanction_void(sanction)
    context = {"charge": charge, "hearing": getattr(charge, "hearing", None),
               "appeal": getattr(charge, "appeal", None), "sanctions": sanctions,
               "rights": selectors.rights(charge),
               "names": scoping.names_visible(user, charge.facility_id),
               "subject": scoping.subject_label(user, charge.prisoner, charge.facility_id),
               "prisoner_languages": ", ".join(discipline.languages_of(charge.prisoner)),
               "preparation_hours": f"{discipline.preparation_hours():g}"}
    for step, (status, permission) in STEPS.items():
        if charge.status == status and policy.can(user, permission,
                                                  facility_id=charge.facility_id,
                                                  prisoner_id=charge.prisoner_id):
            context[f"{step}_form"] = (given or {}).get(step) or _form(
                step, charge, sanctions=sanctions, user=user)
    return context


@require_GET
def charge_detail(request, charge):
    charge = selectors.charge_get(user=request.user, pk=charge)
    trail.record(request.user, "oversight.charge_read", charge)
    return render(request, CHARGE_PAGE, _context(request, charge))


def _step(request, pk, step: str, save, message: str):
    charge = selectors.charge_get(user=request.user, pk=pk)
    form = _form(step, charge, request.POST, sanctions=selectors.sanctions_of(charge=charge))
    return pages.submit(request, form, CHARGE_PAGE, save(charge),
                        done=lambda _made: (reverse("oversight:charge", args=[charge.pk]),
                                            message),
                        context=_context(request, charge, {step: form}))


@require_POST
def charge_notify(request, charge):
    return _step(request, charge, "notify", lambda c: lambda data: discipline.charge_notify(
        acting_user=request.user, charge=c, **data), _("The notice has been recorded."))


@require_POST
def charge_hearing(request, charge):
    return _step(request, charge, "hearing", lambda c: lambda data: discipline.hearing_record(
        acting_user=request.user, charge=c, **data), _("The hearing has been recorded."))


@require_POST
def charge_decide(request, charge):
    return _step(request, charge, "decide", lambda c: lambda data: discipline.charge_decide(
        acting_user=request.user, charge=c, **data), _("The decision has been recorded."))


@require_POST
def charge_sanction(request, charge):
    return _step(request, charge, "sanction", lambda c: lambda data: discipline.sanction_impose(
        acting_user=request.user, charge=c, **data), _("The sanction has been recorded."))


@require_POST
def charge_appeal(request, charge):
    return _step(request, charge, "appeal", lambda c: lambda data: discipline.appeal_lodge(
        acting_user=request.user, charge=c, **data), _("The appeal has been recorded."))


@require_POST
def charge_appeal_decision(request, charge):
    def save(c):
        def run(data):
            sanction, days = data.pop("sanction"), data.pop("days")
            return discipline.appeal_decide(acting_user=request.user, charge=c,
                                            variations={sanction: days} if sanction else {},
                                            **data)
        return run

    return _step(request, charge, "appeal_decision", save,
                 _("The decision on the appeal has been recorded."))


urlpatterns = [
    path("oversight/charges/", charges, name="charges"),
    path("oversight/charges/new/", charge_new, name="charge_new"),
    path("oversight/charges/<int:charge>/", charge_detail, name="charge"),
    path("oversight/charges/<int:charge>/notify/", charge_notify, name="charge_notify"),
    path("oversight/charges/<int:charge>/hearing/", charge_hearing, name="charge_hearing"),
    path("oversight/charges/<int:charge>/decide/", charge_decide, name="charge_decide"),
    path("oversight/charges/<int:charge>/sanction/", charge_sanction, name="charge_sanction"),
    path("oversight/charges/<int:charge>/appeal/", charge_appeal, name="charge_appeal"),
    path("oversight/charges/<int:charge>/appeal-decision/", charge_appeal_decision,
         name="charge_appeal_decision"),
]
