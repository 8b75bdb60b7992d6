from django.urls import path

from . import moves_views

app_name = "opportunities"

urlpatterns = [
    path("", moves_views.opportunity_list, name="list"),
    path("<int:pk>/", moves_views.opportunity_candidates, name="candidates"),
    path("<int:pk>/candidates/<int:employee_pk>/", moves_views.candidate_decide, name="decide"),
]
