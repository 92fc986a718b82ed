"""Pages of the restrictive-measures register, its days, and flags: thin adapters over
`measures` (writes) and `measure_selectors` (reads). The access middleware checks each page
against the endpoint table; the selectors narrow the rows, so a measure or flag outside the
reader's reach answers 404."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from custos.audit import trail
from custos.core import pages

from . import flags, measures, scoping
from . import measure_forms as forms
from . import measure_selectors as selectors
from .models.measures import DAILY_KINDS


def _done(measure, message):
    return reverse("oversight:measure", kwargs={"measure": measure.pk}), message


@require_GET
def register(request):
    user = request.user
    form = forms.RegisterFilterForm(request.GET or None,
                                    facility_ids=scoping.facilities(user))
    page = pages.page_of(request, selectors.measure_register(user=user, **form.filters()))
    page.object_list = selectors.labelled(user, page.object_list)
    return render(request, "oversight/measures/register.html",
                  {"form": form, "page": page, "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
def measure_new(request):
    initial = {"prisoner": request.GET.get("prisoner", "")}
    form = forms.MeasureForm(request.POST or None, user=request.user, initial=initial)
    return pages.submit(request, form, "oversight/measures/new.html",
                        lambda data: measures.measure_impose(acting_user=request.user, **data),
                        done=lambda m: _done(m, _("The measure has been recorded.")))


@require_GET
def measure_detail(request, measure):
    user = request.user
    found = selectors.measure_get(user=user, pk=measure)
    trail.record(user, "oversight.measure_read", found)
    found = selectors.labelled(user, [found])[0]
    return render(request, "oversight/measures/detail.html", {
        "measure": found, "reviews": found.reviews.select_related("created_by"),
        "days": selectors.measure_days(measure=found), "daily": found.kind in DAILY_KINDS,
        "limit": measures.thresholds().prolonged_days,
        "warn_from": measures.thresholds().warn_from_day,
        "flags": selectors.described(user, selectors.flag_list(
            user=user, state="", subject=(measures.SUBJECT, found.pk)))})


def _action(request, measure, form_class, template, save, message, context=None):
    found = selectors.labelled(request.user, [selectors.measure_get(user=request.user,
                                                                    pk=measure)])[0]
    form = form_class(request.POST or None, initial={"version": found.version})
    return pages.submit(request, form, template, lambda data: save(found, data),
                        done=lambda _result: _done(found, message),
                        context={"measure": found, **(context or {})})


@require_http_methods(["GET", "POST"])
def measure_authorise(request, measure):
    return _action(request, measure, forms.AuthoriseForm, "oversight/measures/authorise.html",
                   lambda m, data: measures.measure_authorise(acting_user=request.user,
                                                              measure=m, **data),
                   _("The measure has been authorised."))


@require_http_methods(["GET", "POST"])
def measure_review(request, measure):
    return _action(request, measure, forms.ReviewForm, "oversight/measures/review.html",
                   lambda m, data: measures.measure_review(acting_user=request.user,
                                                           measure=m, **data),
                   _("The review has been recorded."))


@require_http_methods(["GET", "POST"])
def measure_end(request, measure):
    return _action(request, measure, forms.EndForm, "oversight/measures/end.html",
                   lambda m, data: measures.measure_end(acting_user=request.user, measure=m,
                                                        **data),
                   _("The measure has ended."))


@require_http_methods(["GET", "POST"])
def measure_day(request, measure):
    found = selectors.labelled(request.user, [selectors.measure_get(user=request.user,
                                                                    pk=measure)])[0]
    form = forms.DayForm(request.POST or None)
    return pages.submit(request, form, "oversight/measures/day.html",
                        lambda data: measures.daily_record(acting_user=request.user,
                                                           measure=found, **data),
                        done=lambda record: _done(found, _("The day has been recorded.")),
                        context={"measure": found, "daily": found.kind in DAILY_KINDS})


@require_http_methods(["GET", "POST"])
def day_correct(request, daily_record):
    record = selectors.daily_record_get(user=request.user, pk=daily_record)
    found = selectors.labelled(request.user, [record.measure])[0]
    initial = {"version": record.version, "hours_without_contact": record.hours_without_contact,
               "exercise_minutes": record.exercise_minutes, "health_visit": record.health_visit,
               "contacts": record.contacts}
    form = forms.DayCorrectForm(request.POST or None, initial=initial)
    return pages.submit(request, form, "oversight/measures/day_correct.html",
                        lambda data: measures.daily_record_correct(acting_user=request.user,
                                                                   record=record, **data),
                        done=lambda _r: _done(found, _("The day has been corrected.")),
                        context={"measure": found, "record": record})


@require_GET
def flag_list(request):
    user = request.user
    form = forms.FlagFilterForm(request.GET or None, facility_ids=scoping.facilities(user),
                                codes=[(c, selectors.code_label(c))
                                       for c in selectors.flag_codes(user=user)])
    page = pages.page_of(request, selectors.flag_list(user=user, **form.filters()))
    page.object_list = selectors.described(user, page.object_list)
    return render(request, "oversight/flags/list.html", {"form": form, "page": page})


@require_http_methods(["GET", "POST"])
def flag_detail(request, flag):
    found = selectors.described(request.user, [selectors.flag_get(user=request.user,
                                                                  pk=flag)])[0]
    form = forms.ResolveForm(request.POST or None)
    return pages.submit(request, form, "oversight/flags/detail.html",
                        lambda data: flags.flag_resolve(acting_user=request.user, flag=found,
                                                        **data),
                        done=lambda _f: (reverse("oversight:flag", kwargs={"flag": found.pk}),
                                         _("The flag has been resolved.")),
                        context={"flag": found,
                                 "may_resolve": flags.may_resolve(request.user, found)})


urlpatterns = [
    path("oversight/measures/", register, name="measures"),
    path("oversight/measures/new/", measure_new, name="measure_new"),
    path("oversight/measures/<int:measure>/", measure_detail, name="measure"),
    path("oversight/measures/<int:measure>/authorise/", measure_authorise,
         name="measure_authorise"),
    path("oversight/measures/<int:measure>/review/", measure_review, name="measure_review"),
    path("oversight/measures/<int:measure>/end/", measure_end, name="measure_end"),
    path("oversight/measures/<int:measure>/days/new/", measure_day, name="measure_day"),
    path("oversight/measures/days/<int:daily_record>/correct/", day_correct,
         name="measure_day_correct"),
    path("oversight/flags/", flag_list, name="flags"),
    path("oversight/flags/<int:flag>/", flag_detail, name="flag"),
]
