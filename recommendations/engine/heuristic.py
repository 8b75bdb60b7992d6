"""The transparent scores beside the learned model: the heuristic (fixed weights over the
candidate features), popularity, and the confidence shown with a pick. Pure numpy and pandas over
``picking.candidate_features``' frame.
"""

import numpy as np
import pandas as pd

from .picking import RESOURCE_PRIOR

HEURISTIC_WEIGHTS = {
    "gap_rank": 0.30,  # as 1 / rank: the top gap first, the second counts half
    "gap_priority": 0.15,
    "closes_share": 0.15,
    "level_fit": 0.15,
    "kind_fit": 0.10,
    "format_completion_rate": 0.08,
    "resource_uplift": 0.05,  # levels gained, capped at 1
    "resource_completion_rate": 0.04,
    "gaps_covered": 0.03,  # per extra top gap it works on, at most two
    "format_engagement": 0.02,  # as a share of log1p(4 hours), capped at 1
    "log_hours": -0.02,  # a little against long items: 40 hours costs 0.07, 4 hours 0.03
}
"""The heuristic is ``sum(weight x term)`` over these, each term in about [0, 1]."""


def heuristic_score(features: pd.DataFrame) -> np.ndarray:
    """The transparent default scorer: a weighted sum of the features (HEURISTIC_WEIGHTS).

    Mostly "the most important gap, closed by a step that starts where you are", then "in a
    format that suits the skill and that you finish", then what others got from it.
    """
    w = HEURISTIC_WEIGHTS
    column = features.__getitem__
    return (
        w["gap_rank"] / np.maximum(column("gap_rank").to_numpy(dtype="float64"), 1.0)
        + w["gap_priority"] * column("gap_priority").to_numpy(dtype="float64")
        + w["closes_share"] * column("closes_share").to_numpy(dtype="float64")
        + w["level_fit"] * column("level_fit").to_numpy(dtype="float64")
        + w["kind_fit"] * column("kind_fit").to_numpy(dtype="float64")
        + w["format_completion_rate"] * column("format_completion_rate").to_numpy(dtype="float64")
        + w["resource_uplift"] * np.clip(column("resource_uplift").to_numpy(dtype="float64"), 0.0, 1.0)
        + w["resource_completion_rate"] * column("resource_completion_rate").to_numpy(dtype="float64")
        + w["gaps_covered"] * np.clip(column("gaps_covered").to_numpy(dtype="float64") - 1.0, 0.0, 2.0)
        + w["format_engagement"]
        * np.minimum(column("format_engagement").to_numpy(dtype="float64") / np.log1p(240.0), 1.0)
        + w["log_hours"] * column("log_hours").to_numpy(dtype="float64")
    )


def popularity_score(features: pd.DataFrame) -> np.ndarray:
    """A baseline for evaluation: what most people finish, for the most important gap."""
    return features["resource_completion_rate"].to_numpy(dtype="float64") + 1.0 / np.maximum(
        features["gap_rank"].to_numpy(dtype="float64"), 1.0
    )


EVIDENCE_FLOOR = 0.8
"""Share of the gap's confidence a recommendation keeps when nobody has taken the resource yet
(HR's catalogue entry says what it raises: evidence, if unproven)."""


def recommendation_confidence(candidates: pd.DataFrame) -> np.ndarray:
    """How sure a recommendation is, 0-1: the gap's confidence (is the gap real?) times the
    evidence behind the resource (does it work?).

    ``confidence = gap_confidence x (0.8 + 0.2 x n / (n + 5))`` with ``n`` the records behind the
    resource: an untried resource keeps 80% of the gap's confidence, one 45 people took 98%.
    A gap with no evidence at all (confidence 0) gives 0: it goes to HR review.
    """
    n = np.expm1(candidates["resource_evidence"].to_numpy(dtype="float64"))
    support = EVIDENCE_FLOOR + (1.0 - EVIDENCE_FLOOR) * n / (n + RESOURCE_PRIOR)
    return np.clip(candidates["gap_confidence"].to_numpy(dtype="float64") * support, 0.0, 1.0)
