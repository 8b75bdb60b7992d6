from django.urls import path

from . import views

app_name = "profiles"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("team/", views.team, name="team"),
    path("people/<int:pk>/", views.detail, name="detail"),
]
