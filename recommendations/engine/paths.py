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

from .gaps import readiness

DEFAULT_MONTHS = 24.0
MIN_MONTHS = 3.0
DAYS_PER_MONTH = 30.44

PATH_COLUMNS = [
    "employee_id", "role_id", "kind", "via_taxonomy", "moves_observed", "typical_months", "readiness",
    "missing", "months_estimate", "is_aspiration",
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
    return (
        moves.groupby(["from_role_id", "to_role_id"], as_index=False)
        .agg(moves=("months", "size"), months=("months", "median"))
    )


def project_paths(
    *,
    employees: pd.DataFrame,
    requirements: pd.DataFrame,
    proficiency: pd.DataFrame,
    mobility: pd.DataFrame,
    moves: pd.DataFrame,
) -> pd.DataFrame:
    people = employees[["employee_id", "role_id", "aspired_role_id"]]
    current = people.dropna(subset=["role_id"]).astype({"role_id": "int64"})

    # 1. candidates: taxonomy paths, observed moves, the aspired role
    via_taxonomy = current.merge(mobility, left_on="role_id", right_on="from_role_id")[
        ["employee_id", "role_id", "to_role_id", "kind"]
    ]
    via_history = current.merge(moves, left_on="role_id", right_on="from_role_id")[
        ["employee_id", "role_id", "to_role_id"]
    ].assign(kind="observed")
    aspired = people.dropna(subset=["aspired_role_id"])
    via_aspiration = pd.DataFrame(
        {
            "employee_id": aspired["employee_id"].to_numpy(),
            "role_id": aspired["role_id"].to_numpy(),
            "to_role_id": aspired["aspired_role_id"].to_numpy(dtype="int64"),
            "kind": "aspiration",
        }
    )
    candidates = pd.concat([via_taxonomy, via_history, via_aspiration], ignore_index=True)
    if candidates.empty:
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in PATH_COLUMNS})
    # A role reached several ways keeps the taxonomy's kind (promotion, lateral, adjacent) first.
    kind_order = {"promotion": 0, "lateral": 1, "adjacent": 2, "observed": 3, "aspiration": 4}
    candidates["kind_order"] = candidates["kind"].map(kind_order).fillna(5)
    candidates = candidates[candidates["to_role_id"] != candidates["role_id"]]
    candidates = candidates.sort_values(["employee_id", "to_role_id", "kind_order"], kind="stable")
    candidates = candidates.drop_duplicates(["employee_id", "to_role_id"], keep="first")
    taxonomy_pairs = mobility[["from_role_id", "to_role_id"]].assign(via_taxonomy=True)
    candidates = candidates.merge(
        taxonomy_pairs, left_on=["role_id", "to_role_id"], right_on=["from_role_id", "to_role_id"], how="left"
    )
    candidates["via_taxonomy"] = candidates["via_taxonomy"].fillna(False).astype(bool)

    # 2. how long such moves took
    candidates = candidates.merge(
        moves, left_on=["role_id", "to_role_id"], right_on=["from_role_id", "to_role_id"], how="left",
        suffixes=("", "_observed"),
    )
    if not moves.empty:
        by_kind = candidates.dropna(subset=["months"]).groupby("kind")["months"].median()
        fallback = candidates["kind"].map(by_kind).fillna(DEFAULT_MONTHS)
    else:
        fallback = pd.Series(DEFAULT_MONTHS, index=candidates.index)
    candidates["typical_months"] = candidates["months"].fillna(fallback).astype("float64")
    candidates["moves_observed"] = candidates["moves"].fillna(0).astype("int64")

    # 3. readiness and the estimate
    pairs = pd.DataFrame(
        {"employee_id": candidates["employee_id"].to_numpy(), "role_id": candidates["to_role_id"].to_numpy()}
    )
    scored = readiness(pairs=pairs, requirements=requirements, proficiency=proficiency)
    ready = scored["readiness"].fillna(1.0).to_numpy()
    remaining = candidates["typical_months"].to_numpy() * (1.0 - ready)
    months_estimate = np.where(ready >= 1.0, 0.0, np.maximum(remaining, MIN_MONTHS))
    aspired_of = people.set_index("employee_id")["aspired_role_id"]
    is_aspiration = candidates["employee_id"].map(aspired_of).to_numpy(dtype="float64") == candidates[
        "to_role_id"
    ].to_numpy(dtype="float64")
    result = pd.DataFrame(
        {
            "employee_id": candidates["employee_id"].to_numpy(dtype="int64"),
            "role_id": candidates["to_role_id"].to_numpy(dtype="int64"),
            "kind": candidates["kind"].to_numpy(),
            "via_taxonomy": candidates["via_taxonomy"].to_numpy(),
            "moves_observed": candidates["moves_observed"].to_numpy(),
            "typical_months": candidates["typical_months"].to_numpy(),
            "readiness": ready,
            "missing": scored["missing"].fillna(0).to_numpy(dtype="int64"),
            "months_estimate": np.round(months_estimate, 1),
            "is_aspiration": is_aspiration,
        }
    )
    return result.sort_values(["employee_id", "is_aspiration", "readiness"], ascending=[True, False, False]).reset_index(
        drop=True
    )[PATH_COLUMNS]
