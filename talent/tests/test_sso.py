"""Single sign-on end to end against a real OpenID Connect provider on loopback.

The provider is django-oauth-toolkit in OIDC mode, a Django project of its own
(``talent/tests/oidc_provider``) served by ``runserver`` in a child process with its own
database. The platform (the Django test client here) reads its discovery document, sends the
"browser" (a requests session) to its authorize endpoint with PKCE, the person signs in there with
the provider's own password, and the callback exchanges the code over HTTP and checks the ID
token's signature against the provider's published keys. Nothing is mocked.

People are provisioned as the HR system does it, by SCIM, before they first sign in.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import override_settings

from profiles.credentials import credential_issue
from profiles.models import Employee

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "talent-platform"
CLIENT_SECRET = secrets.token_urlsafe(32)
CALLBACK = "http://testserver/accounts/oidc/company/login/callback/"
IDP_PASSWORD = "idp-password-for-tests"  # noqa: S105
# People with an account at the company's identity provider; not all of them are in the HR system.
AT_THE_PROVIDER = ["ada.lovelace@example.com", "grace.hopper@example.com", "stranger@example.com"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The identity provider's base URL, serving until the module's tests are done."""
    folder = tmp_path_factory.mktemp("idp")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "talent.tests.oidc_provider.settings",
        "IDP_DATABASE": str(folder / "idp.sqlite3"),
        "IDP_RSA_PRIVATE_KEY": pem.decode(),
    }

    def run(*args):
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)  # noqa: S603

    run("-m", "django", "migrate", "-v0")
    people = [f"{email}:{IDP_PASSWORD}" for email in AT_THE_PROVIDER]
    run("-m", "talent.tests.oidc_provider.setup", CLIENT_ID, CLIENT_SECRET, CALLBACK, *people)
    port = free_port()
    log = open(folder / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/o/.well-known/openid-configuration", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (folder / "server.log").read_text()
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture
def sso(provider):
    """The platform configured as README "Single sign-on" says, from what the environment would hold."""
    apps = [
        {
            "provider_id": "company",
            "name": "Acme account",
            "client_id": CLIENT_ID,
            "secret": CLIENT_SECRET,
            "settings": {"server_url": f"{provider}/o", "scope": ["openid", "email", "profile"]},
        }
    ]
    with override_settings(
        OIDC_ENABLED=True,
        OIDC_PROVIDER_NAME="Acme account",
        SOCIALACCOUNT_PROVIDERS={"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": apps}},
    ):
        yield provider


