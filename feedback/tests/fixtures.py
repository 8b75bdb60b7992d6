"""Shared test data for the feedback app and the portal pages.

``analysed`` is the recommendations test team (a role with two requirements, a goal role above
it, evidence and an aspiration for ``org.employee``) run through the real engine with pilot mode
off, so managers and the employee see the gaps. ``team_member`` adds a report with some of
everything a team row or briefing reads, for the fixed-query-count tests.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from profiles.models import DataQualityFlag, LearningRecord, SkillEvidence
from profiles.tests.factories import EmployeeFactory, UserFactory
from recommendations import analysis
from recommendations.models import EngineSettings, LearningResource, Recommendation
from recommendations.tests.test_analysis import team  # noqa: F401  (fixture)

from ..models import CheckIn, Signal, SkillContest


@pytest.fixture
def analysed(team):  # noqa: F811
    org, lead, stakeholders = team
    EngineSettings.objects.update_or_create(pk=1, defaults={"pilot_mode": False, "review_threshold": 0.0})
    analysis.recompute(trigger="test")
    return org, lead, stakeholders


def recommendation_for(employee, skill, *, status=Recommendation.Status.DELIVERED, rank=1):
    resource = LearningResource.objects.create(
        title=f"Course on {skill.name} {rank}", kind="course", format="self_paced", hours=2
    )
    return Recommendation.objects.create(
        employee=employee,
        resource=resource,
        skill=skill,
        goal="current",
        current_level=1,
        reaches_level=2,
        gap_priority=1.0,
        score=0.8,
        confidence=0.7,
        rank=rank,
        reason=f"Raises {skill.name} to 2.",
        scorer="heuristic",
        status=status,
        created_at=timezone.now(),
    )


def team_member(manager, skill, *, n: int):
    """A report of ``manager`` with evidence, learning, a check-in, signals, a contest, a flag and a
    recommendation, so every column of the team page and section of a briefing has rows."""
    now = timezone.now()
    person = EmployeeFactory(manager=manager, role=manager.role, user=UserFactory())
    SkillEvidence.objects.create(
        employee=person, skill=skill, level=1 + n % 3, source="manager", observed_at=now - timedelta(days=3)
    )
    LearningRecord.objects.create(
        employee=person, activity_id=f"course-{n}", title="Course", status="completed", completed_at=now
    )
    CheckIn.objects.create(
        employee=person,
        manager=manager,
        held_on=(now - timedelta(days=40 + n)).date(),
        notes="Talked",
        agreed_actions="Read a book",
    )
    Signal.objects.create(employee=person, kind=Signal.Kind.PEER_ACKNOWLEDGMENT, text="Thanks for the help")
    SkillContest.objects.create(employee=person, skill=skill, claimed_level=3, reason="I run the workshops")
    DataQualityFlag.objects.create(kind=DataQualityFlag.Kind.NO_ASPIRATION, employee=person, detail="No goal")
    recommendation_for(person, skill, rank=n)
    return person
