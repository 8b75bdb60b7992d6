"""Builds the demo organisation: the pilot by default, a large one for benchmarks.

``build_demo(employees=..., seed=..., progress=...)`` runs ``STEPS`` in one transaction:

1. ``_taxonomy``: skill categories, skills and their behavioural anchors, job families, roles,
   role requirements and mobility paths. The curated pilot content comes from
   ``taxonomy_data``; an organisation bigger than the pilot adds generated families and skills.
2. ``_org``: business units and their skill demand, then the employees and their managers
   (created top-down so every manager exists before their reports), then
   ``org_paths_rebuild()``.
3. ``_accounts``: the three demo users, their allauth e-mail addresses and the links to their
   employees.
4. ``history.HISTORY_STEPS``: what the people did (role moves, skill evidence, learning,
   reviews, career goals), open opportunities, and a first gap analysis (see ``history``).

Every step here upserts by natural key (skill name, role title, employee external id ...): it
creates what is missing, updates what differs and deletes nothing, so a second run changes
nothing; the history steps append only for people who have none yet. Everything random comes
from ``random.Random(seed)`` (here) or numpy generators seeded with ``seed`` (``history``); dates
count back from ``BASE_DATE``, so a seed always gives the same organisation. The first
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

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from profiles.models import BusinessUnit, Employee, SkillDemand
from profiles.services import org_paths_rebuild
from taxonomy.models import BehaviouralAnchor, JobFamily, MobilityPath, Role, RoleRequirement, Skill, SkillCategory

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
    TaxonomySpec,
)
from .history import HISTORY_STEPS
from .upsert import BATCH_SIZE, count_one, snapshot, upsert

DEMAND_AS_OF = date(2026, 10, 1)
DEMO_PASSWORD = "demo-talent-2026"  # noqa: S105  a published demo password, not a secret
DEMO_DOMAIN = "demo.example"
DEMO_URL = "http://127.0.0.1:8000/"
SPAN = (5, 10)  # reports per manager in the large organisation
INDIVIDUAL_CONTRIBUTOR_SHARE = 0.12  # below the top levels, some people manage no one


@transaction.atomic
def build_demo(
    *, employees: int = PILOT_SIZE, seed: int = 2026, progress: ProgressFactory | None = None
) -> DemoSummary:
    """Create or bring up to date the demo organisation of ``employees`` people for ``seed``."""
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
        spec=_taxonomy_spec(large=employees > PILOT_SIZE),
    )
    for step in STEPS:
        step(ctx)
    return summary


# --- Step 1: taxonomy ---------------------------------------------------------------------


def _taxonomy(ctx: Context) -> None:
    spec, summary = ctx.spec, ctx.summary
    category_ids = upsert(
        SkillCategory,
        [{"name": name, "description": description} for name, description in spec.categories.items()],
        key="name",
        fields=["description"],
        counts=summary.table("skill categories"),
    )
    ctx.skill_ids = upsert(
        Skill,
        [
            {
                "name": skill["name"],
                "slug": slugify(skill["name"])[:220],
                "category_id": category_ids[skill["category"]],
                "kind": skill["kind"],
                "description": skill["description"],
                "aliases": "\n".join(skill.get("aliases", [])),
            }
            for skill in spec.skills
        ],
        key="name",
        fields=["slug", "category_id", "kind", "description", "aliases"],
        counts=summary.table("skills"),
    )
    upsert(
        BehaviouralAnchor,
        [
            {"skill_id": ctx.skill_ids[skill["name"]], "level": level, "description": text}
            for skill in spec.skills
            for level, text in enumerate(skill["anchors"], start=1)
        ],
        key=("skill_id", "level"),
        fields=["description"],
        counts=summary.table("behavioural anchors"),
    )
    family_ids = upsert(
        JobFamily,
        [{"name": name, "description": description} for name, description in spec.families.items()],
        key="name",
        fields=["description"],
        counts=summary.table("job families"),
    )
    ctx.role_ids = upsert(
        Role,
        [
            {
                "title": role["title"],
                "family_id": family_ids[role["family"]],
                "grade": role["grade"],
                "description": role["description"],
            }
            for role in spec.roles
        ],
        key="title",
        fields=["family_id", "grade", "description"],
        counts=summary.table("roles"),
    )
    upsert(
        RoleRequirement,
        [
            {
                "role_id": ctx.role_ids[role["title"]],
                "skill_id": ctx.skill_ids[skill],
                "target_level": level,
                "importance": importance,
                "core": core,
            }
            for role in spec.roles
            for skill, level, importance, core in role["requirements"]
        ],
        key=("role_id", "skill_id"),
        fields=["target_level", "importance", "core"],
        counts=summary.table("role requirements"),
    )
    upsert(
        MobilityPath,
        [
            {"from_role_id": ctx.role_ids[source], "to_role_id": ctx.role_ids[target], "kind": kind}
            for source, target, kind in spec.paths
        ],
        key=("from_role_id", "to_role_id"),
        fields=["kind"],
        counts=summary.table("mobility paths"),
    )


def _taxonomy_spec(*, large: bool) -> TaxonomySpec:
    """The curated pilot taxonomy, plus generated families and skills for a large organisation."""
    spec = TaxonomySpec(
        categories=dict(data.SKILL_CATEGORIES),
        skills=list(data.SKILLS),
        families=dict(data.JOB_FAMILIES),
        roles=list(data.ROLES),
        paths=list(data.MOBILITY_PATHS),
        business_units=dict(data.BUSINESS_UNITS),
        demand={unit: list(rows) for unit, rows in data.SKILL_DEMAND.items()},
        ladders={},
        unit_families={},
    )
    if not large:
        return spec
    spec.categories.update(data.LARGE_SKILL_CATEGORIES)
    curated_titles = {role["title"] for role in spec.roles}
    family_skills: dict[str, list[str]] = {}
    domain_number = 0
    for family in data.LARGE_FAMILIES:
        spec.families[family["name"]] = family["description"]
        capabilities = (
            data.TECHNICAL_CAPABILITIES if family["capabilities"] == "technical" else data.BUSINESS_CAPABILITIES
        )
        names = []
        for domain in family["domains"]:
            # Rotate the capability list per domain and keep 8 or 9, so domains differ and the
            # organisation ends up with about 300 skills in all.
            keep = 9 if domain_number % 2 == 0 else 8
            rotated = (
                capabilities[domain_number % len(capabilities) :] + capabilities[: domain_number % len(capabilities)]
            )
            # Skip pairs that repeat a word ("Interaction design" + "process design").
            fitting = [(c, m) for c, m in rotated if not set(c.lower().split()) & set(domain.lower().split())]
            for capability, meaning in fitting[:keep]:
                name = f"{domain} {capability}"
                names.append(name)
                spec.skills.append(
                    {
                        "name": name,
                        "category": family["category"],
                        "kind": family["kind"],
                        "description": f"{meaning}, in {_mid_sentence(domain)}.",
                        "aliases": [],
                        "anchors": tuple(text.format(skill=_mid_sentence(name)) for text in data.GENERATED_ANCHORS),
                    }
                )
            domain_number += 1
        family_skills[family["name"]] = names
        for title, grade, manages in family["roles"]:
            if title not in curated_titles:
                spec.roles.append(
                    {
                        "title": title,
                        "family": family["name"],
                        "grade": grade,
                        "description": _role_description(family, grade=grade, manages=manages),
                        "requirements": _generated_requirements(
                            title=title, grade=grade, manages=manages, own=names, shared=family["shared_skills"]
                        ),
                    }
                )
        individual = [(title, grade) for title, grade, manages in family["roles"] if not manages]
        managers = [title for title, grade, manages in sorted(family["roles"], key=lambda r: -r[1]) if manages]
        spec.ladders[family["name"]] = (individual, managers)
    spec.paths = _large_paths(spec)
    for unit, code, families in data.LARGE_BUSINESS_UNITS:
        spec.business_units[unit] = code
        spec.unit_families[unit] = families
        if unit not in spec.demand:
            spec.demand[unit] = _generated_demand(unit, families, family_skills)
    return spec


def _role_description(family: dict, *, grade: int, manages: bool) -> str:
    focus = ", ".join(_mid_sentence(domain) for domain in family["domains"])
    who = "Leads people" if manages else "Individual contributor"
    return f"{who} in {family['name']} (grade {grade})" + (f", across {focus}." if focus else ".")


def _generated_requirements(*, title: str, grade: int, manages: bool, own: list[str], shared: list[str]):
    """Six to ten requirements for a generated role: its family's skills, shared ones, and leadership for managers."""
    rng = random.Random(f"requirements:{title}")  # depends on the title only, so the taxonomy never varies by seed
    count = rng.randint(6, 10)
    chosen: list[tuple[str, int, int, bool]] = []
    if manages:
        lead_level = 4 if grade >= 5 else 3
        chosen += [("Team leadership", lead_level, 5, True), ("Coaching", lead_level, 4, True)]
        extra = rng.sample(
            ["Hiring and developing talent", "Strategic planning", "Change management"], k=rng.randint(1, 2)
        )
        chosen += [(skill, lead_level if grade >= 5 else lead_level - 1, 4, False) for skill in extra]
    taken = {skill for skill, *_ in chosen}
    shared_left = [skill for skill in shared if skill not in taken]
    own_picks = rng.sample(own, k=min(len(own), max(0, count - len(chosen) - 2)))
    for position, skill in enumerate(own_picks):
        level = min(3, max(2, grade - 1)) if manages else min(4, max(1, grade + rng.choice((0, 0, 1))))
        core = position < (1 if manages else 3)
        chosen.append((skill, level, 5 if core else rng.randint(2, 4), core))
    shared_picks = rng.sample(shared_left, k=min(len(shared_left), count - len(chosen)))
    chosen += [
        (skill, min(4, max(1, grade - (1 if manages else 0))), rng.randint(2, 4), False) for skill in shared_picks
    ]
    return chosen