@pytest.fixture
def provisioned(client, db):
    """Ada and Grace, hired through SCIM as the HR system does; each gets an account without a password."""
    token = credential_issue(kind="scim", name="HR system (tests)")[1]

    def hire(number, given, family):
        email = f"{given}.{family}@example.com".lower()
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": number,
            "userName": email,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"value": email, "type": "work", "primary": True}],
            "active": True,
        }
        response = client.post(
            "/scim/v2/Users",
            json.dumps(body),
            content_type="application/scim+json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201, response.content
        return Employee.objects.get(external_id=number)

    def deactivate(employee):
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        response = client.patch(
            f"/scim/v2/Users/{employee.pk}",
            json.dumps(body),
            content_type="application/scim+json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200, response.content

    people = {"ada": hire("E1815", "Ada", "Lovelace"), "grace": hire("E1906", "Grace", "Hopper")}
    people["deactivate"] = deactivate
    return people


def sign_in_with_sso(client, provider, email, password=IDP_PASSWORD):
    """The whole round trip a browser makes; returns the platform's answer to the callback."""
    start = client.post("/accounts/oidc/company/login/")
    assert start.status_code == 302 and start.url.startswith(f"{provider}/o/authorize/"), start
    assert "code_challenge=" in start.url  # PKCE

    browser = requests.Session()
    to_login = browser.get(start.url, allow_redirects=False)
    assert to_login.status_code == 302 and to_login.headers["Location"].startswith("/login/")
    login_url = provider + to_login.headers["Location"]
    browser.get(login_url)
    signed_in = browser.post(
        login_url,
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "next": parse_qs(urlsplit(login_url).query)["next"][0],
        },
        allow_redirects=False,
        headers={"Referer": login_url},
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    back = browser.get(provider + signed_in.headers["Location"], allow_redirects=False)
    assert back.status_code == 302, back.text[:3000]
    callback = urlsplit(back.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == CALLBACK
    return client.get(f"{callback.path}?{callback.query}")


def test_the_sign_in_page_offers_the_company_account(client, sso):
    page = client.get("/accounts/login/").content.decode()
    assert "Acme account" in page and "/accounts/oidc/company/login/" in page


def test_a_provisioned_person_signs_in_and_is_linked_to_their_employee_by_e_mail(client, sso, provisioned):
    ada = provisioned["ada"]
    assert not ada.user.has_usable_password()

    response = sign_in_with_sso(client, sso, "ada.lovelace@example.com")
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert client.session["_auth_user_id"] == str(ada.user.pk)
    assert client.get("/").url == "/me/"
    assert client.get("/me/").status_code == 200
    assert ada.user.socialaccount_set.get().provider == "company"

    client.post("/accounts/logout/")
    assert sign_in_with_sso(client, sso, "ada.lovelace@example.com").status_code == 302  # the link, found again
    assert client.session["_auth_user_id"] == str(ada.user.pk)
    assert get_user_model().objects.filter(email__iexact="ada.lovelace@example.com").count() == 1


def test_an_e_mail_nobody_provisioned_is_refused_with_a_page_that_says_why(client, sso, provisioned):
    response = sign_in_with_sso(client, sso, "stranger@example.com")
    assert response.status_code == 403
    page = response.content.decode()
    assert "No account for stranger@example.com" in page and "ask your HR team to add you" in page
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.filter(email="stranger@example.com").exists()


def test_a_person_deactivated_by_scim_can_no_longer_sign_in(client, sso, provisioned):
    assert sign_in_with_sso(client, sso, "grace.hopper@example.com").status_code == 302  # linked while employed
    client.post("/accounts/logout/")

    provisioned["deactivate"](provisioned["grace"])
    response = sign_in_with_sso(client, sso, "grace.hopper@example.com")
    assert response.status_code == 302 and response.url == "/accounts/inactive/"
    assert "_auth_user_id" not in client.session
    assert client.get("/me/").status_code == 302


def test_deactivated_before_the_first_sign_in_is_refused_too(client, sso, provisioned):
    provisioned["deactivate"](provisioned["grace"])
    response = sign_in_with_sso(client, sso, "grace.hopper@example.com")
    assert response.status_code == 302 and response.url == "/accounts/inactive/"
    assert "_auth_user_id" not in client.session
    assert not provisioned["grace"].user.socialaccount_set.exists()


def test_a_wrong_password_at_the_provider_never_reaches_the_platform(client, sso, provisioned):
    client.post("/accounts/oidc/company/login/")
    browser = requests.Session()
    start = client.post("/accounts/oidc/company/login/")
    login_url = sso + browser.get(start.url, allow_redirects=False).headers["Location"]
    browser.get(login_url)
    refused = browser.post(
        login_url,
        data={
            "username": "ada.lovelace@example.com",
            "password": "wrong",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
    )
    assert refused.status_code == 200  # the provider's form again, no code for the platform
    assert "_auth_user_id" not in client.session


def test_sso_users_need_no_second_factor_here_their_provider_has_it(client, sso, provisioned):
    user = provisioned["ada"].user
    user.is_staff = True
    user.save()
    sign_in_with_sso(client, sso, "ada.lovelace@example.com")
    assert client.get("/me/").status_code == 200  # not sent to set up an authenticator


@override_settings(PASSWORD_SIGN_IN=False)
def test_with_passwords_off_sso_is_the_only_way_in(client, sso, provisioned, org):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="password"' not in page and "Acme account" in page
    refused = client.post("/accounts/login/", {"login": "employee@example.com", "password": "correct horse battery"})
    assert "Passwords are turned off here" in refused.content.decode()
    assert sign_in_with_sso(client, sso, "ada.lovelace@example.com").status_code == 302
