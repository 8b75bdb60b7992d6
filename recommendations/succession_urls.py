from django.urls import path

from . import succession_views

app_name = "succession"

urlpatterns = [
    path("", succession_views.succession, name="home"),
    path("mark/", succession_views.succession_mark, name="mark"),
    path("propose/", succession_views.succession_propose, name="propose"),
]
