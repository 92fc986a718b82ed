"""Content-Security-Policy with nothing inline; a clean deployment check; idle time-out."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from custos.access.roles import Role

from ..factories import PrisonerFactory

CUSTOS = Path(sys.executable).with_name("custos")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_nothing_inline(response):
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_STYLE.findall(html) == []
    assert EVENT_HANDLER.findall(html) == []


def test_the_policy_allows_only_this_site(client, db):
    policy = directives(client.get("/login/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


@pytest.mark.parametrize("role,path", [
    (None, "/login/"),
    (Role.DIRECTOR, "/facilities/"),
    (Role.DIRECTOR, "/prisoners/?q=Traore"),
    (Role.DIRECTOR, "/prisoners/admit/"),
    (Role.DIRECTOR, "/account/"),
    (Role.DIRECTOR, "/account/two-factor/enrol/"),
    (Role.ADMIN, "/account/users/"),
    (Role.ADMIN, "/account/users/new/"),
    (Role.DIRECTOR, "/api/docs/"),
])
def test_pages_have_the_policy_and_nothing_inline(client, persona, role, path):
    if role:
        client.force_login(persona(role))

    response = client.get(path)

    assert response.status_code == 200, path
    assert_nothing_inline(response)


def test_file_and_facility_pages_have_nothing_inline(client, director, facility, cell):
    prisoner = PrisonerFactory(facility=facility, names=["Mohamed Traoré", "محمد تراوري"])
    client.force_login(director)

    for path in (f"/prisoners/{prisoner.pk}/", f"/facilities/{facility.code}/?unit=A",
                 f"/prisoners/{prisoner.pk}/place/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_nothing_inline(response)


def test_user_pages_have_nothing_inline(client, persona, director):
    client.force_login(persona(Role.ADMIN))

    response = client.get(reverse("accounts:user", kwargs={"user": director.pk}))

    assert response.status_code == 200
    assert_nothing_inline(response)


def test_api_docs_load_their_start_up_script_from_this_site(client, director):
    client.force_login(director)

    page = client.get("/api/docs/").content.decode()
    script = re.search(r'<script src="(/api/docs/\?[^"]*script=[^"]*)"', page)

    assert script, page
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()
    assert "/api/schema/" in response.content.decode()
    assert all(src.startswith("/static/") or src.startswith("/api/docs/")
               for src in re.findall(r'(?:src|href)="([^"]+)"', page))


def _run(*args, **env):
    return subprocess.run([str(CUSTOS), *args], capture_output=True, text=True, timeout=120,  # noqa: S603
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")} | env)


def test_deployment_check_is_clean_with_the_production_settings(tmp_path):
    result = _run("check", "--deploy", "--fail-level", "WARNING",
                  DJANGO_SETTINGS_MODULE="custos.settings.production",
                  CUSTOS_SECRET_KEY=secrets.token_urlsafe(64),
                  CUSTOS_ALLOWED_HOSTS="custos.example.org",
                  DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deployment_check_flags_two_factor_turned_off(tmp_path):
    """The test settings turn two-factor off: `check --deploy` says so."""
    result = _run("check", "--deploy", "--fail-level", "WARNING",
                  DJANGO_SETTINGS_MODULE="custos.settings.test",
                  DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}")

    assert result.returncode != 0
    assert "custos.W001" in result.stderr + result.stdout


@pytest.mark.parametrize("minutes,seconds", [(None, 30 * 60), ("10", 600)])
def test_idle_session_time_out_is_configurable(tmp_path, minutes, seconds):
    env = {"DJANGO_SETTINGS_MODULE": "custos.settings.test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    if minutes:
        env["CUSTOS_SESSION_IDLE_MINUTES"] = minutes

    result = _run("shell", "--no-imports", "-c", "from django.conf import settings as s; "
                  "print(s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST)", **env)

    assert result.stdout.split() == [str(seconds), "True"], result.stderr


def test_production_cookies_are_secure(tmp_path):
    result = _run("shell", "--no-imports", "-c",
                  "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
                  "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, "
                  "s.SESSION_COOKIE_NAME)",
                  DJANGO_SETTINGS_MODULE="custos.settings.production",
                  CUSTOS_SECRET_KEY=secrets.token_urlsafe(64),
                  CUSTOS_ALLOWED_HOSTS="custos.example.org",
                  DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")

    assert result.stdout.split() == ["True", "True", "True", "__Host-custos_session"], (
        result.stderr)
