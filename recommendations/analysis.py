"""Recompute: read the organisation into frames, run the engine, write the results in bulk.

A run goes through these steps (``recompute`` does them all in one process; ``run_chunk`` and
``run_finish`` let several django-q2 workers on different machines share the middle one):

1. Create an ``AnalysisRun`` and split the employees in scope into id ranges (chunks).
2. Read what every chunk needs once: requirements, mobility paths, observed moves, demand,
   open opportunities (a handful of set-based queries).
3. Per chunk: read its employees, aspirations, the gap weights their deep reviews agreed and
   their evidence (four queries), compute proficiency,
   gaps, career paths and opportunity matches (vectorised), append the rows tagged with the run.
   Nobody sees these rows yet.
4. Finish: in one transaction, point every employee in scope at the new run (one upsert), queue
   HR review items by the review policy, rank candidates per opportunity, mark the run done.
   A failure before this leaves everyone's previous results in place; a rerun completes.
5. Remove rows of runs that no employee points at any more.

A run whose process dies without a word (SIGKILL, out of memory, a lost machine) stays "running"
and its rows stay invisible. Each run beats a heartbeat at its start, after each chunk and at its
finish; the next recompute marks runs silent for ``core.heartbeat.ABANDONED_AFTER`` as failed
(``abandoned_runs_fail``), so step 5 and the learning step clear what they had written.

Learning recommendations ride along (``recommendations.learning``): the catalogue is read with
the shared frames, each chunk picks learning for its gaps after step 3, and step 4 ends by
re-planning everyone's recommendations and releasing them by the same review policy.
"""

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from core.frames import id_ranges, placeholders, table, write_frame
from core.heartbeat import silence_text, silent_runs_fail
from profiles import frames as profile_frames
from taxonomy import frames as taxonomy_frames

from . import frames, learning  # learning recommendations: read once, per chunk, after the run
from .engine.arrays import lookup
from .engine.gaps import GAP_COLUMNS, compute_gaps, readiness
from .engine.opportunities import MATCH_COLUMNS, match_opportunities
from .engine.paths import PATH_COLUMNS, observed_moves, project_paths
from .engine.proficiency import current_proficiency
from .models import (
    AnalysisRun,
    CareerPath,
    EmployeeAnalysis,
    EngineSettings,
    OpportunityMatch,
    ReviewItem,
    ReviewStatus,
    RunSummary,
    SkillGap,
)

CHUNK_EMPLOYEES = 10_000
# A chunk's peak memory grows about 24 MB per 1,000 employees with the learning step: at 100k,
# 25,000 per chunk peaked at 930 MB, 10,000 at 578 MB (target: under 600 MB).
MATCHES_PER_EMPLOYEE = 5
CANDIDATES_PER_OPPORTUNITY = 20

# The result tables hold the engine's columns, tagged with the run.
GAP_TABLE_COLUMNS = ["run_id", *GAP_COLUMNS, "hr_rationale"]
PATH_TABLE_COLUMNS = ["run_id", *PATH_COLUMNS]
MATCH_TABLE_COLUMNS = ["run_id", *MATCH_COLUMNS]


@dataclass
class Scope:
    """Who a run recomputes: everyone, one business unit, or some employees."""

    employee_ids: list[int] | None = None
    business_unit_id: int | None = None

    @property
    def kind(self) -> str:
        if self.employee_ids is not None:
            return AnalysisRun.Scope.EMPLOYEES
        if self.business_unit_id is not None:
            return AnalysisRun.Scope.BUSINESS_UNIT
        return AnalysisRun.Scope.FULL

    def among(self, low: int | None = None, high: int | None = None) -> dict:
        """This scope and an id range ``[low, high)`` as the employee filters of the frame
        readers (``profiles.frames.employee_filter``)."""
        return {
            "id_range": (low, high) if low is not None else None,
            "employee_ids": self.employee_ids,
            "business_unit_id": self.business_unit_id,
        }

    def where(self, column: str, low: int | None = None, high: int | None = None) -> tuple[str, list]:
        """SQL restricting ``column`` (an employee id) to this scope and an id range."""
        return profile_frames.employee_filter(column, **self.among(low, high))


