"""Intelligence pages: thin adapters over `services` and `selectors`.

The access middleware checks every page against the endpoint table; the selectors narrow
what each user may see, so a report of another facility or of a compartment the user is not
in answers 404, like one that does not exist. Every page showing a report, a source, a person,
a dissemination or an alert records the read.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from custos.access import policy
from custos.audit import trail
from custos.core import pages
from custos.core.errors import DomainError
from custos.custody.models import Facility
from custos.custody.selectors import prisoner_list_visible_to

from . import alerts, forms, grading, parties, selectors, services
from .models import Party, ReportStatus

VIEW, ANALYSE = selectors.VIEW, services.ANALYSE
PER_PAGE = 25
TO_GRADE = 20
OWN_OBSERVATIONS = 20


def _facilities(user, permission: str):
    where = policy.facilities_for(user, permission)
    found = Facility.objects.order_by("code")
    return found if where is policy.ALL else found.filter(pk__in=sorted(where))


def grading_of(report) -> dict | None:
    """The report's grades in short ("1/A/P") and in words, on the scheme it was graded under."""
    if report.status != ReportStatus.GRADED or not report.scheme:
        return None
    scheme = grading.scheme_of(report.scheme)
    parts = [(_("Source evaluation"), report.source_evaluation,
              scheme.source_evaluation.get(report.source_evaluation, "")),
             (_("Intelligence assessment"), report.intelligence_assessment,
              scheme.intelligence_assessment.get(report.intelligence_assessment, "")),
             (_("Handling code"), report.handling_code,
              scheme.handling_labels().get(report.handling_code, ""))]
    parts = [(name, code, _(label) if label else "") for name, code, label in parts]
    return {"code": "/".join(code for _n, code, _l in parts), "scheme": scheme.name,
            "parts": parts, "title": "; ".join(f"{code}: {label}" for _n, code, label in parts)}


def _graded(reports) -> list:
    reports = list(reports)
    for report in reports:
        report.grading = grading_of(report)
    return reports


# --- the analysts' desk and reports --------------------------------------------------------

@require_GET
def home(request):
    user = request.user
    form = forms.ReportSearchForm(request.GET or None, user=user,
                                  compartments=selectors.compartments_of(user=user))
    if not request.GET:
        reports = selectors.report_search(user=user)
    elif form.is_valid():
        reports = selectors.report_search(user=user, **form.search_arguments())
    else:
        reports = selectors.report_list_visible_to(user=user).none()
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _graded(page.object_list)
    waiting = selectors.report_list_visible_to(user=user).filter(status=ReportStatus.SUBMITTED)
    return render(request, "intelligence/home.html", {
        "form": form, "page": page,
        "to_grade": waiting[:TO_GRADE], "to_grade_count": waiting.count(),
        "open_alerts": selectors.alerts_visible_to(user=user).filter(
            closed_at__isnull=True).count()})


def _report_form(request):
    user = request.user
    return forms.ReportForm(request.POST or None, user=user,
                            facilities=_facilities(user, ANALYSE),
                            sources=selectors.sources_for_reports(user=user),
                            compartments=selectors.compartments_of(user=user))


@require_http_methods(["GET", "POST"])
def report_new(request):
    form = _report_form(request)
    return pages.submit(
        request, form, "intelligence/report_new.html",
        lambda _data: services.report_create(acting_user=request.user,
                                             **form.service_arguments()),
        done=lambda report: (reverse("intelligence:report", kwargs={"pk": report.pk}),
                             _("Report %(reference)s has been created.")
                             % {"reference": report.reference}))


