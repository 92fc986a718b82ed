"""Pages of classification and of due assessments: thin adapters over `classifying` and `due`.

A classification is read only by holders of `classification.propose` or `assessments.view`
over a prisoner visible to them; every read of one is audited ("classification.view").
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from custos.access import policy
from custos.audit import trail
from custos.core.errors import DomainError
from custos.custody import selectors as custody_selectors
from custos.custody.selectors import prisoner_list_visible_to

from . import classification, classifying, due
from .instruments import translated
from .models import Classification, ClassificationStatus, InstrumentKind

READ_PERMISSIONS = ("classification.propose", "assessments.view")


def classification_list_visible_to(*, user) -> QuerySet[Classification]:
    """Classifications of visible prisoners, for holders of a read permission over them."""
    if not policy.grants(user):
        return Classification.objects.none()
    condition = Q(pk__in=[])
    for permission in READ_PERMISSIONS:
        rows = policy.rows(user, permission, facility_field="prisoner__facility",
                           prisoner_field="prisoner")
        condition |= Q() if rows is None else rows
    return Classification.objects.filter(
        prisoner__in=prisoner_list_visible_to(user=user)).filter(condition)


def may_read(user, prisoner) -> bool:
    return any(policy.can(user, p, facility_id=prisoner.facility_id, prisoner_id=prisoner.pk)
               for p in READ_PERMISSIONS)


# --- forms ---

class DecideForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    justification = forms.CharField(
        label=gettext_lazy("Justification"), required=False, widget=forms.Textarea(
            attrs={"rows": 3}),
        help_text=gettext_lazy("Required when the category differs from the proposal."))
    review_on = forms.DateField(label=gettext_lazy("Review date"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=gettext_lazy("Left empty: the rules' interval."))

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories


class ReviewRequestForm(forms.Form):
    grounds = forms.CharField(label=gettext_lazy("Grounds given by the prisoner"),
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReviewOutcomeForm(forms.Form):
    review = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.CharField(label=gettext_lazy("Outcome given to the prisoner"),
                              widget=forms.Textarea(attrs={"rows": 3}))


def _categories(row: Classification) -> list[tuple[str, str]]:
    rules = classification.parse(row.rules.definition)
    return [(c.code, f"{c.code} · {translated(c.label)}") for c in rules.categories]


def _fired(row: Classification) -> list[dict]:
    return [{"id": f["id"], "minimum": f["minimum"],
             "description": translated(f.get("description")),
             "inputs": sorted((f.get("inputs") or {}).items())} for f in row.fired or []]


def _apply(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
def prisoner_classification(request, pk):
    prisoner = custody_selectors.prisoner_file(user=request.user, prisoner_id=pk)
    if not may_read(request.user, prisoner):
        raise Http404
    user = request.user
    rows = list(classification_list_visible_to(user=user).filter(prisoner=prisoner)
                .select_related("rules", "decided_by", "created_by")
                .prefetch_related("reviews__recorded_by", "reviews__decided_by")
                .order_by("-created_at", "-id"))
    current = next((r for r in rows if r.status == ClassificationStatus.APPROVED), None)
    latest = rows[0] if rows else None
    can_propose = policy.can(user, "classification.propose", facility_id=prisoner.facility_id,
                             prisoner_id=prisoner.pk)
    can_decide = policy.can(user, "classification.decide", facility_id=prisoner.facility_id)
    pending = latest if latest and latest.status == ClassificationStatus.PROPOSED else None
    decide_form = (DecideForm(categories=_categories(pending),
                              initial={"category": pending.proposed_category})
                   if pending and can_decide else None)
    review_form = ReviewRequestForm() if current and can_propose else None
    open_reviews = [r for r in (current.reviews.all() if current else [])
                    if r.decided_at is None]
    problem = None
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "propose" and can_propose:
                classifying.classification_propose(acting_user=user, prisoner=prisoner)
                messages.success(request, _("A classification has been proposed."))
                return redirect("assessments:prisoner_classification", pk=prisoner.pk)
            elif step == "decide" and decide_form is not None:
                decide_form = DecideForm(request.POST, categories=_categories(pending))
                if decide_form.is_valid():
                    data = decide_form.cleaned_data
                    classifying.classification_decide(
                        acting_user=user, classification_row=pending,
                        category=data["category"], justification=data["justification"],
                        review_on=data["review_on"])
                    messages.success(request, _("The classification has been decided."))
                    return redirect("assessments:prisoner_classification", pk=prisoner.pk)
            elif step == "review_request" and review_form is not None:
                review_form = ReviewRequestForm(request.POST)
                if review_form.is_valid():
                    classifying.classification_review_request(
                        acting_user=user, classification_row=current,
                        grounds=review_form.cleaned_data["grounds"])
                    messages.success(request, _("The request for review has been recorded."))
                    return redirect("assessments:prisoner_classification", pk=prisoner.pk)
            elif step == "review_decide" and can_decide:
                review = next((r for r in open_reviews
                               if str(r.pk) == request.POST.get("review")), None)
                outcome_form = ReviewOutcomeForm(request.POST)
                if review is None:
                    problem = _("This request for review is not open.")
                elif outcome_form.is_valid():
                    classifying.classification_review_decide(
                        acting_user=user, review=review,
                        outcome=outcome_form.cleaned_data["outcome"])
                    messages.success(request, _("The outcome has been recorded."))
                    return redirect("assessments:prisoner_classification", pk=prisoner.pk)
                else:
                    problem = _("Record the outcome given to the prisoner.")
            else:
                problem = _("This action is not available for this classification.")
        except DomainError as error:
            if step == "decide":
                _apply(decide_form, error)
            elif step == "review_request":
                _apply(review_form, error)
            else:
                problem = error.message
    shown = {r.pk: r for r in (current, latest) if r is not None}
    for row in shown.values():
        trail.record(user, "classification.view", row)
    return render(request, "assessments/classification/prisoner.html", {
        "prisoner": prisoner, "current": current, "latest": latest, "history": rows,
        "fired": _fired(latest) if latest else [],
        "facts": sorted((latest.facts or {}).items()) if latest else [],
        "can_propose": can_propose, "can_decide": can_decide, "decide_form": decide_form,
        "review_form": review_form,
        "reviews": list(current.reviews.all()) if current else [],
        "open_reviews": [(r, ReviewOutcomeForm(initial={"review": r.pk},
                                               auto_id=f"id_review{r.pk}_%s"))
                         for r in open_reviews] if can_decide else [],
        "problem": problem,
    }, status=400 if request.method == "POST" else 200)


WHY = {
    "admission": gettext_lazy("Admission"),
    "interval": gettext_lazy("Periodic review"),
    "before_release": gettext_lazy("Before release"),
}


def facility_due(request, code):
    facility = custody_selectors.facility_get(user=request.user, code=code)
    found = due.due_list(user=request.user, facility=facility)
    rows = sorted(found, key=lambda d: not d.overdue)  # overdue first, each oldest first
    kinds = dict(InstrumentKind.choices)
    return render(request, "assessments/classification/due.html", {
        "facility": facility,
        "rows": [{"due": d, "kind": kinds.get(d.kind, d.kind), "why": WHY.get(d.why, d.why)}
                 for d in rows],
        "overdue_count": sum(1 for d in rows if d.overdue),
    })
