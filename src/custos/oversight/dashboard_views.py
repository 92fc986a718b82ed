"""The oversight dashboard and its exported report.

A facility outside the reader's reach answers 403 and the attempt is audited (facilities are
not secret: every role that reads figures sees the list of them); a facility that does not
exist answers 404. Bad filters answer 400 with the error on the field.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods

from custos.access import endpoints, policy
from custos.core import pages
from custos.core.errors import DomainError

from . import charts, dashboard, report
from . import dashboard_forms as forms

# The registers the dashboard links to, section by section (each shown when it exists and
# the reader may open it).
REGISTERS = {"measures": "oversight:measures", "flags": "oversight:flags",
             "discipline": "oversight:charges", "cases": "oversight:cases",
             "complaints": "oversight:complaints", "recommendations": "oversight:monitoring"}


def register_links(user) -> dict[str, str]:
    links = {}
    for section, name in REGISTERS.items():
        try:
            url = reverse(name)
            needed = endpoints.required(name, "GET")
        except (NoReverseMatch, endpoints.NotInTable):
            continue
        if needed in (endpoints.PUBLIC, endpoints.SIGNED_IN) or policy.can(user, needed):
            links[section] = url
    return links


@require_GET
def dashboard_page(request):
    facilities = dashboard.facilities_of(request.user)
    default = dashboard.Period.last_months()
    form = forms.FiguresForm(request.GET or None, facilities=facilities,
                             initial={"start": default.start, "end": default.end})
    context, status = {"form": form, "links": register_links(request.user)}, 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        try:
            figures = dashboard.figures(user=request.user, facility_id=data.get("facility"),
                                        period=form.period() if form.is_bound else None)
        except DomainError as error:
            status = pages.refused(request, form, error)
        else:
            rtl = translation.get_language_bidi()
            context.update(f=figures, charts=charts.dashboard_charts(figures, rtl=rtl))
    return render(request, "oversight/dashboard/page.html", context, status=status)


@require_http_methods(["GET", "POST"])
def report_page(request):
    facilities = dashboard.facilities_of(request.user)
    default = dashboard.Period.last_months()
    form = forms.ReportForm(request.POST or None, facilities=facilities,
                            initial={"start": default.start, "end": default.end})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = report.report_export(
                    acting_user=request.user, facility_id=data["facility"],
                    period=form.period(), fmt=data["format"], purpose=data["purpose"],
                    recipients=data["recipients"])
            except DomainError as error:
                status = pages.refused(request, form, error)
            else:
                response = HttpResponse(made.content, content_type=made.content_type)
                response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
                patch_cache_control(response, private=True, no_store=True)
                return response
    return render(request, "oversight/dashboard/report.html", {"form": form}, status=status)


urlpatterns: list = [
    path("oversight/", dashboard_page, name="dashboard"),
    path("oversight/report/", report_page, name="report"),
]
