"""The profiles tables read set-based into pandas frames: one reader per table, for the
recompute, the outcome metrics and the pages that run the engine for one person.

Every reader takes keyword-only filters and returns fixed columns and dtypes: ids are int64
(float64 where the column may be NULL), dates and times UTC timestamps. Readers that the
outcome metrics use also come as ``<reader>_select``, the statement itself, so ``bench_metrics``
can time the very same reads raw. All go through ``core.frames`` (COPY on PostgreSQL).

The employees a read covers are chosen the same way everywhere (``employee_filter``): an id
range, a set of ids (one employee is a set of one), a business unit, or any of them together.
"""

from collections.abc import Collection
from datetime import datetime

import pandas as pd

from core.frames import Select, age_days_sql, is_postgres, now_param, placeholders, table

from .models import (
    BusinessUnit,
    CareerAspiration,
    Demographics,
    Employee,
    PerformanceReview,
    RoleAssignment,
    SkillDemand,
    SkillEvidence,
)

IdRange = tuple[int, int]
"""Employee ids from the first, up to but not including the second (``core.frames.id_ranges``)."""


def employee_filter(
    column: str,
    *,
    id_range: IdRange | None = None,
    employee_ids: Collection[int] | None = None,
    business_unit_id: int | None = None,
) -> tuple[str, list]:
    """SQL (and its parameters) keeping the rows whose ``column``, an employee id, is in the id
    range, among ``employee_ids`` and in the business unit; each filter is optional and they
    combine with AND. The recompute's scope uses it for its own tables too."""
    clauses, params = [], []
    if id_range is not None:
        clauses.append(f"{column} >= %s AND {column} < %s")
        params += [int(id_range[0]), int(id_range[1])]
    if employee_ids is not None:
        ids = [int(pk) for pk in employee_ids]
        clauses.append(f"{column} IN ({placeholders(ids)})" if ids else "1=0")
        params += ids
    if business_unit_id is not None:
        clauses.append(f"{column} IN (SELECT id FROM {table(Employee)} WHERE business_unit_id = %s)")  # noqa: S608
        params.append(business_unit_id)
    return (" AND ".join(clauses) or "1=1"), params


# --- skill evidence: the engine's input ------------------------------------------------------

EVIDENCE_DTYPES = {
    "employee_id": "int64",
    "skill_id": "int64",
    "level": "int64",
    "source": "category",
    "age_days": "float64",
    "confidence": "float64",
}


def skill_evidence_select(
    *,
    now: datetime,
    id_range: IdRange | None = None,
    employee_ids: Collection[int] | None = None,
    business_unit_id: int | None = None,
    skill_ids: Collection[int] | None = None,
    observed_until: datetime | None = None,
    only_pairs: tuple[str, list] | None = None,
    with_observed_at: bool = False,
) -> Select:
    """The SELECT of skill evidence in the engine's shape (``engine.proficiency``): employee_id, skill_id,
    level, source (category), age_days (days before ``now``, never negative), confidence, and
    observed_at (UTC) when asked for.

    The employees as in ``employee_filter``; ``skill_ids`` keeps those skills, ``observed_until``
    what was known by then, ``only_pairs`` the (employee_id, skill_id) pairs a SELECT gives
    (SQL and parameters: the database joins, so a large set never travels). One query.
    """
    where, params = employee_filter(
        "e.employee_id", id_range=id_range, employee_ids=employee_ids, business_unit_id=business_unit_id
    )
    if skill_ids is not None:
        skills = [int(pk) for pk in skill_ids]
        where += f" AND e.skill_id IN ({placeholders(skills)})" if skills else " AND 1=0"
        params += skills
    if observed_until is not None:
        where += " AND e.observed_at <= %s"
        params.append(observed_until)
    if only_pairs is not None:
        pairs, pair_params = only_pairs
        where += (
            f" AND EXISTS (SELECT 1 FROM ({pairs}) p WHERE p.employee_id = e.employee_id AND p.skill_id = e.skill_id)"  # noqa: S608
        )
        params += pair_params
    # Evidence stamped ahead of the clock counts as fresh, never as fresher than fresh.
    greatest = "GREATEST" if is_postgres() else "MAX"
    age = f"{greatest}({age_days_sql('e.observed_at')}, 0.0)"
    observed = ", e.observed_at" if with_observed_at else ""
    return Select(
        f"SELECT e.employee_id, e.skill_id, e.level, e.source, {age}, e.confidence{observed} "  # noqa: S608
        f"FROM {table(SkillEvidence)} e WHERE {where}",
        [now_param(now), *params],
        columns=[*EVIDENCE_DTYPES, *(["observed_at"] if with_observed_at else [])],
        dtypes=EVIDENCE_DTYPES,
        dates=("observed_at",) if with_observed_at else (),
    )


