"""Failed sign-ins lock the account they were for, not everyone behind the same address.

The lock used to be per client address only (10 a minute), so ten wrong passwords from behind
a company proxy locked every account; its counters lived in a cache of 300 entries, which a
flood of other counters could cull. Now: 5 failures in 5 minutes lock that account from any
address, the per-address limit is generous, the address is the real client's behind a trusted
proxy (``TRUSTED_PROXY_COUNT``), and the cache holds 100,000 counters.
"""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not the password"
LOCKED = "Too many failed login attempts"
# A small per-address limit, to see which address the failures counted against.
THREE_PER_ADDRESS = {"login_failed": "3/5m/ip,5/5m/key"}


def sign_in(client, email, password=PASSWORD, **request):
    """POST allauth's sign-in form; ``request`` sets REMOTE_ADDR, headers and so on."""
    client.logout()
    response = client.post(reverse("account_login"), {"login": email, "password": password}, **request)
    return response, "_auth_user_id" in client.session


def test_wrong_passwords_for_one_account_do_not_lock_another_at_the_same_address(client, org):
    for _ in range(10):
        sign_in(client, "employee@example.com", WRONG, REMOTE_ADDR="10.0.0.1")
    _, signed_in = sign_in(client, "manager@example.com", REMOTE_ADDR="10.0.0.1")
    assert signed_in


def test_wrong_passwords_lock_the_account_from_every_address(client, org):
    for n in range(10):
        sign_in(client, "employee@example.com", WRONG, REMOTE_ADDR=f"10.0.0.{n}")
    response, signed_in = sign_in(client, "employee@example.com", REMOTE_ADDR="10.0.1.99")
    assert not signed_in
    assert LOCKED in response.content.decode()


def test_the_lock_holds_whatever_port_the_host_header_names(client, org):
    # Every port of an allowed host passes ALLOWED_HOSTS; the count must not start afresh on each.
    for n in range(10):
        sign_in(client, "employee@example.com", WRONG, HTTP_HOST=f"testserver:{8000 + n}", REMOTE_ADDR=f"10.0.0.{n}")
    _, signed_in = sign_in(client, "employee@example.com", HTTP_HOST="testserver:9999", REMOTE_ADDR="10.0.1.99")
    assert not signed_in


def test_a_flood_of_other_counters_does_not_unlock_an_account(client, org):
    for _ in range(10):
        sign_in(client, "employee@example.com", WRONG)
    for n in range(400):  # what many other accounts' and addresses' failures leave in the cache
        cache.set(f"zz:other-counter:{n}", [1.0], 300)
    _, signed_in = sign_in(client, "employee@example.com")
    assert not signed_in


def a_restart():
    """What a server restart does to caches: every process-local store is gone, every cache object
    is made again. A cache kept in the database (talent.settings CACHES) still holds its entries."""
    from asgiref.local import Local
    from django.core.cache import caches
    from django.core.cache.backends import locmem

    caches.close_all()
    caches._connections = Local(caches.thread_critical)
    for store in (locmem._caches, locmem._expire_info, locmem._locks):
        store.clear()


def test_the_lock_survives_a_restart_of_the_server(client, org):
    for _ in range(10):
        sign_in(client, "employee@example.com", WRONG)
    a_restart()
    response, signed_in = sign_in(client, "employee@example.com")
    assert not signed_in
    assert LOCKED in response.content.decode()


@override_settings(ACCOUNT_RATE_LIMITS=THREE_PER_ADDRESS)
def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, org):
    # Each failure claims another address; all of them count against the one that sent them.
    for n, email in enumerate(["employee@example.com", "peer@example.com", "outsider@example.com"]):
        sign_in(client, email, WRONG, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response, signed_in = sign_in(
        client, "manager@example.com", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.99"
    )
    assert not signed_in
    assert LOCKED in response.content.decode()


@override_settings(ACCOUNT_RATE_LIMITS=THREE_PER_ADDRESS, TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_each_client_counts_apart(client, org):
    proxy = {"REMOTE_ADDR": "10.1.1.1"}  # every request arrives from the proxy
    for n, email in enumerate(["employee@example.com", "peer@example.com", "outsider@example.com"]):
        sign_in(client, email, WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}", **proxy)
    _, signed_in = sign_in(client, "manager@example.com", HTTP_X_FORWARDED_FOR="203.0.113.99", **proxy)
    assert signed_in


@override_settings(ACCOUNT_RATE_LIMITS=THREE_PER_ADDRESS, TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_a_client_cannot_claim_another_address(client, org):
    # The client writes the first entries; the proxy appends the address it saw, the one that counts.
    proxy = {"REMOTE_ADDR": "10.1.1.1"}
    for n, email in enumerate(["employee@example.com", "peer@example.com", "outsider@example.com"]):
        sign_in(client, email, WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5", **proxy)
    _, signed_in = sign_in(client, "manager@example.com", HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.5", **proxy)
    assert not signed_in
