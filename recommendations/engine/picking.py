"""Picking learning: which catalogue items close which gaps, scored, with three shown per person.

Pure numpy/pandas over integer ids (``recommendations.learning`` reads and writes around it). The
same functions run for one employee (an event) and for a hundred thousand (the nightly run).

"Format" below means the kind of learning, the resource's ``kind`` (course, certification,
mentorship, stretch, peer): what an employee finishes or abandons and what the three shown
should vary over. The delivery mode (``format``: self-paced, live, in person ...) is not used.

Inputs (frames, integer ids):
    gaps            employee_id, skill_id, current, target_current, target_aspired, priority, rank,
                    confidence, shortfall_current, shortfall_aspired, demand  (``gaps.compute_gaps``)
    resources       resource_id, kind, format, hours, active [, mentor_id]
    resource_skills resource_id, skill_id, from_level 0-3, to_level 1-4
    skill_kinds     skill_id, kind (technical / leadership / interpersonal / domain)
    history         employee_id, resource_id, status: what the employee completed, has in
                    progress, abandoned or dismissed. Every pair listed is excluded.
    engagement      employee_id, format (a resource kind), records, completed, minutes: the
                    employee's own learning records by format (an LMS record of an activity
                    outside the catalogue counts as a course)
    resource_stats  resource_id, completion_rate, uplift, n [, uplift_n]: each resource's record
                    among everyone (see ``resource_stats``); raw, smoothed here

``candidate_features`` gives one row per (employee, resource) candidate with the FEATURES
columns; a scorer (``Scorer``: the heuristic here, or the trained model) maps those to scores;
``pick`` ranks per employee and marks the few shown. ``recommendation_confidence`` says how
sure the pick is (``learning_path`` orders the steps toward the aspired role). ``prepare`` turns
the catalogue frames into sorted arrays once, so picking for one employee takes milliseconds.

Candidates, in order:
1. the employee's top ``TOP_GAPS`` gaps by rank;
2. active resources listing that skill whose ``to_level`` is above the current level and whose
   ``from_level`` is below the gap's target and at most half a level above the current level
   (no masterclass at level 0, nothing that starts beyond what the goal needs);
3. never a pair in ``history`` (completed, in progress, abandoned, dismissed, accepted), never a
   mentorship with oneself;
3b. effort per level (``hours_per_level``): an item whose hours per level it closes for this
   person exceed ``MAX_HOURS_PER_LEVEL`` is not a candidate for a gap that some proportionate item
   serves; when none does, it stays (its reason then says it is a long commitment);
4. one row per (employee, resource): a resource that works on several of the top gaps is kept
   for its highest-ranked gap and counts the others in ``gaps_covered``; and only the resources
   of the ``COVERED_GAPS`` best-ranked gaps that have any (so a gap the catalogue does not
   cover does not leave the employee with fewer picks).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .arrays import Groups, group_starts, lookup, pair_key, rank_in_groups

TOP_GAPS = 8
"""How deep into the employee's ranked gaps the catalogue is searched: the picks still come from the
``COVERED_GAPS`` best-ranked gaps that have an item, so a deeper search only matters when the top
gaps have none left (someone who took every item at their level for them)."""
COVERED_GAPS = 3
"""Candidates come from this many best-ranked gaps that some resource covers."""
MAX_START_ABOVE = 0.5
"""A resource may start at most this far above the current level (level_fit 0.5 or more)."""
SHOWN = 3
KEEP = 8
"""Rows kept per employee: the three shown and the rest available on request."""
DEMAND_TARGET_LEVEL = 3
"""The level a demanded skill should reach when neither role names it (as in ``EngineWeights``)."""

MAX_HOURS_PER_LEVEL = 40.0
"""Hours per level closed above which an item is a long commitment for the gap it would serve.

