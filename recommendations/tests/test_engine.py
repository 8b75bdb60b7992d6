"""The engine's rules, on hand-made frames (exact rankings) and as properties (hypothesis)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from recommendations.engine.gaps import compute_gaps, readiness
from recommendations.engine.paths import observed_moves, project_paths
from recommendations.engine.proficiency import current_proficiency, observation_weights
from recommendations.engine.rationale import gap_rationale
from recommendations.engine.settings import EngineWeights

ANALYST, LEAD = 1, 2
SQL, STAKEHOLDERS, COACHING, PYTHON = 10, 11, 12, 13


def requirements_frame(rows):
    return pd.DataFrame(rows, columns=["role_id", "skill_id", "target_level", "importance", "core"])


def proficiency_frame(rows):
    frame = pd.DataFrame(rows, columns=["employee_id", "skill_id", "level"])
    frame["confidence"] = 0.8
    return frame


def people(rows):
    return pd.DataFrame(rows, columns=["employee_id", "role_id", "aspired_role_id", "business_unit_id"])


REQUIREMENTS = requirements_frame(
    [
        (ANALYST, SQL, 3, 5, True),
        (ANALYST, STAKEHOLDERS, 3, 5, False),
        (ANALYST, PYTHON, 2, 2, False),
        (LEAD, STAKEHOLDERS, 4, 5, True),
        (LEAD, COACHING, 3, 4, True),
        (LEAD, SQL, 3, 3, False),
    ]
)


SOURCES = ["self", "manager", "assessment", "learning", "inferred"]
confidences = st.integers(0, 100).map(lambda percent: percent / 100)
ages = st.integers(0, 3000)  # days
# one observation of skill 1 for employee 1: level, source, age, confidence
observed = st.tuples(st.integers(0, 4), st.sampled_from(SOURCES), ages, confidences)
observation = st.tuples(
    st.integers(1, 2), st.integers(1, 2), st.integers(0, 4), st.sampled_from(SOURCES), ages, confidences
)


def evidence_frame(rows):
    return pd.DataFrame(rows, columns=["employee_id", "skill_id", "level", "source", "age_days", "confidence"])


def levels_by_pair(rows):
    result = current_proficiency(evidence_frame(rows))
    return {(row.employee_id, row.skill_id): row for row in result.itertuples()}


def one_pair(observations):
    """Evidence of employee 1 in skill 1 from (level, source, age, confidence) tuples."""
    return [(1, 1, *row) for row in observations]


def combined(observations):
    """The one row ``current_proficiency`` gives for one pair's observations."""
    return current_proficiency(evidence_frame(one_pair(observations))).iloc[0]


