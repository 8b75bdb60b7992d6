"""Picking learning, on hand-made frames (exact values) and as properties (hypothesis)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations.engine.heuristic import heuristic_score, recommendation_confidence
from recommendations.engine.item_outcomes import resource_stats
from recommendations.engine.learning_path import learning_path
from recommendations.engine.picking import (
    FEATURES,
    MAX_HOURS_PER_LEVEL,
    REPEAT_RATIO,
    SAME_FORMAT_PENALTY,
    candidate_features,
    gap_targets,
    hours_per_level,
    level_fit_of,
    pick,
    prepare,
)
from recommendations.engine.rationale import about_them, recommendation_reasons

ANNA, BEN = 1, 2
STAKEHOLDERS, SQL, COACHING = 10, 11, 12


def gaps_frame(rows):
    """rows: (employee, skill, current, target_current, target_aspired, rank, confidence)."""
    frame = pd.DataFrame(
        rows, columns=["employee_id", "skill_id", "current", "target_current", "target_aspired", "rank", "confidence"]
    )
    frame["shortfall_current"] = (frame["target_current"].fillna(0) - frame["current"]).clip(lower=0)
    frame["shortfall_aspired"] = (frame["target_aspired"].fillna(0) - frame["current"]).clip(lower=0)
    frame["priority"] = 1.0 / frame["rank"]
    frame["demand"] = 0.0
    return frame


def resources_frame(rows):
    """rows: (resource, kind, hours[, mentor])."""
    frame = pd.DataFrame([(*row, None)[:4] for row in rows], columns=["resource_id", "kind", "hours", "mentor_id"])
    return frame.assign(format="self_paced", active=True)


def skills_frame(rows):
    return pd.DataFrame(rows, columns=["resource_id", "skill_id", "from_level", "to_level"])


SKILL_KINDS = pd.DataFrame(
    {"skill_id": [STAKEHOLDERS, SQL, COACHING], "kind": ["interpersonal", "technical", "leadership"]}
)
NO_HISTORY = pd.DataFrame({"employee_id": [], "resource_id": [], "status": []})
NO_ENGAGEMENT = pd.DataFrame({"employee_id": [], "format": [], "records": [], "completed": [], "minutes": []})
NO_STATS = pd.DataFrame({"resource_id": [], "completion_rate": [], "uplift": [], "n": []})


def features(gaps, resources, resource_skills, *, history=NO_HISTORY, engagement=NO_ENGAGEMENT, stats=NO_STATS):
    return candidate_features(
        gaps=gaps, resources=resources, resource_skills=resource_skills, skill_kinds=SKILL_KINDS, history=history,
        engagement=engagement, resource_stats=stats,
    )  # fmt: skip


GAPS = gaps_frame(
    [
        (ANNA, STAKEHOLDERS, 1.0, 3, 3, 1, 0.8),
        (ANNA, SQL, 2.0, 3, None, 2, 0.9),
        (ANNA, COACHING, 0.0, None, 3, 3, 0.5),
    ]
)
RESOURCES = resources_frame(
    [(100, "course", 4), (101, "mentorship", 6, 99), (102, "course", 8), (103, "stretch", 40), (104, "course", 10),
     (105, "course", 12)]
)  # fmt: skip
RESOURCE_SKILLS = skills_frame(
    [(100, STAKEHOLDERS, 1, 2), (101, STAKEHOLDERS, 1, 3), (102, STAKEHOLDERS, 2, 3), (103, COACHING, 0, 2),
     (104, SQL, 2, 3), (105, STAKEHOLDERS, 3, 4)]
)  # fmt: skip


class TestCandidates:
    def test_one_row_per_pair_with_every_feature_numeric(self):
        frame = features(GAPS, RESOURCES, RESOURCE_SKILLS)
        assert set(FEATURES) <= set(frame.columns)
        assert not frame[FEATURES].isna().any().any()
        assert not frame.duplicated(["employee_id", "resource_id"]).any()
        # 102 starts at 2, a level above Anna; 105 starts at 3, the target itself
        assert set(frame["resource_id"]) == {100, 101, 103, 104}

    def test_goals_levels_and_shares(self):
        frame = features(GAPS, RESOURCES, RESOURCE_SKILLS).set_index("resource_id")
        assert (
            frame.loc[101, "goal"] == "both"
            and frame.loc[104, "goal"] == "current"
            and frame.loc[103, "goal"] == "aspired"
        )
        assert frame.loc[101, "closes_share"] == 1.0 and frame.loc[100, "closes_share"] == 0.5
        assert frame.loc[101, "level_fit"] == 1.0 and frame.loc[103, "level_fit"] == 1.0
        assert frame.loc[101, "kind_fit"] == 1.0 and frame.loc[100, "kind_fit"] == 0.4  # interpersonal: mentorship
        assert frame.loc[104, "kind_fit"] == 1.0  # technical: a course

    def test_a_step_starting_below_counts_only_what_is_new(self):
        fit = level_fit_of(
            from_level=np.array([0.0, 1.0, 2.0]), to_level=np.array([3.0, 2.0, 3.0]), current=np.array([2.0, 1.5, 1.5])
        )
        assert fit.tolist() == [pytest.approx(1 / 3), 1.0, 0.5]

    def test_a_step_may_start_half_a_level_above(self):
        frame = features(GAPS.assign(current=[1.5, 2.0, 0.0]), RESOURCES, RESOURCE_SKILLS).set_index("resource_id")
        assert frame.loc[102, "level_fit"] == 0.5  # 2 -> 3 at 1.5

    def test_history_and_self_mentoring_are_excluded(self):
        history = pd.DataFrame(
            {"employee_id": [ANNA, ANNA], "resource_id": [100, 103], "status": ["completed", "dismissed"]}
        )
        frame = features(GAPS, RESOURCES, RESOURCE_SKILLS, history=history)
        assert set(frame["resource_id"]) == {101, 104}
        mentor_gaps = GAPS.assign(employee_id=99)
        assert 101 not in set(features(mentor_gaps, RESOURCES, RESOURCE_SKILLS)["resource_id"])

    def test_a_resource_for_several_gaps_is_kept_once_for_the_best_ranked(self):
        both = pd.concat([RESOURCE_SKILLS, skills_frame([(101, COACHING, 0, 2)])])
        frame = features(GAPS, RESOURCES, both).set_index("resource_id")
        assert frame.loc[101, "skill_id"] == STAKEHOLDERS and frame.loc[101, "gaps_covered"] == 2

    def test_own_completion_rate_is_smoothed_toward_the_organisation(self):
        engagement = pd.DataFrame(
            {"employee_id": [ANNA], "format": ["course"], "records": [2.0], "completed": [0.0], "minutes": [90.0]}
        )
        stats = pd.DataFrame({"resource_id": [100], "completion_rate": [0.8], "uplift": [1.0], "n": [10.0]})
        frame = features(GAPS, RESOURCES, RESOURCE_SKILLS, engagement=engagement, stats=stats).set_index("resource_id")
        assert frame.loc[100, "format_completion_rate"] == pytest.approx((0 + 3 * 0.8) / (2 + 3))
        assert frame.loc[100, "format_engagement"] == pytest.approx(np.log1p(45))
        assert frame.loc[100, "resource_completion_rate"] == pytest.approx((0.8 * 10 + 5 * 0.8) / 15)
        assert frame.loc[100, "resource_uplift"] == pytest.approx(10 / 15)
        assert frame.loc[101, "resource_uplift"] == 0.0

    def test_candidates_come_from_the_three_best_ranked_gaps_the_catalogue_covers(self):
        gaps = gaps_frame(
            [(ANNA, skill, 1.0, 3, None, rank, 0.8) for rank, skill in enumerate([20, 21, 22, 23, 24], start=1)]
        )
        resources = resources_frame([(1, "course", 4), (2, "course", 4), (3, "course", 4), (4, "course", 4)])
        listed = skills_frame([(1, 20, 1, 2), (2, 22, 1, 2), (3, 23, 1, 2), (4, 24, 1, 2)])  # nothing for 21
        assert features(gaps, resources, listed)["skill_id"].tolist() == [20, 22, 23]

    def test_a_prepared_catalogue_gives_the_same_frame(self):
        prepared = prepare(
            resources=RESOURCES, resource_skills=RESOURCE_SKILLS, skill_kinds=SKILL_KINDS, resource_stats=NO_STATS
        )
        with_prepared = candidate_features(
            gaps=GAPS, resources=RESOURCES, resource_skills=RESOURCE_SKILLS, skill_kinds=SKILL_KINDS, history=NO_HISTORY,
            engagement=NO_ENGAGEMENT, resource_stats=NO_STATS, prepared=prepared,
        )  # fmt: skip
        pd.testing.assert_frame_equal(with_prepared, features(GAPS, RESOURCES, RESOURCE_SKILLS))

    def test_no_gaps_or_no_catalogue_gives_an_empty_frame_with_the_columns(self):
        for frame in (
            features(GAPS.iloc[:0], RESOURCES, RESOURCE_SKILLS),
            features(GAPS, RESOURCES.iloc[:0], RESOURCE_SKILLS),
        ):
            assert frame.empty and set(FEATURES) <= set(frame.columns)


def reason_row(**overrides):
    row = {
        "skill": "SQL", "current_level": 2.0, "reaches_level": 3, "target_level": 3.0, "goal": "current",
        "current_role": "Data Analyst", "target_current": 3.0, "core": True, "aspired_role": None,
        "target_aspired": np.nan, "aspired_gaps_left": np.nan, "business_unit": "Analytics", "demand_weight": np.nan,
        "kind": "certification", "format": "self_paced", "hours": 200.0, "mentor": None, "mentor_level": np.nan,
        "format_records": 0.0, "format_completed": 0.0,
    }  # fmt: skip
    return {**row, **overrides}


class TestEffortPerLevel:
    """A 200-hour certification is not picked for a one-level step a shorter item serves."""

    ONE_STEP = gaps_frame([(ANNA, SQL, 2.0, 3, None, 1, 0.9)])
    CERT_AND_COURSE = resources_frame([(1, "certification", 200), (2, "course", 8)])
    BOTH_LIST_SQL = skills_frame([(1, SQL, 2, 4), (2, SQL, 2, 3)])

    def test_hours_are_weighed_against_the_levels_closed_for_this_person(self):
        per_level = hours_per_level(
            hours=np.array([200.0, 200.0, 8.0, 4.0]),
            to_level=np.array([4.0, 4.0, 3.0, 3.0]),
            target=np.array([3.0, 4.0, 3.0, 3.0]),
            current=np.array([2.0, 1.0, 2.0, 2.9]),
        )
        # 4 reached but 3 needed: one level; from 1 to 4: three; a 0.1 remainder counts as half a level
        assert per_level.tolist() == [200.0, pytest.approx(200 / 3), 8.0, 8.0]

    def test_a_long_item_is_not_a_candidate_when_a_proportionate_one_serves_the_gap(self):
        frame = features(self.ONE_STEP, self.CERT_AND_COURSE, self.BOTH_LIST_SQL)
        assert frame["resource_id"].tolist() == [2]

    def test_when_only_a_long_item_is_left_it_is_offered_and_its_reason_says_so(self):
        history = pd.DataFrame({"employee_id": [ANNA], "resource_id": [2], "status": ["completed"]})
        frame = features(self.ONE_STEP, self.CERT_AND_COURSE, self.BOTH_LIST_SQL, history=history)
        assert frame["resource_id"].tolist() == [1]
        [reason] = recommendation_reasons(pd.DataFrame([reason_row()]))
        assert "A 200-hour self-paced certification: a long commitment for this step, about 200 hours a level" in reason
        [short] = recommendation_reasons(pd.DataFrame([reason_row(kind="course", hours=8.0)]))
        assert "long commitment" not in short and "An 8-hour self-paced course." in short

    def test_a_long_item_stays_where_it_closes_enough_levels(self):
        gaps = gaps_frame([(ANNA, SQL, 1.0, 4, None, 1, 0.9)])  # three levels short
        resources = resources_frame([(1, "certification", 90), (2, "course", 8)])
        frame = features(gaps, resources, skills_frame([(1, SQL, 1, 4), (2, SQL, 1, 2)]))
        assert sorted(frame["resource_id"]) == [1, 2]  # 30 hours a level: proportionate

    def test_an_item_long_for_one_gap_stays_a_candidate_for_another_it_serves_in_proportion(self):
        gaps = gaps_frame([(ANNA, SQL, 2.0, 3, None, 1, 0.9), (ANNA, COACHING, 0.0, 4, None, 2, 0.9)])
        resources = resources_frame([(1, "certification", 120), (2, "course", 8)])
        listed = skills_frame([(1, SQL, 2, 3), (1, COACHING, 0, 4), (2, SQL, 2, 3)])
        frame = features(gaps, resources, listed).set_index("resource_id")
        assert frame.loc[1, "skill_id"] == COACHING and frame.loc[2, "skill_id"] == SQL


class TestReasons:
    """Each reason says what its item covers and why its format suits this person."""

    def test_it_quotes_the_first_sentence_of_the_description(self):
        [reason] = recommendation_reasons(
            pd.DataFrame([reason_row(kind="peer", hours=12.0, description="Pairs review SQL weekly. Bring coffee.")])
        )
        assert "A 12-hour peer-learning group. Pairs review SQL weekly." in reason and "coffee" not in reason
        long = "word " * 80
        [cut] = recommendation_reasons(pd.DataFrame([reason_row(description=long)]))
        assert "…" in cut and len(cut) < len(long) + 250

    def test_it_says_how_the_person_does_in_the_format_and_whether_it_suits_the_skill(self):
        rows = pd.DataFrame(
            [
                reason_row(kind="course", hours=8.0, format_records=4.0, format_completed=1.0, skill_kind="technical"),
                reason_row(kind="mentorship", hours=6.0, skill="Coaching", skill_kind="leadership"),
                reason_row(
                    kind="stretch", hours=30.0, format_records=1.0, format_completed=1.0, skill_kind="technical"
                ),
            ]
        )
        course, mentorship, stretch = recommendation_reasons(rows)
        assert "You have finished 1 of the 4 courses you started." in course
        assert "Courses suit a technical skill like SQL: structured lessons with exercises." in course
        assert "It would be your first mentorship on record." in mentorship
        assert "Mentorships suit a leadership skill like Coaching: it is learned from someone" in mentorship
        assert "You finished the one stretch assignment you started." in stretch
        assert "suit" not in stretch  # a stretch assignment is no particular fit for a technical skill

    def test_a_manager_reads_it_about_them(self):
        [reason] = recommendation_reasons(pd.DataFrame([reason_row(kind="mentorship", hours=6.0)]))
        assert "would be their first mentorship" in about_them(reason)


class TestPicking:
    def test_the_best_fit_comes_first_and_the_rest_follow_by_score(self):
        frame = features(GAPS, RESOURCES, RESOURCE_SKILLS)
        picked = pick(frame, heuristic_score(frame))
        # the mentorship closes the top (interpersonal) gap from where Anna is: first
        assert picked["resource_id"].tolist()[0] == 101
        assert picked["shown"].tolist() == [True, True, True, False]
        assert picked["kind"][:3].nunique() >= 2
        assert picked["rank"].tolist() == list(range(1, len(picked) + 1))
        assert picked["score"][3:].is_monotonic_decreasing

    def test_a_same_format_item_clearly_ahead_is_still_shown(self):
        frame = pd.DataFrame(
            {"employee_id": [ANNA] * 3, "resource_id": [1, 2, 3], "kind": ["course", "course", "mentorship"],
             "skill_id": [10, 11, 12]}
        )  # fmt: skip
        clearly = pick(frame, np.array([1.0, 0.9, 0.9 - SAME_FORMAT_PENALTY - 0.01]))
        assert clearly["resource_id"].tolist() == [1, 2, 3]
        narrowly = pick(frame, np.array([1.0, 0.9, 0.9 - SAME_FORMAT_PENALTY + 0.01]))
        assert narrowly["resource_id"].tolist() == [1, 3, 2]

    def test_the_three_picks_serve_three_gaps_even_when_one_gap_has_the_three_best_scores(self):
        """The demo employee's case: the best three items all serve one gap, each of the other top
        gaps has a weaker one. One pick per gap, the best item of each."""
        frame = pd.DataFrame(
            {"employee_id": [ANNA] * 5, "resource_id": [1, 2, 3, 4, 5],
             "kind": ["course", "peer", "mentorship", "stretch", "course"], "skill_id": [10, 10, 10, 11, 12]}
        )  # fmt: skip
        picked = pick(frame, np.array([0.40, 0.38, 0.36, 0.20, 0.25]))
        # the stretch (0.20) before the second course (0.25 - 0.15 for a course already shown)
        assert picked.loc[picked["shown"], "resource_id"].tolist() == [1, 4, 5]
        assert picked["resource_id"].tolist() == [1, 4, 5, 2, 3]

    def test_a_gap_is_served_twice_when_nothing_is_left_for_the_others(self):
        frame = pd.DataFrame(
            {"employee_id": [ANNA] * 3, "resource_id": [1, 2, 3], "kind": ["course", "peer", "stretch"],
             "skill_id": [10, 10, 11]}
        )  # fmt: skip
        assert pick(frame, np.array([1.0, 0.9, 0.1]))["resource_id"].tolist() == [1, 3, 2]
        assert pick(frame.iloc[:2], np.array([1.0, 0.1]))["shown"].tolist() == [True, True]

    def test_a_model_twice_as_sure_of_a_second_item_for_a_gap_shows_it(self):
        frame = pd.DataFrame(
            {"employee_id": [ANNA] * 3, "resource_id": [1, 2, 3], "kind": ["course", "peer", "stretch"],
             "skill_id": [10, 10, 11]}
        )  # fmt: skip
        twice = pick(frame, np.array([0.30, 0.12, 0.06]), repeat_ratio=REPEAT_RATIO)
        assert twice["resource_id"].tolist() == [1, 2, 3]
        less = pick(frame, np.array([0.30, 0.11, 0.06]), repeat_ratio=REPEAT_RATIO)
        assert less["resource_id"].tolist() == [1, 3, 2]
        heuristic = pick(frame, np.array([0.30, 0.12, 0.06]))  # a weighted sum is not a chance
        assert heuristic["resource_id"].tolist() == [1, 3, 2]

    def test_confidence_is_the_gaps_times_the_evidence_behind_the_resource(self):
        frame = pd.DataFrame({"gap_confidence": [0.8, 0.8, 0.0], "resource_evidence": np.log1p([0, 45, 45])})
        assert recommendation_confidence(frame).tolist() == pytest.approx([0.64, 0.8 * 0.98, 0.0])


class TestResourceStats:
    def test_completion_rate_counts_decided_records_and_uplift_is_the_mean_rise(self):
        records = pd.DataFrame(
            {"resource_id": [1, 1, 1, 1, 2], "status": ["completed", "abandoned", "in_progress", "passed", "failed"],
             "count": [3, 1, 5, 0, 2]}
        )  # fmt: skip
        rises = pd.DataFrame({"resource_id": [1], "rise_sum": [3.0], "rise_n": [2.0]})
        stats = resource_stats(records=records, rises=rises).set_index("resource_id")
        assert stats.loc[1, "n"] == 4 and stats.loc[1, "completion_rate"] == pytest.approx(0.75)
        assert stats.loc[1, "uplift"] == pytest.approx(1.5) and stats.loc[1, "uplift_n"] == 2
        assert stats.loc[2, "completion_rate"] == 0.0 and stats.loc[2, "uplift"] == 0.0


class TestLearningPath:
    def test_it_climbs_in_steps_and_puts_current_role_needs_first(self):
        gaps = gaps_frame([(ANNA, COACHING, 1.0, None, 3, 1, 0.5), (ANNA, STAKEHOLDERS, 1.0, 2, 4, 2, 0.5)])
        resources = resources_frame(
            [(1, "course", 4), (2, "mentorship", 6), (3, "course", 8), (4, "stretch", 20), (5, "course", 9)]
        )
        listed = skills_frame(
            [
                (1, STAKEHOLDERS, 1, 2),
                (2, STAKEHOLDERS, 2, 4),
                (3, COACHING, 1, 2),
                (4, COACHING, 2, 3),
                (5, COACHING, 1, 3),
            ]
        )
        history = pd.DataFrame({"resource_id": [5], "status": ["dismissed"]})
        path = learning_path(gaps=gaps, resources=resources, resource_skills=listed, history=history)
        assert path[["skill_id", "resource_id", "from_level", "to_level"]].values.tolist() == [
            [STAKEHOLDERS, 1, 1, 2],  # the current role needs level 2: first
            [COACHING, 3, 1, 2],
            [COACHING, 4, 2, 3],
            [STAKEHOLDERS, 2, 2, 4],
        ]
        assert path["step"].tolist() == [1, 2, 3, 4] and path["urgent"].tolist() == [True, False, False, False]

    def test_a_level_nothing_covers_is_a_step_without_a_resource(self):
        gaps = gaps_frame([(ANNA, COACHING, 0.0, None, 3, 1, 0.5)])
        path = learning_path(
            gaps=gaps,
            resources=resources_frame([(1, "course", 4)]),
            resource_skills=skills_frame([(1, COACHING, 0, 1)]),
            history=NO_HISTORY,
        )
        assert path["resource_id"].isna().tolist() == [False, True]
        assert path[["from_level", "to_level"]].values.tolist() == [[0, 1], [1, 3]]

    def test_work_under_way_is_preferred_for_its_step(self):
        gaps = gaps_frame([(ANNA, COACHING, 1.0, None, 2, 1, 0.5)])
        resources = resources_frame([(1, "course", 4), (2, "stretch", 30)])
        listed = skills_frame([(1, COACHING, 1, 2), (2, COACHING, 1, 2)])
        history = pd.DataFrame({"resource_id": [2], "status": ["in_progress"]})
        path = learning_path(gaps=gaps, resources=resources, resource_skills=listed, history=history)
        assert path["resource_id"].tolist() == [2] and path["under_way"].tolist() == [True]


# --- properties ------------------------------------------------------------------------------

KINDS = ["course", "certification", "mentorship", "stretch", "peer"]


@st.composite
def worlds(draw):
    """Random employees, gaps, catalogue and history."""
    n_employees, n_skills, n_resources = draw(st.integers(1, 5)), draw(st.integers(1, 4)), draw(st.integers(1, 12))
    gap_rows = []
    for employee in range(1, n_employees + 1):
        skills = draw(st.lists(st.integers(1, n_skills), unique=True, max_size=n_skills))
        for rank, skill in enumerate(skills, start=1):
            current = draw(st.floats(0, 3.5))
            target_current = draw(st.one_of(st.none(), st.integers(1, 4)))
            target_aspired = draw(st.one_of(st.none(), st.integers(1, 4)))
            gap_rows.append((employee, skill, current, target_current, target_aspired, rank, draw(st.floats(0, 1))))
    skill_rows, resource_rows = [], []
    for resource in range(100, 100 + n_resources):
        hours = draw(st.one_of(st.integers(1, 40), st.sampled_from([60, 120, 180, 200])))
        resource_rows.append((resource, draw(st.sampled_from(KINDS)), hours))
        for skill in draw(st.lists(st.integers(1, n_skills), unique=True, min_size=1, max_size=2)):
            from_level = draw(st.integers(0, 3))
            skill_rows.append((resource, skill, from_level, draw(st.integers(from_level + 1, 4))))
    history = draw(
        st.lists(
            st.tuples(
                st.integers(1, n_employees),
                st.integers(100, 99 + n_resources),
                st.sampled_from(["completed", "in_progress", "dismissed"]),
            ),
            max_size=10,
        )
    )
    return (
        gaps_frame(gap_rows),
        resources_frame(resource_rows),
        skills_frame(skill_rows),
        pd.DataFrame(history, columns=["employee_id", "resource_id", "status"]),
    )


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_it_never_recommends_history_and_shows_at_most_three(world):
    gaps, resources, listed, history = world
    kinds = pd.DataFrame({"skill_id": [1, 2, 3, 4], "kind": ["technical", "leadership", "interpersonal", "domain"]})
    frame = candidate_features(
        gaps=gaps, resources=resources, resource_skills=listed, skill_kinds=kinds, history=history,
        engagement=NO_ENGAGEMENT, resource_stats=NO_STATS,
    )  # fmt: skip
    picked = pick(frame, heuristic_score(frame))
    taken = set(zip(history["employee_id"], history["resource_id"], strict=True))
    assert not taken & set(zip(picked["employee_id"], picked["resource_id"], strict=True))
    assert not frame[FEATURES].isna().any().any()
    for _, rows in picked.groupby("employee_id"):
        assert rows["shown"].sum() <= 3
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        assert rows.loc[rows["shown"], "rank"].tolist() == list(range(1, rows["shown"].sum() + 1))
    assert (picked["reaches_level"] > picked["current_level"]).all()


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_the_path_never_puts_a_higher_step_before_a_lower_one_of_the_same_skill(world):
    gaps, resources, listed, history = world
    for employee, own_gaps in gaps.groupby("employee_id"):
        path = learning_path(
            gaps=own_gaps, resources=resources, resource_skills=listed,
            history=history[history["employee_id"] == employee], employee_id=employee,
        )  # fmt: skip
        for _, steps in path.groupby("skill_id", sort=False):
            assert steps["to_level"].is_monotonic_increasing and steps["to_level"].is_unique
            assert (steps["from_level"].to_numpy()[1:] == steps["to_level"].to_numpy()[:-1]).all()
        done = set(
            history.loc[
                (history["employee_id"] == employee) & history["status"].isin(["completed", "dismissed"]), "resource_id"
            ]
        )
        assert not done & set(path["resource_id"].dropna().astype(int))


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_a_gap_is_never_served_by_a_long_item_when_a_proportionate_one_for_it_exists(world):
    """The effort-per-level rule against a plain reference: for every candidate whose hours per
    level closed exceed the bound, no item the person could take for that gap is within it."""
    gaps, resources, listed, history = world
    kinds = pd.DataFrame({"skill_id": [1, 2, 3, 4], "kind": ["technical", "leadership", "interpersonal", "domain"]})
    frame = candidate_features(
        gaps=gaps, resources=resources, resource_skills=listed, skill_kinds=kinds, history=history,
        engagement=NO_ENGAGEMENT, resource_stats=NO_STATS,
    )  # fmt: skip
    hours = dict(zip(resources["resource_id"], resources["hours"], strict=True))
    taken = set(zip(history["employee_id"], history["resource_id"], strict=True))
    targets = dict(zip(zip(gaps["employee_id"], gaps["skill_id"], strict=True), gap_targets(gaps)[0], strict=True))
    currents = dict(zip(zip(gaps["employee_id"], gaps["skill_id"], strict=True), gaps["current"], strict=True))
    for row in frame.itertuples():
        closed = max(min(row.reaches_level, row.target_level) - row.current_level, 0.5)
        if hours[row.resource_id] / closed <= MAX_HOURS_PER_LEVEL:
            continue
        target, current = targets[row.employee_id, row.skill_id], currents[row.employee_id, row.skill_id]
        for item in listed[listed["skill_id"] == row.skill_id].itertuples():
            eligible = (
                item.to_level > current + 1e-9 and item.from_level <= current + 0.5 and item.from_level < target
                and (row.employee_id, item.resource_id) not in taken
            )  # fmt: skip
            closes = max(min(item.to_level, target) - current, 0.5)
            assert not (eligible and hours[item.resource_id] / closes <= MAX_HOURS_PER_LEVEL), (row, item)


@st.composite
def scored_worlds(draw):
    """Random candidates of a few employees (skills stand for their gaps), random chances as
    scores, and whether they are a model's (the ratio exception) or a heuristic's."""
    rows = []
    for employee in range(1, draw(st.integers(1, 4)) + 1):
        for resource in range(draw(st.integers(1, 9))):
            rows.append((employee, 100 + resource, draw(st.integers(1, 4)), draw(st.sampled_from(KINDS))))
    frame = pd.DataFrame(rows, columns=["employee_id", "resource_id", "skill_id", "kind"])
    scores = draw(st.lists(st.floats(0, 1, allow_nan=False), min_size=len(frame), max_size=len(frame)))
    return frame, np.array(scores, dtype="float64"), draw(st.sampled_from([None, REPEAT_RATIO]))


@settings(max_examples=300, deadline=None)
@given(scored_worlds())
def test_a_pick_repeats_a_gap_only_when_no_other_gap_is_left_or_a_model_is_twice_as_sure(world):
    """The spread rule against a plain replay of it: each shown pick is the best adjusted score
    among the candidates the rule allows, and one for a gap already served is shown only when no
    other gap has a candidate left or (a model's chances) it has REPEAT_RATIO times the best of them."""
    frame, scores, ratio = world
    picked = pick(frame, scores, repeat_ratio=ratio)
    for employee, rows in frame.assign(score=scores).groupby("employee_id"):
        shown = picked[(picked["employee_id"] == employee) & picked["shown"]].sort_values("rank")
        assert len(shown) == min(3, len(rows))
        earlier: list = []
        for pick_row in shown.itertuples():
            served = {row.skill_id for row in earlier}
            left = rows[~rows["resource_id"].isin([row.resource_id for row in earlier])]
            adjusted = left["score"] - SAME_FORMAT_PENALTY * left["kind"].map([row.kind for row in earlier].count)
            unserved = left.loc[~left["skill_id"].isin(served), "score"]
            allowed = ~left["skill_id"].isin(served) | unserved.empty
            if ratio is not None and not unserved.empty:
                allowed |= left["score"] >= ratio * unserved.max()
            mine = left["resource_id"] == pick_row.resource_id
            assert bool(allowed[mine].iloc[0]), (pick_row, served)
            assert adjusted[mine].iloc[0] >= adjusted[allowed].max() - 1e-12
            earlier.append(pick_row)
        if ratio is None:
            assert shown["skill_id"].nunique() == min(3, rows["skill_id"].nunique())
