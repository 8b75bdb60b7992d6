"""Learning recommendations in the recompute: read set-based, pick with the engine, write in bulk.

A run goes through these steps alongside the gap analysis (``recommendations.analysis`` calls
them; the engine is ``engine.picking``):

1. Once per run (inside ``read_shared``): the catalogue (active resources, the skills they
   raise, mentors' levels), and each resource's record among everyone (completion rate, level
   rise after completing it) from learning records and skill evidence.
2. Per chunk, after its gaps: the chunk's learning history (what each employee completed, has
   in progress, abandoned, or accepted / completed / dismissed as a recommendation), their
   engagement by format and their live recommendations (three queries); candidates, features,
   scores (``scoring.active_scorer``), the three shown, confidence and the reason sentence
   (vectorised). Compared with the live recommendations (``replan``), only what changed is
   staged as ``proposed`` rows stamped with the run's start: new picks, picks whose rank, score
   or reason moved, and a row with an empty reason for each live one no longer picked. Nobody
   sees staged rows; a nightly run in which little changed writes little.
3. After the run finishes (``learning_finish``), in one transaction: a live recommendation
   (in review or delivered) picked again keeps its row, status, dates and original features
   and takes the new rank, score, reason and confidence; one no longer picked is withdrawn;
   the new picks are released by the review policy (pilot mode: all wait for HR; afterwards
   those below the confidence threshold wait; the rest are delivered now), and each employee
   with picks shown first waiting gets one HR review item. Accepted, completed and dismissed
   recommendations are never touched nor picked again. Staged rows of failed runs are removed.
"""

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction

from core.frames import as_bool, is_postgres, placeholders, read_frame, table, write_frame
from profiles import frames as profile_frames
from profiles.models import LearningRecord, SkillEvidence
from taxonomy import frames as taxonomy_frames

from . import frames
from .engine import heuristic, item_outcomes, picking
from .engine.arrays import lookup, pair_key
from .engine.proficiency import current_proficiency
from .engine.rationale import recommendation_reasons
from .models import (
    AnalysisRun,
    EngineSettings,
    LearningResource,
    Recommendation,
    ResourceSkill,
    ReviewItem,
    ReviewStatus,
)
from .scoring import MODEL_PREFIX, active_scorer

Status = Recommendation.Status
RECORD_HISTORY = ("completed", "passed", "in_progress", "enrolled", "abandoned")
"""Learning records that rule a resource out for the employee (failed ones may be retried)."""

RECOMMENDATION_COLUMNS = [
    "employee_id", "resource_id", "skill_id", "goal", "current_level", "reaches_level", "gap_priority", "score",
    "confidence", "rank", "shown", "reason", "scorer", "features", "status", "created_at", "dismissed_reason",
]  # fmt: skip


RESOURCE_ID = "COALESCE(c.id, k.id)"
"""The catalogue item a learning record (``lr``) is about, after ``_resource_of_record()``."""


def _resource_of_record() -> str:
    """Two LEFT JOINs finding the catalogue item a learning record ``lr`` is about: ``c`` by its
    LMS activity id, ``k`` for an item without one by the ``catalogue:<pk>`` key its completions
    are recorded under (``LearningResource.record_key``). Both are index lookups; use
    ``RESOURCE_ID`` (and ``c.kind``/``k.kind``) for the item."""
    resources, prefix = table(LearningResource), LearningResource.RECORD_KEY_PREFIX
    if is_postgres():  # only well-formed keys reach the cast (PostgreSQL's cast would fail on others)
        pk = f"CASE WHEN lr.activity_id ~ '^{prefix}[0-9]{{1,18}}$' THEN CAST(SUBSTR(lr.activity_id, {len(prefix) + 1}) AS BIGINT) END"
    else:  # SQLite's cast reads what digits there are and gives 0 otherwise
        pk = f"CASE WHEN lr.activity_id LIKE '{prefix}%%' THEN CAST(SUBSTR(lr.activity_id, {len(prefix) + 1}) AS INTEGER) END"
    return (
        f"LEFT JOIN {resources} c ON c.activity_id = lr.activity_id "
        f"LEFT JOIN {resources} k ON k.activity_id IS NULL AND k.id = {pk}"
    )


