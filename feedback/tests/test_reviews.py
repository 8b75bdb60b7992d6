"""Quarterly deep reviews: HR opens a cycle, the employee assesses themselves, a manager in the line
completes it, the ratings become evidence the next recompute uses, the comments become texts; HR's
cadence page counts what is due, done and overdue."""

from datetime import timedelta

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from feedback import reviews
from feedback.models import CheckIn, DeepReview, ReviewCycle, Text, TextSource
from profiles.models import BusinessUnit, Employee, EvidenceSource, SkillEvidence
from profiles.tests.factories import EmployeeFactory
from recommendations import analysis
from recommendations.engine.settings import DEFAULT_SOURCE_WEIGHTS
from recommendations.models import EmployeeAnalysis, EngineSettings, SkillGap
from recommendations.selectors import employee_levels
from taxonomy.tests.factories import SkillFactory

from .fixtures import analysed, team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def make_cycle(*, days_to_self=7, days_to_manager=14, **fields):
    today = timezone.localdate()
    return ReviewCycle.objects.create(
        name=fields.pop("name", "2026 Q4"),
        period_start=today - timedelta(days=60),
        period_end=today + timedelta(days=30),
        self_due_on=today + timedelta(days=days_to_self),
        manager_due_on=today + timedelta(days=days_to_manager),
        questions="What are you proudest of this quarter?\nWhat got in your way?",
        **fields,
    )


def levels_for(review, level, note=""):
    return dict.fromkeys(review.ratings.values_list("skill_id", flat=True), (level, note))


def self_submit(org, review, level=2):
    return reviews.review_self_submit(
        review=review,
        by=org.employee.user,
        ratings=levels_for(review, level, "I led the quarterly planning with finance."),
        answers=["Shipping the billing migration", "Too many priorities at once; the workload was heavy"],
        comment="I want to grow into the lead role.",
    )


class TestOpen:
    def test_everyone_gets_a_review_with_their_roles_and_goals_skills(self, analysed):  # noqa: F811
        org, lead, stakeholders = analysed
        extra = SkillFactory(name="Writing")
        cycle = make_cycle()
        cycle.skills.add(extra)
        opened = reviews.review_cycle_open(cycle=cycle)
        assert opened == DeepReview.objects.count() > 1
        review = DeepReview.objects.get(employee=org.employee)
        assert review.manager == org.manager and review.status == DeepReview.Status.OPEN
        rated = set(review.ratings.values_list("skill__name", flat=True))
        # role: SQL, Stakeholder management; goal role (Team Lead): + Coaching; the cycle's own: Writing
        assert rated == {"SQL", "Stakeholder management", "Coaching", "Writing"}

    def test_opening_again_adds_only_newcomers(self, analysed):  # noqa: F811
        cycle = make_cycle()
        first = reviews.review_cycle_open(cycle=cycle)
        assert reviews.review_cycle_open(cycle=cycle) == 0
        EmployeeFactory(manager=analysed[0].manager)
        assert reviews.review_cycle_open(cycle=cycle) == 1
        assert DeepReview.objects.count() == first + 1

    def test_a_cycle_for_some_business_units_leaves_the_others_out(self, analysed):  # noqa: F811
        org = analysed[0]
        unit = BusinessUnit.objects.create(name="Payments")
        org.employee.business_unit = unit
        org.employee.save()
        cycle = make_cycle()
        cycle.business_units.add(unit)
        assert reviews.review_cycle_open(cycle=cycle) == 1
        assert list(DeepReview.objects.values_list("employee_id", flat=True)) == [org.employee.pk]

    def test_a_cycle_for_a_cohort_leaves_everyone_else_out(self, analysed):  # noqa: F811
        org = analysed[0]
        org.peer.cohort = "pilot"
        org.peer.save()
        assert reviews.review_cycle_open(cycle=make_cycle(cohort="pilot")) == 1
        assert list(DeepReview.objects.values_list("employee_id", flat=True)) == [org.peer.pk]


