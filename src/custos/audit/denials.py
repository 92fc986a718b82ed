"""Denied access is audited after the refused transaction has rolled back."""

from custos.access.policy import AccessDenied

from . import trail


def record_denial(request, error: AccessDenied) -> None:
    trail.record(request.user, "access.denied", object_type="endpoint",
                 object_id=error.target[:64] or request.path[:64],
                 object_repr=f"{request.method} {request.path}"[:200],
                 changes={"permission": error.permission})


class DenialMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, AccessDenied):
            record_denial(request, exception)
        return None
