"""The labelled history the ranking model learns from: what became of every delivered
recommendation whose outcome window has closed, read set-based and labelled (``label_outcomes``:
good, or why not), stored once its window closes (``outcomes_label``), and split in time
(``time_split``). ``recommendations.ranking`` trains and evaluates on it.
"""

from datetime import timedelta

import numpy as np
import pandas as pd
from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, OuterRef, Subquery
from django.utils import timezone

from core.frames import Select
from profiles.models import SkillEvidence

from .engine.picking import FEATURES
from .models import Flag, Recommendation


class NotEnoughHistory(Exception):
    """Too few labelled recommendations to split in time and train (nothing is recorded)."""


ACT_WITHIN_DAYS = 30
RISE_WITHIN_DAYS = 90
RISE_SOURCES = ("manager", "assessment")
"""Ratings that show a rise: self-ratings run high, and a completion's own learning evidence only
repeats what the item promises."""
OUTCOME_DAYS = 120
"""A recommendation is labelled once this long has passed since delivery (30 days to act, time to
finish, a rating after): younger ones would look like failures that are not. Only what happened
inside the window counts, so a label never changes once given."""
NOT_TAKEN = ("flagged", "dismissed", "not acted on in 30 days", "not completed")

OUTCOME_COLUMNS = [
    "id", "employee_id", "resource_id", "skill_id", "created_at", "delivered_at", "acted_at", "completed_at",
    "status", "current_level", "flagged", "level_before", "level_after",
]  # fmt: skip


