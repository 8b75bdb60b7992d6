"""Take the outcome snapshot and run the bias audit: set-based reads into pandas, one write.

``snapshot_take(as_of=..., window_days=90)`` reads what the five metrics need as of the end of
``as_of`` (nothing later counts), computes them per cohort (each ``Employee.cohort`` value, and
"all") with ``metrics.outcomes``, runs ``metrics.audit`` over the people with demographics, and
writes the figures in one transaction: a snapshot taken again for the same date replaces that
date's figures, and a new audit run is added.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db import transaction

from core.frames import read_frame, table
from feedback.models import CheckIn
from profiles.models import Demographics, Employee, PerformanceReview, RoleAssignment, SkillEvidence
from recommendations.models import EmployeeAnalysis, EngineSettings, OpportunityMatch, Recommendation
from taxonomy.models import Role

from . import audit, outcomes
from .models import BiasAudit, BiasFinding, Metric, MetricSnapshot

ALL = "all"
MOBILITY_WINDOW = pd.Timedelta(days=365)  # roles are filled too rarely to count by the quarter


def _when(values: pd.Series) -> pd.Series:
    """Dates and times from either database as UTC timestamps (NaT for none)."""
    return pd.to_datetime(values, utc=True, format="ISO8601")


@dataclass(frozen=True)
class Query:
    sql: str
    params: list
    columns: list[str]
    dtypes: dict
    dates: tuple[str, ...] = ()  # read as text, parsed the same way from either database

    def read(self) -> pd.DataFrame:
        frame = read_frame(
            self.sql, self.params, columns=self.columns, dtypes={**self.dtypes, **dict.fromkeys(self.dates, "str")}
        )
        for column in self.dates:
            frame[column] = _when(frame[column])
        return frame


def queries(*, end: pd.Timestamp) -> dict[str, Query]:
    """Every read of a snapshot and its audit, as of ``end`` (``bench_metrics`` times the same ones raw)."""
    until = end.to_pydatetime()
    recommendations = table(Recommendation)
    return {
        "people": Query(
            "SELECT e.id, e.cohort, e.status, e.hire_date, e.termination_date, r.grade "  # noqa: S608
            f"FROM {table(Employee)} AS e LEFT JOIN {table(Role)} AS r ON r.id = e.role_id",
            [],
            ["employee_id", "cohort", "status", "hire_date", "termination_date", "grade"],
            {"employee_id": "int64", "cohort": "str", "status": "str", "grade": "float64"},
            ("hire_date", "termination_date"),
        ),
        "picks": Query(
            "SELECT employee_id, skill_id, shown, delivered_at, acted_at, status, completed_at "  # noqa: S608
            f"FROM {recommendations} WHERE delivered_at IS NOT NULL AND delivered_at <= %s",
            [until],
            ["employee_id", "skill_id", "shown", "delivered_at", "acted_at", "status", "completed_at"],
            {"employee_id": "int64", "skill_id": "int64"},
            ("delivered_at", "acted_at", "completed_at"),
        ),
        "evidence": Query(  # only the pairs a pick targeted
            "SELECT e.employee_id, e.skill_id, e.level, e.source, e.confidence, e.observed_at "  # noqa: S608
            f"FROM {table(SkillEvidence)} AS e WHERE e.observed_at <= %s AND EXISTS (SELECT 1 FROM "
            f"{recommendations} AS r WHERE r.employee_id = e.employee_id AND r.skill_id = e.skill_id "
            "AND r.delivered_at <= %s)",
            [until, until],
            ["employee_id", "skill_id", "level", "source", "confidence", "observed_at"],
            {"employee_id": "int64", "skill_id": "int64", "level": "int64", "source": "str", "confidence": "float64"},
            ("observed_at",),
        ),
        "moves": Query(
            f"SELECT employee_id, kind, start_date FROM {table(RoleAssignment)} WHERE kind IN (%s, %s)",  # noqa: S608
            [RoleAssignment.Kind.HIRE, RoleAssignment.Kind.INTERNAL_FILL],
            ["employee_id", "kind", "start_date"],
            {"employee_id": "int64", "kind": "str"},
            ("start_date",),
        ),
        "checkins": Query(
            f"SELECT employee_id, held_on, employee_relevance, manager_prep_saved FROM {table(CheckIn)}",  # noqa: S608
            [],
            ["employee_id", "held_on", "employee_relevance", "manager_prep_saved"],
            {"employee_id": "int64", "employee_relevance": "float64", "manager_prep_saved": "float64"},
            ("held_on",),
        ),
        "demographics": Query(
            f"SELECT employee_id, gender, ethnicity, age_band, disability FROM {table(Demographics)}",  # noqa: S608
            [],
            ["employee_id", *audit.ATTRIBUTES],
            {"employee_id": "int64", **dict.fromkeys(audit.ATTRIBUTES, "str")},
        ),
        "matched": Query(
            f"SELECT DISTINCT m.employee_id FROM {table(OpportunityMatch)} AS m "  # noqa: S608
            f"JOIN {table(EmployeeAnalysis)} AS a ON a.employee_id = m.employee_id AND a.visible_run_id = m.run_id "
            "WHERE m.rank_for_employee IS NOT NULL",
            [],
            ["employee_id"],
            {"employee_id": "int64"},
        ),
        "scores": Query(
            f"SELECT employee_id, score FROM {table(PerformanceReview)} WHERE submitted_at <= %s",  # noqa: S608
            [until],
            ["employee_id", "score"],
            {"employee_id": "int64", "score": "float64"},
        ),
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


def inputs_read(*, end: pd.Timestamp) -> Inputs:
    frames = {name: query.read() for name, query in queries(end=end).items()}
    frames["picks"]["shown"] = frames["picks"]["shown"].astype(str).str.lower().isin(["true", "t", "1"])
    frames["people"]["cohort"] = frames["people"]["cohort"].fillna("")
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
            (Metric.ENGAGEMENT, ""): outcomes.engagement(picks, as_of=as_of, window=window),
            (Metric.SKILL_VELOCITY, ""): outcomes.skill_velocity(
                of(data.evidence), picks[["employee_id", "skill_id"]], as_of=as_of, window=window, weights=weights
            ),
            (Metric.INTERNAL_MOBILITY, ""): outcomes.internal_mobility(
                of(data.moves), completions, as_of=as_of, window=MOBILITY_WINDOW
            ),
            **{
                (Metric.RETENTION, segment): figure
                for segment, figure in outcomes.retention(of(data.people), enrolments, as_of=as_of).items()
            },
            **{
                (Metric.CONVERSATION_QUALITY, segment): figure
                for segment, figure in outcomes.conversation_quality(
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

    due, in_time = outcomes.acted_in_time(data.picks, as_of=as_of, window=window)
    people["engaged"] = people["employee_id"].map(in_time.groupby(due["employee_id"]).any().astype(float))
    people["review_score"] = people["employee_id"].map(data.scores.groupby("employee_id")["score"].mean())
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
