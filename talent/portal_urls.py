from django.urls import path

from . import portal

app_name = "portal"

urlpatterns = [
    path("me/", portal.me, name="me"),
    path("team/", portal.team, name="team"),
    path("people/<int:pk>/", portal.detail, name="detail"),
]
