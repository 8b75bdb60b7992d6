"""Learning recommendations in the recompute, against a real database: picks written with their
reason and features, history respected, review policy, re-planning, and the portal's context."""

import io
from datetime import timedelta

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import timezone

from profiles.models import CareerAspiration, LearningRecord, SkillEvidence
from recommendations import analysis, learning, outcomes, services
from recommendations.engine.picking import FEATURES
from recommendations.models import (
    AnalysisRun,
    EngineSettings,
    LearningResource,
    Recommendation,
    ResourceSkill,
    ReviewItem,
)
from recommendations.selectors import DEFAULT_PACE_HOURS_PER_WEEK, learning_context
from taxonomy.tests.factories import RequirementFactory, RoleFactory, SkillFactory

pytestmark = pytest.mark.django_db
Status = Recommendation.Status


def resource(title, kind, skill, from_level, to_level, *, hours=6, format="self_paced", mentor=None, activity_id=None):  # noqa: A002
    item = LearningResource.objects.create(
        title=title, kind=kind, format=format, hours=hours, mentor=mentor, activity_id=activity_id
    )
    ResourceSkill.objects.create(resource=item, skill=skill, from_level=from_level, to_level=to_level)
    return item


@pytest.fixture
def catalogue(org):
    """The employee is a Senior Data Analyst at level 1 in stakeholder management (the role
    needs 3) and aims for Analytics Team Lead (stakeholder management 3, coaching 3)."""
    role = org.employee.role
    role.title = "Senior Data Analyst"
    role.save()
    stakeholders = SkillFactory(name="Stakeholder management", kind="interpersonal")
    coaching = SkillFactory(name="Coaching", kind="leadership")
    sql = SkillFactory(name="SQL", kind="technical")
    RequirementFactory(role=role, skill=stakeholders, target_level=3, importance=5, core=True)
    RequirementFactory(role=role, skill=sql, target_level=3, importance=4)
    lead = RoleFactory(title="Analytics Team Lead", family=role.family, grade=role.grade + 1)
    RequirementFactory(role=lead, skill=stakeholders, target_level=3, importance=5, core=True)
    RequirementFactory(role=lead, skill=coaching, target_level=3, importance=4, core=True)
    now = timezone.now()
    for skill, level in [(stakeholders, 1), (sql, 2), (coaching, 1)]:
        for source in ("manager", "assessment"):
            SkillEvidence.objects.create(
                employee=org.employee, skill=skill, level=level, source=source, observed_at=now - timedelta(days=20)
            )
    SkillEvidence.objects.create(
        employee=org.manager, skill=stakeholders, level=4, source="manager", observed_at=now - timedelta(days=20)
    )
    CareerAspiration.objects.create(employee=org.employee, target_role=lead, stated_at=now)
    org.manager.first_name, org.manager.last_name = "Priya", "Shah"
    org.manager.save()
    items = {
        "workshop": resource("Stakeholder basics", "course", stakeholders, 1, 2, hours=4, activity_id="lms:stake-1"),
        "mentorship": resource(
            "Mentoring with Priya", "mentorship", stakeholders, 1, 3, format="one_to_one", mentor=org.manager
        ),
        "advanced": resource("Influencing without authority", "course", stakeholders, 2, 3, hours=8),
        "stretch": resource("Lead the analytics guild", "stretch", coaching, 1, 3, hours=40, format="on_the_job"),
        "coaching": resource("Coaching foundations", "course", coaching, 1, 2, hours=6),
        "sql": resource("SQL for analysts", "course", sql, 2, 3, hours=10, activity_id="lms:sql-2"),
    }
    return org, items, {"stakeholders": stakeholders, "coaching": coaching, "sql": sql, "lead": lead}


def after_pilot(threshold=0.0):
    EngineSettings.objects.update_or_create(pk=1, defaults={"pilot_mode": False, "review_threshold": threshold})


def live(employee):
    return {
        rec.resource.title: rec
        for rec in Recommendation.objects.filter(employee=employee, status__in=Recommendation.LIVE).select_related(
            "resource"
        )
    }