@dataclass
class Shared:
    """What every chunk of a run reads: the taxonomy side and the organisation-wide history."""

    requirements: pd.DataFrame
    mobility: pd.DataFrame
    moves: pd.DataFrame
    demand: pd.DataFrame
    opportunities: pd.DataFrame
    opportunity_skills: pd.DataFrame
    catalogue: learning.Catalogue | None = None  # learning recommendations (recommendations.learning)


def read_shared() -> Shared:
    requirements = taxonomy_frames.role_requirements()
    history = profile_frames.role_assignments()[["employee_id", "role_id", "start_date"]]
    opportunities = frames.open_opportunities()
    listed = frames.open_opportunity_skills()
    # An open role with no skills listed is scored against the role's requirements.
    role_based = opportunities.dropna(subset=["role_id"])
    role_based = role_based[~role_based["opportunity_id"].isin(listed["opportunity_id"])]
    from_roles = role_based.astype({"role_id": "int64"}).merge(requirements, on="role_id")[
        ["opportunity_id", "skill_id", "target_level", "importance"]
    ]
    return Shared(
        requirements=requirements,
        mobility=taxonomy_frames.mobility_paths(),
        # observed_moves takes calendar dates: a plain datetime64 column, not a zoned one
        moves=observed_moves(history.assign(start_date=history["start_date"].dt.tz_localize(None))),
        demand=profile_frames.skill_demand(),
        opportunities=opportunities,
        opportunity_skills=pd.concat([listed, from_roles], ignore_index=True),
        catalogue=learning.read_catalogue(now=timezone.now()),  # learning recommendations
    )


SHARED_VERSION_KEY = "recommendations:shared-version"
SHARED_MAX_AGE_SECONDS = 300
_shared_cache: dict = {}


def shared_bump() -> None:
    """Tell every process its cached taxonomy frames are stale (called on taxonomy changes)."""
    from django.core.cache import cache

    cache.set(SHARED_VERSION_KEY, time.time(), None)


def shared_version() -> float:
    """The taxonomy's version: changed by ``shared_bump``, a fresh one if the cache lost it."""
    from django.core.cache import cache

    return cache.get_or_set(SHARED_VERSION_KEY, time.time, None)


def read_shared_cached() -> Shared:
    """``read_shared`` kept per process for event-driven recomputes of one or a few people.

    Refreshed when the taxonomy changes (``shared_bump``) and at least every five minutes, so
    observed moves from new role history arrive within that time.
    """
    version = shared_version()
    fresh = time.monotonic() - _shared_cache.get("loaded", -1e9) < SHARED_MAX_AGE_SECONDS
    if not fresh or _shared_cache.get("version") != version:
        _shared_cache.update(shared=read_shared(), version=version, loaded=time.monotonic())
    return _shared_cache["shared"]


