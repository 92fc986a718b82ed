"""Production: refuses to start without its secrets; secure cookies and HSTS."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production.")
    return value


DEBUG = False
SECRET_KEY = _required("CUSTOS_SECRET_KEY")
ALLOWED_HOSTS = _required("CUSTOS_ALLOWED_HOSTS").split(",")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("CUSTOS_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_NAME = "__Host-custos_session"  # __Host-: HTTPS only, this host only, path /
CSRF_COOKIE_NAME = "__Host-custos_csrf"
LANGUAGE_COOKIE_SECURE = True
# Origins allowed to POST (behind a proxy that changes the host or scheme), comma-separated,
# e.g. "https://custos.example.org".
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CUSTOS_CSRF_TRUSTED_ORIGINS", "").split(",")
                        if o]
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if os.environ.get("CUSTOS_BEHIND_TLS_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Custos serves its collected static files itself: no CDN, no extra web-server rule.
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
