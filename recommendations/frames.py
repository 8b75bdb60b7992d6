"""The recommendations tables read set-based into pandas frames: the open opportunities and the
learning catalogue the recompute scores against, and what the outcome metrics read of the
recommendations and matches. Fixed columns and dtypes; ``core.frames`` does the reading (COPY
on PostgreSQL). Readers the metrics use come as ``<reader>_select`` statements, so
``bench_metrics`` times the very same reads raw.

Reads that belong to one algorithm stay beside it: the learning history joined to the
catalogue, the live recommendations a re-plan compares with, and the write path
(``recommendations.learning``, ``recommendations.analysis``).
"""

from datetime import datetime

import pandas as pd
from django.utils import timezone

from core.frames import Select, table
from profiles.frames import employee_filter
from profiles.models import Employee, LearningRecord
from taxonomy.models import Skill

from .models import (
    CriticalRole,
    EmployeeAnalysis,
    GapWeight,
    LearningResource,
    Opportunity,
    OpportunityMatch,
    OpportunitySkill,
    Placement,
    PlannedMove,
    Recommendation,
    ResourceSkill,
    SkillGap,
    SuccessionCandidate,
)

# --- people's own weights on their gaps ------------------------------------------------------


def gap_weights(**among) -> pd.DataFrame:
    """The weights deep reviews agreed: employee_id, skill_id, weight. The employees as in
    ``profiles.frames.employee_filter`` (``id_range``, ``employee_ids``, ``business_unit_id``)."""
    where, params = employee_filter("employee_id", **among)
    return Select(
        f"SELECT employee_id, skill_id, weight FROM {table(GapWeight)} WHERE {where}",  # noqa: S608
        params,
        columns=["employee_id", "skill_id", "weight"],
        dtypes={"employee_id": "int64", "skill_id": "int64", "weight": "float64"},
    ).read()


# --- opportunities ---------------------------------------------------------------------------


def _open_today(alias: str) -> tuple[str, list]:
    """SQL and parameters for an opportunity that is open and not past its closing date (one HR
    forgot to close is not offered), ``alias`` being the table's alias with its dot, or ""."""
    sql = f"{alias}status = %s AND ({alias}closes_on IS NULL OR {alias}closes_on >= %s)"
    return sql, [Opportunity.Status.OPEN, timezone.localdate()]


def open_opportunities() -> pd.DataFrame:
    """Open opportunities not past their closing date: opportunity_id, kind, role_id (NaN for a
    project or a stretch)."""
    where, params = _open_today("")
    return Select(
        f"SELECT id, kind, role_id FROM {table(Opportunity)} WHERE {where}",  # noqa: S608
        params,
        columns=["opportunity_id", "kind", "role_id"],
        dtypes={"opportunity_id": "int64", "role_id": "float64"},
    ).read()


def open_opportunity_skills() -> pd.DataFrame:
    """The skills open opportunities list: opportunity_id, skill_id, target_level, importance.
    An open role listing none is scored against its role's requirements (``analysis.read_shared``)."""
    where, params = _open_today("o.")
    return Select(
        f"SELECT s.opportunity_id, s.skill_id, s.target_level, s.importance FROM {table(OpportunitySkill)} s "  # noqa: S608
        f"JOIN {table(Opportunity)} o ON o.id = s.opportunity_id WHERE {where}",
        params,
        columns=["opportunity_id", "skill_id", "target_level", "importance"],
        dtypes={"opportunity_id": "int64", "skill_id": "int64", "target_level": "int64", "importance": "int64"},
    ).read()


# --- the learning catalogue ------------------------------------------------------------------


def catalogue_resources() -> pd.DataFrame:
    """Active catalogue items: resource_id, kind, format, hours, mentor_id (NaN unless a
    mentorship), mentor (their name) and description (both for the reason), active (always True)."""
    return (
        Select(
            f"SELECT r.id, r.kind, r.format, r.hours, r.mentor_id, m.first_name || ' ' || m.last_name, r.description "  # noqa: S608
            f"FROM {table(LearningResource)} r LEFT JOIN {table(Employee)} m ON m.id = r.mentor_id WHERE r.active = %s",
            [True],
            columns=["resource_id", "kind", "format", "hours", "mentor_id", "mentor", "description"],
            dtypes={"resource_id": "int64", "hours": "float64", "mentor_id": "float64"},
        )
        .read()
        .assign(active=True)
    )


def catalogue_skills() -> pd.DataFrame:
    """The skills active catalogue items raise: resource_id, skill_id, from_level, to_level (as
    HR set them; ``learning.within_mentor_levels`` caps mentorships at the mentor's level)."""
    return Select(
        f"SELECT rs.resource_id, rs.skill_id, rs.from_level, rs.to_level FROM {table(ResourceSkill)} rs "  # noqa: S608
        f"JOIN {table(LearningResource)} r ON r.id = rs.resource_id WHERE r.active = %s",
        [True],
        columns=["resource_id", "skill_id", "from_level", "to_level"],
        dtypes={"resource_id": "int64", "skill_id": "int64", "from_level": "int64", "to_level": "int64"},
    ).read()


