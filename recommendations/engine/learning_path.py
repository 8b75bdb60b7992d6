"""The learning path toward the aspired role: for each of its gaps, the catalogue steps from the
current level to the target, in order, with what is already under way preferred.

Pure pandas over integer ids, like ``picking`` (whose catalogue frames it reads); computed for one
employee when a page asks (``recommendations.selectors.learning_path_for``).
"""

import numpy as np
import pandas as pd

PATH_EXCLUDED = ("completed", "passed", "dismissed", "abandoned", "rejected")
"""A path never plans what the employee finished or turned down, or what HR took back in review."""
PATH_UNDER_WAY = ("in_progress", "enrolled", "accepted")
"""What the employee already started or accepted is preferred for its step."""
PATH_COLUMNS = ["step", "skill_id", "resource_id", "from_level", "to_level", "hours", "urgent", "under_way", "gap_rank"]


def learning_path(
    *,
    gaps: pd.DataFrame,
    resources: pd.DataFrame,
    resource_skills: pd.DataFrame,
    history: pd.DataFrame,
    employee_id: int | None = None,
) -> pd.DataFrame:
    """The steps from the current level to the aspired role's target in each of its gaps, in order.

    For one employee (computed when a page asks, so it follows every change to its inputs).
    ``gaps``: skill_id, current, target_current, target_aspired, rank; ``history``: resource_id,
    status (the employee's). Per gap with ``target_aspired`` above the current level:

    1. start at the level the employee is shown at (never at or above the target);
    2. each step takes an active resource starting at or below that level and rising above it:
       preferring one under way, then the one that climbs furthest without passing the target,
       then the shorter, then the lower id; the next step starts where it ends;
    3. a level no resource covers is a step with no resource (``resource_id`` NaN, 0 hours) and
       ends that gap's climb.

    Steps are ordered: current-role urgencies first (a step below the current role's target),
    then by the level they reach, then gap rank; within a skill, levels only rise, so a step
    to level 2 always comes before the step to level 3. Returns PATH_COLUMNS, ``step`` 1, 2, ...
    """
    active = resources[resources["active"].astype(bool).to_numpy()] if "active" in resources else resources
    if employee_id is not None and "mentor_id" in active:
        active = active[active["mentor_id"].to_numpy(dtype="float64", na_value=np.nan) != employee_id]
    excluded = set(history.loc[history["status"].isin(PATH_EXCLUDED), "resource_id"].astype("int64"))
    under_way = set(history.loc[history["status"].isin(PATH_UNDER_WAY), "resource_id"].astype("int64"))
    hours_of = dict(zip(active["resource_id"].astype("int64"), active["hours"].astype("float64"), strict=True))
    usable = resource_skills[
        resource_skills["resource_id"].isin(hours_of.keys()) & ~resource_skills["resource_id"].isin(excluded)
    ]
    by_skill = {
        int(skill): list(zip(rows["resource_id"].astype("int64"), rows["from_level"], rows["to_level"], strict=True))
        for skill, rows in usable.groupby("skill_id")
    }
    steps = []
    aspired = gaps[gaps["target_aspired"].fillna(0).to_numpy() > gaps["current"].to_numpy()]
    for gap in aspired.itertuples(index=False):
        target = int(gap.target_aspired)
        target_current = 0 if pd.isna(gap.target_current) else int(gap.target_current)
        level = min(int(np.floor(gap.current + 0.5)), target - 1)
        used: set[int] = set()
        while level < target:
            options = [
                (resource, int(to_level))
                for resource, from_level, to_level in by_skill.get(int(gap.skill_id), [])
                if from_level <= level < to_level and resource not in used
            ]
            if not options:
                steps.append((gap.skill_id, np.nan, level, target, 0.0, level < target_current, False, gap.rank))
                break
            resource, to_level = min(
                options, key=lambda o: (o[0] not in under_way, -min(o[1], target), hours_of[o[0]], o[0])
            )
            reached = min(to_level, target)
            used.add(resource)
            steps.append(
                (
                    gap.skill_id,
                    resource,
                    level,
                    reached,
                    hours_of[resource],
                    level < target_current,
                    resource in under_way,
                    gap.rank,
                )
            )
            level = reached
    path = pd.DataFrame(steps, columns=PATH_COLUMNS[1:])
    if path.empty:
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in PATH_COLUMNS})
    path = path.sort_values(
        ["urgent", "to_level", "gap_rank", "skill_id"], ascending=[False, True, True, True], kind="stable"
    )
    return path.assign(step=np.arange(1, len(path) + 1))[PATH_COLUMNS].reset_index(drop=True)