class TestProficiency:
    def evidence(self, rows):
        return evidence_frame(rows)

    def test_a_manager_rating_outweighs_a_self_rating_and_the_level_is_the_one_it_recorded(self):
        # Was "between 2 and 3" when the level was a weighted mean; a level is now read from the
        # strongest rating, not averaged with weaker ones.
        result = current_proficiency(self.evidence([(1, SQL, 4, "self", 10, 1.0), (1, SQL, 2, "manager", 10, 1.0)]))
        assert result.loc[0, "level"] == 2.0
        assert result.loc[0, "basis_source"] == "manager" and result.loc[0, "basis_row"] == 1

    def test_a_newer_assessment_supersedes_the_older_one(self):
        result = current_proficiency(
            self.evidence([(1, SQL, 4, "assessment", 300, 1.0), (1, SQL, 3, "assessment", 200, 0.9)])
        )
        assert result.loc[0, "level"] == 3.0 and result.loc[0, "basis_row"] == 1

    def test_a_completion_raises_the_level_until_a_newer_rating_as_strong_says_otherwise(self):
        rated = [(1, SQL, 2, "manager", 100, 0.8)]
        after_course = current_proficiency(self.evidence([*rated, (1, SQL, 3, "learning", 30, 0.6)]))
        assert after_course.loc[0, "level"] == 3.0 and after_course.loc[0, "basis_source"] == "learning"
        assessed = current_proficiency(
            self.evidence([*rated, (1, SQL, 3, "learning", 30, 0.6), (1, SQL, 2, "assessment", 10, 0.9)])
        )
        assert assessed.loc[0, "level"] == 2.0 and assessed.loc[0, "basis_source"] == "assessment"
        # a later self-rating is weaker than the completion: it does not undo it
        self_rated = current_proficiency(
            self.evidence([*rated, (1, SQL, 3, "learning", 30, 0.6), (1, SQL, 1, "self", 10, 0.6)])
        )
        assert self_rated.loc[0, "level"] == 3.0

    def test_a_fresh_rating_outweighs_one_several_half_lives_old(self):
        result = current_proficiency(self.evidence([(1, SQL, 4, "assessment", 1200, 1.0), (1, SQL, 2, "self", 5, 0.9)]))
        assert result.loc[0, "level"] == 2.0 and result.loc[0, "basis_source"] == "self"

    def test_contradictory_evidence_lowers_confidence(self):
        agree = current_proficiency(self.evidence([(1, SQL, 3, "self", 10, 1.0), (1, SQL, 3, "manager", 10, 1.0)]))
        clash = current_proficiency(self.evidence([(1, SQL, 4, "self", 10, 1.0), (1, SQL, 1, "manager", 10, 1.0)]))
        assert clash.loc[0, "confidence"] < agree.loc[0, "confidence"] / 2

    def test_old_evidence_is_less_certain_than_fresh(self):
        fresh = current_proficiency(self.evidence([(1, SQL, 3, "manager", 10, 1.0)]))
        old = current_proficiency(self.evidence([(1, SQL, 3, "manager", 900, 1.0)]))
        assert old.loc[0, "confidence"] < fresh.loc[0, "confidence"]

    def test_one_source_is_less_certain_than_two_that_agree(self):
        single = current_proficiency(self.evidence([(1, SQL, 3, "manager", 10, 1.0), (1, SQL, 3, "manager", 10, 1.0)]))
        two = current_proficiency(self.evidence([(1, SQL, 3, "manager", 10, 1.0), (1, SQL, 3, "assessment", 10, 1.0)]))
        assert single.loc[0, "confidence"] < two.loc[0, "confidence"]

    def test_mayas_storytelling_from_issue_17(self):
        """The demo seed of the issue: on the weighted mean her chart went 1.8, then 1.2 after the
        practice group, then 1.1. The completions (level 2) never lowered it; the skills
        assessment of 24 Sep 2025 that recorded 0 did, and now the level says so."""
        days = {"7 Jul": 0, "16 Jul": 9, "4 Sep": 59, "19 Sep": 74, "24 Sep": 79, "13 Oct": 98, "9 Apr": 276}
        history = [
            (3, "self", "7 Jul", 0.84),
            (1, "manager", "16 Jul", 0.70),
            (2, "learning", "4 Sep", 0.60),  # storytelling workshop
            (2, "learning", "19 Sep", 0.60),  # the practice group
            (0, "assessment", "24 Sep", 0.90),
            (1, "manager", "13 Oct", 0.92),
            (1, "assessment", "9 Apr", 1.00),
        ]

        def on(day):  # what the engine says on that day, from what was observed by then
            seen = [(level, source, days[day] - days[when], conf) for level, source, when, conf in history]
            return combined([row for row in seen if row[2] >= 0])

        assert (on("16 Jul").level, on("16 Jul").basis_source) == (1.0, "manager")
        assert on("19 Sep").level == 2.0 and on("19 Sep").basis_source == "learning"  # the practice group raised it
        assert (on("24 Sep").level, on("24 Sep").basis_source) == (0.0, "assessment")  # the assessment lowered it
        assert (on("9 Apr").level, on("9 Apr").basis_source, on("9 Apr").basis_age_days) == (1.0, "assessment", 0)

    @given(st.lists(observation, min_size=1, max_size=40))
    def test_levels_and_confidence_stay_in_range(self, rows):
        result = current_proficiency(self.evidence(rows))
        assert result["level"].between(0, 4).all()
        assert result["confidence"].between(0, 1).all()

    @given(st.lists(observation, min_size=1, max_size=40))
    def test_the_level_is_the_level_its_basis_recorded(self, rows):
        frame = self.evidence(rows)
        result = current_proficiency(frame)
        basis = frame.iloc[result["basis_row"].to_numpy()]
        assert (basis["level"].to_numpy() == result["level"].to_numpy()).all()
        assert (basis["source"].to_numpy() == result["basis_source"].to_numpy()).all()
        assert (basis["employee_id"].to_numpy() == result["employee_id"].to_numpy()).all()
        assert (basis["skill_id"].to_numpy() == result["skill_id"].to_numpy()).all()

    @given(
        st.lists(observed, min_size=1, max_size=12),
        st.lists(st.tuples(st.integers(0, 4), ages, confidences), min_size=1, max_size=4),
    )
    def test_finishing_learning_never_lowers_a_level(self, observations, completions):
        before = combined(observations)
        after = combined([*observations, *[(level, "learning", age, conf) for level, age, conf in completions]])
        assert after.level >= before.level

    @given(st.lists(observed, min_size=1, max_size=12), st.data())
    def test_an_older_observation_of_a_kind_observed_since_changes_nothing(self, observations, data):
        """A newer word of one kind supersedes the older ones: adding an older rating moves
        neither the level nor the confidence; an older, lower learning claim not the level."""
        source = data.draw(st.sampled_from(sorted({row[1] for row in observations})))
        newest = min((row for row in observations if row[1] == source), key=lambda row: row[2])
        level = data.draw(st.integers(0, newest[0] if source == "learning" else 4))
        older = (level, source, newest[2] + data.draw(st.integers(1, 1000)), data.draw(confidences))
        before, after = combined(observations), combined([*observations, older])
        assert after.level == before.level
        if source != "learning":
            assert after.confidence == pytest.approx(before.confidence)

    @given(st.lists(observed, min_size=1, max_size=12), st.data())
    def test_a_lower_level_from_a_weaker_source_does_not_outvote_a_stronger_one(self, observations, data):
        before = combined(observations)
        assume(before.level >= 1)
        basis = one_pair(observations)[int(before.basis_row)]
        basis_strength = observation_weights(self.evidence([basis]), EngineWeights())[0]
        source = data.draw(st.sampled_from([s for s in SOURCES if s != basis[3]]))
        level = data.draw(st.integers(0, int(before.level) - 1))
        age = data.draw(ages)
        weaker = (level, source, age, 0.0)
        most = observation_weights(self.evidence(one_pair([(level, source, age, 1.0)])), EngineWeights())[0]
        # the highest two-decimal confidence that keeps it weaker than the basis
        ceiling = int(np.ceil(min(1.0, basis_strength / most) * 100)) - 1 if most > 0 else 100
        assume(ceiling >= 0)
        weaker = (level, source, age, data.draw(st.integers(0, min(ceiling, 100))) / 100)
        assume(observation_weights(self.evidence(one_pair([weaker])), EngineWeights())[0] < basis_strength)
        assert combined([*observations, weaker]).level >= before.level

    @given(st.lists(observation, min_size=1, max_size=30), st.integers(1, 2000))
    def test_time_alone_lowers_confidence_never_the_level(self, rows, later):
        now = current_proficiency(self.evidence(rows))
        then = current_proficiency(self.evidence([(e, s, lv, src, age + later, c) for e, s, lv, src, age, c in rows]))
        assert (then["level"].to_numpy() == now["level"].to_numpy()).all()
        assert (then["confidence"].to_numpy() <= now["confidence"].to_numpy() + 1e-12).all()

    @given(st.integers(0, 4), st.integers(0, 4), ages, st.integers(10, 100).map(lambda p: p / 100))
    def test_a_second_source_that_disagrees_lowers_confidence_below_one_that_agrees(self, first, second, age, conf):
        assume(first != second)
        base = [(1, SQL, first, "assessment", age, conf)]
        agrees = current_proficiency(self.evidence([*base, (1, SQL, first, "manager", age, conf)]))
        disagrees = current_proficiency(self.evidence([*base, (1, SQL, second, "manager", age, conf)]))
        assert disagrees.loc[0, "confidence"] < agrees.loc[0, "confidence"]