def skill_evidence(**filters) -> pd.DataFrame:
    """``skill_evidence_select(**filters)`` read: its arguments and columns are said there."""
    return skill_evidence_select(**filters).read()


# --- people ----------------------------------------------------------------------------------

EMPLOYEE_DTYPES = {"employee_id": "int64", "role_id": "float64", "business_unit_id": "float64"}
EMPLOYMENT_DTYPES = {"status": "str", "cohort": "str"}


def employees_select(
    *,
    active_only: bool = True,
    id_range: IdRange | None = None,
    employee_ids: Collection[int] | None = None,
    business_unit_id: int | None = None,
    with_employment: bool = False,
) -> Select:
    """The SELECT of employees (the active ones unless ``active_only`` is off): employee_id, role_id and
    business_unit_id (NaN for none); with ``with_employment`` also status, cohort, hire_date and
    termination_date (NaT while employed). The employees as in ``employee_filter``."""
    where, params = employee_filter(
        "id", id_range=id_range, employee_ids=employee_ids, business_unit_id=business_unit_id
    )
    if active_only:
        where = f"status = %s AND {where}"
        params = [Employee.Status.ACTIVE, *params]
    employment = ", status, cohort, hire_date, termination_date" if with_employment else ""
    return Select(
        f"SELECT id, role_id, business_unit_id{employment} FROM {table(Employee)} WHERE {where}",  # noqa: S608
        params,
        columns=[*EMPLOYEE_DTYPES, *([*EMPLOYMENT_DTYPES, "hire_date", "termination_date"] if with_employment else [])],
        dtypes={**EMPLOYEE_DTYPES, **(EMPLOYMENT_DTYPES if with_employment else {})},
        dates=("hire_date", "termination_date") if with_employment else (),
    )


def employees(**filters) -> pd.DataFrame:
    """``employees_select(**filters)`` read: its arguments and columns are said there."""
    return employees_select(**filters).read()


def career_aspirations(
    *,
    id_range: IdRange | None = None,
    employee_ids: Collection[int] | None = None,
    business_unit_id: int | None = None,
) -> pd.DataFrame:
    """Every stated goal, old ones too: employee_id, aspired_role_id (NaN for interests only),
    stated_at (UTC). The employees as in ``employee_filter``."""
    where, params = employee_filter(
        "employee_id", id_range=id_range, employee_ids=employee_ids, business_unit_id=business_unit_id
    )
    return Select(
        f"SELECT employee_id, target_role_id, stated_at FROM {table(CareerAspiration)} WHERE {where}",  # noqa: S608
        params,
        columns=["employee_id", "aspired_role_id", "stated_at"],
        dtypes={"employee_id": "int64", "aspired_role_id": "float64"},
        dates=("stated_at",),
    ).read()


def roles_not_wanted() -> pd.DataFrame:
    """The roles people said they do not want, on their newest stated goal: employee_id, role_id."""
    through = CareerAspiration.not_wanted_roles.through
    aspirations = table(CareerAspiration)
    return Select(
        f"SELECT a.employee_id, t.role_id FROM {table(through)} t "  # noqa: S608
        f"JOIN {aspirations} a ON a.id = t.careeraspiration_id "
        f"WHERE a.stated_at = (SELECT MAX(b.stated_at) FROM {aspirations} b WHERE b.employee_id = a.employee_id)",
        [],
        columns=["employee_id", "role_id"],
        dtypes={"employee_id": "int64", "role_id": "int64"},
    ).read()


