"""Pages of independent monitoring: the monitoring home, bodies (the administrator), visits
with their findings and recommendations, and a recommendation with its whole history and the
response and follow-up forms. Thin: the services decide, the selectors narrow."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from custos.access import policy
from custos.core import pages
from custos.custody.models import Facility

from . import monitoring, scoping
from . import monitoring_forms as forms
from . import monitoring_selectors as selectors
from .models import RecommendationStatus, VisitStatus

PLANNED_SHOWN, DONE_SHOWN = 20, 20


def _first(queryset, limit):
    return list(queryset[:limit])


# --- the monitoring home -------------------------------------------------------------------


@require_GET
def home(request):
    user = request.user
    body = selectors.body_of_monitor(user)
    recommendations = selectors.recommendation_list_visible_to(user=user)
    visits = selectors.visit_list_visible_to(user=user)
    context = {
        "body": body,
        "is_monitor": scoping.monitor_only(user, selectors.VIEW),
        "mandate": list(body.facilities.order_by("code")) if body else [],
        "planned": _first(visits.filter(status=VisitStatus.PLANNED).order_by("planned_on"),
                            PLANNED_SHOWN),
        "done": _first(visits.filter(status=VisitStatus.DONE).order_by("-visited_on"),
                         DONE_SHOWN),
        "counts": selectors.status_counts(recommendations),
        "page": pages.page_of(request, recommendations),
        "awaiting": list(selectors.awaiting_response(user=user)),
        "may_plan": body is not None and policy.can(user, monitoring.MONITOR_PERM),
    }
    return render(request, "oversight/monitoring/home.html", context)


# --- bodies (the administrator) ------------------------------------------------------------


@require_GET
def bodies(request):
    return render(request, "oversight/monitoring/bodies.html",
                  {"bodies": selectors.body_list(user=request.user)})


@require_http_methods(["GET", "POST"])
def body_new(request):
    form = forms.BodyForm(request.POST or None)
    return pages.submit(
        request, form, "oversight/monitoring/body_new.html",
        lambda data: monitoring.body_create(acting_user=request.user, **data),
        done=lambda body: (reverse("oversight:body", args=[body.pk]),
                           _("The monitoring body has been registered.")))


def _body_context(request, body, **bound) -> dict:
    return {"body": body, "members": selectors.members_of(body),
            "edit_form": bound.get("edit_form") or forms.BodyEditForm.of(body),
            "member_form": bound.get("member_form")
            or forms.MembershipForm(monitors=selectors.monitors_free())}


@require_http_methods(["GET", "POST"])
def body_detail(request, body):
    body = selectors.body_get(user=request.user, pk=body)
    form = forms.BodyEditForm.of(body, request.POST or None)
    return pages.submit(
        request, form, "oversight/monitoring/body.html",
        lambda data: monitoring.body_update(acting_user=request.user, body=body, **data),
        done=lambda b: (reverse("oversight:body", args=[b.pk]),
                        _("The mandate has been saved.")),
        context=_body_context(request, body, edit_form=form))


@require_POST
def body_member_add(request, body):
    body = selectors.body_get(user=request.user, pk=body)
    form = forms.MembershipForm(request.POST, monitors=selectors.monitors_free())
    return pages.submit(
        request, form, "oversight/monitoring/body.html",
        lambda data: monitoring.membership_add(acting_user=request.user, body=body, **data),
        done=lambda m: (reverse("oversight:body", args=[body.pk]),
                        _("%(user)s now acts for the body.") % {"user": m.user.username}),
        context=_body_context(request, body, member_form=form))


@require_POST
def body_member_end(request, body):
    body = selectors.body_get(user=request.user, pk=body)
    form = forms.MembershipEndForm(request.POST,
                                   memberships=body.members.filter(ended_on__isnull=True))
    return pages.submit(
        request, form, "oversight/monitoring/body.html",
        lambda data: monitoring.membership_end(acting_user=request.user, **data),
        done=lambda m: (reverse("oversight:body", args=[body.pk]),
                        _("%(user)s no longer acts for the body.") % {"user": m.user.username}),
        context=_body_context(request, body))


# --- visits --------------------------------------------------------------------------------


def _plannable(user):
    reach = scoping.facilities(user, monitoring.MONITOR_PERM)
    found = Facility.objects.order_by("code")
    return found if reach is policy.ALL else found.filter(pk__in=sorted(reach))


@require_http_methods(["GET", "POST"])
def visit_new(request):
    form = forms.VisitPlanForm(request.POST or None, facilities=_plannable(request.user))
    return pages.submit(
        request, form, "oversight/monitoring/visit_new.html",
        lambda data: monitoring.visit_plan(acting_user=request.user, **data),
        done=lambda visit: (reverse("oversight:visit", args=[visit.pk]),
                            _("The visit has been planned.")))


def _visit_context(request, visit, **bound) -> dict:
    user = request.user
    own = selectors.may_read_notes(user, visit)
    findings = selectors.findings_of(visit)
    initial = {"version": visit.version}
    return {
        "visit": visit, "findings": findings, "own": own,
        "record_form": bound.get("record_form") or forms.VisitRecordForm(
            prefix="record", initial=initial),
        "cancel_form": bound.get("cancel_form") or forms.VisitCancelForm(
            prefix="cancel", initial=initial),
        "finding_form": bound.get("finding_form") or forms.FindingForm(prefix="finding"),
        "recommendation_form": bound.get("recommendation_form") or forms.RecommendationForm(
            prefix="recommendation", findings=findings),
    }


def _visit_page(request, visit, name: str, form, save, message: str):
    return pages.submit(
        request, form, "oversight/monitoring/visit.html", save,
        done=lambda _result: (reverse("oversight:visit", args=[visit.pk]), message),
        context=_visit_context(request, visit, **{name: form}))


@require_GET
def visit_detail(request, visit):
    visit = selectors.visit_get(user=request.user, pk=visit)
    return render(request, "oversight/monitoring/visit.html", _visit_context(request, visit))


@require_POST
def visit_record(request, visit):
    visit = selectors.visit_get(user=request.user, pk=visit)
    form = forms.VisitRecordForm(request.POST, prefix="record")
    return _visit_page(request, visit, "record_form", form,
                       lambda data: monitoring.visit_record(acting_user=request.user,
                                                            visit=visit, **data),
                       _("The visit has been recorded."))


@require_POST
def visit_cancel(request, visit):
    visit = selectors.visit_get(user=request.user, pk=visit)
    form = forms.VisitCancelForm(request.POST, prefix="cancel")
    return _visit_page(request, visit, "cancel_form", form,
                       lambda data: monitoring.visit_cancel(acting_user=request.user,
                                                            visit=visit, **data),
                       _("The visit has been cancelled."))


@require_POST
def finding_new(request, visit):
    visit = selectors.visit_get(user=request.user, pk=visit)
    form = forms.FindingForm(request.POST, prefix="finding")
    return _visit_page(request, visit, "finding_form", form,
                       lambda data: monitoring.finding_add(acting_user=request.user,
                                                           visit=visit, **data),
                       _("The finding has been recorded."))


@require_POST
def recommendation_new(request, visit):
    visit = selectors.visit_get(user=request.user, pk=visit)
    form = forms.RecommendationForm(request.POST, prefix="recommendation",
                                    findings=selectors.findings_of(visit))
    return pages.submit(
        request, form, "oversight/monitoring/visit.html",
        lambda data: monitoring.recommendation_add(acting_user=request.user, **data),
        done=lambda made: (reverse("oversight:recommendation", args=[made.pk]),
                           _("The recommendation has been sent to the facility.")),
        context=_visit_context(request, visit, recommendation_form=form))


# --- a recommendation, its response and its history -----------------------------------------


def _side(user, made) -> str:
    """Which forms the reader gets: "body", "government", or "" (read only)."""
    body = selectors.body_of_monitor(user)
    if body is not None and body.pk == made.body_id \
            and policy.can(user, monitoring.MONITOR_PERM, facility_id=made.facility_id):
        return "body"
    if policy.can(user, monitoring.RESPOND, facility_id=made.facility_id):
        return "government"
    return ""


def _recommendation_context(request, made, **bound) -> dict:
    side = _side(request.user, made)
    initial = {"version": made.version}
    choices = forms.steps(made.status, by_body=side == "body")
    return {
        "made": made, "history": selectors.history_of(made), "side": side,
        "may_respond": side == "government"
        and made.status == RecommendationStatus.AWAITING_RESPONSE,
        "may_update": bool(side) and bool(choices),
        "respond_form": bound.get("respond_form") or forms.RespondForm(
            prefix="respond", initial=initial),
        "update_form": bound.get("update_form") or forms.UpdateForm(
            prefix="update", initial=initial, choices=choices),
    }


def _recommendation_page(request, made, name: str, form, save, message: str):
    return pages.submit(
        request, form, "oversight/monitoring/recommendation.html", save,
        done=lambda _result: (reverse("oversight:recommendation", args=[made.pk]), message),
        context=_recommendation_context(request, made, **{name: form}))


@require_GET
def recommendation_detail(request, recommendation):
    made = selectors.recommendation_get(user=request.user, pk=recommendation)
    return render(request, "oversight/monitoring/recommendation.html",
                  _recommendation_context(request, made))


@require_POST
def recommendation_respond(request, recommendation):
    made = selectors.recommendation_get(user=request.user, pk=recommendation)
    form = forms.RespondForm(request.POST, prefix="respond")
    return _recommendation_page(
        request, made, "respond_form", form,
        lambda data: monitoring.recommendation_respond(acting_user=request.user,
                                                       recommendation=made, **data),
        _("The government's response has been recorded."))


@require_POST
def recommendation_update(request, recommendation):
    made = selectors.recommendation_get(user=request.user, pk=recommendation)
    side = _side(request.user, made)
    form = forms.UpdateForm(request.POST, prefix="update",
                            choices=forms.steps(made.status, by_body=side == "body"))
    return _recommendation_page(
        request, made, "update_form", form,
        lambda data: monitoring.recommendation_update(acting_user=request.user,
                                                      recommendation=made, **data),
        _("The step has been added to the recommendation's history."))


urlpatterns = [
    path("oversight/monitoring/", home, name="monitoring"),
    path("oversight/monitoring/bodies/", bodies, name="bodies"),
    path("oversight/monitoring/bodies/new/", body_new, name="body_new"),
    path("oversight/monitoring/bodies/<int:body>/", body_detail, name="body"),
    path("oversight/monitoring/bodies/<int:body>/members/", body_member_add,
         name="body_member_add"),
    path("oversight/monitoring/bodies/<int:body>/members/end/", body_member_end,
         name="body_member_end"),
    path("oversight/monitoring/visits/new/", visit_new, name="visit_new"),
    path("oversight/monitoring/visits/<int:visit>/", visit_detail, name="visit"),
    path("oversight/monitoring/visits/<int:visit>/record/", visit_record, name="visit_record"),
    path("oversight/monitoring/visits/<int:visit>/cancel/", visit_cancel, name="visit_cancel"),
    path("oversight/monitoring/visits/<int:visit>/findings/", finding_new, name="finding_new"),
    path("oversight/monitoring/visits/<int:visit>/recommendations/", recommendation_new,
         name="recommendation_new"),
    path("oversight/monitoring/recommendations/<int:recommendation>/", recommendation_detail,
         name="recommendation"),
    path("oversight/monitoring/recommendations/<int:recommendation>/respond/",
         recommendation_respond, name="recommendation_respond"),
    path("oversight/monitoring/recommendations/<int:recommendation>/update/",
         recommendation_update, name="recommendation_update"),
]