class TestGaps:
    def test_exact_ranking_on_a_small_team(self):
        employees = people([(100, ANALYST, LEAD, None), (200, ANALYST, None, None)])
        proficiency = proficiency_frame([(100, SQL, 3), (100, STAKEHOLDERS, 1), (100, PYTHON, 1), (200, SQL, 1)])
        gaps = compute_gaps(employees=employees, requirements=REQUIREMENTS, proficiency=proficiency)
        first = gaps[gaps.employee_id == 100].sort_values("rank")
        # Stakeholders: 2 below analyst target (importance 5) and 3 below the lead target (core):
        # urgent now and the biggest step towards the goal. Coaching matters only for the goal.
        assert first["skill_id"].tolist() == [STAKEHOLDERS, COACHING, PYTHON]
        second = gaps[gaps.employee_id == 200].sort_values("rank")
        # SQL is core and 2 below; stakeholders is 3 below with the same importance but not core;
        # urgency 2*5*1.5=15 vs 3*5=15 ties, and core breaks the tie.
        assert second["skill_id"].tolist() == [SQL, STAKEHOLDERS, PYTHON]
        assert second["rank"].tolist() == [1, 2, 3]

    def test_demand_adds_skills_the_roles_do_not_name(self):
        employees = people([(100, ANALYST, None, 7)])
        proficiency = proficiency_frame([(100, SQL, 3), (100, STAKEHOLDERS, 3), (100, PYTHON, 2)])
        demand = pd.DataFrame({"business_unit_id": [7], "skill_id": [COACHING], "weight": [0.9]})
        gaps = compute_gaps(employees=employees, requirements=REQUIREMENTS, proficiency=proficiency, demand=demand)
        assert gaps["skill_id"].tolist() == [COACHING]
        assert gaps.loc[0, "demand"] > 0

    def test_the_rationale_names_the_gap_the_role_and_the_goal(self):
        employees = people([(100, ANALYST, LEAD, None)])
        proficiency = proficiency_frame([(100, SQL, 3), (100, STAKEHOLDERS, 1), (100, PYTHON, 2)])
        gap = compute_gaps(employees=employees, requirements=REQUIREMENTS, proficiency=proficiency).iloc[0]
        text = gap_rationale(
            skill="Stakeholder management",
            current=gap.current,
            current_role="Senior Analyst",
            target_current=gap.target_current,
            importance_current=gap.importance_current,
            core=True,
            aspired_role="Team Lead",
            target_aspired=gap.target_aspired,
            aspired_gaps_left=int(gap.aspired_gaps_left),
            demand_weight=None,
            business_unit=None,
        )
        assert text == (
            "Stakeholder management is 2 levels below what Senior Analyst requires (core, importance 5) "
            "and is one of 2 gaps left before Team Lead, your stated goal."
        )