def role_assignments_select(*, kinds: Collection[str] | None = None) -> Select:
    """The statement of ``role_assignments``."""
    where, params = "1=1", []
    if kinds is not None:
        params = [str(kind) for kind in kinds]
        where = f"kind IN ({placeholders(params)})" if params else "1=0"
    return Select(
        f"SELECT employee_id, role_id, kind, start_date FROM {table(RoleAssignment)} WHERE {where}",  # noqa: S608
        params,
        columns=["employee_id", "role_id", "kind", "start_date"],
        dtypes={"employee_id": "int64", "role_id": "int64", "kind": "str"},
        dates=("start_date",),
    )


def role_assignments(*, kinds: Collection[str] | None = None) -> pd.DataFrame:
    """Everyone's role history (hires, internal fills, moves): employee_id, role_id, kind,
    start_date (UTC midnight); only the given ``kinds`` when named."""
    return role_assignments_select(kinds=kinds).read()


def skill_demand() -> pd.DataFrame:
    """How strongly each business unit needs each skill: business_unit_id, skill_id, weight."""
    return Select(
        f"SELECT business_unit_id, skill_id, weight FROM {table(SkillDemand)}",  # noqa: S608
        [],
        columns=["business_unit_id", "skill_id", "weight"],
        dtypes={"business_unit_id": "int64", "skill_id": "int64", "weight": "float64"},
    ).read()


def business_units() -> pd.DataFrame:
    """Every business unit: business_unit_id, name."""
    return Select(
        f"SELECT id, name FROM {table(BusinessUnit)}",  # noqa: S608
        [],
        columns=["business_unit_id", "name"],
        dtypes={"business_unit_id": "int64"},
    ).read()


# --- read by the outcome metrics only --------------------------------------------------------

DEMOGRAPHIC_ATTRIBUTES = ("gender", "ethnicity", "age_band", "disability")


def demographics_select() -> Select:
    """What HR records for the bias audit (read by the audit and nowhere else): employee_id and
    each of ``DEMOGRAPHIC_ATTRIBUTES`` (text, empty when not given)."""
    return Select(
        f"SELECT employee_id, {', '.join(DEMOGRAPHIC_ATTRIBUTES)} FROM {table(Demographics)}",  # noqa: S608
        [],
        columns=["employee_id", *DEMOGRAPHIC_ATTRIBUTES],
        dtypes={"employee_id": "int64", **dict.fromkeys(DEMOGRAPHIC_ATTRIBUTES, "str")},
    )


def performance_reviews_select(*, submitted_until: datetime | None = None) -> Select:
    """Performance-review scores: employee_id, score (1-5); those submitted by ``submitted_until``."""
    where, params = ("submitted_at <= %s", [submitted_until]) if submitted_until is not None else ("1=1", [])
    return Select(
        f"SELECT employee_id, score FROM {table(PerformanceReview)} WHERE {where}",  # noqa: S608
        params,
        columns=["employee_id", "score"],
        dtypes={"employee_id": "int64", "score": "float64"},
    )


# --- read by the capability heatmap and workforce planning -----------------------------------


def org_chart_select() -> Select:
    """Active employees placed in the org chart: employee_id, manager_id and business_unit_id
    (NaN for none), role_id (NaN for none), hire_date (UTC midnight)."""
    return Select(
        f"SELECT id, manager_id, business_unit_id, role_id, hire_date FROM {table(Employee)} WHERE status = %s",  # noqa: S608
        [Employee.Status.ACTIVE],
        columns=["employee_id", "manager_id", "business_unit_id", "role_id", "hire_date"],
        dtypes={"employee_id": "int64", "manager_id": "float64", "business_unit_id": "float64", "role_id": "float64"},
        dates=("hire_date",),
    )


def skill_demand_plan_select() -> Select:
    """The demand HR planned in people (``SkillDemand.people_needed`` set): business_unit_id,
    skill_id, people_needed, level_needed, needed_by (UTC midnight, NaT for "within a year")."""
    return Select(
        "SELECT business_unit_id, skill_id, people_needed, level_needed, needed_by "  # noqa: S608
        f"FROM {table(SkillDemand)} WHERE people_needed IS NOT NULL",
        [],
        columns=["business_unit_id", "skill_id", "people_needed", "level_needed", "needed_by"],
        dtypes={"business_unit_id": "int64", "skill_id": "int64", "people_needed": "int64", "level_needed": "int64"},
        dates=("needed_by",),
    )
