"""Every page and API endpoint, for every role: the answer is what the access policy says.

The expected answer is derived from the permission each endpoint declares (`@requires(...)`
on pages, `read_permission` on API viewsets) and the role table in `custos.access.policy`.
An endpoint that declares nothing fails here, so none can be added without a decision.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from custos.access.policy import PERMISSIONS
from custos.access.roles import Role
from custos.audit.models import AuditEntry
from custos.custody import services

from ..factories import PrisonerFactory, user_with_role

# Endpoints open to anyone, or to any signed-in user, by design.
PUBLIC = {"login", "logout", "set_language"}
ANY_SIGNED_IN = {"schema", "api-docs"}


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from walk(entry.url_patterns, prefix + namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry


def declared_permission(pattern: URLPattern) -> str | None:
    callback = pattern.callback
    if hasattr(callback, "custos_permission"):
        return callback.custos_permission
    view_class = getattr(callback, "cls", None)
    return getattr(view_class, "read_permission", None)


ENDPOINTS = sorted(walk(get_resolver().url_patterns), key=lambda item: item[0])


def test_every_endpoint_declares_a_permission():
    undeclared = [name for name, pattern in ENDPOINTS
                  if name not in PUBLIC | ANY_SIGNED_IN and declared_permission(pattern) is None]
    assert undeclared == []


@pytest.fixture
def world(facility, cell, director):
    prisoner = PrisonerFactory(facility=facility)
    placement = services.placement_create(acting_user=director, prisoner=prisoner, cell=cell,
                                          reason="x")
    other = PrisonerFactory(facility=facility)
    order = services.keep_apart_create(acting_user=director, prisoner_a=prisoner,
                                       prisoner_b=other, reason="rivals")
    return {"pk": prisoner.pk, "code": facility.code, "keep_apart": order.pk,
            "cell": cell.pk, "unit": cell.unit_id, "facility": facility.pk,
            "placement": placement.pk}


def url_for(name: str, pattern: URLPattern, world) -> str:
    from django.urls import reverse

    kwargs = {}
    for key in params(pattern):
        if key == "code":
            kwargs[key] = world["code"]
        elif name == "custody:keep_apart_close":
            kwargs[key] = world["keep_apart"]
        elif name.endswith("-detail") or name.endswith("-release") or name.endswith("-close"):
            resource = name.split("-")[0]
            kwargs[key] = {"facility": world["facility"], "unit": world["unit"],
                           "cell": world["cell"], "keep": world["keep_apart"],
                           "placement": world["placement"]}.get(
                resource, world["pk"])
        else:
            kwargs[key] = world["pk"]
    return reverse(name, kwargs=kwargs)


def params(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def calls(name: str, pattern: URLPattern):
    """(method, permission) pairs to try: every GET, and every API write with an empty body."""
    actions = getattr(pattern.callback, "actions", None)
    if actions is None:
        yield "get", declared_permission(pattern)
        return
    view_class = pattern.callback.cls
    for method, action in actions.items():
        if method == "get":
            yield "get", view_class.read_permission
        elif method in ("post", "patch"):
            yield method, view_class.write_permissions[action]


CASES = [(name, pattern, method, permission)
         for name, pattern in ENDPOINTS
         if name not in PUBLIC | ANY_SIGNED_IN and "format" not in params(pattern)
         for method, permission in calls(name, pattern)]
GET_ENDPOINTS = [(n, p) for n, p, m, _ in CASES if m == "get"]


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("name,pattern,method,permission", CASES,
                         ids=[f"{m} {n}" for n, _, m, _ in CASES])
def test_role_gets_what_the_policy_says(client, world, facility, role, name, pattern, method,
                                        permission):
    user = user_with_role(role, facility, username=f"m-{role}")
    client.force_login(user)
    allowed = role in PERMISSIONS[permission]
    denials_before = AuditEntry.objects.filter(action="access.denied").count()
    entries_before = AuditEntry.objects.count()

    response = getattr(client, method)(url_for(name, pattern, world), data={},
                                       content_type="application/json")

    if not allowed:
        assert response.status_code == 403, (role, name, response.status_code)
        assert AuditEntry.objects.filter(action="access.denied").count() == denials_before + 1
        assert AuditEntry.objects.count() == entries_before + 1  # the denial, nothing else
    elif method == "get":
        assert response.status_code == 200, (role, name, response.status_code)
    else:  # allowed to write: the empty body is refused as bad input, not as forbidden
        assert response.status_code == 400, (role, name, response.status_code)


def test_anonymous_visitors_reach_only_the_login_page(client, world):
    for name, pattern in GET_ENDPOINTS:
        response = client.get(url_for(name, pattern, world))
        assert response.status_code in (302, 401, 403), name
        if response.status_code == 302:
            assert response["Location"].startswith("/login/")
