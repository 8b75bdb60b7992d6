"""API tokens: ``Authorization: Bearer <key>.<secret>`` from ``credential_issue(kind="api", user=...)``.

The request runs with the token owner's permissions (``request.user = credential.user``), so the
same access rule applies as in the portal. An unknown, revoked or owner-less token is 401.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from profiles.credentials import credential_from_bearer
from profiles.models import Credential


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        scheme, _, token = get_authorization_header(request).decode("latin-1").partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None  # not ours: let the next authenticator (session) try
        credential = credential_from_bearer(kind=Credential.Kind.API, token=token) if token.strip() else None
        if credential is None or credential.user is None or not credential.user.is_active:
            raise AuthenticationFailed("Invalid or revoked API token; ask HR for a new one.")
        return credential.user, credential

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to an unauthenticated request.
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 (the scheme's name, not a secret)
            bearer_format="<key>.<secret>",
        )
