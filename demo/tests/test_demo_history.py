"""seed_demo's history: role moves, skill evidence, learning, reviews, career goals, opportunities,
and the first gap analysis with HR's past review cycles."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Min, Q

from demo.context import BASE_DATE, PILOT_SIZE
from demo.generator import build_demo
from profiles.models import (
    CareerAspiration,
    Employee,
    LearningRecord,
    PerformanceReview,
    RoleAssignment,
    SkillEvidence,
)
from recommendations.engine.paths import observed_moves
from recommendations.models import (
    CareerPath,
    EmployeeAnalysis,
    EngineSettings,
    LearningResource,
    Opportunity,
    OpportunitySkill,
    Recommendation,
    ReviewItem,
    ReviewStatus,
    SkillGap,
)
from taxonomy.models import MobilityPath, RoleRequirement

EMPLOYEE, MANAGER, HR = "employee@demo.example", "manager@demo.example", "hr@demo.example"
BASE = datetime(BASE_DATE.year, BASE_DATE.month, BASE_DATE.day, tzinfo=UTC)
PROFILE_MODELS = (RoleAssignment, SkillEvidence, LearningRecord, PerformanceReview, CareerAspiration)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options):
    call_command("seed_demo", verbosity=0, **options)


def demo(email):
    return Employee.objects.get(user__username=email)


def without(model):
    """Employees with no rows in ``model``."""
    return Employee.objects.exclude(pk__in=model.objects.values("employee_id"))


def history_evidence():
    """The history step's evidence (the recommendation history adds its own, ``demo-rhev-...``)."""
    return SkillEvidence.objects.filter(external_id__startswith="demo-ev-")


def history_learning():
    """The history step's learning records (the recommendation history adds ``demo-rh-...``)."""
    return LearningRecord.objects.filter(external_id__startswith="demo-lr-")


def wipe():
    """Remove the people (their mentorship pairings first: a mentor cannot be deleted from under one)."""
    LearningResource.objects.all().delete()
    Employee.objects.all().delete()


def evidence_fingerprint():
    return list(
        SkillEvidence.objects.order_by("external_id").values_list(
            "external_id", "skill__name", "level", "source", "observed_at"
        )
    )


@pytest.mark.usefixtures("pilot")
class TestRoleHistory:
    def test_everyone_has_a_hire_assignment_and_the_last_one_is_their_current_role(self):
        assert not without(RoleAssignment).exists()
        for person in Employee.objects.prefetch_related("role_history"):
            history = sorted(person.role_history.all(), key=lambda a: a.start_date)
            assert history[0].kind == RoleAssignment.Kind.HIRE and history[0].start_date == person.hire_date
            assert history[-1].role_id == person.role_id and history[-1].end_date is None
            for earlier, later in zip(history, history[1:], strict=False):
                assert earlier.end_date == later.start_date - timedelta(days=1)
                if later.kind == RoleAssignment.Kind.INTERNAL_FILL:  # demo.moves: the planted placement
                    assert later.placement.placed_on == later.start_date
                    continue
                assert later.kind in (RoleAssignment.Kind.PROMOTION, RoleAssignment.Kind.LATERAL)
                assert 12 * 30 <= (later.start_date - earlier.start_date).days <= 37 * 31

    def test_some_moved_so_the_career_path_engine_sees_moves_and_how_long_they_took(self):
        movers = Employee.objects.annotate(n=Count("role_history")).filter(n__gt=1).count()
        assert 4 <= movers <= 20
        # The simulated moves, each after 12 to 37 months in a role; the planted placement
        # (demo.moves, an internal fill) comes when the opening does, however long the person had been in post.
        simulated = RoleAssignment.objects.exclude(kind=RoleAssignment.Kind.INTERNAL_FILL)
        history = pd.DataFrame(list(simulated.values("employee_id", "role_id", "start_date")))
        moves = observed_moves(history)
        assert len(moves) >= 2
        assert moves["months"].between(12, 37).all()


