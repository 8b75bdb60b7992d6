"""Current proficiency per employee and skill, from all the evidence, with a confidence.

Input frame ``evidence`` (one row per observation):
    employee_id int, skill_id int, level int 0-4, source str, age_days float >= 0, confidence float 0-1
    (other columns, such as observed_at, are ignored)

Output frame (one row per employee and skill with evidence):
    employee_id, skill_id, level float 0-4 (always a whole level), confidence float 0-1,
    n_evidence int, n_sources int, newest_age_days float, and the observation the level came
    from: basis_row (its position in ``evidence``), basis_source, basis_age_days

A level is read, not averaged: it is the level one observation recorded, and the page can say
which ("level 3: skills assessment of 15 Apr 2026"). How it is chosen, in order:

1. **Strength.** Each observation weighs ``source weight x its own confidence x
   0.5 ** (age / half-life)`` (HR's engine settings: assessment 1.0, quarterly review 0.95,
   manager 0.9, learning 0.6, self 0.5, peer 0.5, inferred 0.4; half-life one year). Two observations age at the same rate, so which
   of them is stronger never changes with time alone.
2. **The newest word of each kind.** Per source, the newest observation supersedes the older
   ones: a new assessment replaces the last assessment, it is not averaged with it (ties on the
   same day: the more confident, then the higher).
3. **The anchor.** Of those words from sources that rate a person (assessment, manager, self,
   inferred: everything but learning), the strongest gives the level (ties: the more trusted
   source, then the newer). A weaker source therefore never outvotes a stronger one, in either
   direction.
4. **Learning as a floor.** A learning completion claims a level (the completed item's level,
   at most one above where the person stood). Each claim holds until a rating that is newer
   and at least as strong as the claim supersedes it (the assessment after the course measured
   what the course left). The level is the anchor's, raised to the highest claim that still
   holds, and the basis is that claim when it is higher than the anchor. Learning is never an
   anchor and never lowers anything: finishing a course can only keep a level or raise it.
5. **Confidence** multiplies three things that each fall in [0, 1], over the words that count
   (the newest word of each rating source, and of learning the claim that holds, else the
   newest claim):
   * support, ``1 - exp(-1.5 x their total strength)``: one fresh manager rating gives 0.74;
     old, low-confidence or self-only words keep it low;
   * agreement, ``1 - spread / 1.5``, the spread being the strength-weighted root mean square
     distance of the words from the chosen level: self says 4 and manager says 1 leaves almost
     no confidence; a course completed at level 2 that a later assessment put at 0 lowers it;
   * corroboration: 0.8 when every observation came from one source, 1 otherwise.

All of it is sorting, grouped firsts and one ragged join in numpy: no Python per employee. The
invariants (learning never lowers a level, a newer word of one kind supersedes the older, a
lower level from a weaker source does not outvote a stronger one, confidence falls with age,
a single source and contradiction) are property-tested in ``tests/test_engine.py``.
"""

import numpy as np
import pandas as pd

from .arrays import Groups, group_starts, pair_key
from .settings import EngineWeights

SUPPORT_RATE = 1.5
SPREAD_FOR_NO_AGREEMENT = 1.5
SINGLE_SOURCE_FACTOR = 0.8
KEY_DIGITS = 9
LEARNING = "learning"
"""The one source whose observations are claims (a floor), never a rating of the person."""

COLUMNS = [
    "employee_id",
    "skill_id",
    "level",
    "confidence",
    "n_evidence",
    "n_sources",
    "newest_age_days",
    "basis_row",
    "basis_source",
    "basis_age_days",
]
FLOAT_COLUMNS = {"level", "confidence", "newest_age_days", "basis_age_days"}


def empty() -> pd.DataFrame:
    frame = pd.DataFrame({name: np.zeros(0, dtype="float64" if name in FLOAT_COLUMNS else "int64") for name in COLUMNS})
    return frame.astype({"basis_source": "object"})


def observation_weights(evidence: pd.DataFrame, weights: EngineWeights) -> np.ndarray:
    """Step 1: each observation's strength."""
    return np.exp2(strength_keys(evidence, weights))


