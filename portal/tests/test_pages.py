"""The briefing's pure parts (gap changes, the agenda) and the reads behind the pages."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from feedback.models import CheckIn
from feedback.tests.fixtures import analysed, team  # noqa: F401  (fixtures)
from portal import briefing, pages
from profiles.access import visible_employees
from profiles.models import SkillEvidence
from recommendations.models import Recommendation


def snap(skill_id, rank, level=1, goal=3):
    return {
        "skill_id": skill_id,
        "skill": f"Skill {skill_id}",
        "rank": rank,
        "level": level,
        "goal": goal,
        "confidence": 0.6,
    }


class TestGapChanges:
    def test_it_names_new_moved_levelled_and_gone_gaps(self):
        before = [snap(1, 1), snap(2, 2), snap(3, 3)]
        now = [snap(2, 1), snap(1, 2, level=2), snap(4, 3)]
        changes = {c["skill_id"]: c["text"] for c in briefing.gap_changes(snapshot=before, gaps=now)}
        assert changes == {
            2: "moved up from #2 to #1",
            1: "moved down from #1 to #2, level 1 → 2",
            4: "new in the ranked gaps at #3",
            3: "no longer among the ranked gaps (was #3)",
        }

    def test_nothing_changed_is_an_empty_list(self):
        assert briefing.gap_changes(snapshot=[snap(1, 1)], gaps=[snap(1, 1)]) == []


def gap(name, rank=1, confidence=0.8, goal_level=3):
    return SimpleNamespace(
        skill_id=rank,
        skill=SimpleNamespace(name=name),
        rank=rank,
        shown_current=1,
        goal_level=goal_level,
        confidence=confidence,
    )


class TestAgenda:
    def build(self, **overrides):
        arguments = {
            "gaps": [gap("SQL")],
            "evidence_on_top_gap": 0,
            "recommendations": {},
            "aspiration": None,
            "goal_path": None,
            "last_checkin": None,
            "open_contests": [],
            "since_label": "since 1 Oct",
        }
        return briefing.agenda_build(**{**arguments, **overrides})

    def test_it_follows_the_four_steps_and_fits_a_short_conversation(self):
        agenda = self.build()
        assert [item["title"] for item in agenda] == [
            "Progress on the top gap: SQL",
            "Recommendation engagement",
            "Goals check",
            "Agree actions",
        ]
        assert 12 <= sum(item["minutes"] for item in agenda) <= 20

    def test_it_is_built_from_the_data(self):
        checkin = CheckIn(held_on=dt.date(2026, 10, 1), agreed_actions="Pair on a query review\nRead the SQL chapter")
        aspiration = SimpleNamespace(
            target_role_id=1,
            target_role=SimpleNamespace(title="Team Lead"),
            interests="",
            stated_at=dt.datetime(2026, 7, 1),
        )
        path = SimpleNamespace(readiness=0.55, missing_skills=[{"skill": "Coaching"}])
        agenda = self.build(
            gaps=[gap("SQL"), gap("Coaching", rank=2, confidence=0.3)],
            evidence_on_top_gap=2,
            recommendations={Recommendation.Status.DELIVERED: 1, Recommendation.Status.COMPLETED: 2},
            aspiration=aspiration,
            goal_path=path,
            last_checkin=checkin,
        )
        text = " ".join(f"{item['title']}: {item['detail']}" for item in agenda)
        assert "2 new pieces of evidence since 1 Oct" in text
        assert "1 open (0 accepted), 2 completed" in text
        assert "Team Lead, 55% ready" in text and "Still needed: Coaching" in text
        assert "Follow up the agreed actions: From 1 Oct: Pair on a query review; Read the SQL chapter" in text
        assert "Coaching has low confidence (30%)" in text

    def test_a_top_gap_only_in_demand_has_no_level_to_reach(self):
        """A skill the business unit wants but no role asks a level of: never "level 1 of 0"."""
        assert self.build(gaps=[gap("SQL")])[0]["detail"].startswith("Level 1 of 3, confidence 80%.")
        detail = self.build(gaps=[gap("Machine learning", goal_level=0)])[0]["detail"]
        assert detail.startswith("Level 1 (in demand in the business unit; no level required), confidence 80%.")

    def test_no_gaps_and_no_goal_say_what_to_talk_about(self):
        text = " ".join(item["detail"] for item in self.build(gaps=[]))
        assert "Every requirement is met" in text and "No career goal stated" in text


@pytest.mark.django_db
class TestReads:
    def test_the_team_overview_sorts_by_readiness_gap_and_checkin(self, analysed):  # noqa: F811
        org, *_ = analysed
        CheckIn.objects.create(employee=org.peer, manager=org.manager, held_on=timezone.localdate(), notes="x")
        visible = visible_employees(org.director.user)

        def names(sort):
            return [row.full_name for row in pages.team_overview(manager=org.director, visible=visible, sort=sort)]

        assert names("name") == sorted(names("name"), key=lambda n: tuple(reversed(n.split(" ", 1))))
        assert names("checkin")[-1] == org.peer.full_name  # never checked in come first
        assert names("gap")[0] == org.employee.full_name  # the only one with a released gap
        assert names("readiness")[0] == org.employee.full_name  # the only one with readiness; no readiness sorts last
        assert set(names("bogus")) == set(names("name"))

    def test_a_progress_series_follows_the_evidence_month_by_month(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        now = timezone.now()
        SkillEvidence.objects.create(
            employee=org.employee,
            skill=stakeholders,
            level=1,
            source="manager",
            observed_at=now - dt.timedelta(days=100),
        )
        SkillEvidence.objects.create(
            employee=org.employee, skill=stakeholders, level=4, source="assessment", observed_at=now
        )
        series = pages.progress_series(employee=org.employee, skills=[(stakeholders.pk, stakeholders.name)], now=now)
        assert series["labels"][-1] == now.strftime("%b %Y") and len(series["labels"]) in (4, 5)
        levels = series["datasets"][0]["data"]
        assert levels[0] == 1.0 and levels[0] < levels[-1] <= 4

    def test_no_evidence_is_no_chart(self, org):
        assert pages.progress_series(employee=org.employee, skills=[(1, "SQL")]) == {}
