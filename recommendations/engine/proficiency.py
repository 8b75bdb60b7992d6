"""Current proficiency per employee and skill, from all the evidence, with a confidence.

Input frame ``evidence`` (one row per observation):
    employee_id int, skill_id int, level int 0-4, source str, age_days float >= 0, confidence float 0-1

Output frame (one row per employee and skill with evidence):
    employee_id, skill_id, level float 0-4, confidence float 0-1, n_evidence int, n_sources int,
    newest_age_days float

How it combines, in order:
1. Each observation weighs ``source weight x its own confidence x 0.5 ** (age / half-life)``:
   assessments and managers count more than self-ratings, and old evidence fades.
2. The level is the weighted mean of the observed levels.
3. The confidence multiplies three things that each fall in [0, 1]:
   * support, ``1 - exp(-1.5 x total weight)``: one fresh manager rating gives 0.74, more and
     fresher evidence pushes it towards 1, old or self-only evidence keeps it low;
   * agreement, ``1 - weighted spread / 1.5``: self says 4 and manager says 1 gives a spread of
     about 1.5 levels and so almost no confidence;
   * corroboration: 0.8 when every observation came from one source, 1 otherwise.
All of it is column arithmetic and one grouped sum: no Python per employee.
"""

import numpy as np
import pandas as pd

from .settings import EngineWeights

SUPPORT_RATE = 1.5
SPREAD_FOR_NO_AGREEMENT = 1.5
SINGLE_SOURCE_FACTOR = 0.8

COLUMNS = ["employee_id", "skill_id", "level", "confidence", "n_evidence", "n_sources", "newest_age_days"]


def empty() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="float64" if name in {"level", "confidence", "newest_age_days"} else "int64") for name in COLUMNS})


def observation_weights(evidence: pd.DataFrame, weights: EngineWeights) -> np.ndarray:
    source_weight = evidence["source"].map(weights.source_weights).fillna(0.0).to_numpy(dtype="float64")
    decay = np.power(0.5, evidence["age_days"].to_numpy(dtype="float64") / weights.half_life_days)
    return source_weight * evidence["confidence"].to_numpy(dtype="float64") * decay


def current_proficiency(evidence: pd.DataFrame, weights: EngineWeights | None = None) -> pd.DataFrame:
    weights = weights or EngineWeights()
    if evidence.empty:
        return empty()
    w = observation_weights(evidence, weights)
    level = evidence["level"].to_numpy(dtype="float64")
    frame = pd.DataFrame(
        {
            "employee_id": evidence["employee_id"].to_numpy(),
            "skill_id": evidence["skill_id"].to_numpy(),
            "w": w,
            "wl": w * level,
            "wl2": w * level * level,
            "age": evidence["age_days"].to_numpy(dtype="float64"),
            "source": evidence["source"].to_numpy(),
        }
    )
    grouped = frame.groupby(["employee_id", "skill_id"], sort=False)
    sums = grouped[["w", "wl", "wl2"]].sum()
    stats = grouped.agg(n_evidence=("w", "size"), newest_age_days=("age", "min"), n_sources=("source", "nunique"))
    total = sums["w"].to_numpy()
    safe_total = np.where(total > 0, total, 1.0)
    mean = np.where(total > 0, sums["wl"].to_numpy() / safe_total, 0.0)
    variance = np.clip(sums["wl2"].to_numpy() / safe_total - mean * mean, 0.0, None)
    support = 1.0 - np.exp(-SUPPORT_RATE * total)
    agreement = 1.0 - np.minimum(np.sqrt(variance) / SPREAD_FOR_NO_AGREEMENT, 1.0)
    n_sources = stats["n_sources"].to_numpy()
    corroboration = np.where(n_sources > 1, 1.0, SINGLE_SOURCE_FACTOR)
    result = pd.DataFrame(
        {
            "level": np.clip(mean, 0.0, 4.0),
            "confidence": np.clip(support * agreement * corroboration, 0.0, 1.0),
            "n_evidence": stats["n_evidence"].to_numpy(),
            "n_sources": n_sources,
            "newest_age_days": stats["newest_age_days"].to_numpy(),
        },
        index=sums.index,
    ).reset_index()
    return result[COLUMNS]
