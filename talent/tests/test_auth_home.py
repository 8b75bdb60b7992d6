"""Sign-in by e-mail, no open sign-up, sign-out, and the role-aware home page."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from conftest import PASSWORD
from profiles.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_signing_in_by_email_lands_each_role_where_it_works(client, org, settings):
    settings.MFA_REQUIRED = True  # production's default; `make test` runs with DEBUG=1
    for email, landing in [
        ("employee@example.com", reverse("portal:me")),
        ("manager@example.com", reverse("portal:team")),
        # HR signing in with a password sets up a second factor first (talent/tests/test_mfa.py).
        ("hr@example.com", "/accounts/2fa/totp/activate/"),
    ]:
        client.logout()
        response = sign_in(client, email)
        assert response.status_code == 302
        response = client.get(response.url)
        assert response.status_code == 302
        assert response.url == landing


def test_a_wrong_password_is_refused_with_a_message(client, org):
    response = sign_in(client, "employee@example.com", "not the password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_there_is_no_open_sign_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": "a long passphrase 123", "password2": "a long passphrase 123"},
    )
    assert "closed" in response.content.decode().lower()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_sign_out_ends_the_session(client, org):
    client.force_login(org.employee.user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("portal:me")).status_code == 302  # back to sign-in


def test_home_asks_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_account_with_no_employee_record_is_told_what_to_do(client, db):
    client.force_login(UserFactory(username="contractor@example.com"))
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "not linked to an employee record" in response.content.decode()


def test_hr_home_is_for_hr_only(client, org):
    client.force_login(org.manager.user)
    assert client.get(reverse("hr_home")).status_code == 403
    client.force_login(org.hr_user)
    response = client.get(reverse("hr_home"))
    assert response.status_code == 200
    assert "active employees" in response.content.decode()


def test_without_secret_key_production_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "TESTING", "PYTEST_CURRENT_TEST"}}
    env.update(DEBUG="0", DJANGO_SETTINGS_MODULE="talent.settings")
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_sign_in_page_does_not_invite_people_to_sign_up(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert "sign up" not in page.lower()
    assert "Accounts come from the HR system" in page