def _large_paths(spec: TaxonomySpec) -> list[tuple[str, str, str]]:
    """Curated paths, then promotions and lateral moves along each generated family's ladder, then cross-family moves."""
    grade = {role["title"]: role["grade"] for role in spec.roles}
    paths = list(spec.paths)
    seen = {(source, target) for source, target, _ in paths}

    def add(source, target, kind=None):
        if source != target and (source, target) not in seen:
            seen.add((source, target))
            if kind is None:
                kind = "promotion" if grade[target] > grade[source] else "lateral"
            paths.append((source, target, kind))

    curated = {role["title"] for role in data.ROLES}
    for individual, managers in spec.ladders.values():
        if all(title in curated for title, _ in individual) and all(title in curated for title in managers):
            continue  # a curated family keeps exactly its curated paths
        grades = sorted({g for _, g in individual})
        for title, g in individual:
            higher = [gr for gr in grades if gr > g]
            for other, og in individual:
                if og == g or (higher and og == higher[0]):
                    add(title, other)
        if individual and managers:
            top = max(g for _, g in individual)
            for title, g in individual:
                if g == top:
                    add(title, managers[-1])
        for junior, senior in zip(managers[1:], managers, strict=False):
            add(junior, senior)
    for source, target, kind in data.LARGE_CROSS_FAMILY_PATHS:
        add(source, target, kind)
    return paths


