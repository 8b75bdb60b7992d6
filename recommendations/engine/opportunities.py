"""Opportunity matching: open internal roles, projects, stretch assignments and mentorship slots,
ranked for each employee, and candidates ranked for each opportunity, each with its reasons.

Inputs:
    opportunities       opportunity_id, kind ("role", "project", "stretch", "mentorship"), role_id (nullable)
    opportunity_skills  opportunity_id, skill_id, target_level, importance
                        (for an open role: its requirements; the caller expands them)
    employees           employee_id, role_id, aspired_role_id
    requirements        role_id, skill_id, target_level, importance  (for the aspiration overlap)
    proficiency         employee_id, skill_id, level
    gaps                employee_id, skill_id, priority               (from ``gaps.compute_gaps``)

Output, one row per employee and opportunity kept (top ``per_employee`` for each employee and
top ``per_opportunity`` for each opportunity):
    employee_id, opportunity_id, score, fit, aspiration, growth, rank_for_employee, rank_for_opportunity

The three reasons, each in [0, 1]:
* fit: readiness against the opportunity's skills (``min(level / target, 1)`` weighted by importance);
* aspiration: 1 when it is the aspired role, else the share of the aspired role's requirements
  (by importance) that the opportunity exercises;
* growth: the share of the employee's gap priority that the opportunity's skills would work on.
The score weighs them by kind: an open role is mostly about fit, a stretch assignment or a
mentorship slot mostly about growth. Computed as dense matrices over the skills opportunities
use (employees x those skills), one opportunity at a time: no Python per employee.
"""

import numpy as np
import pandas as pd

KIND_WEIGHTS = {
    "role": (0.6, 0.3, 0.1),
    "project": (0.35, 0.2, 0.45),
    "stretch": (0.3, 0.2, 0.5),
    "mentorship": (0.2, 0.2, 0.6),
}
MATCH_COLUMNS = [
    "employee_id",
    "opportunity_id",
    "score",
    "fit",
    "aspiration",
    "growth",
    "rank_for_employee",
    "rank_for_opportunity",
]


def _dense(frame: pd.DataFrame, value: str, row_index: pd.Index, skill_index: pd.Index) -> np.ndarray:
    matrix = np.zeros((len(row_index), len(skill_index)), dtype="float32")
    if frame.empty:
        return matrix
    rows = row_index.get_indexer(frame["employee_id"])
    cols = skill_index.get_indexer(frame["skill_id"])
    keep = (rows >= 0) & (cols >= 0)
    np.maximum.at(matrix, (rows[keep], cols[keep]), frame[value].to_numpy(dtype="float32")[keep])
    return matrix


