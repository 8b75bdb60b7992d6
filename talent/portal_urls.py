from django.urls import path

from . import portal

app_name = "portal"

urlpatterns = [
    path("me/", portal.me, name="me"),
    path("me/skills/<int:skill_pk>/confirm/", portal.skill_confirm, name="skill_confirm"),
    path("me/skills/<int:skill_pk>/contest/", portal.skill_contest, name="skill_contest"),
    path("me/goals/", portal.aspiration, name="aspiration"),
    path("me/reflections/", portal.reflection, name="reflection"),
    path("me/recommendations/<int:pk>/", portal.recommendation_act, name="recommendation_act"),
    path("me/check-ins/<int:pk>/answer/", portal.checkin_answer, name="checkin_answer"),
    path("team/", portal.team, name="team"),
    path("team/contests/", portal.contests, name="contests"),
    path("team/contests/<int:pk>/", portal.contest_decide, name="contest_decide"),
    path("team/<int:pk>/briefing/", portal.briefing, name="briefing"),
    path("team/<int:pk>/check-ins/", portal.checkin_log, name="checkin_log"),
    path("team/<int:pk>/flags/", portal.flag, name="flag"),
    path("team/<int:pk>/notes/", portal.manager_note, name="manager_note"),
    path("people/<int:pk>/", portal.detail, name="detail"),
]
