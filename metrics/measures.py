"""The five outcome metrics of step 8, as pure functions of frames (no database).

Each returns a ``Figure`` (value and how many things it was measured over; the value is None when
there was nothing to measure) for the rows it is given: the caller splits the organisation into
cohorts. Dates are ``datetime64`` columns; ``as_of`` is a ``pandas.Timestamp``.

* Recommendation engagement: of the learning picks delivered in the window that closed at least
  30 days before ``as_of``, the share acted on (accepted, dismissed or completed) within 30 days.
* Skill velocity: on targeted skills (ones a pick was delivered for), the mean change in the
  combined level (the engine's ``current_proficiency``, the same "My level" employees see)
  between the window's start and ``as_of``; pairs without evidence at the start are left out.
* Internal mobility: of the open roles filled in the window (external hires and internal fills),
  the share filled by an internal candidate who had completed a learning pick before the move.
* 12-month retention: of the people employed a year before ``as_of``, the share still employed
  at ``as_of``; split into people enrolled in a development plan (accepted or completed a pick
  in that year) and the rest, overall and per role grade.
* Placements traced to a development path: of the internal placements made in the year, the
  share a development path (learning picks completed before the placement) led to.
* Bench strength: people a reviewer put in a critical role's succession pool who are ready now
  or in about a year, per role and overall (a count, not a share).
* Manager conversation quality: the mean of the post-check-in survey answers (1-5) of check-ins
  held in the window, the employee's (relevant to my goals) and the manager's (saved preparation).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommendations.engine.proficiency import current_proficiency
from recommendations.engine.settings import EngineWeights

ACT_WITHIN = pd.Timedelta(days=30)
RETENTION_YEAR = pd.Timedelta(days=365)


@dataclass(frozen=True)
class Figure:
    value: float | None
    measured: int


def _share(hits: np.ndarray) -> Figure:
    return Figure(float(hits.mean()) if len(hits) else None, int(len(hits)))


def acted_in_time(picks: pd.DataFrame, *, as_of: pd.Timestamp, window: pd.Timedelta) -> tuple[pd.DataFrame, pd.Series]:
    """The picks due (delivered in the window that closed 30 days before ``as_of``: later ones
    still have time) and, for each, whether it was acted on within 30 days."""
    closed = as_of - ACT_WITHIN
    due = picks[(picks["delivered_at"] > closed - window) & (picks["delivered_at"] <= closed)]
    return due, due["acted_at"].notna() & (due["acted_at"] - due["delivered_at"] <= ACT_WITHIN)


def engagement(picks: pd.DataFrame, *, as_of: pd.Timestamp, window: pd.Timedelta) -> Figure:
    """``picks``: delivered_at, acted_at (NaT when never acted on)."""
    return _share(acted_in_time(picks, as_of=as_of, window=window)[1].to_numpy())


def _levels_at(evidence: pd.DataFrame, day: pd.Timestamp, weights: EngineWeights) -> pd.DataFrame:
    seen = evidence[evidence["observed_at"] <= day]
    seen = seen.assign(age_days=(day - seen["observed_at"]).dt.total_seconds() / 86_400)
    return current_proficiency(seen, weights)[["employee_id", "skill_id", "level"]]


def skill_velocity(
    evidence: pd.DataFrame, targeted: pd.DataFrame, *, as_of: pd.Timestamp, window: pd.Timedelta, weights=None
) -> Figure:
    """``evidence``: employee_id, skill_id, level, source, confidence, observed_at; ``targeted``: employee_id,
    skill_id (pairs a pick was delivered for)."""
    weights = weights or EngineWeights()
    evidence = evidence.merge(targeted.drop_duplicates(), on=["employee_id", "skill_id"])
    start = _levels_at(evidence, as_of - window, weights)
    end = _levels_at(evidence, as_of, weights)
    both = start.merge(end, on=["employee_id", "skill_id"], suffixes=("_start", "_end"))
    change = (both["level_end"] - both["level_start"]).to_numpy()
    return Figure(float(change.mean()) if len(change) else None, int(len(change)))


def internal_mobility(
    moves: pd.DataFrame, completions: pd.DataFrame, *, as_of: pd.Timestamp, window: pd.Timedelta
) -> Figure:
    """``moves``: employee_id, kind ("hire" or "internal_fill"), start_date; ``completions``:
    employee_id, completed_at (learning picks completed)."""
    filled = moves[(moves["start_date"] > as_of - window) & (moves["start_date"] <= as_of)]
    first = completions.groupby("employee_id")["completed_at"].min().rename("first_completed")
    filled = filled.join(first, on="employee_id")
    developed = (filled["kind"] == "internal_fill") & (filled["first_completed"] < filled["start_date"])
    return _share(developed.to_numpy())


def retention(people: pd.DataFrame, enrolments: pd.DataFrame, *, as_of: pd.Timestamp) -> dict[str, Figure]:
    """``people``: employee_id, hire_date, termination_date (NaT while employed), grade (of their
    role, NaN for none); ``enrolments``: employee_id, acted_at (picks accepted or completed).

    Keys: "enrolled" and "not enrolled", then the same for each role grade ("enrolled, grade 3"):
    the guide asks for retention segmented by level.
    """
    start = as_of - RETENTION_YEAR
    employed = people[
        (people["hire_date"].isna() | (people["hire_date"] <= start))
        & (people["termination_date"].isna() | (people["termination_date"] > start))
    ]
    stayed = (employed["termination_date"].isna() | (employed["termination_date"] > as_of)).to_numpy()
    that_year = enrolments[(enrolments["acted_at"] > start) & (enrolments["acted_at"] <= as_of)]
    enrolled = employed["employee_id"].isin(that_year["employee_id"]).to_numpy()
    figures = {"enrolled": _share(stayed[enrolled]), "not enrolled": _share(stayed[~enrolled])}
    grade = employed["grade"].to_numpy(dtype="float64")
    for level in np.unique(grade[~np.isnan(grade)]):
        at_level = grade == level
        figures[f"enrolled, grade {level:g}"] = _share(stayed[enrolled & at_level])
        figures[f"not enrolled, grade {level:g}"] = _share(stayed[~enrolled & at_level])
    return figures


def conversation_quality(checkins: pd.DataFrame, *, as_of: pd.Timestamp, window: pd.Timedelta) -> dict[str, Figure]:
    """``checkins``: held_on, employee_relevance, manager_prep_saved (1-5, NaN when unanswered).
    Keys: "employee: relevant to my goals", "manager: saved preparation"."""
    held = checkins[(checkins["held_on"] > as_of - window) & (checkins["held_on"] <= as_of)]
    figures = {}
    for segment, column in [
        ("employee: relevant to my goals", "employee_relevance"),
        ("manager: saved preparation", "manager_prep_saved"),
    ]:
        answers = held[column].dropna().to_numpy(dtype="float64")
        figures[segment] = Figure(float(answers.mean()) if len(answers) else None, int(len(answers)))
    return figures


def placements_traced(placements: pd.DataFrame, *, as_of: pd.Timestamp, window: pd.Timedelta) -> Figure:
    """``placements``: employee_id, placed_on, traced (a development path led to it). Of the
    internal placements made in the window, the share traced to picks completed before them."""
    placed = placements[(placements["placed_on"] > as_of - window) & (placements["placed_on"] <= as_of)]
    return _share(placed["traced"].to_numpy(dtype="float64"))


BENCH_SOON = ("now", "year")


def bench_strength(succession: pd.DataFrame) -> dict[str, Figure]:
    """``succession``: employee_id, critical_id, role, horizon, in_pool (1 when a reviewer put
    them in the pool). Per critical role (segment: its title) and overall (segment ""): how many
    in the pool are ready now or in about a year (value), out of how many in the pool (measured)."""
    pool = succession[succession["in_pool"] == 1]
    soon = pool["horizon"].isin(BENCH_SOON)
    figures = {"": Figure(float(soon.sum()), int(len(pool)))}
    for role in sorted(succession["role"].unique()):
        of_role = (pool["role"] == role).to_numpy()
        figures[str(role)[:40]] = Figure(float(soon.to_numpy()[of_role].sum()), int(of_role.sum()))
    return figures