@require_http_methods(["GET", "POST"])
def report_detail(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    if request.method == "GET":
        return _report_page(request, report)
    form = forms.GradeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.report_grade(acting_user=request.user, report=report,
                                  version=form.cleaned_data["version"], grades=form.grades())
        except DomainError as error:
            status = pages.refused(request, form, error)
        else:
            messages.success(request, _("The grading has been saved."))
            return redirect("intelligence:report", pk=report.pk)
    return _report_page(request, report, grade_form=form, status=status)


@require_POST
def report_disseminate(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    form = forms.DisseminateForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            made = services.disseminate(acting_user=request.user, report=report,
                                        **form.cleaned_data)
        except DomainError as error:
            status = pages.refused(request, form, error)
        else:
            messages.success(request, _("Disseminated to %(recipients)s.")
                             % {"recipients": made.recipients})
            return redirect("intelligence:report", pk=report.pk)
    return _report_page(request, report, share_form=form, status=status)


def _sharing(report) -> tuple[bool, str]:
    """Whether a sanitised version may be made, and if not, why not."""
    if report.status != ReportStatus.GRADED:
        return False, _("Grade the report before disseminating it.")
    scheme = grading.scheme_of(report.scheme)
    if scheme.handling.get(report.handling_code) is None or \
            scheme.sharing(report.handling_code) == grading.SHARE_NO:
        return False, _("Handling code %(code)s (%(label)s) does not allow dissemination "
                        "outside the intelligence unit.") % {
            "code": report.handling_code,
            "label": _(scheme.handling_labels().get(report.handling_code, "?"))}
    return True, ""


def _report_page(request, report, *, grade_form=None, share_form=None, status=200):
    user = request.user
    if status == 409:  # someone changed it: show the report as it is now, with a fresh form
        report, grade_form = selectors.report_get(user=user, pk=report.pk), None
    trail.record(user, "intelligence.report_view", report)
    may_analyse = policy.can(user, ANALYSE, facility_id=report.facility_id)
    can_share, why_not = _sharing(report)
    grades = {"version": report.version}
    if report.scheme == grading.current().code:
        grades.update(source_evaluation=report.source_evaluation,
                      intelligence_assessment=report.intelligence_assessment,
                      handling_code=report.handling_code,
                      handling_conditions=report.handling_conditions)
    return render(request, "intelligence/report.html", {
        "report": report, "grading": grading_of(report), "may_analyse": may_analyse,
        "prisoners": report.prisoners.order_by("prison_number"),
        "people": report.people.order_by("name"),
        "disseminations": selectors.disseminations_of(user=user, report=report),
        "grade_form": grade_form or forms.GradeForm(initial=grades),
        "can_share": can_share, "why_not": why_not,
        "share_form": share_form or forms.DisseminateForm(
            initial={"handling_conditions": report.handling_conditions}),
    }, status=status)


# --- wing observations ---------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def observe(request):
    user = request.user
    form = forms.ObservationForm(request.POST or None, user=user,
                                 facilities=_facilities(user, services.OBSERVE))
    own = selectors.observations_by(user=user).order_by("-created_at", "-pk")
    return pages.submit(
        request, form, "intelligence/observe.html",
        lambda data: services.observation_create(acting_user=user, **data),
        done=lambda report: (reverse("intelligence:observe"), _(
            "Thank you. Your observation is filed as %(reference)s.")
            % {"reference": report.reference}),
        context={"observations": own[:OWN_OBSERVATIONS]})


# --- what was disseminated, for its recipients ---------------------------------------------

@require_GET
def disseminated(request):
    found = selectors.dissemination_list_visible_to(user=request.user)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "intelligence/disseminated.html", {"page": page})


@require_http_methods(["GET", "POST"])
def dissemination_detail(request, pk):
    made = selectors.dissemination_get(user=request.user, pk=pk)
    form = forms.ReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                reply = services.dissemination_reply(acting_user=request.user,
                                                     dissemination=made, **form.cleaned_data)
            except DomainError as error:
                status = pages.refused(request, form, error)
            else:
                messages.success(request, _("Your reply has reached the analysts (%(reference)s).")
                                 % {"reference": reply.reference})
                return redirect("intelligence:dissemination", pk=made.pk)
    trail.record(request.user, "intelligence.dissemination_view", made)
    scheme = grading.scheme_of(made.report.scheme)
    label = scheme.handling_labels().get(made.handling_code, "")
    return render(request, "intelligence/dissemination.html", {
        "made": made, "handling_label": _(label) if label else "", "form": form},
        status=status)


# --- sources, for the source handler -------------------------------------------------------

@require_http_methods(["GET", "POST"])
def sources(request):
    user = request.user
    form = forms.SourceForm(request.POST or None,
                            facilities=_facilities(user, services.SOURCES))
    return pages.submit(
        request, form, "intelligence/sources.html",
        lambda data: services.source_create(acting_user=user, **data),
        done=lambda source: (reverse("intelligence:source", kwargs={"pk": source.pk}),
                             _("Source %(reference)s registered.")
                             % {"reference": source.reference}),
        context={"sources": selectors.source_list_visible_to(user=user)})


SOURCE_ACTIONS = ("identity", "deactivate")


@require_http_methods(["GET", "POST"])
def source_detail(request, pk):
    """The identity is shown only in the answer to a POST with a reason, never on a GET."""
    source = selectors.source_get(user=request.user, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    reason_forms = {name: forms.ReasonForm(request.POST if action == name else None,
                                           prefix=name) for name in SOURCE_ACTIONS}
    identity, status = "", 200
    if request.method == "POST":
        status = 400
        form = reason_forms.get(action)
        if form is None:
            messages.error(request, _("Choose what to do."))
        elif form.is_valid():
            try:
                if action == "identity":
                    identity = services.source_identity(
                        acting_user=request.user, source=source,
                        reason=form.cleaned_data["reason"])
                    reason_forms["identity"], status = forms.ReasonForm(prefix="identity"), 200
                else:
                    services.source_deactivate(acting_user=request.user, source=source,
                                               reason=form.cleaned_data["reason"])
                    messages.success(request, _("The source is now inactive."))
                    return redirect("intelligence:source", pk=source.pk)
            except DomainError as error:
                status = pages.refused(request, form, error)
    trail.record(request.user, "intelligence.source_view", source)
    response = render(request, "intelligence/source.html", {
        "source": source, "identity": identity, "identity_form": reason_forms["identity"],
        "deactivate_form": reason_forms["deactivate"]}, status=status)
    patch_cache_control(response, no_store=True, private=True)
    return response


# --- compartments --------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def compartments(request):
    return pages.submit(
        request, forms.CompartmentForm(request.POST or None), "intelligence/compartments.html",
        lambda data: services.compartment_create(acting_user=request.user, **data),
        done=lambda made: (reverse("intelligence:compartment", kwargs={"pk": made.pk}), _(
            "Compartment %(name)s created; you are its first member.") % {"name": made.name}),
        context=lambda: {"compartments": selectors.compartments_of(user=request.user)})


@require_http_methods(["GET", "POST"])
def compartment_detail(request, pk):
    compartment = selectors.compartment_get(user=request.user, pk=pk)
    form = forms.MemberForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.compartment_member_add(acting_user=request.user,
                                                compartment=compartment,
                                                user=form.cleaned_data["username"])
            except DomainError as error:
                if error.field == "user":
                    error.field = "username"
                status = pages.refused(request, form, error)
            else:
                messages.success(request, _("Member added."))
                return redirect("intelligence:compartment", pk=compartment.pk)
    members = compartment.members.filter(ended_at__isnull=True).select_related(
        "user", "added_by").order_by("added_at")
    return render(request, "intelligence/compartment.html", {
        "compartment": compartment, "members": members, "form": form}, status=status)


# --- people outside the service ------------------------------------------------------------

@require_GET
def people(request):
    form = forms.PeopleSearchForm(request.GET or None)
    found = selectors.people_visible_to(user=request.user)
    if form.is_valid() and form.cleaned_data["q"].strip():
        q = form.cleaned_data["q"].strip()
        found = found.filter(Q(name__icontains=q) | Q(identifiers__value__icontains=q))
    page = Paginator(found.distinct().order_by("name", "pk"), PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "intelligence/people.html", {"form": form, "page": page})


def network_url(party_id: int | None) -> str:
    """The network view of a party, wherever that page is mounted."""
    if party_id is None:
        return ""
    try:
        base = reverse("intelligence:network")
    except NoReverseMatch:
        base = "/intelligence/network/"
    return f"{base}?party={party_id}"


@require_http_methods(["GET", "POST"])
def person_detail(request, pk):
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    form = forms.FlagForm(request.POST or None, compartments=selectors.compartments_of(user=user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.flag_create(acting_user=user, party=services.party_of(person=person),
                                     **form.cleaned_data)
            except DomainError as error:
                status = pages.refused(request, form, error)
            else:
                messages.success(request, _("The person is flagged."))
                return redirect("intelligence:person", pk=person.pk)
    trail.record(user, "intelligence.person_view", person)
    party = Party.objects.filter(person=person).values_list("pk", flat=True).first()
    related = None
    if person.related_prisoner_id:
        related = prisoner_list_visible_to(user=user).filter(
            pk=person.related_prisoner_id).first()
    return render(request, "intelligence/person.html", {
        "person": person, "identifiers": person.identifiers.order_by("kind", "value"),
        "related": related, "network": network_url(party), "form": form,
        "flags": selectors.flags_visible_to(user=user).filter(
            party__person=person).order_by("ended_at", "-created_at"),
        "reports": _graded(selectors.report_list_visible_to(user=user).filter(
            people=person).distinct()[:50])}, status=status)


# --- alerts --------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def alert_list(request):
    user = request.user
    form = forms.AlertRuleForm(request.POST or None, facilities=_facilities(user, ANALYSE),
                               compartments=selectors.compartments_of(user=user))

    def created(rule):
        raised = alerts.raise_alerts(rules=[rule], actor=user)
        return reverse("intelligence:alerts"), ngettext(
            "Rule “%(name)s” created: %(count)d alert raised.",
            "Rule “%(name)s” created: %(count)d alerts raised.", raised) % {
            "name": rule.name, "count": raised}

    def rest():
        found = list(selectors.alerts_visible_to(user=user).filter(
            closed_at__isnull=True)[:100])
        names = parties.labels([p for a in found for p in (a.subject_id, a.other_id)])
        return {"alerts": [(a, alerts.explanation_text(a, names)) for a in found],
                "rules": selectors.alert_rules_visible_to(user=user).order_by("name", "pk")}

    return pages.submit(
        request, form, "intelligence/alerts.html",
        lambda _data: services.alert_rule_create(acting_user=user, **form.service_arguments()),
        done=created, context=rest)


@require_http_methods(["GET", "POST"])
def alert_detail(request, pk):
    user = request.user
    alert = selectors.alert_get(user=user, pk=pk)
    form = forms.ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.alert_close(acting_user=user, alert=alert,
                                     reason=form.cleaned_data["reason"])
            except DomainError as error:
                status = pages.refused(request, form, error)
            else:
                messages.success(request, _("The alert is closed."))
                return redirect("intelligence:alert", pk=alert.pk)
    trail.record(user, "intelligence.alert_view", alert)
    events = list(selectors.communications_visible_to(user=user).filter(
        pk__in=[int(e) for e in alert.events]).select_related("facility").order_by(
        "occurred_at", "id"))
    names = parties.labels([alert.subject_id, alert.other_id,
                            *(p for e in events for p in (e.from_party_id, e.to_party_id))])
    return render(request, "intelligence/alert.html", {
        "alert": alert, "explanation": alerts.explanation_text(alert, names), "form": form,
        "events": [(e, names.get(e.from_party_id, "?"), names.get(e.to_party_id, "?"))
                   for e in events]}, status=status)


# --- the prisoner's file -------------------------------------------------------------------

def file_section(request, prisoner) -> dict | None:
    """Reports naming the prisoner, for analysts only; nothing at all for anyone else."""
    if not policy.can(request.user, VIEW):
        return None
    return {"reports": _graded(selectors.reports_about(user=request.user,
                                                       prisoner=prisoner).distinct()[:50])}
