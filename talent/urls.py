from django.contrib import admin
from django.urls import include, path

from portal import views

admin.site.site_header = "Talent platform · HR configuration"
admin.site.site_title = "Talent HR admin"
admin.site.index_title = "Taxonomy, people and settings"

urlpatterns = [
    path("", views.home, name="home"),
    path("hr/", views.hr_home, name="hr_home"),
    path("hr/data/", include("profiles.hr_urls")),
    path("hr/review/", include("recommendations.urls")),
    path("hr/quality/", include("profiles.quality_urls")),
    path("hr/metrics/", include("metrics.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("scim/v2/", include("profiles.scim.urls")),
    path("xapi/", include("profiles.xapi.urls")),
    path("api/", include("profiles.api.urls")),
    path("", include("portal.urls")),
]
