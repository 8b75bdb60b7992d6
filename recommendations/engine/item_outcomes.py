"""What each catalogue item did for the people who took it: completion and uplift rates per item
(``resource_stats``), the record ``picking`` smooths into its features and the ranking learns from.
Pure pandas over the learning records and the later ratings.
"""

import numpy as np
import pandas as pd

from .arrays import lookup

FINISHED = ("completed", "passed")
DECIDED = ("completed", "passed", "failed", "abandoned")
"""Records with an outcome: completion rates count these (enrolments and work in progress wait)."""
OUTCOME_WINDOW_DAYS = 180
"""Evidence up to this long after a completion shows what it did for the level."""
OUTCOME_SOURCE_IGNORED = "learning"
"""The completion itself claims a level; only other evidence shows whether it held."""


def resource_stats(*, records: pd.DataFrame, rises: pd.DataFrame) -> pd.DataFrame:
    """Each resource's record among everyone who took it.

    Inputs:
        records  resource_id, status, count: learning records of catalogue items by status
        rises    resource_id, rise_sum, rise_n: over completions with a later observation, the
                 sum of (level after - level before) and how many (``learning.read_resource_stats``
                 measures them: before is the newest evidence before the completion, else the
                 resource's from_level; after the newest within 180 days after, other than the
                 completion's own learning evidence)

    Output: resource_id, completion_rate (finished / decided), n (decided records), uplift (mean
    rise) and uplift_n. All raw: ``candidate_features`` smooths them.
    """
    counts = (
        records.assign(
            finished=records["status"].isin(FINISHED) * records["count"],
            decided=records["status"].isin(DECIDED) * records["count"],
        )
        .groupby("resource_id")[["finished", "decided"]]
        .sum()
    )
    decided = counts["decided"].to_numpy(dtype="float64")
    stats = pd.DataFrame(
        {
            "resource_id": counts.index.to_numpy(dtype="int64"),
            "completion_rate": np.where(decided > 0, counts["finished"].to_numpy() / np.maximum(decided, 1.0), 0.0),
            "n": decided,
        }
    )
    ids = stats["resource_id"].to_numpy()
    rise_ids = rises["resource_id"].to_numpy(dtype="int64")
    rise_n = lookup(rise_ids, rises["rise_n"].to_numpy(dtype="float64"), ids, 0.0)
    rise_sum = lookup(rise_ids, rises["rise_sum"].to_numpy(dtype="float64"), ids, 0.0)
    stats["uplift"] = np.where(rise_n > 0, rise_sum / np.maximum(rise_n, 1.0), 0.0)
    stats["uplift_n"] = rise_n
    return stats