@pytest.mark.usefixtures("pilot")
class TestSkillEvidence:
    def test_everyone_has_evidence_on_every_skill_their_role_requires_and_a_few_more(self):
        # not the person demo.moves placed: their evidence was drawn for the role they grew out of
        for person in Employee.objects.filter(placements__isnull=True):
            assessed = set(history_evidence().filter(employee=person).values_list("skill_id", flat=True))
            required = set(RoleRequirement.objects.filter(role=person.role_id).values_list("skill_id", flat=True))
            assert required <= assessed, person
            assert 2 <= len(assessed - required) <= 10, person

    def test_levels_confidence_and_dates_are_plausible(self):
        stats = history_evidence().aggregate(
            low=Min("level"),
            high=Max("level"),
            least=Min("confidence"),
            most=Max("confidence"),
            first=Min("observed_at"),
            last=Max("observed_at"),
        )
        assert stats["low"] >= 0 and stats["high"] <= 4
        assert stats["least"] >= 0.6 and stats["most"] <= 1.0
        assert stats["last"] < BASE and stats["first"] > BASE - timedelta(days=1200)
        recent = history_evidence().filter(observed_at__gte=BASE - timedelta(days=730)).count()
        assert recent / history_evidence().count() > 0.85
        assert set(history_evidence().values_list("source", flat=True)) == {
            "manager",
            "self",
            "assessment",
            "learning",
        }
        assert not history_evidence().filter(external_id__isnull=True).exists()

    def test_people_rate_themselves_higher_than_their_managers_do(self):
        def mean(source):
            return sum(history_evidence().filter(source=source).values_list("level", flat=True)) / (
                history_evidence().filter(source=source).count()
            )

        assert mean("self") > mean("manager") + 0.2

    def test_learning_evidence_comes_from_a_course_the_person_finished_that_day(self):
        learning = history_evidence().filter(source="learning")
        assert learning.count() >= PILOT_SIZE
        finished = set(
            history_learning()
            .filter(status__in=["completed", "passed"])
            .values_list("employee_id", "activity_id", "completed_at")
        )
        for employee_id, url, observed_at in learning.values_list("employee_id", "evidence_url", "observed_at"):
            assert (employee_id, url, observed_at) in finished

    def test_a_few_pilot_people_have_contradictory_or_only_old_evidence(self):
        self_four = history_evidence().filter(source="self", level=4).values_list("employee_id", "skill_id")
        manager_one = history_evidence().filter(source="manager", level=1).values_list("employee_id", "skill_id")
        contradicted = {employee for employee, _ in set(self_four) & set(manager_one)}
        assert 2 <= len(contradicted) <= 8
        newest = Employee.objects.annotate(
            newest=Max("evidence__observed_at", filter=Q(evidence__external_id__startswith="demo-ev-"))
        )
        assert 2 <= newest.filter(newest__lt=BASE - timedelta(days=365)).count() <= 6