def read_chunk(*, scope: Scope, low: int | None, high: int | None, now) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The employees of one chunk (with their current aspired role) and their evidence."""
    among = scope.among(low, high)
    employees = profile_frames.employees(**among)
    aspirations = profile_frames.career_aspirations(**among)
    latest = aspirations.sort_values(["employee_id", "stated_at"]).drop_duplicates("employee_id", keep="last")
    employees = employees.merge(latest[["employee_id", "aspired_role_id"]], on="employee_id", how="left")
    return employees, profile_frames.skill_evidence(now=now, **among)


@dataclass
class Results:
    gaps: pd.DataFrame
    paths: pd.DataFrame
    matches: pd.DataFrame
    summary: pd.DataFrame


def compute_chunk(
    *, shared: Shared, employees: pd.DataFrame, evidence: pd.DataFrame, weights, gap_weights: pd.DataFrame | None = None
) -> Results:
    proficiency = current_proficiency(evidence, weights)
    proficiency = proficiency[proficiency["employee_id"].isin(employees["employee_id"])]
    gaps = compute_gaps(
        employees=employees,
        requirements=shared.requirements,
        proficiency=proficiency,
        demand=shared.demand,
        weights=weights,
        gap_weights=gap_weights,
    )
    paths = project_paths(
        employees=employees,
        requirements=shared.requirements,
        proficiency=proficiency,
        mobility=shared.mobility,
        moves=shared.moves,
    )
    matches = match_opportunities(
        opportunities=shared.opportunities,
        opportunity_skills=shared.opportunity_skills,
        employees=employees,
        requirements=shared.requirements,
        proficiency=proficiency,
        gaps=gaps,
        per_employee=MATCHES_PER_EMPLOYEE,
        per_opportunity=CANDIDATES_PER_OPPORTUNITY,
    )
    return Results(
        gaps=gaps, paths=paths, matches=matches, summary=summarise(employees, gaps, paths, proficiency, shared)
    )


def summarise(employees, gaps, paths, proficiency, shared) -> pd.DataFrame:
    """One row per employee for the pointer table: readiness, top gap, confidence."""
    ids = employees["employee_id"].to_numpy(dtype="int64")
    has_role = employees["role_id"].notna().to_numpy()
    ready_now = readiness(
        pairs=pd.DataFrame({"employee_id": ids[has_role], "role_id": employees["role_id"].to_numpy()[has_role]}),
        requirements=shared.requirements,
        proficiency=proficiency,
    )
    goal = paths[paths["is_aspiration"].to_numpy(dtype=bool)]
    gap_employee = gaps["employee_id"].to_numpy(dtype="int64")
    rank = gaps["rank"].to_numpy()
    row = lookup(ids, np.arange(len(ids)), gap_employee, -1)
    gap_count = np.bincount(row, minlength=len(ids))
    top = rank <= 3
    top_sum = np.bincount(row[top], weights=gaps["confidence"].to_numpy()[top], minlength=len(ids))
    top_n = np.bincount(row[top], minlength=len(ids))
    prof_row = lookup(ids, np.arange(len(ids)), proficiency["employee_id"].to_numpy(dtype="int64"), -1)
    known = prof_row >= 0
    prof_sum = np.bincount(prof_row[known], weights=proficiency["confidence"].to_numpy()[known], minlength=len(ids))
    prof_n = np.bincount(prof_row[known], minlength=len(ids))
    with np.errstate(divide="ignore", invalid="ignore"):
        confidence = np.where(top_n > 0, top_sum / top_n, np.where(prof_n > 0, prof_sum / prof_n, 0.0))
    first = rank == 1
    return pd.DataFrame(
        {
            "employee_id": ids,
            "aspired_role_id": employees["aspired_role_id"].to_numpy(dtype="float64"),
            "readiness_current": lookup(ready_now["employee_id"], ready_now["readiness"], ids),
            "readiness_aspired": lookup(goal["employee_id"], goal["readiness"], ids),
            "gap_count": gap_count,
            "top_skill_id": lookup(gap_employee[first], gaps["skill_id"].to_numpy(dtype="float64")[first], ids),
            "confidence": confidence,
        }
    )


def write_chunk(*, run: AnalysisRun, results: Results) -> int:
    gaps = results.gaps.assign(run_id=run.pk, hr_rationale="")
    paths = results.paths.assign(run_id=run.pk)
    matches = results.matches.assign(run_id=run.pk, rank_for_opportunity=np.nan)
    with transaction.atomic():
        written = write_frame(table(SkillGap), gaps, GAP_TABLE_COLUMNS)
        written += write_frame(table(CareerPath), paths, PATH_TABLE_COLUMNS)
        written += write_frame(table(OpportunityMatch), matches, MATCH_TABLE_COLUMNS)
        _stage_summary(run=run, summary=results.summary)
    return written


def _stage_summary(*, run, summary):
    """Keep the chunk's per-employee summary on the run until it finishes (a scratch table whose
    columns are those of ``summarise``)."""
    write_frame(table(RunSummary), summary.assign(run_id=run.pk), ["run_id", *summary.columns])


def run_finish(*, run: AnalysisRun, scope: Scope, now) -> AnalysisRun:
    """Step 4: make the new run the current one for everyone in scope, all at once."""
    AnalysisRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    engine = EngineSettings.load()
    summaries = table(RunSummary)
    analyses = table(EmployeeAnalysis)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(), connection.cursor() as cursor:
        pending_if = "1=1" if engine.pilot_mode else "s.confidence < %s"
        pending_params = [] if engine.pilot_mode else [engine.review_threshold]
        cursor.execute(
            f"""
            INSERT INTO {analyses} (employee_id, run_id, visible_run_id, computed_at, aspired_role_id,
                readiness_current, readiness_aspired, gap_count, top_skill_id, confidence, review_status)
            SELECT s.employee_id, s.run_id,
                   CASE WHEN {pending_if} THEN NULL ELSE s.run_id END,
                   %s, s.aspired_role_id, s.readiness_current, s.readiness_aspired, s.gap_count, s.top_skill_id,
                   s.confidence,
                   CASE WHEN {pending_if} THEN %s ELSE %s END
            FROM {summaries} s WHERE s.run_id = %s
            ON CONFLICT (employee_id) DO UPDATE SET
                run_id = excluded.run_id,
                visible_run_id = COALESCE(excluded.visible_run_id, {analyses}.visible_run_id),
                computed_at = excluded.computed_at,
                aspired_role_id = excluded.aspired_role_id,
                readiness_current = excluded.readiness_current,
                readiness_aspired = excluded.readiness_aspired,
                gap_count = excluded.gap_count,
                top_skill_id = excluded.top_skill_id,
                confidence = excluded.confidence,
                review_status = excluded.review_status
            """,  # noqa: S608 - table names are ours
            [*pending_params, stamp, *pending_params, ReviewStatus.PENDING, ReviewStatus.AUTO, run.pk],
        )
        # Items a manager or HR flagged stay in the queue (pointing at the newest analysis); the
        # other waiting items are replaced by this run's.
        where, params = scope.where("employee_id")
        items = table(ReviewItem)
        cursor.execute(
            f"DELETE FROM {items} WHERE kind = %s AND status = %s AND reason <> %s AND {where}",  # noqa: S608
            [ReviewItem.Kind.GAP_ANALYSIS, ReviewStatus.PENDING, ReviewItem.Reason.FLAGGED, *params],
        )
        cursor.execute(
            f"UPDATE {items} SET run_id = %s WHERE kind = %s AND status = %s AND {where}",  # noqa: S608
            [run.pk, ReviewItem.Kind.GAP_ANALYSIS, ReviewStatus.PENDING, *params],
        )
        reason = ReviewItem.Reason.PILOT if engine.pilot_mode else ReviewItem.Reason.LOW_CONFIDENCE
        cursor.execute(
            f"""
            INSERT INTO {items} (kind, employee_id, run_id, reason, confidence, status, created_at, note)
            SELECT %s, employee_id, run_id, %s, confidence, %s, %s, ''
            FROM {summaries} s WHERE s.run_id = %s AND {pending_if}
            AND NOT EXISTS (SELECT 1 FROM {items} i WHERE i.employee_id = s.employee_id AND i.kind = %s AND i.status = %s)
            """,  # noqa: S608
            [
                ReviewItem.Kind.GAP_ANALYSIS,
                reason,
                ReviewStatus.PENDING,
                stamp,
                run.pk,
                *pending_params,
                ReviewItem.Kind.GAP_ANALYSIS,
                ReviewStatus.PENDING,
            ],
        )
        _rank_candidates(cursor, run)
        cursor.execute(f"DELETE FROM {summaries} WHERE run_id = %s", [run.pk])  # noqa: S608
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=AnalysisRun.Status.SUCCEEDED, finished_at=timezone.now(), progress=1.0
        )
    run.refresh_from_db()
    # Learning recommendations: re-plan everyone in scope and release by the review policy.
    learning.learning_finish(run=run, scope=scope, now=now)
    return run


def _rank_candidates(cursor, run):
    """Rank each opportunity's candidates across all chunks; drop rows neither list keeps."""
    matches = table(OpportunityMatch)
    cursor.execute(
        f"""
        UPDATE {matches} SET rank_for_opportunity = ranked.position
        FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY score DESC, employee_id) AS position
              FROM {matches} WHERE run_id = %s) AS ranked
        WHERE {matches}.id = ranked.id AND ranked.position <= %s
        """,  # noqa: S608
        [run.pk, CANDIDATES_PER_OPPORTUNITY],
    )
    cursor.execute(
        f"DELETE FROM {matches} WHERE run_id = %s AND rank_for_employee IS NULL AND rank_for_opportunity IS NULL",  # noqa: S608
        [run.pk],
    )


