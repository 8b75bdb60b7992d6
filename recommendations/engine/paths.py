"""Career paths: the plausible next roles for each employee, with readiness and a time estimate.

Inputs:
    employees     employee_id, role_id, aspired_role_id
    requirements  role_id, skill_id, target_level, importance
    proficiency   employee_id, skill_id, level
    mobility      from_role_id, to_role_id, kind        (the taxonomy's mobility paths)
    moves         from_role_id, to_role_id, moves, months (``observed_moves`` of the role history)

Output, one row per employee and candidate role:
    employee_id, role_id, kind, via_taxonomy, moves_observed, typical_months, readiness, missing,
    months_estimate, is_aspiration

1. Candidates are the roles the taxonomy's mobility paths lead to from the current role, the
   roles people in the same role actually moved to (from role history), and the aspired role,
   which is always shown, reachable or not (``kind`` is "aspiration" when no path leads there).
2. Observed moves give how long such a move took: the median months from starting the old role
   to starting the new one. Without observations, the median of all observed moves of the same
   kind, else ``DEFAULT_MONTHS``.
3. Readiness is ``gaps.readiness``; the time estimate scales the typical duration by what is left
   (``typical x (1 - readiness)``, at least ``MIN_MONTHS`` unless fully ready).
"""

import numpy as np
import pandas as pd

from .arrays import Groups, lookup, pair_key
from .gaps import readiness

DEFAULT_MONTHS = 24.0
MIN_MONTHS = 3.0
DAYS_PER_MONTH = 30.44

PATH_COLUMNS = [
    "employee_id",
    "role_id",
    "kind",
    "via_taxonomy",
    "moves_observed",
    "typical_months",
    "readiness",
    "missing",
    "months_estimate",
    "is_aspiration",
]


def observed_moves(history: pd.DataFrame) -> pd.DataFrame:
    """Consecutive role changes in the history: from_role_id, to_role_id, moves, median months."""
    if history.empty:
        return pd.DataFrame(columns=["from_role_id", "to_role_id", "moves", "months"])
    ordered = history.sort_values(["employee_id", "start_date"], kind="stable")
    same_person = ordered["employee_id"].to_numpy()[1:] == ordered["employee_id"].to_numpy()[:-1]
    from_role = ordered["role_id"].to_numpy()[:-1][same_person]
    to_role = ordered["role_id"].to_numpy()[1:][same_person]
    start = pd.to_datetime(ordered["start_date"]).to_numpy()
    months = (start[1:] - start[:-1])[same_person] / np.timedelta64(1, "D") / DAYS_PER_MONTH
    moves = pd.DataFrame({"from_role_id": from_role, "to_role_id": to_role, "months": months})
    moves = moves[moves["from_role_id"] != moves["to_role_id"]]
    return moves.groupby(["from_role_id", "to_role_id"], as_index=False).agg(
        moves=("months", "size"), months=("months", "median")
    )


KIND_ORDER = {"promotion": 0, "lateral": 1, "adjacent": 2, "observed": 3, "aspiration": 4}
KIND_NAMES = np.array(list(KIND_ORDER))