A working week of learning for one proficiency level: the size of the longest single-step items
a learning designer builds (an in-person lab of 14 hours, a 21-hour bootcamp over two levels, a
30-40 hour stretch assignment, a 12-hour mentorship), and about what a person can fit around
their job in a quarter at three hours a week. Above it an item is a programme (a 180-hour
certificate, a 200-hour professional credential) whose worth lies in the credential or in
several levels at once, not in the one level step a person is short. An absolute bound, not one
relative to the alternatives, because the cost is the person's time whatever else the catalogue
holds; the alternatives decide only whether the long item is dropped (a proportionate one
exists for that gap) or offered with the long commitment said."""
MIN_LEVELS_CLOSED = 0.5
"""The fewest levels an item counts as closing when weighing its hours: levels are estimates,
and a 2.9 that an item takes to 3 would otherwise make a 4-hour course look like 40 hours a level."""

KINDS = ("course", "certification", "mentorship", "stretch", "peer")
EXTERNAL_FORMAT = "course"
"""The format of an LMS record whose activity is not in the catalogue: an external course."""

FORMAT_PRIOR = 3.0
"""An employee's own completion rate in a format counts like this many records of the org rate."""
RESOURCE_PRIOR = 5.0
"""A resource's completion rate and uplift count like this many records of the prior."""
NEUTRAL_COMPLETION = 0.6
"""The completion rate assumed when nobody has any record in a format."""

KIND_FIT = {
    # Structured learning for technical skills; practice with others for leadership and
    # interpersonal ones; domain knowledge comes from anywhere.
    "technical": {"course": 1.0, "certification": 1.0, "peer": 0.6, "mentorship": 0.5, "stretch": 0.5},
    "leadership": {"mentorship": 1.0, "stretch": 1.0, "peer": 0.8, "course": 0.4, "certification": 0.3},
    "interpersonal": {"mentorship": 1.0, "stretch": 0.9, "peer": 1.0, "course": 0.4, "certification": 0.3},
    "domain": dict.fromkeys(KINDS, 1.0),
}
UNKNOWN_KIND_FIT = 0.7
SKILL_KINDS = tuple(KIND_FIT)
KIND_FIT_TABLE = np.array(
    [
        [KIND_FIT.get(skill_kind, {}).get(kind, UNKNOWN_KIND_FIT) for kind in (*KINDS, "unknown")]
        for skill_kind in (*SKILL_KINDS, "unknown")
    ]
)
"""KIND_FIT as a matrix: [skill kind code, resource kind code], unknown kinds last."""

FEATURES: list[str] = [
    "gap_priority",  # the gap's priority (urgency, leverage, demand with HR's weights), 0-1
    "gap_rank",  # the gap's rank for the employee, 1 = most important
    "gap_confidence",  # confidence in the employee's current level in the skill, 0-1
    "shortfall",  # levels between the current level and the goal's target
    "closes_share",  # share of that shortfall this resource closes, 0-1
    "level_fit",  # 1 when from_level <= current < to_level; lower when it starts above or below
    "kind_fit",  # how well the format suits the skill's kind, 0-1 (KIND_FIT)
    "format_completion_rate",  # the employee's completion rate in this format, smoothed to the org rate
    "format_engagement",  # log1p of the employee's mean minutes per record in this format
    "resource_completion_rate",  # this resource's completion rate among everyone, smoothed
    "resource_uplift",  # mean level rise after completing it, shrunk toward 0 with little data
    "resource_evidence",  # log1p of the records behind the resource's figures
    "log_hours",  # log1p of the expected hours
    "gaps_covered",  # how many of the employee's top gaps the resource works on
    "is_aspired_goal",  # 1 when the gap stands between the employee and the aspired role
    "is_current_goal",  # 1 when the current role needs the skill higher
    *(f"kind_{kind}" for kind in KINDS),  # one-hot format, for a model to learn preferences
]

CANDIDATE_COLUMNS = [
    "employee_id",
    "resource_id",
    "skill_id",
    "goal",
    "current_level",
    "reaches_level",
    "gap_priority",
    "gap_rank",
    "target_level",
    "kind",
]
"""The identifying columns ``candidate_features`` returns besides FEATURES (one row per pair)."""

Scorer = Callable[[pd.DataFrame], np.ndarray]
"""Maps a candidate frame (with the FEATURES columns) to one score per row; higher is better."""


# --- candidates and features -----------------------------------------------------------------


def _codes(values, vocabulary) -> np.ndarray:
    """Integer code of each value in ``vocabulary`` (len(vocabulary) when unknown or missing)."""
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    vocabulary = list(vocabulary)
    table = [vocabulary.index(value) if value in vocabulary else len(vocabulary) for value in distinct]
    return np.array([*table, len(vocabulary)], dtype="int64")[codes]


