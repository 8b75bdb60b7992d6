"""HR and staff who sign in with a password need a second factor; the admin sits behind it.

The codes are computed in the test as an authenticator app computes them (talent/tests/totp.py),
from the secret the set-up page shows.
"""

import base64
import re

import pytest
from allauth.mfa.models import Authenticator
from django.test import override_settings
from django.urls import reverse

from conftest import PASSWORD

from .totp import totp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def second_factor_required(settings):
    # Production's rule (MFA_REQUIRED defaults to "not DEBUG"); `make test` runs with DEBUG=1.
    settings.MFA_REQUIRED = True


HR = "hr@example.com"
SET_UP = "/accounts/2fa/totp/activate/"
CODE_PAGE = "/accounts/2fa/authenticate/"


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def set_up_authenticator(client) -> str:
    """Open the set-up page, read the secret as a person would type it into their app, confirm a code."""
    page = client.get(SET_UP).content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page)
    secret = secret or re.search(r'value="([A-Z2-7]{32})"[^>]*id="authenticator_secret"', page)
    assert secret, page
    response = client.post(SET_UP, {"code": totp(secret[1])})
    assert response.status_code == 302, response.content.decode()[-1500:]
    return secret[1]


def recovery_codes(user) -> list[str]:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    return RecoveryCodes(
        Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()


def test_the_codes_here_are_the_rfc_6238_ones():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits) for the ASCII key "12345678901234567890".
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, at=59, digits=8) == "94287082"


def test_hr_signing_in_with_a_password_must_set_up_a_second_factor_first(client, org):
    assert sign_in(client, HR).status_code == 302
    for page in ("/hr/", "/admin/", "/admin/profiles/employee/", "/api/employees/", "/me/"):
        response = client.get(page)
        assert response.status_code == 302 and response.url == SET_UP, page
    assert client.get(SET_UP).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200  # can always sign out


def test_with_the_authenticator_set_up_hr_reaches_the_hr_pages_and_the_admin(client, org):
    sign_in(client, HR)
    set_up_authenticator(client)
    assert Authenticator.objects.filter(user=org.hr_user, type=Authenticator.Type.TOTP).exists()
    assert len(recovery_codes(org.hr_user)) == 10  # made with the first authenticator
    assert client.get("/hr/").status_code == 200
    assert "HR configuration" in client.get("/admin/").content.decode()


def test_the_next_password_sign_in_asks_for_a_code_and_refuses_a_wrong_one(client, org):
    sign_in(client, HR)
    secret = set_up_authenticator(client)
    client.post(reverse("account_logout"))

    response = sign_in(client, HR)
    assert response.status_code == 302 and response.url == CODE_PAGE
    assert client.get("/admin/").url.startswith("/admin/login/")  # not signed in yet
    wrong = f"{(int(totp(secret)) + 1) % 1_000_000:06d}"
    assert "Incorrect code" in client.post(CODE_PAGE, {"code": wrong}).content.decode()
    response = client.post(CODE_PAGE, {"code": totp(secret)})
    assert response.status_code == 302
    assert "HR configuration" in client.get("/admin/").content.decode()


def test_a_recovery_code_signs_in_once(client, org):
    sign_in(client, HR)
    set_up_authenticator(client)
    code = recovery_codes(org.hr_user)[0]
    client.post(reverse("account_logout"))

    sign_in(client, HR)
    assert client.post(CODE_PAGE, {"code": code}).status_code == 302
    assert client.get("/hr/").status_code == 200
    client.post(reverse("account_logout"))

    sign_in(client, HR)
    assert "Incorrect code" in client.post(CODE_PAGE, {"code": code}).content.decode()


def test_an_employee_signs_in_with_a_password_alone(client, org):
    sign_in(client, "employee@example.com")
    assert client.get("/me/").status_code == 200


def test_a_staff_account_without_hr_needs_it_too(client, org):
    manager = org.manager.user
    manager.is_staff = True
    manager.save()
    sign_in(client, manager.email)
    assert client.get("/team/").url == SET_UP


@override_settings(PASSWORD_SIGN_IN=False, OIDC_ENABLED=True, OIDC_PROVIDER_NAME="Acme account")
def test_with_passwords_turned_off_the_right_password_signs_no_one_in(client, org):
    response = sign_in(client, "employee@example.com")
    assert response.status_code == 200
    assert (
        "Passwords are turned off here: sign in with your company account (Acme account)" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    reset = client.post(reverse("account_reset_password"), {"email": "employee@example.com"})
    assert "Passwords are turned off" in reset.content.decode()
