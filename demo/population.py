"""The demo's people as numpy arrays, and the machinery the history steps share.

``population(ctx)`` turns the people the organisation steps made into arrays (position =
index in ``ctx.people``) with each person's role, unit, manager, hire date and a hidden ability,
and the roles with their requirements and mobility paths. Steps add what later steps need
(``role_since``, ``aspired``, ``assessed``).

``draws(ctx, step)`` gives each block of people (the pilot, everyone else) its own generator,
``np.random.default_rng((seed, step, block))``, so the pilot's history does not depend on the
organisation's size. ``missing(model, pop)`` says who has no rows of a kind yet (one query), and
``write_rows`` appends a frame with ``core.frames.write_frame``, counting what it added.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone

from core.frames import is_postgres, write_frame

from . import history_data as text
from . import taxonomy_data as data
from .context import BASE_DATE, PILOT_COHORT, Context

WRITE_CHUNK = 250_000  # rows per write_frame call, so the progress bar moves
SQLITE_CACHE_KIB = 512 * 1024
SOURCE = "demo"  # the source field of the rows the history writes, where a model has one
BASE = np.datetime64(BASE_DATE, "D")
BASE_SECONDS = BASE.astype("datetime64[s]")
PLANTED = 3  # pilot people with each planted data problem


@dataclass
class Role:
    title: str
    pk: int
    family: str
    grade: int
    curated: bool
    skills: np.ndarray  # skill pks of its requirements
    targets: np.ndarray
    sources: dict[bool, list[tuple[int, str]]] = field(default_factory=dict)  # curated only? -> [(from role, kind)]
    leads_to: dict[bool, list[tuple[int, str]]] = field(default_factory=dict)  # curated only? -> [(to role, kind)]


@dataclass
class Population:
    """Everyone in the demo as arrays (index = position in ``ctx.people``), and what steps learnt."""

    external_id: np.ndarray
    pk: np.ndarray
    role: np.ndarray  # index into ``roles``
    unit: np.ndarray  # business unit pk
    unit_name: np.ndarray
    manager: np.ndarray  # manager's pk, -1 for none
    manager_index: np.ndarray  # manager's position, -1 for none
    hire: np.ndarray  # datetime64[D]
    ability: np.ndarray  # hidden, standard normal: drives true levels and review scores
    blocks: list[np.ndarray]  # the pilot's positions, everyone else's
    roles: list[Role]
    keys: dict[str, int]  # pilot key ("employee", "manager", "head", ...) -> position
    users: dict[int, int]  # employee pk -> user pk, for the demo accounts
    skill_names: dict[int, str]
    role_since: np.ndarray | None = None  # start of the current role (role history)
    aspired: np.ndarray | None = None  # role index or -1 (aspirations)
    assessed: pd.DataFrame | None = None  # person, skill, gap, role_skill, true level (evidence)
    new_evidence: np.ndarray | None = None  # True for people with no evidence before this run (evidence)
    evidence_count: np.ndarray | None = None  # observations generated per person so far (evidence, learning)
    stale: np.ndarray = field(default_factory=lambda: np.array([], dtype="int64"))  # planted: old evidence only
    tenure: np.ndarray = field(init=False)  # days here by BASE_DATE
    sqlite_cache_size: int | None = None  # the connection's own, while the history steps use a bigger one

    def __post_init__(self):
        self.tenure = (BASE - self.hire).astype("int64")


def population(ctx: Context) -> Population:
    if ctx.history is None:
        ctx.history = _build_population(ctx)
    return ctx.history


def _build_population(ctx: Context) -> Population:
    curated_titles = {role["title"] for role in data.ROLES}
    roles = [
        Role(
            title=role["title"],
            pk=ctx.role_ids[role["title"]],
            family=role["family"],
            grade=role["grade"],
            curated=role["title"] in curated_titles,
            skills=np.array([ctx.skill_ids[skill] for skill, *_ in role["requirements"]], dtype="int64"),
            targets=np.array([level for _, level, *_ in role["requirements"]], dtype="float64"),
        )
        for role in ctx.spec.roles
    ]
    index_of = {role.title: number for number, role in enumerate(roles)}
    curated_paths = set(data.MOBILITY_PATHS)
    for curated_only in (True, False):
        for role in roles:
            role.sources[curated_only], role.leads_to[curated_only] = [], []
        for source, target, kind in ctx.spec.paths:
            if curated_only and (source, target, kind) not in curated_paths:
                continue
            roles[index_of[source]].leads_to[curated_only].append((index_of[target], kind))
            if kind in ("promotion", "lateral"):
                roles[index_of[target]].sources[curated_only].append((index_of[source], kind))
    people = ctx.people
    position = {person.external_id: number for number, person in enumerate(people)}
    pk = np.array([ctx.employee_ids[p.external_id] for p in people], dtype="int64")
    manager_index = np.array([position.get(p.manager, -1) if p.manager else -1 for p in people], dtype="int64")
    pilot = np.array([p.cohort == PILOT_COHORT for p in people])
    keys = {key: number for number, (key, *_) in enumerate(data.PILOT_LEADS) if number < len(people)}
    user_of = dict(
        get_user_model()
        .objects.filter(employee__external_id__in=ctx.demo_external_ids.values())
        .values_list("employee__pk", "pk")
    )
    blocks = [np.flatnonzero(pilot), np.flatnonzero(~pilot)]
    ability = np.zeros(len(people))
    for block, index in enumerate(blocks):
        ability[index] = rng_for(ctx, 0, block).standard_normal(len(index))
    return Population(
        external_id=np.array([p.external_id for p in people], dtype=object),
        pk=pk,
        role=np.array([index_of[p.role] for p in people], dtype="int64"),
        unit=np.array([ctx.unit_ids[p.business_unit] for p in people], dtype="int64"),
        unit_name=np.array([p.business_unit for p in people], dtype=object),
        manager=np.where(manager_index >= 0, pk[np.maximum(manager_index, 0)], -1),
        manager_index=manager_index,
        hire=np.array([p.hire_date for p in people], dtype="datetime64[D]"),
        ability=ability,
        blocks=blocks,
        roles=roles,
        keys=keys,
        users=user_of,
        skill_names={skill_pk: name for name, skill_pk in ctx.skill_ids.items()},
    )


def rng_for(ctx: Context, step: int, block: int) -> np.random.Generator:
    seed = ctx.seed * 2 if ctx.seed >= 0 else -ctx.seed * 2 - 1  # SeedSequence takes non-negative integers
    return np.random.default_rng([seed, step, block])


def draws(ctx: Context, step: int) -> Iterator[tuple[np.ndarray, np.random.Generator, bool]]:
    """(positions, generator, is the pilot) for each non-empty block of people."""
    for block, index in enumerate(population(ctx).blocks):
        if len(index):
            yield index, rng_for(ctx, step, block), block == 0


def missing(model: type[models.Model], pop: Population) -> np.ndarray:
    """True for the people who have no rows in ``model`` yet (one query)."""
    have = np.fromiter(model.objects.order_by().values_list("employee_id", flat=True).distinct(), dtype="int64")
    return ~np.isin(pop.pk, have)


def planted(pop: Population, rng: np.random.Generator, index: np.ndarray, count: int, *, min_tenure=0) -> np.ndarray:
    """``count`` pilot report positions (never a named lead or demo account) with enough tenure."""
    candidates = index[(index >= len(data.PILOT_LEADS)) & (pop.tenure[index] >= min_tenure)]
    return rng.choice(candidates, size=min(count, len(candidates)), replace=False)


def write_rows(
    ctx: Context,
    model: type[models.Model],
    frame: pd.DataFrame,
    columns: list[str],
    label: str,
    *,
    count_existing: bool = True,
) -> None:
    """Append ``frame`` to ``model``'s table in chunks, counting created rows and (unless a step
    has already counted them) the rows already there, which it leaves as they are."""
    counts = ctx.summary.table(label)
    if count_existing:
        counts.unchanged += model.objects.count()
    bar = ctx.progress(len(frame), label) if ctx.progress and ctx.large and len(frame) > WRITE_CHUNK else None
    for start in range(0, len(frame), WRITE_CHUNK):
        written = append(model._meta.db_table, frame.iloc[start : start + WRITE_CHUNK], columns)
        counts.created += written
        if bar:
            bar.update(written)
    if bar:
        bar.close()


def append(table: str, frame: pd.DataFrame, columns: list[str]) -> int:
    """``core.frames.write_frame``, except that PostgreSQL gets NULL as ``\\N``.

    ``write_frame``'s CSV writes NULL and the empty string alike as an empty field, which COPY
    reads as NULL, so an empty note or interests column (NOT NULL) would be refused.
    """
    if not is_postgres() or frame.empty:
        return write_frame(table, frame, columns)
    buffer = io.StringIO()
    frame[columns].to_csv(buffer, index=False, header=False, na_rep="\\N")
    column_list = ", ".join(f'"{name}"' for name in columns)
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"""COPY "{table}" ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')""") as copy,
    ):
        copy.write(buffer.getvalue())
    return len(frame)


