"""The frame readers of the recommendations tables, against a real database (SQLite or
PostgreSQL's COPY): the catalogue and opportunities the recompute reads, and what the outcome
metrics read of delivered picks."""

from datetime import timedelta

import pandas as pd
import pytest
from django.utils import timezone

from feedback.tests.fixtures import recommendation_for
from profiles import frames as profile_frames
from profiles.models import SkillEvidence
from recommendations import frames
from recommendations.models import LearningResource, Opportunity, OpportunitySkill, Recommendation, ResourceSkill
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_its_active_items_with_mentor_names(org):
    skill = SkillFactory()
    org.manager.first_name, org.manager.last_name = "Priya", "Shah"
    org.manager.save()
    mentorship = LearningResource.objects.create(
        title="Mentoring", kind="mentorship", format="one_to_one", hours=10, mentor=org.manager
    )
    course = LearningResource.objects.create(title="Course", kind="course", format="self_paced", hours=4)
    retired = LearningResource.objects.create(title="Old", kind="course", format="self_paced", hours=4, active=False)
    for item in (mentorship, course, retired):
        ResourceSkill.objects.create(resource=item, skill=skill, from_level=1, to_level=3)
    resources = frames.catalogue_resources().set_index("resource_id")
    assert set(resources.index) == {mentorship.pk, course.pk}
    assert resources.loc[mentorship.pk, "mentor"] == "Priya Shah"
    assert resources.loc[mentorship.pk, "mentor_id"] == org.manager.pk and pd.isna(
        resources.loc[course.pk, "mentor_id"]
    )
    assert resources["active"].all() and resources["hours"].dtype == "float64"
    listed = frames.catalogue_skills()
    assert list(listed.columns) == ["resource_id", "skill_id", "from_level", "to_level"]
    assert set(listed["resource_id"]) == {mentorship.pk, course.pk}


def test_open_opportunities_and_the_skills_they_list(org):
    skill = SkillFactory()
    role = Opportunity.objects.create(title="Lead", kind="role", role=org.manager.role)
    project = Opportunity.objects.create(title="Project", kind="project")
    closed = Opportunity.objects.create(title="Done", kind="project", status=Opportunity.Status.CLOSED)
    # Still open in the admin, but its closing date has passed: not offered any more.
    lapsed = Opportunity.objects.create(
        title="Lapsed", kind="project", closes_on=timezone.localdate() - timedelta(days=1)
    )
    Opportunity.objects.create(title="Closes today", kind="project", closes_on=timezone.localdate())
    for opportunity in (project, closed, lapsed):
        OpportunitySkill.objects.create(opportunity=opportunity, skill=skill, target_level=3, importance=4)
    opportunities = frames.open_opportunities().set_index("opportunity_id")
    assert set(opportunities.index) == {role.pk, project.pk, Opportunity.objects.get(title="Closes today").pk}
    assert opportunities.loc[role.pk, "role_id"] == org.manager.role_id
    assert pd.isna(opportunities.loc[project.pk, "role_id"])
    listed = frames.open_opportunity_skills()
    assert listed[["opportunity_id", "skill_id", "target_level", "importance"]].values.tolist() == [
        [project.pk, skill.pk, 3, 4]
    ]


def test_delivered_picks_and_the_evidence_of_the_pairs_they_targeted(org):
    now = timezone.now()
    targeted, other = SkillFactory(), SkillFactory()
    pick = recommendation_for(org.employee, targeted)
    Recommendation.objects.filter(pk=pick.pk).update(delivered_at=now - timedelta(days=5), shown=True)
    recommendation_for(org.peer, targeted, status=Recommendation.Status.IN_REVIEW)  # never delivered
    for employee, skill in [(org.employee, targeted), (org.employee, other), (org.peer, targeted)]:
        SkillEvidence.objects.create(
            employee=employee, skill=skill, level=2, source="manager", observed_at=now - timedelta(days=1)
        )
    picks = frames.delivered_recommendations_select(delivered_until=now).read()
    assert picks["employee_id"].tolist() == [org.employee.pk] and picks["shown"].tolist() == [True]
    assert picks["delivered_at"].tolist() == [pd.Timestamp(now - timedelta(days=5))]
    assert picks["completed_at"].isna().all()
    assert frames.delivered_recommendations_select(delivered_until=now - timedelta(days=6)).read().empty
    evidence = profile_frames.skill_evidence(
        now=now, only_pairs=frames.targeted_pairs_sql(delivered_until=now), with_observed_at=True
    )
    assert list(zip(evidence["employee_id"], evidence["skill_id"], strict=True)) == [(org.employee.pk, targeted.pk)]
