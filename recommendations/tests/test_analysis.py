"""Recompute against a real database: rows written, pointers moved, review policy applied."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from profiles.models import CareerAspiration, RoleAssignment, SkillEvidence
from recommendations import analysis
from recommendations.models import (
    AnalysisRun,
    CareerPath,
    EmployeeAnalysis,
    EngineSettings,
    Opportunity,
    OpportunityMatch,
    ReviewItem,
    SkillGap,
)
from taxonomy.tests.factories import MobilityPathFactory, RequirementFactory, RoleFactory, SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(org):
    """The org fixture with a role that asks for two skills and a goal role above it."""
    role = org.employee.role
    sql, stakeholders, coaching = (
        SkillFactory(name="SQL"),
        SkillFactory(name="Stakeholder management"),
        SkillFactory(name="Coaching"),
    )
    RequirementFactory(role=role, skill=sql, target_level=3, importance=5, core=True)
    RequirementFactory(role=role, skill=stakeholders, target_level=3, importance=4)
    lead = RoleFactory(title="Team Lead", family=role.family, grade=role.grade + 1)
    RequirementFactory(role=lead, skill=stakeholders, target_level=4, importance=5, core=True)
    RequirementFactory(role=lead, skill=coaching, target_level=3, importance=4, core=True)
    MobilityPathFactory(from_role=role, to_role=lead)
    now = timezone.now()
    for skill, level, source in [
        (sql, 3, "manager"),
        (stakeholders, 1, "manager"),
        (stakeholders, 2, "self"),
        (sql, 3, "assessment"),
    ]:
        SkillEvidence.objects.create(
            employee=org.employee, skill=skill, level=level, source=source, observed_at=now - timedelta(days=30)
        )
    CareerAspiration.objects.create(employee=org.employee, target_role=lead, stated_at=now)
    RoleAssignment.objects.create(employee=org.peer, role=role, start_date=now.date() - timedelta(days=900))
    RoleAssignment.objects.create(employee=org.peer, role=lead, start_date=now.date() - timedelta(days=360))
    Opportunity.objects.create(title="Team Lead, Payments", kind="role", role=lead)
    return org, lead, stakeholders


def test_a_recompute_writes_ranked_gaps_paths_and_matches(team):
    org, lead, stakeholders = team
    run, _ = analysis.recompute(trigger="test")
    assert run.status == AnalysisRun.Status.SUCCEEDED
    pointer = EmployeeAnalysis.objects.get(employee=org.employee)
    gaps = list(SkillGap.objects.filter(employee=org.employee, run=pointer.run).order_by("rank"))
    assert [gap.skill.name for gap in gaps] == ["Stakeholder management", "Coaching"]
    assert gaps[0].target_current == 3 and gaps[0].target_aspired == 4 and gaps[0].aspired_gaps_left == 2
    paths = {path.role_id: path for path in CareerPath.objects.filter(employee=org.employee, run=pointer.run)}
    assert paths[lead.pk].is_aspiration and 0 < paths[lead.pk].readiness < 1
    assert paths[lead.pk].moves_observed == 1  # the peer made that move
    assert OpportunityMatch.objects.filter(employee=org.employee, run=pointer.run, opportunity__role=lead).exists()
    assert pointer.top_skill == stakeholders and pointer.gap_count == 2


def test_pilot_mode_queues_every_analysis_for_review_and_hides_it(team):
    org, *_ = team
    assert EngineSettings.load().pilot_mode
    analysis.recompute()
    pointer = EmployeeAnalysis.objects.get(employee=org.employee)
    assert pointer.review_status == "pending" and pointer.visible_run is None
    assert ReviewItem.objects.filter(employee=org.employee, status="pending", reason="pilot").count() == 1
    analysis.recompute()  # a second run replaces the waiting item rather than adding one
    assert ReviewItem.objects.filter(employee=org.employee, status="pending").count() == 1


def test_after_calibration_only_low_confidence_waits(team):
    org, *_ = team
    EngineSettings.objects.update_or_create(pk=1, defaults={"pilot_mode": False, "review_threshold": 0.99})
    analysis.recompute()
    assert EmployeeAnalysis.objects.get(employee=org.employee).review_status == "pending"
    EngineSettings.objects.filter(pk=1).update(review_threshold=0.0)
    analysis.recompute()
    pointer = EmployeeAnalysis.objects.get(employee=org.employee)
    assert pointer.review_status == "auto" and pointer.visible_run == pointer.run


def test_a_failure_part_way_keeps_the_previous_results(team):
    org, *_ = team
    EngineSettings.objects.update_or_create(pk=1, defaults={"pilot_mode": False, "review_threshold": 0.0})
    first, _ = analysis.recompute()
    before = list(SkillGap.objects.filter(run=first).values_list("employee_id", "skill_id", "rank"))
    with (
        mock.patch.object(analysis, "run_finish", side_effect=RuntimeError("database went away")),
        pytest.raises(RuntimeError),
    ):
        analysis.recompute()
    failed = AnalysisRun.objects.latest("started_at")
    assert failed.status == AnalysisRun.Status.FAILED and "database went away" in failed.error
    assert EmployeeAnalysis.objects.get(employee=org.employee).run == first
    assert list(SkillGap.objects.filter(run=first).values_list("employee_id", "skill_id", "rank")) == before
    rerun, _ = analysis.recompute()
    assert EmployeeAnalysis.objects.get(employee=org.employee).run == rerun
    assert not SkillGap.objects.filter(run=failed).exists()  # the half-written rows are gone
    assert not SkillGap.objects.filter(run=first).exists()


def test_one_employee_recompute_leaves_the_others_alone(team):
    org, *_ = team
    full, _ = analysis.recompute()
    single = analysis.recompute_employee(org.employee.pk)
    assert EmployeeAnalysis.objects.get(employee=org.employee).run == single
    assert EmployeeAnalysis.objects.get(employee=org.peer).run == full
    assert SkillGap.objects.filter(employee=org.employee).values("run").distinct().count() == 1


def test_chunks_give_the_same_results_as_one_pass(team):
    org, *_ = team

    def rows(run):
        gaps = SkillGap.objects.filter(run=run).values_list("employee_id", "skill_id", "rank", "priority")
        return sorted((employee, skill, rank, round(priority, 9)) for employee, skill, rank, priority in gaps)

    one, _ = analysis.recompute(chunk_size=100)
    in_one_pass = rows(one)
    many, _ = analysis.recompute(chunk_size=2)
    assert many.chunks_total > 1
    assert in_one_pass and rows(many) == in_one_pass


def test_the_quality_scan_flags_analyses_older_than_30_days(team):
    from profiles.models import DataQualityFlag
    from profiles.quality import quality_scan

    org, *_ = team
    analysis.recompute()
    quality_scan()
    assert not DataQualityFlag.objects.filter(kind="stale_analysis", employee=org.employee, resolved_at=None).exists()
    EmployeeAnalysis.objects.filter(employee=org.employee).update(computed_at=timezone.now() - timedelta(days=31))
    quality_scan()
    flag = DataQualityFlag.objects.get(kind="stale_analysis", employee=org.employee, resolved_at=None)
    assert "over 30 days ago" in flag.detail
    analysis.recompute_employee(org.employee.pk)
    quality_scan()
    flag.refresh_from_db()
    assert flag.resolved_at is not None
