from django.urls import path

from . import hr_views

app_name = "hr_data"

urlpatterns = [
    path("upload/", hr_views.upload, name="upload"),
    path("upload/templates/<slug:kind>.<slug:file_format>", hr_views.upload_template, name="upload_template"),
    path("syncs/", hr_views.sync_list, name="syncs"),
    path("syncs/<int:pk>/", hr_views.sync_detail, name="sync"),
    path("people/<int:pk>/", hr_views.person_data, name="person_data"),
]
