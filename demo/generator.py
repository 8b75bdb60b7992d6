"""Builds the demo organisation: the pilot by default, a large one for benchmarks.

``build_demo(employees=..., seed=..., progress=...)`` runs ``STEPS`` in one transaction:

1. ``_taxonomy``: the taxonomy (skill categories, skills and their behavioural anchors, job
   families, roles, role requirements and mobility paths) written as the CSV folder
   ``import_taxonomy`` reads and loaded by its service (``imports``); the descriptions and
   aliases that format has no column for are then set directly. What it holds is
   ``taxonomy_spec``: the curated pilot content, plus generated families and skills for an
   organisation bigger than the pilot.
2. ``_org``: business units and their skill demand (no import format: written directly), then
   everyone as a people file through the people importer (``imports``), which links managers,
   gives each new person a hire assignment and rebuilds the org chart; the pilot's cohort, which
   that format has no column for, is set directly.
3. ``_accounts``: the three demo users, their allauth e-mail addresses and the links to their
   employees.
4. ``history.HISTORY_STEPS``: what the people did (role moves, skill evidence, learning,
   reviews, career goals), open opportunities, and a first gap analysis (see ``history``).
   Aspirations, evidence, learning records and reviews go through the profile importers too.
5. ``moves.moves_step`` (just before the first gap analysis): an internal placement traced to a
   development path, two leavers, and a critical role with a proposed bench (one name approved),
   so every outcome metric moves.

Every step here is idempotent: the importers match rows by natural key (and every import is
recorded as a sync run and audited, as a customer's is) and write only differences, the direct
steps upsert by natural key (business unit name ...); nothing is deleted, so a second run
changes nothing; the history steps append
only for people who have none yet. Everything random comes from ``random.Random(seed)`` (here)
or numpy generators seeded with ``seed`` (``history``); dates count back from ``BASE_DATE``, so
a seed always gives the same organisation. The first
``PILOT_SIZE`` people are the pilot whatever the size; larger organisations grow a company
around them.

To add data later, write a step that takes the ``Context`` (``context``) and append it to
``STEPS``; the context carries the rows earlier steps made (``skill_ids``, ``role_ids``,
``employee_ids``, ``people``) and its own ``rng``.
"""

import random
import re
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
from django.contrib.auth import get_user_model
from django.db import transaction

from profiles.models import BusinessUnit, Employee, SkillDemand
from taxonomy.models import JobFamily, MobilityPath, Role, Skill, SkillCategory

from . import taxonomy_data as data
from .context import (
    BASE_DATE,
    MIN_EMPLOYEES,
    PILOT_COHORT,
    PILOT_SIZE,
    Context,
    DemoAccount,
    DemoSummary,
    Person,
    ProgressFactory,
)
from .first_analysis import analysis
from .history import HISTORY_STEPS
from .imports import import_profile_file, import_taxonomy
from .moves import hr_extract_overrides, moves_step
from .taxonomy_spec import taxonomy_spec
from .upsert import BATCH_SIZE, TableCounts, count_one, upsert

DEMAND_AS_OF = date(2026, 10, 1)
DEMO_PASSWORD = "demo-talent-2026"  # noqa: S105  a published demo password, not a secret
DEMO_DOMAIN = "demo.example"
DEMO_URL = "http://127.0.0.1:8000/"
SPAN = (5, 10)  # reports per manager in the large organisation
INDIVIDUAL_CONTRIBUTOR_SHARE = 0.12  # below the top levels, some people manage no one


@transaction.atomic
def build_demo(
    *, employees: int = PILOT_SIZE, seed: int = 2026, progress: ProgressFactory | None = None, planted: float = 1.0
) -> DemoSummary:
    """Create or bring up to date the demo organisation of ``employees`` people for ``seed``;
    ``planted`` scales what the recommendation history plants for the ranking model (0: nothing)."""
    if employees < MIN_EMPLOYEES:
        raise ValueError(
            f"The demo needs at least {MIN_EMPLOYEES} employees (the pilot's named positions), got {employees}."
        )
    summary = DemoSummary(employees=employees, seed=seed)
    ctx = Context(
        employees=employees,
        seed=seed,
        rng=random.Random(seed),
        progress=progress,
        summary=summary,
        spec=taxonomy_spec(large=employees > PILOT_SIZE),
        planted=planted,
    )
    for step in STEPS:
        step(ctx)
    return summary


# --- Step 1: taxonomy ---------------------------------------------------------------------


def _taxonomy(ctx: Context) -> None:
    """The taxonomy goes through ``import_taxonomy``'s service; what its files cannot carry is set directly."""
    import_taxonomy(ctx.spec, ctx.summary)
    _describe_taxonomy(ctx)
    ctx.skill_ids = dict(Skill.objects.values_list("name", "pk"))
    ctx.role_ids = dict(Role.objects.values_list("title", "pk"))


