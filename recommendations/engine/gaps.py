"""Skill gaps: ranked per employee by urgency, mobility leverage and business-unit demand.

Inputs (pandas frames, integer ids):
    employees     employee_id, role_id (nullable), aspired_role_id (nullable), business_unit_id (nullable)
    requirements  role_id, skill_id, target_level 1-4, importance 1-5, core bool
    proficiency   employee_id, skill_id, level, confidence  (from ``proficiency.current_proficiency``)
    demand        business_unit_id, skill_id, weight 0-1
    gap_weights   employee_id, skill_id, weight > 0  (optional: the person's own re-rating of a
                  gap, agreed in a quarterly deep review; 1 = as the rules rank it)

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
5. priority = the weighted sum of the three with HR's weights, times the person's own weight for
   that gap when a deep review re-rated it (raise > 1, lower < 1); ranked per employee by
   priority, then core, then importance, then skill id, so ties rank the same way every time.
   A weight only scales a gap the rules found: it never makes a gap out of a met requirement.
"""

import numpy as np
import pandas as pd

from .arrays import Groups, lookup, pair_key, rank_in_groups
from .settings import EngineWeights

MAX_LEVEL = 4
MAX_IMPORTANCE = 5

GAP_COLUMNS = [
    "employee_id",
    "skill_id",
    "current",
    "confidence",
    "target_current",
    "importance_current",
    "core",
    "target_aspired",
    "importance_aspired",
    "demand_weight",
    "shortfall_current",
    "shortfall_aspired",
    "urgency",
    "leverage",
    "demand",
    "priority",
    "rank",
    "aspired_gaps_left",
]