# --- read by the outcome metrics -------------------------------------------------------------


def delivered_recommendations_select(*, delivered_until: datetime) -> Select:
    """Learning picks delivered by ``delivered_until``: employee_id, skill_id, shown (bool),
    delivered_at, acted_at, status, completed_at (UTC; NaT for not yet)."""
    return Select(
        "SELECT employee_id, skill_id, shown, delivered_at, acted_at, status, completed_at "  # noqa: S608
        f"FROM {table(Recommendation)} WHERE delivered_at IS NOT NULL AND delivered_at <= %s",
        [delivered_until],
        columns=["employee_id", "skill_id", "shown", "delivered_at", "acted_at", "status", "completed_at"],
        dtypes={"employee_id": "int64", "skill_id": "int64"},
        dates=("delivered_at", "acted_at", "completed_at"),
        flags=("shown",),
    )


def targeted_pairs_sql(*, delivered_until: datetime) -> tuple[str, list]:
    """The (employee_id, skill_id) pairs a pick delivered by then targeted, as SQL and its
    parameters for ``profiles.frames.skill_evidence(only_pairs=...)``: the database joins."""
    return (
        f"SELECT employee_id, skill_id FROM {table(Recommendation)} WHERE delivered_at <= %s",  # noqa: S608
        [delivered_until],
    )


def matched_employees_select() -> Select:
    """employee_id of everyone matched to an open opportunity in the analysis they see."""
    return Select(
        f"SELECT DISTINCT m.employee_id FROM {table(OpportunityMatch)} AS m "  # noqa: S608
        f"JOIN {table(EmployeeAnalysis)} AS a ON a.employee_id = m.employee_id AND a.visible_run_id = m.run_id "
        "WHERE m.rank_for_employee IS NOT NULL",
        [],
        columns=["employee_id"],
        dtypes={"employee_id": "int64"},
    )


# --- read by the capability heatmap and workforce planning -----------------------------------


def analysed_employees_select() -> Select:
    """employee_id of everyone with an analysis HR released (a generation managers and the
    employee may see: ``EmployeeAnalysis.visible_run``)."""
    return Select(
        f"SELECT employee_id FROM {table(EmployeeAnalysis)} WHERE visible_run_id IS NOT NULL",  # noqa: S608
        [],
        columns=["employee_id"],
        dtypes={"employee_id": "int64"},
    )


def current_role_gaps_select() -> Select:
    """Each employee's stored shortfalls against their current role, from the generation HR
    released (``visible_run``: what /me/ and the briefing show; a newer run still waiting for
    review is not read): employee_id, skill_id, target_current, shortfall_current (levels, > 0)."""
    return Select(
        "SELECT g.employee_id, g.skill_id, g.target_current, g.shortfall_current "  # noqa: S608
        f"FROM {table(SkillGap)} g JOIN {table(EmployeeAnalysis)} a "
        "ON a.employee_id = g.employee_id AND a.visible_run_id = g.run_id "
        "WHERE g.target_current IS NOT NULL AND g.shortfall_current > 0",
        [],
        columns=["employee_id", "skill_id", "target_current", "shortfall_current"],
        dtypes={"employee_id": "int64", "skill_id": "int64", "target_current": "int64", "shortfall_current": "float64"},
    )


def picks_in_progress_select() -> Select:
    """Learning picks accepted and not finished: employee_id, skill_id, reaches_level, acted_at
    (UTC, when accepted), hours (the item's expected effort)."""
    return Select(
        "SELECT r.employee_id, r.skill_id, r.reaches_level, r.acted_at, c.hours "  # noqa: S608
        f"FROM {table(Recommendation)} r JOIN {table(LearningResource)} c ON c.id = r.resource_id "
        "WHERE r.status = %s",
        [Recommendation.Status.ACCEPTED],
        columns=["employee_id", "skill_id", "reaches_level", "acted_at", "hours"],
        dtypes={"employee_id": "int64", "skill_id": "int64", "reaches_level": "int64", "hours": "float64"},
        dates=("acted_at",),
    )


def planned_moves_select(*, after: datetime) -> Select:
    """Moves expected after ``after`` (``PlannedMove``) of active people: employee_id,
    business_unit_id (where to; NaN: they stay), expected_on (UTC midnight), likelihood."""
    return Select(
        "SELECT m.employee_id, m.business_unit_id, m.expected_on, m.likelihood "  # noqa: S608
        f"FROM {table(PlannedMove)} m JOIN {table(Employee)} e ON e.id = m.employee_id "
        "WHERE m.expected_on > %s AND e.status = %s",
        [after.date(), Employee.Status.ACTIVE],
        columns=["employee_id", "business_unit_id", "expected_on", "likelihood"],
        dtypes={"employee_id": "int64", "business_unit_id": "float64", "likelihood": "float64"},
        dates=("expected_on",),
    )