@pytest.mark.usefixtures("pilot")
class TestLearningReviewsAndGoals:
    def test_everyone_has_learning_records_from_a_course_catalogue(self):
        counts = Employee.objects.annotate(
            n=Count("learning", filter=Q(learning__external_id__startswith="demo-lr-"))
        ).values_list("n", flat=True)
        assert min(counts) >= 4 and max(counts) <= 12
        assert set(history_learning().values_list("status", flat=True)) >= {
            "completed",
            "passed",
            "failed",
            "in_progress",
            "abandoned",
        }
        assert history_learning().filter(activity_id__startswith="https://lms.demo.example/courses/").count() == (
            history_learning().count()
        )
        titles = history_learning().values("activity_id").annotate(n=Count("title", distinct=True))
        assert all(row["n"] == 1 for row in titles)
        assert not history_learning().filter(Q(score__lt=0) | Q(score__gt=1)).exists()
        assert not history_learning().filter(completed_at__gte=BASE).exists()

    def test_a_few_pilot_people_have_learnt_nothing_for_the_last_90_days(self):
        since = BASE - timedelta(days=90)
        recent = LearningRecord.objects.filter(Q(started_at__gte=since) | Q(completed_at__gte=since))
        idle = Employee.objects.exclude(pk__in=recent.values("employee_id"))
        assert 1 <= idle.count() <= 6

    def test_everyone_has_a_review_by_their_manager_most_for_both_halves(self):
        assert not without(PerformanceReview).exists()
        for review in PerformanceReview.objects.select_related("employee"):
            assert review.reviewer_id == review.employee.manager_id
            assert 1 <= review.score <= 5 and review.commentary
        both = PerformanceReview.objects.filter(period__in=["2025-H2", "2026-H1"]).values("employee")
        assert both.annotate(n=Count("id")).filter(n=2).count() >= PILOT_SIZE * 0.7
        scores = [float(s) for s in PerformanceReview.objects.values_list("score", flat=True)]
        assert 3.0 <= sum(scores) / len(scores) <= 3.8

    def test_most_people_aim_for_a_role_and_a_few_state_nothing(self):
        stated = CareerAspiration.objects.values("employee").distinct().count()
        assert PILOT_SIZE * 0.75 <= stated <= PILOT_SIZE - 2
        assert CareerAspiration.objects.exclude(interests="").exists()

    def test_the_demo_employee_aims_for_a_role_their_mobility_paths_lead_to(self):
        person = demo(EMPLOYEE)
        goal = person.aspirations.first().target_role
        assert MobilityPath.objects.filter(from_role=person.role, to_role=goal).exists()

    def test_opportunities_are_open_posted_by_a_manager_and_list_skills(self):
        posted = Opportunity.objects.filter(placements__isnull=True)  # demo.moves fills one of its own
        assert 6 <= posted.count() <= 12
        assert set(posted.values_list("kind", flat=True)) == {"role", "project", "stretch", "mentorship"}
        for opportunity in posted:
            assert opportunity.closes_on > BASE_DATE and opportunity.status == "open"
            assert opportunity.posted_by.reports.exists()
            listed = OpportunitySkill.objects.filter(opportunity=opportunity).count()
            assert (opportunity.kind == "role" and opportunity.role_id) or 2 <= listed <= 4


@pytest.mark.usefixtures("pilot")
class TestTheFirstAnalysis:
    def test_every_employee_has_an_analysis_and_pilot_mode_is_off(self):
        assert EmployeeAnalysis.objects.count() == Employee.objects.active().count()  # demo.moves plants leavers
        assert not EngineSettings.load().pilot_mode

    def test_the_demo_employee_has_ranked_gaps_and_a_path_to_their_goal(self):
        person = demo(EMPLOYEE)
        run = person.analysis.run_id
        ranks = list(
            SkillGap.objects.filter(employee=person, run_id=run).order_by("rank").values_list("rank", flat=True)
        )
        assert ranks[:3] == [1, 2, 3]
        goal = person.aspirations.first().target_role_id
        assert CareerPath.objects.filter(employee=person, run_id=run, role_id=goal, is_aspiration=True).exists()
        assert person.analysis.review_status == ReviewStatus.AUTO

    def test_a_handful_wait_for_hr_and_two_past_cycles_were_decided(self):
        pending = ReviewItem.objects.filter(kind=ReviewItem.Kind.GAP_ANALYSIS, status=ReviewStatus.PENDING)
        assert 1 <= pending.count() <= 8
        threshold = EngineSettings.load().review_threshold
        assert all(item.confidence < threshold for item in pending)
        # the analyses' and picks' cycles; demo.moves decides one succession proposal of its own
        past = ReviewItem.objects.exclude(status=ReviewStatus.PENDING).exclude(kind=ReviewItem.Kind.SUCCESSION)
        assert past.filter(created_at__month=9).count() == past.filter(created_at__month=10).count() == PILOT_SIZE
        assert past.filter(status=ReviewStatus.REJECTED).count() == 1
        assert 2 <= past.filter(status=ReviewStatus.EDITED).count() <= 8
        assert past.filter(status=ReviewStatus.APPROVED).count() > PILOT_SIZE * 1.5
        for item in past.select_related("decided_by"):
            assert item.decided_by.username == HR and item.decided_at > item.created_at
            assert item.status == ReviewStatus.APPROVED or item.note, item

    def test_everyone_has_up_to_three_picks_with_a_reason_in_mixed_formats_none_done_before(self):
        live = Recommendation.objects.filter(
            status__in=[Recommendation.Status.DELIVERED, Recommendation.Status.IN_REVIEW], shown=True
        ).select_related("resource", "skill")
        by_person = defaultdict(list)
        for pick in live:
            by_person[pick.employee_id].append(pick)
        assert len(by_person) >= 0.8 * Employee.objects.count()
        finished = {
            (employee_id, activity)
            for employee_id, activity in LearningRecord.objects.filter(status__in=["completed", "passed"]).values_list(
                "employee_id", "activity_id"
            )
        }
        three = [picks for picks in by_person.values() if len(picks) == 3]
        mixed = [picks for picks in three if len({pick.resource.kind for pick in picks}) >= 2]
        # The diversity rule shows one format when nothing else is left: since the effort-per-level
        # rule (issue 17) the long certifications and stretch assignments no longer stand in for
        # one-level gaps, and one pilot person (Mei Nowak) now gets three mentorships.
        assert len(mixed) >= 0.9 * len(three)
        for picks in by_person.values():
            assert len(picks) <= 3
            for pick in picks:
                assert pick.skill.name.lower() in pick.reason.lower()
                assert (pick.employee_id, pick.resource.record_key) not in finished
        maya = demo(EMPLOYEE)
        # three shown, one per gap since the picks spread; the one for her thinly evidenced gap may
        # wait for HR (its confidence under the demo's calibrated review threshold)
        assert len(by_person[maya.pk]) == 3 and len({pick.skill_id for pick in by_person[maya.pk]}) == 3
        assert len([pick for pick in by_person[maya.pk] if pick.status == Recommendation.Status.DELIVERED]) >= 2