role_requirements = st.lists(
    st.tuples(st.integers(10, 15), st.integers(1, 4), st.integers(1, 5), st.booleans()),
    min_size=1,
    max_size=6,
    unique_by=lambda row: row[0],
)
levels = st.dictionaries(st.integers(10, 15), st.floats(0, 4), max_size=6)


def frames(current_rows, aspired_rows, level_by_skill):
    requirements = requirements_frame(
        [(ANALYST, *row) for row in current_rows] + [(LEAD, *row) for row in aspired_rows]
    )
    employees = people([(1, ANALYST, LEAD if aspired_rows else None, None)])
    proficiency = proficiency_frame([(1, skill, level) for skill, level in level_by_skill.items()])
    return employees, requirements, proficiency


class TestGapProperties:
    @given(role_requirements, role_requirements, levels)
    def test_gaps_are_never_negative(self, current_rows, aspired_rows, level_by_skill):
        gaps = compute_gaps(
            **dict(
                zip(
                    ("employees", "requirements", "proficiency"),
                    frames(current_rows, aspired_rows, level_by_skill),
                    strict=True,
                )
            )
        )
        for column in ["shortfall_current", "shortfall_aspired", "urgency", "leverage", "demand", "priority"]:
            assert (gaps[column] >= 0).all()
        assert (gaps["priority"] > 0).all()

    @given(role_requirements, st.floats(0, 1))
    def test_meeting_every_requirement_leaves_no_gap_for_that_role(self, current_rows, extra):
        level_by_skill = {skill: min(4.0, target + extra) for skill, target, _, _ in current_rows}
        employees, requirements, proficiency = frames(current_rows, [], level_by_skill)
        gaps = compute_gaps(employees=employees, requirements=requirements, proficiency=proficiency)
        assert gaps.empty

    @given(role_requirements, role_requirements, levels, st.data())
    @settings(max_examples=150)
    def test_raising_an_importance_never_lowers_that_gaps_rank(self, current_rows, aspired_rows, level_by_skill, data):
        employees, requirements, proficiency = frames(current_rows, aspired_rows, level_by_skill)
        before = compute_gaps(employees=employees, requirements=requirements, proficiency=proficiency)
        if before.empty:
            return
        skill = data.draw(st.sampled_from(before["skill_id"].tolist()))
        raised = requirements.copy()
        rows = raised["skill_id"] == skill
        raised.loc[rows, "importance"] = np.minimum(raised.loc[rows, "importance"] + data.draw(st.integers(1, 4)), 5)
        after = compute_gaps(employees=employees, requirements=raised, proficiency=proficiency)
        rank_before = before.loc[before.skill_id == skill, "rank"].item()
        rank_after = after.loc[after.skill_id == skill, "rank"].item()
        assert rank_after <= rank_before

    @given(role_requirements, role_requirements, levels, st.data())
    @settings(max_examples=150)
    def test_raising_a_gaps_own_weight_never_moves_it_down_and_lowering_never_up(
        self, current_rows, aspired_rows, level_by_skill, data
    ):
        """A deep review's re-rating (``gap_weights``): raise one gap's weight and it ranks at
        least as high as before, whatever the other gaps' weights; lower it and it ranks no higher."""
        employees, requirements, proficiency = frames(current_rows, aspired_rows, level_by_skill)
        skills = sorted(set(requirements["skill_id"]))
        others = data.draw(st.dictionaries(st.sampled_from(skills), st.floats(0.25, 4), max_size=len(skills)))
        base = compute_gaps(employees=employees, requirements=requirements, proficiency=proficiency)
        if base.empty:
            return
        skill = data.draw(st.sampled_from(base["skill_id"].tolist()))
        start = others.get(skill, 1.0)
        factor = data.draw(st.floats(1.01, 4))

        def rank_with(weight_of_skill):
            weights = others | {skill: weight_of_skill}
            gap_weights = pd.DataFrame({"employee_id": 1, "skill_id": list(weights), "weight": list(weights.values())})
            gaps = compute_gaps(
                employees=employees, requirements=requirements, proficiency=proficiency, gap_weights=gap_weights
            )
            assert set(gaps["skill_id"]) == set(base["skill_id"])  # a weight never makes or drops a gap
            return gaps.loc[gaps.skill_id == skill, "rank"].item()

        assert rank_with(start * factor) <= rank_with(start) <= rank_with(start / factor)

    def test_a_raised_gap_overtakes_the_one_above_it_and_another_persons_weight_changes_nothing(self):
        employees = people([(1, ANALYST, None, None), (2, ANALYST, None, None)])
        proficiency = proficiency_frame([(1, PYTHON, 0), (2, PYTHON, 0)])
        plain = compute_gaps(employees=employees, requirements=REQUIREMENTS, proficiency=proficiency)
        first = plain[plain.employee_id == 1]
        assert first.sort_values("rank")["skill_id"].tolist() == [SQL, STAKEHOLDERS, PYTHON]
        raised = pd.DataFrame({"employee_id": [1], "skill_id": [PYTHON], "weight": [4.0]})
        gaps = compute_gaps(employees=employees, requirements=REQUIREMENTS, proficiency=proficiency, gap_weights=raised)
        # 2 levels x importance 2, times 4, passes Stakeholder management's 3 x 5; SQL's core 3 x 5 x 1.5 stays first
        assert gaps[gaps.employee_id == 1].sort_values("rank")["skill_id"].tolist() == [SQL, PYTHON, STAKEHOLDERS]
        other = gaps[gaps.employee_id == 2].reset_index(drop=True)
        pd.testing.assert_frame_equal(other, plain[plain.employee_id == 2].reset_index(drop=True))

    def test_a_weight_that_is_not_above_zero_is_refused_naming_the_person_and_skill(self):
        employees = people([(1, ANALYST, None, None)])
        bad = pd.DataFrame({"employee_id": [1], "skill_id": [SQL], "weight": [0.0]})
        with pytest.raises(ValueError, match="employee 1, skill 10 is 0.0"):
            compute_gaps(
                employees=employees, requirements=REQUIREMENTS, proficiency=proficiency_frame([]), gap_weights=bad
            )

    @given(role_requirements, levels, st.integers(10, 15), st.floats(0.01, 4))
    def test_readiness_stays_in_range_and_never_falls_when_a_level_rises(self, rows, level_by_skill, skill, rise):
        requirements = requirements_frame([(LEAD, *row) for row in rows])
        pairs = pd.DataFrame({"employee_id": [1], "role_id": [LEAD]})
        before = readiness(
            pairs=pairs,
            requirements=requirements,
            proficiency=proficiency_frame([(1, s, lv) for s, lv in level_by_skill.items()]),
        )
        raised_levels = dict(level_by_skill)
        raised_levels[skill] = min(4.0, raised_levels.get(skill, 0.0) + rise)
        after = readiness(
            pairs=pairs,
            requirements=requirements,
            proficiency=proficiency_frame([(1, s, lv) for s, lv in raised_levels.items()]),
        )
        assert 0.0 <= before.loc[0, "readiness"] <= 1.0
        assert 0.0 <= after.loc[0, "readiness"] <= 1.0
        assert after.loc[0, "readiness"] >= before.loc[0, "readiness"] - 1e-12