def _describe_taxonomy(ctx: Context) -> None:
    """Direct step: the taxonomy files have no column for a category's, a family's or a role's
    description, nor for a skill's aliases (the admin keeps them), so the demo sets them here."""
    spec, counts = ctx.spec, ctx.summary.table("taxonomy descriptions")
    _set_field(SkillCategory, "name", "description", spec.categories, counts)
    _set_field(JobFamily, "name", "description", spec.families, counts)
    _set_field(Role, "title", "description", {role["title"]: role["description"] for role in spec.roles}, counts)
    aliases = {skill["name"]: "\n".join(skill.get("aliases", [])) for skill in spec.skills}
    _set_field(Skill, "name", "aliases", aliases, counts)


def _set_field(model, key: str, field: str, wanted: dict[str, str], counts: TableCounts) -> None:
    """Set ``field`` on the rows named in ``wanted`` (by ``key``) where it differs, in one bulk update.

    The taxonomy is a few hundred rows whatever the organisation's size, so reading it whole is cheap.
    """
    changed = []
    for obj in model.objects.only("pk", key, field):
        value = wanted.get(getattr(obj, key))
        if value is None:
            continue
        if getattr(obj, field) == value:
            counts.unchanged += 1
        else:
            setattr(obj, field, value)
            changed.append(obj)
    model.objects.bulk_update(changed, [field], batch_size=BATCH_SIZE)
    counts.updated += len(changed)


def _family_sequence(rng: random.Random, mix: dict[str, int]):
    """Job families for a unit director's reports, in proportion to the unit's mix; the seed breaks ties."""
    order = list(mix)
    rng.shuffle(order)
    total = sum(mix.values())
    given = dict.fromkeys(order, 0)
    n = 0
    while True:
        n += 1
        family = max(order, key=lambda name: mix[name] * n / total - given[name])
        given[family] += 1
        yield family


# --- Step 2: business units and people ----------------------------------------------------


def _org(ctx: Context) -> None:
    spec, summary = ctx.spec, ctx.summary
    ctx.unit_ids = upsert(
        BusinessUnit,
        [{"name": name, "code": code} for name, code in spec.business_units.items()],
        key="name",
        fields=["code"],
        counts=summary.table("business units"),
    )
    upsert(
        SkillDemand,
        [
            {
                "business_unit_id": ctx.unit_ids[unit],
                "skill_id": ctx.skill_ids[skill],
                "weight": weight,
                "as_of": DEMAND_AS_OF,
                "note": note,
            }
            for unit, rows in spec.demand.items()
            for skill, weight, note in rows
        ],
        key=("business_unit_id", "skill_id"),
        fields=["weight", "as_of", "note"],
        counts=summary.table("skill demand"),
    )
    ctx.people = _pilot_people(ctx)
    if ctx.large:
        ctx.people += _large_people(ctx)
    _import_people(ctx)


def _pilot_people(ctx: Context) -> list[Person]:
    """The pilot: the named positions (demo accounts among them), then their teams, truncated to ``employees``."""
    rng = ctx.rng
    slots = [(key, manager, (role,), unit) for key, manager, role, unit in data.PILOT_LEADS]
    for manager, count, roles, unit in data.PILOT_REPORTS:
        slots += [(None, manager, roles, unit)] * count
    external_of: dict[str, str] = {}
    used_names: set[tuple[str, str]] = {(p["first_name"], p["last_name"]) for p in data.DEMO_PEOPLE.values()}
    people = []
    for number, (key, manager, roles, unit) in enumerate(slots, start=1):
        external_id = _external_id(number)
        role = rng.choice(roles)
        hire_date = BASE_DATE - timedelta(days=rng.randint(60, 365 * 10))
        if key in data.DEMO_PEOPLE:
            first, last, email = (data.DEMO_PEOPLE[key][f] for f in ("first_name", "last_name", "email"))
            ctx.demo_external_ids[key] = external_id
        else:
            first, last = _unique_name(rng, used_names)
            email = _email(first, last, number)
        if key:
            external_of[key] = external_id
        people.append(
            Person(
                external_id,
                first,
                last,
                email,
                role,
                unit,
                external_of[manager] if manager else None,
                hire_date,
                PILOT_COHORT,
            )
        )
    return people[: ctx.employees]


