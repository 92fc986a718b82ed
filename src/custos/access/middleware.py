"""Pages go through the endpoint table before their view runs."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseNotAllowed
from rest_framework.views import APIView

from . import endpoints, policy


def _is_api(view_func) -> bool:
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


class AccessPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or _is_api(view_func):
            return None  # the API's `Policy` permission class reads the same table
        try:
            needed = endpoints.required(match.view_name, request.method)
        except endpoints.NotInTable:
            allowed = endpoints.ENDPOINTS.get(match.view_name)
            if allowed:
                return HttpResponseNotAllowed(sorted(allowed))
            return _deny(request, policy.AccessDenied(
                "This page is not in the access table.", permission="(none)",
                target=match.view_name))
        if needed == endpoints.PUBLIC:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if needed == endpoints.SIGNED_IN or policy.can(request.user, needed):
            return None
        return _deny(request, policy.AccessDenied(
            "You do not have permission to see this page.", permission=needed,
            target=request.path))


def _deny(request, error: policy.AccessDenied):
    from django.views.defaults import permission_denied

    from custos.audit.denials import record_denial

    record_denial(request, error)
    return permission_denied(request, error)
