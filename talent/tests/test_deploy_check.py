"""Production settings pass Django's deployment checklist, warnings included, and say so on the wire."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "DEMO": "0",
    "TESTING": "0",
    "SECRET_KEY": "a-production-like-secret-key-for-this-test-only-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "talent.example.com",
}


def manage(*args, **extra_env):
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, **PRODUCTION, **extra_env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_defaults():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_when_hardening_is_turned_off():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_SECONDS="0", SECURE_COOKIES="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W012" in result.stderr


def test_production_settings_without_a_secret_key_refuse_to_start():
    result = manage("check", SECRET_KEY="")
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_single_sign_on_is_configured_from_the_environment():
    shown = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.SOCIALACCOUNT_PROVIDERS['openid_connect'], s.PASSWORD_SIGN_IN]))"
    )
    result = manage(
        "shell",
        "-c",
        shown,
        OIDC_SERVER_URL="https://login.example.com/realms/acme",
        OIDC_CLIENT_ID="talent",
        OIDC_CLIENT_SECRET="s3cret",
        OIDC_PROVIDER_NAME="Acme account",
        PASSWORD_SIGN_IN="0",
    )
    assert result.returncode == 0, result.stderr
    provider, password_sign_in = json.loads(result.stdout.strip().splitlines()[-1])
    [app] = provider["APPS"]
    assert provider["OAUTH_PKCE_ENABLED"] and password_sign_in is False
    assert (app["provider_id"], app["name"], app["client_id"], app["secret"]) == (
        "company",
        "Acme account",
        "talent",
        "s3cret",
    )
    assert app["settings"] == {
        "server_url": "https://login.example.com/realms/acme",
        "scope": ["openid", "email", "profile"],
    }


def test_passwords_turned_off_without_single_sign_on_refuse_to_start():
    result = manage("check", PASSWORD_SIGN_IN="0")
    assert result.returncode != 0 and "PASSWORD_SIGN_IN=0 needs single sign-on" in result.stderr


@pytest.mark.django_db
@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31_536_000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_behind_the_tls_proxy_pages_carry_hsts_and_plain_http_is_redirected(client):
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    proxied = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert proxied["X-Frame-Options"] == "DENY"