# --- 1. the catalogue, once per run ----------------------------------------------------------


@dataclass
class Catalogue:
    """What every chunk needs to pick learning: the engine's frames and the names for sentences."""

    resources: pd.DataFrame  # resource_id, kind, format, hours, active, mentor_id, mentor, description
    resource_skills: pd.DataFrame  # resource_id, skill_id, from_level, to_level
    skill_kinds: pd.DataFrame  # skill_id, kind
    resource_stats: pd.DataFrame  # resource_id, completion_rate, n, uplift, uplift_n
    mentor_levels: pd.DataFrame  # resource_id, skill_id, level
    skill_names: tuple[np.ndarray, np.ndarray]  # (ids, names)
    role_titles: tuple[np.ndarray, np.ndarray]
    unit_names: tuple[np.ndarray, np.ndarray]
    prepared: picking.Prepared  # the same, as the engine's sorted arrays


def _names(frame: pd.DataFrame, id_column: str, name_column: str) -> tuple[np.ndarray, np.ndarray]:
    return frame[id_column].to_numpy(dtype="int64"), frame[name_column].to_numpy(dtype=object)


def _name_of(names: tuple[np.ndarray, np.ndarray], ids: np.ndarray) -> np.ndarray:
    """Names by id (None where the id is missing or unknown)."""
    ids = np.asarray(ids, dtype="float64")
    known = ~np.isnan(ids)
    result = np.full(len(ids), None, dtype=object)
    result[known] = lookup(names[0], names[1], ids[known].astype("int64"), None)
    return result


def read_catalogue(*, now, weights=None) -> Catalogue:
    resources, listed = frames.catalogue_resources(), frames.catalogue_skills()
    skills, resource_stats = taxonomy_frames.skills(), read_resource_stats_cached()
    mentor_levels = read_mentor_levels(resources=resources, resource_skills=listed, now=now, weights=weights)
    resource_skills = within_mentor_levels(listed, mentor_levels)
    skill_kinds = skills[["skill_id", "kind"]]
    return Catalogue(
        resources=resources,
        resource_skills=resource_skills,
        skill_kinds=skill_kinds,
        resource_stats=resource_stats,
        mentor_levels=mentor_levels,
        skill_names=_names(skills, "skill_id", "name"),
        role_titles=_names(taxonomy_frames.roles(), "role_id", "title"),
        unit_names=_names(profile_frames.business_units(), "business_unit_id", "name"),
        prepared=picking.prepare(
            resources=resources, resource_skills=resource_skills, skill_kinds=skill_kinds, resource_stats=resource_stats
        ),
    )


STATS_CACHE_KEY = "recommendations:resource-stats"
STATS_MAX_AGE_SECONDS = 6 * 3600
"""Each resource's record moves slowly: measured at most this often, shared by every process."""


def read_resource_stats_cached() -> pd.DataFrame:
    from django.core.cache import cache

    stats = cache.get(STATS_CACHE_KEY)
    if stats is None:
        stats = read_resource_stats()
        cache.set(STATS_CACHE_KEY, stats, STATS_MAX_AGE_SECONDS)
    return stats


def _window_end_sql(column: str) -> str:
    if is_postgres():
        return f"{column} + INTERVAL '{item_outcomes.OUTCOME_WINDOW_DAYS} days'"
    return f"datetime({column}, '+{item_outcomes.OUTCOME_WINDOW_DAYS} days')"


