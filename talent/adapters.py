import ipaddress
import logging
import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render

logger = logging.getLogger(__name__)


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """People are provisioned from the HR system (SCIM, imports), never by open sign-up."""

    def is_open_for_signup(self, request):
        return False

    def is_reauthentication_required(self, *, app, **kwargs):
        """Setting up a second factor right after a password sign-in needs no second password.

        HR and staff are sent to set one up as they sign in (talent.signin); allauth would first
        ask for the password they typed seconds ago. Within the reauthentication window of that
        sign-in it counts as the confirmation; later, and for everything else, allauth decides.
        """
        request = context.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            records = get_authentication_records(request, request.user)
            recent = [r for r in records if r.get("method") == "password" and "at" in r]
            if recent and time.time() - recent[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

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


class CompanySocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on signs people in to the accounts the HR system provisioned, never new ones.

    The first sign-in of a person links their identity at the provider to the account whose
    e-mail address the provider vouches for (SCIM or an import created it); later sign-ins find
    the link. An address no account has is refused with a page that says what to do; a disabled
    account (a leaver: SCIM ``active: false``, or erased) gets allauth's "account inactive" page.
    """

    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        if sociallogin.is_existing:
            return
        email = (sociallogin.user.email or "").strip()
        matches = list(get_user_model().objects.filter(email__iexact=email)) if email else []
        if len(matches) != 1:
            logger.warning("SSO sign-in refused: %s account(s) with the e-mail the provider sent", len(matches))
            raise ImmediateHttpResponse(
                render(
                    request,
                    "account/sso_unknown.html",
                    {"email": email, "ambiguous": len(matches) > 1, "provider": settings.OIDC_PROVIDER_NAME},
                    status=403,
                )
            )
        user = matches[0]
        if not user.is_active:
            raise ImmediateHttpResponse(redirect("account_inactive"))
        sociallogin.connect(request, user)
