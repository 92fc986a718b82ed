"""Calibration pages: the list of exercises (and a form to open one), and one exercise — its
vignette, the rating form and, once two assessors have rated, the agreement."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from custos.audit import trail
from custos.core.errors import DomainError

from . import calibration
from .forms import _choices, value_name
from .instruments import items_of, translated
from .models import CalibrationRating, Instrument
from .workflow import is_certified


class ExerciseForm(forms.Form):
    instrument = forms.ModelChoiceField(Instrument.objects.all(),
                                        label=gettext_lazy("Instrument"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    vignette = forms.CharField(label=gettext_lazy("Case vignette"),
                               widget=forms.Textarea(attrs={"rows": 8}),
                               help_text=gettext_lazy("The case every assessor rates."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].label_from_instance = (
            lambda i: f"{i.display_title} ({i.code} {i.version})")


class CalibrationRatingForm(forms.Form):
    """Radio buttons per item and for the judgement; no rationale in a calibration."""

    judgement = forms.TypedChoiceField(label=gettext_lazy("Overall judgement"), coerce=int,
                                       empty_value=None, required=False,
                                       widget=forms.RadioSelect)

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for item in items_of(definition):
            self.fields[value_name(item["code"])] = forms.TypedChoiceField(
                label=translated(item["text"]), coerce=int, empty_value=None, required=False,
                choices=_choices(definition, item["scale"]), widget=forms.RadioSelect)
        self.fields["judgement"].choices = _choices(
            definition, definition["summary"]["judgement"]["scale"])

    def ratings(self) -> dict[str, int | None]:
        return {item["code"]: self.cleaned_data.get(value_name(item["code"]))
                for item in items_of(self.definition)}

    def add_problem(self, field: str | None, message: str) -> None:
        if field in self.fields:
            self.add_error(field, message)
        elif field and value_name(field) in self.fields:
            self.add_error(value_name(field), message)
        else:
            self.add_error(None, message)


@require_http_methods(["GET", "POST"])
def exercise_list(request):
    exercises = calibration.exercise_list(user=request.user)
    form = ExerciseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exercise = calibration.exercise_create(acting_user=request.user,
                                                   **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The calibration exercise has been opened."))
            return redirect("assessments:calibration_exercise", pk=exercise.pk)
    return render(request, "assessments/calibration/list.html",
                  {"exercises": exercises, "form": form},
                  status=400 if request.method == "POST" else 200)


def _items(definition: dict, form: CalibrationRatingForm | None) -> list[dict]:
    return [{"code": item["code"], "text": translated(item["text"]),
             "guidance": translated(item.get("guidance")),
             "scale": translated(definition["scales"][item["scale"]].get("title")),
             "field": form[value_name(item["code"])] if form else None}
            for item in items_of(definition)]


@require_http_methods(["GET", "POST"])
def exercise_page(request, pk):
    exercise = calibration.exercise_get(user=request.user, pk=pk)
    definition = exercise.instrument.definition
    mine = CalibrationRating.objects.filter(exercise=exercise, assessor=request.user).first()
    form = (CalibrationRatingForm(definition=definition)
            if exercise.is_open and mine is None
            and is_certified(request.user, exercise.instrument) else None)
    problem = None
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "rate" and form is not None:
                form = CalibrationRatingForm(request.POST, definition=definition)
                if form.is_valid():
                    calibration.rating_submit(acting_user=request.user, exercise=exercise,
                                              ratings=form.ratings(),
                                              judgement=form.cleaned_data["judgement"])
                    messages.success(request, _("Your rating has been recorded."))
                    return redirect("assessments:calibration_exercise", pk=exercise.pk)
            elif step == "close":
                calibration.exercise_close(acting_user=request.user, exercise=exercise)
                messages.success(request, _("The calibration exercise has been closed."))
                return redirect("assessments:calibration_exercise", pk=exercise.pk)
            else:
                problem = _("This action is not available for this exercise.")
        except DomainError as error:
            if step == "rate":
                form.add_problem(error.field, error.message)
                for extra in error.details.get("problems", [])[1:]:
                    form.add_problem(extra["field"], extra["message"])
            else:
                problem = error.message
    # Ratings stay independent: an assessor who may still rate does not see the others'.
    report = None if form is not None and exercise.is_open else calibration.results(
        user=request.user, exercise=exercise)
    trail.record(request.user, "calibration.view", exercise)
    return render(request, "assessments/calibration/exercise.html", {
        "exercise": exercise, "instrument_title": exercise.instrument.display_title,
        "items": _items(definition, form), "form": form, "mine": mine, "problem": problem,
        "report": report, "count": exercise.ratings.count(),
        "may_close": calibration.may_close(request.user, exercise),
    }, status=400 if request.method == "POST" else 200)