def read_outcomes(*, now=None) -> pd.DataFrame:
    """Delivered recommendations whose outcome window has closed by ``now``: OUTCOME_COLUMNS,
    the FEATURES of their snapshot, ``outcome`` and ``label``, sorted by ``created_at``.

    Rows without a snapshot (made before recommendations kept one) are left out.
    """
    rows = _outcome_rows(now=now or timezone.now()).values_list(*OUTCOME_COLUMNS, "features")
    records = list(rows.iterator(chunk_size=20_000))
    frame = pd.DataFrame([row[:-1] for row in records], columns=OUTCOME_COLUMNS)
    features = pd.DataFrame([row[-1] for row in records], columns=FEATURES, dtype="float64").fillna(0.0)
    for name in ("created_at", "delivered_at", "acted_at", "completed_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    frame = frame.astype({"level_before": "float64", "level_after": "float64", "flagged": bool})
    return label_outcomes(pd.concat([frame, features], axis=1))


def _outcome_rows(*, now):
    """The labelled rows' queryset (see ``read_outcomes``): two index lookups per row."""

    def ratings(**observed):
        return SkillEvidence.objects.filter(
            employee_id=OuterRef("employee_id"), skill_id=OuterRef("skill_id"), source__in=RISE_SOURCES, **observed
        ).order_by()

    def days_after(column, days):
        return ExpressionWrapper(OuterRef(column) + timedelta(days=days), output_field=DateTimeField())

    first_after = ratings(
        observed_at__gt=OuterRef("completed_at"),
        observed_at__lte=days_after("completed_at", RISE_WITHIN_DAYS),
        observed_at__lt=days_after("delivered_at", OUTCOME_DAYS),
    ).order_by("observed_at", "pk")
    newest_before = ratings(observed_at__lte=OuterRef("completed_at")).order_by("-observed_at", "-pk")
    return (
        Recommendation.objects.filter(delivered_at__isnull=False, delivered_at__lte=now - timedelta(days=OUTCOME_DAYS))
        .exclude(features={})
        .annotate(
            flagged=Exists(Flag.objects.filter(recommendation_id=OuterRef("pk"))),
            level_before=Subquery(newest_before.values("level")[:1]),
            level_after=Subquery(first_after.values("level")[:1]),
        )
        .order_by("created_at", "pk")
    )


TAKEN_OUTCOMES = ("not completed", "no rise", "good")
"""Acted on in time and neither dismissed nor flagged: what a completion rate is a share of."""
COMPLETED_OUTCOMES = ("no rise", "good")


def outcome_rows_select(*, now, unlabelled_only: bool = False) -> Select:
    """The labelled rows of ``read_outcomes`` taken up (accepted or completed) without their
    features, as one statement read set-based (COPY on PostgreSQL): what workforce planning learns
    its rates from. ``unlabelled_only``: those whose outcome is not stored yet (``outcomes_label``)."""
    # Only picks taken up can count in either rate (the others are dismissed, flagged or never
    # acted on): leaving the rest out spares their two lookups.
    taken_up = _outcome_rows(now=now).filter(acted_at__isnull=False, status__in=Recommendation.TAKEN_UP)
    if unlabelled_only:
        taken_up = taken_up.filter(outcome="")
    sql, params = taken_up.values_list(*OUTCOME_COLUMNS).query.sql_with_params()
    return Select(
        sql,
        list(params),
        columns=OUTCOME_COLUMNS,
        dtypes={"level_before": "float64", "level_after": "float64", "current_level": "float64"},
        dates=("created_at", "delivered_at", "acted_at", "completed_at"),
        flags=("flagged",),
    )


def outcome_counts_select(*, now) -> Select:
    """outcome, picks: the stored outcomes (``outcomes_label``) of the picks taken up whose window
    closed by ``now``, counted by the database (one short scan of an index)."""
    closed = Recommendation.objects.filter(
        delivered_at__isnull=False, delivered_at__lte=now - timedelta(days=OUTCOME_DAYS)
    ).exclude(outcome="")
    sql, params = (
        closed.values("outcome").annotate(picks=Count("pk")).values_list("outcome", "picks").query.sql_with_params()
    )
    return Select(sql, list(params), columns=["outcome", "picks"], dtypes={"picks": "int64"})


def outcomes_label(*, now=None) -> int:
    """Store the outcome of every pick taken up whose outcome window closed by ``now`` and has none
    yet (``label_outcomes``): what the daily capability snapshot learns its rates from, so it
    counts them instead of labelling the whole history again. A window that closed never reopens:
    a rise counts only if rated before it closed. One update per outcome, in blocks of ids.
    Returns how many were labelled."""
    labelled = label_outcomes(outcome_rows_select(now=now or timezone.now(), unlabelled_only=True).read())
    for outcome, rows in labelled.groupby("outcome"):
        ids = rows["id"].to_numpy().tolist()
        for start in range(0, len(ids), 10_000):
            Recommendation.objects.filter(pk__in=ids[start : start + 10_000]).update(outcome=outcome)
    return len(labelled)


def learned_rates(outcomes: pd.DataFrame, *, stored: pd.DataFrame | None = None) -> dict:
    """From labelled outcomes (``label_outcomes``) and the counts of those already stored
    (``outcome_counts_select``: outcome, picks): how many picks taken up in time were
    completed (``completion_rate`` of ``completion_seen``) and how many completed ones were
    followed by a rated rise (``uplift_rate`` of ``uplift_seen``); a rate is None before any."""
    counts = outcomes["outcome"].value_counts()
    if stored is not None and not stored.empty:
        counts = counts.add(stored.set_index("outcome")["picks"], fill_value=0)
    taken = int(counts.reindex(TAKEN_OUTCOMES).fillna(0).sum())
    completed = int(counts.reindex(COMPLETED_OUTCOMES).fillna(0).sum())
    good = int(counts.get("good", 0))
    return {
        "completion_seen": taken,
        "completion_done": completed,
        "completion_rate": completed / taken if taken else None,
        "uplift_seen": completed,
        "uplift_done": good,
        "uplift_rate": good / completed if completed else None,
    }


def label_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds ``outcome`` (why) and ``label`` (1 good, 0 not) to a frame with OUTCOME_COLUMNS.

    The first that applies: flagged by a manager or HR; dismissed; not acted on within 30 days
    of delivery; not completed within the outcome window; no rise (the first rating after
    completing, ``level_after``, is not above ``level_before`` or, without one, the level it
    was made for, by more than half a level); otherwise good.
    """
    delivered = frame["delivered_at"]
    acted_in_time = frame["acted_at"].notna() & (frame["acted_at"] <= delivered + pd.Timedelta(days=ACT_WITHIN_DAYS))
    completed = frame["completed_at"].notna() & (frame["completed_at"] < delivered + pd.Timedelta(days=OUTCOME_DAYS))
    before = frame["level_before"].fillna(frame["current_level"]).to_numpy(dtype="float64")
    rose = frame["level_after"].to_numpy(dtype="float64") > before + 0.5  # no rating (NaN) is no rise
    outcome = np.select(
        [
            frame["flagged"].to_numpy(dtype=bool),
            (frame["status"] == Recommendation.Status.DISMISSED).to_numpy(dtype=bool),
            ~acted_in_time.to_numpy(dtype=bool),
            ~completed.to_numpy(dtype=bool),
            ~rose,
        ],
        [*NOT_TAKEN, "no rise"],
        "good",
    )
    return frame.assign(outcome=outcome, label=(outcome == "good").astype("int64"))


def month_groups(frame: pd.DataFrame) -> np.ndarray:
    """One integer per (employee, calendar month the recommendation was made): the ranked lists."""
    created = frame["created_at"].dt.tz_convert("UTC")
    month = (created.dt.year * 12 + created.dt.month - 1).to_numpy(dtype="int64")
    return frame["employee_id"].to_numpy(dtype="int64") * 100_000 + month


def time_split(frame: pd.DataFrame, *, months: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """(rows made before ``split_at``, rows of the last ``months`` calendar months, ``split_at``):
    every earlier row was made strictly before every later one."""
    if frame.empty:
        raise NotEnoughHistory("There are no labelled recommendations yet.")
    latest = frame["created_at"].max().tz_convert("UTC").tz_localize(None)
    split_at = (latest.to_period("M") - (months - 1)).to_timestamp().tz_localize("UTC")
    earlier, later = frame[frame["created_at"] < split_at], frame[frame["created_at"] >= split_at]
    if earlier.empty:
        raise NotEnoughHistory(
            f"All {len(frame)} labelled recommendations fall in the last {months} months: none is left to learn from."
        )
    return earlier, later, split_at
