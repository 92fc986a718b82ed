from . import policy
from .roles import Role


def access(request):
    """Lets templates ask `perms_custos.custody_place` without reaching into the policy."""
    user = getattr(request, "user", None)

    class _Perms:
        def __getattr__(self, name: str) -> bool:
            permission = name.replace("_", ".", 1)
            return permission in policy.PERMISSIONS and policy.can(user, permission)

    labels = [str(Role(role).label) for role in sorted(policy.roles_of(user))]
    return {"perms_custos": _Perms(), "custos_roles": labels}
