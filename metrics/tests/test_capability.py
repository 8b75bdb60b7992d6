# ruff: noqa: F811  (pytest fixtures imported by name)
"""Capability across the organisation: the pure rules (pooling, projection) and the snapshot
computed from the recompute's results and the evidence history."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.tests.fixtures import recommendation_for
from metrics import capability
from metrics.capability_services import capability_take
from metrics.models import CapabilityCell, CapabilitySnapshot
from metrics.tests.capability_fixtures import capability_org, plan, rate  # noqa: F401  (fixtures)
from recommendations import analysis
from recommendations.models import EmployeeAnalysis, EngineSettings, Recommendation

NOW = pd.Timestamp("2026-11-01", tz="UTC")


def cells(rows):
    frame = pd.DataFrame(rows, columns=["skill_id", "column", "people", "meeting"])
    for name in capability.CELL_COUNTS:
        if name not in frame:
            frame[name] = 0
    return frame.astype(dict.fromkeys(("shortfall", "shortfall_3m", "shortfall_6m"), "float64"))


class TestPooling:
    def test_a_team_below_the_minimum_is_pooled_with_the_next_smallest(self):
        pooled, hidden = capability.pool_small(cells([(1, "A", 3, 1), (1, "B", 6, 2), (1, "C", 9, 5)]))
        shown = dict(zip(pooled["column"], pooled["people"], strict=True))
        assert shown == {capability.OTHER: 9, "C": 9} and hidden == 0

    def test_a_skill_with_too_few_people_in_all_is_left_out(self):
        pooled, hidden = capability.pool_small(cells([(1, "A", 2, 1), (1, "B", 2, 2), (2, "A", 7, 1)]))
        assert set(pooled["skill_id"]) == {2} and hidden == 1

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 6), st.integers(1, 12)), min_size=1, max_size=25))
    def test_no_shown_cell_stands_for_fewer_than_the_minimum_and_nothing_is_lost(self, drawn):
        frame = cells([(skill, f"team {team}", people, 0) for skill, team, people in drawn])
        frame = frame.groupby(["skill_id", "column"], as_index=False)[capability.CELL_COUNTS].sum()
        pooled, hidden = capability.pool_small(frame)
        assert (pooled["people"] >= capability.MIN_GROUP).all()
        totals = frame.groupby("skill_id")["people"].sum()
        kept = totals[totals >= capability.MIN_GROUP]
        assert pooled.groupby("skill_id")["people"].sum().to_dict() == kept.to_dict()
        assert hidden == (totals < capability.MIN_GROUP).sum()


class TestProjection:
    def demand(self, needed):
        return pd.DataFrame(
            {
                "business_unit_id": [1],
                "skill_id": [7],
                "people_needed": [needed],
                "level_needed": [3],
                "needed_by": [pd.NaT],
            }  # fmt: skip
        )

    def project(self, *, needed, picks_finishing_in_weeks, rates, moves=None):
        # 1-20 in unit 1 (1-4 at level 3), 21-22 in unit 2 at level 3
        people = pd.DataFrame({"employee_id": np.arange(1, 23), "business_unit_id": [1.0] * 20 + [2.0] * 2})
        levels = pd.DataFrame(
            {"employee_id": np.arange(1, 23), "skill_id": 7, "level": [3.0] * 4 + [2.0] * 16 + [3.0] * 2}
        )
        learners = np.arange(5, 5 + len(picks_finishing_in_weeks))
        picks = pd.DataFrame(
            {
                "employee_id": learners,
                "skill_id": 7,
                "reaches_level": 3,
                "acted_at": NOW,
                "hours": np.asarray(picks_finishing_in_weeks, dtype="float64") * capability.PACE_HOURS_PER_WEEK,
            }  # fmt: skip
        )
        return capability.supply_and_demand(
            self.demand(needed), people=people, levels_now=levels, picks=picks, rates=rates, now=NOW, moves=moves
        ).iloc[0]

    KNOWN = {"completion_seen": 400, "completion_done": 300, "uplift_seen": 300, "uplift_done": 240}

    def test_development_that_closes_the_gap_in_time_is_build(self):
        row = self.project(needed=6, picks_finishing_in_weeks=[4] * 6, rates=self.KNOWN)
        assert row["supply_now"] == 4 and row["learning_6m"] == 6
        assert row["expected_12m"] == pytest.approx(6 * (301 / 402) * (241 / 302))
        assert row["low_12m"] <= row["expected_12m"] <= row["high_12m"]
        assert row["verdict"] == "build"

    def test_a_shortfall_learning_cannot_close_is_buy_with_the_people_still_missing(self):
        row = self.project(needed=12, picks_finishing_in_weeks=[4, 4, 80], rates=self.KNOWN)
        assert row["learning_12m"] == 2  # the 80-week course ends after a year
        assert row["verdict"] == "buy" and row["gap_after"] == pytest.approx(12 - 4 - row["expected_12m"])

    def test_without_outcomes_the_interval_is_wide(self):
        unknown = {"completion_seen": 0, "completion_done": 0, "uplift_seen": 0, "uplift_done": 0}
        wide = self.project(needed=12, picks_finishing_in_weeks=[4] * 10, rates=unknown)
        narrow = self.project(needed=12, picks_finishing_in_weeks=[4] * 10, rates=self.KNOWN)
        assert wide["high_12m"] - wide["low_12m"] > narrow["high_12m"] - narrow["low_12m"]

    def test_covered_today(self):
        assert self.project(needed=3, picks_finishing_in_weeks=[], rates=self.KNOWN)["verdict"] == "covered"

    def test_planned_moves_count_at_their_date_with_their_likelihood(self):
        months = pd.DateOffset
        moves = pd.DataFrame(
            {
                "employee_id": [21, 22, 1, 5],
                "business_unit_id": [1.0, 1.0, 2.0, 2.0],
                "expected_on": [
                    NOW + months(months=2),
                    NOW + months(months=9),
                    NOW + months(months=3),
                    NOW + months(months=1),
                ],
                "likelihood": [1.0, 0.5, 0.8, 1.0],
            }  # fmt: skip
        )
        # in: 21 (sure, by 6 months), 22 (half sure, by 12); out: 1 (at the level, 80% sure);
        # 5 is below the level, so their move changes nothing.
        row = self.project(needed=8, picks_finishing_in_weeks=[], rates=self.KNOWN, moves=moves)
        assert row["moved_6m"] == pytest.approx(1.0 - 0.8)
        assert row["moved_12m"] == pytest.approx(1.0 + 0.5 - 0.8)
        assert row["expected_12m"] == pytest.approx(0.7)
        assert row["low_12m"] < row["expected_12m"] < row["high_12m"]  # uncertain moves widen the range
        certain = self.project(needed=8, picks_finishing_in_weeks=[], rates=self.KNOWN, moves=moves.iloc[:1])
        assert (certain["low_6m"], certain["expected_6m"], certain["high_6m"]) == (1.0, 1.0, 1.0)
        assert self.project(needed=8, picks_finishing_in_weeks=[], rates=self.KNOWN)["moved_12m"] == 0.0


@pytest.mark.django_db
class TestSnapshot:
    def cell(self, org, manager):
        snapshot = capability_take()
        return CapabilityCell.objects.get(snapshot=snapshot, team_id=manager.pk, skill_id=org.skill.pk)

    def test_today_comes_from_the_stored_gaps_and_the_past_from_the_evidence_known_then(self, capability_org):
        org = capability_org
        cell = self.cell(org, org.manager)
        assert (cell.people, cell.meeting, cell.shortfall) == (7, 4, 6.0)  # three still at level 1
        assert (cell.people_3m, cell.meeting_3m) == (7, 1)  # only the rating of four months ago counted then
        assert (cell.people_6m, cell.meeting_6m, cell.shortfall_6m) == (7, 0, 14.0)

    def test_evidence_recorded_after_three_months_ago_changes_today_but_not_the_past(self, capability_org):
        org = capability_org
        before = self.cell(org, org.manager)
        for person in org.team[4:]:
            rate(person, org.skill, 3, days_ago=0)
        analysis.recompute(trigger="test")
        after = self.cell(org, org.manager)
        assert (before.meeting, after.meeting) == (4, 7)
        assert (after.meeting_3m, after.shortfall_3m) == (before.meeting_3m, before.shortfall_3m)
        assert (after.meeting_6m, after.shortfall_6m) == (before.meeting_6m, before.shortfall_6m)

    def test_a_newer_run_waiting_for_review_does_not_change_the_heatmap(self, capability_org):
        org = capability_org
        before = self.cell(org, org.manager)
        EngineSettings.objects.filter(pk=1).update(pilot_mode=True)  # every new analysis waits for HR
        for person in org.team[4:]:
            rate(person, org.skill, 3, days_ago=0)
        analysis.recompute(trigger="test")
        waiting = EmployeeAnalysis.objects.filter(employee__in=org.team[4:])
        assert all(pointer.run_id != pointer.visible_run_id for pointer in waiting)  # not released
        after = self.cell(org, org.manager)
        assert (after.people, after.meeting, after.shortfall) == (before.people, before.meeting, before.shortfall)

    def test_people_hired_since_are_not_counted_in_the_past(self, capability_org):
        org = capability_org
        org.team[-1].__class__.objects.filter(pk=org.team[-1].pk).update(hire_date=timezone.localdate())
        cell = self.cell(org, org.manager)
        assert (cell.people, cell.people_3m, cell.people_6m) == (7, 6, 6)

    def test_supply_against_the_planned_demand_counts_learning_in_progress(self, capability_org):
        org = capability_org
        plan(org, needed=6)
        pick = recommendation_for(org.team[4], org.skill, status=Recommendation.Status.ACCEPTED)
        Recommendation.objects.filter(pk=pick.pk).update(reaches_level=3, acted_at=timezone.now() - timedelta(days=2))
        supply = capability_take().supply.get()
        assert (supply.needed, supply.people, supply.supply_now) == (6, 13, 4)
        assert (supply.learning_6m, supply.learning_12m) == (1, 1)
        assert supply.low_12m <= supply.expected_12m <= supply.high_12m <= 1
        assert supply.verdict == "buy" and supply.gap_after == pytest.approx(2 - supply.expected_12m)

    def test_one_snapshot_a_day_taking_it_again_replaces_that_days(self, capability_org):
        first = capability_take()
        again = capability_take()
        assert list(CapabilitySnapshot.objects.values_list("pk", flat=True)) == [again.pk]
        assert again.as_of == first.as_of
        assert CapabilityCell.objects.filter(snapshot_id=first.pk).count() == 0
        assert CapabilityCell.objects.filter(snapshot=again).count() > 0


@pytest.mark.django_db(transaction=True)
def test_read_ahead_in_chunks_on_a_second_connection_gives_the_same_snapshot(capability_org, monkeypatch):
    """Outside a transaction the evidence is read a chunk ahead and the outcomes on another
    connection; inside one (as in the other tests) everything is read in turn: same figures."""
    from django.db import transaction

    from metrics import capability_services

    org = capability_org
    plan(org, needed=6)
    monkeypatch.setattr(capability_services, "EVIDENCE_CHUNK", 3)  # several chunks for a dozen people
    now = pd.Timestamp(timezone.now())
    ahead = capability_services.capability_compute(now=now)
    with transaction.atomic():
        in_turn = capability_services.capability_compute(now=now)
    pd.testing.assert_frame_equal(ahead.cells, in_turn.cells)
    pd.testing.assert_frame_equal(ahead.supply, in_turn.supply)
    assert ahead.rows_read == in_turn.rows_read and ahead.employees == in_turn.employees
