"""Credentials other systems use to push data in (SCIM, xAPI, REST).

A credential is a public ``key`` plus a random secret; only the secret's SHA-256 is stored.
(A slow password hash would cost ~0.3 s on every API request; the secrets are 256 random
bits, so a fast hash is as safe here as it is for session keys.) Bearer tokens are written
``<key>.<secret>``; xAPI uses HTTP basic auth with the key as user name.
"""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from .models import Credential


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def credential_issue(*, kind: str, name: str, user=None) -> tuple[Credential, str]:
    """Create a credential and return it with the secret, which is never shown again.

    For bearer kinds (SCIM, API) the returned string is the whole token ``key.secret``;
    for xAPI it is the password that goes with ``credential.key`` as user name.
    """
    if kind not in Credential.Kind.values:
        raise ValueError(f"Unknown credential kind {kind!r}; use one of: {', '.join(Credential.Kind.values)}.")
    secret = secrets.token_urlsafe(32)
    credential = Credential(kind=kind, name=name, key=secrets.token_hex(8), secret_hash=_digest(secret), user=user)
    credential.full_clean()
    credential.save()
    shown = secret if kind == Credential.Kind.XAPI else f"{credential.key}.{secret}"
    return credential, shown


def credential_verify(*, kind: str, key: str, secret: str) -> Credential | None:
    """The live credential matching ``key`` and ``secret``, or None."""
    credential = Credential.objects.filter(kind=kind, key=key, revoked_at__isnull=True).select_related("user").first()
    if credential is None or not hmac.compare_digest(credential.secret_hash, _digest(secret)):
        return None
    now = timezone.now()
    if credential.last_used_at is None or (now - credential.last_used_at).total_seconds() > 60:
        Credential.objects.filter(pk=credential.pk).update(last_used_at=now)
    return credential


def credential_from_bearer(*, kind: str, token: str) -> Credential | None:
    key, _, secret = token.strip().partition(".")
    if not key or not secret:
        return None
    return credential_verify(kind=kind, key=key, secret=secret)


def credential_revoke(*, credential: Credential) -> Credential:
    credential.revoked_at = timezone.now()
    credential.save(update_fields=["revoked_at"])
    return credential