class TestPaths:
    def test_paths_come_from_the_taxonomy_history_and_aspiration(self):
        SENIOR, MANAGER = 3, 4
        requirements = pd.concat(
            [REQUIREMENTS, requirements_frame([(SENIOR, SQL, 4, 5, True), (MANAGER, COACHING, 4, 5, True)])]
        )
        employees = people([(1, ANALYST, MANAGER, None)])
        proficiency = proficiency_frame([(1, SQL, 3), (1, STAKEHOLDERS, 2), (1, COACHING, 3)])
        mobility = pd.DataFrame({"from_role_id": [ANALYST], "to_role_id": [LEAD], "kind": ["promotion"]})
        history = pd.DataFrame(
            {
                "employee_id": [7, 7, 8, 8],
                "role_id": [ANALYST, SENIOR, ANALYST, SENIOR],
                "start_date": pd.to_datetime(["2020-01-01", "2021-07-01", "2021-01-01", "2022-07-01"]),
            }
        )
        paths = project_paths(
            employees=employees,
            requirements=requirements,
            proficiency=proficiency,
            mobility=mobility,
            moves=observed_moves(history),
        )
        by_role = paths.set_index("role_id")
        assert set(by_role.index) == {LEAD, SENIOR, MANAGER}
        assert by_role.loc[MANAGER, "is_aspiration"] and by_role.loc[MANAGER, "kind"] == "aspiration"
        assert by_role.loc[LEAD, "kind"] == "promotion" and by_role.loc[LEAD, "via_taxonomy"]
        assert by_role.loc[SENIOR, "kind"] == "observed" and by_role.loc[SENIOR, "moves_observed"] == 2
        assert by_role.loc[SENIOR, "typical_months"] == pytest.approx(18, abs=0.3)
        assert by_role.loc[MANAGER, "readiness"] == pytest.approx(0.75)
        assert 0 < by_role.loc[LEAD, "readiness"] < 1
        assert paths.iloc[0]["role_id"] == MANAGER  # the stated goal is listed first


