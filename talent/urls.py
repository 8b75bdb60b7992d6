from allauth.socialaccount import views as socialaccount_views
from allauth.urls import build_provider_urlpatterns
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import include, path, reverse

from portal import views

admin.site.site_header = "Talent platform · HR configuration"
admin.site.site_title = "Talent HR admin"
admin.site.index_title = "Taxonomy, people and settings"


def admin_sign_in(request, extra_context=None):
    """The admin's sign-in is allauth's, with ?next= carried along.

    Django's own admin form checks passwords outside allauth's limit on failed sign-ins, so an
    account locked on /accounts/login/ could still sign in there; it never shows, not even to
    staff already signed in (they could try other people's passwords with it).
    """
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect("admin:index")
        # allauth sends a signed-in person straight on to ?next=, which would bring them back here.
        raise PermissionDenied("Your account may not use the HR admin. Sign out first to sign in as someone else.")
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("account_login"))


admin.site.login = admin_sign_in  # before admin.site.urls (below) reads it for admin/login/

urlpatterns = [
    path("", views.home, name="home"),
    path("hr/", views.hr_home, name="hr_home"),
    path("hr/data/", include("profiles.hr_urls")),
    path("hr/review/", include("recommendations.urls")),
    path("hr/quality/", include("profiles.quality_urls")),
    path("hr/metrics/", include("metrics.urls")),
    path("hr/succession/", include("recommendations.succession_urls")),
    path("opportunities/", include("recommendations.moves_urls")),
    path("admin/", admin.site.urls),
    # allauth, piece by piece: sign-in and account pages, the second factor, and single sign-on
    # (its provider's login and callback, and the pages it ends on). Not its page for linking
    # more identities to an account: SSO links a person by the e-mail the HR system gave them,
    # nothing else (talent.adapters); nor its deprecated unnamed redirects.
    path("accounts/", include("allauth.account.urls")),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path(
        "accounts/3rdparty/login/cancelled/",
        socialaccount_views.login_cancelled,
        name="socialaccount_login_cancelled",
    ),
    path("accounts/3rdparty/login/error/", socialaccount_views.login_error, name="socialaccount_login_error"),
    path("accounts/3rdparty/signup/", socialaccount_views.signup, name="socialaccount_signup"),
    path("accounts/", include(build_provider_urlpatterns())),
    path("scim/v2/", include("profiles.scim.urls")),
    path("xapi/", include("profiles.xapi.urls")),
    path("api/", include("profiles.api.urls")),
    path("feedback/", include("feedback.urls")),
    path("", include("portal.urls")),
]