class TestTheRecompute:
    def test_it_picks_for_the_top_gaps_with_at_most_three_shown_of_different_formats(self, catalogue):
        org, items, _ = catalogue
        after_pilot()
        analysis.recompute()
        recs = list(Recommendation.objects.filter(employee=org.employee).order_by("rank"))
        assert recs and [rec.rank for rec in recs] == list(range(1, len(recs) + 1))
        shown = [rec for rec in recs if rec.shown]
        assert len(shown) == 3 and [rec.rank for rec in shown] == [1, 2, 3]
        assert len({rec.resource.kind for rec in shown}) == 3  # course, mentorship, stretch: not three courses
        assert all(rec.status == Status.DELIVERED and rec.delivered_at for rec in recs)
        assert {rec.scorer for rec in recs} == {"heuristic"}

    def test_each_pick_keeps_its_features_and_a_reason_built_from_the_data(self, catalogue):
        org, items, _ = catalogue
        after_pilot()
        analysis.recompute()
        mentorship = Recommendation.objects.get(employee=org.employee, resource=items["mentorship"])
        assert sorted(mentorship.features) == sorted(FEATURES)  # jsonb does not keep key order
        assert all(isinstance(value, int | float) for value in mentorship.features.values())
        assert mentorship.reason == (
            "Closes your Stakeholder management gap (1 → 3), which Senior Data Analyst needs at level 3 (core), "
            "and is one of 2 gaps left before Analytics Team Lead, your stated goal. "
            "A 6-hour mentorship with Priya Shah, who is at level 4. It would be your first mentorship on record. "
            "Mentorships suit an interpersonal skill like Stakeholder management: it is learned from someone who "
            "does it well."
        )
        assert mentorship.goal == "both" and mentorship.reaches_level == 3 and 0 < mentorship.confidence <= 1

    def test_it_never_recommends_what_was_completed_started_or_dismissed(self, catalogue):
        org, items, _ = catalogue
        LearningRecord.objects.create(employee=org.employee, activity_id="lms:stake-1", title="x", status="completed")
        LearningRecord.objects.create(employee=org.employee, activity_id="lms:sql-2", title="x", status="in_progress")
        Recommendation.objects.create(
            employee=org.employee, resource=items["stretch"], skill=items["stretch"].skills.get().skill, goal="aspired",
            current_level=1, reaches_level=3, gap_priority=0.3, score=0.5, confidence=0.5, rank=1, reason="r",
            scorer="heuristic", status=Status.DISMISSED, created_at=timezone.now(),
        )  # fmt: skip
        analysis.recompute()
        picked = set(live(org.employee))
        assert picked and not picked & {"Stakeholder basics", "SQL for analysts", "Lead the analytics guild"}
        assert Recommendation.objects.filter(resource=items["stretch"]).get().status == Status.DISMISSED

    def test_it_does_not_offer_a_mentor_their_own_mentorship(self, catalogue):
        org, items, skills = catalogue
        RequirementFactory(role=org.manager.role, skill=skills["stakeholders"], target_level=4, importance=5)
        SkillEvidence.objects.create(
            employee=org.manager, skill=skills["stakeholders"], level=1, source="assessment", observed_at=timezone.now()
        )
        analysis.recompute()
        assert not Recommendation.objects.filter(employee=org.manager, resource=items["mentorship"]).exists()

    def test_a_mentorship_leads_no_higher_than_the_mentor_stands_today(self, catalogue):
        org, items, skills = catalogue
        for source in ("assessment", "manager", "assessment"):  # the mentor's level is now 2, not 4
            SkillEvidence.objects.create(
                employee=org.manager, skill=skills["stakeholders"], level=2, source=source,
                observed_at=timezone.now() - timedelta(days=2),
            )  # fmt: skip
        after_pilot()
        analysis.recompute()
        pick = Recommendation.objects.get(employee=org.employee, resource=items["mentorship"])
        assert pick.reaches_level == 2 and "who is at level 2" in pick.reason

    def test_picking_a_few_employees_at_a_time_changes_nothing(self, catalogue, monkeypatch):
        org, *_ = catalogue
        after_pilot()
        analysis.recompute()

        def picks():
            return sorted(
                Recommendation.objects.filter(status__in=Recommendation.LIVE).values_list(
                    "employee_id", "resource_id", "rank", "status", "created_at"
                )
            )

        before = picks()
        monkeypatch.setattr(learning, "SLICE_EMPLOYEES", 1)  # one slice per employee
        analysis.recompute()
        assert before and picks() == before

    def test_the_command_reports_the_picks_it_left_live(self, catalogue):
        org, *_ = catalogue
        after_pilot()
        out = io.StringIO()
        call_command("recompute", "--employee", org.employee.external_id, stdout=out, stderr=io.StringIO())
        assert "Learning picks shown: 3 delivered, 0 waiting for HR review (ranked by heuristic)." in out.getvalue()


