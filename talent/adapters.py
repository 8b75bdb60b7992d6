import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """People are provisioned from the HR system (SCIM, imports), never by open sign-up."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """The address failed sign-ins count against (``ACCOUNT_RATE_LIMITS``, per ip).

        Anyone can send X-Forwarded-For, so it counts only behind ``TRUSTED_PROXY_COUNT`` proxies
        of ours: each appends the address it saw, so the entry that many from the end is the one
        our outermost proxy wrote. Otherwise, or when the request did not come through them (a
        shorter header), the address of the peer itself.
        """
        proxies = settings.TRUSTED_PROXY_COUNT
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if proxies > 0 and len(forwarded) >= proxies and is_ip_address(forwarded[-proxies]):
            return forwarded[-proxies]
        return super().get_client_ip(request)

    def _get_login_attempts_cache_key(self, request, **credentials):
        """Failed sign-ins count per account: the e-mail alone.

        allauth prefixes the host the request names, and Host "talent.example.com:1", ":2", ...
        all pass ALLOWED_HOSTS, so each port would have counted apart.
        """
        return credentials.get("email", credentials.get("username", "")).lower()


def is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
