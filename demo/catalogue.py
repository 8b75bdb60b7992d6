"""The demo's learning catalogue: what the recommendations choose from.

``catalogue_step(ctx)`` is a generator step (``generator.STEPS``); it needs the people's skill
evidence (mentors) and the open opportunities (stretch assignments), so it runs after
``history``'s ``_opportunities``. It builds, for the pilot's curated skills:

1. Courses: the LMS's five courses per skill (``history._catalogue``, so catalogue items and
   learning records share activity ids ``https://lms.demo.example/courses/<slug>``), each
   raising the skill one level (``catalogue_data.COURSE_FROM_LEVELS``); internal ones in person
   or live, library ones self-paced.
2. External certifications (Google Data Analytics, AWS Certified Data Engineer, PMP, CIPD, ...).
3. Peer learning: a study circle (or practice group) per skill, and named formats such as the
   dashboard critique club.
4. Stretch assignments: one curated per skill, and one per open project or stretch opportunity,
   linked to it, raising each of its skills to the opportunity's target level.
5. Mentorship pairings with the two pilot people most advanced in each skill whose newest
   evidence reaches the level the pairing leads to (the importer's rule).
6. For any level step (0→1, 1→2, 2→3, 3→4) a skill still lacks, a workshop, masterclass or
   peer group at that step.

That is about 300 items, the same whatever the organisation's size. A large organisation adds,
per job-family domain, two certifications, and per generated skill items in the order of
``catalogue_data.GENERATED_ITEMS`` (four course steps first, then peer groups, mentorships with
people outside the pilot, more courses) until the catalogue has about 5,000 items at 10,000
people or more (fewer, in proportion, below).

Deterministic for a seed (ties between mentors are broken by ``random.Random`` seeded with the
seed and the skill's name) and idempotent: items are upserted by activity id, or by title when
they have none, and their skills by item and skill; nothing is deleted.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify

from core.frames import read_frame
from profiles.models import Employee, SkillEvidence

from . import catalogue_data as text
from . import history_data
from . import taxonomy_data as data
from .context import PILOT_COHORT, PILOT_SIZE, Context
from .upsert import upsert

LARGE_AT = 10_000  # employees from which the catalogue has its full size
LARGE_ITEMS = 5_000
PILOT_MENTORS_PER_SKILL = 2
MENTOR_MIN_LEVEL = 3  # a pairing raises the mentee to at most the mentor's level; below 3 is not worth a pairing
PROJECT_HOURS, STRETCH_HOURS = 120, 40
LEVEL_NAMES = ("no experience", "awareness", "working knowledge", "applied expertise", "mastery")
KIND_PLURALS = {
    "course": "courses",
    "certification": "certifications",
    "mentorship": "mentorship pairings",
    "stretch": "stretch assignments",
    "peer": "peer-learning groups",
}
ITEM_FIELDS = [
    "title",
    "kind",
    "format",
    "description",
    "hours",
    "cost",
    "provider",
    "url",
    "activity_id",
    "mentor_id",
    "opportunity_id",
    "active",
]


@dataclass
class Item:
    title: str
    kind: str
    format: str
    hours: float
    provider: str
    description: str
    skills: list[tuple[str, int, int]]  # (skill name, from, to)
    cost: float = 0
    activity_id: str | None = None
    url: str = ""
    mentor_id: int | None = None
    opportunity_id: int | None = None

    def row(self) -> dict:
        return {
            "title": self.title,
            "kind": self.kind,
            "format": self.format,
            "description": self.description,
            "hours": float(self.hours),
            "cost": Decimal(str(self.cost)),
            "provider": self.provider,
            "url": self.url,
            "activity_id": self.activity_id,
            "mentor_id": self.mentor_id,
            "opportunity_id": self.opportunity_id,
            "active": True,
        }


@dataclass
class Mentor:
    pk: int
    name: str
    role: str
    level: int


@dataclass
class Catalogue:
    items: list[Item] = field(default_factory=list)
    titles: set[str] = field(default_factory=set)

    def add(self, item: Item) -> bool:
        if item.title in self.titles:
            return False
        self.titles.add(item.title)
        self.items.append(item)
        return True


def catalogue_step(ctx: Context) -> None:
    """Create or bring up to date the demo's learning catalogue (see the module docstring)."""
    from .population import domains
    from .skill_history import lms_courses

    courses = lms_courses(ctx)
    lms = {row.title: row for row in courses.itertuples(index=False)}
    catalogue = Catalogue()
    curated = [skill["name"] for skill in data.SKILLS if skill["name"] in ctx.skill_ids]
    pilot_pks = [ctx.employee_ids[p.external_id] for p in ctx.people if p.cohort == PILOT_COHORT]
    _pilot_items(ctx, catalogue, curated, lms, pilot_pks)
    if ctx.large:
        _large_items(ctx, catalogue, lms, domains(ctx), pilot_pks)
    _write(ctx, catalogue)