def _top_k_per_row(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column indices of the k best (highest) scores in each row, ranked 1..k."""
    k = min(k, scores.shape[1])
    if k == 0:
        return np.array([], dtype=int), np.array([], dtype=int), np.array([], dtype=int)
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    rows = np.repeat(np.arange(scores.shape[0]), k)
    ranks = np.tile(np.arange(1, k + 1), scores.shape[0])
    return rows, top.ravel(), ranks


def match_opportunities(
    *,
    opportunities: pd.DataFrame,
    opportunity_skills: pd.DataFrame,
    employees: pd.DataFrame,
    requirements: pd.DataFrame,
    proficiency: pd.DataFrame,
    gaps: pd.DataFrame,
    per_employee: int = 5,
    per_opportunity: int = 20,
) -> pd.DataFrame:
    if opportunities.empty or employees.empty:
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in MATCH_COLUMNS})
    people = pd.Index(employees["employee_id"].to_numpy())
    opportunity_ids = opportunities["opportunity_id"].to_numpy()
    # One row per (opportunity, skill) it needs, as positions into dense matrices.
    needs = opportunity_skills[opportunity_skills["opportunity_id"].isin(opportunity_ids)]
    skills = pd.Index(np.unique(needs["skill_id"].to_numpy()))
    need_skill = skills.get_indexer(needs["skill_id"])
    need_opportunity = pd.Index(opportunity_ids).get_indexer(needs["opportunity_id"])
    target = needs["target_level"].to_numpy(dtype="float32")
    importance = needs["importance"].to_numpy(dtype="float32")
    n_opportunities = len(opportunity_ids)
    # (needs x opportunities) weights: summing a needs-column matrix per opportunity is one product.
    by_opportunity = np.zeros((len(needs), n_opportunities), dtype="float32")
    by_opportunity[np.arange(len(needs)), need_opportunity] = 1.0
    importance_total = np.bincount(need_opportunity, weights=importance, minlength=n_opportunities)

    level = _dense(proficiency, "level", people, skills)
    gap_priority = _dense(gaps, "priority", people, skills)
    total_gap_priority = gaps.groupby("employee_id")["priority"].sum().reindex(people).fillna(0).to_numpy()

    # fit: importance-weighted share of each opportunity's needs met
    met = np.minimum(level[:, need_skill] / target, 1.0) * importance
    with np.errstate(divide="ignore", invalid="ignore"):
        fit_all = (met @ by_opportunity) / np.where(importance_total > 0, importance_total, 1.0)
        # growth: share of the employee's gap priority the opportunity's skills work on
        growth_all = np.where(
            total_gap_priority[:, None] > 0,
            (gap_priority[:, need_skill] @ by_opportunity) / total_gap_priority[:, None],
            0.0,
        )

    # aspiration: share of the aspired role's importance the opportunity exercises (1 for the role itself)
    role_ids = pd.Index(np.unique(requirements["role_id"].to_numpy()))
    role_totals = requirements.groupby("role_id")["importance"].sum().reindex(role_ids).to_numpy(dtype="float64")
    exercised = requirements[["role_id", "skill_id", "importance"]].merge(
        needs[["opportunity_id", "skill_id"]].drop_duplicates(), on="skill_id"
    )
    overlap = np.zeros((len(role_ids), n_opportunities))
    np.add.at(
        overlap,
        (
            role_ids.get_indexer(exercised["role_id"]),
            pd.Index(opportunity_ids).get_indexer(exercised["opportunity_id"]),
        ),
        exercised["importance"].to_numpy(dtype="float64"),
    )
    overlap /= np.where(role_totals > 0, role_totals, 1.0)[:, None]
    aspired = employees["aspired_role_id"].to_numpy(dtype="float64")
    aspired_row = role_ids.get_indexer(np.nan_to_num(aspired, nan=-1).astype("int64"))
    aspiration_all = np.where(aspired_row[:, None] >= 0, overlap[np.maximum(aspired_row, 0)], 0.0)
    opportunity_role = opportunities["role_id"].to_numpy(dtype="float64")
    is_open_role = ~np.isnan(opportunity_role)
    aspiration_all = np.where(
        is_open_role[None, :] & (aspired[:, None] == opportunity_role[None, :]), 1.0, aspiration_all
    )

    weights = np.array([KIND_WEIGHTS.get(kind, KIND_WEIGHTS["project"]) for kind in opportunities["kind"]])
    scores = weights[:, 0] * fit_all + weights[:, 1] * aspiration_all + weights[:, 2] * growth_all
    current_role = employees["role_id"].to_numpy(dtype="float64")
    scores = np.where(is_open_role[None, :] & (current_role[:, None] == opportunity_role[None, :]), -1.0, scores)
    scores = scores.astype("float32")

    rows_e, cols_e, rank_e = _top_k_per_row(scores, per_employee)
    cols_o, rows_o, rank_o = _top_k_per_row(scores.T, per_opportunity)
    by_employee = pd.DataFrame({"row": rows_e, "col": cols_e, "rank_for_employee": rank_e})
    by_opportunity = pd.DataFrame({"row": rows_o, "col": cols_o, "rank_for_opportunity": rank_o})
    kept = by_employee.merge(by_opportunity, on=["row", "col"], how="outer")
    row_index = kept["row"].to_numpy()
    col_index = kept["col"].to_numpy()
    result = pd.DataFrame(
        {
            "employee_id": people.to_numpy()[row_index],
            "opportunity_id": opportunity_ids[col_index],
            "score": scores[row_index, col_index],
            "fit": fit_all[row_index, col_index],
            "aspiration": aspiration_all[row_index, col_index],
            "growth": growth_all[row_index, col_index],
            "rank_for_employee": kept["rank_for_employee"].to_numpy(),
            "rank_for_opportunity": kept["rank_for_opportunity"].to_numpy(),
        }
    )
    result = result[result["score"] >= 0]
    return result.sort_values(["employee_id", "score"], ascending=[True, False]).reset_index(drop=True)[MATCH_COLUMNS]
