"""Pages that widen a scope: break-glass openings and caseload allocations."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from custos.audit import trail
from custos.core.errors import DomainError
from custos.custody.models import Prisoner
from custos.custody.selectors import prisoner_file

from . import forms, policy, selectors, services
from .models import Allocation


@require_http_methods(["GET", "POST"])
def break_glass(request):
    form = forms.BreakGlassForm(request.POST or None,
                                initial={"prison_number": request.GET.get("number", "")})
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["prison_number"].strip()
        prisoner = Prisoner.objects.filter(prison_number=number).first()
        if prisoner is None:
            trail.record(request.user, "access.break_glass_miss", object_type="custody.prisoner",
                         object_repr=number[:200], reason=form.cleaned_data["reason"])
            form.add_error("prison_number", _("No prisoner has this number."))
        else:
            try:
                services.break_glass_open(acting_user=request.user, prisoner=prisoner,
                                          reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)
            else:
                return redirect("custody:prisoner", pk=prisoner.pk)
    return render(request, "access/break_glass.html", {"form": form})


def _allocatable(request, pk) -> Prisoner:
    prisoner = prisoner_file(user=request.user, prisoner_id=pk)
    policy.require(request.user, "custody.allocate", facility_id=prisoner.facility_id,
                   target=str(pk))
    return prisoner


@require_http_methods(["GET", "POST"])
def allocate(request, pk):
    prisoner = _allocatable(request, pk)
    form = forms.AllocationForm(request.POST or None,
                                staff=selectors.caseload_staff(facility_id=prisoner.facility_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_create(acting_user=request.user, prisoner=prisoner,
                                       **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Allocated."))
            return redirect("custody:prisoner", pk=prisoner.pk)
    return render(request, "access/allocate.html", {"prisoner": prisoner, "form": form})


@require_http_methods(["GET", "POST"])
def allocation_end(request, pk):
    allocation = get_object_or_404(Allocation.objects.current().select_related("prisoner", "user"),
                                   pk=pk)
    _allocatable(request, allocation.prisoner_id)
    form = forms.EndAllocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.allocation_end(acting_user=request.user, allocation=allocation,
                                reason=form.cleaned_data["reason"])
        messages.success(request, _("Allocation ended."))
        return redirect("custody:prisoner", pk=allocation.prisoner_id)
    return render(request, "access/allocation_end.html",
                  {"allocation": allocation, "form": form})


# Where each role starts: the first page in this list that the user may open.
START_PAGES = (
    ("custody.view_facilities", "custody:dashboard"),
    ("audit.view", "audit:list"),
    ("accounts.manage", "accounts:users"),
)


def home(request):
    """After sign-in: the first page the user's roles open, or a page saying there is none."""
    for permission, page in START_PAGES:
        if policy.can(request.user, permission):
            return redirect(page)
    return render(request, "access/home.html")
