"""The administrator alone manages users: create, roles, deactivate, two-factor reset."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from custos.access.models import RoleAssignment
from custos.access.policy import AccessDenied
from custos.access.roles import Role
from custos.accounts import services
from custos.accounts.models import User
from custos.audit.models import AuditEntry
from custos.core.errors import InvalidInput, RuleViolation

from ..factories import FacilityFactory, user_with_role


@pytest.fixture
def admin(persona):
    return persona(Role.ADMIN)


def everything():
    return (list(User.objects.order_by("id").values_list("id", "username", "is_active")),
            list(RoleAssignment.objects.order_by("id").values_list("id", "user", "role")),
            TOTPDevice.objects.count(), AuditEntry.objects.count())


def create(admin, **overrides):
    arguments = {"username": "aminata", "display_name": "Aminata Keïta",
                 "password": "a long and unusual passphrase"} | overrides
    return services.user_create(acting_user=admin, **arguments)


def test_the_administrator_creates_a_user_audited(admin, trail):
    user = create(admin, email="ak@example.org")

    assert user.check_password("a long and unusual passphrase")
    assert user.is_active and not user.role_assignments.exists()
    entry = trail.entries("user.create")[0]
    assert (entry.actor, entry.object_id) == (admin, str(user.pk))
    assert entry.changes["username"] == [None, "aminata"]
    assert "password" not in str(entry.changes)


@pytest.mark.parametrize("password,why", [
    ("short pass1", "at least 12 characters"),
    ("qwerty123456", "too common"),
    ("830492716504", "entirely numeric"),
])
def test_weak_passwords_are_refused(admin, password, why):
    before = everything()

    with pytest.raises(InvalidInput) as refused:
        create(admin, password=password)

    assert refused.value.field == "password"
    assert why in refused.value.message
    assert everything() == before


def test_a_taken_username_is_refused(admin):
    create(admin)
    with pytest.raises(InvalidInput) as refused:
        create(admin, username="Aminata")
    assert refused.value.field == "username"


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.ADMIN])
def test_nobody_but_the_administrator_manages_users(persona, director, role):
    someone = persona(role)
    device = TOTPDevice.objects.create(user=director, name="phone")
    assignment = director.role_assignments.get()
    before = everything()

    for attempt in (
        lambda: create(someone),
        lambda: services.role_assign(acting_user=someone, user=director, role=Role.ADMIN),
        lambda: services.role_remove(acting_user=someone, assignment=assignment),
        lambda: services.user_set_active(acting_user=someone, user=director, active=False,
                                         reason="x"),
        lambda: services.two_factor_reset(acting_user=someone, user=director, reason="x"),
        lambda: services.sign_in_unlock(acting_user=someone, user=director, reason="x"),
    ):
        with pytest.raises(AccessDenied):
            attempt()

    assert everything() == before
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_roles_are_given_and_removed_with_before_and_after(admin, facility, trail):
    user = create(admin)
    other = FacilityFactory(code="GAO")

    here = services.role_assign(acting_user=admin, user=user, role=Role.SECURITY,
                                facility=facility, reason="posted to Bamako")
    services.role_assign(acting_user=admin, user=user, role=Role.ANALYST, facility=None)
    services.role_assign(acting_user=admin, user=user, role=Role.SECURITY, facility=other)
    with pytest.raises(InvalidInput):
        services.role_assign(acting_user=admin, user=user, role=Role.SECURITY,
                             facility=facility)
    services.role_remove(acting_user=admin, assignment=here, reason="moved to Gao")

    assert sorted(user.role_assignments.values_list("role", "facility__code")) == [
        ("analyst", None), ("security", "GAO")]
    added, *_rest, removed = (trail.entries("user.role_add") + trail.entries("user.role_remove"))
    assert added.changes["roles"] == [[], ["security@BKO"]]
    assert added.reason == "posted to Bamako"
    assert removed.changes["roles"] == [["analyst@national", "security@BKO", "security@GAO"],
                                        ["analyst@national", "security@GAO"]]


def test_an_administrator_changes_neither_their_own_roles_nor_state(admin):
    before = everything()
    with pytest.raises(RuleViolation):
        services.role_assign(acting_user=admin, user=admin, role=Role.DIRECTOR)
    with pytest.raises(RuleViolation):
        services.role_remove(acting_user=admin, assignment=admin.role_assignments.get())
    with pytest.raises(RuleViolation):
        services.user_set_active(acting_user=admin, user=admin, active=False, reason="x")
    assert everything() == before


def test_a_deactivated_user_is_signed_out_and_may_be_reactivated(client, admin, director,
                                                                 trail):
    client.force_login(director)
    assert client.get(reverse("custody:dashboard")).status_code == 200

    services.user_set_active(acting_user=admin, user=director, active=False, reason="left")

    assert client.get("/").status_code == 302
    assert client.post("/login/", {"username": director.username,
                                   "password": "correct horse battery staple"}).status_code == 200
    services.user_set_active(acting_user=admin, user=director, active=True, reason="back")
    assert [(e.action, e.changes["is_active"]) for e in trail.entries()
            if e.action.startswith("user.")] == [("user.deactivate", [True, False]),
                                                ("user.activate", [False, True])]


def test_two_factor_reset_removes_the_devices_audited(admin, director, trail):
    device = TOTPDevice.objects.create(user=director, name="phone")

    services.two_factor_reset(acting_user=admin, user=director, reason="phone stolen")

    assert not TOTPDevice.objects.filter(user=director).exists()
    entry = trail.entries("user.two_factor_reset")[0]
    assert entry.changes["devices"] == [[device.persistent_id], []]
    assert entry.reason == "phone stolen"


# --- the pages ---------------------------------------------------------------------------------


def test_the_user_list_shows_roles_and_facilities(client, admin, director):
    client.force_login(admin)

    page = client.get(reverse("accounts:users")).content.decode()

    assert director.username in page
    assert "Prison director · BKO" in page


def test_creating_a_user_through_the_page(client, admin):
    client.force_login(admin)
    url = reverse("accounts:user_create")
    data = {"username": "moussa", "display_name": "Moussa", "password": "short",
            "password_again": "short"}

    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "at least 12 characters" in refused.content.decode()

    password = "a long and unusual passphrase"
    response = client.post(url, data | {"password": password, "password_again": password})
    user = User.objects.get(username="moussa")
    assert response["Location"] == reverse("accounts:user", kwargs={"user": user.pk})


def test_giving_and_removing_a_role_through_the_page(client, admin, facility):
    user = user_with_role(Role.ASSESSOR, facility, username="assessor-1")
    client.force_login(admin)
    detail = reverse("accounts:user", kwargs={"user": user.pk})
    assert "Assessor" in client.get(detail).content.decode()

    response = client.post(reverse("accounts:role_add", kwargs={"user": user.pk}), {
        "add-role": "security", "add-facility": facility.pk, "add-reason": "promotion"})
    assert response["Location"] == detail
    assessor = user.role_assignments.get(role="assessor")
    response = client.post(reverse("accounts:role_remove", kwargs={"user": user.pk}), {
        "remove-assignment": assessor.pk, "remove-reason": "promotion"})
    assert response["Location"] == detail

    assert list(user.role_assignments.values_list("role", flat=True)) == ["security"]


def test_deactivating_and_resetting_through_the_page(client, admin, director):
    TOTPDevice.objects.create(user=director, name="phone")
    client.force_login(admin)
    kwargs = {"user": director.pk}

    without_reason = client.post(reverse("accounts:user_active", kwargs=kwargs),
                                 {"active-active": "0"})
    assert without_reason.status_code == 400
    client.post(reverse("accounts:user_active", kwargs=kwargs),
                {"active-active": "0", "active-reason": "left the service"})
    client.post(reverse("accounts:two_factor_reset", kwargs=kwargs),
                {"reset-reason": "phone lost"})

    director.refresh_from_db()
    assert not director.is_active
    assert not TOTPDevice.objects.filter(user=director).exists()


def test_an_administrator_without_a_verified_code_reaches_no_user_page(client, admin,
                                                                      two_factor):
    TOTPDevice.objects.create(user=admin, name="phone")
    client.post("/login/", {"username": admin.username,
                            "password": "correct horse battery staple"})

    response = client.get(reverse("accounts:users"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))

