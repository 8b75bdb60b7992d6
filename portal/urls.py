from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/skills/<int:skill_pk>/confirm/", views.skill_confirm, name="skill_confirm"),
    path("me/skills/<int:skill_pk>/contest/", views.skill_contest, name="skill_contest"),
    path("me/goals/", views.aspiration, name="aspiration"),
    path("me/reflections/", views.reflection, name="reflection"),
    path("me/recommendations/<int:pk>/", views.recommendation_act, name="recommendation_act"),
    path("me/opportunities/<int:pk>/interest/", views.interest_express, name="interest_express"),
    path("me/interest/<int:pk>/withdraw/", views.interest_withdraw, name="interest_withdraw"),
    path("me/check-ins/<int:pk>/answer/", views.checkin_answer, name="checkin_answer"),
    path("team/", views.team, name="team"),
    path("team/capability/", views.team_capability, name="team_capability"),
    path("hr/capability/", views.hr_capability, name="hr_capability"),
    path("hr/capability/supply/", views.hr_supply, name="hr_supply"),
    path("team/contests/", views.contests, name="contests"),
    path("team/contests/<int:pk>/", views.contest_decide, name="contest_decide"),
    path("team/<int:pk>/briefing/", views.briefing, name="briefing"),
    path("team/<int:pk>/check-ins/", views.checkin_log, name="checkin_log"),
    path("team/<int:pk>/flags/", views.flag, name="flag"),
    path("team/<int:pk>/notes/", views.manager_note, name="manager_note"),
    path("people/<int:pk>/", views.detail, name="detail"),
]
