"""What the demo generator's steps share: the demo's calendar and sizes, the summary they fill
in, and the ``Context`` each step takes (``generator`` builds the organisation, ``history`` what
its people did)."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from . import taxonomy_data as data
from .upsert import TableCounts

BASE_DATE = date(2026, 11, 1)  # "today" for the demo: hire dates and demand dates count back from it
PILOT_SIZE = len(data.PILOT_LEADS) + sum(count for _, count, _, _ in data.PILOT_REPORTS)
MIN_EMPLOYEES = len(data.PILOT_LEADS)  # the named pilot positions, demo accounts included
PILOT_COHORT = "pilot"  # Employee.cohort of the pilot's people, for outcome metrics


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> Any: ...
    def close(self) -> Any: ...


# (total, description) -> a bar; tqdm fits.
ProgressFactory = Callable[[int, str], ProgressBar]


@dataclass
class DemoAccount:
    email: str
    password: str
    employee_external_id: str
    sees: str


@dataclass
class DemoSummary:
    employees: int
    seed: int
    tables: dict[str, TableCounts] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each: what a step did beyond its tables

    def table(self, name: str) -> TableCounts:
        return self.tables.setdefault(name, TableCounts())


@dataclass
class Person:
    external_id: str
    first_name: str
    last_name: str
    email: str
    role: str
    business_unit: str
    manager: str | None  # external id
    hire_date: date
    cohort: str = ""


@dataclass
class TaxonomySpec:
    categories: dict[str, str]
    skills: list[dict]
    families: dict[str, str]
    roles: list[dict]
    paths: list[tuple[str, str, str]]
    business_units: dict[str, str]  # name -> code
    demand: dict[str, list[tuple[str, float, str]]]
    # family -> (individual-contributor roles as (title, grade), manager titles most senior first)
    ladders: dict[str, tuple[list[tuple[str, int]], list[str]]]
    unit_families: dict[str, dict[str, int]]


@dataclass
class Context:
    employees: int
    seed: int
    rng: random.Random
    progress: ProgressFactory | None
    summary: DemoSummary
    spec: TaxonomySpec
    skill_ids: dict[str, int] = field(default_factory=dict)
    role_ids: dict[str, int] = field(default_factory=dict)
    unit_ids: dict[str, int] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    employee_ids: dict[str, int] = field(default_factory=dict)  # external id -> pk
    demo_external_ids: dict[str, str] = field(default_factory=dict)  # "employee"/"manager"/"hr" -> external id
    history: Any = None  # the history steps' shared arrays (``history.Population``), built by the first of them
    planted: float = 1.0  # strength of what the recommendation history plants (0: nothing, a negative control)

    @property
    def large(self) -> bool:
        return self.employees > PILOT_SIZE