def read_resource_stats() -> pd.DataFrame:
    """Each resource's completion rate and the level rise after completing it, among everyone.

    Two aggregate queries: records by resource and status, and the rise per completion (the
    newest evidence before it and the newest within 180 days after, each one index lookup on
    (employee, skill, observed_at)) summed per resource.
    """
    records_table = table(LearningRecord)
    records = read_frame(
        f"SELECT {RESOURCE_ID}, lr.status, COUNT(*) FROM {records_table} lr {_resource_of_record()} "  # noqa: S608
        f"WHERE {RESOURCE_ID} IS NOT NULL GROUP BY {RESOURCE_ID}, lr.status",
        columns=["resource_id", "status", "count"],
        dtypes={"resource_id": "int64", "count": "int64"},
    )
    evidence, finished = table(SkillEvidence), item_outcomes.FINISHED
    newest = (
        f"SELECT e.level FROM {evidence} e WHERE e.employee_id = lr.employee_id AND e.skill_id = rs.skill_id AND "  # noqa: S608
        "{when} ORDER BY e.observed_at DESC LIMIT 1"
    )
    before = newest.format(when="e.observed_at < lr.completed_at")
    after = newest.format(
        when=f"e.observed_at > lr.completed_at AND e.observed_at <= {_window_end_sql('lr.completed_at')} "
        "AND e.source <> %s"
    )
    rises = read_frame(
        f"SELECT resource_id, SUM(level_after - COALESCE(level_before, from_level)), COUNT(*) FROM ("  # noqa: S608
        f"SELECT rs.resource_id, rs.from_level AS from_level, ({before}) AS level_before, ({after}) AS level_after "
        f"FROM {records_table} lr {_resource_of_record()} "
        f"JOIN {table(ResourceSkill)} rs ON rs.resource_id = {RESOURCE_ID} "
        f"WHERE lr.status IN ({placeholders(finished)}) AND lr.completed_at IS NOT NULL"
        ") outcomes WHERE level_after IS NOT NULL GROUP BY resource_id",
        [item_outcomes.OUTCOME_SOURCE_IGNORED, *finished],
        columns=["resource_id", "rise_sum", "rise_n"],
        dtypes={"resource_id": "int64", "rise_sum": "float64", "rise_n": "float64"},
    )
    return item_outcomes.resource_stats(records=records, rises=rises)


def within_mentor_levels(resource_skills: pd.DataFrame, mentor_levels: pd.DataFrame) -> pd.DataFrame:
    """A mentorship leads at most to the level its mentor is at now (their evidence may have
    changed since HR set the pairing up): ``to_level`` capped there, and a skill the mentor no
    longer stands above the start of left out."""
    keys = pair_key(mentor_levels["resource_id"].to_numpy(), mentor_levels["skill_id"].to_numpy())
    shown = np.floor(mentor_levels["level"].to_numpy(dtype="float64") + 0.5)
    mentor = lookup(
        keys, shown, pair_key(resource_skills["resource_id"].to_numpy(), resource_skills["skill_id"].to_numpy())
    )  # NaN: not a mentorship (or no evidence: the pairing's own levels stand)
    to_level = resource_skills["to_level"].to_numpy(dtype="float64")
    capped = np.where(np.isnan(mentor), to_level, np.minimum(to_level, mentor)).astype("int64")
    keep = capped > resource_skills["from_level"].to_numpy(dtype="int64")
    return resource_skills.assign(to_level=capped)[keep].reset_index(drop=True)


def read_mentor_levels(*, resources: pd.DataFrame, resource_skills: pd.DataFrame, now, weights=None) -> pd.DataFrame:
    """Each mentor's current level in the skills of their mentorships (for "who is at level 4"),
    from the catalogue's frames and one read of the mentors' evidence in those skills."""
    mentors = resources.loc[resources["mentor_id"].notna(), ["resource_id", "mentor_id"]]
    mentorships = resource_skills[["resource_id", "skill_id"]].merge(mentors, on="resource_id")
    mentorships = mentorships.astype({"mentor_id": "int64"}).rename(columns={"mentor_id": "employee_id"})
    evidence = profile_frames.skill_evidence(
        now=now, employee_ids=mentorships["employee_id"].unique(), skill_ids=mentorships["skill_id"].unique()
    )
    # "employee_id" becomes the resource: one mentor's level per mentorship and skill.
    evidence = evidence.merge(mentorships, on=["employee_id", "skill_id"])
    levels = current_proficiency(
        evidence.drop(columns="employee_id").rename(columns={"resource_id": "employee_id"}), weights
    )
    return levels.rename(columns={"employee_id": "resource_id"})[["resource_id", "skill_id", "level"]]