class TestTheReviewPolicy:
    def test_pilot_mode_holds_every_pick_with_one_review_item_per_employee(self, catalogue):
        org, *_ = catalogue
        assert EngineSettings.load().pilot_mode
        analysis.recompute()
        assert set(Recommendation.objects.filter(employee=org.employee).values_list("status", flat=True)) == {
            Status.IN_REVIEW
        }
        item = ReviewItem.objects.get(employee=org.employee, kind="recommendation", status="pending")
        assert item.reason == "pilot"
        analysis.recompute()  # a second run replaces the waiting item rather than adding one
        assert ReviewItem.objects.filter(employee=org.employee, kind="recommendation", status="pending").count() == 1

    def test_after_the_pilot_only_low_confidence_picks_wait(self, catalogue):
        org, *_ = catalogue
        after_pilot(threshold=0.99)
        analysis.recompute()
        recs = Recommendation.objects.filter(employee=org.employee)
        assert set(recs.values_list("status", flat=True)) == {Status.IN_REVIEW}
        assert not recs.filter(delivered_at__isnull=False).exists()
        item = ReviewItem.objects.get(employee=org.employee, kind="recommendation", status="pending")
        assert item.reason == "low_confidence" and item.confidence == min(recs.values_list("confidence", flat=True))

    def test_a_flagged_item_survives_the_next_recompute(self, catalogue):
        org, *_ = catalogue
        analysis.recompute()
        ReviewItem.objects.filter(employee=org.employee, kind="recommendation").update(reason="flagged")
        analysis.recompute()
        assert (
            ReviewItem.objects.get(employee=org.employee, kind="recommendation", status="pending").reason == "flagged"
        )

    def test_a_flag_hr_upholds_takes_the_pick_back_for_good_and_others_take_its_place(self, catalogue, mailoutbox):
        org, items, _ = catalogue
        after_pilot()
        analysis.recompute()
        top = Recommendation.objects.get(employee=org.employee, rank=1)
        outcomes.recommendation_flag(recommendation=top, by=org.manager.user, reason="She did this last year elsewhere")
        item = ReviewItem.objects.get(employee=org.employee, kind="recommendation", status="pending")
        with pytest.raises(ValidationError):
            services.review_decide(item=item, decision="rejected", user=org.hr_user, note="")
        assert Recommendation.objects.get(pk=top.pk).status == Status.DELIVERED  # refused: nothing changed

        services.review_decide(item=item, decision="rejected", user=org.hr_user, note="Agreed, she has it")

        top.refresh_from_db()
        assert top.status == Status.REJECTED
        assert top.flags.get().resolution == "Upheld in HR review: Agreed, she has it"
        analysis.recompute()
        assert top.resource.title not in live(org.employee)
        shown = Recommendation.objects.filter(employee=org.employee, status=Status.DELIVERED, shown=True)
        assert shown.count() == 3 and top.resource_id not in {rec.resource_id for rec in shown}

    def test_hr_approving_waiting_picks_delivers_them_with_an_email(self, catalogue, mailoutbox):
        org, *_ = catalogue
        after_pilot(threshold=1.0)  # everything waits
        analysis.recompute()
        assert not Recommendation.objects.filter(employee=org.employee, status=Status.DELIVERED).exists()
        item = ReviewItem.objects.get(employee=org.employee, kind="recommendation", status="pending")
        with pytest.raises(ValidationError):
            services.review_decide(item=item, decision="edited", user=org.hr_user, note="New words")

        services.review_decide(item=item, decision="approved", user=org.hr_user)

        delivered = Recommendation.objects.filter(employee=org.employee, status=Status.DELIVERED)
        assert delivered.exists() and not Recommendation.objects.filter(status=Status.IN_REVIEW).exists()
        [mail] = mailoutbox
        shown = delivered.filter(shown=True).order_by("rank")
        assert mail.to == [org.employee.email] and all(rec.resource.title in mail.body for rec in shown)
        assert set(delivered.values_list("emailed_at", flat=True)) != {None}


