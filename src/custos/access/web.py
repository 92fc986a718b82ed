"""The access policy for pages."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login

from . import policy


def requires(permission: str):
    """A page for users who hold `permission` in at least one facility; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            policy.require(request.user, permission, target=request.path)
            return view(request, *args, **kwargs)

        wrapper.custos_permission = permission
        return wrapper

    return decorator