def remove_unreferenced(*, scope: Scope) -> None:
    """Step 5: delete result rows no employee points at any more (previous generations)."""
    analyses = table(EmployeeAnalysis)
    result_tables = [table(SkillGap), table(CareerPath), table(OpportunityMatch)]
    with transaction.atomic(), connection.cursor() as cursor:
        if scope.kind == AnalysisRun.Scope.EMPLOYEES:
            for results in result_tables:
                where, params = scope.where(f"{results}.employee_id")
                cursor.execute(
                    f"""DELETE FROM {results} WHERE {where} AND NOT EXISTS (
                        SELECT 1 FROM {analyses} a WHERE a.employee_id = {results}.employee_id
                        AND (a.run_id = {results}.run_id OR a.visible_run_id = {results}.run_id))""",  # noqa: S608
                    params,
                )
            return
        cursor.execute(
            f"SELECT id FROM {table(AnalysisRun)} WHERE status <> %s AND id NOT IN "  # noqa: S608
            f"(SELECT run_id FROM {analyses}) AND id NOT IN "
            f"(SELECT visible_run_id FROM {analyses} WHERE visible_run_id IS NOT NULL)",
            [AnalysisRun.Status.RUNNING],
        )
        stale = [row[0] for row in cursor.fetchall()]
        if stale:
            for results in [*result_tables, table(RunSummary)]:
                cursor.execute(f"DELETE FROM {results} WHERE run_id IN ({placeholders(stale)})", stale)  # noqa: S608


