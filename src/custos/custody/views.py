"""Pages of the custody record: thin adapters over selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from custos.access import policy, redaction
from custos.access import selectors as access_selectors
from custos.audit import trail
from custos.core.errors import DomainError
from custos.core.exports import csv_response

from . import facility_links, file_sections, forms, selectors, services


def _apply(form, error: DomainError) -> None:
    """Show a refusal on the field it names, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def dashboard(request):
    rows = selectors.facility_occupancy(user=request.user)
    totals = {
        "capacity": sum(o.capacity for _f, o, _b in rows),
        "population": sum(o.population for _f, o, _b in rows),
    }
    totals["percent"] = (round(100 * totals["population"] / totals["capacity"], 1)
                         if totals["capacity"] else None)
    return render(request, "custody/dashboard.html", {"rows": rows, "totals": totals})


def facility_detail(request, code):
    facility = selectors.facility_get(user=request.user, code=code)
    units = selectors.unit_occupancy(facility=facility)
    unit = None
    cells = []
    if request.GET.get("unit") and policy.can(request.user, "custody.view",
                                              facility_id=facility.pk):
        unit = get_object_or_404(facility.units, code=request.GET["unit"])
        cells = selectors.cells_with_occupants(user=request.user, unit=unit)
    return render(request, "custody/facility.html",
                  {"facility": facility, "units": units, "unit": unit, "cells": cells,
                   "links": facility_links.collect(request, facility)})


def prisoner_search(request):
    query = request.GET.get("q", "")
    include_released = request.GET.get("released") == "1"
    results = selectors.prisoner_search(user=request.user, query=query,
                                        include_released=include_released)
    template = ("custody/_search_results.html" if request.headers.get("HX-Request")
                else "custody/search.html")
    return render(request, template, {"query": query, "results": results,
                                      "include_released": include_released})


def prisoner_detail(request, pk):
    prisoner = selectors.prisoner_file(user=request.user, prisoner_id=pk)
    trail.record(request.user, "prisoner.view", prisoner)
    hidden = redaction.hidden_fields(request.user, "custody.prisoner",
                                     facility_id=prisoner.facility_id, prisoner_id=prisoner.pk)
    keep_aparts = selectors.keep_aparts_of(prisoner=prisoner)
    today = timezone.localdate()
    opened = access_selectors.break_glass_of(user=request.user, prisoner=prisoner)
    return render(request, "custody/prisoner.html", {
        "prisoner": prisoner, "hidden": hidden, "today": today, "break_glass": opened,
        "allocations": access_selectors.allocations_of(prisoner=prisoner),
        "sections": file_sections.collect(request, prisoner),
        "names": list(prisoner.names.all()), "placements": list(prisoner.placements.all()),
        "keep_aparts": [(k, k.is_active(today)) for k in keep_aparts],
        "may": {p: policy.can(request.user, f"custody.{p}", facility_id=prisoner.facility_id)
                for p in ("place", "keep_apart", "release", "edit", "allocate")},
    })


@require_http_methods(["GET", "POST"])
def prisoner_admit(request):
    facilities = policy.scope(request.user, "custody.admit",
                              selectors.facility_list_visible_to(user=request.user),
                              facility_field="pk")
    hidden = redaction.hidden_fields(request.user, "custody.prisoner")
    form = forms.AdmitForm(request.POST or None, facilities=facilities, hidden=hidden,
                           initial={"admitted_at": timezone.localtime().replace(second=0,
                                                                               microsecond=0)})
    family = forms.FamilyFormSet(request.POST or None, prefix="family")
    if request.method == "POST" and form.is_valid() and family.is_valid():
        members = [f.cleaned_data for f in family if f.cleaned_data.get("name")]
        try:
            prisoner = services.prisoner_admit(acting_user=request.user,
                                               **form.service_arguments(members))
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, _("%(who)s has been admitted.") % {"who": prisoner})
            return redirect("custody:prisoner", pk=prisoner.pk)
    return render(request, "custody/admit.html", {"form": form, "family": family})


@require_http_methods(["GET", "POST"])
def prisoner_export(request):
    """CSV of visible prisoners; every export logs its justification and recipients."""
    facilities = selectors.facility_list_visible_to(user=request.user)
    form = forms.ExportForm(request.POST or None, facilities=facilities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        header, rows = selectors.prisoner_export(
            user=request.user, facility=data["facility"],
            include_released=data["include_released"])
        trail.record(request.user, "prisoner.export", object_type="custody.prisoner",
                     object_repr=str(data["facility"] or _("all visible facilities"))[:200],
                     reason=data["reason"], recipients=data["recipients"],
                     changes={"fields": header, "include_released": data["include_released"]})
        return csv_response("prisoners.csv", header, rows)
    return render(request, "custody/export.html", {"form": form})


def _prisoner_for(request, pk, permission):
    prisoner = selectors.prisoner_file(user=request.user, prisoner_id=pk)
    policy.require(request.user, permission, facility_id=prisoner.facility_id, target=str(pk))
    return prisoner


@require_http_methods(["GET", "POST"])
def prisoner_place(request, pk):
    prisoner = _prisoner_for(request, pk, "custody.place")
    may_override = policy.can(request.user, "custody.override_capacity",
                              facility_id=prisoner.facility_id)
    form = forms.PlaceForm(request.POST or None, initial={"version": prisoner.version},
                           cells=selectors.cells_for_placement(user=request.user,
                                                               prisoner=prisoner),
                           may_override=may_override)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.placement_create(
                acting_user=request.user, prisoner=prisoner, cell=data["cell"],
                reason=data["reason"], expected_version=data["version"],
                overcrowding_override=data.get("overcrowding_override", False),
                override_reason=data.get("override_reason", ""))
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, _("%(who)s is now in cell %(cell)s.")
                             % {"who": prisoner, "cell": data["cell"]})
            return redirect("custody:prisoner", pk=prisoner.pk)
    return render(request, "custody/place.html", {"prisoner": prisoner, "form": form})


