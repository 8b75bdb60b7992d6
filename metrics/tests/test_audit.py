"""The bias audit's rules: groups beside the best-off group, the four-fifths rule, small groups."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import audit


def people(groups: dict[str, tuple[int, float]]) -> pd.DataFrame:
    """gender -> (people, share shown a learning pick)."""
    rows = []
    for group, (n, share) in groups.items():
        shown = np.zeros(n)
        shown[: round(n * share)] = 1
        rows.append(pd.DataFrame({"gender": group, "shown_learning": shown}))
    frame = pd.concat(rows, ignore_index=True)
    frame["ethnicity"] = frame["age_band"] = frame["disability"] = ""
    frame["opportunity_match"] = frame["engaged"] = frame["review_score"] = np.nan
    return frame


def test_a_group_below_four_fifths_of_the_best_is_flagged():
    found = audit.findings(people({"man": (100, 0.6), "woman": (100, 0.42), "non-binary": (5, 0.0)}))
    by_group = found.set_index("group")
    assert by_group.loc["woman", "flagged"] and abs(by_group.loc["woman", "ratio_to_best"] - 0.7) < 1e-9
    assert not by_group.loc["man", "flagged"] and by_group.loc["man", "ratio_to_best"] == 1.0
    assert list(found["attribute"].unique()) == ["gender"]  # nothing recorded for the other attributes


def test_a_group_too_small_is_counted_but_not_reported():
    found = audit.findings(people({"man": (100, 0.6), "non-binary": (5, 0.0)})).set_index("group")
    assert found.loc["non-binary", "people"] == 5
    assert pd.isna(found.loc["non-binary", "value"]) and not found.loc["non-binary", "flagged"]


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.tuples(st.integers(1, 80), st.floats(0, 1)), min_size=1)
)
def test_ratios_never_exceed_one_and_flags_follow_the_rule(groups):
    found = audit.findings(people(groups))
    reported = found.dropna(subset=["ratio_to_best"])
    assert (reported["ratio_to_best"] <= 1 + 1e-9).all()
    assert (found["flagged"] == (found["ratio_to_best"].fillna(1) < audit.FOUR_FIFTHS)).all()
    assert (found.loc[found["people"] < audit.MIN_GROUP, "value"].isna()).all()
