"""Skill gaps: ranked per employee by urgency, mobility leverage and business-unit demand.

Inputs (pandas frames, integer ids):
    employees     employee_id, role_id (nullable), aspired_role_id (nullable), business_unit_id (nullable)
    requirements  role_id, skill_id, target_level 1-4, importance 1-5, core bool
    proficiency   employee_id, skill_id, level, confidence  (from ``proficiency.current_proficiency``)
    demand        business_unit_id, skill_id, weight 0-1

Output, one row per employee and skill with a real gap (priority > 0), ranked within employee:
    employee_id, skill_id, current, confidence, target_current, importance_current, core,
    target_aspired, importance_aspired, demand_weight, shortfall_current, shortfall_aspired,
    urgency, leverage, demand, priority, rank, aspired_gaps_left

The rules, each a column operation:
1. shortfall = max(0, target - current level); a skill with no evidence counts as level 0 with
   no confidence.
2. urgency = shortfall (current role) x importance x (core multiplier if core), scaled to [0, 1]
   by its largest possible value (4 levels x importance 5 x core).
3. leverage = how much closing the gap moves readiness for the aspired role:
   importance x (shortfall / target) / total importance of that role's requirements, in [0, 1].
4. demand = the unit's demand weight x shortfall against the higher role target (or the
   default demand level when neither role names the skill) / 4, in [0, 1].
5. priority = the weighted sum of the three with HR's weights; ranked per employee by priority,
   then core, then importance, then skill id, so ties rank the same way every time.
"""

import numpy as np
import pandas as pd

from .settings import EngineWeights

MAX_LEVEL = 4
MAX_IMPORTANCE = 5

GAP_COLUMNS = [
    "employee_id", "skill_id", "current", "confidence", "target_current", "importance_current", "core",
    "target_aspired", "importance_aspired", "demand_weight", "shortfall_current", "shortfall_aspired",
    "urgency", "leverage", "demand", "priority", "rank", "aspired_gaps_left",
]


def _role_rows(employees: pd.DataFrame, requirements: pd.DataFrame, role_column: str, suffix: str) -> pd.DataFrame:
    """One row per employee and requirement of the role in ``role_column``."""
    people = employees[["employee_id", role_column]].dropna()
    people = people.astype({role_column: "int64"})
    rows = people.merge(requirements, left_on=role_column, right_on="role_id", how="inner")
    rows = rows[["employee_id", "skill_id", "target_level", "importance", "core"]]
    return rows.rename(
        columns={"target_level": f"target_{suffix}", "importance": f"importance_{suffix}", "core": f"core_{suffix}"}
    )


def _demand_rows(employees: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    people = employees[["employee_id", "business_unit_id"]].dropna().astype({"business_unit_id": "int64"})
    rows = people.merge(demand, on="business_unit_id", how="inner")
    return rows[["employee_id", "skill_id", "weight"]].rename(columns={"weight": "demand_weight"})


def role_totals(requirements: pd.DataFrame) -> pd.Series:
    """Total importance of each role's requirements (the denominator of readiness)."""
    return requirements.groupby("role_id")["importance"].sum()


def compute_gaps(
    *,
    employees: pd.DataFrame,
    requirements: pd.DataFrame,
    proficiency: pd.DataFrame,
    demand: pd.DataFrame | None = None,
    weights: EngineWeights | None = None,
) -> pd.DataFrame:
    weights = weights or EngineWeights()
    requirements = requirements.astype({"role_id": "int64", "skill_id": "int64"})
    current_rows = _role_rows(employees, requirements, "role_id", "current")
    aspired_rows = _role_rows(employees, requirements, "aspired_role_id", "aspired")
    keys = ["employee_id", "skill_id"]
    frame = current_rows.merge(aspired_rows, on=keys, how="outer")
    if demand is not None and not demand.empty:
        frame = frame.merge(_demand_rows(employees, demand), on=keys, how="outer")
    else:
        frame["demand_weight"] = np.nan
    if frame.empty:
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in GAP_COLUMNS})

    frame = frame.merge(proficiency[["employee_id", "skill_id", "level", "confidence"]], on=keys, how="left")
    current = frame["level"].fillna(0.0).to_numpy()
    confidence = frame["confidence"].fillna(0.0).to_numpy()

    target_current = frame["target_current"].to_numpy(dtype="float64")
    importance_current = frame["importance_current"].fillna(0).to_numpy(dtype="float64")
    core = frame["core_current"].fillna(False).to_numpy(dtype=bool)
    target_aspired = frame["target_aspired"].to_numpy(dtype="float64")
    importance_aspired = frame["importance_aspired"].fillna(0).to_numpy(dtype="float64")
    demand_weight = frame["demand_weight"].fillna(0.0).to_numpy(dtype="float64")

    # 1. shortfalls (never negative)
    shortfall_current = np.clip(np.nan_to_num(target_current, nan=0.0) - current, 0.0, None)
    shortfall_aspired = np.clip(np.nan_to_num(target_aspired, nan=0.0) - current, 0.0, None)

    # 2. urgency
    core_factor = np.where(core, weights.core_multiplier, 1.0)
    max_urgency = MAX_LEVEL * MAX_IMPORTANCE * max(weights.core_multiplier, 1.0)
    urgency = shortfall_current * importance_current * core_factor / max_urgency

    # 3. leverage toward the aspired role
    aspired_role = employees.set_index("employee_id")["aspired_role_id"]
    totals = role_totals(requirements)
    role_of_row = frame["employee_id"].map(aspired_role)
    total_importance = role_of_row.map(totals).fillna(0).to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        leverage = np.where(
            (total_importance > 0) & (target_aspired > 0),
            importance_aspired * (shortfall_aspired / np.nan_to_num(target_aspired, nan=1.0)) / total_importance,
            0.0,
        )

    # 4. business-unit demand
    demand_target = np.fmax(np.nan_to_num(target_current, nan=0.0), np.nan_to_num(target_aspired, nan=0.0))
    demand_target = np.where(demand_target > 0, demand_target, weights.demand_target_level)
    demand_score = demand_weight * np.clip(demand_target - current, 0.0, None) / MAX_LEVEL

    # 5. priority and rank
    priority = weights.urgency * urgency + weights.leverage * leverage + weights.demand * demand_score
    result = pd.DataFrame(
        {
            "employee_id": frame["employee_id"].to_numpy(dtype="int64"),
            "skill_id": frame["skill_id"].to_numpy(dtype="int64"),
            "current": current,
            "confidence": confidence,
            "target_current": target_current,
            "importance_current": frame["importance_current"].to_numpy(dtype="float64"),
            "core": core,
            "target_aspired": target_aspired,
            "importance_aspired": frame["importance_aspired"].to_numpy(dtype="float64"),
            "demand_weight": frame["demand_weight"].to_numpy(dtype="float64"),
            "shortfall_current": shortfall_current,
            "shortfall_aspired": shortfall_aspired,
            "urgency": urgency,
            "leverage": leverage,
            "demand": demand_score,
            "priority": priority,
        }
    )
    result = result[result["priority"] > 1e-12]
    result = rank_within_employee(result)
    result["aspired_gaps_left"] = aspired_gaps_left(result)
    return result[GAP_COLUMNS].reset_index(drop=True)