class TestParts:
    def test_the_self_assessment_keeps_levels_and_answers_and_changes_no_level_yet(self, analysed):  # noqa: F811
        org = analysed[0]
        cycle = make_cycle()
        reviews.review_cycle_open(cycle=cycle)
        review = DeepReview.objects.get(employee=org.employee)
        before = SkillEvidence.objects.count()
        self_submit(org, review)
        review.refresh_from_db()
        assert review.status == DeepReview.Status.SELF_DONE and review.self_submitted_at
        assert [a["answer"] for a in review.answers][0] == "Shipping the billing migration"
        assert set(review.ratings.values_list("self_level", flat=True)) == {2}
        assert SkillEvidence.objects.count() == before

    def test_only_the_employee_fills_in_their_self_assessment(self, analysed):  # noqa: F811
        org = analysed[0]
        reviews.review_cycle_open(cycle=make_cycle())
        review = DeepReview.objects.get(employee=org.employee)
        with pytest.raises(ValidationError, match="Only the employee"):
            reviews.review_self_submit(
                review=review, by=org.manager.user, ratings=levels_for(review, 2), answers=["a", "b"]
            )

    def test_every_skill_and_question_must_be_answered(self, analysed):  # noqa: F811
        org = analysed[0]
        reviews.review_cycle_open(cycle=make_cycle())
        review = DeepReview.objects.get(employee=org.employee)
        with pytest.raises(ValidationError, match="Rate every skill"):
            reviews.review_self_submit(review=review, by=org.employee.user, ratings={}, answers=["a", "b"])
        with pytest.raises(ValidationError, match="Answer each question"):
            reviews.review_self_submit(review=review, by=org.employee.user, ratings=levels_for(review, 2), answers=[])
        with pytest.raises(ValidationError, match="Levels go from"):
            reviews.review_self_submit(
                review=review, by=org.employee.user, ratings=levels_for(review, 7), answers=["a", "b"]
            )

    def test_the_manager_waits_for_the_self_assessment_until_it_is_due(self, analysed):  # noqa: F811
        org = analysed[0]
        cycle = make_cycle()
        reviews.review_cycle_open(cycle=cycle)
        review = DeepReview.objects.get(employee=org.employee)
        with pytest.raises(ValidationError, match="self-assessment is due"):
            reviews.review_complete(review=review, by=org.manager.user, ratings=levels_for(review, 3), comment="Good")
        late = cycle.self_due_on + timedelta(days=1)
        done = reviews.review_complete(
            review=review, by=org.manager.user, ratings=levels_for(review, 3), comment="Good", today=late
        )
        assert done.status == DeepReview.Status.COMPLETED

    def test_a_peer_or_the_employee_cannot_complete_it(self, analysed):  # noqa: F811
        org = analysed[0]
        reviews.review_cycle_open(cycle=make_cycle())
        review = DeepReview.objects.get(employee=org.employee)
        self_submit(org, review)
        for user in (org.peer.user, org.employee.user, org.outsider.user):
            with pytest.raises(ValidationError, match="reporting line"):
                reviews.review_complete(review=review, by=user, ratings=levels_for(review, 3), comment="Fine")