# --- 2. per chunk ----------------------------------------------------------------------------


def read_chunk_learning(*, scope, low, high) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The chunk's history (pairs never to recommend), engagement by format and live
    recommendations (with what re-planning compares), in two queries."""
    where, params = scope.where("lr.employee_id", low, high)
    records = read_frame(
        f"SELECT lr.employee_id, {RESOURCE_ID}, COALESCE(c.kind, k.kind, %s), lr.status, COUNT(*), SUM(lr.minutes) "  # noqa: S608
        f"FROM {table(LearningRecord)} lr {_resource_of_record()} "
        f"WHERE {where} GROUP BY lr.employee_id, {RESOURCE_ID}, COALESCE(c.kind, k.kind, %s), lr.status",
        [picking.EXTERNAL_FORMAT, *params, picking.EXTERNAL_FORMAT],
        columns=["employee_id", "resource_id", "format", "status", "count", "minutes"],
        dtypes={"resource_id": "float64"},  # NULL outside the catalogue; the rest converts below
    )
    where, params = scope.where("employee_id", low, high)
    statuses = [str(status) for status in (*Recommendation.LIVE, *Recommendation.DECIDED)]
    recommendations = read_frame(
        f"SELECT id, employee_id, resource_id, status, {', '.join(REPLANNED)} FROM {table(Recommendation)} "  # noqa: S608
        f"WHERE status IN ({placeholders(statuses)}) AND {where}",
        [*statuses, *params],
        columns=["id", "employee_id", "resource_id", "status", *REPLANNED],
    )  # fmt: skip
    recommendations["shown"] = as_bool(recommendations["shown"])
    # (numpy from here: pandas' per-call overhead would dominate a one-employee recompute)
    status = records["status"].to_numpy(dtype=object)
    resource = records["resource_id"].to_numpy(dtype="float64")
    employee = records["employee_id"].to_numpy(dtype="int64")
    in_catalogue = ~np.isnan(resource) & np.isin(status, RECORD_HISTORY)
    recommendation_status = recommendations["status"].to_numpy(dtype=object)
    acted = np.isin(recommendation_status, [str(status) for status in Recommendation.DECIDED])
    history = pd.DataFrame(
        {
            "employee_id": np.r_[employee[in_catalogue], recommendations["employee_id"].to_numpy()[acted]],
            "resource_id": np.r_[
                resource[in_catalogue].astype("int64"), recommendations["resource_id"].to_numpy()[acted]
            ],
            "status": np.r_[status[in_catalogue], recommendation_status[acted]],
        }
    )
    count = records["count"].to_numpy(dtype="float64")
    formats, format_code = np.unique(records["format"].to_numpy(dtype=object).astype(str), return_inverse=True)
    keys, where = np.unique(employee * (len(formats) + 1) + format_code, return_inverse=True)
    engagement = pd.DataFrame(
        {
            "employee_id": keys // (len(formats) + 1),
            "format": formats[keys % (len(formats) + 1)].astype(object) if len(keys) else np.zeros(0, dtype=object),
            "records": np.bincount(where, weights=count * np.isin(status, item_outcomes.DECIDED), minlength=len(keys)),
            "completed": np.bincount(
                where, weights=count * np.isin(status, item_outcomes.FINISHED), minlength=len(keys)
            ),
            "minutes": np.bincount(where, weights=records["minutes"].to_numpy(dtype="float64"), minlength=len(keys)),
        }
    )
    return history, engagement, recommendations[~acted].drop(columns="status")


def compute_picks(
    *, catalogue: Catalogue, employees: pd.DataFrame, gaps: pd.DataFrame, history: pd.DataFrame,
    engagement: pd.DataFrame, scorer=None,
) -> pd.DataFrame:  # fmt: skip
    """Candidates, scores, the picks with rank and shown, confidence, reason and features."""
    scorer_name, score = scorer or active_scorer()
    candidates = picking.candidate_features(
        gaps=gaps, resources=catalogue.resources, resource_skills=catalogue.resource_skills,
        skill_kinds=catalogue.skill_kinds, history=history, engagement=engagement,
        resource_stats=catalogue.resource_stats, prepared=catalogue.prepared,
    )  # fmt: skip
    if candidates.empty:
        return candidates.assign(score=0.0, rank=0, shown=False, confidence=0.0, reason="", scorer="")
    # a model's scores are chances of a good outcome: it may show a second item for a gap when
    # it is twice as sure of it (``picking.pick``); under a heuristic the picks always spread
    repeat_ratio = picking.REPEAT_RATIO if scorer_name.startswith(MODEL_PREFIX) else None
    picks = picking.pick(candidates, score(candidates), repeat_ratio=repeat_ratio)
    picks["confidence"] = heuristic.recommendation_confidence(picks)
    picks["reason"] = recommendation_reasons(
        _reason_frame(picks, catalogue=catalogue, employees=employees, gaps=gaps, engagement=engagement)
    )
    picks["scorer"] = scorer_name
    return picks


def _reason_frame(picks, *, catalogue, employees, gaps, engagement) -> pd.DataFrame:
    """What the reason sentences need, looked up by id for every pick (no per-row Python)."""
    employee = picks["employee_id"].to_numpy(dtype="int64")
    skill = picks["skill_id"].to_numpy(dtype="int64")
    resource = picks["resource_id"].to_numpy(dtype="int64")
    ids = employees["employee_id"].to_numpy(dtype="int64")

    def of_employee(column):
        return lookup(ids, employees[column].to_numpy(dtype="float64"), employee)

    gap_keys = pair_key(gaps["employee_id"].to_numpy(), gaps["skill_id"].to_numpy())
    pick_keys = pair_key(employee, skill)

    def of_gap(column):
        return lookup(gap_keys, gaps[column].to_numpy(dtype="float64"), pick_keys)

    resources = catalogue.resources
    resource_ids = resources["resource_id"].to_numpy(dtype="int64")
    row = lookup(resource_ids, np.arange(len(resource_ids)), resource, -1)
    mentor_keys = pair_key(
        catalogue.mentor_levels["resource_id"].to_numpy(), catalogue.mentor_levels["skill_id"].to_numpy()
    )
    kind = picks["kind"].to_numpy(dtype=object)
    if engagement.empty:
        records = completed = np.zeros(len(picks))
    else:
        engagement_keys = pair_key(
            engagement["employee_id"].to_numpy(), picking._codes(engagement["format"].to_numpy(), picking.KINDS)
        )
        format_keys = pair_key(employee, picking._codes(kind, picking.KINDS))
        records = lookup(engagement_keys, engagement["records"].to_numpy(dtype="float64"), format_keys, 0.0)
        completed = lookup(engagement_keys, engagement["completed"].to_numpy(dtype="float64"), format_keys, 0.0)
    return pd.DataFrame(
        {
            "skill": _name_of(catalogue.skill_names, skill),
            "current_level": picks["current_level"].to_numpy(),
            "reaches_level": picks["reaches_level"].to_numpy(),
            "target_level": picks["target_level"].to_numpy(),
            "goal": picks["goal"].to_numpy(),
            "current_role": _name_of(catalogue.role_titles, of_employee("role_id")),
            "target_current": of_gap("target_current"),
            "core": of_gap("core") > 0,
            "aspired_role": _name_of(catalogue.role_titles, of_employee("aspired_role_id")),
            "target_aspired": of_gap("target_aspired"),
            "aspired_gaps_left": of_gap("aspired_gaps_left"),
            "business_unit": _name_of(catalogue.unit_names, of_employee("business_unit_id")),
            "demand_weight": of_gap("demand_weight"),
            "kind": kind,
            "format": resources["format"].to_numpy(dtype=object)[row],
            "hours": resources["hours"].to_numpy(dtype="float64")[row],
            "mentor": resources["mentor"].to_numpy(dtype=object)[row],
            "mentor_level": lookup(
                mentor_keys, catalogue.mentor_levels["level"].to_numpy(dtype="float64"), pair_key(resource, skill)
            ),
            "format_records": records,
            "format_completed": completed,
            "description": resources["description"].to_numpy(dtype=object)[row],
            "skill_kind": lookup(
                catalogue.skill_kinds["skill_id"].to_numpy(dtype="int64"),
                catalogue.skill_kinds["kind"].to_numpy(dtype=object),
                skill,
                None,
            ),
        }
    )


REPLANNED = ["rank", "score", "shown", "reason", "confidence", "gap_priority", "current_level", "reaches_level", "goal",
             "skill_id", "scorer"]  # fmt: skip
"""What a recommendation picked again takes from the new pick (status, dates and features stay)."""
UNCHANGED_WITHIN = 5e-4
"""Figures closer than this count as unchanged (confidence drifts a little as evidence ages)."""
WITHDRAW = ""
"""The reason of a staged row that withdraws the live recommendation of its pair (a real pick
always has a sentence)."""


def replan(*, picks: pd.DataFrame, live: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the chunk must stage: picks that are new or changed, and the live recommendations
    no longer picked. A pick identical to its live recommendation stages nothing, so a nightly
    run in which little changed writes little."""
    pick_keys = pair_key(picks["employee_id"].to_numpy(), picks["resource_id"].to_numpy())
    live_keys = pair_key(live["employee_id"].to_numpy(), live["resource_id"].to_numpy())
    row = lookup(live_keys, np.arange(len(live_keys)), pick_keys, -1) if len(live) else np.full(len(picks), -1)
    same = row >= 0
    matched = np.maximum(row, 0)
    for column in REPLANNED:
        new, old = picks[column].to_numpy(), live[column].to_numpy()[matched] if len(live) else picks[column].to_numpy()
        if new.dtype.kind == "f":
            same &= np.abs(new.astype("float64") - old.astype("float64")) < UNCHANGED_WITHIN
        else:
            same &= new == old
    gone = ~np.isin(live_keys, pick_keys)
    return picks[~same], live[gone]


