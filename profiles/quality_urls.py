from django.urls import path

from . import quality_views

app_name = "quality"

urlpatterns = [
    path("", quality_views.flag_list, name="flags"),
]