class TestCompletion:
    def test_ratings_become_review_evidence_that_the_next_recompute_uses(
        self,
        analysed,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        org, _, stakeholders = analysed
        reviews.review_cycle_open(cycle=make_cycle())
        review = DeepReview.objects.get(employee=org.employee)
        self_submit(org, review, level=3)
        assert (
            employee_levels(employee=org.employee)[stakeholders.pk]["shown"] == 1
        )  # the manager said 1: the self-assessment counts for nothing yet
        gaps = SkillGap.objects.filter(employee=org.employee, skill=stakeholders)
        assert gaps.filter(run_id=EmployeeAnalysis.objects.get(employee=org.employee).run_id).exists()
        ratings = levels_for(review, 2) | {stakeholders.pk: (4, "Ran the board meeting on her own.")}
        with django_capture_on_commit_callbacks(execute=True):
            reviews.review_complete(review=review, by=org.manager.user, ratings=ratings, comment="A strong quarter.")
        made = SkillEvidence.objects.get(employee=org.employee, skill=stakeholders, source=EvidenceSource.REVIEW)
        assert made.level == 4 and f"review #{review.pk}" in made.note and org.manager.full_name in made.note
        assert "Ran the board meeting" in made.note and made.recorded_by == org.manager.user
        selfs = SkillEvidence.objects.filter(employee=org.employee, source=EvidenceSource.SELF, note__contains="review")
        assert selfs.count() == review.ratings.count()
        assert employee_levels(employee=org.employee)[stakeholders.pk]["shown"] == 4
        analysis.recompute(trigger="test")  # level 4 meets the role's 3 and the goal role's 4: the gap closes
        assert not gaps.filter(run_id=EmployeeAnalysis.objects.get(employee=org.employee).run_id).exists()

    def test_the_free_text_goes_through_the_text_pipeline(self, analysed):  # noqa: F811
        org = analysed[0]
        reviews.review_cycle_open(cycle=make_cycle())
        review = DeepReview.objects.get(employee=org.employee)
        self_submit(org, review)
        reviews.review_complete(
            review=review, by=org.manager.user, ratings=levels_for(review, 3), comment="Clear stakeholder updates."
        )
        texts = {t.source: t for t in Text.objects.filter(employee=org.employee, source_id=review.pk)}
        assert "workload was heavy" in texts[TextSource.REVIEW_SELF].body
        assert "Clear stakeholder updates." in texts[TextSource.REVIEW_MANAGER].body
        assert texts[TextSource.REVIEW_MANAGER].author == org.manager.user

    def test_a_completed_review_cannot_change(self, analysed):  # noqa: F811
        org = analysed[0]
        reviews.review_cycle_open(cycle=make_cycle())
        review = DeepReview.objects.get(employee=org.employee)
        self_submit(org, review)
        reviews.review_complete(review=review, by=org.manager.user, ratings=levels_for(review, 3), comment="Good")
        with pytest.raises(ValidationError, match="completed"):
            self_submit(org, review)
        with pytest.raises(ValidationError, match="already completed"):
            reviews.review_complete(review=review, by=org.manager.user, ratings=levels_for(review, 3), comment="x")

    def test_review_evidence_has_a_weight_in_the_engine(self, db):
        weights = EngineSettings.load().as_weights().source_weights
        assert weights["review"] == DEFAULT_SOURCE_WEIGHTS["review"] > weights["self"]


class TestPages:
    def test_the_employee_fills_in_the_form_and_the_manager_completes_it(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        reviews.review_cycle_open(cycle=make_cycle())
        review = DeepReview.objects.get(employee=org.employee)
        url = reverse("feedback:review", args=[review.pk])
        client.force_login(org.employee.user)
        page = client.get(url)
        assert page.status_code == 200 and "My self-assessment" in page.text and "What got in your way?" in page.text
        form = {f"skill_{pk}": "2" for pk in review.ratings.values_list("skill_id", flat=True)}
        form |= {"answer_0": "The migration", "answer_1": "Unclear priorities"}
        assert client.post(url, form | {"answer_1": ""}).status_code == 400
        assert client.post(url, form).status_code == 302
        client.force_login(org.manager.user)
        page = client.get(url)
        assert "Manager's assessment" in page.text and "says level 2" in page.text
        assert client.post(url, form).status_code == 400  # the summary is required
        assert client.post(url, form | {"comment": "Good quarter."}).status_code == 302
        review.refresh_from_db()
        assert review.status == DeepReview.Status.COMPLETED
        client.force_login(org.employee.user)
        page = client.get(url)
        assert "Good quarter." in page.text and "Send my self-assessment" not in page.text

    def test_hr_reads_a_review_but_cannot_fill_it_in(self, client, analysed):  # noqa: F811
        org = analysed[0]
        reviews.review_cycle_open(cycle=make_cycle())
        review = DeepReview.objects.get(employee=org.employee)
        client.force_login(org.hr_user)
        url = reverse("feedback:review", args=[review.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {"comment": "x"}).status_code == 403

    def test_the_review_list_shows_only_what_the_viewer_may_see(self, client, analysed):  # noqa: F811
        org = analysed[0]
        reviews.review_cycle_open(cycle=make_cycle())
        client.force_login(org.peer.user)
        listed = client.get(reverse("feedback:reviews")).context["reviews"]
        assert [r.employee_id for r in listed] == [org.peer.pk]
        client.force_login(org.manager.user)
        listed = {r.employee_id for r in client.get(reverse("feedback:reviews")).context["reviews"]}
        assert org.employee.pk in listed and org.outsider.pk not in listed


class TestCadence:
    def test_it_counts_due_done_and_overdue_per_manager(self, analysed):  # noqa: F811
        org = analysed[0]
        cycle = make_cycle(days_to_self=-3)  # the self-assessments were due three days ago
        reviews.review_cycle_open(cycle=cycle)
        CheckIn.objects.create(employee=org.employee, manager=org.manager, held_on=timezone.localdate(), notes="ok")
        review = DeepReview.objects.get(employee=org.employee)
        reviews.review_complete(review=review, by=org.manager.user, ratings=levels_for(review, 3), comment="Good")
        rows = {row["id"]: row for row in reviews.cadence(cycle=cycle)["rows"]}
        line = rows[org.manager.pk]
        reports = DeepReview.objects.filter(manager=org.manager).count()
        assert line["reviews_due"] == reports and line["reviews_done"] == 1
        assert line["reviews_overdue"] == reports - 1  # the others' self-assessments are late
        assert line["checkins_done"] == 1 and line["checkins_overdue"] == line["checkins_due"] - 1
        assert reviews.reviews_overdue_count() == DeepReview.objects.exclude(status="completed").count()

    def test_the_page_is_for_hr_and_groups_by_business_unit(self, client, analysed):  # noqa: F811
        org = analysed[0]
        cycle = make_cycle()
        reviews.review_cycle_open(cycle=cycle)
        client.force_login(org.manager.user)
        assert client.get(reverse("feedback:cadence")).status_code == 403
        client.force_login(org.hr_user)
        page = client.get(reverse("feedback:cadence"), {"by": "unit", "cycle": cycle.pk})
        assert page.status_code == 200 and page.context["by"] == "unit" and "Quarterly reviews" in page.text
        assert page.context["totals"]["reviews_due"] == DeepReview.objects.count()

    def test_it_counts_profiles_updated_this_month_and_analyses_older_than_30_days(self, analysed):  # noqa: F811
        org = analysed[0]
        EmployeeAnalysis.objects.filter(employee=org.peer).update(computed_at=timezone.now() - timedelta(days=40))
        for person in (org.peer, org.employee):
            person.cohort = "pilot"
            person.save()
        figures = reviews.cadence(cycle=None)
        frame = reviews.freshness(
            people=pd.DataFrame({"employee_id": [org.employee.pk, org.peer.pk, org.outsider.pk]}),
            today=timezone.localdate(),
        )
        updated = dict(zip(frame["employee_id"], frame["updated"], strict=True))
        assert updated == {org.employee.pk: 1, org.peer.pk: 0, org.outsider.pk: 0}  # evidence arrived today
        assert figures["cohorts"] == [{"cohort": "pilot", "people": 2, "updated": 1, "stale": 1}]
        assert figures["totals"]["stale"] == 1 and figures["totals"]["people"] == Employee.objects.active().count()
        line = {row["id"]: row for row in figures["rows"]}[org.manager.pk]
        assert line["stale"] == 1 and line["updated"] >= 1
