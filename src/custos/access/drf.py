"""API endpoints go through the endpoint table (`access.endpoints`), like pages."""

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from . import endpoints, policy


class Policy(BasePermission):
    """Lets a request through when the user holds the endpoint's permission somewhere.

    Rows are narrowed further by the selectors; writes are checked again, per facility and
    prisoner, by the services.
    """

    def has_permission(self, request, view) -> bool:
        view_name = request.resolver_match.view_name
        try:
            needed = endpoints.required(view_name, request.method)
        except endpoints.NotInTable:
            if view_name in endpoints.ENDPOINTS:
                return True  # DRF answers 405 for a method the endpoint does not have
            raise policy.AccessDenied(_("This endpoint is not in the access table."),
                                      permission="(none)", target=view_name) from None
        if needed in (endpoints.PUBLIC, endpoints.SIGNED_IN) or policy.can(request.user, needed):
            return True
        raise policy.AccessDenied(_("You do not have permission to do this."),
                                  permission=needed, target=request.path)
