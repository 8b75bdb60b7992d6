from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("give/", views.give, name="give"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/texts/", views.texts, name="texts"),
    path("mentions/<int:pk>/evidence/", views.mention_evidence, name="mention_evidence"),
    path("themes/<int:pk>/hide/", views.theme_hide, name="theme_hide"),
    path("requests/", views.requests, name="requests"),
    path("people/<int:pk>/requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("asks/<int:pk>/", views.ask_answer, name="ask_answer"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("cadence/", views.cadence, name="cadence"),
]
