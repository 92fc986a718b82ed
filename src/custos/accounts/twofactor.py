"""Two-factor authentication with time-based one-time codes (TOTP, RFC 6238; django-otp).

Who must pass it: a user holding one of `settings.CUSTOS_TWO_FACTOR_ROLES`, and anyone who
has set up an authenticator app of their own accord (their session is marked at sign-in).
The password step is Django's login; until the TOTP step, `TwoFactorMiddleware` lets such a
user reach only the sign-in, verification, enrolment, sign-out and language endpoints.

A user with no confirmed device enrols on first sign-in (trust on first use, after the
password). Only the administrator can remove a confirmed device (`services.two_factor_reset`),
so a stolen password is never enough to enrol a new device over an existing one.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from custos.access.policy import roles_of
from custos.audit import trail

# Set at sign-in for a user who has a device without holding a privileged role.
SESSION_FLAG = "custos_two_factor"
DEVICE_NAME = "Authenticator app"


def enabled() -> bool:
    return bool(getattr(settings, "CUSTOS_REQUIRE_TWO_FACTOR", True))


def privileged(user) -> bool:
    """Whether the user's roles demand a second factor."""
    return bool(roles_of(user) & set(settings.CUSTOS_TWO_FACTOR_ROLES))


def required(request) -> bool:
    """Whether this signed-in request's user must pass the TOTP step."""
    if not enabled() or not request.user.is_authenticated:
        return False
    return privileged(request.user) or bool(request.session.get(SESSION_FLAG))


def verified(request) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("id").first()


def has_device(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


# --- verification ----------------------------------------------------------------------------


def wait_seconds(device: TOTPDevice) -> int:
    """Seconds before django-otp's back-off lets the device verify again (0: now)."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return 0
    count = (data or {}).get("failure_count", device.throttling_failure_count)
    delay = device.get_throttle_factor() * (2 ** (count - 1))
    if device.throttling_failure_timestamp is None:
        return int(delay)
    elapsed = time.time() - device.throttling_failure_timestamp.timestamp()
    return max(1, int(delay - elapsed + 0.999))


def verify(request, device: TOTPDevice, code: str) -> bool:
    """Check `code` against the user's confirmed device; mark the session verified. Audited."""
    user = request.user
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = locked.user_id == user.pk and locked.confirmed and locked.verify_token(code)
    if ok:
        request.session.cycle_key()
        otp_login(request, locked)
        trail.record(user, "auth.otp_verified", user, changes={"device": locked.persistent_id})
    else:
        trail.record(user, "auth.otp_failed", user, changes={
            "device": locked.persistent_id, "failures": locked.throttling_failure_count})
    return ok


# --- enrolment -------------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The user's unconfirmed device, made (with a fresh random key) when there is none."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def confirm(request, device: TOTPDevice, code: str) -> bool:
    """Confirm a new device with its first code: it then protects the account. Audited."""
    user = request.user
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if locked.user_id != user.pk or locked.confirmed or has_device(user):
            return False
        ok = locked.verify_token(code)
        if ok:
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
            trail.record(user, "auth.otp_enrolled", user,
                         changes={"device": locked.persistent_id})
    if ok:
        request.session.cycle_key()
        otp_login(request, locked)
    else:
        trail.record(user, "auth.otp_failed", user,
                     changes={"device": locked.persistent_id, "enrolment": True})
    return ok


def secret_b32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed: base32, in groups of four."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// URL as a QR code, inline SVG made here (nothing fetched)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage,
                        box_size=10, border=4)
    svg = image.to_string(encoding="unicode")
    # Generated markup (a path of the code's modules), safe to embed as it is.
    return mark_safe(svg.replace("<svg ", '<svg class="qr" role="img" aria-hidden="true" ', 1))  # noqa: S308


# --- the demo system -------------------------------------------------------------------------


def demo_key(username: str, seed: int) -> str:
    """The TOTP key of a demo user: HMAC-SHA1 over "<seed>:<username>" keyed with
    "custos-demo-totp", 20 bytes in hex. Public by design: the demo's password is too."""
    return hmac.new(b"custos-demo-totp", f"{seed}:{username}".encode(), hashlib.sha1).hexdigest()


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    """The code the device's authenticator app shows now (or at Unix time `at`)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"