def stage(*, run: AnalysisRun, picks: pd.DataFrame, withdrawn: pd.DataFrame) -> int:
    """Append what the chunk decided as ``proposed`` rows stamped with the run's start (step 2):
    the picks with their features, and one row with an empty reason per withdrawal."""
    stamp = connection.ops.adapt_datetimefield_value(run.started_at)
    features = (
        picks[picking.FEATURES].to_json(orient="records", lines=True, double_precision=4).splitlines()
        if len(picks)
        else []
    )
    rows = pd.concat(
        [
            picks.assign(features=features),
            withdrawn.assign(reason=WITHDRAW, features="{}"),
        ],
        ignore_index=True,
    )
    if rows.empty:
        return 0
    rows = rows.assign(
        status=Status.PROPOSED,
        created_at=stamp,
        dismissed_reason="",
        current_level=rows["current_level"].astype("float64"),
        reaches_level=rows["reaches_level"].astype("int64"),
        rank=rows["rank"].astype("int64"),
        shown=rows["shown"].astype(bool),
    )
    return write_frame(table(Recommendation), rows, RECOMMENDATION_COLUMNS)


SLICE_EMPLOYEES = 5_000
"""Picks are computed for this many employees at a time: their candidates (about 130 rows of 21
features per employee) would otherwise add to a whole chunk's peak memory at once."""