def _generated_demand(unit: str, families: dict[str, int], family_skills: dict[str, list[str]]):
    rng = random.Random(f"demand:{unit}")
    main = sorted(families, key=lambda name: -families[name])[:2]
    pool = [skill for name in main for skill in family_skills.get(name, [])]
    rows = []
    for skill in rng.sample(pool, k=min(5, len(pool))):
        weight = round(rng.uniform(0.35, 0.95), 2)
        rows.append((skill, weight, f"Emerging need in the {unit} plan for {BASE_DATE.year + 1}."))
    return rows


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


def _mid_sentence(name: str) -> str:
    """'Backend services' -> 'backend services', but 'HR operations' and 'SQL' stay as they are."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


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
    _upsert_people(ctx)
    summary.org_paths_changed = org_paths_rebuild()


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


def _upsert_people(ctx: Context) -> None:
    """Upsert employees level by level from the top, so each manager's pk is known before their reports."""
    fields = [
        "first_name",
        "last_name",
        "email",
        "role_id",
        "business_unit_id",
        "manager_id",
        "hire_date",
        "status",
        "termination_date",
        "cohort",
    ]
    existing = snapshot(Employee, ("external_id",), fields)
    manager_of = {person.external_id: person.manager for person in ctx.people}
    depth: dict[str, int] = {}
    for person in ctx.people:
        chain = []
        node = person.external_id
        while node is not None and node not in depth:
            chain.append(node)
            node = manager_of.get(node)
        level = depth[node] if node is not None else -1
        for external_id in reversed(chain):
            level += 1
            depth[external_id] = level
    ordered = sorted(ctx.people, key=lambda p: depth[p.external_id])  # stable: external-id order within a level
    counts = ctx.summary.table("employees")
    bar = ctx.progress(len(ordered), "employees") if ctx.progress and ctx.large else None
    start = 0
    while start < len(ordered):
        # A chunk never spans two levels, so every manager in it was written by an earlier chunk.
        level = depth[ordered[start].external_id]
        end = start
        while end < len(ordered) and end - start < BATCH_SIZE * 5 and depth[ordered[end].external_id] == level:
            end += 1
        chunk = ordered[start:end]
        rows = [
            {
                "external_id": person.external_id,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "role_id": ctx.role_ids[person.role],
                "business_unit_id": ctx.unit_ids[person.business_unit],
                "manager_id": ctx.employee_ids[person.manager] if person.manager else None,
                "hire_date": person.hire_date,
                "status": Employee.Status.ACTIVE,
                "termination_date": None,
                "cohort": person.cohort,
            }
            for person in chunk
        ]
        ctx.employee_ids.update(
            upsert(Employee, rows, key="external_id", fields=fields, counts=counts, existing=existing)
        )
        if bar:
            bar.update(len(chunk))
        start = end
    if bar:
        bar.close()


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


STEPS: list[Callable[[Context], None]] = [_taxonomy, _org, _accounts, *HISTORY_STEPS]
