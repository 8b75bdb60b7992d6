"""The five outcome metrics' rules, on small frames (no database)."""

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from metrics import measures

AS_OF = pd.Timestamp("2026-11-22 23:59", tz="UTC")
QUARTER = pd.Timedelta(days=90)


def day(offset: int) -> pd.Timestamp:
    return AS_OF - pd.Timedelta(days=offset)


def picks(*rows) -> pd.DataFrame:
    """(days before AS_OF it was delivered, days after delivery it was acted on or None)."""
    return pd.DataFrame(
        {
            "delivered_at": pd.Series([day(d) for d, _ in rows], dtype="datetime64[ns, UTC]"),
            "acted_at": pd.Series(
                [day(d) + pd.Timedelta(days=a) if a is not None else pd.NaT for d, a in rows],
                dtype="datetime64[ns, UTC]",
            ),
        }
    )


class TestEngagement:
    def test_acted_on_within_30_days_counts_later_does_not(self):
        figure = measures.engagement(picks((60, 3), (60, 30), (60, 31), (60, None)), as_of=AS_OF, window=QUARTER)
        assert figure == measures.Figure(0.5, 4)

    def test_picks_still_inside_their_30_days_or_before_the_window_are_not_due(self):
        figure = measures.engagement(picks((10, 2), (29, None), (121, 1), (40, 1)), as_of=AS_OF, window=QUARTER)
        assert figure == measures.Figure(1.0, 1)

    def test_nothing_due_is_no_figure_rather_than_zero(self):
        assert measures.engagement(picks((5, 1)), as_of=AS_OF, window=QUARTER) == measures.Figure(None, 0)

    @given(st.lists(st.tuples(st.integers(0, 200), st.one_of(st.none(), st.integers(0, 60))), max_size=40))
    def test_it_is_a_share_of_the_due_picks(self, rows):
        figure = measures.engagement(picks(*rows), as_of=AS_OF, window=QUARTER)
        due = [a for d, a in rows if 30 <= d < 120]
        assert figure.measured == len(due)
        if due:
            assert figure.value == sum(a is not None and a <= 30 for a in due) / len(due)
        else:
            assert figure.value is None


def evidence(*rows) -> pd.DataFrame:
    """(employee, skill, level, days before AS_OF)."""
    return pd.DataFrame(
        {
            "employee_id": [r[0] for r in rows],
            "skill_id": [r[1] for r in rows],
            "level": [r[2] for r in rows],
            "source": "assessment",
            "confidence": 1.0,
            "observed_at": [day(r[3]) for r in rows],
        }
    )


class TestSkillVelocity:
    def test_levels_gained_on_targeted_skills(self):
        seen = evidence((1, 10, 1, 200), (1, 10, 3, 5), (1, 20, 1, 200), (1, 20, 4, 5))
        targeted = pd.DataFrame({"employee_id": [1], "skill_id": [10]})  # skill 20 was never targeted
        figure = measures.skill_velocity(seen, targeted, as_of=AS_OF, window=QUARTER)
        assert figure.measured == 1 and 0.5 < figure.value <= 2

    def test_no_evidence_at_the_start_leaves_the_pair_out(self):
        seen = evidence((1, 10, 3, 5))
        targeted = pd.DataFrame({"employee_id": [1], "skill_id": [10]})
        assert measures.skill_velocity(seen, targeted, as_of=AS_OF, window=QUARTER) == measures.Figure(None, 0)

    @given(st.lists(st.tuples(st.integers(0, 4), st.integers(91, 400)), min_size=1, max_size=6))
    def test_nothing_new_in_the_window_is_no_change(self, old):
        seen = evidence(*[(1, 10, level, age) for level, age in old])
        targeted = pd.DataFrame({"employee_id": [1], "skill_id": [10]})
        figure = measures.skill_velocity(seen, targeted, as_of=AS_OF, window=QUARTER)
        assert figure.measured == 1 and abs(figure.value) < 1e-9


class TestInternalMobility:
    def test_only_internal_fills_by_people_who_completed_learning_first_count(self):
        moves = pd.DataFrame(
            {
                "employee_id": [1, 2, 3, 4, 5],
                "kind": ["internal_fill", "internal_fill", "hire", "internal_fill", "internal_fill"],
                "start_date": [day(30), day(30), day(30), day(30), day(400)],
            }
        )
        completions = pd.DataFrame(
            {"employee_id": [1, 2, 5], "completed_at": [day(100), day(10), day(500)]}  # 2 finished after the move
        )
        figure = measures.internal_mobility(moves, completions, as_of=AS_OF, window=pd.Timedelta(days=365))
        assert figure == measures.Figure(0.25, 4)  # person 5's move is outside the year


class TestRetention:
    def test_enrolled_and_not_are_counted_apart_and_leavers_before_the_year_are_not_counted(self):
        people = pd.DataFrame(
            {
                "employee_id": [1, 2, 3, 4, 5, 6],
                "hire_date": [day(800), day(800), day(800), day(800), day(100), day(900)],
                "termination_date": [pd.NaT, day(10), pd.NaT, day(100), pd.NaT, day(500)],
                "grade": [2.0, 3.0, 2.0, 3.0, 2.0, np.nan],
            }
        )
        # 3 enrolled two years ago only: not in this year's plan
        enrolments = pd.DataFrame(
            {"employee_id": [1, 1, 2, 5, 3], "acted_at": [day(50), day(600), day(200), day(20), day(700)]}
        )
        figures = measures.retention(people, enrolments, as_of=AS_OF)
        assert figures["enrolled"] == measures.Figure(0.5, 2)  # the one hired 100 days ago is not in the year
        assert figures["not enrolled"] == measures.Figure(0.5, 2)  # the one gone 500 days ago is not either
        assert figures["enrolled, grade 2"] == measures.Figure(1.0, 1)  # and per role grade
        assert figures["not enrolled, grade 3"] == measures.Figure(0.0, 1)


class TestConversationQuality:
    def test_the_mean_of_each_answer_in_the_window(self):
        checkins = pd.DataFrame(
            {
                "held_on": [day(10), day(20), day(200)],
                "employee_relevance": [4.0, np.nan, 1.0],
                "manager_prep_saved": [5.0, 3.0, 1.0],
            }
        )
        figures = measures.conversation_quality(checkins, as_of=AS_OF, window=QUARTER)
        assert figures["employee: relevant to my goals"] == measures.Figure(4.0, 1)
        assert figures["manager: saved preparation"] == measures.Figure(4.0, 2)
