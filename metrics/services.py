"""Take the outcome snapshot and run the bias audit: set-based reads into pandas, one write.

``snapshot_take(as_of=..., window_days=90)`` reads what the five metrics need as of the end of
``as_of`` (nothing later counts), computes them per cohort (each ``Employee.cohort`` value, and
"all") with ``metrics.measures``, runs ``metrics.audit`` over the people with demographics, and
writes the figures in one transaction: a snapshot taken again for the same date replaces that
date's figures, and a new audit run is added.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db import transaction

from core.frames import Select, table
from feedback.models import CheckIn
from profiles import frames as profile_frames
from profiles.audit import demographics_read_record
from profiles.models import Employee, RoleAssignment
from recommendations import frames as recommendation_frames
from recommendations.models import EngineSettings, Recommendation
from taxonomy import frames as taxonomy_frames

from . import audit, measures
from .models import BiasAudit, BiasFinding, Metric, MetricSnapshot

ALL = "all"
MOBILITY_WINDOW = pd.Timedelta(days=365)  # roles are filled too rarely to count by the quarter


def queries(*, end: pd.Timestamp) -> dict[str, Select]:
    """Every read of a snapshot and its audit, as of ``end``: the owning apps' frame readers
    (``bench_metrics`` times the same statements raw)."""
    until = end.to_pydatetime()
    return {
        "people": profile_frames.employees_select(active_only=False, with_employment=True),
        "roles": taxonomy_frames.roles_select(),  # for the grade of each person's role
        "picks": recommendation_frames.delivered_recommendations_select(delivered_until=until),
        "evidence": profile_frames.skill_evidence_select(  # only the pairs a pick targeted
            now=until,
            observed_until=until,
            only_pairs=recommendation_frames.targeted_pairs_sql(delivered_until=until),
            with_observed_at=True,
        ),
        "moves": profile_frames.role_assignments_select(
            kinds=[RoleAssignment.Kind.HIRE, RoleAssignment.Kind.INTERNAL_FILL]
        ),
        "checkins": Select(
            f"SELECT employee_id, held_on, employee_relevance, manager_prep_saved FROM {table(CheckIn)}",  # noqa: S608
            [],
            ["employee_id", "held_on", "employee_relevance", "manager_prep_saved"],
            {"employee_id": "int64", "employee_relevance": "float64", "manager_prep_saved": "float64"},
            dates=("held_on",),
        ),
        "demographics": profile_frames.demographics_select(),
        "matched": recommendation_frames.matched_employees_select(),
        "scores": profile_frames.performance_reviews_select(submitted_until=until),
        "placements": recommendation_frames.placements_select(placed_until=until),
        "succession": recommendation_frames.succession_select(until=until),
        "readiness": recommendation_frames.readiness_select(),
    }


@dataclass
class Inputs:
    people: pd.DataFrame  # employee_id, cohort, status, hire_date, termination_date, grade (of their role)
    picks: pd.DataFrame  # employee_id, skill_id, shown, delivered_at, acted_at, status, completed_at
    evidence: pd.DataFrame  # employee_id, skill_id, level, source, confidence, observed_at (targeted pairs)
    moves: pd.DataFrame  # employee_id, kind, start_date
    checkins: pd.DataFrame  # employee_id, held_on, employee_relevance, manager_prep_saved
    demographics: pd.DataFrame  # employee_id and audit.ATTRIBUTES
    matched: pd.DataFrame  # employee_id: matched to an open opportunity in their visible analysis
    scores: pd.DataFrame  # employee_id, score: performance reviews
    placements: pd.DataFrame  # employee_id, placed_on, traced
    succession: pd.DataFrame  # employee_id, critical_id, role, horizon, in_pool
    readiness: pd.DataFrame  # employee_id, readiness (for their current role)


def inputs_read(*, end: pd.Timestamp) -> Inputs:
    frames = {name: query.read() for name, query in queries(end=end).items()}
    # HR-only demographics are read here and nowhere else: on the record (who, when, why).
    demographics_read_record(reason="bias audit", count=len(frames["demographics"]))
    roles = frames.pop("roles").set_index("role_id")["grade"]
    people = frames["people"]
    frames["people"] = pd.DataFrame(
        {
            "employee_id": people["employee_id"],
            "cohort": people["cohort"].fillna(""),
            "status": people["status"],
            "hire_date": people["hire_date"],
            "termination_date": people["termination_date"],
            "grade": people["role_id"].map(roles).astype("float64"),
        }
    )
    frames["evidence"] = frames["evidence"].drop(columns="age_days")
    frames["moves"] = frames["moves"].drop(columns="role_id")
    return Inputs(**frames)


def _cohorts(people: pd.DataFrame) -> dict[str, np.ndarray]:
    """Employee ids per cohort: "all", then each named cohort (people in none are only in "all")."""
    groups = {ALL: people["employee_id"].to_numpy()}
    for cohort, members in people.groupby("cohort")["employee_id"]:
        if cohort:
            groups[cohort] = members.to_numpy()
    return groups


def figures_compute(data: Inputs, *, as_of: pd.Timestamp, window: pd.Timedelta, weights=None) -> list[dict]:
    """One row per cohort, metric and segment: cohort, metric, segment, value, measured."""
    rows = []
    completions = data.picks.loc[
        data.picks["status"] == Recommendation.Status.COMPLETED, ["employee_id", "completed_at"]
    ].dropna()
    enrolments = data.picks.loc[
        data.picks["status"].isin(Recommendation.TAKEN_UP), ["employee_id", "acted_at"]
    ].dropna()
    for cohort, ids in _cohorts(data.people).items():

        def of(frame, ids=ids):
            return frame[frame["employee_id"].isin(ids)]

        picks = of(data.picks)
        figures = {
            (Metric.ENGAGEMENT, ""): measures.engagement(picks, as_of=as_of, window=window),
            (Metric.SKILL_VELOCITY, ""): measures.skill_velocity(
                of(data.evidence), picks[["employee_id", "skill_id"]], as_of=as_of, window=window, weights=weights
            ),
            (Metric.INTERNAL_MOBILITY, ""): measures.internal_mobility(
                of(data.moves), completions, as_of=as_of, window=MOBILITY_WINDOW
            ),
            (Metric.PLACEMENTS_TRACED, ""): measures.placements_traced(
                of(data.placements), as_of=as_of, window=MOBILITY_WINDOW
            ),
            **{
                (Metric.BENCH_STRENGTH, segment): figure
                for segment, figure in measures.bench_strength(of(data.succession)).items()
            },
            **{
                (Metric.RETENTION, segment): figure
                for segment, figure in measures.retention(of(data.people), enrolments, as_of=as_of).items()
            },
            **{
                (Metric.CONVERSATION_QUALITY, segment): figure
                for segment, figure in measures.conversation_quality(
                    of(data.checkins), as_of=as_of, window=window
                ).items()
            },
        }
        for (metric, segment), figure in figures.items():
            rows.append(
                {
                    "cohort": cohort,
                    "metric": metric,
                    "segment": segment,
                    "value": figure.value,
                    "measured": figure.measured,
                }
            )
    return rows


def audit_people(data: Inputs, *, as_of: pd.Timestamp, window: pd.Timedelta) -> pd.DataFrame:
    """Active employees with demographics, and each audited outcome (NaN where it does not apply)."""
    active = data.people.loc[data.people["status"] == Employee.Status.ACTIVE, "employee_id"]
    people = data.demographics[data.demographics["employee_id"].isin(active)].fillna("")
    recent = data.picks[data.picks["delivered_at"] > as_of - window]
    people["shown_learning"] = people["employee_id"].isin(recent.loc[recent["shown"], "employee_id"]).astype(float)
    people["opportunity_match"] = people["employee_id"].isin(data.matched["employee_id"]).astype(float)

    due, in_time = measures.acted_in_time(data.picks, as_of=as_of, window=window)
    people["engaged"] = people["employee_id"].map(in_time.groupby(due["employee_id"]).any().astype(float))
    people["review_score"] = people["employee_id"].map(data.scores.groupby("employee_id")["score"].mean())
    proposed = data.succession["employee_id"]
    people["succession_proposed"] = people["employee_id"].isin(proposed).astype(float)
    in_pool = data.succession.loc[data.succession["in_pool"] == 1, "employee_id"]
    # of the people proposed, those a reviewer put in a pool (NaN for people never proposed)
    people["succession_pool"] = (
        people["employee_id"].isin(in_pool).astype(float).where(people["succession_proposed"] == 1)
    )
    people["readiness"] = people["employee_id"].map(data.readiness.set_index("employee_id")["readiness"])
    return people


@dataclass
class Taken:
    snapshots: int
    audit: BiasAudit


def snapshot_take(*, as_of: date, window_days: int = 90, progress: Callable[[str], object] | None = None) -> Taken:
    """The five metrics per cohort and a bias-audit run as of the end of ``as_of``."""
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, not {window_days}.")
    say = progress or (lambda step: None)
    end = pd.Timestamp(as_of + timedelta(days=1), tz="UTC") - pd.Timedelta(microseconds=1)
    window = pd.Timedelta(days=window_days)
    say("read")
    data = inputs_read(end=end)
    say("metrics")
    rows = figures_compute(data, as_of=end, window=window, weights=EngineSettings.load().as_weights())
    say("audit")
    people = audit_people(data, as_of=end, window=window)
    found = audit.findings(people)
    say("write")
    with transaction.atomic():
        MetricSnapshot.objects.filter(as_of=as_of).delete()
        MetricSnapshot.objects.bulk_create(
            [MetricSnapshot(as_of=as_of, window_days=window_days, **row) for row in rows]
        )
        run = BiasAudit.objects.create(as_of=as_of, employees=len(people), flagged=int(found["flagged"].sum()))
        BiasFinding.objects.bulk_create(
            [
                BiasFinding(audit=run, **{k: (None if pd.isna(v) else v) for k, v in row.items()})
                for row in found.to_dict("records")
            ]
        )
    return Taken(snapshots=len(rows), audit=run)
