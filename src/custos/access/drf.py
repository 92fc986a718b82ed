"""The access policy for API endpoints: each viewset names its read and write permissions."""

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from . import policy


class Policy(BasePermission):
    """Lets a request through when the user holds the endpoint's permission somewhere.

    Rows are narrowed further by the selectors; writes are checked again, per facility, by
    the services.
    """

    def has_permission(self, request, view) -> bool:
        read = getattr(view, "read_permission", None)
        if read is None:  # the schema and its docs: any signed-in user
            return True
        permission = read if request.method in SAFE_METHODS else (
            getattr(view, "write_permissions", {}).get(view.action) or read)
        if policy.can(request.user, permission):
            return True
        raise policy.AccessDenied(
            _("You do not have permission to do this."), permission=permission,
            target=request.path)