class TestReplanning:
    def test_picks_still_chosen_keep_their_row_and_the_rest_are_withdrawn(self, catalogue):
        org, items, _ = catalogue
        after_pilot()
        analysis.recompute()
        before = live(org.employee)
        mentorship = before["Mentoring with Priya"]
        Recommendation.objects.filter(pk=mentorship.pk).update(features={"snapshot": 1})
        items["stretch"].active = False
        items["stretch"].save()
        analysis.recompute()
        after = live(org.employee)
        assert "Lead the analytics guild" not in after
        assert Recommendation.objects.get(pk=before["Lead the analytics guild"].pk).status == Status.WITHDRAWN
        kept = after["Mentoring with Priya"]
        assert kept.pk == mentorship.pk and kept.created_at == mentorship.created_at
        assert kept.features == {"snapshot": 1}  # what it was made from stays, for the model
        assert not Recommendation.objects.filter(status=Status.PROPOSED).exists()

    def test_acted_on_recommendations_are_never_touched_or_repeated(self, catalogue):
        org, *_ = catalogue
        after_pilot()
        analysis.recompute()
        accepted = live(org.employee)["Mentoring with Priya"]
        Recommendation.objects.filter(pk=accepted.pk).update(status=Status.ACCEPTED, rank=1, reason="as accepted")
        analysis.recompute()
        accepted.refresh_from_db()
        assert accepted.status == Status.ACCEPTED and accepted.reason == "as accepted"
        assert Recommendation.objects.filter(employee=org.employee, resource=accepted.resource).count() == 1

    def test_one_employee_recompute_replans_only_that_employee(self, catalogue):
        org, items, skills = catalogue
        after_pilot()
        RequirementFactory(role=org.peer.role, skill=skills["coaching"], target_level=2, importance=3)
        SkillEvidence.objects.create(
            employee=org.peer, skill=skills["coaching"], level=1, source="manager", observed_at=timezone.now()
        )
        analysis.recompute()
        peer_before = sorted(Recommendation.objects.filter(employee=org.peer).values_list("pk", "status"))
        assert peer_before
        LearningRecord.objects.create(employee=org.employee, activity_id="lms:sql-2", title="x", status="in_progress")
        analysis.recompute_employee(org.employee.pk)
        assert "SQL for analysts" not in live(org.employee)
        assert sorted(Recommendation.objects.filter(employee=org.peer).values_list("pk", "status")) == peer_before

    def test_a_run_in_which_nothing_changed_stages_nothing(self, catalogue, monkeypatch):
        org, *_ = catalogue
        after_pilot()
        analysis.recompute()
        before = sorted(Recommendation.objects.values_list("pk", "status", "rank", "reason"))
        staged = []
        original = learning.stage
        monkeypatch.setattr(
            learning, "stage", lambda **kw: staged.append(len(kw["picks"]) + len(kw["withdrawn"])) or original(**kw)
        )
        analysis.recompute()
        assert staged and sum(staged) == 0
        assert sorted(Recommendation.objects.values_list("pk", "status", "rank", "reason")) == before

    def test_a_staged_pick_of_something_acted_on_meanwhile_is_dropped(self):
        rows = pd.DataFrame(
            [(1, 7, 100, 0, 0), (2, 7, 100, 1, 0),  # live and picked again: update 1 from 2
             (3, 7, 101, 0, 0), (4, 7, 101, 1, 1),  # live and no longer picked: withdraw 3
             (5, 7, 102, 2, 0), (6, 7, 102, 1, 0),  # accepted while the run went: drop 6
             (8, 7, 103, 1, 0)],  # new: release 8
            columns=["id", "employee_id", "resource_id", "state", "withdraw"],
        )  # fmt: skip
        pairs, withdrawn, dropped, released = learning.finish_plan(rows)
        assert pairs.tolist() == [[1, 2]] and withdrawn.tolist() == [3]
        assert sorted(dropped.tolist()) == [2, 4, 6] and released.tolist() == [8]

    def test_picks_staged_by_a_failed_run_are_cleared(self, catalogue):
        org, *_ = catalogue
        after_pilot()
        with pytest.raises(RuntimeError), pytest.MonkeyPatch.context() as patch:
            patch.setattr(learning, "learning_finish", _fail)
            analysis.recompute()
        assert Recommendation.objects.filter(status=Status.PROPOSED).exists()
        AnalysisRun.objects.filter(status="running").update(status="failed")
        analysis.recompute()
        assert not Recommendation.objects.filter(status=Status.PROPOSED).exists()
        assert live(org.employee)