def datetimes(values: np.ndarray) -> np.ndarray:
    """datetime64 values (UTC) as the text each database takes for a timestamp column; NaT -> None."""
    seconds = values.astype("datetime64[s]")
    text = np.datetime_as_string(seconds, unit="s").astype("U19")
    text.view(np.uint32).reshape(len(text), 19)[:, 10] = ord(" ")  # "2026-01-05T09:30:00" -> "... 09:30:00"
    if is_postgres():
        text = np.char.add(text, "+00:00")
    result = text.astype(object)
    result[np.isnat(seconds)] = None
    return result


def dates(values: np.ndarray) -> np.ndarray:
    result = np.datetime_as_string(values.astype("datetime64[D]"), unit="D").astype(object)
    result[np.isnat(values)] = None
    return result


def now_text(count: int) -> np.ndarray:
    return datetimes(np.full(count, np.datetime64(timezone.now().replace(tzinfo=None), "s")))


def nullable_ids(values: np.ndarray) -> np.ndarray:
    """Ids with -1 for none, as Python ints and None (so neither SQLite nor COPY sees 12.0)."""
    result = values.astype(object)
    result[values < 0] = None
    return result


def office_hours(days_ago: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Office-hours timestamps ``days_ago`` whole days before BASE_DATE."""
    seconds = rng.integers(8 * 3600, 18 * 3600, len(days_ago))
    return BASE_SECONDS - np.rint(days_ago).astype("int64") * 86_400 + seconds


def within_tenure(ages: np.ndarray, tenure: np.ndarray, rng: np.random.Generator, *, margin: int = 5) -> np.ndarray:
    """Ages (days before BASE_DATE) moved inside the person's time here where they fall before it."""
    limit = np.maximum(tenure - margin, 1)
    return np.where(ages > limit, 1 + rng.random(len(ages)) * (limit - 1), ages)


def mid_sentence(name: str) -> str:
    return name if len(name) > 1 and name[1].isupper() else name[:1].lower() + name[1:]


def domains(ctx: Context) -> list[tuple[str, str, list[str]]]:
    """(family, domain, its generated skills) for each job-family domain in the taxonomy."""
    generated = [skill["name"] for skill in ctx.spec.skills if skill["name"] not in text.SKILL_COURSES]
    return [
        (family["name"], domain, [name for name in generated if name.startswith(f"{domain} ")])
        for family in data.LARGE_FAMILIES
        for domain in family["domains"]
        if any(name.startswith(f"{domain} ") for name in generated)
    ]


# --- SQLite's page cache ------------------------------------------------------------------


def roomy_sqlite_cache(ctx: Context) -> None:
    """Millions of appended rows and their index entries spill SQLite's default 2 MB page cache
    to the WAL again and again (gigabytes of writes at 100,000 people); a bigger cache for this
    connection writes each page about once and cuts the history's write time by about a third."""
    if connection.vendor == "sqlite" and ctx.large:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            population(ctx).sqlite_cache_size = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")


def usual_sqlite_cache(ctx: Context) -> None:
    previous = population(ctx).sqlite_cache_size
    if previous is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def fresh_statistics(ctx: Context) -> None:
    """ANALYZE the tables the demo fills, so the steps after this one get sensible query plans.

    The whole demo is one transaction, and autovacuum cannot see rows not yet committed: without
    this, PostgreSQL plans later queries for empty tables (a correlated anti-join over evidence
    ran for minutes at 2,000 people). ANALYZE may run inside a transaction and samples the rows
    the transaction itself wrote. SQLite plans without statistics well enough here.
    """
    if not is_postgres():
        return
    from profiles.models import (
        CareerAspiration,
        Employee,
        LearningRecord,
        PerformanceReview,
        RoleAssignment,
        SkillEvidence,
    )
    from recommendations.models import LearningResource, Opportunity, Recommendation, ResourceSkill

    models_filled = (
        Employee, RoleAssignment, SkillEvidence, LearningRecord, PerformanceReview, CareerAspiration,
        Opportunity, LearningResource, ResourceSkill, Recommendation,
    )  # fmt: skip
    with connection.cursor() as cursor:
        for model in models_filled:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
