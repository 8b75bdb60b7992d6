"""Writing the demo history's recommendations, flags, learning records and evidence to the tables,
in bulk (``population.write_rows``)."""

import json
from math import floor

import numpy as np
import pandas as pd

from profiles.models import LearningRecord, SkillEvidence
from recommendations.engine import picking
from recommendations.models import Flag, Recommendation

from .context import Context
from .population import datetimes, now_text, nullable_ids, write_rows
from .recommendation_world import DAY, END, LAST_ROUND, ROUNDS, World, aware, frame_of, utc_seconds

Status = Recommendation.Status


SOURCE = "demo"
NOTE_PREFIX = {"learning": "Completed “", "assessment": "Assessment after “", "manager": "Check-in after “"}
GOAL_PHRASES = {
    "current": "your current role",
    "aspired": "the role you aim for",
    "both": "your role and the one you aim for",
    "demand": "your business unit's plans",
}


def write_history(ctx: Context, world: World) -> None:
    recommendations = pd.concat(world.recommendations, ignore_index=True)
    _write_recommendations(ctx, world, recommendations)
    _write_flags(ctx, world, recommendations)
    _write_records(ctx, world)
    _write_evidence(ctx, world)
    status = recommendations["status"]
    ctx.summary.notes.append(
        f"recommendation history: {len(recommendations):,} past recommendations for {len(world.people):,} people over "
        f"{ROUNDS} months ({status.eq(Status.COMPLETED).sum():,} completed, {status.eq(Status.DISMISSED).sum():,} "
        f"dismissed), with planted format preferences and item uplifts; `manage.py train_recommender` learns from them"
    )


def _reasons(rows: pd.DataFrame, world: World) -> list[str]:
    titles = world.resources.set_index("resource_id")["title"]
    return [
        f"“{titles[resource]}” takes {world.skill_names.get(skill, 'the skill')} from level {floor(current + 0.5)} "
        f"toward {reaches}, for {GOAL_PHRASES.get(goal, 'your goals')}."
        for resource, skill, current, reaches, goal in zip(
            rows["resource_id"],
            rows["skill_id"],
            rows["current_level"],
            rows["reaches_level"],
            rows["goal"],
            strict=True,
        )
    ]


def _write_recommendations(ctx: Context, world: World, rows: pd.DataFrame) -> None:
    features = rows[picking.FEATURES].round(6).to_numpy()
    out = pd.DataFrame(
        {
            "employee_id": rows["employee_id"].to_numpy(),
            "resource_id": rows["resource_id"].to_numpy(),
            "skill_id": rows["skill_id"].to_numpy(),
            "goal": rows["goal"].to_numpy(),
            "current_level": rows["current_level"].round(3).to_numpy(),
            "reaches_level": rows["reaches_level"].to_numpy(dtype="int64"),
            "gap_priority": rows["gap_priority"].round(6).to_numpy(),
            "score": rows["score"].round(6).to_numpy(),
            "confidence": rows["confidence"].round(4).to_numpy(),
            "rank": rows["rank"].to_numpy(dtype="int64"),
            "shown": rows["shown"].to_numpy(dtype=bool),
            "reason": _reasons(rows, world),
            "scorer": "heuristic",
            "features": [json.dumps(dict(zip(picking.FEATURES, values.tolist(), strict=True))) for values in features],
            "status": rows["status"].to_numpy(),
            "created_at": datetimes(rows["created_at"].to_numpy()),
            "delivered_at": datetimes(rows["delivered_at"].to_numpy()),
            "acted_at": datetimes(rows["acted_at"].to_numpy()),
            "completed_at": datetimes(rows["completed_at"].to_numpy()),
            "dismissed_reason": rows["dismissed_reason"].to_numpy(),
        }
    )
    write_rows(ctx, Recommendation, out, list(out.columns), "past recommendations")