def _column(frame: pd.DataFrame, name: str, dtype="float64") -> np.ndarray:
    return frame[name].to_numpy(dtype=dtype) if name in frame else np.full(len(frame), np.nan)


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
    gap_weights: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every employee's gaps, ranked: the rules 1-5 of this module's docstring, in one pass.

    ``employees``, ``requirements``, ``proficiency`` and ``demand`` have the columns the module
    docstring lists (``demand`` may be None: no business-unit demand; ``gap_weights`` may be None:
    nobody re-rated a gap); ``weights`` are HR's
    (``EngineSettings.as_weights()``; the defaults when None). Returns one row per employee and
    skill whose priority is above zero, with the ``GAP_COLUMNS``, ranked 1, 2, ... per employee;
    an empty frame with those columns when there is nothing to rank.

    Steps: (a) gather the candidate (employee, skill) pairs from the current role, the aspired
    role and the unit's demand, each pair once; (b) look up each pair's current level and
    confidence (level 0, no confidence, without evidence); (c) compute shortfalls, urgency,
    leverage, demand and priority as column operations; (d) order and rank within employee.
    """
    weights = weights or EngineWeights()
    employee_ids = employees["employee_id"].to_numpy(dtype="int64")
    by_role = Groups(requirements["role_id"].to_numpy())
    skill_of = requirements["skill_id"].to_numpy(dtype="int64")
    target_of = requirements["target_level"].to_numpy(dtype="float64")
    importance_of = requirements["importance"].to_numpy(dtype="float64")
    core_of = requirements["core"].to_numpy(dtype=bool)

    # Rows: every requirement of the current role, of the aspired role, and every skill the
    # employee's business unit demands, keyed by (employee row, skill).
    current_employee, current_req = by_role.expand(_column(employees, "role_id"))
    aspired_employee, aspired_req = by_role.expand(_column(employees, "aspired_role_id"))
    keys = [pair_key(current_employee, skill_of[current_req]), pair_key(aspired_employee, skill_of[aspired_req])]
    demand_employee = demand_row = np.zeros(0, dtype="int64")
    if demand is not None and not demand.empty:
        by_unit = Groups(demand["business_unit_id"].to_numpy())
        demand_employee, demand_row = by_unit.expand(_column(employees, "business_unit_id"))
        keys.append(pair_key(demand_employee, demand["skill_id"].to_numpy(dtype="int64")[demand_row]))
    all_keys = np.concatenate(keys)
    if len(all_keys) == 0:
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in GAP_COLUMNS})
    unique_keys, where = np.unique(all_keys, return_inverse=True)
    n = len(unique_keys)
    employee_row = (unique_keys >> 31).astype("int64")
    skill = (unique_keys & ((1 << 31) - 1)).astype("int64")
    n_current, n_aspired = len(current_req), len(aspired_req)

    target_current = np.full(n, np.nan)
    importance_current = np.full(n, np.nan)
    core = np.zeros(n, dtype=bool)
    target_current[where[:n_current]] = target_of[current_req]
    importance_current[where[:n_current]] = importance_of[current_req]
    core[where[:n_current]] = core_of[current_req]
    target_aspired = np.full(n, np.nan)
    importance_aspired = np.full(n, np.nan)
    target_aspired[where[n_current : n_current + n_aspired]] = target_of[aspired_req]
    importance_aspired[where[n_current : n_current + n_aspired]] = importance_of[aspired_req]
    demand_weight = np.full(n, np.nan)
    if len(demand_row):
        demand_weight[where[n_current + n_aspired :]] = demand["weight"].to_numpy(dtype="float64")[demand_row]

    # The employee's current level and its confidence (level 0, no confidence, without evidence).
    row_of_employee = lookup(employee_ids, np.arange(len(employee_ids)), proficiency["employee_id"].to_numpy(), -1)
    known = row_of_employee >= 0
    evidence_keys = pair_key(row_of_employee[known], proficiency["skill_id"].to_numpy(dtype="int64")[known])
    current = lookup(evidence_keys, proficiency["level"].to_numpy(dtype="float64")[known], unique_keys, 0.0)
    confidence = lookup(evidence_keys, proficiency["confidence"].to_numpy(dtype="float64")[known], unique_keys, 0.0)

    # 1. shortfalls (never negative)
    shortfall_current = np.clip(np.nan_to_num(target_current, nan=0.0) - current, 0.0, None)
    shortfall_aspired = np.clip(np.nan_to_num(target_aspired, nan=0.0) - current, 0.0, None)

    # 2. urgency
    core_factor = np.where(core, weights.core_multiplier, 1.0)
    max_urgency = MAX_LEVEL * MAX_IMPORTANCE * max(weights.core_multiplier, 1.0)
    urgency = shortfall_current * np.nan_to_num(importance_current, nan=0.0) * core_factor / max_urgency

    # 3. leverage toward the aspired role
    totals = by_role.sums(importance_of)
    role_index, role_found = by_role.position(_column(employees, "aspired_role_id"))
    total_per_employee = np.where(role_found, totals[role_index] if len(totals) else 0.0, 0.0)
    total_importance = total_per_employee[employee_row]
    with np.errstate(divide="ignore", invalid="ignore"):
        leverage = np.where(
            (total_importance > 0) & (target_aspired > 0),
            np.nan_to_num(importance_aspired, nan=0.0)
            * (shortfall_aspired / np.nan_to_num(target_aspired, nan=1.0))
            / total_importance,
            0.0,
        )

    # 4. business-unit demand
    demand_target = np.fmax(np.nan_to_num(target_current, nan=0.0), np.nan_to_num(target_aspired, nan=0.0))
    demand_target = np.where(demand_target > 0, demand_target, weights.demand_target_level)
    demand_score = np.nan_to_num(demand_weight, nan=0.0) * np.clip(demand_target - current, 0.0, None) / MAX_LEVEL

    # 5. priority and rank
    priority = weights.urgency * urgency + weights.leverage * leverage + weights.demand * demand_score
    if gap_weights is not None and not gap_weights.empty:
        priority = priority * _person_weights(gap_weights, employee_ids, unique_keys)
    keep = priority > 1e-12
    order = np.lexsort(
        (
            skill[keep],
            -np.nan_to_num(importance_current[keep], nan=0.0),
            ~core[keep],
            -priority[keep],
            employee_row[keep],
        )
    )
    pick = np.flatnonzero(keep)[order]
    rows = employee_row[pick]
    has_aspired_gap = (shortfall_aspired[pick] > 0).astype("int64")
    aspired_left = np.bincount(rows, weights=has_aspired_gap, minlength=len(employee_ids)).astype("int64")[rows]
    return pd.DataFrame(
        {
            "employee_id": employee_ids[rows],
            "skill_id": skill[pick],
            "current": current[pick],
            "confidence": confidence[pick],
            "target_current": target_current[pick],
            "importance_current": importance_current[pick],
            "core": core[pick],
            "target_aspired": target_aspired[pick],
            "importance_aspired": importance_aspired[pick],
            "demand_weight": demand_weight[pick],
            "shortfall_current": shortfall_current[pick],
            "shortfall_aspired": shortfall_aspired[pick],
            "urgency": urgency[pick],
            "leverage": leverage[pick],
            "demand": demand_score[pick],
            "priority": priority[pick],
            "rank": rank_in_groups(rows),
            "aspired_gaps_left": aspired_left,
        }
    )


def _person_weights(gap_weights: pd.DataFrame, employee_ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Each (employee row, skill) key's own weight from ``gap_weights``; 1 where none was set."""
    weight = gap_weights["weight"].to_numpy(dtype="float64")
    if not np.all(np.isfinite(weight) & (weight > 0)):
        bad = gap_weights.loc[~(np.isfinite(weight) & (weight > 0))].iloc[0]
        raise ValueError(
            f"gap_weights: the weight of employee {int(bad.employee_id)}, skill {int(bad.skill_id)} "
            f"is {bad.weight}; a gap's weight must be a number above 0."
        )
    rows = lookup(employee_ids, np.arange(len(employee_ids)), gap_weights["employee_id"].to_numpy(), -1)
    known = rows >= 0
    weight_keys = pair_key(rows[known], gap_weights["skill_id"].to_numpy(dtype="int64")[known])
    return lookup(weight_keys, weight[known], keys, 1.0)