def _large_people(ctx: Context) -> list[Person]:
    """A company around the pilot: a chief executive, one director per business unit, then teams.

    Breadth-first with spans of 5-10, so depth grows with the logarithm of the size (about
    seven levels at 100,000 people). Below a business unit's director each branch belongs to one
    job family; people who end up managing someone get that family's manager roles (more senior
    nearer the top), everyone else an individual-contributor role, junior ones more often.
    """
    rng, spec = ctx.rng, ctx.spec
    count = ctx.employees - PILOT_SIZE
    parent: list[int | None] = [None]
    depth = [0]
    family = ["Executive"]
    unit = ["Group Functions"]
    reports = [0]

    def add(parent_index, unit_name, family_name):
        parent.append(parent_index)
        depth.append(depth[parent_index] + 1)
        family.append(family_name)
        unit.append(unit_name)
        reports.append(0)
        reports[parent_index] += 1
        return len(parent) - 1

    directors = {}
    level = []
    for unit_name, _, _ in data.LARGE_BUSINESS_UNITS:
        if len(parent) < count:
            directors[unit_name] = add(0, unit_name, "Executive")
            level.append(directors[unit_name])
    families_for = {name: _family_sequence(rng, spec.unit_families[name]) for name in directors}
    individual_share = INDIVIDUAL_CONTRIBUTOR_SHARE
    while len(parent) < count and level:
        rng.shuffle(level)  # so a last, partly filled level spreads over every unit, not the first few
        next_level = []
        for node in level:
            if len(parent) >= count:
                break
            if depth[node] >= 3 and rng.random() < individual_share:
                continue
            for _ in range(min(rng.randint(*SPAN), count - len(parent))):
                child_family = family[node] if depth[node] >= 2 else next(families_for[unit[node]])
                next_level.append(add(node, unit[node], child_family))
        if not next_level:
            individual_share = 0.0  # everyone on this level happened to be skipped: try it again
            continue
        level = next_level

    first_number = PILOT_SIZE + 1
    people = []
    for index in range(len(parent)):
        number = first_number + index
        if index == 0:
            role = "Chief Executive Officer"
        elif depth[index] == 1:
            role = "Business Unit Director"
        else:
            individual, managers = spec.ladders[family[index]]
            if reports[index] and managers:
                role = managers[min(depth[index] - 2, len(managers) - 1)]
            else:
                titles = [title for title, _ in individual]
                role = rng.choices(titles, weights=[max(1, 6 - 2 * grade) for _, grade in individual])[0]
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        people.append(
            Person(
                external_id=_external_id(number),
                first_name=first,
                last_name=last,
                email=_email(first, last, number),
                role=role,
                business_unit=unit[index],
                manager=None if parent[index] is None else _external_id(first_number + parent[index]),
                hire_date=BASE_DATE - timedelta(days=rng.randint(30, 365 * 15)),
            )
        )
    # The pilot's tops (head of Data & Analytics, the HR partner) report into Group Functions.
    top = _external_id(first_number + directors.get("Group Functions", 0))
    for person in ctx.people:
        if person.manager is None:
            person.manager = top
    return people


def _import_people(ctx: Context) -> None:
    """Everyone through the people importer, as an HR extract: it creates or updates them, links
    managers (before or after their reports in the file), gives new people a hire assignment in
    their role and rebuilds the org chart. The cohort has no column in that format, so the pilot's
    is set directly after."""
    people = _top_down(ctx.people)
    frame = pd.DataFrame(
        {
            "external_id": [person.external_id for person in people],
            "first_name": [person.first_name for person in people],
            "last_name": [person.last_name for person in people],
            "email": [person.email for person in people],
            "manager_external_id": [person.manager or "" for person in people],
            "business_unit": [person.business_unit for person in people],
            "role": [person.role for person in people],
            "hire_date": pd.to_datetime([person.hire_date for person in people]),
            "status": Employee.Status.ACTIVE,
        }
    )
    overrides = hr_extract_overrides()  # a rerun sends the moves demo.moves made, not undoes them
    if overrides:
        frame["termination_date"] = pd.NaT
        frame["voluntary_exit"] = ""
        rows = frame["external_id"].map(overrides)
        for column in ("role", "business_unit", "status", "termination_date", "voluntary_exit"):
            given = rows.map(lambda row, column=column: row.get(column) if isinstance(row, dict) else None)
            frame[column] = given.where(given.notna(), frame[column])
    import_profile_file(ctx, "people", frame, "employees")
    ctx.employee_ids = dict(Employee.objects.values_list("external_id", "pk"))
    # New people arrive in no cohort; only the pilot's few are named, so no statement lists
    # everyone (100,000 ids would pass the databases' limit on query parameters).
    named = [person for person in ctx.people if person.cohort]
    changed = (
        Employee.objects.exclude(cohort="").exclude(external_id__in=[p.external_id for p in named]).update(cohort="")
    )
    for cohort in {person.cohort for person in named}:
        ids = [person.external_id for person in named if person.cohort == cohort]
        changed += Employee.objects.filter(external_id__in=ids).exclude(cohort=cohort).update(cohort=cohort)
    cohorts = ctx.summary.table("employee cohorts")
    cohorts.updated += changed
    cohorts.unchanged += len(ctx.people) - changed


