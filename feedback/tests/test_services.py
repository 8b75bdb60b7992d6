"""Writes of the feedback loop: contests decided as evidence with provenance, confirmations,
check-ins that keep their agenda, signals, and flags that reach HR's review queue."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from feedback import services
from feedback.models import CheckIn, Signal, SkillContest
from profiles.models import SkillEvidence
from recommendations import outcomes
from recommendations.models import Flag, ReviewItem

from .fixtures import analysed, recommendation_for, team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


class TestContestOpen:
    def test_it_remembers_the_level_on_record_and_writes_no_evidence(self, analysed):  # noqa: F811
        org, lead, stakeholders = analysed
        before = SkillEvidence.objects.count()
        contest = services.contest_open(
            employee=org.employee,
            skill=stakeholders,
            claimed_level=3,
            reason="I run the quarterly reviews",
            evidence_url="https://example.com/cert",
            by=org.employee.user,
        )
        assert contest.status == SkillContest.Status.OPEN and contest.level_on_record == 1
        assert SkillEvidence.objects.count() == before

    def test_it_needs_a_reason(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        with pytest.raises(ValidationError, match="why the level is wrong"):
            services.contest_open(
                employee=org.employee, skill=stakeholders, claimed_level=3, reason="  ", by=org.employee.user
            )

    def test_claiming_the_level_on_record_says_confirm_instead(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        with pytest.raises(ValidationError, match="confirm it instead"):
            services.contest_open(
                employee=org.employee, skill=stakeholders, claimed_level=1, reason="x", by=org.employee.user
            )

    def test_one_open_contest_per_skill(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        services.contest_open(
            employee=org.employee, skill=stakeholders, claimed_level=3, reason="x", by=org.employee.user
        )
        with pytest.raises(ValidationError, match="already contest"):
            services.contest_open(
                employee=org.employee, skill=stakeholders, claimed_level=4, reason="y", by=org.employee.user
            )


class TestContestDecide:
    @pytest.fixture
    def contest(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        return services.contest_open(
            employee=org.employee,
            skill=stakeholders,
            claimed_level=3,
            reason="I run the quarterly reviews",
            evidence_url="https://example.com/cert",
            by=org.employee.user,
        )

    def test_a_manager_upholding_adds_manager_evidence_that_names_the_contest(self, contest, org):
        original = list(
            SkillEvidence.objects.filter(employee=org.employee, skill=contest.skill).values_list(
                "pk", "level", "source"
            )
        )
        decided = services.contest_decide(
            contest=contest, decision="upheld", by=org.manager.user, note="Saw her run them"
        )
        evidence = decided.decision_evidence
        assert (evidence.level, evidence.source, evidence.recorded_by) == (3, "manager", org.manager.user)
        assert (
            f"Skill contest #{contest.pk} upheld by {org.manager.full_name}" in evidence.note
            and "Saw her run them" in evidence.note
        )
        assert evidence.evidence_url == "https://example.com/cert"
        # never overwritten: everything recorded before is still there, unchanged
        after = SkillEvidence.objects.filter(employee=org.employee, skill=contest.skill).exclude(pk=evidence.pk)
        assert list(after.values_list("pk", "level", "source")) == original
        assert decided.status == "upheld" and decided.decided_level == 3 and decided.decided_by == org.manager.user

    def test_a_skip_level_manager_may_decide_too(self, contest, org):
        decided = services.contest_decide(contest=contest, decision="declined", by=org.director.user, note="Not yet")
        assert decided.decision_evidence.source == "manager" and decided.decided_level == 1

    def test_hr_deciding_is_recorded_as_an_assessment(self, contest, org):
        decided = services.contest_decide(
            contest=contest, decision="adjusted", level=4, by=org.hr_user, note="Certificate checked"
        )
        assert decided.decision_evidence.source == "assessment" and decided.decision_evidence.level == 4
        assert "(HR)" in decided.decision_evidence.note

    @pytest.mark.parametrize("who", ["employee", "peer", "outsider_manager"])
    def test_people_outside_the_line_cannot_decide(self, contest, org, who):
        with pytest.raises(ValidationError):
            services.contest_decide(contest=contest, decision="upheld", by=getattr(org, who).user, note="ok")
        assert SkillContest.objects.get(pk=contest.pk).is_open

    def test_a_decision_needs_a_reason_and_an_adjustment_a_different_level(self, contest, org):
        with pytest.raises(ValidationError, match="why you decided"):
            services.contest_decide(contest=contest, decision="upheld", by=org.manager.user, note="")
        with pytest.raises(ValidationError, match="uphold the contest instead"):
            services.contest_decide(contest=contest, decision="adjusted", level=3, by=org.manager.user, note="x")

    def test_a_contest_is_decided_once(self, contest, org):
        services.contest_decide(contest=contest, decision="upheld", by=org.manager.user, note="ok")
        with pytest.raises(ValidationError, match="already decided"):
            services.contest_decide(contest=contest, decision="declined", by=org.director.user, note="no")


def test_confirming_a_level_adds_self_evidence_marked_confirmed(analysed):  # noqa: F811
    org, _, stakeholders = analysed
    evidence = services.skill_level_confirm(employee=org.employee, skill=stakeholders, level=2, by=org.employee.user)
    assert (evidence.source, evidence.level, evidence.recorded_by) == ("self", 2, org.employee.user)
    assert evidence.note.startswith("confirmed")


class TestCheckinLog:
    def test_it_keeps_the_agenda_and_the_ranked_gaps_shown(self, analysed):  # noqa: F811
        org, *_ = analysed
        agenda = [{"title": "Progress on the top gap: Stakeholder management", "detail": "", "minutes": 5}]
        snapshot = [{"skill_id": 1, "skill": "Stakeholder management", "rank": 1, "level": 1, "goal": 3}]
        checkin = services.checkin_log(
            employee=org.employee,
            manager=org.manager,
            held_on=timezone.localdate(),
            notes="Good talk",
            agreed_actions="- Shadow a stakeholder review\n- Draft the Q3 update",
            agenda=agenda,
            gaps_snapshot=snapshot,
            by=org.manager.user,
            manager_prep_saved=4,
        )
        checkin.refresh_from_db()
        assert (checkin.agenda, checkin.gaps_snapshot) == (agenda, snapshot)
        assert checkin.actions == ["Shadow a stakeholder review", "Draft the Q3 update"]

    def test_it_refuses_a_future_date_an_empty_log_and_someone_outside_the_line(self, analysed):  # noqa: F811
        org, *_ = analysed
        log = {
            "employee": org.employee,
            "manager": org.manager,
            "held_on": timezone.localdate(),
            "notes": "x",
            "agreed_actions": "",
            "agenda": [],
            "gaps_snapshot": [],
            "by": None,
        }
        with pytest.raises(ValidationError, match="future"):
            services.checkin_log(**{**log, "held_on": timezone.localdate() + timedelta(days=1)})
        with pytest.raises(ValidationError, match="what you talked about"):
            services.checkin_log(**{**log, "notes": " "})
        with pytest.raises(ValidationError, match="reporting line"):
            services.checkin_log(**{**log, "manager": org.peer})
        assert not CheckIn.objects.exists()

    def test_the_employee_answers_once(self, analysed):  # noqa: F811
        org, *_ = analysed
        checkin = CheckIn.objects.create(
            employee=org.employee, manager=org.manager, held_on=timezone.localdate(), notes="x"
        )
        assert services.checkin_answer(checkin=checkin, relevance=5).employee_relevance == 5
        with pytest.raises(ValidationError, match="already answered"):
            services.checkin_answer(checkin=checkin, relevance=1)


def test_a_signal_needs_text(org):
    with pytest.raises(ValidationError, match="sentence or two"):
        services.signal_record(employee=org.employee, kind=Signal.Kind.MANAGER_NOTE, text="", author=org.manager.user)
    signal = services.signal_record(
        employee=org.employee, kind=Signal.Kind.MANAGER_NOTE, text="Great demo", author=org.manager.user
    )
    assert signal.kind == "manager_note"


class TestFlags:
    def test_a_flagged_gap_lands_in_hr_review_as_flagged(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        flag = outcomes.gap_flag(
            employee=org.employee, skill=stakeholders, by=org.manager.user, reason="She already leads these"
        )
        assert (flag.target, flag.skill, flag.raised_by) == (Flag.Target.GAP, stakeholders, org.manager.user)
        item = ReviewItem.objects.get(employee=org.employee, status="pending")
        assert item.reason == "flagged" and item.kind == "gap_analysis"

    def test_an_item_already_waiting_is_marked_flagged_not_duplicated(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        ReviewItem.objects.create(kind="gap_analysis", employee=org.employee, reason="low_confidence", confidence=0.3)
        outcomes.gap_flag(employee=org.employee, skill=stakeholders, by=org.manager.user, reason="Wrong")
        assert list(ReviewItem.objects.filter(employee=org.employee).values_list("reason", flat=True)) == ["flagged"]

    def test_a_flagged_recommendation_lands_in_hr_review(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        recommendation = recommendation_for(org.employee, stakeholders)
        services.target_flag(
            employee=org.employee, target=f"rec-{recommendation.pk}", by=org.manager.user, reason="Did it last year"
        )
        assert Flag.objects.get().recommendation == recommendation
        assert ReviewItem.objects.get(kind="recommendation").reason == "flagged"

    def test_a_flag_needs_a_reason_and_a_target_that_exists(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        with pytest.raises(ValidationError, match="wrong"):
            outcomes.gap_flag(employee=org.employee, skill=stakeholders, by=org.manager.user, reason=" ")
        for target in ["rec-999999", "gap-²", "rec-٣", "gap-99999999999999999999999", "gap-"]:
            with pytest.raises(ValidationError, match="no longer there"):
                services.target_flag(employee=org.employee, target=target, by=org.manager.user, reason="x")
        assert not Flag.objects.exists()
