"""Until a user who needs two-factor has passed it, only the sign-in steps are reachable.

Placed after `django_otp.middleware.OTPMiddleware` (which tells whether the session passed a
TOTP step) and before the access policy, so an unverified session is sent to the TOTP step
rather than refused. Pages redirect; the API answers 403 with a JSON body.
"""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import twofactor

# What a user who has given the password but not yet the code may reach.
BEFORE_VERIFICATION = frozenset({
    "login", "logout", "set_language", "accounts:verify", "accounts:enrol",
})


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not twofactor.required(request) or twofactor.verified(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in BEFORE_VERIFICATION:
            return None
        if request.path.startswith("/api/") and (match is None or match.view_name != "api-docs"):
            return JsonResponse({"code": "two_factor_required", "detail": _(
                "Finish signing in with your authentication code first.")}, status=403)
        step = "accounts:verify" if twofactor.has_device(request.user) else "accounts:enrol"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