@dataclass
class Timings:
    read: float = 0.0
    compute: float = 0.0
    write: float = 0.0
    cleanup: float = 0.0


def run_start(*, scope: Scope, trigger: str, chunk_size: int = CHUNK_EMPLOYEES) -> tuple[AnalysisRun, list]:
    ids = profile_frames.employees(**scope.among())["employee_id"].to_numpy()
    ranges = id_ranges(ids, chunk_size) if len(ids) else []
    run = AnalysisRun.objects.create(
        scope=scope.kind,
        trigger=trigger,
        employees=len(ids),
        chunks_total=max(len(ranges), 1),
        heartbeat_at=timezone.now(),
    )
    return run, ranges


def abandoned_runs_fail(*, now) -> int:
    """Mark as failed the runs still "running" that gave no sign of life for ``ABANDONED_AFTER``:
    their process died (``core.heartbeat``). Returns how many."""
    return silent_runs_fail(
        AnalysisRun.objects.all(),
        now=now,
        running=AnalysisRun.Status.RUNNING,
        failed=AnalysisRun.Status.FAILED,
        reason=f"Abandoned: no sign of life for {silence_text()} (its process died); previous results kept.",
    )


def run_chunk(*, run: AnalysisRun, scope: Scope, low: int, high: int, shared: Shared, now, timings: Timings) -> bool:
    """Step 3 for one chunk. Returns True when this was the last chunk (the caller then finishes)."""
    weights = EngineSettings.load().as_weights()
    started = time.perf_counter()
    employees, evidence = read_chunk(scope=scope, low=low, high=high, now=now)
    gap_weights = frames.gap_weights(**scope.among(low, high))  # agreed in deep reviews
    timings.read += time.perf_counter() - started
    started = time.perf_counter()
    results = compute_chunk(
        shared=shared, employees=employees, evidence=evidence, weights=weights, gap_weights=gap_weights
    )
    timings.compute += time.perf_counter() - started
    started = time.perf_counter()
    write_chunk(run=run, results=results)
    timings.write += time.perf_counter() - started
    # Learning recommendations for the chunk's gaps (recommendations.learning), staged as proposed.
    learning.run_chunk_learning(
        run=run, scope=scope, low=low, high=high, shared=shared, employees=employees, gaps=results.gaps, timings=timings
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(AnalysisRun)} SET chunks_done = chunks_done + 1, gaps = gaps + %s, paths = paths + %s, "  # noqa: S608
            "matches = matches + %s, progress = (chunks_done + 1) * 1.0 / chunks_total, heartbeat_at = %s "
            "WHERE id = %s",
            [
                len(results.gaps),
                len(results.paths),
                len(results.matches),
                connection.ops.adapt_datetimefield_value(timezone.now()),
                run.pk,
            ],
        )
        cursor.execute(f"SELECT chunks_done, chunks_total FROM {table(AnalysisRun)} WHERE id = %s", [run.pk])  # noqa: S608
        counts = cursor.fetchone()
    if counts is None:  # deleted under us (a database emptied while this run was computing)
        raise AnalysisRun.DoesNotExist(f"Analysis run {run.pk} was deleted while its chunk {low}-{high} was written.")
    done, total = counts
    return done >= total


