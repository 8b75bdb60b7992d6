"""The plan part of a quarterly deep review: both sides re-rate the top gaps, confirm the goal and
say which picks were relevant; closing the review recalibrates the plan (gap weights the engine
uses, the goal, dismissed picks), recomputes the person, and the page shows what changed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from feedback import replan, reviews
from feedback.models import DeepReview
from profiles.models import CareerAspiration
from recommendations.models import EmployeeAnalysis, EngineSettings, GapWeight, Recommendation, SkillGap
from taxonomy.models import Skill
from taxonomy.tests.factories import RoleFactory

from .fixtures import analysed, recommendation_for, team  # noqa: F401  (fixtures)
from .test_reviews import levels_for, make_cycle

pytestmark = pytest.mark.django_db


def ranked(employee):
    run_id = EmployeeAnalysis.objects.get(employee=employee).run_id
    return list(
        SkillGap.objects.filter(employee=employee, run_id=run_id).order_by("rank").values_list("skill__name", flat=True)
    )


@pytest.fixture
def review(analysed):  # noqa: F811
    org = analysed[0]
    reviews.review_cycle_open(cycle=make_cycle(name="2026 Q4"))
    return DeepReview.objects.get(employee=org.employee)


def self_part(org, review, plan):
    return reviews.review_self_submit(
        review=review, by=org.employee.user, ratings=levels_for(review, 2), answers=["a", "b"], plan=plan
    )


AS_BEFORE = {"SQL": 3, "Stakeholder management": 1, "Coaching": 0}  # the levels on record: the gaps stay


def as_before(review):
    return {r.skill_id: (AS_BEFORE[r.skill.name], "") for r in review.ratings.select_related("skill")}


def close(org, review, plan, capture):
    with capture(execute=True):
        return reviews.review_complete(
            review=review, by=org.manager.user, ratings=as_before(review), comment="Good quarter.", plan=plan
        )


def skill(name):
    return Skill.objects.get(name=name).pk


class TestItems:
    def test_each_side_is_asked_about_the_top_gaps_open_picks_and_goal(self, analysed, review):  # noqa: F811
        org, lead, stakeholders = analysed
        pick = recommendation_for(org.employee, stakeholders)
        recommendation_for(org.employee, stakeholders, status=Recommendation.Status.DISMISSED, rank=2)
        items = replan.plan_items(org.employee)
        assert [g["skill"] for g in items["gaps"]] == ["Stakeholder management", "Coaching"]
        assert [p["id"] for p in items["picks"]] == [pick.pk]  # a dismissed pick is not asked about again
        assert items["aspiration"]["role_id"] == lead.pk


class TestClosing:
    def test_both_raising_a_gap_doubles_its_weight_and_it_moves_up_after_the_recompute(
        self,
        analysed,  # noqa: F811
        review,
        django_capture_on_commit_callbacks,
    ):
        org = analysed[0]
        assert ranked(org.employee) == ["Stakeholder management", "Coaching"]
        self_part(org, review, {"gaps": {skill("Coaching"): "raise"}, "picks": {}})
        close(org, review, {"gaps": {skill("Coaching"): "raise"}, "picks": {}}, django_capture_on_commit_callbacks)
        weight = GapWeight.objects.get(employee=org.employee, skill__name="Coaching")
        assert weight.weight == 2.0 and "Raised in the 2026 Q4 review" in weight.reason
        assert ranked(org.employee) == ["Coaching", "Stakeholder management"]  # recomputed with the weight
        review.refresh_from_db()
        assert [g["skill"] for g in review.plan_before["gaps"]] == ["Stakeholder management", "Coaching"]
        assert [g["skill"] for g in review.plan_after["gaps"]] == ["Coaching", "Stakeholder management"]
        changes = replan.plan_changes(review.plan_before, review.plan_after)
        assert {(g["skill"], g["kind"]) for g in changes["gaps"]} == {
            ("Coaching", "up"),
            ("Stakeholder management", "down"),
        }

    def test_raise_and_lower_cancel_out_and_one_sides_answer_counts_alone(
        self,
        analysed,  # noqa: F811
        review,
        django_capture_on_commit_callbacks,
    ):
        org = analysed[0]
        self_part(
            org, review, {"gaps": {skill("Coaching"): "raise", skill("Stakeholder management"): "lower"}, "picks": {}}
        )
        close(org, review, {"gaps": {skill("Coaching"): "lower"}, "picks": {}}, django_capture_on_commit_callbacks)
        weights = dict(GapWeight.objects.filter(employee=org.employee).values_list("skill__name", "weight"))
        assert weights == {"Stakeholder management": 0.5}  # Coaching: x2 and x0.5 agree on x1, no row
        assert replan.agreed_factor("raise", "keep") == pytest.approx(2**0.5)

    def test_a_second_review_multiplies_the_weight_within_its_bounds(self, analysed, review):  # noqa: F811
        org = analysed[0]
        GapWeight.objects.create(
            employee=org.employee,
            skill_id=skill("Coaching"),
            weight=3.0,
            reason="earlier",
            updated_at=review.created_at,
        )
        self_part(org, review, {"gaps": {skill("Coaching"): "raise"}, "picks": {}})
        reviews.review_complete(
            review=review,
            by=org.manager.user,
            ratings=levels_for(review, 2),
            comment="Good.",
            plan={"gaps": {skill("Coaching"): "raise"}, "picks": {}},
        )
        assert GapWeight.objects.get(employee=org.employee, skill__name="Coaching").weight == 4.0  # not 6

    def test_the_confirmed_goal_becomes_the_aspiration_and_the_plan_follows_it(
        self,
        analysed,  # noqa: F811
        review,
        django_capture_on_commit_callbacks,
    ):
        org, lead, _ = analysed
        other = RoleFactory(title="Data Engineer", family=lead.family)
        self_part(org, review, {"gaps": {}, "picks": {}, "aspiration": other.pk})
        close(org, review, {"gaps": {}, "picks": {}, "aspiration": other.pk}, django_capture_on_commit_callbacks)
        goal = CareerAspiration.objects.filter(employee=org.employee).order_by("-stated_at").first()
        assert goal.target_role == other and goal.source == "review"
        assert EmployeeAnalysis.objects.get(employee=org.employee).aspired_role == other
        review.refresh_from_db()
        changes = replan.plan_changes(review.plan_before, review.plan_after)
        assert changes["aspiration"] == ("Team Lead", "Data Engineer")
        assert ("Coaching", "closed") in {(g["skill"], g["kind"]) for g in changes["gaps"]}  # Team Lead's skill

    def test_keeping_the_goal_records_no_new_aspiration(self, analysed, review):  # noqa: F811
        org, lead, _ = analysed
        self_part(org, review, {"gaps": {}, "picks": {}, "aspiration": lead.pk})
        before = CareerAspiration.objects.count()
        reviews.review_complete(
            review=review,
            by=org.manager.user,
            ratings=levels_for(review, 2),
            comment="Good.",
            plan={"gaps": {}, "picks": {}, "aspiration": lead.pk},
        )
        assert CareerAspiration.objects.count() == before

    def test_a_pick_either_side_calls_not_relevant_is_dismissed_with_the_review_as_reason(
        self,
        analysed,  # noqa: F811
        review,
        django_capture_on_commit_callbacks,
    ):
        org, _, stakeholders = analysed
        accepted = Recommendation.Status.ACCEPTED  # taken up: a recompute leaves it alone
        kept = recommendation_for(org.employee, stakeholders, status=accepted)
        dropped = recommendation_for(org.employee, stakeholders, status=accepted, rank=2)
        self_part(org, review, {"gaps": {}, "picks": {kept.pk: True, dropped.pk: False}})
        close(org, review, {"gaps": {}, "picks": {kept.pk: True, dropped.pk: True}}, django_capture_on_commit_callbacks)
        dropped.refresh_from_db()
        kept.refresh_from_db()
        assert (
            dropped.status == Recommendation.Status.DISMISSED and "2026 Q4 quarterly review" in dropped.dismissed_reason
        )
        assert kept.status == accepted
        review.refresh_from_db()
        removed = replan.plan_changes(review.plan_before, review.plan_after)["picks_removed"]
        assert [(p["id"], p["dismissed"]) for p in removed] == [(dropped.pk, True)]


class TestRefusals:
    def test_an_unknown_choice_another_persons_pick_or_gap_is_refused(self, analysed, review):  # noqa: F811
        org, _, stakeholders = analysed
        with pytest.raises(ValidationError, match="raise, keep or lower"):
            self_part(org, review, {"gaps": {skill("Coaching"): "double"}, "picks": {}})
        theirs = recommendation_for(org.peer, stakeholders)
        with pytest.raises(ValidationError, match="own learning picks"):
            self_part(org, review, {"gaps": {}, "picks": {theirs.pk: False}})
        with pytest.raises(ValidationError, match="own gaps"):
            self_part(org, review, {"gaps": {skill("SQL"): "raise"}, "picks": {}})  # SQL is met: no gap
        assert not DeepReview.objects.get(pk=review.pk).self_plan


class TestPage:
    def test_both_fill_in_the_plan_and_the_page_shows_what_changed(
        self,
        client,
        analysed,  # noqa: F811
        review,
        django_capture_on_commit_callbacks,
    ):
        org, _, stakeholders = analysed
        pick = recommendation_for(org.employee, stakeholders)
        url = reverse("feedback:review", args=[review.pk])
        client.force_login(org.employee.user)
        page = client.get(url)
        assert "My plan for next quarter" in page.text and "#2 Coaching" in page.text
        form = {f"skill_{pk}": str(level) for pk, (level, _) in as_before(review).items()}
        form |= {"answer_0": "The migration", "answer_1": "Unclear priorities"}
        coaching, stake = skill("Coaching"), skill("Stakeholder management")
        plan = {f"gap_{coaching}": "raise", f"gap_{stake}": "keep", f"pick_{pick.pk}": "no"}
        lead = EmployeeAnalysis.objects.get(employee=org.employee).aspired_role_id
        assert client.post(url, form | plan | {"aspiration": lead}).status_code == 302
        client.force_login(org.manager.user)
        page = client.get(url)
        assert f"{org.employee.first_name} says raise" in page.text
        assert f"{org.employee.first_name} says not relevant" in page.text
        # the employee's "not relevant" is the manager's starting answer
        assert page.context["form"][f"pick_{pick.pk}"].initial == "no"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, form | plan | {"aspiration": lead, "comment": "Good quarter."})
        assert response.status_code == 302
        page = client.get(url)
        assert "The plan, recalibrated" in page.text and "Coaching</strong> moved up from #2 to #1" in page.text
        assert "Dismissed as not relevant" in page.text and "&times;2" in page.text

    def test_in_pilot_mode_the_employee_waits_for_hr_to_release_the_new_plan(
        self,
        client,
        analysed,  # noqa: F811
        review,
        django_capture_on_commit_callbacks,
    ):
        org = analysed[0]
        EngineSettings.objects.filter(pk=1).update(pilot_mode=True)
        self_part(org, review, {"gaps": {}, "picks": {}})
        close(org, review, {"gaps": {skill("Coaching"): "raise"}, "picks": {}}, django_capture_on_commit_callbacks)
        url = reverse("feedback:review", args=[review.pk])
        client.force_login(org.employee.user)
        assert "waits for HR review" in client.get(url).text
        client.force_login(org.hr_user)
        assert "moved up from #2 to #1" in client.get(url).text


class TestChanges:
    def test_a_gap_that_closed_is_told_apart_from_one_that_dropped_out_of_the_top(self):
        def gap(skill_id, rank):
            return {"skill_id": skill_id, "skill": f"Skill {skill_id}", "rank": rank, "priority": 1 / rank}

        before = {"gaps": [gap(1, 1), gap(2, 2), gap(3, 3)], "picks": [], "aspiration": {"role_id": 7, "role": "Lead"}}
        after = {
            "gaps": [gap(3, 1), gap(4, 2)],
            "gap_skill_ids": [2, 3, 4],  # 2 is still a gap, below the top; 1 closed
            "picks": [{"id": 9, "resource": "Course", "skill": "Skill 4", "status": "delivered"}],
            "aspiration": {"role_id": 7, "role": "Lead"},
        }
        changes = replan.plan_changes(before, after)
        assert [(g["skill"], g["kind"]) for g in changes["gaps"]] == [
            ("Skill 3", "up"),
            ("Skill 4", "new"),
            ("Skill 1", "closed"),
            ("Skill 2", "left"),
        ]
        assert [p["id"] for p in changes["picks_added"]] == [9] and changes["aspiration"] is None
        assert replan.plan_changes(before, before | {"gap_skill_ids": [1, 2, 3]})["nothing"]
