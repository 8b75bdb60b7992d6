from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("", views.review_queue, name="review_queue"),
    path("<int:pk>/", views.review_item, name="review_item"),
    path("<int:pk>/decide/", views.review_decide, name="review_decide"),
]
