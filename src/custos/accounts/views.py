"""Sign-in steps (password, TOTP, enrolment) and the administrator's user pages: thin adapters."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from custos.access import policy
from custos.core.errors import DomainError

from . import forms, selectors, services, twofactor


def _next(request, default: str = "") -> str:
    """The `next` the user came for, if it is a page of this site; else the dashboard."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def _step_url(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


# --- step 1: the password ------------------------------------------------------------------


class CustosLoginView(LoginView):
    """Django's login, then the TOTP step for those who need it (see `twofactor`)."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        if not twofactor.enabled():
            return response
        device = twofactor.has_device(user)
        if device and not twofactor.privileged(user):
            self.request.session[twofactor.SESSION_FLAG] = True
        if twofactor.required(self.request):
            step = "accounts:verify" if device else "accounts:enrol"
            return redirect(_step_url(step, self.get_success_url()))
        return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes answers a locked-out username with our login page, saying why."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    message = ngettext(
        "Too many failed sign-in attempts: this account is locked for %(minutes)s minute. "
        "Try again later, or ask an administrator to unlock it.",
        "Too many failed sign-in attempts: this account is locked for %(minutes)s minutes. "
        "Try again later, or ask an administrator to unlock it.", minutes) % {"minutes": minutes}
    return render(request, "registration/login.html", {
        "form": form, "locked_out": message, "next": request.POST.get("next", "")},
        status=429)


# --- step 2: the code ----------------------------------------------------------------------


def _too_many(seconds: int) -> str:
    return ngettext("Too many wrong codes: wait %(seconds)s second and try again.",
                    "Too many wrong codes: wait %(seconds)s seconds and try again.",
                    seconds) % {"seconds": seconds}


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    next_url = _next(request)
    if not twofactor.enabled() or twofactor.verified(request):
        return redirect(next_url)
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect(_step_url("accounts:enrol", next_url))
    form = forms.CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        wait = twofactor.wait_seconds(device)
        if wait:
            form.add_error("code", _too_many(wait))
            status = 429
        elif twofactor.verify(request, device, form.cleaned_data["code"]):
            return redirect(next_url)
        else:
            form.add_error("code", _("This code is not right, or was already used. Type the "
                                     "code your app shows now."))
            status = 400
    return render(request, "accounts/verify.html", {"form": form, "next": next_url},
                  status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up an authenticator app: a key, its QR code drawn here, and a first code."""
    next_url = _next(request, reverse("accounts:account"))
    if twofactor.has_device(request.user):
        if twofactor.verified(request) or not twofactor.enabled():
            messages.info(request, _("Your authenticator app is already set up. To replace "
                                     "it, ask an administrator to reset it."))
            return redirect("accounts:account")
        return redirect(_step_url("accounts:verify", next_url))
    device = twofactor.pending_device(request.user)
    form = forms.CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        wait = twofactor.wait_seconds(device)
        if wait:
            form.add_error("code", _too_many(wait))
            status = 429
        elif twofactor.confirm(request, device, form.cleaned_data["code"]):
            messages.success(request, _("Two-factor authentication is set up."))
            return redirect(next_url)
        else:
            form.add_error("code", _("This code is not right. Check the time on your phone "
                                     "and type the code your app shows now."))
            status = 400
    return render(request, "accounts/enrol.html", {
        "form": form, "next": next_url, "secret": twofactor.secret_b32(device),
        "qr": twofactor.qr_svg(device), "issuer": settings.OTP_TOTP_ISSUER,
        "required": twofactor.required(request)}, status=status)


def account(request):
    """Your own account: roles, where, and whether two-factor is set up."""
    user = request.user
    assignments = user.role_assignments.select_related("facility").order_by("role")
    return render(request, "accounts/account.html", {
        "assignments": assignments, "two_factor": twofactor.has_device(user),
        "two_factor_required": twofactor.privileged(user)})


