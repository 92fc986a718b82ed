"""THE endpoint table: for every page and API endpoint, the permission each method needs.

Pages are checked by `AccessPolicyMiddleware`, API endpoints by the `Policy` permission
class; both read this table, so it is the one place that says who may call what. An
endpoint missing here is refused (and the endpoint-matrix test fails), never left open.
Which roles hold a permission is `policy.PERMISSIONS`; which rows they then see is the
scopes' business (`policy.scope`).
"""

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user

ENDPOINTS: dict[str, dict[str, str]] = {
    # --- accounts and site ---
    "login": {"GET": PUBLIC, "POST": PUBLIC},
    "logout": {"POST": PUBLIC},
    "set_language": {"POST": PUBLIC},
    "schema": {"GET": SIGNED_IN},
    "api-docs": {"GET": SIGNED_IN},
    # --- custody pages ---
    "custody:dashboard": {"GET": "custody.view_facilities"},
    "custody:facility": {"GET": "custody.view_facilities"},
    "custody:search": {"GET": "custody.view"},
    "custody:admit": {"GET": "custody.admit", "POST": "custody.admit"},
    "custody:prisoner": {"GET": "custody.view"},
    "custody:edit": {"GET": "custody.edit", "POST": "custody.edit"},
    "custody:name_add": {"GET": "custody.edit", "POST": "custody.edit"},
    "custody:place": {"GET": "custody.place", "POST": "custody.place"},
    "custody:keep_apart": {"GET": "custody.keep_apart", "POST": "custody.keep_apart"},
    "custody:release": {"GET": "custody.release", "POST": "custody.release"},
    "custody:keep_apart_close": {"GET": "custody.keep_apart", "POST": "custody.keep_apart"},
    # --- custody API (/api/v1/) ---
    "facility-list": {"GET": "custody.view_facilities"},
    "facility-detail": {"GET": "custody.view_facilities"},
    "unit-list": {"GET": "custody.view_facilities"},
    "unit-detail": {"GET": "custody.view_facilities"},
    "cell-list": {"GET": "custody.view"},
    "cell-detail": {"GET": "custody.view"},
    "prisoner-list": {"GET": "custody.view", "POST": "custody.admit"},
    "prisoner-detail": {"GET": "custody.view", "PATCH": "custody.edit"},
    "prisoner-release": {"POST": "custody.release"},
    "placement-list": {"GET": "custody.view", "POST": "custody.place"},
    "placement-detail": {"GET": "custody.view"},
    "keep-apart-list": {"GET": "custody.view", "POST": "custody.keep_apart"},
    "keep-apart-detail": {"GET": "custody.view"},
    "keep-apart-close": {"POST": "custody.keep_apart"},
}


class NotInTable(LookupError):
    """An endpoint or method the table does not name: refused, never open by default."""


def required(view_name: str, method: str) -> str:
    """The permission (or PUBLIC / SIGNED_IN) that `method` on `view_name` needs."""
    method = "GET" if method in ("HEAD", "OPTIONS") else method
    try:
        return ENDPOINTS[view_name][method]
    except KeyError as missing:
        raise NotInTable(f"{method} {view_name}") from missing
