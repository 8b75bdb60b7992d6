"""The admin signs in through allauth's sign-in page, inside the same limit on failed sign-ins.

Django's own admin form checked passwords outside allauth's limit: after 15 wrong passwords,
with /accounts/login/ locked, the right one still signed in at /admin/login/.
"""

import pytest
from django.urls import reverse

from conftest import PASSWORD
from profiles.tests.factories import UserFactory

from .test_mfa import set_up_authenticator

pytestmark = pytest.mark.django_db

HR = "hr@example.com"
WRONG = "not the password"


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def sign_in_page(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_the_admin_sends_visitors_to_the_sign_in_page_and_back(client, org, settings):
    settings.MFA_REQUIRED = True  # production's default; `make test` runs with DEBUG=1
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('account_login')}?next=/admin/"
    assert "Accounts come from the HR system" in response.content.decode()  # allauth's page, ours

    response = client.post(response.redirect_chain[-1][0], {"login": HR, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/admin/"
    # Behind the same second factor as every HR page (talent/tests/test_mfa.py): set it up first.
    assert client.get("/admin/").url == "/accounts/2fa/totp/activate/"
    set_up_authenticator(client)
    assert "Talent platform · HR configuration" in client.get("/admin/").content.decode()


def test_a_password_posted_to_the_admin_login_signs_no_one_in(client, org):
    response = client.post("/admin/login/?next=/admin/", {"username": HR, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=/admin/"
    assert not signed_in(client)


def test_after_15_wrong_passwords_the_admin_login_does_not_let_the_right_one_in(client, org):
    for _ in range(15):
        client.post("/admin/login/", {"username": HR, "password": WRONG})
    client.post("/admin/login/", {"username": HR, "password": PASSWORD})
    assert not signed_in(client)


def test_wrong_passwords_where_the_admin_sends_you_lock_the_account_everywhere(client, org):
    for _ in range(15):
        page = client.get("/admin/login/?next=/admin/")
        assert page.status_code == 302  # to allauth's page
        client.post(page.url, {"login": HR, "password": WRONG})

    response = sign_in_page(client, HR, PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in(client)
    client.post("/admin/login/", {"username": HR, "password": PASSWORD})
    assert not signed_in(client)


def test_someone_signed_in_who_may_not_use_the_admin_is_told_so(client, org):
    client.force_login(org.employee.user)
    response = client.get("/admin/", follow=True)  # no loop between the admin and the sign-in page
    assert response.status_code == 403
    assert "may not use the HR admin" in response.content.decode()


def test_hr_already_signed_in_goes_straight_to_the_admin(client, org):
    client.force_login(org.hr_user)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_staff_signed_in_cannot_try_someone_elses_password_on_the_admin_login(client, org):
    root = UserFactory(username="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(org.hr_user)
    client.post("/admin/login/", {"username": root.username, "password": PASSWORD, "next": "/admin/"})
    assert client.session["_auth_user_id"] == str(org.hr_user.pk)
