"""The bias audit: the engine's outcomes compared across HR-only demographic groups (fairlearn).

For each outcome and each recorded attribute (gender, ethnicity, age band, disability), fairlearn's
``MetricFrame`` gives every group's rate (or mean), and each group is set beside the best-off
group of its attribute. A group whose ratio falls below ``FOUR_FIFTHS`` (the four-fifths rule of
adverse-impact analysis) is flagged for HR to look into. Groups with fewer than ``MIN_GROUP``
people are counted but not reported: too few to say anything, and too few to stay anonymous.

Outcomes (one row per active employee with demographics; NaN where it does not apply):
* ``shown_learning``: was shown a learning pick in the window (who the engine invests in);
* ``opportunity_match``: their released analysis matches them to an open opportunity (as it
  stands when the audit runs, also for a back-dated snapshot: old matches are not kept);
* ``engaged``: of those delivered a pick, acted on one within 30 days;
* ``review_score``: mean performance-review score, 1-5: the history the engine learns from
  ("audit the training data before deployment": biased ratings would be amplified);
* ``succession_proposed``: the engine proposed them for a critical role's bench;
* ``succession_pool``: of those proposed, a reviewer put them in a pool (approved or edited);
* ``readiness``: mean readiness for their current role, as the analysis stands.
"""

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame

ATTRIBUTES = ["gender", "ethnicity", "age_band", "disability"]
OUTCOMES = {
    "shown_learning": "Shown a learning recommendation",
    "opportunity_match": "Matched to an open opportunity",
    "engaged": "Acted on a recommendation within 30 days",
    "review_score": "Performance-review score (training data)",
    "succession_proposed": "Proposed for a critical role's succession bench",
    "succession_pool": "Of those proposed, put in a succession pool by a reviewer",
    "readiness": "Readiness for their current role",
}
FOUR_FIFTHS = 0.8
MIN_GROUP = 20


def _mean(y_true, y_pred) -> float:
    return float(np.mean(y_pred))


def findings(people: pd.DataFrame) -> pd.DataFrame:
    """``people``: the ATTRIBUTES (blank when not recorded) and the OUTCOMES columns.

    Returns one row per outcome, attribute and group: outcome, attribute, group, people, value
    (None when suppressed), ratio_to_best, flagged.
    """
    rows = []
    for outcome in OUTCOMES:
        if outcome not in people:  # an outcome nobody measured (a caller with fewer columns)
            continue
        for attribute in ATTRIBUTES:
            known = people[(people[attribute].fillna("") != "") & people[outcome].notna()]
            if known.empty:
                continue
            values = known[outcome].to_numpy(dtype="float64")
            frame = MetricFrame(metrics=_mean, y_true=values, y_pred=values, sensitive_features=known[attribute])
            sizes = known[attribute].value_counts()
            reported = {group: value for group, value in frame.by_group.items() if sizes[group] >= MIN_GROUP}
            best = max(reported.values(), default=None)
            for group, size in sizes.sort_index().items():
                value = reported.get(group)
                ratio = value / best if value is not None and best else None
                rows.append(
                    {
                        "outcome": outcome,
                        "attribute": attribute,
                        "group": str(group),
                        "people": int(size),
                        "value": value,
                        "ratio_to_best": ratio,
                        "flagged": ratio is not None and ratio < FOUR_FIFTHS,
                    }
                )
    return pd.DataFrame(rows, columns=["outcome", "attribute", "group", "people", "value", "ratio_to_best", "flagged"])
