"""Succession benches: for each critical role, who could step in now, in about a year, or later.

Inputs (frames; no database):
    people: employee_id, role_id (their current role, NaN for none): active employees
    critical: critical_id, role_id: the roles HR marked critical
    requirements: role_id, skill_id, target_level, importance, core (``taxonomy.frames``)
    levels_now, levels_then: employee_id, skill_id, level, confidence (``engine.proficiency``
        over the evidence known today, and over the evidence known ``TRAJECTORY_MONTHS`` ago)
    not_wanted: employee_id, role_id: roles people said they do not want (their newest goal)

1. Every active person against every critical role (never the role they hold, never one they
   said they do not want): readiness today and ``TRAJECTORY_MONTHS`` ago, both
   ``gaps.readiness`` (the importance-weighted share of the requirements met).
2. Trajectory: the pace (readiness gained per month over that window) and, at that pace, the
   months until ``READY_NOW``; no pace, no estimate.
3. Horizon: ``now`` at ``READY_NOW`` or above; ``year`` when the pace gets there within 12 months;
   ``later`` when readiness is at least ``LATER_FROM``; anyone else is not on the bench.
4. Confidence: the importance-weighted mean confidence of their levels in the role's required
   skills (a skill without evidence counts 0), times 0.8 when the horizon rests on a pace
   (a projection is less sure than a reading).
5. At most ``PER_HORIZON`` people per role and horizon, readiest first (then the faster pace):
   each one is a proposal a human reviews, so the queue stays something HR can read.

Vectorised over the whole organisation: a cross join of people and critical roles through
``gaps.readiness`` (numpy), then pandas on the few candidates left.
"""

import numpy as np
import pandas as pd

from .gaps import readiness

READY_NOW = 0.9
LATER_FROM = 0.6
YEAR_MONTHS = 12.0
TRAJECTORY_MONTHS = 6.0
PER_HORIZON = 5
PROJECTION_FACTOR = 0.8
HORIZONS = ("now", "year", "later")

COLUMNS = [
    "critical_id",
    "role_id",
    "employee_id",
    "horizon",
    "readiness",
    "readiness_then",
    "pace",
    "months_to_ready",
    "missing",
    "confidence",
]


def bench(
    *,
    people: pd.DataFrame,
    critical: pd.DataFrame,
    requirements: pd.DataFrame,
    levels_now: pd.DataFrame,
    levels_then: pd.DataFrame,
    not_wanted: pd.DataFrame,
) -> pd.DataFrame:
    """The proposed bench, one row per (critical role, person): ``COLUMNS``, by the steps above."""
    if people.empty or critical.empty:
        return pd.DataFrame(columns=COLUMNS)
    # 1. everyone against every critical role, less holders and people who do not want it
    employee = np.repeat(people["employee_id"].to_numpy(dtype="int64"), len(critical))
    held = np.repeat(people["role_id"].to_numpy(dtype="float64"), len(critical))
    role = np.tile(critical["role_id"].to_numpy(dtype="int64"), len(people))
    critical_id = np.tile(critical["critical_id"].to_numpy(dtype="int64"), len(people))
    pairs = pd.DataFrame({"critical_id": critical_id, "employee_id": employee, "role_id": role})
    keep = held != role
    if not not_wanted.empty:
        refused = pd.MultiIndex.from_arrays(
            [not_wanted["employee_id"].to_numpy(dtype="int64"), not_wanted["role_id"].to_numpy(dtype="int64")]
        )
        keep &= ~pd.MultiIndex.from_arrays([employee, role]).isin(refused)
    pairs = pairs[keep].reset_index(drop=True)
    requirements = requirements[requirements["role_id"].isin(critical["role_id"])]
    now = readiness(pairs=pairs, requirements=requirements, proficiency=levels_now)
    then = readiness(pairs=pairs[["employee_id", "role_id"]], requirements=requirements, proficiency=levels_then)
    pairs = now.assign(readiness_then=then["readiness"].to_numpy())

    # 2. trajectory
    ready = pairs["readiness"].to_numpy()
    pace = (ready - pairs["readiness_then"].to_numpy()) / TRAJECTORY_MONTHS
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.where(ready >= READY_NOW, 0.0, np.where(pace > 0, (READY_NOW - ready) / pace, np.inf))

    # 3. horizon
    horizon = np.select([ready >= READY_NOW, months <= YEAR_MONTHS, ready >= LATER_FROM], list(HORIZONS), default="")
    pairs = pairs.assign(pace=pace, months_to_ready=months, horizon=horizon)
    pairs = pairs[pairs["horizon"] != ""]
    if pairs.empty:
        return pd.DataFrame(columns=COLUMNS)

    # 5. (before 4: confidence only for the people kept) the readiest few per role and horizon
    pairs = pairs.sort_values(["critical_id", "horizon", "readiness", "pace"], ascending=[True, True, False, False])
    pairs = pairs.groupby(["critical_id", "horizon"], sort=False).head(PER_HORIZON)

    # 4. confidence over the role's required skills
    needs = pairs[["critical_id", "employee_id", "role_id"]].merge(requirements, on="role_id")
    needs = needs.merge(
        levels_now[["employee_id", "skill_id", "confidence"]], on=["employee_id", "skill_id"], how="left"
    )
    needs["weighted"] = needs["confidence"].fillna(0.0) * needs["importance"]
    sums = needs.groupby(["critical_id", "employee_id"])[["weighted", "importance"]].sum()
    mean = (sums["weighted"] / sums["importance"].where(sums["importance"] > 0)).fillna(0.0).rename("confidence")
    pairs = pairs.join(mean, on=["critical_id", "employee_id"])
    pairs["confidence"] = pairs["confidence"].fillna(0.0) * np.where(pairs["horizon"] == "year", PROJECTION_FACTOR, 1.0)
    pairs["months_to_ready"] = pairs["months_to_ready"].replace(np.inf, np.nan)
    return pairs[COLUMNS].reset_index(drop=True)


def reasons(row) -> str:
    """Why a person is on the bench, in words a reviewer can check (one proposal's row)."""
    parts = [f"{row.readiness:.0%} of what the role asks is met today"]
    if row.readiness_then is not None and not np.isnan(row.readiness_then):
        change = row.readiness - row.readiness_then
        if change > 0.005:
            parts.append(f"up from {row.readiness_then:.0%} six months ago")
        else:
            parts.append("no change over the last six months")
    if row.horizon == "now":
        parts.append("ready now")
    elif row.horizon == "year":
        months = max(round(row.months_to_ready), 1)
        parts.append(f"at the recent pace ready in about {months} month{'s' if months != 1 else ''}")
    else:
        parts.append("in reach, but the gaps are not closing fast enough to say when")
    if row.missing:
        parts.append(f"{int(row.missing)} requirement{'s' if row.missing != 1 else ''} still below the level")
    return "; ".join(parts) + "."
