from . import policy


def access(request):
    """Lets templates ask `perms_custos.custody_place` without reaching into the policy."""
    user = getattr(request, "user", None)

    class _Perms:
        def __getattr__(self, name: str) -> bool:
            permission = name.replace("_", ".", 1)
            return permission in policy.PERMISSIONS and policy.can(user, permission)

    return {"perms_custos": _Perms(), "custos_roles": sorted(policy.roles_of(user))}