def _fail(**kwargs):
    raise RuntimeError("database went away")


class TestResourceStats:
    def test_completion_rate_and_level_rise_come_from_everyone_who_took_it(self, catalogue):
        org, items, skills = catalogue
        now = timezone.now()
        for person, status in [(org.peer, "completed"), (org.outsider, "abandoned"), (org.director, "completed")]:
            LearningRecord.objects.create(
                employee=person, activity_id="lms:stake-1", title="x", status=status,
                completed_at=now - timedelta(days=100) if status == "completed" else None,
            )  # fmt: skip
        for level, days in [(1, 120), (2, 50)]:
            SkillEvidence.objects.create(
                employee=org.peer, skill=skills["stakeholders"], level=level, source="manager",
                observed_at=now - timedelta(days=days),
            )  # fmt: skip
        stats = learning.read_resource_stats().set_index("resource_id")
        row = stats.loc[items["workshop"].pk]
        assert row["n"] == 3 and row["completion_rate"] == pytest.approx(2 / 3)
        assert row["uplift"] == pytest.approx(1.0) and row["uplift_n"] == 1  # the director has no evidence after

    def test_an_item_without_an_lms_id_is_known_by_the_key_its_completions_carry(self, catalogue):
        org, items, _ = catalogue
        mentorship = items["mentorship"]
        assert mentorship.record_key == f"catalogue:{mentorship.pk}"
        for person, status in [(org.peer, "completed"), (org.outsider, "abandoned")]:
            LearningRecord.objects.create(employee=person, activity_id=mentorship.record_key, title="x", status=status)
        LearningRecord.objects.create(employee=org.director, activity_id="catalogue:not-a-number", title="y")
        stats = learning.read_resource_stats().set_index("resource_id")
        assert stats.loc[mentorship.pk, "n"] == 2 and stats.loc[mentorship.pk, "completion_rate"] == 0.5
        # ... and in the employee's own history: finished, so never offered again, and counted as mentorship
        LearningRecord.objects.create(
            employee=org.employee, activity_id=mentorship.record_key, title="x", status="completed", minutes=90
        )
        history, engagement, _ = learning.read_chunk_learning(
            scope=analysis.Scope(employee_ids=[org.employee.pk]), low=None, high=None
        )
        assert (org.employee.pk, mentorship.pk) in set(zip(history["employee_id"], history["resource_id"], strict=True))
        mine = engagement.set_index("format").loc["mentorship"]
        assert (mine["completed"], mine["minutes"]) == (1, 90)
        after_pilot()
        analysis.recompute()
        assert "Mentoring with Priya" not in live(org.employee)


