"""Housing pages: thin adapters over `services` and `selectors`.

Every page is checked against the endpoint table by the access middleware; the selectors
narrow plans to the user's facilities (another facility's plan is "not found"), and every
page that shows a plan's content records the read ("housing_plan.view").
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from custos.access import policy
from custos.audit import trail
from custos.audit.denials import record_denial
from custos.core.errors import DomainError
from custos.custody.models import Unit
from custos.custody.selectors import facility_list_visible_to

from . import selectors, services
from .explain import conflict_text, reason_text, regime_name
from .forms import ApproveForm, AssignmentFilter, PlanForm, RejectForm, weights
from .models import HousingPlan, PlanKind, PlanRegime, PlanStatus

ACTIVE = (PlanStatus.QUEUED, PlanStatus.RUNNING)
PER_PAGE = 50


def _plan(request, pk) -> HousingPlan:
    try:
        return selectors.plan_get(user=request.user, pk=pk)
    except HousingPlan.DoesNotExist as missing:
        raise Http404 from missing


def _facilities(user):
    found = facility_list_visible_to(user=user).order_by("code")
    allowed = policy.facilities_for(user, "housing.plan")
    return found if allowed is policy.ALL else found.filter(pk__in=allowed)


def _apply(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
def plan_list(request):
    form = PlanForm(request.POST or None, facilities=_facilities(request.user))
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(acting_user=request.user, **form.service_arguments())
        except DomainError as error:
            _apply(form, error)
        except policy.AccessDenied as denied:  # e.g. overcrowding without the override
            record_denial(request, denied)
            form.add_error(None, str(denied.args[0]))
            status = 403
        else:
            messages.success(request, _("The plan is queued; it runs in the background."))
            return redirect("housing:plan", pk=plan.pk)
    plans = selectors.plan_list_visible_to(user=request.user).select_related(
        "facility", "created_by")
    return render(request, "housing/list.html", {"plans": plans[:100], "form": form},
                  status=status)


@require_GET
def plan_detail(request, pk):
    return _detail(request, _plan(request, pk))


def _detail(request, plan: HousingPlan, *, approve_form=None, reject_form=None,
            problem: str = "", status: int = 200):
    user = request.user
    trail.record(user, "housing_plan.view", plan)
    result = plan.result or {}
    regimes = dict(PlanRegime.choices)
    national = plan.kind == PlanKind.NATIONAL
    # `policy.can` without a facility means "somewhere": a national plan needs every facility.
    can_decide = plan.status == PlanStatus.READY and (
        selectors.plans_everywhere(user, "housing.approve") if plan.facility_id is None
        else policy.can(user, "housing.approve", facility_id=plan.facility_id))
    return render(request, "housing/plan.html", {
        "plan": plan, "active": plan.status in ACTIVE, "result": result,
        "columns": comparison(plan),
        "occupancy": occupancy(result.get("metrics") or {}),
        "conflicts": [conflict_text(c) for c in result.get("conflicts") or []],
        "weights": weights(result.get("weights") or plan.weights or {}),
        "designated": [str(u) for u in Unit.objects.filter(
            pk__in=plan.designated_units or []).select_related("facility")],
        "alternatives": [{"title": regimes.get(o.get("regime"), o.get("regime")),
                          "status": SOLVER_STATUS.get(o.get("status"), o.get("status", "")),
                          "conflicts": [conflict_text(c) for c in o.get("conflicts") or []]}
                         for o in result.get("alternatives") or []],
        "can_decide": can_decide, "national": national,
        "approve_form": approve_form or (ApproveForm() if can_decide and not national
                                         else None),
        "reject_form": reject_form or (RejectForm() if can_decide else None),
        "problem": problem,
    }, status=status)


@require_GET
def plan_progress(request, pk):
    """The progress bar alone, polled by htmx; a finished plan reloads the whole page."""
    plan = _plan(request, pk)
    response = render(request, "housing/_progress.html",
                      {"plan": plan, "active": plan.status in ACTIVE})
    if plan.status not in ACTIVE:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def plan_cancel(request, pk):
    plan = _plan(request, pk)
    if request.POST.get("confirm") != "yes":
        return _detail(request, plan, problem=_("Confirm with the cancel button."), status=400)
    try:
        services.plan_cancel(acting_user=request.user, plan=plan)
    except DomainError as error:
        plan.refresh_from_db()
        return _detail(request, plan, problem=error.message, status=400)
    messages.success(request, _("The plan has been cancelled."))
    return redirect("housing:plan", pk=plan.pk)


@require_POST
def plan_approve(request, pk):
    plan = _plan(request, pk)
    form = ApproveForm(request.POST)
    if form.is_valid() and request.POST.get("confirm") == "yes":
        try:
            services.plan_approve(acting_user=request.user, plan=plan,
                                  reason=form.cleaned_data["reason"])
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, _("The plan has been approved and applied."))
            return redirect("housing:plan", pk=plan.pk)
    elif form.is_valid():
        form.add_error(None, _("Confirm the approval with its button."))
    return _refused(request, plan, approve_form=form)


@require_POST
def plan_reject(request, pk):
    plan = _plan(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.plan_reject(acting_user=request.user, plan=plan,
                                 reason=form.cleaned_data["reason"])
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, _("The plan has been rejected."))
            return redirect("housing:plan", pk=plan.pk)
    return _refused(request, plan, reject_form=form)


def _refused(request, plan: HousingPlan, **forms):
    """The plan again with the refused form; if it can no longer be decided (it went stale,
    or someone else decided it, or it is national and has no approval form), its errors go to
    the top of the page instead."""
    plan.refresh_from_db()
    problem = ""
    if plan.status != PlanStatus.READY or plan.kind == PlanKind.NATIONAL:
        problem = " ".join(str(e) for f in forms.values() for errors in f.errors.values()
                           for e in errors)
    return _detail(request, plan, problem=problem, status=400, **forms)


@require_GET
def plan_assignments(request, pk):
    plan = _plan(request, pk)
    trail.record(request.user, "housing_plan.view", plan)
    result = plan.result or {}
    units = [(str(u["unit"]), u["label"])
             for u in (result.get("metrics") or {}).get("occupancy") or []]
    form = AssignmentFilter(request.GET or None, units=units)
    rows = result.get("assignments") or []
    if form.is_valid():
        if form.cleaned_data["unit"]:
            rows = [r for r in rows if str(r.get("unit")) == form.cleaned_data["unit"]]
        if form.cleaned_data["moved"]:
            rows = [r for r in rows if r.get("moved")]
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "housing/assignments.html", {
        "plan": plan, "form": form, "page": page,
        "rows": [{**r, "sentences": [reason_text(x) for x in r.get("reasons") or []]}
                 for r in page.object_list],
    })


SOLVER_STATUS = {
    "optimal": gettext_lazy("optimal: no better plan exists"),
    "feasible": gettext_lazy("keeps every hard rule; not proven optimal"),
    "infeasible": gettext_lazy("no plan keeps every hard rule"),
    "cancelled": gettext_lazy("cancelled"),
}


# --- what the plan page compares ---------------------------------------------------------

METRICS = (
    ("exposure", gettext_lazy("Exposure (weighted)")),
    ("cell_exposure", gettext_lazy("Exposure in cells")),
    ("unit_exposure", gettext_lazy("Exposure in units")),
    ("moves", gettext_lazy("Moves")),
    ("unplaced", gettext_lazy("Unplaced")),
    ("mean_family_distance_km", gettext_lazy("Mean family distance (km)")),
    ("objective", gettext_lazy("Objective")),
    ("lower_bound", gettext_lazy("Proven lower bound")),
    ("gap", gettext_lazy("Gap to the bound")),
)


def comparison(plan: HousingPlan) -> dict:
    """Columns (current, first fit, this plan, each alternative) and one row per metric."""
    result = plan.result or {}
    mine = result.get("metrics") or {}
    if not mine:
        return {}
    bound = mine.get("lower_bound")  # the same population and rules: it bounds both
    columns = [
        (_("Current placements"), {**(result.get("current") or {}), "lower_bound": bound}),
        (_("First fit"), {**(result.get("baseline") or {}), "lower_bound": bound}),
        (_("This plan (%(regime)s)") % {"regime": regime_name(plan.regime)}, mine),
    ]
    for other in result.get("alternatives") or []:
        columns.append((_("Alternative: %(regime)s") % {
            "regime": regime_name(other.get("regime", ""))}, other.get("metrics") or {}))
    for _title, values in columns:
        values["gap"] = gap(values.get("objective"), values.get("lower_bound"))
    return {"titles": [t for t, _v in columns],
            "rows": [(label, [_shown(v.get(key), key) for _t, v in columns])
                     for key, label in METRICS
                     if key != "mean_family_distance_km" or plan.kind == PlanKind.NATIONAL]}


def gap(objective, bound) -> float | None:
    if objective is None or bound is None:
        return None
    if objective == 0:
        return 0.0
    return round(100 * (objective - bound) / abs(objective), 1)


def _shown(value, key: str) -> str:
    if value is None or value == "":
        return "—"
    if key == "gap":
        return f"{value}\u00a0%"
    return str(value)


def occupancy(metrics: dict) -> list[dict]:
    return [{**u, "percent": round(100 * u["planned"] / u["beds"]) if u.get("beds") else None,
             "over": u.get("planned", 0) > u.get("beds", 0)}
            for u in metrics.get("occupancy") or []]