def run_chunk_learning(*, run, scope, low, high, shared, employees, gaps, timings) -> int:
    """Step 2 for one chunk of a recompute; adds its time to the run's read/compute/write."""
    catalogue = shared.catalogue
    if catalogue is None:
        return 0
    started = time.perf_counter()
    history, engagement, live = read_chunk_learning(scope=scope, low=low, high=high)
    timings.read += time.perf_counter() - started
    written = 0
    # slices that meet, so every live row lands in one (a leaver's picks are withdrawn as before)
    edges = np.sort(employees["employee_id"].to_numpy(dtype="int64"))[SLICE_EMPLOYEES::SLICE_EMPLOYEES]
    for first, end in zip(np.r_[np.iinfo("int64").min, edges], np.r_[edges, np.iinfo("int64").max], strict=True):

        def part(frame, first=first, end=end):
            ids = frame["employee_id"].to_numpy()
            return frame[(ids >= first) & (ids < end)]

        started = time.perf_counter()
        picks = compute_picks(
            catalogue=catalogue, employees=part(employees), gaps=part(gaps), history=part(history),
            engagement=part(engagement),
        )  # fmt: skip
        changed, withdrawn = replan(picks=picks, live=part(live))
        timings.compute += time.perf_counter() - started
        started = time.perf_counter()
        written += stage(run=run, picks=changed, withdrawn=withdrawn)
        timings.write += time.perf_counter() - started
    return written


