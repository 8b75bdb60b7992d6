"""Sign-in rules beyond allauth's own.

1. HR and staff who sign in with a password must use a second factor (allauth MFA: an
   authenticator app's codes, with recovery codes): until they have set one up, every page but
   the set-up and sign-out sends them to set it up; once they have, allauth asks for a code at
   every password sign-in. The admin signs in on the same page, so it is behind the same factor.
   Single sign-on leaves the second factor to the company's identity provider.
2. ``PASSWORD_SIGN_IN=0`` (with SSO configured) turns local passwords off: the sign-in form and
   password reset refuse them with a message that names the way in.
"""

from allauth.account.forms import LoginForm, ResetPasswordForm
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from profiles.access import is_hr

PASSWORDS_OFF = "Passwords are turned off here: sign in with your company account ({sso})."


def sso_name() -> str:
    return settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else "single sign-on"


def needs_second_factor(user) -> bool:
    """HR and staff: whoever can see everyone's data or change the configuration."""
    return user.is_staff or user.is_superuser or is_hr(user)


def signed_in_with_password(request) -> bool:
    return any(record.get("method") == "password" for record in get_authentication_records(request, request.user))


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class SecondFactorRequiredMiddleware:
    """Sends HR and staff signed in with a password, and without a second factor, to set one up."""

    ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/reauthenticate/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.MFA_REQUIRED
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not request.path.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/")
            and needs_second_factor(user)
            and signed_in_with_password(request)
            and not has_second_factor(user)
        ):
            messages.warning(
                request,
                "Your account can see everyone's data, so it needs a second factor: "
                "set up an authenticator app to go on.",
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class PasswordLoginForm(LoginForm):
    """allauth's sign-in form, refusing passwords when ``PASSWORD_SIGN_IN`` is off."""

    @property
    def password_sign_in(self) -> bool:
        return settings.PASSWORD_SIGN_IN

    def clean(self):
        if not settings.PASSWORD_SIGN_IN:
            raise ValidationError(PASSWORDS_OFF.format(sso=sso_name()), code="passwords_off")
        return super().clean()


class PasswordResetForm(ResetPasswordForm):
    def clean_email(self):
        if not settings.PASSWORD_SIGN_IN:
            raise ValidationError(PASSWORDS_OFF.format(sso=sso_name()), code="passwords_off")
        return super().clean_email()