class TestTheLearningContext:
    def test_the_employee_sees_delivered_picks_three_first_and_the_rest_on_request(self, catalogue):
        org, *_ = catalogue
        after_pilot()
        analysis.recompute()
        context = learning_context(org.employee, as_hr=False)
        assert len(context["picks"]) == 3 and all(pick.shown for pick in context["picks"])
        assert context["more_picks"] and not set(context["picks"]) & set(context["more_picks"])
        html = render_to_string("recommendations/_learning.html", context)
        assert "Mentoring with Priya" in html and "Show " in html and "Learning path to Analytics Team Lead" in html

    def test_picks_waiting_for_review_are_for_hr_only(self, catalogue):
        org, *_ = catalogue
        analysis.recompute()  # pilot mode
        employee_view = learning_context(org.employee, as_hr=False)
        assert employee_view["picks"] == [] and employee_view["picks_waiting"]
        assert "with HR for a check" in render_to_string("recommendations/_learning.html", employee_view)
        assert len(learning_context(org.employee, as_hr=True)["picks"]) == 3

    def test_the_path_climbs_step_by_step_with_current_role_needs_first(self, catalogue, django_assert_max_num_queries):
        org, *_ = catalogue
        after_pilot()
        analysis.recompute()
        with django_assert_max_num_queries(6):
            path = learning_context(org.employee, as_hr=False)["learning_path"]
        steps = [(step["skill"], step["from_level"], step["to_level"], step["resource"]) for step in path["steps"]]
        assert steps == [
            ("Stakeholder management", 1, 3, "Mentoring with Priya"),  # the current role needs it: first
            ("Coaching", 1, 3, "Lead the analytics guild"),
        ]
        assert path["total_hours"] == 46 and path["pace"] == DEFAULT_PACE_HOURS_PER_WEEK and path["pace_is_default"]
        assert path["finish"] == timezone.localdate() + timedelta(weeks=23)

    def test_the_path_never_plans_a_pick_hr_took_back(self, catalogue):
        org, items, _ = catalogue
        after_pilot()
        analysis.recompute()
        Recommendation.objects.filter(employee=org.employee, resource=items["mentorship"]).update(
            status=Status.REJECTED
        )
        path = learning_context(org.employee, as_hr=False)["learning_path"]
        assert "Mentoring with Priya" not in {step["resource"] for step in path["steps"]}
        assert path["steps"][0]["resource"] == "Stakeholder basics"  # the next best step instead

    def test_the_path_replans_when_the_history_changes_and_follows_the_pace(self, catalogue):
        org, items, _ = catalogue
        after_pilot()
        analysis.recompute()
        Recommendation.objects.filter(employee=org.employee, resource=items["mentorship"]).update(
            status=Status.DISMISSED
        )
        LearningRecord.objects.create(
            employee=org.employee, activity_id="lms:other", title="x", status="completed", minutes=26 * 60 * 4,
            completed_at=timezone.now() - timedelta(days=10),
        )  # fmt: skip
        path = learning_context(org.employee, as_hr=False)["learning_path"]
        stakeholder_steps = [
            (s["from_level"], s["to_level"], s["resource"])
            for s in path["steps"]
            if s["skill"] == "Stakeholder management"
        ]
        assert stakeholder_steps == [(1, 2, "Stakeholder basics"), (2, 3, "Influencing without authority")]
        assert path["pace"] == pytest.approx(4.0) and not path["pace_is_default"]

    def test_too_little_logged_time_is_said_as_such_and_the_default_pace_is_used(self, catalogue):
        org, *_ = catalogue
        after_pilot()
        analysis.recompute()
        LearningRecord.objects.create(
            employee=org.employee, activity_id="lms:other", title="x", status="completed", minutes=260,
            completed_at=timezone.now() - timedelta(days=10),
        )  # fmt: skip
        context = learning_context(org.employee, as_hr=False)
        assert context["learning_path"]["pace"] == DEFAULT_PACE_HOURS_PER_WEEK
        html = render_to_string("recommendations/_learning.html", context)
        assert "about 10 minutes a week logged over the last six months, too little to plan by" in html