def strength_keys(evidence: pd.DataFrame, weights: EngineWeights) -> np.ndarray:
    """log2 of each observation's strength, the undecayed part rounded, so that observations of
    equal source weight x confidence and age tie exactly and which of two is stronger does not
    depend on the day it is computed (the decay then shifts every key by the same amount)."""
    undecayed = _source_weights(evidence, weights) * evidence["confidence"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore"):
        undecayed_key = np.round(np.log2(undecayed), KEY_DIGITS)
    return undecayed_key - evidence["age_days"].to_numpy(dtype="float64") / weights.half_life_days


def _source_weights(evidence: pd.DataFrame, weights: EngineWeights) -> np.ndarray:
    return evidence["source"].astype("object").map(weights.source_weights).fillna(0.0).to_numpy(dtype="float64")


def _best(candidates: np.ndarray, group: np.ndarray, size: int, score: np.ndarray, ties: tuple) -> np.ndarray:
    """Per group id (0 to ``size`` - 1): the candidate row with the highest ``score``, ties broken
    by ``ties`` (``np.lexsort`` keys over all rows, the last one first); -1 where a group has no
    candidate. A grouped maximum, and a sort of the few tied rows only: sorting every row by four
    keys cost more than the rest of the engine together."""
    best = np.full(size, -1, dtype="int64")
    if len(candidates) == 0:
        return best
    top = np.full(size, -np.inf)
    np.maximum.at(top, group[candidates], score[candidates])
    tied = candidates[score[candidates] == top[group[candidates]]]
    alone = np.bincount(group[tied], minlength=size)[group[tied]] == 1
    best[group[tied[alone]]] = tied[alone]
    rest = tied[~alone]
    if len(rest):
        order = np.lexsort((*(key[rest] for key in ties), group[rest]))
        firsts = rest[order[group_starts(group[rest][order])]]
        best[group[firsts]] = firsts
    return best


def current_proficiency(evidence: pd.DataFrame, weights: EngineWeights | None = None) -> pd.DataFrame:
    """The level and confidence per employee and skill, by the steps of the module docstring."""
    weights = weights or EngineWeights()
    if evidence.empty:
        return empty()
    key = strength_keys(evidence, weights)
    strength = np.exp2(key)
    source_weight = _source_weights(evidence, weights)
    level = evidence["level"].to_numpy(dtype="float64")
    age = evidence["age_days"].to_numpy(dtype="float64")
    confidence = evidence["confidence"].to_numpy(dtype="float64")
    source_code, source_names = pd.factorize(evidence["source"].astype("object"))
    source_code = source_code.astype("int64")
    learning = source_code == (list(source_names).index(LEARNING) if LEARNING in source_names else -1)
    keys, pair = np.unique(
        pair_key(evidence["employee_id"].to_numpy(), evidence["skill_id"].to_numpy()), return_inverse=True
    )
    pair = pair.astype("int64")
    n = len(keys)
    rows = np.arange(len(evidence))

    # 2. the newest word of each source (then the most confident, the highest); for learning that
    # is the newest claim, which confidence uses when no claim holds
    sources = len(source_names)
    newest = _best(rows, pair * sources + source_code, n * sources, -age, (-level, -confidence))
    firsts = newest[newest >= 0]
    words = firsts[~learning[firsts]]
    newest_claims = firsts[learning[firsts]]

    # 3. the anchor: the strongest word per pair (then the more trusted source, the newer, the higher)
    anchor = _best(words, pair, n, key, (-level, age, -source_weight))

    # 4. learning claims hold unless a newer word at least as strong supersedes them; the floor is
    # the highest claim that holds (then the newest, the strongest)
    claims = rows[learning]
    claim_of, word_of = Groups(pair[words]).expand(pair[claims])
    superseding = words[word_of]
    claimed = claims[claim_of]
    beaten = (age[superseding] < age[claimed]) & (key[superseding] >= key[claimed])
    superseded = np.bincount(claim_of[beaten], minlength=len(claims)) > 0
    floor = _best(claims[~superseded], pair, n, level, (-key, age))
    learning_word = np.full(n, -1, dtype="int64")
    learning_word[pair[newest_claims]] = newest_claims
    learning_word = np.where(floor >= 0, floor, learning_word)

    anchor_level = np.where(anchor >= 0, level[anchor], -1.0)
    floor_level = np.where(floor >= 0, level[floor], -1.0)
    basis = np.where(floor_level > anchor_level, floor, anchor)
    chosen = level[basis]

    # 5. confidence over the words that count
    counted = np.concatenate([words, learning_word[learning_word >= 0]])
    w = strength[counted]
    distance = level[counted] - chosen[pair[counted]]
    total = np.bincount(pair[counted], weights=w, minlength=n)
    square = np.bincount(pair[counted], weights=w * distance * distance, minlength=n)
    spread = np.sqrt(np.where(total > 0, square / np.where(total > 0, total, 1.0), 0.0))
    support = 1.0 - np.exp(-SUPPORT_RATE * total)
    agreement = 1.0 - np.minimum(spread / SPREAD_FOR_NO_AGREEMENT, 1.0)
    n_sources = np.bincount(pair[firsts], minlength=n)  # one word per source present
    corroboration = np.where(n_sources > 1, 1.0, SINGLE_SOURCE_FACTOR)
    newest_age = np.full(n, np.inf)
    np.minimum.at(newest_age, pair, age)
    return pd.DataFrame(
        {
            "employee_id": keys >> 31,
            "skill_id": keys & ((1 << 31) - 1),
            "level": np.clip(chosen, 0.0, 4.0),
            "confidence": np.clip(support * agreement * corroboration, 0.0, 1.0),
            "n_evidence": np.bincount(pair, minlength=n),
            "n_sources": n_sources,
            "newest_age_days": newest_age,
            "basis_row": basis,
            "basis_source": np.asarray(source_names, dtype="object")[source_code[basis]],
            "basis_age_days": age[basis],
        }
    )