def placements_select(*, placed_until: datetime) -> Select:
    """Internal placements effective by ``placed_until`` (their ``placed_on`` day): employee_id,
    placed_on (UTC midnight), traced (bool: a development path, picks completed before it, led to it)."""
    path = Placement.development_path.through
    return Select(
        f"SELECT p.employee_id, p.placed_on, EXISTS (SELECT 1 FROM {table(path)} d WHERE d.placement_id = p.id) "  # noqa: S608
        f"FROM {table(Placement)} p WHERE p.placed_on <= %s",
        [placed_until.date()],
        columns=["employee_id", "placed_on", "traced"],
        dtypes={"employee_id": "int64"},
        dates=("placed_on",),
        flags=("traced",),
    )


def succession_select(*, until: datetime) -> Select:
    """Succession proposals made by ``until``: employee_id, critical_id, role (its title),
    horizon, proposed_at, in_pool (bool: approved or edited by ``until``)."""
    pool = ", ".join(f"'{status}'" for status in SuccessionCandidate.IN_POOL)  # choice values from the code
    return Select(
        f"SELECT s.employee_id, s.critical_role_id, r.title, s.horizon, "  # noqa: S608
        f"CASE WHEN s.status IN ({pool}) AND s.decided_at <= %s THEN 1 ELSE 0 END "
        f"FROM {table(SuccessionCandidate)} s JOIN {table(CriticalRole)} c ON c.id = s.critical_role_id "
        f"JOIN {table(CriticalRole._meta.get_field('role').related_model)} r ON r.id = c.role_id "
        "WHERE s.proposed_at <= %s",
        [until, until],
        columns=["employee_id", "critical_id", "role", "horizon", "in_pool"],
        dtypes={"employee_id": "int64", "critical_id": "int64", "role": "str", "horizon": "str", "in_pool": "int64"},
    )


def readiness_select() -> Select:
    """Each analysed employee's readiness for their current role (as the analysis stands)."""
    return Select(
        f"SELECT employee_id, readiness_current FROM {table(EmployeeAnalysis)} WHERE readiness_current IS NOT NULL",  # noqa: S608
        [],
        columns=["employee_id", "readiness"],
        dtypes={"employee_id": "int64", "readiness": "float64"},
    )


# --- LMS completions of open picks -----------------------------------------------------------

LMS_COMPLETION_COLUMNS = [
    "pk",
    "employee_id",
    "skill_id",
    "resource_id",
    "current_level",
    "reaches_level",
    "acted_at",
    "activity_id",
    "title",
    "url",
    "skill_name",
    "completed_at",
    "source",
]


def lms_completions(
    *, employee_ids, statuses, open_statuses, received_since: datetime | None = None, record_id: int | None = None
) -> pd.DataFrame:
    """Open recommendations (``open_statuses``) of ``employee_ids`` whose employee has an LMS
    record of the item in ``statuses`` (received since ``received_since``, or the record
    ``record_id``), one row per recommendation with the earliest received such record's
    completed_at and source: the columns of ``LMS_COMPLETION_COLUMNS`` (pk is the
    recommendation's). One query driven by the records, so its cost follows the delivery, not the
    number of open recommendations.
    """
    where, params = employee_filter("l.employee_id", employee_ids=employee_ids)
    where += f" AND l.status IN ({', '.join(['%s'] * len(statuses))})"
    where += f" AND r.status IN ({', '.join(['%s'] * len(open_statuses))})"
    params += [*statuses, *open_statuses]
    if received_since is not None:
        where += " AND l.received_at >= %s"
        params.append(received_since)
    if record_id is not None:
        where += " AND l.id = %s"
        params.append(record_id)
    frame = Select(
        f"""
        SELECT r.id, r.employee_id, r.skill_id, r.resource_id, r.current_level, r.reaches_level, r.acted_at,
               res.activity_id, res.title, res.url, s.name, l.completed_at, l.source
        FROM {table(LearningRecord)} l
        JOIN {table(LearningResource)} res ON res.activity_id = l.activity_id
        JOIN {table(Recommendation)} r ON r.resource_id = res.id AND r.employee_id = l.employee_id
        JOIN {table(Skill)} s ON s.id = r.skill_id
        WHERE {where}
        ORDER BY l.received_at, l.id
        """,  # noqa: S608 - table names are ours, values are parameters
        params,
        columns=LMS_COMPLETION_COLUMNS,
        dtypes={"pk": "int64", "employee_id": "int64", "skill_id": "int64", "resource_id": "int64"},
        dates=("acted_at", "completed_at"),
    ).read()
    for column in ("title", "url", "skill_name", "source"):
        frame[column] = frame[column].fillna("").astype(str)
    return frame.drop_duplicates("pk").reset_index(drop=True)  # the earliest received record completes it