# --- user management (the administrator) ---------------------------------------------------


def _apply(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def users(request):
    return render(request, "accounts/users.html", {
        "users": selectors.user_list(user=request.user),
        "with_two_factor": selectors.users_with_two_factor(user=request.user)})


@require_http_methods(["GET", "POST"])
def user_create(request):
    policy.require(request.user, "accounts.manage")
    form = forms.UserCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_create(
                    acting_user=request.user, username=data["username"],
                    display_name=data["display_name"], email=data["email"],
                    password=data["password"])
            except DomainError as error:
                _apply(form, error)
            else:
                messages.success(request, _("%(who)s can now sign in. Give them a role.")
                                 % {"who": user.username})
                return redirect("accounts:user", user=user.pk)
    return render(request, "accounts/user_create.html", {"form": form}, status=status)


def _detail(request, target, *, status=200, **bound):
    """The user's page, with any bound form in place of its empty one."""
    facilities = selectors.facilities_for_assignment(user=request.user)
    assignments = target.role_assignments.select_related("facility").order_by("role")
    context = {
        "target": target,
        "assignments": list(assignments),
        "two_factor": twofactor.has_device(target),
        "two_factor_required": twofactor.privileged(target),
        "role_add": forms.RoleAddForm(facilities=facilities, prefix="add"),
        "role_remove": forms.RoleRemoveForm(assignments=assignments, prefix="remove"),
        "active": forms.ActiveForm(prefix="active"),
        "reset": forms.ReasonForm(prefix="reset"),
        "unlock": forms.ReasonForm(prefix="unlock"),
        "self": target.pk == request.user.pk,
    }
    context.update(bound)
    return render(request, "accounts/user_detail.html", context, status=status)


def user_detail(request, user):
    return _detail(request, selectors.user_get(user=request.user, pk=user))


def _post(request, user, name, form, action, success):
    """Run `action(form.cleaned_data)` when the form is valid; else show it with its errors."""
    target = selectors.user_get(user=request.user, pk=user)
    if form.is_valid():
        try:
            action(target, form.cleaned_data)
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, success)
            return redirect("accounts:user", user=target.pk)
    return _detail(request, target, status=400, **{name: form})


@require_POST
def role_add(request, user):
    facilities = selectors.facilities_for_assignment(user=request.user)
    return _post(
        request, user, "role_add",
        forms.RoleAddForm(request.POST, facilities=facilities, prefix="add"),
        lambda target, data: services.role_assign(
            acting_user=request.user, user=target, role=data["role"],
            facility=data["facility"], reason=data["reason"]),
        _("Role given."))


@require_POST
def role_remove(request, user):
    target = selectors.user_get(user=request.user, pk=user)
    return _post(
        request, user, "role_remove",
        forms.RoleRemoveForm(request.POST, assignments=target.role_assignments.all(),
                             prefix="remove"),
        lambda target, data: services.role_remove(
            acting_user=request.user, assignment=data["assignment"], reason=data["reason"]),
        _("Role removed."))


@require_POST
def user_active(request, user):
    return _post(
        request, user, "active", forms.ActiveForm(request.POST, prefix="active"),
        lambda target, data: services.user_set_active(
            acting_user=request.user, user=target, active=data["active"],
            reason=data["reason"]),
        _("Account updated."))


@require_POST
def two_factor_reset(request, user):
    return _post(
        request, user, "reset", forms.ReasonForm(request.POST, prefix="reset"),
        lambda target, data: services.two_factor_reset(
            acting_user=request.user, user=target, reason=data["reason"]),
        _("Two-factor authentication reset: the user sets up a new app at the next sign-in."))


@require_POST
def unlock(request, user):
    return _post(
        request, user, "unlock", forms.ReasonForm(request.POST, prefix="unlock"),
        lambda target, data: services.sign_in_unlock(
            acting_user=request.user, user=target, reason=data["reason"]),
        _("Sign-in unlocked."))

