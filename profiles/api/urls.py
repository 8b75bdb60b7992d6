from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views

app_name = "api"

urlpatterns = [
    path("employees/", views.EmployeeList.as_view(), name="employees"),
    path("employees/<int:pk>/", views.EmployeeDetail.as_view(), name="employee"),
    path("reviews/", views.ReviewListCreate.as_view(), name="reviews"),
    path("aspirations/", views.AspirationListCreate.as_view(), name="aspirations"),
    path("evidence/", views.EvidenceListCreate.as_view(), name="evidence"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.ApiDocs.as_view(url_name="api:schema"), name="docs"),
]