def readiness(*, pairs: pd.DataFrame, requirements: pd.DataFrame, proficiency: pd.DataFrame) -> pd.DataFrame:
    """Readiness of each (employee_id, role_id) pair: the importance-weighted share of the role's
    requirements met, each requirement counting ``min(level / target, 1)``. In [0, 1]; a role with
    no requirements is fully ready. Also counts the requirements still missing.

    Returns pairs with ``readiness`` and ``missing`` columns added.
    """
    pairs = pairs.reset_index(drop=True)
    pair_row, req_row = Groups(requirements["role_id"].to_numpy()).expand(pairs["role_id"].to_numpy(dtype="float64"))
    skill = requirements["skill_id"].to_numpy(dtype="int64")[req_row]
    target = requirements["target_level"].to_numpy(dtype="float64")[req_row]
    importance = requirements["importance"].to_numpy(dtype="float64")[req_row]
    employee = pairs["employee_id"].to_numpy(dtype="int64")[pair_row]
    level = lookup(
        pair_key(proficiency["employee_id"].to_numpy(), proficiency["skill_id"].to_numpy()),
        proficiency["level"].to_numpy(dtype="float64"),
        pair_key(employee, skill),
        0.0,
    )
    met = importance * np.minimum(level / np.where(target > 0, target, 1.0), 1.0)
    n = len(pairs)
    met_sum = np.bincount(pair_row, weights=met, minlength=n)
    weight_sum = np.bincount(pair_row, weights=importance, minlength=n)
    missing = np.bincount(pair_row, weights=(level < target).astype("float64"), minlength=n).astype("int64")
    ready = np.where(weight_sum > 0, met_sum / np.where(weight_sum > 0, weight_sum, 1.0), 1.0)
    return pairs.assign(readiness=np.clip(ready, 0.0, 1.0), missing=missing)
