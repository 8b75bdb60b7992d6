"""The taxonomy read whole into pandas frames (it is small: hundreds of rows per table), for the
recompute, the learning picks and the outcome metrics. Fixed columns and dtypes; ``core.frames``
does the reading (COPY on PostgreSQL)."""

import pandas as pd

from core.frames import Select, table

from .models import MobilityPath, Role, RoleRequirement, Skill


def role_requirements() -> pd.DataFrame:
    """What every role needs: role_id, skill_id, target_level, importance, core (bool)."""
    return Select(
        f"SELECT role_id, skill_id, target_level, importance, core FROM {table(RoleRequirement)}",  # noqa: S608
        [],
        columns=["role_id", "skill_id", "target_level", "importance", "core"],
        dtypes={"role_id": "int64", "skill_id": "int64", "target_level": "int64", "importance": "int64"},
        flags=("core",),
    ).read()


def mobility_paths() -> pd.DataFrame:
    """The moves the taxonomy offers: from_role_id, to_role_id, kind (promotion, lateral, ...)."""
    return Select(
        f"SELECT from_role_id, to_role_id, kind FROM {table(MobilityPath)}",  # noqa: S608
        [],
        columns=["from_role_id", "to_role_id", "kind"],
        dtypes={"from_role_id": "int64", "to_role_id": "int64"},
    ).read()


def roles_select() -> Select:
    """The statement of ``roles``."""
    return Select(
        f"SELECT id, title, grade FROM {table(Role)}",  # noqa: S608
        [],
        columns=["role_id", "title", "grade"],
        dtypes={"role_id": "int64", "grade": "float64"},
    )


def roles() -> pd.DataFrame:
    """Every role: role_id, title, grade (seniority within its family; float64, to sit beside
    people without a role as NaN)."""
    return roles_select().read()


def skills() -> pd.DataFrame:
    """Every skill: skill_id, kind (technical, leadership, ...), name."""
    return Select(
        f"SELECT id, kind, name FROM {table(Skill)}",  # noqa: S608
        [],
        columns=["skill_id", "kind", "name"],
        dtypes={"skill_id": "int64"},
    ).read()
