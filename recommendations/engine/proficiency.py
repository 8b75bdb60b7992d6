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

from .arrays import pair_key
from .settings import EngineWeights

SUPPORT_RATE = 1.5
SPREAD_FOR_NO_AGREEMENT = 1.5
SINGLE_SOURCE_FACTOR = 0.8

COLUMNS = ["employee_id", "skill_id", "level", "confidence", "n_evidence", "n_sources", "newest_age_days"]


FLOAT_COLUMNS = {"level", "confidence", "newest_age_days"}


def empty() -> pd.DataFrame:
    return pd.DataFrame({name: np.zeros(0, dtype="float64" if name in FLOAT_COLUMNS else "int64") for name in COLUMNS})


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
    age = evidence["age_days"].to_numpy(dtype="float64")
    keys, where = np.unique(
        pair_key(evidence["employee_id"].to_numpy(), evidence["skill_id"].to_numpy()), return_inverse=True
    )
    n = len(keys)
    total = np.bincount(where, weights=w, minlength=n)
    weighted_level = np.bincount(where, weights=w * level, minlength=n)
    weighted_square = np.bincount(where, weights=w * level * level, minlength=n)
    n_evidence = np.bincount(where, minlength=n)
    newest = np.full(n, np.inf)
    np.minimum.at(newest, where, age)
    source_code = pd.Categorical(evidence["source"]).codes.astype("int64")
    distinct = np.unique(where.astype("int64") * 16 + source_code)
    n_sources = np.bincount(distinct // 16, minlength=n)

    safe_total = np.where(total > 0, total, 1.0)
    mean = np.where(total > 0, weighted_level / safe_total, 0.0)
    variance = np.clip(weighted_square / safe_total - mean * mean, 0.0, None)
    support = 1.0 - np.exp(-SUPPORT_RATE * total)
    agreement = 1.0 - np.minimum(np.sqrt(variance) / SPREAD_FOR_NO_AGREEMENT, 1.0)
    corroboration = np.where(n_sources > 1, 1.0, SINGLE_SOURCE_FACTOR)
    return pd.DataFrame(
        {
            "employee_id": keys >> 31,
            "skill_id": keys & ((1 << 31) - 1),
            "level": np.clip(mean, 0.0, 4.0),
            "confidence": np.clip(support * agreement * corroboration, 0.0, 1.0),
            "n_evidence": n_evidence,
            "n_sources": n_sources,
            "newest_age_days": newest,
        }
    )