# --- The pilot's catalogue ------------------------------------------------------------------------


def _pilot_items(ctx: Context, catalogue: Catalogue, curated: list[str], lms: dict, pilot_pks: list[int]) -> None:
    kinds = {skill["name"]: skill["kind"] for skill in data.SKILLS}
    for skill in curated:
        for number, (title, start) in enumerate(
            zip(history_data.SKILL_COURSES[skill], text.COURSE_FROM_LEVELS[skill], strict=True)
        ):
            course = lms[title]
            internal = course.provider == text.INTERNAL_ACADEMY
            form = ("in_person" if number % 2 == 0 else "live_virtual") if internal else "self_paced"
            catalogue.add(_course(title, skill, start, start + 1, form, course))
    for title, provider, hours, cost, form, skills, description in text.CERTIFICATIONS:
        activity_id = text.CERTIFICATION_URL + slugify(title)
        catalogue.add(
            Item(
                title, "certification", form, hours, provider, description, list(skills), cost, activity_id, activity_id
            )
        )
    for title, skills, hours, description in text.PEER_FORMATS:
        catalogue.add(Item(title, "peer", "group", hours, text.PEER_PROVIDER, description, list(skills)))
    for skill in curated:
        technical = kinds[skill] in ("technical", "domain")
        title = f"{skill} study circle" if technical else f"{skill} peer practice group"
        what = "work through a book or course together" if technical else "practise on real situations together"
        description = f"Colleagues learning {_mid(skill)} meet fortnightly to {what}, one of them leading each session."
        catalogue.add(Item(title, "peer", "group", 12, text.PEER_PROVIDER, description, [(skill, 1, 2)]))
    for title, skills, hours, description in text.STRETCH_ASSIGNMENTS:
        catalogue.add(Item(title, "stretch", "on_the_job", hours, text.STRETCH_PROVIDER, description, list(skills)))
    _opportunity_items(ctx, catalogue)
    mentors = _mentors(ctx, [ctx.skill_ids[s] for s in curated], only=pilot_pks)
    for skill in curated:
        for mentor in mentors.get(ctx.skill_ids[skill], [])[:PILOT_MENTORS_PER_SKILL]:
            catalogue.add(_mentorship(skill, mentor))
    _fill_level_steps(catalogue, curated)


def _course(title: str, skill: str, start: int, end: int, form: str, course) -> Item:
    hours = max(0.25, round(course.minutes / 60 * 4) / 4)
    cost = text.PROVIDER_COST.get(course.provider, 0) + (text.IN_PERSON_COST if form == "in_person" else 0)
    description = (
        f"{_format_label(form)} course from {course.provider} on {_mid(skill)}, "
        f"from {LEVEL_NAMES[start]} to {LEVEL_NAMES[end]}."
    )
    return Item(
        title,
        "course",
        form,
        hours,
        course.provider,
        description,
        [(skill, start, end)],
        cost,
        course.activity_id,
        course.activity_id,
    )


def _opportunity_items(ctx: Context, catalogue: Catalogue) -> None:
    """A stretch assignment per open project or stretch opportunity, up to each skill's target level."""
    from recommendations.models import Opportunity, OpportunitySkill

    names = {pk: name for name, pk in ctx.skill_ids.items()}
    listed: dict[int, list[tuple[str, int, int]]] = {}
    for opportunity_id, skill_id, target in OpportunitySkill.objects.filter(
        opportunity__status=Opportunity.Status.OPEN,
        opportunity__kind__in=[Opportunity.Kind.PROJECT, Opportunity.Kind.STRETCH],
        skill_id__in=names,
    ).values_list("opportunity_id", "skill_id", "target_level"):
        listed.setdefault(opportunity_id, []).append((names[skill_id], target - 1, target))
    opportunities = Opportunity.objects.filter(pk__in=listed).order_by("title", "pk")
    for opportunity in opportunities:
        hours = PROJECT_HOURS if opportunity.kind == Opportunity.Kind.PROJECT else STRETCH_HOURS
        skills = sorted(listed[opportunity.pk])
        description = opportunity.description or f"The open {opportunity.get_kind_display().lower()}."
        catalogue.add(
            Item(
                opportunity.title,
                "stretch",
                "on_the_job",
                hours,
                text.STRETCH_PROVIDER,
                description,
                skills,
                opportunity_id=opportunity.pk,
            )
        )


