"""Pages of the complaints: the list with its figures, a complaint with its answer form, and
the form to file one (it works for a partner, who names the prisoner by number)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from custos.access import policy
from custos.core import pages

from . import complaint_forms as forms
from . import complaint_selectors as selectors
from . import complaints


@require_GET
def complaint_list(request):
    user = request.user
    found = selectors.complaints_visible(user=user)
    page = pages.page_of(request, found)
    page.object_list = [selectors.described(c, user=user) for c in page.object_list]
    oversees = policy.can(user, selectors.VIEW)
    return render(request, "oversight/complaints/list.html", {
        "page": page, "figures": selectors.figures(user=user) if oversees else None})


@require_http_methods(["GET", "POST"])
def complaint_new(request):
    form = forms.ComplaintForm(request.POST or None)
    return pages.submit(
        request, form, "oversight/complaints/new.html",
        lambda data: complaints.complaint_file(acting_user=request.user, **data),
        done=lambda complaint: (_after(request.user, complaint),
                                _("The complaint has been filed. An answer is due by "
                                  "%(day)s.") % {"day": date_format(complaint.answer_due_on)}),
        context={"monitor": policy.can(request.user, complaints.MONITORS)})


def _after(user, complaint) -> str:
    if policy.can(user, selectors.VIEW):
        return reverse("oversight:complaint", args=[complaint.pk])
    return reverse("oversight:complaints")


@require_http_methods(["GET", "POST"])
def complaint_detail(request, complaint):
    user = request.user
    found = selectors.described(selectors.complaint_get(user=user, pk=complaint), user=user)
    answerable = found.status in complaints.WAITING and complaints.may_answer(user, found)
    form = forms.AnswerForm(request.POST or None, initial={"version": found.version})
    if request.method == "POST" or answerable:
        context = {"complaint": found, "answerable": answerable}
        return pages.submit(
            request, form, "oversight/complaints/complaint.html",
            lambda data: complaints.complaint_answer(acting_user=user, complaint=found, **data),
            done=lambda saved: (reverse("oversight:complaint", args=[saved.pk]),
                                _("The answer has been recorded.")),
            context=context)
    return render(request, "oversight/complaints/complaint.html",
                  {"complaint": found, "answerable": False})


urlpatterns = [
    path("oversight/complaints/", complaint_list, name="complaints"),
    path("oversight/complaints/new/", complaint_new, name="complaint_new"),
    path("oversight/complaints/<int:complaint>/", complaint_detail, name="complaint"),
]