@require_http_methods(["GET", "POST"])
def keep_apart_create(request, pk):
    prisoner = _prisoner_for(request, pk, "custody.keep_apart")
    form = forms.KeepApartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        other = selectors.prisoner_list_visible_to(user=request.user).filter(
            prison_number=data["other"].strip()).first()
        if other is None:
            form.add_error("other", _("No prisoner with this number is visible to you."))
        else:
            try:
                order = services.keep_apart_create(
                    acting_user=request.user, prisoner_a=prisoner, prisoner_b=other,
                    reason=data["reason"], level=data["level"], details=data["details"],
                    expires_on=data["expires_on"])
            except DomainError as error:
                _apply(form, error)
            else:
                messages.success(request, _("Keep-apart order recorded."))
                if services.keep_apart_breaches(order):
                    messages.warning(request, _(
                        "These two prisoners are together now, which the order forbids: "
                        "move one of them."))
                return redirect("custody:prisoner", pk=prisoner.pk)
    return render(request, "custody/keep_apart.html", {"prisoner": prisoner, "form": form})


@require_http_methods(["GET", "POST"])
def keep_apart_close(request, pk):
    visible = selectors.keep_apart_list_visible_to(user=request.user)
    order = visible.filter(pk=pk).first()
    if order is None:
        raise Http404
    policy.require(request.user, "custody.keep_apart", facility_id=order.prisoner_a.facility_id)
    form = forms.CloseForm(request.POST or None, initial={"version": order.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.keep_apart_close(acting_user=request.user, order=order,
                                      reason=form.cleaned_data["reason"],
                                      expected_version=form.cleaned_data["version"])
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, _("Keep-apart order closed."))
            return redirect("custody:prisoner", pk=order.prisoner_a_id)
    return render(request, "custody/keep_apart_close.html", {"order": order, "form": form})


@require_http_methods(["GET", "POST"])
def prisoner_edit(request, pk):
    prisoner = _prisoner_for(request, pk, "custody.edit")
    hidden = redaction.hidden_fields(request.user, "custody.prisoner",
                                     facility_id=prisoner.facility_id, prisoner_id=prisoner.pk)
    initial = {name: getattr(prisoner, name) for name in services.EDITABLE_FIELDS}
    may_place = prisoner.current_cell_id and policy.can(
        request.user, "custody.place", facility_id=prisoner.facility_id)
    form = forms.PrisonerEditForm(
        request.POST or None, hidden=hidden, initial={**initial, "version": prisoner.version},
        cells=selectors.cells_for_placement(user=request.user, prisoner=prisoner)
        if may_place else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.prisoner_update(acting_user=request.user, prisoner=prisoner,
                                     expected_version=form.cleaned_data["version"],
                                     changes=form.changes(prisoner),
                                     cell=form.cleaned_data.get("cell"))
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, _("The file has been updated."))
            return redirect("custody:prisoner", pk=prisoner.pk)
    return render(request, "custody/edit.html", {"prisoner": prisoner, "form": form})


@require_http_methods(["GET", "POST"])
def prisoner_name_add(request, pk):
    prisoner = _prisoner_for(request, pk, "custody.edit")
    form = forms.NameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.prisoner_name_add(acting_user=request.user, prisoner=prisoner,
                                       **form.cleaned_data)
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, _("Name added."))
            return redirect("custody:prisoner", pk=prisoner.pk)
    return render(request, "custody/name_add.html", {"prisoner": prisoner, "form": form})


@require_http_methods(["GET", "POST"])
def prisoner_release(request, pk):
    prisoner = _prisoner_for(request, pk, "custody.release")
    form = forms.ReleaseForm(request.POST or None, initial={
        "version": prisoner.version,
        "released_at": timezone.localtime().replace(second=0, microsecond=0)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.prisoner_release(acting_user=request.user, prisoner=prisoner,
                                      released_at=data["released_at"], reason=data["reason"],
                                      expected_version=data["version"])
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, _("%(who)s has been released.") % {"who": prisoner})
            return redirect("custody:prisoner", pk=prisoner.pk)
    return render(request, "custody/release.html", {"prisoner": prisoner, "form": form})