def project_paths(
    *,
    employees: pd.DataFrame,
    requirements: pd.DataFrame,
    proficiency: pd.DataFrame,
    mobility: pd.DataFrame,
    moves: pd.DataFrame,
) -> pd.DataFrame:
    employee_ids = employees["employee_id"].to_numpy(dtype="int64")
    role = employees["role_id"].to_numpy(dtype="float64")
    aspired = employees["aspired_role_id"].to_numpy(dtype="float64")

    # 1. candidates: taxonomy paths, observed moves, the aspired role
    by_from = Groups(mobility["from_role_id"].to_numpy())
    tax_employee, tax_row = by_from.expand(role)
    tax_kind = mobility["kind"].map(KIND_ORDER).fillna(KIND_ORDER["adjacent"]).to_numpy(dtype="int64")
    by_move = Groups(moves["from_role_id"].to_numpy())
    move_employee, move_row = by_move.expand(role)
    has_goal = ~np.isnan(aspired)
    goal_employee = np.flatnonzero(has_goal)
    candidate_employee = np.concatenate([tax_employee, move_employee, goal_employee])
    candidate_role = np.concatenate(
        [
            mobility["to_role_id"].to_numpy(dtype="int64")[tax_row],
            moves["to_role_id"].to_numpy(dtype="int64")[move_row],
            aspired[goal_employee].astype("int64"),
        ]
    )
    candidate_kind = np.concatenate(
        [
            tax_kind[tax_row],
            np.full(len(move_row), KIND_ORDER["observed"]),
            np.full(len(goal_employee), KIND_ORDER["aspiration"]),
        ]
    )
    not_current = candidate_role != np.nan_to_num(role[candidate_employee], nan=-1).astype("int64")
    candidate_employee, candidate_role, candidate_kind = (
        candidate_employee[not_current],
        candidate_role[not_current],
        candidate_kind[not_current],
    )
    if len(candidate_employee) == 0:
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in PATH_COLUMNS})
    # A role reached several ways keeps the taxonomy's kind (promotion, lateral, adjacent) first.
    order = np.lexsort((candidate_kind, candidate_role, candidate_employee))
    candidate_employee, candidate_role, candidate_kind = (
        candidate_employee[order],
        candidate_role[order],
        candidate_kind[order],
    )
    first = np.r_[
        True, (candidate_employee[1:] != candidate_employee[:-1]) | (candidate_role[1:] != candidate_role[:-1])
    ]
    candidate_employee, candidate_role, candidate_kind = (
        candidate_employee[first],
        candidate_role[first],
        candidate_kind[first],
    )
    from_role = np.nan_to_num(role[candidate_employee], nan=-1).astype("int64")
    path_keys = pair_key(np.maximum(from_role, 0), candidate_role)
    via_taxonomy = np.isin(
        path_keys,
        pair_key(mobility["from_role_id"].to_numpy(dtype="int64"), mobility["to_role_id"].to_numpy(dtype="int64")),
    ) & (from_role >= 0)

    # 2. how long such moves took
    move_keys = pair_key(moves["from_role_id"].to_numpy(dtype="int64"), moves["to_role_id"].to_numpy(dtype="int64"))
    observed_count = lookup(move_keys, moves["moves"].to_numpy(dtype="float64"), path_keys, 0.0)
    observed_count = np.where(from_role >= 0, observed_count, 0.0)
    observed_months = lookup(move_keys, moves["months"].to_numpy(dtype="float64"), path_keys, np.nan)
    observed_months = np.where(from_role >= 0, observed_months, np.nan)
    typical = np.full(len(candidate_kind), DEFAULT_MONTHS)
    for kind in np.unique(candidate_kind):
        of_kind = candidate_kind == kind
        seen = observed_months[of_kind & ~np.isnan(observed_months)]
        if len(seen):
            typical[of_kind] = np.median(seen)
    typical = np.where(np.isnan(observed_months), typical, observed_months)

    # 3. readiness and the estimate
    scored = readiness(
        pairs=pd.DataFrame({"employee_id": employee_ids[candidate_employee], "role_id": candidate_role}),
        requirements=requirements,
        proficiency=proficiency,
    )
    ready = scored["readiness"].to_numpy()
    remaining = typical * (1.0 - ready)
    months_estimate = np.where(ready >= 1.0, 0.0, np.maximum(remaining, MIN_MONTHS))
    is_aspiration = np.nan_to_num(aspired[candidate_employee], nan=-1).astype("int64") == candidate_role
    result = pd.DataFrame(
        {
            "employee_id": employee_ids[candidate_employee],
            "role_id": candidate_role,
            "kind": KIND_NAMES[candidate_kind],
            "via_taxonomy": via_taxonomy,
            "moves_observed": observed_count.astype("int64"),
            "typical_months": typical,
            "readiness": ready,
            "missing": scored["missing"].to_numpy(dtype="int64"),
            "months_estimate": np.round(months_estimate, 1),
            "is_aspiration": is_aspiration,
        }
    )
    order = np.lexsort(
        (-result["readiness"].to_numpy(), ~result["is_aspiration"].to_numpy(), result["employee_id"].to_numpy())
    )
    return result.iloc[order].reset_index(drop=True)[PATH_COLUMNS]