# --- 3. after the run ------------------------------------------------------------------------


BATCH = 5000


def _batches(values: np.ndarray, size: int = BATCH):
    for start in range(0, len(values), size):
        yield [int(value) for value in values[start : start + size]]


def finish_plan(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From this run's staged rows and the rows already there (``rows``: id, employee_id,
    resource_id, state 0 live / 1 staged / 2 acted on, withdraw), the (live id, staged id) pairs
    to update, the live ids to withdraw, the staged ids to drop, and the staged ids to release."""
    state, withdraw = rows["state"].to_numpy(), rows["withdraw"].to_numpy() == 1
    ids = rows["id"].to_numpy(dtype="int64")
    keys = pair_key(rows["employee_id"].to_numpy(), rows["resource_id"].to_numpy())
    staged, live, acted = state == 1, state == 0, state == 2
    live_for = lookup(keys[live], ids[live], keys, -1)
    kept = staged & ~withdraw & (live_for >= 0)
    to_withdraw = staged & withdraw & (live_for >= 0)
    superseded = staged & ~withdraw & np.isin(keys, keys[acted])  # acted on while the run went
    drop = staged & (withdraw | kept | superseded)
    release = staged & ~drop
    return np.column_stack([live_for[kept], ids[kept]]), live_for[to_withdraw], ids[drop], ids[release]


def learning_finish(*, run: AnalysisRun, scope, now) -> None:
    """Step 3: apply what the chunks staged and release the new picks by the review policy.

    Staged rows are matched to the employees' other rows in numpy (one read of ids, only for
    employees with something staged), then applied by primary key in batches: the database
    never joins the table with itself.
    """
    engine = EngineSettings.load()
    recs = table(Recommendation)
    stamp = connection.ops.adapt_datetimefield_value(run.started_at)
    delivered_at = connection.ops.adapt_datetimefield_value(now)
    where, params = scope.where("employee_id")
    live, acted = [str(status) for status in Recommendation.LIVE], [str(status) for status in Recommendation.DECIDED]
    staged = f"status = %s AND created_at = %s AND {where}"
    state = (  # each row: which it is (1 staged, 0 live, 2 acted on) and whether it withdraws
        f"id, employee_id, resource_id, CASE WHEN status = %s THEN 1 WHEN status IN ({placeholders(live)}) THEN 0 "
        "ELSE 2 END, CASE WHEN reason = %s THEN 1 ELSE 0 END"
    )
    state_params = [Status.PROPOSED, *live, WITHDRAW]
    # Two parts, each an index lookup (created_at; employee and status); an OR of the two made
    # PostgreSQL scan the whole table, half a second per one-employee recompute at 100k.
    rows = read_frame(
        f"SELECT {state} FROM {recs} WHERE {staged} UNION ALL "  # noqa: S608
        f"SELECT {state} FROM {recs} WHERE status IN ({placeholders(live + acted)}) "
        f"AND employee_id IN (SELECT employee_id FROM {recs} WHERE {staged})",
        [
            *state_params,
            Status.PROPOSED,
            stamp,
            *params,
            *state_params,
            *live,
            *acted,
            Status.PROPOSED,
            stamp,
            *params,
        ],  # fmt: skip
        columns=["id", "employee_id", "resource_id", "state", "withdraw"],
        dtypes={"id": "int64", "employee_id": "int64", "resource_id": "int64", "state": "int64", "withdraw": "int64"},
    )
    pairs, withdrawn, dropped, _ = finish_plan(rows)
    touched = np.unique(rows.loc[rows["state"].to_numpy() == 1, "employee_id"].to_numpy(dtype="int64"))
    assignments = ", ".join(f"{column} = n.{column}" for column in REPLANNED)
    with transaction.atomic(), connection.cursor() as cursor:
        # a. rows staged by runs that failed or stopped before this step (not by runs still going)
        cursor.execute(
            f"DELETE FROM {recs} WHERE status = %s AND {where} AND created_at IN "  # noqa: S608
            f"(SELECT started_at FROM {table(AnalysisRun)} WHERE status <> %s AND id <> %s)",
            [Status.PROPOSED, *params, AnalysisRun.Status.RUNNING, run.pk],
        )
        # b. picked again with new figures: the live row keeps its status, dates and original
        #    features and takes the new rank, score, reason ... (by primary key, in batches)
        for batch in _batches(pairs.ravel(), 2 * BATCH):
            values = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS BIGINT))"] * (len(batch) // 2))
            cursor.execute(
                f"UPDATE {recs} SET {assignments} FROM (VALUES {values}) AS m JOIN {recs} n ON n.id = m.column2 "  # noqa: S608
                f"WHERE {recs}.id = m.column1",
                batch,
            )
        # c. no longer picked: withdrawn; d. the staged rows used in b and c go
        for batch in _batches(withdrawn):
            cursor.execute(
                f"UPDATE {recs} SET status = %s WHERE id IN ({placeholders(batch)})",  # noqa: S608
                [Status.WITHDRAWN, *batch],
            )
        for batch in _batches(dropped):
            cursor.execute(f"DELETE FROM {recs} WHERE id IN ({placeholders(batch)})", batch)  # noqa: S608
        # e. release the new picks by the review policy
        if engine.pilot_mode:
            cursor.execute(
                f"UPDATE {recs} SET status = %s WHERE status = %s AND created_at = %s AND {where}",  # noqa: S608
                [Status.IN_REVIEW, Status.PROPOSED, stamp, *params],
            )
        else:
            cursor.execute(
                f"UPDATE {recs} SET status = CASE WHEN confidence < %s THEN %s ELSE %s END, "  # noqa: S608
                f"delivered_at = CASE WHEN confidence < %s THEN NULL ELSE %s END "
                f"WHERE status = %s AND created_at = %s AND {where}",
                [engine.review_threshold, Status.IN_REVIEW, Status.DELIVERED, engine.review_threshold, delivered_at,
                 Status.PROPOSED, stamp, *params],
            )  # fmt: skip
        # f. one pending review item per employee with picks shown first waiting for HR, for the
        #    employees whose picks changed (an item HR is looking at because someone flagged a
        #    recommendation stays as it is); waiting picks offered only on request go along
        #    with the item's decision
        items = table(ReviewItem)
        generated = [ReviewItem.Reason.PILOT, ReviewItem.Reason.LOW_CONFIDENCE]
        reason = ReviewItem.Reason.PILOT if engine.pilot_mode else ReviewItem.Reason.LOW_CONFIDENCE
        for batch in _batches(touched):
            cursor.execute(
                f"DELETE FROM {items} WHERE kind = %s AND status = %s AND reason IN (%s, %s) "  # noqa: S608
                f"AND employee_id IN ({placeholders(batch)})",
                [ReviewItem.Kind.RECOMMENDATION, ReviewStatus.PENDING, *generated, *batch],
            )
            cursor.execute(
                f"INSERT INTO {items} (kind, employee_id, run_id, reason, confidence, status, created_at, note) "  # noqa: S608
                f"SELECT %s, employee_id, %s, %s, MIN(confidence), %s, %s, '' FROM {recs} r "
                f"WHERE status = %s AND shown = %s AND employee_id IN ({placeholders(batch)}) AND NOT EXISTS (SELECT 1 "
                f"FROM {items} i WHERE i.kind = %s AND i.status = %s AND i.employee_id = r.employee_id) "
                "GROUP BY employee_id",
                [ReviewItem.Kind.RECOMMENDATION, None, reason, ReviewStatus.PENDING, delivered_at, Status.IN_REVIEW,
                 True, *batch, ReviewItem.Kind.RECOMMENDATION, ReviewStatus.PENDING],
            )  # fmt: skip