def _float(frame: pd.DataFrame, name: str, default=np.nan) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), default, dtype="float64")
    return frame[name].to_numpy(dtype="float64", na_value=np.nan)


def empty_candidates() -> pd.DataFrame:
    columns = {name: np.zeros(0, dtype="int64") for name in ("employee_id", "resource_id", "skill_id", "reaches_level")}
    columns.update({name: np.zeros(0, dtype=object) for name in ("goal", "kind")})
    for name in ("current_level", "gap_priority", "gap_rank", "target_level", *FEATURES):
        columns.setdefault(name, np.zeros(0, dtype="float64"))
    return pd.DataFrame(columns)[[*CANDIDATE_COLUMNS, *[f for f in FEATURES if f not in CANDIDATE_COLUMNS]]]


def gap_targets(gaps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The level each gap aims for (the higher role target, or the demand level) and the shortfall."""
    current = _float(gaps, "current", 0.0)
    role_target = np.fmax(
        np.nan_to_num(_float(gaps, "target_current"), nan=0.0), np.nan_to_num(_float(gaps, "target_aspired"), nan=0.0)
    )
    target = np.where(role_target > current, role_target, np.maximum(role_target, DEMAND_TARGET_LEVEL))
    return target, np.clip(target - current, 0.0, None)


def goal_of(shortfall_current: np.ndarray, shortfall_aspired: np.ndarray) -> np.ndarray:
    current = np.nan_to_num(shortfall_current, nan=0.0) > 0
    aspired = np.nan_to_num(shortfall_aspired, nan=0.0) > 0
    return np.select([current & aspired, current, aspired], ["both", "current", "aspired"], "demand").astype(object)


def format_rates(*, resource_stats: pd.DataFrame, resources: pd.DataFrame) -> np.ndarray:
    """The organisation's completion rate per format (KINDS order, then 'unknown'), from the
    records behind every resource; the overall rate where a format has none."""
    n = _float(resource_stats, "n", 0.0)
    rate = np.nan_to_num(_float(resource_stats, "completion_rate", 0.0))
    kind = lookup(
        resources["resource_id"].to_numpy(dtype="int64"),
        _codes(resources["kind"].to_numpy(), KINDS),
        resource_stats["resource_id"].to_numpy(dtype="int64"),
        len(KINDS),
    )
    completed = np.bincount(kind, weights=rate * n, minlength=len(KINDS) + 1)
    records = np.bincount(kind, weights=n, minlength=len(KINDS) + 1)
    overall = completed.sum() / records.sum() if records.sum() > 0 else NEUTRAL_COMPLETION
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(records > 0, completed / np.where(records > 0, records, 1.0), overall)


def level_fit_of(*, from_level: np.ndarray, to_level: np.ndarray, current: np.ndarray) -> np.ndarray:
    """How well a step starts where the employee is, 0-1.

    * 1 when it starts at or just below the current level (``from_level <= current < from_level + 1``);
    * starting above: ``1 - (from_level - current)`` (half a level above: 0.5; a level above: 0);
    * starting a whole level or more below: the share of the step that is new to the employee,
      ``(to_level - current) / (to_level - from_level)`` (from 0 to 3 at level 2: a third).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        new_share = np.where(to_level > from_level, (to_level - current) / (to_level - from_level), 0.0)
    return np.clip(
        np.select([from_level > current, current >= from_level + 1.0], [1.0 - (from_level - current), new_share], 1.0),
        0.0,
        1.0,
    )


def levels_closed(*, to_level: np.ndarray, target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """The levels an item closes for this person: ``min(item's to_level, level the gap needs) -
    current level``, counted as at least MIN_LEVELS_CLOSED."""
    closed = np.minimum(np.asarray(to_level, dtype="float64"), np.asarray(target, dtype="float64"))
    return np.maximum(closed - np.asarray(current, dtype="float64"), MIN_LEVELS_CLOSED)


def hours_per_level(*, hours: np.ndarray, to_level: np.ndarray, target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """An item's hours over the levels it closes for this person (``levels_closed``): the effort
    it asks per level of the gap. A 200-hour certification for a one-level step: 200."""
    return np.asarray(hours, dtype="float64") / levels_closed(to_level=to_level, target=target, current=current)


def proportionate(*, gap_row: np.ndarray, per_level: np.ndarray, n_gaps: int) -> np.ndarray:
    """Which (gap, item) rows to keep under the effort-per-level rule: every row within
    MAX_HOURS_PER_LEVEL, and a longer one only when no row of its gap (``gap_row``: the gap's row,
    one per employee and skill) is within it."""
    within = per_level <= MAX_HOURS_PER_LEVEL
    gap_has_proportionate = np.bincount(gap_row, weights=within, minlength=n_gaps) > 0
    return within | ~gap_has_proportionate[gap_row]


@dataclass(frozen=True)
class Prepared:
    """The catalogue side of ``candidate_features`` as sorted arrays: built once (per run, or per
    process for event recomputes) so that picking for one employee costs a few milliseconds."""

    resource_ids: np.ndarray  # active resources, sorted
    kind_code: np.ndarray  # KINDS code of each
    hours: np.ndarray
    mentor_id: np.ndarray  # -1 without a mentor
    by_skill: Groups  # the active resources' skill rows, grouped by skill
    listed_resource: np.ndarray
    listed_from: np.ndarray
    listed_to: np.ndarray
    skill_ids: np.ndarray  # skill kinds, sorted by skill id
    skill_kind_code: np.ndarray
    stats_n: np.ndarray  # each resource's record, aligned with resource_ids
    stats_rate: np.ndarray
    stats_uplift: np.ndarray
    stats_uplift_n: np.ndarray
    org_rate: np.ndarray  # the organisation's completion rate per format code


def prepare(
    *, resources: pd.DataFrame, resource_skills: pd.DataFrame, skill_kinds: pd.DataFrame, resource_stats: pd.DataFrame
) -> Prepared:
    active = resources[resources["active"].astype(bool).to_numpy()] if "active" in resources else resources
    order = np.argsort(active["resource_id"].to_numpy(dtype="int64"), kind="stable")
    active = active.iloc[order]
    ids = active["resource_id"].to_numpy(dtype="int64")
    listed = resource_skills[np.isin(resource_skills["resource_id"].to_numpy(dtype="int64"), ids)]
    skill_order = np.argsort(skill_kinds["skill_id"].to_numpy(dtype="int64"), kind="stable")
    stats_row = _row_of(resource_stats["resource_id"].to_numpy(dtype="int64"), ids) if len(resource_stats) else None

    def stat(name, fallback=None):
        if stats_row is None:
            return np.zeros(len(ids))
        column = name if name in resource_stats or fallback is None else fallback
        return _take(_float(resource_stats, column, 0.0), stats_row)

    return Prepared(
        resource_ids=ids,
        kind_code=_codes(active["kind"].to_numpy(), KINDS),
        hours=np.nan_to_num(_float(active, "hours", 1.0), nan=1.0),
        mentor_id=np.nan_to_num(_float(active, "mentor_id", -1.0), nan=-1.0),
        by_skill=Groups(listed["skill_id"].to_numpy()),
        listed_resource=listed["resource_id"].to_numpy(dtype="int64"),
        listed_from=listed["from_level"].to_numpy(dtype="float64"),
        listed_to=listed["to_level"].to_numpy(dtype="float64"),
        skill_ids=skill_kinds["skill_id"].to_numpy(dtype="int64")[skill_order],
        skill_kind_code=_codes(skill_kinds["kind"].to_numpy(), SKILL_KINDS)[skill_order],
        stats_n=stat("n"),
        stats_rate=stat("completion_rate"),
        stats_uplift=stat("uplift"),
        stats_uplift_n=stat("uplift_n", fallback="n"),
        org_rate=format_rates(resource_stats=resource_stats, resources=resources),
    )


def _row_of(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Position of each query in ``keys`` (unique), -1 when absent: one search for many columns."""
    return lookup(keys, np.arange(len(keys)), query, -1)


def _take(values: np.ndarray, rows: np.ndarray, default: float = 0.0) -> np.ndarray:
    values = np.nan_to_num(np.asarray(values, dtype="float64"), nan=default)
    return np.where(rows >= 0, values[np.maximum(rows, 0)] if len(values) else default, default)


def candidate_features(
    *,
    gaps: pd.DataFrame,
    resources: pd.DataFrame,
    resource_skills: pd.DataFrame,
    skill_kinds: pd.DataFrame,
    history: pd.DataFrame,
    engagement: pd.DataFrame,
    resource_stats: pd.DataFrame,
    top_gaps: int = TOP_GAPS,
    covered_gaps: int = COVERED_GAPS,
    prepared: Prepared | None = None,
) -> pd.DataFrame:
    """One row per (employee_id, resource_id) candidate: CANDIDATE_COLUMNS and FEATURES, numeric
    features without NaN, sorted by employee, gap rank and resource. ``prepared`` (from
    ``prepare`` on the same catalogue frames) saves re-sorting the catalogue on every call."""
    top = gaps[gaps["rank"].to_numpy() <= top_gaps]
    if prepared is None:
        prepared = prepare(
            resources=resources, resource_skills=resource_skills, skill_kinds=skill_kinds, resource_stats=resource_stats
        )
    if top.empty or len(prepared.listed_resource) == 0:
        return empty_candidates()
    cat = prepared

    # 2. every resource listing a top gap's skill, starting about where the employee is, that
    #    raises the level toward the target
    gap_row, listed_row = cat.by_skill.expand(top["skill_id"].to_numpy(dtype="float64"))
    from_level, to_level = cat.listed_from[listed_row], cat.listed_to[listed_row]
    current = _float(top, "current", 0.0)[gap_row]
    target = gap_targets(top)[0][gap_row]
    keep = (to_level > current + 1e-9) & (from_level <= current + MAX_START_ABOVE) & (from_level < target)
    gap_row, listed_row = gap_row[keep], listed_row[keep]
    employee = top["employee_id"].to_numpy(dtype="int64")[gap_row]
    resource = cat.listed_resource[listed_row]
    resource_row = np.searchsorted(cat.resource_ids, resource)

    # 3. never what the employee completed, is doing, dropped or turned down; never oneself as mentor
    pairs = pair_key(employee, resource)
    keep = cat.mentor_id[resource_row] != employee
    if not history.empty:
        keep &= ~np.isin(pairs, pair_key(history["employee_id"].to_numpy(), history["resource_id"].to_numpy()))
    gap_row, listed_row, employee, resource, pairs = (
        gap_row[keep], listed_row[keep], employee[keep], resource[keep], pairs[keep]
    )  # fmt: skip
    if len(pairs) == 0:
        return empty_candidates()

    # 3b. effort per level: a long item is not picked for a gap a proportionate one serves
    resource_row = np.searchsorted(cat.resource_ids, resource)
    per_level = hours_per_level(
        hours=cat.hours[resource_row],
        to_level=cat.listed_to[listed_row],
        target=gap_targets(top)[0][gap_row],
        current=_float(top, "current", 0.0)[gap_row],
    )
    keep = proportionate(gap_row=gap_row, per_level=per_level, n_gaps=len(top))
    gap_row, listed_row, employee, resource, pairs = (
        gap_row[keep], listed_row[keep], employee[keep], resource[keep], pairs[keep]
    )  # fmt: skip

    # 4. one row per (employee, resource), for its best-ranked gap; only the best-ranked gaps
    #    the catalogue covers
    gap_rank = _float(top, "rank")[gap_row]
    order = np.lexsort((gap_rank, pairs))
    starts = group_starts(pairs[order])
    gaps_covered = np.diff(np.r_[starts, len(order)]).astype("float64")
    first = order[starts]
    final = np.lexsort((resource[first], gap_rank[first], employee[first]))
    chosen, gaps_covered = first[final], gaps_covered[final]
    gap_keys = pair_key(employee[chosen], gap_rank[chosen].astype("int64"))
    distinct = np.unique(gap_keys)
    within = lookup(distinct, rank_in_groups(distinct >> 31), gap_keys) <= covered_gaps
    chosen, gaps_covered = chosen[within], gaps_covered[within]
    if len(chosen) == 0:
        return empty_candidates()
    g, r = gap_row[chosen], listed_row[chosen]
    employee, resource, gap_rank = employee[chosen], resource[chosen], gap_rank[chosen]
    resource_row = np.searchsorted(cat.resource_ids, resource)
    from_level, to_level = cat.listed_from[r], cat.listed_to[r]
    current = _float(top, "current", 0.0)[g]
    target, shortfall = gap_targets(top)
    target, shortfall = target[g], shortfall[g]
    shortfall_current = np.nan_to_num(_float(top, "shortfall_current", 0.0)[g])
    shortfall_aspired = np.nan_to_num(_float(top, "shortfall_aspired", 0.0)[g])
    skill = top["skill_id"].to_numpy(dtype="int64")[g]
    kind_code = cat.kind_code[resource_row]

    with np.errstate(divide="ignore", invalid="ignore"):
        closed = np.minimum(to_level, target) - np.maximum(from_level, current)
        closes_share = np.clip(np.where(shortfall > 0, closed / np.where(shortfall > 0, shortfall, 1.0), 0.0), 0.0, 1.0)
    level_fit = level_fit_of(from_level=from_level, to_level=to_level, current=current)
    skill_kind = _take(np.r_[cat.skill_kind_code, len(SKILL_KINDS)], _row_of(cat.skill_ids, skill), len(SKILL_KINDS))
    kind_fit = KIND_FIT_TABLE[skill_kind.astype("int64"), kind_code]

    # the employee's own record in this format, smoothed toward the organisation's rate
    org_rate = cat.org_rate[kind_code]
    if engagement.empty:
        own_records = own_completed = own_minutes = np.zeros(len(employee))
    else:
        engagement_keys = pair_key(engagement["employee_id"].to_numpy(), _codes(engagement["format"].to_numpy(), KINDS))
        own = _row_of(engagement_keys, pair_key(employee, kind_code))
        own_records = _take(_float(engagement, "records", 0.0), own)
        own_completed = _take(_float(engagement, "completed", 0.0), own)
        own_minutes = _take(_float(engagement, "minutes", 0.0), own)
    format_completion_rate = (own_completed + FORMAT_PRIOR * org_rate) / (own_records + FORMAT_PRIOR)
    format_engagement = np.log1p(np.where(own_records > 0, own_minutes / np.maximum(own_records, 1.0), 0.0))

    # the resource's record among everyone
    n, rate = cat.stats_n[resource_row], cat.stats_rate[resource_row]
    uplift, uplift_n = cat.stats_uplift[resource_row], cat.stats_uplift_n[resource_row]
    resource_completion_rate = (rate * n + RESOURCE_PRIOR * org_rate) / (n + RESOURCE_PRIOR)
    resource_uplift = uplift * uplift_n / (uplift_n + RESOURCE_PRIOR)

    columns = {
        "employee_id": employee,
        "resource_id": resource,
        "skill_id": skill,
        "goal": goal_of(shortfall_current, shortfall_aspired),
        "current_level": current,
        "reaches_level": to_level.astype("int64"),
        "gap_priority": np.nan_to_num(_float(top, "priority", 0.0)[g]),
        "gap_rank": gap_rank,
        "target_level": target,
        "kind": np.array([*KINDS, "unknown"], dtype=object)[kind_code],
        "gap_confidence": np.nan_to_num(_float(top, "confidence", 0.0)[g]),
        "shortfall": shortfall,
        "closes_share": closes_share,
        "level_fit": level_fit,
        "kind_fit": kind_fit,
        "format_completion_rate": format_completion_rate,
        "format_engagement": format_engagement,
        "resource_completion_rate": resource_completion_rate,
        "resource_uplift": resource_uplift,
        "resource_evidence": np.log1p(n),
        "log_hours": np.log1p(cat.hours[resource_row]),
        "gaps_covered": gaps_covered,
        "is_aspired_goal": (shortfall_aspired > 0).astype("float64"),
        "is_current_goal": (shortfall_current > 0).astype("float64"),
        **{f"kind_{name}": (kind_code == code).astype("float64") for code, name in enumerate(KINDS)},
    }
    return pd.DataFrame(columns)


# --- picking the few shown -------------------------------------------------------------------

SAME_FORMAT_PENALTY = 0.15
"""Subtracted from a candidate's score for each item of its format already shown."""
REPEAT_RATIO = 2.0
"""A calibrated model may show a second item for a gap already served when it gives it at least this
many times the chance of a good outcome of the best item left for a top gap not yet served."""


def pick(
    candidates: pd.DataFrame,
    scores: np.ndarray,
    *,
    shown: int = SHOWN,
    keep: int = KEEP,
    repeat_ratio: float | None = None,
) -> pd.DataFrame:
    """Rank each employee's candidates and mark the ``shown`` first ones, spread over the top gaps
    and varied in format.

    In ``shown`` rounds (vectorised over all employees at once), each shows the candidate with the
    best *adjusted* score ``score - 0.15 x (items of its format already shown)`` among those the
    spread rule allows:

    * **one pick per gap** while another of the person's top gaps (the gaps their candidates
      serve, ``COVERED_GAPS``) still has a candidate left: a second item for a gap already
      served is allowed only when no unserved gap has one, or
    * when ``repeat_ratio`` is given (the scores are a calibrated model's chances of a good
      outcome: ``REPEAT_RATIO``, 2) and the item's score is at least that many times the best
      score left for an unserved gap: the model expects it to work out at least twice as often
      as anything for the other gaps. A heuristic's weighted sum is not a chance, so under a
      heuristic (``repeat_ratio=None``) the picks always spread.

    So the second and third picks are for other gaps and of another format unless the model
    clearly says otherwise, or the person has nothing else. The rest follow by plain score,
    ``keep`` rows in all.

    Returns the candidates kept with ``score``, ``rank`` (1 = first shown) and ``shown``, sorted by
    employee and rank.
    """
    scores = np.asarray(scores, dtype="float64")
    if len(candidates) == 0:
        return candidates.assign(score=np.zeros(0), rank=np.zeros(0, dtype="int64"), shown=np.zeros(0, dtype=bool))
    employee = candidates["employee_id"].to_numpy(dtype="int64")
    resource = candidates["resource_id"].to_numpy(dtype="int64")
    order = np.lexsort((resource, -scores, employee))
    employee, score = employee[order], scores[order]
    kind = _codes(candidates["kind"].to_numpy()[order], KINDS)
    skill = candidates["skill_id"].to_numpy(dtype="int64")[order]
    starts = group_starts(employee)
    lengths = np.diff(np.r_[starts, len(employee)])
    group = np.repeat(np.arange(len(starts)), lengths)

    rank = np.zeros(len(order), dtype="int64")
    format_shown = np.zeros((len(starts), len(KINDS) + 1))
    skills_shown = np.full((len(starts), shown), -1, dtype="int64")
    for round_number in range(shown):
        repeat = (skills_shown[group] == skill[:, None]).any(axis=1)
        adjusted = score - SAME_FORMAT_PENALTY * format_shown[group, kind]
        adjusted[rank > 0] = -np.inf
        left = rank == 0
        unserved_left = np.bincount(group, weights=left & ~repeat, minlength=len(starts)) > 0
        best_unserved = np.maximum.reduceat(np.where(left & ~repeat, score, -np.inf), starts)
        allowed = ~unserved_left[group]
        if repeat_ratio is not None:
            allowed |= (best_unserved[group] >= 0) & (score >= repeat_ratio * best_unserved[group])
        adjusted[repeat & ~allowed] = -np.inf
        best = np.maximum.reduceat(adjusted, starts)
        hits = np.flatnonzero((adjusted == best[group]) & np.isfinite(adjusted))
        groups_hit, first = np.unique(group[hits], return_index=True)
        winners = hits[first]
        rank[winners] = round_number + 1
        format_shown[groups_hit, kind[winners]] += 1
        skills_shown[groups_hit, round_number] = skill[winners]
    # the rest by score (already in score order within each employee)
    n_shown = np.bincount(group, weights=(rank > 0), minlength=len(starts)).astype("int64")
    rest = rank == 0
    position_in_rest = np.cumsum(rest) - np.repeat(np.cumsum(rest)[starts] - rest[starts], lengths)
    rank[rest] = n_shown[group[rest]] + position_in_rest[rest]
    result = candidates.iloc[order].assign(score=score, rank=rank, shown=rank <= shown)
    result = result[rank <= keep]
    return result.sort_values(["employee_id", "rank"], kind="stable").reset_index(drop=True)