def _write_flags(ctx: Context, world: World, recommendations: pd.DataFrame) -> None:
    """The managers' flags, tied to the recommendations just written (found by person, item and time)."""
    flags = recommendations[recommendations["flag_reason"].to_numpy() != ""]
    if flags.empty:
        return
    written = frame_of(
        Recommendation.objects.filter(
            created_at__lt=aware(LAST_ROUND + 31 * DAY), flags__isnull=True, status=Status.WITHDRAWN
        ),
        ["pk", "employee_id", "resource_id", "created_at"],
    )
    written["created_at"] = utc_seconds(written["created_at"])
    flags = flags.merge(written, on=["employee_id", "resource_id", "created_at"])
    manager_user = world.people.set_index("employee_id")["manager_user"]
    out = pd.DataFrame(
        {
            "target": Flag.Target.RECOMMENDATION,
            "employee_id": flags["employee_id"].to_numpy(),
            "skill_id": flags["skill_id"].to_numpy(),
            "recommendation_id": flags["pk"].to_numpy(),
            "reason": flags["flag_reason"].to_numpy(),
            "raised_by_id": nullable_ids(manager_user.loc[flags["employee_id"]].to_numpy()),
            "created_at": datetimes(flags["flagged_at"].to_numpy()),
            "resolved_at": datetimes(flags["resolved_at"].to_numpy()),
            "resolution": "HR withdrew it from the employee's list.",
        }
    )
    write_rows(ctx, Flag, out, list(out.columns), "past recommendation flags")


def _numbered(world: World, employee_ids: pd.Series, prefix: str) -> list[str]:
    """External ids ``<prefix>-<employee external id>-<n>``, numbered per person."""
    external = world.people.set_index("employee_id")["external_id"]
    number = employee_ids.groupby(employee_ids.to_numpy()).cumcount().to_numpy() + 1
    return [f"{prefix}-{e}-{n}" for e, n in zip(external.loc[employee_ids].to_numpy(), number, strict=True)]


def _write_records(ctx: Context, world: World) -> None:
    records = world.records
    records = records[records["new"].to_numpy(dtype=bool) & (records["started_at"].to_numpy() < END)]
    records = records.reset_index(drop=True)
    open_now = ~(records["decided_at"].to_numpy() < END)  # still under way on BASE_DATE
    resources = world.resources.set_index("resource_id").loc[records["resource_id"]]
    out = pd.DataFrame(
        {
            "employee_id": records["employee_id"].to_numpy(),
            "activity_id": resources["activity_id"].to_numpy(),
            "title": resources["title"].str.slice(0, 300).to_numpy(),
            "provider": resources["provider"].to_numpy(),
            "status": np.where(open_now, "in_progress", records["status"].to_numpy()),
            "started_at": datetimes(records["started_at"].to_numpy()),
            "completed_at": datetimes(np.where(open_now, np.datetime64("NaT"), records["completed_at"].to_numpy())),
            "score": None,
            "minutes": records["minutes"].to_numpy(dtype="int64"),
            "source": SOURCE,
            "external_id": _numbered(world, records["employee_id"], "demo-rh"),
            "received_at": now_text(len(records)),
        }
    )
    write_rows(ctx, LearningRecord, out, list(out.columns), "learning records (recommendations)")


def _write_evidence(ctx: Context, world: World) -> None:
    evidence = world.evidence
    evidence = evidence[evidence["new"].to_numpy(dtype=bool) & (evidence["observed_at"].to_numpy() < END)]
    evidence = evidence.reset_index(drop=True)
    resources = world.resources.set_index("resource_id").loc[evidence["resource_id"]]
    titles = resources["title"].to_numpy(dtype=object)
    # A completion's evidence links to the item, as ``outcomes.recommendation_complete`` links it.
    link = resources["url"].where(resources["url"] != "", resources["activity_id"]).to_numpy(dtype=object)
    link = np.where(np.char.startswith(link.astype(str), "http"), link, "")
    manager_user = world.people.set_index("employee_id")["manager_user"].loc[evidence["employee_id"]].to_numpy()
    source = evidence["source"].to_numpy()
    out = pd.DataFrame(
        {
            "employee_id": evidence["employee_id"].to_numpy(),
            "skill_id": evidence["skill_id"].to_numpy(),
            "level": evidence["level"].to_numpy(dtype="int64"),
            "source": source,
            "observed_at": datetimes(evidence["observed_at"].to_numpy()),
            "confidence": evidence["confidence"].to_numpy(dtype="float64"),
            "note": evidence["source"].map(NOTE_PREFIX).to_numpy(dtype=object) + titles + "”.",
            "evidence_url": np.where(source == "learning", link, ""),
            "recorded_by_id": nullable_ids(np.where(source == "manager", manager_user, -1)),
            "external_id": _numbered(world, evidence["employee_id"], "demo-rhev"),
            "created_at": now_text(len(evidence)),
        }
    )
    write_rows(ctx, SkillEvidence, out, list(out.columns), "skill evidence (recommendations)")
