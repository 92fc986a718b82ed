"""Pages of the assessment workflow: thin adapters over the selectors and the workflow."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from custos.access import policy
from custos.audit import trail
from custos.core.errors import DomainError
from custos.custody import selectors as custody_selectors

from . import forms, selectors, workflow
from .instruments import translated
from .models import Assessment, AssessmentStatus, Instrument


def worklist(request):
    drafts, waiting = selectors.worklist(user=request.user)
    return render(request, "assessments/list.html", {"drafts": drafts, "waiting": waiting})


@require_http_methods(["GET", "POST"])
def assessment_new(request, pk):
    prisoner = custody_selectors.prisoner_file(user=request.user, prisoner_id=pk)
    certified = selectors.certified_codes(user=request.user)
    instruments = Instrument.objects.filter(code__in=certified).order_by("code", "-loaded_at")
    form = forms.StartForm(request.POST or None, instruments=instruments)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = workflow.assessment_start(
                acting_user=request.user, prisoner=prisoner,
                instrument=form.cleaned_data["instrument"],
                occasion=form.cleaned_data["occasion"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The assessment has been started."))
            return redirect("assessments:detail", pk=assessment.pk)
    return render(request, "assessments/new.html", {"prisoner": prisoner, "form": form},
                  status=400 if form.errors else 200)


def _domains(definition: dict, form: forms.RatingForm | None, ratings: dict) -> list[dict]:
    """The instrument's domains and items with their texts in the active language."""
    domains = []
    for domain in definition["domains"]:
        items = []
        for item in domain["items"]:
            code = item["code"]
            rating = ratings.get(code) or {}
            levels = {level["value"]: translated(level["label"])
                      for level in definition["scales"][item["scale"]]["levels"]}
            items.append({
                "code": code, "text": translated(item["text"]),
                "guidance": translated(item.get("guidance")), "factor": item.get("factor", ""),
                "scale": translated(definition["scales"][item["scale"]].get("title")),
                "value": rating.get("value"), "label": levels.get(rating.get("value"), ""),
                "rationale": rating.get("rationale", ""),
                "value_field": form[forms.value_name(code)] if form else None,
                "rationale_field": form[forms.rationale_name(code)] if form else None,
            })
        domains.append({"code": domain["code"], "title": translated(domain.get("title")),
                        "items": items})
    return domains


def _apply(form, error: DomainError) -> None:
    form.add_error(form.field_for(error.field), error.message)
    for problem in error.details.get("problems", [])[1:]:
        form.add_error(form.field_for(problem["field"]), problem["message"])


def _may(user, assessment: Assessment) -> dict:
    certified = (policy.can(user, "assessments.assess",
                            facility_id=assessment.prisoner.facility_id,
                            prisoner_id=assessment.prisoner_id)
                 and workflow.is_certified(user, assessment.instrument))
    return {
        "edit": assessment.status == AssessmentStatus.DRAFT and assessment.assessor_id == user.pk,
        "countersign": (certified and assessment.status == AssessmentStatus.SUBMITTED
                        and assessment.assessor_id != user.pk),
        "correct": (certified and assessment.status == AssessmentStatus.LOCKED
                    and not Assessment.objects.filter(supersedes=assessment).exists()),
    }


@require_http_methods(["GET", "POST"])
def assessment_detail(request, pk):
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    definition = assessment.instrument.definition
    may = _may(request.user, assessment)
    rating_form = (forms.RatingForm(initial=forms.RatingForm.initial_for(assessment),
                                    definition=definition) if may["edit"] else None)
    correct_form = forms.CorrectForm() if may["correct"] else None
    problem = None
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step in ("save", "submit") and may["edit"]:
                rating_form = forms.RatingForm(request.POST, definition=definition)
                if rating_form.is_valid():
                    data = rating_form.cleaned_data
                    workflow.assessment_save(
                        acting_user=request.user, assessment=assessment,
                        expected_version=data["version"], ratings=rating_form.ratings(),
                        judgement=data["judgement"], reasons=data["reasons"])
                    if step == "submit":
                        workflow.assessment_submit(acting_user=request.user,
                                                   assessment=assessment,
                                                   expected_version=assessment.version)
                        messages.success(request, _("The assessment has been submitted."))
                    else:
                        messages.success(request, _("The draft has been saved."))
                    return redirect("assessments:detail", pk=assessment.pk)
            elif step == "countersign" and may["countersign"]:
                version = forms.VersionForm(request.POST)
                if version.is_valid():
                    workflow.assessment_countersign(
                        acting_user=request.user, assessment=assessment,
                        expected_version=version.cleaned_data["version"])
                    messages.success(request, _("The assessment has been countersigned."))
                    return redirect("assessments:detail", pk=assessment.pk)
                problem = _("The form was incomplete; reload the page and try again.")
            elif step == "correct" and may["correct"]:
                correct_form = forms.CorrectForm(request.POST)
                if correct_form.is_valid():
                    correction = workflow.assessment_correct(
                        acting_user=request.user, assessment=assessment,
                        reason=correct_form.cleaned_data["reason"])
                    messages.success(request, _("A correction has been started."))
                    return redirect("assessments:detail", pk=correction.pk)
            else:
                problem = _("This action is not available for this assessment.")
        except DomainError as error:
            if step in ("save", "submit"):
                _apply(rating_form, error)
            elif step == "correct" and error.field in correct_form.fields:
                correct_form.add_error(error.field, error.message)
            else:
                problem = error.message
            assessment = selectors.assessment_get(user=request.user, pk=pk)
            may = _may(request.user, assessment)
            if rating_form is not None and rating_form.is_bound:
                # Keep what was typed and its errors, with the version now stored.
                rating_form.data = rating_form.data.copy()
                rating_form.data["version"] = assessment.version
    failed = request.method == "POST"
    trail.record(request.user, "assessment.view", assessment)
    return render(request, "assessments/detail.html", {
        "assessment": assessment, "prisoner": assessment.prisoner,
        "instrument_title": assessment.instrument.display_title,
        "description": translated(definition.get("description")),
        "domains": _domains(definition, rating_form, assessment.ratings or {}),
        "judgement_label": _level(definition, assessment.judgement),
        "form": rating_form, "correct_form": correct_form, "may": may, "problem": problem,
    }, status=400 if failed else 200)


def _level(definition: dict, value) -> str:
    scale = definition["summary"]["judgement"]["scale"]
    for level in definition["scales"][scale]["levels"]:
        if level["value"] == value:
            return translated(level["label"])
    return ""