def _top_down(people: list[Person]) -> list[Person]:
    """Everyone ordered by depth in the org chart (external-id order within a level).

    The importer takes managers in any order; this order gives every employee the same primary
    key as the demo always has (the history's random draws follow employee ids, so another order
    would give another history for the same seed).
    """
    manager_of = {person.external_id: person.manager for person in people}
    depth: dict[str, int] = {}
    for person in people:
        chain = []
        node = person.external_id
        while node is not None and node not in depth:
            chain.append(node)
            node = manager_of.get(node)
        level = depth[node] if node is not None else -1
        for external_id in reversed(chain):
            level += 1
            depth[external_id] = level
    return sorted(people, key=lambda person: depth[person.external_id])


def _external_id(number: int) -> str:
    return f"E{number:05d}"


def _unique_name(rng: random.Random, used: set[tuple[str, str]]) -> tuple[str, str]:
    while True:
        name = (rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES))
        if name not in used:
            used.add(name)
            return name


def _email(first: str, last: str, number: int) -> str:
    local = re.sub(r"[^a-z0-9.]", "", f"{first}.{last}.{number}".lower())
    return f"{local}@{DEMO_DOMAIN}"


# --- Step 3: demo accounts ----------------------------------------------------------------


def _accounts(ctx: Context) -> None:
    """The three demo users, signed in by e-mail through allauth, each linked to their employee."""
    from allauth.account.models import EmailAddress

    from talent.roles import hr_group_ensure

    user_model = get_user_model()
    hr_group = hr_group_ensure()
    users, addresses, links = (ctx.summary.table(name) for name in ("users", "e-mail addresses", "account links"))
    for key, person in data.DEMO_PEOPLE.items():
        email = person["email"]
        user = user_model.objects.filter(username=email).first()
        changed = user is None
        if user is None:
            user = user_model(username=email)
        desired = {
            "email": email,
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "is_active": True,
            "is_staff": key == "hr",
        }
        for name, value in desired.items():
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed = True
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            changed = True
        count_one(users, created=user.pk is None, changed=changed)
        if changed:
            user.save()
        if key == "hr" and not user.groups.filter(pk=hr_group.pk).exists():
            user.groups.add(hr_group)

        address = EmailAddress.objects.filter(email__iexact=email).first()
        address_changed = address is None or (address.user_id, address.email, address.primary, address.verified) != (
            user.pk,
            email,
            True,
            True,
        )
        count_one(addresses, created=address is None, changed=address_changed)
        if address_changed:
            address = address or EmailAddress()
            address.user, address.email, address.primary, address.verified = user, email, True, True
            address.save()

        employee = Employee.objects.get(external_id=ctx.demo_external_ids[key])
        count_one(links, created=employee.user_id is None, changed=employee.user_id != user.pk)
        if employee.user_id != user.pk:
            Employee.objects.filter(user=user).exclude(pk=employee.pk).update(user=None)
            employee.user = user
            employee.save(update_fields=["user"])
        ctx.summary.accounts.append(
            DemoAccount(
                email=email,
                password=DEMO_PASSWORD,
                employee_external_id=employee.external_id,
                sees=_what_they_see(key, employee),
            )
        )


def _what_they_see(key: str, employee: Employee) -> str:
    employee.refresh_from_db()
    if key == "hr":
        return (
            f"the HR home (/hr/) with all {Employee.objects.active().count()} employees, and the admin (/admin/) "
            f"to edit skills, roles, mobility paths and people; also their own profile as {employee.role}"
        )
    if key == "manager":
        direct = employee.reports.count()
        below = Employee.objects.below(employee).count()
        return (
            f"their team (/team/): {direct} direct reports and {below} people in their reporting line in all, "
            f"including a team lead's reports; and each report's profile"
        )
    targets = ", ".join(
        f"{path.to_role} ({path.get_kind_display().lower()})"
        for path in MobilityPath.objects.filter(from_role=employee.role).select_related("to_role")
    )
    return (
        f"their own profile (/me/) as a {employee.role} with {employee.role.requirements.count()} required skills, "
        f"and career paths to {targets or 'no other role yet'}; their manager is {employee.manager}"
    )


# demo.moves plants its moves before the first gap analysis, so the analysis sees them.
_ANALYSIS_AT = HISTORY_STEPS.index(analysis)
STEPS: list[Callable[[Context], None]] = [
    _taxonomy,
    _org,
    _accounts,
    *HISTORY_STEPS[:_ANALYSIS_AT],
    moves_step,
    *HISTORY_STEPS[_ANALYSIS_AT:],
]