def _mentors(ctx: Context, skill_ids: list[int], *, only: list[int] | None = None, exclude: list[int] | None = None):
    """{skill pk: [Mentor]}: people whose newest evidence in the skill is at least level 3, most
    advanced first, ties in a seeded order. ``only``/``exclude`` restrict who may mentor.

    Only the history's own evidence counts, so evidence that later steps add (past
    recommendations' outcomes) cannot change the mentors on a rerun."""
    if not skill_ids:
        return {}
    evidence = SkillEvidence._meta.db_table
    employees = Employee._meta.db_table
    where, params = [f"e.skill_id IN ({', '.join(['%s'] * len(skill_ids))})"], [*skill_ids]
    if only is not None:
        where.append(f"e.employee_id IN ({', '.join(['%s'] * len(only))})" if only else "1=0")
        params += only
    if exclude:
        where.append(f"e.employee_id NOT IN ({', '.join(['%s'] * len(exclude))})")
        params += exclude
    # The newest observation of each (employee, skill), by time then id.
    frame = read_frame(
        f"""
        SELECT skill_id, employee_id, level, external_id, first_name, last_name, role_id FROM (
          SELECT e.skill_id, e.employee_id, e.level, p.external_id, p.first_name, p.last_name, p.role_id, p.status,
                 ROW_NUMBER() OVER (PARTITION BY e.employee_id, e.skill_id ORDER BY e.observed_at DESC, e.id DESC) AS nth
          FROM {evidence} e JOIN {employees} p ON p.id = e.employee_id
          WHERE e.external_id LIKE 'demo-ev-%%' AND {" AND ".join(where)}
        ) newest
        WHERE nth = 1 AND level >= %s AND status = 'active'
        ORDER BY skill_id, external_id
        """,  # noqa: S608 - table names are ours, values are parameters
        [*params, MENTOR_MIN_LEVEL],
        columns=["skill_id", "employee_id", "level", "external_id", "first_name", "last_name", "role_id"],
    )
    roles = {pk: title for title, pk in ctx.role_ids.items()}
    names = {pk: name for name, pk in ctx.skill_ids.items()}
    result: dict[int, list[Mentor]] = {}
    for skill_id, group in frame.groupby("skill_id", sort=True):
        rng = random.Random(f"catalogue:{ctx.seed}:{names.get(int(skill_id), skill_id)}")
        people = [
            (
                -int(row.level),
                rng.random(),
                Mentor(
                    int(row.employee_id),
                    f"{row.first_name} {row.last_name}",
                    roles.get(row.role_id, ""),
                    int(row.level),
                ),
            )
            for row in group.itertuples(index=False)
        ]
        result[int(skill_id)] = [mentor for *_, mentor in sorted(people, key=lambda entry: entry[:2])]
    return result


def _mentorship(skill: str, mentor: Mentor, *, suffix: str = "") -> Item:
    end = min(mentor.level, 4)
    role = f", {mentor.role}," if mentor.role else ""
    description = (
        f"Fortnightly one-hour sessions for six months with {mentor.name}{role} who has reached "
        f"{LEVEL_NAMES[end]} in {_mid(skill)}."
    )
    return Item(
        f"Mentoring in {_mid(skill)} with {mentor.name}{suffix}",
        "mentorship",
        "one_to_one",
        12,
        text.MENTORING_PROVIDER,
        description,
        [(skill, end - 1, end)],
        mentor_id=mentor.pk,
    )


def _fill_level_steps(catalogue: Catalogue, skills: list[str]) -> None:
    covered = {(skill, start, end) for item in catalogue.items for skill, start, end in item.skills}
    for skill in skills:
        for (start, end), (pattern, kind, form, hours) in text.FALLBACK_ITEMS.items():
            if (skill, start, end) in covered:
                continue
            title = pattern.format(Skill=skill, skill=_mid(skill))
            provider = text.INTERNAL_ACADEMY if kind == "course" else text.PEER_PROVIDER
            cost = text.IN_PERSON_COST if form == "in_person" else 0
            description = f"{_format_label(form)} on {_mid(skill)}, from {LEVEL_NAMES[start]} to {LEVEL_NAMES[end]}."
            activity_id = history_data.LMS_URL + slugify(title) if kind == "course" else None
            catalogue.add(
                Item(
                    title,
                    kind,
                    form,
                    hours,
                    provider,
                    description,
                    [(skill, start, end)],
                    cost,
                    activity_id,
                    activity_id or "",
                )
            )


# --- The large organisation's additions ------------------------------------------------------------


def target_size(*, employees: int, pilot_items: int) -> int:
    """About 5,000 items from 10,000 people, in proportion between the pilot and that."""
    if employees <= PILOT_SIZE:
        return pilot_items
    share = min(1.0, (employees - PILOT_SIZE) / (LARGE_AT - PILOT_SIZE))
    return round(pilot_items + share * (LARGE_ITEMS - pilot_items))