def rank_within_employee(gaps: pd.DataFrame) -> pd.DataFrame:
    """Sort by employee, then priority (high first), core, importance, skill id; number 1, 2, ..."""
    order = np.lexsort(
        (
            gaps["skill_id"].to_numpy(),
            -np.nan_to_num(gaps["importance_current"].to_numpy(dtype="float64"), nan=0.0),
            ~gaps["core"].to_numpy(dtype=bool),
            -gaps["priority"].to_numpy(),
            gaps["employee_id"].to_numpy(),
        )
    )
    ranked = gaps.iloc[order].copy()
    employee = ranked["employee_id"].to_numpy()
    position = np.arange(len(ranked))
    starts = np.r_[0, np.flatnonzero(employee[1:] != employee[:-1]) + 1] if len(ranked) else np.array([], dtype=int)
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(ranked)]))
    ranked["rank"] = position - group_start + 1
    return ranked


def aspired_gaps_left(gaps: pd.DataFrame) -> np.ndarray:
    """How many aspired-role gaps each employee still has (the "one of N gaps left" in rationales)."""
    counts = (gaps["shortfall_aspired"] > 0).groupby(gaps["employee_id"]).transform("sum")
    return counts.to_numpy(dtype="int64")


def readiness(
    *, pairs: pd.DataFrame, requirements: pd.DataFrame, proficiency: pd.DataFrame
) -> pd.DataFrame:
    """Readiness of each (employee_id, role_id) pair: the importance-weighted share of the role's
    requirements met, each requirement counting ``min(level / target, 1)``. In [0, 1]; a role with
    no requirements is fully ready. Also counts the requirements still missing.

    Returns pairs with ``readiness`` and ``missing`` columns added.
    """
    if pairs.empty:
        return pairs.assign(readiness=pd.Series(dtype="float64"), missing=pd.Series(dtype="int64"))
    rows = pairs[["employee_id", "role_id"]].merge(
        requirements[["role_id", "skill_id", "target_level", "importance"]], on="role_id", how="left"
    )
    rows = rows.merge(proficiency[["employee_id", "skill_id", "level"]], on=["employee_id", "skill_id"], how="left")
    level = rows["level"].fillna(0.0).to_numpy()
    target = rows["target_level"].to_numpy(dtype="float64")
    importance = rows["importance"].fillna(0).to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        met = np.where(target > 0, np.minimum(level / target, 1.0), 1.0)
    rows["met"] = importance * met
    rows["weight"] = importance
    rows["missing"] = (target > 0) & (level < target)
    summary = rows.groupby(["employee_id", "role_id"], sort=False).agg(
        met=("met", "sum"), weight=("weight", "sum"), missing=("missing", "sum")
    )
    weight = summary["weight"].to_numpy()
    summary["readiness"] = np.where(weight > 0, summary["met"].to_numpy() / np.where(weight > 0, weight, 1), 1.0)
    summary["readiness"] = summary["readiness"].clip(0.0, 1.0)
    summary = summary[["readiness", "missing"]].reset_index()
    return pairs.merge(summary, on=["employee_id", "role_id"], how="left")
