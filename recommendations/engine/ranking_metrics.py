"""Ranking metrics over groups (one employee-month list each): precision@k, recall@k and NDCG@k
per group, their means, and a bootstrap of the difference between two scorers. Pure numpy and
pandas, as the rest of the engine; ``recommendations.ranking`` evaluates with them.
"""

import numpy as np
import pandas as pd

from .arrays import group_starts, rank_in_groups

K = 3
METRICS = (f"precision@{K}", f"recall@{K}", f"ndcg@{K}")
BOOTSTRAP_SAMPLES = 2_000
BOOTSTRAP_QUANTILE = 0.05
SEED = 0


def group_metrics(
    *, groups: np.ndarray, scores: np.ndarray, labels: np.ndarray, k: int = K, tiebreak: np.ndarray | None = None
) -> pd.DataFrame:
    """precision@k, recall@k and NDCG@k of ranking each group's rows by ``scores``, highest first.

    Binary relevance (``labels`` 1 or 0). Only groups with at least one relevant row are
    returned (recall and NDCG mean nothing without one), indexed by group:

    * precision@k = relevant rows in the top k / min(k, rows in the group)
    * recall@k = relevant rows in the top k / relevant rows in the group
    * NDCG@k = sum over the top k of rel_i / log2(i + 1), over the same for the best order

    Equal scores are ordered by ``tiebreak`` (ascending; default the row order). Give every
    scorer compared the same one, so none gains from how its ties fall.
    """
    groups = np.asarray(groups)
    scores = np.asarray(scores, dtype="float64")
    labels = np.asarray(labels, dtype="float64")
    tiebreak = np.arange(len(groups)) if tiebreak is None else np.asarray(tiebreak)
    order = np.lexsort((tiebreak, -scores, groups))
    groups, relevant = groups[order], labels[order]
    position = rank_in_groups(groups)
    starts = group_starts(groups)
    sizes = np.diff(np.r_[starts, len(groups)])
    index = np.repeat(np.arange(len(starts)), sizes)
    top = position <= k
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    hits = np.bincount(index, weights=relevant * top, minlength=len(starts))
    positives = np.bincount(index, weights=relevant, minlength=len(starts))
    dcg = np.bincount(index, weights=relevant * top * discount[np.minimum(position, k) - 1], minlength=len(starts))
    ideal = np.r_[0.0, np.cumsum(discount)][np.minimum(positives, k).astype("int64")]
    keep = positives > 0
    return pd.DataFrame(
        {
            f"precision@{k}": hits[keep] / np.minimum(k, sizes[keep]),
            f"recall@{k}": hits[keep] / positives[keep],
            f"ndcg@{k}": dcg[keep] / ideal[keep],
        },
        index=pd.Index(groups[starts][keep], name="group"),
    )


def ranking_metrics(*, groups, scores, labels, k: int = K, tiebreak=None) -> dict:
    """The means of ``group_metrics`` over the groups with a relevant row, and how many there are."""
    per_group = group_metrics(groups=groups, scores=scores, labels=labels, k=k, tiebreak=tiebreak)
    return group_means(per_group)


def group_means(per_group: pd.DataFrame) -> dict:
    means = {name: float(per_group[name].mean()) if len(per_group) else 0.0 for name in per_group.columns}
    return {**means, "groups": len(per_group)}


def bootstrap_gain(first: pd.Series, second: pd.Series, *, samples: int = BOOTSTRAP_SAMPLES, seed: int = SEED) -> dict:
    """The mean of ``first - second`` over groups (aligned Series), with the 5th and 95th
    percentiles of that mean when the groups are resampled with replacement."""
    difference = (first - second).to_numpy(dtype="float64")
    if len(difference) == 0:
        return {"mean": 0.0, "low": 0.0, "high": 0.0}
    rng = np.random.default_rng(seed)
    means = difference[rng.integers(0, len(difference), (samples, len(difference)))].mean(axis=1)
    low, high = np.quantile(means, [BOOTSTRAP_QUANTILE, 1 - BOOTSTRAP_QUANTILE])
    return {"mean": float(difference.mean()), "low": float(low), "high": float(high)}