def _large_items(ctx: Context, catalogue: Catalogue, lms: dict, domains: list, pilot_pks: list[int]) -> None:
    pilot_count = len(catalogue.items)
    for _, domain, names in domains:
        for pattern, hours, cost, picks in text.DOMAIN_CERTIFICATIONS:
            skills = [(names[position], start, end) for position, start, end in picks if position < len(names)]
            if not skills:
                continue
            title = pattern.format(Domain=domain)
            activity_id = text.CERTIFICATION_URL + slugify(title)
            description = f"An industry certification in {_mid(domain)}, assessed by exam and a portfolio."
            catalogue.add(
                Item(
                    title,
                    "certification",
                    "self_paced",
                    hours,
                    "Professional bodies",
                    description,
                    skills,
                    cost,
                    activity_id,
                    activity_id,
                )
            )
    generated = [name for _, _, names in domains for name in names]
    mentors = _mentors(ctx, [ctx.skill_ids[name] for name in generated], exclude=pilot_pks)
    next_mentor = dict.fromkeys(generated, 0)
    base = 4 * len(generated)  # every generated skill gets its four course steps, however small the company
    target = max(target_size(employees=ctx.employees, pilot_items=pilot_count), len(catalogue.items) + base)
    for kind, pattern, form, planned_hours, start, end in text.GENERATED_ITEMS:
        for name in generated:
            if len(catalogue.items) >= target:
                return
            if kind == "mentorship":
                available = mentors.get(ctx.skill_ids[name], [])
                if next_mentor[name] >= len(available):
                    continue
                mentor = available[next_mentor[name]]
                next_mentor[name] += 1
                item = _mentorship(name, mentor)
                if item.title in catalogue.titles:
                    item = _mentorship(name, mentor, suffix=f" ({_external_id(ctx, mentor.pk)})")
                catalogue.add(item)
                continue
            title = pattern.format(Skill=name, skill=_mid(name))
            course = lms.get(title)
            provider = (
                course.provider
                if course is not None
                else (text.PEER_PROVIDER if kind == "peer" else text.INTERNAL_ACADEMY)
            )
            activity_id, hours = None, planned_hours
            if kind == "course":
                activity_id = course.activity_id if course is not None else history_data.LMS_URL + slugify(title)
                hours = max(0.25, round(course.minutes / 60 * 4) / 4) if course is not None else planned_hours
            cost = text.PROVIDER_COST.get(provider, 0) + (text.IN_PERSON_COST if form == "in_person" else 0)
            description = f"{_format_label(form)} on {_mid(name)}, from {LEVEL_NAMES[start]} to {LEVEL_NAMES[end]}."
            catalogue.add(
                Item(
                    title,
                    kind,
                    form,
                    hours,
                    provider,
                    description,
                    [(name, start, end)],
                    cost,
                    activity_id,
                    activity_id or "",
                )
            )


def _external_id(ctx: Context, pk: int) -> str:
    return next((external_id for external_id, value in ctx.employee_ids.items() if value == pk), str(pk))


# --- Writing --------------------------------------------------------------------------------------


def _write(ctx: Context, catalogue: Catalogue) -> None:
    from recommendations.models import LearningResource, ResourceSkill

    items = ctx.summary.table("catalogue items")
    with_id = [item.row() for item in catalogue.items if item.activity_id]
    without_id = [item.row() for item in catalogue.items if not item.activity_id]
    by_activity = upsert(
        LearningResource,
        with_id,
        key="activity_id",
        fields=[f for f in ITEM_FIELDS if f != "activity_id"],
        counts=items,
    )
    by_title = upsert(
        LearningResource,
        without_id,
        key="title",
        fields=[f for f in ITEM_FIELDS if f not in ("title", "activity_id")],
        counts=items,
    )
    links = []
    for item in catalogue.items:
        pk = by_activity[item.activity_id] if item.activity_id else by_title[item.title]
        links += [
            {"resource_id": pk, "skill_id": ctx.skill_ids[skill], "from_level": start, "to_level": end}
            for skill, start, end in item.skills
        ]
    upsert(
        ResourceSkill,
        links,
        key=("resource_id", "skill_id"),
        fields=["from_level", "to_level"],
        counts=ctx.summary.table("catalogue item skills"),
    )
    kinds: dict[str, int] = {}
    for item in catalogue.items:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    ctx.summary.notes.append(
        f"learning catalogue: {len(catalogue.items)} items ("
        + ", ".join(f"{kinds[kind]} {label}" for kind, label in KIND_PLURALS.items() if kind in kinds)
        + ")"
    )


def _format_label(form: str) -> str:
    from recommendations.models import LearningResource

    return str(dict(LearningResource.Format.choices)[form])


def _mid(name: str) -> str:
    """'Data visualisation' -> 'data visualisation', but 'SQL' stays as it is."""
    return name if len(name) > 1 and name[1].isupper() else name[:1].lower() + name[1:]