class TestOpportunities:
    def test_open_role_goes_to_the_aspirant_and_stretch_to_the_one_it_grows(self):
        from recommendations.engine.opportunities import match_opportunities

        employees = people([(1, ANALYST, LEAD, None), (2, ANALYST, None, None), (3, LEAD, None, None)])
        proficiency = proficiency_frame(
            [(1, STAKEHOLDERS, 3), (1, COACHING, 2), (2, STAKEHOLDERS, 3), (2, COACHING, 2), (3, COACHING, 3)]
        )
        gaps = compute_gaps(employees=employees, requirements=REQUIREMENTS, proficiency=proficiency)
        opportunities = pd.DataFrame(
            {"opportunity_id": [50, 51], "kind": ["role", "stretch"], "role_id": [LEAD, np.nan]}
        )
        lead_needs = REQUIREMENTS[REQUIREMENTS.role_id == LEAD].assign(opportunity_id=50)
        stretch_needs = pd.DataFrame(
            {"opportunity_id": [51], "skill_id": [PYTHON], "target_level": [2], "importance": [3]}
        )
        matches = match_opportunities(
            opportunities=opportunities,
            opportunity_skills=pd.concat([lead_needs, stretch_needs])[
                ["opportunity_id", "skill_id", "target_level", "importance"]
            ],
            employees=employees,
            requirements=REQUIREMENTS,
            proficiency=proficiency,
            gaps=gaps,
        )
        lead_candidates = matches[matches.opportunity_id == 50].sort_values("rank_for_opportunity")
        assert lead_candidates["employee_id"].tolist() == [1, 2]  # the aspirant first; 3 already is a lead
        assert lead_candidates.iloc[0]["aspiration"] == 1.0
        stretch = matches[(matches.opportunity_id == 51)].set_index("employee_id")
        assert stretch.loc[2, "growth"] > 0 and stretch.loc[3, "growth"] == 0
