"""/team/<pk>/briefing/: ranked gaps with rationale and what confidence means, what changed since
the last check-in, a generated agenda, goals and signals; logging the check-in; flags to HR."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import CheckIn, Signal
from feedback.tests.fixtures import analysed, recommendation_for, team, team_member  # noqa: F401  (fixtures)
from portal.briefing import checkin_inputs
from portal.tests.test_pagecache import without_csrf_tokens
from profiles.models import LearningRecord, SkillEvidence
from recommendations.models import Flag, ReviewItem

pytestmark = pytest.mark.django_db


def briefing(client, org, viewer=None):
    client.force_login((viewer or org.manager).user)
    response = client.get(reverse("portal:briefing", args=[org.employee.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_rationale_confidence_meaning_agenda_goals_and_help(client, analysed):  # noqa: F811
    org, *_ = analysed
    Signal.objects.create(
        employee=org.employee, kind="self_reflection", text="I want to lead the next review", author=org.employee.user
    )
    page = briefing(client, org)
    assert "How to read this briefing" in page and "15-20 minute monthly development conversation" in page
    assert "Stakeholder management is" in page and "below what" in page and "their stated goal" in page
    assert "Recent evidence from more than one source agrees." in page  # the confidence legend
    assert "Confidence medium: the evidence is thin, old or from one source." in page or "Confidence low:" in page
    agenda = page.split('id="agenda"')[1].split("</section>")[0]
    for title in (
        "Progress on the top gap: Stakeholder management",
        "Recommendation engagement",
        "Goals check",
        "Agree actions",
    ):
        assert title in agenda
    assert "Aiming for <strong>Team Lead</strong>" in page
    assert "I want to lead the next review" in page


def test_what_changed_since_the_last_checkin(client, analysed):  # noqa: F811
    org, lead, stakeholders = analysed
    held = timezone.localdate() - dt.timedelta(days=10)
    checkin = CheckIn.objects.create(
        employee=org.employee,
        manager=org.manager,
        held_on=held,
        notes="x",
        agreed_actions="Shadow the quarterly review",
        gaps_snapshot=[
            {
                "skill_id": stakeholders.pk,
                "skill": "Stakeholder management",
                "rank": 2,
                "level": 1,
                "goal": 4,
                "confidence": 0.5,
            },
            {"skill_id": 999, "skill": "Forecasting", "rank": 1, "level": 1, "goal": 3, "confidence": 0.5},
        ],
    )
    since = timezone.now() - dt.timedelta(days=2)
    SkillEvidence.objects.create(
        employee=org.employee, skill=stakeholders, level=2, source="manager", observed_at=since, note="Ran the review"
    )
    LearningRecord.objects.create(
        employee=org.employee,
        activity_id="negotiation",
        title="Negotiation basics",
        status="completed",
        completed_at=since,
    )
    Signal.objects.create(employee=org.employee, kind="peer_acknowledgment", text="Thanks for untangling the roadmap")
    page = briefing(client, org)
    changes = page.split('id="changes"')[1].split("</section>")[0]
    assert f"since the last check-in ({held.day} {held:%b})" in changes
    assert (
        "moved up from #2 to #1" in changes
        and "Forecasting" in changes
        and "no longer among the ranked gaps" in changes
    )
    assert (
        "Ran the review" in changes
        and "Negotiation basics" in changes
        and "Thanks for untangling the roadmap" in changes
    )
    assert "Follow up the agreed actions" in page and "Shadow the quarterly review" in page
    assert "1 new piece of evidence since" in page
    assert checkin.held_on.strftime("%Y") in page


def test_nothing_new_says_what_to_do(client, analysed):  # noqa: F811
    org, *_ = analysed
    agenda, gaps_snapshot = checkin_inputs(employee=org.employee)
    services.checkin_log(
        employee=org.employee,
        manager=org.manager,
        held_on=timezone.localdate(),
        notes="x",
        agreed_actions="",
        agenda=agenda,
        gaps_snapshot=gaps_snapshot,
        by=None,
    )
    assert "Nothing new since" in briefing(client, org)


def test_without_an_analysis_the_gaps_say_why(client, org):
    page = briefing(client, org)
    assert "No gap analysis yet" in page and "nothing to flag" in page and "No career goal stated" in page


class TestLogCheckin:
    def test_it_is_logged_with_the_agenda_and_the_survey_answer(self, client, analysed):  # noqa: F811
        org, *_ = analysed
        client.force_login(org.manager.user)
        response = client.post(
            reverse("portal:checkin_log", args=[org.employee.pk]),
            {
                "held_on": timezone.localdate().isoformat(),
                "notes": "Talked about the review",
                "agreed_actions": "Lead one review",
                "manager_prep_saved": "5",
            },
            follow=True,
        )
        assert "Check-in with" in response.content.decode()
        checkin = CheckIn.objects.get()
        assert (checkin.manager, checkin.manager_prep_saved, checkin.recorded_by) == (org.manager, 5, org.manager.user)
        assert [item["title"] for item in checkin.agenda][:3] == [
            "Progress on the top gap: Stakeholder management",
            "Recommendation engagement",
            "Goals check",
        ]
        assert [gap["skill"] for gap in checkin.gaps_snapshot] == ["Stakeholder management", "Coaching"]
        assert "Lead one review" in response.content.decode()  # listed under earlier check-ins

    def test_an_empty_log_says_what_is_missing(self, client, analysed):  # noqa: F811
        org, *_ = analysed
        client.force_login(org.manager.user)
        response = client.post(reverse("portal:checkin_log", args=[org.employee.pk]), {"held_on": "", "notes": ""})
        assert response.status_code == 400
        text = response.content.decode()
        assert "This field is required" in text and "Write what you talked about or what you agreed" in text
        assert not CheckIn.objects.exists()

    def test_hr_reads_the_briefing_but_does_not_log(self, client, analysed):  # noqa: F811
        org, *_ = analysed
        client.force_login(org.hr_user)
        page = client.get(reverse("portal:briefing", args=[org.employee.pk])).content.decode()
        assert "You are seeing this briefing as HR" in page and 'action="/team/' not in page.split('id="log"')[1]


class TestFlag:
    def test_a_flagged_gap_lands_in_hrs_review_queue(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        client.force_login(org.manager.user)
        page = client.get(
            reverse("portal:briefing", args=[org.employee.pk]), {"flag": f"gap-{stakeholders.pk}"}
        ).content.decode()
        assert f'<option value="gap-{stakeholders.pk}" selected>' in page  # the gap's link preselects it
        response = client.post(
            reverse("portal:flag", args=[org.employee.pk]),
            {"target": f"gap-{stakeholders.pk}", "reason": "She already leads these"},
        )
        assert response.status_code == 302
        flag = Flag.objects.get()
        assert (flag.target, flag.skill, flag.raised_by, flag.reason) == (
            "gap",
            stakeholders,
            org.manager.user,
            "She already leads these",
        )
        item = ReviewItem.objects.get(employee=org.employee, status="pending")
        assert item.reason == "flagged"
        client.force_login(org.hr_user)
        assert org.employee.full_name in client.get(reverse("recommendations:review_queue")).content.decode()

    def test_a_recommendation_can_be_flagged(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        recommendation = recommendation_for(org.employee, stakeholders)
        client.force_login(org.manager.user)
        client.post(
            reverse("portal:flag", args=[org.employee.pk]),
            {"target": f"rec-{recommendation.pk}", "reason": "Did it last year"},
        )
        assert Flag.objects.get().recommendation == recommendation
        assert ReviewItem.objects.get(kind="recommendation").reason == "flagged"

    def test_the_answer_is_shown_by_the_flag_form_where_the_page_lands(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        client.force_login(org.manager.user)
        response = client.post(
            reverse("portal:flag", args=[org.employee.pk]),
            {"target": f"gap-{stakeholders.pk}", "reason": "She already leads these"},
        )
        assert response["Location"].endswith("#flag")
        flag_card = briefing(client, org).split('id="flag"')[1].split("</section>")[0]
        assert "Flag sent to HR&#x27;s review queue" in flag_card

    def test_a_flag_without_a_reason_says_so(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        client.force_login(org.manager.user)
        response = client.post(
            reverse("portal:flag", args=[org.employee.pk]), {"target": f"gap-{stakeholders.pk}", "reason": ""}
        )
        assert response.status_code == 400 and "Say what is wrong" in response.content.decode()
        assert not Flag.objects.exists()


def test_a_manager_note_becomes_a_signal(client, analysed):  # noqa: F811
    org, *_ = analysed
    client.force_login(org.manager.user)
    client.post(reverse("portal:manager_note", args=[org.employee.pk]), {"text": "Great demo on Friday"})
    assert Signal.objects.get().kind == "manager_note"
    assert "Great demo on Friday" in briefing(client, org)


BUILT = 37  # the briefing's own queries (with its open review, themes and the interest the report told their managers about), the page key (one), and the cache's look-up and write
SERVED = 7  # the same briefing again: nothing it shows changed, so it comes from the page cache


def test_the_briefing_makes_the_same_queries_for_teams_of_5_and_50(client, analysed, django_assert_num_queries):  # noqa: F811
    """A bigger team, and more history for the report, cost no extra queries."""
    org, _, stakeholders = analysed
    for n in range(3):
        team_member(org.manager, stakeholders, n=n)
    CheckIn.objects.create(
        employee=org.employee, manager=org.manager, held_on=timezone.localdate() - dt.timedelta(days=20), notes="x"
    )
    client.force_login(org.manager.user)
    url = reverse("portal:briefing", args=[org.employee.pk])
    with django_assert_num_queries(BUILT):
        client.get(url)
    for n in range(3, 48):
        team_member(org.manager, stakeholders, n=n)
        SkillEvidence.objects.create(
            employee=org.employee, skill=stakeholders, level=n % 4, source="self", observed_at=timezone.now()
        )
        Signal.objects.create(employee=org.employee, kind="project_checkin", text=f"Sprint {n}")
        LearningRecord.objects.create(
            employee=org.employee,
            activity_id=f"c{n}",
            title=f"Course {n}",
            status="completed",
            completed_at=timezone.now(),
        )
    recommendation_for(org.employee, stakeholders)
    with django_assert_num_queries(BUILT):
        first = client.get(url).content.decode()
    with django_assert_num_queries(SERVED):
        again = client.get(url).content.decode()
    assert without_csrf_tokens(again) == without_csrf_tokens(first)
