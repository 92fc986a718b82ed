"""What every form page shares: a form posted to a service, refusals shown on the field
they name (400) or as a message (409/422), and success redirected with a message.

    def measure_new(request):
        form = forms.MeasureForm(request.POST or None, ...)
        return pages.submit(request, form, "oversight/measures/new.html",
                            lambda data: measures.measure_impose(acting_user=request.user,
                                                                 **data),
                            done=lambda m: (reverse("oversight:measure", args=[m.pk]),
                                            _("The measure has been recorded.")))
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from custos.core.errors import DomainError

PER_PAGE = 25


def refused(request, form, error: DomainError) -> int:
    """Put a refusal on the field it names, or above the form; return the status to answer."""
    if error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
    elif error.status in (409, 422):
        messages.error(request, error.message)
    else:
        form.add_error(None, error.message)
    return error.status


def submit(request, form, template: str, save: Callable, *, done: Callable,
           context: dict | Callable[[], dict] | None = None):
    """GET shows `form`; POST validates it, calls `save(cleaned_data)` and redirects to the
    URL `done(result)` returns with its message, or shows the form again with the refusal.
    `context` is the rest of the page, or a function that makes it (called only to render)."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = save(form.cleaned_data)
            except DomainError as error:
                status = refused(request, form, error)
            else:
                url, message = done(result)
                messages.success(request, message)
                return redirect(url)
    rest = context() if callable(context) else context
    return render(request, template, {"form": form, **(rest or {})}, status=status)


def page_of(request, queryset, per_page: int = PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