@pytest.mark.django_db
class TestRerunning:
    def test_a_second_run_adds_no_profile_rows_and_keeps_the_result_counts(self):
        seed()
        counts = {model: model.objects.count() for model in (*PROFILE_MODELS, ReviewItem, SkillGap, CareerPath)}
        summary = build_demo(seed=2026)
        assert {model: model.objects.count() for model in counts} == counts
        changed = {name: t for name, t in summary.tables.items() if t.created or t.updated}
        assert not changed, changed
        assert any(note.startswith("gap analysis") for note in summary.notes)

    def test_the_same_seed_gives_the_same_history_and_another_seed_a_different_one(self):
        seed(seed=5)
        first = evidence_fingerprint()
        wipe()
        seed(seed=5)
        assert evidence_fingerprint() == first
        wipe()
        seed(seed=6)
        assert evidence_fingerprint() != first


@pytest.mark.django_db
class TestALargeOrganisation:
    def test_2000_people_have_a_full_history_and_a_company_of_opportunities(self):
        seed(employees=2000)
        for model in (RoleAssignment, SkillEvidence, LearningRecord):
            assert not without(model).exists(), model
        # Only people who joined after the last review round (mid-September) have no review yet.
        unreviewed = without(PerformanceReview).aggregate(Min("hire_date"))["hire_date__min"]
        assert unreviewed is None or unreviewed > date(2026, 9, 15)
        outside = Employee.objects.exclude(cohort="pilot")
        skills = outside.annotate(
            n=Count("evidence__skill", distinct=True, filter=Q(evidence__external_id__startswith="demo-ev-"))
        ).aggregate(Min("n"), Max("n"))
        assert skills["n__min"] >= 18 and skills["n__max"] <= 32
        learning = outside.annotate(
            n=Count("learning", filter=Q(learning__external_id__startswith="demo-lr-"))
        ).aggregate(Min("n"), Max("n"))
        assert learning["n__min"] >= 10 and learning["n__max"] <= 26
        stated = CareerAspiration.objects.filter(employee__in=outside).values("employee").distinct().count()
        assert 0.7 <= stated / outside.count() <= 0.9
        assert Opportunity.objects.count() >= 150
        assert LearningRecord.objects.values("activity_id").distinct().count() >= 200
        assert EmployeeAnalysis.objects.count() == Employee.objects.active().count() == 2000 - 2  # two leavers