def recompute(
    *,
    employee_ids: list[int] | None = None,
    business_unit_id: int | None = None,
    trigger: str = "",
    chunk_size: int = CHUNK_EMPLOYEES,
    progress=None,
) -> tuple[AnalysisRun, Timings]:
    """Recompute everyone in scope in this process (steps 1-5). ``progress(done, total)`` is
    called after each chunk."""
    scope = Scope(employee_ids=employee_ids, business_unit_id=business_unit_id)
    now = timezone.now()
    timings = Timings()
    started = time.perf_counter()
    abandoned_runs_fail(now=now)
    run, ranges = run_start(scope=scope, trigger=trigger, chunk_size=chunk_size)
    try:
        shared = read_shared_cached() if scope.kind == AnalysisRun.Scope.EMPLOYEES else read_shared()
        timings.read += time.perf_counter() - started
        for number, (low, high) in enumerate(ranges, start=1):
            run_chunk(run=run, scope=scope, low=low, high=high, shared=shared, now=now, timings=timings)
            if progress:
                progress(number, len(ranges))
        started = time.perf_counter()
        run = run_finish(run=run, scope=scope, now=now)
        timings.write += time.perf_counter() - started
        # The new results are live from here; removing the previous generation is housekeeping.
        started = time.perf_counter()
        remove_unreferenced(scope=scope)
        timings.cleanup += time.perf_counter() - started
    except Exception as error:
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=AnalysisRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"
        )
        raise
    AnalysisRun.objects.filter(pk=run.pk).update(
        read_seconds=timings.read, compute_seconds=timings.compute, write_seconds=timings.write
    )
    return run, timings


def recompute_employee(employee_id: int, *, trigger: str = "event") -> AnalysisRun:
    return recompute(employee_ids=[employee_id], trigger=trigger)[0]
