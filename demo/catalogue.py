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
5. Mentorship pairings with the two pilot people most advanced in each skill, by the importer's
   mentor rule (``recommendations.resources.mentor_levels``: the newest evidence of any source),
   each leading to the mentor's level.
6. For any level step (0→1, 1→2, 2→3, 3→4) a skill still lacks, a workshop, masterclass or
   peer group at that step.

That is about 300 items, the same whatever the organisation's size. A large organisation adds,
per job-family domain, two certifications, and per generated skill items in the order of
``catalogue_data.GENERATED_ITEMS`` (four course steps first, then peer groups, mentorships with
people outside the pilot, more courses) until the catalogue has about 5,000 items at 10,000
people or more (fewer, in proportion, below).

The catalogue is written as the file ``import_catalogue`` reads (docs/data-formats.md, "Learning
catalogue") and loaded through its importer (``demo.imports.import_catalogue``), as a customer's
is: items are matched by activity id, or by title when they have none, and their skills by item
and skill; nothing is deleted. Deterministic for a seed (ties between mentors are broken by
``random.Random`` seeded with the seed and the skill's name).
"""

import random
from dataclasses import dataclass, field

from django.utils.text import slugify

from profiles.models import Employee
from recommendations.resources import mentor_levels

from . import catalogue_data as text
from . import history_data
from . import taxonomy_data as data
from .context import PILOT_COHORT, PILOT_SIZE, Context
from .imports import import_catalogue

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
    mentor_external_id: str | None = None
    opportunity_title: str | None = None

    def rows(self) -> list[dict]:
        """The item's rows of a catalogue file (docs/data-formats.md): one per skill it raises."""
        item = {
            "title": self.title,
            "kind": self.kind,
            "format": self.format,
            "description": self.description,
            "hours": f"{float(self.hours):g}",
            "cost": f"{float(self.cost):g}",
            "provider": self.provider,
            "url": self.url,
            "activity_id": self.activity_id,
            "active": "yes",
            "mentor_external_id": self.mentor_external_id,
            "opportunity_title": self.opportunity_title,
        }
        return [{**item, "skill": skill, "from_level": start, "to_level": end} for skill, start, end in self.skills]


@dataclass
class Mentor:
    pk: int
    external_id: str
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
    mentors = _pairings(ctx, [ctx.skill_ids[s] for s in curated], only=pilot_pks)
    for skill in curated:
        for mentor in mentors.get(ctx.skill_ids[skill], [])[:PILOT_MENTORS_PER_SKILL]:
            catalogue.add(_mentorship(skill, mentor))
    _fill_level_steps(catalogue, curated, also_covered=_demo_pairing_steps())


def _course(title: str, skill: str, start: int, end: int, form: str, course) -> Item:
    hours = max(0.25, round(course.minutes / 60 * 4) / 4)
    cost = text.PROVIDER_COST.get(course.provider, 0) + (text.IN_PERSON_COST if form == "in_person" else 0)
    description = f"Taught by {course.provider}: {_mid(skill)} from {LEVEL_NAMES[start]} to {LEVEL_NAMES[end]}."
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
                opportunity_title=opportunity.title,
            )
        )


def _pairings(ctx: Context, skill_ids: list[int], *, only: list[int] | None = None, exclude: list[int] | None = None):
    """{skill pk: [Mentor]}: who mentors in each skill, in the order the pairings are offered.

    The first run chooses them (``_mentors``). A rerun finds the demo's pairings in the catalogue
    and keeps them, each still checked by the mentor rule (a pairing whose mentor's newest evidence
    fell below its level is left out of the file): the history's later steps add evidence that
    would otherwise change who is most advanced, and a second run must change nothing."""
    existing = _existing_pairings(ctx, skill_ids, only=only, exclude=exclude)
    return existing if existing is not None else _mentors(ctx, skill_ids, only=only, exclude=exclude)


def _existing_pairings(ctx: Context, skill_ids: list[int], *, only, exclude) -> dict[int, list[Mentor]] | None:
    """The demo's mentorship pairings already in the catalogue, as ``_pairings`` returns them, or
    None when the catalogue has none yet (a first run)."""
    from recommendations.models import LearningResource, ResourceSkill

    demo_pairings = LearningResource.objects.filter(
        kind=LearningResource.Kind.MENTORSHIP, provider=text.MENTORING_PROVIDER
    )
    if not demo_pairings.exists():
        return None
    rows = ResourceSkill.objects.filter(resource__in=demo_pairings, skill_id__in=skill_ids)
    if only is not None:
        rows = rows.filter(resource__mentor_id__in=only)
    if exclude:
        rows = rows.exclude(resource__mentor_id__in=exclude)
    rows = list(
        rows.order_by("skill_id", "resource_id").values_list(
            "skill_id", "to_level", "resource__mentor_id", "resource__mentor__external_id",
            "resource__mentor__first_name", "resource__mentor__last_name", "resource__mentor__role_id",
        )
    )  # fmt: skip
    levels = mentor_levels(skill_ids=skill_ids, employee_ids={row[2] for row in rows})
    level_of = dict(zip(zip(levels["employee_id"], levels["skill_id"], strict=True), levels["level"], strict=True))
    roles = {pk: title for title, pk in ctx.role_ids.items()}
    result: dict[int, list[Mentor]] = {}
    for skill_id, to_level, pk, external_id, first, last, role_id in rows:
        if level_of.get((pk, skill_id), -1) >= to_level:
            result.setdefault(skill_id, []).append(
                Mentor(pk, external_id, f"{first} {last}", roles.get(role_id, ""), to_level)
            )
    return result


def _mentors(ctx: Context, skill_ids: list[int], *, only: list[int] | None = None, exclude: list[int] | None = None):
    """{skill pk: [Mentor]}: active people whose level in the skill is at least 3 by the catalogue's
    mentor rule (``recommendations.resources.mentor_levels``: their newest evidence, of any source,
    the rule the importer checks each pairing by), most advanced first, ties in a seeded order.
    ``only``/``exclude`` restrict who may mentor."""
    if not skill_ids or only == []:
        return {}
    levels = mentor_levels(skill_ids=skill_ids, employee_ids=only, exclude_employee_ids=exclude or ())
    levels = levels[levels["level"].to_numpy() >= MENTOR_MIN_LEVEL]
    people = {
        pk: (external_id, f"{first} {last}", role_id)
        for pk, external_id, first, last, role_id in Employee.objects.filter(
            pk__in=levels["employee_id"].unique().tolist(), status=Employee.Status.ACTIVE
        ).values_list("pk", "external_id", "first_name", "last_name", "role_id")
    }
    levels = levels[levels["employee_id"].isin(list(people)).to_numpy()]
    roles = {pk: title for title, pk in ctx.role_ids.items()}
    names = {pk: name for name, pk in ctx.skill_ids.items()}
    result: dict[int, list[Mentor]] = {}
    for skill_id, group in levels.groupby("skill_id", sort=True):
        rng = random.Random(f"catalogue:{ctx.seed}:{names.get(int(skill_id), skill_id)}")
        candidates = []
        for employee_id, level in sorted(
            zip(group["employee_id"], group["level"], strict=True), key=lambda r: people[r[0]][0]
        ):
            external_id, name, role_id = people[int(employee_id)]
            mentor = Mentor(int(employee_id), external_id, name, roles.get(role_id, ""), int(level))
            candidates.append((-int(level), rng.random(), mentor))
        result[int(skill_id)] = [mentor for *_, mentor in sorted(candidates, key=lambda entry: entry[:2])]
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
        mentor_external_id=mentor.external_id,
    )


def _demo_pairing_steps() -> set[tuple[str, int, int]]:
    """(skill, from, to) of the demo's mentorship pairings already in the catalogue (a rerun),
    including those a mentor rule now leaves out of the file: the fallback items stand in only for
    steps the first run left uncovered, so a second run adds none when a pairing drops out."""
    from recommendations.models import LearningResource, ResourceSkill

    return set(
        ResourceSkill.objects.filter(
            resource__kind=LearningResource.Kind.MENTORSHIP, resource__provider=text.MENTORING_PROVIDER
        ).values_list("skill__name", "from_level", "to_level")
    )


def _fill_level_steps(
    catalogue: Catalogue, skills: list[str], *, also_covered: set[tuple[str, int, int]] = frozenset()
) -> None:
    covered = {(skill, start, end) for item in catalogue.items for skill, start, end in item.skills} | set(also_covered)
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
    mentors = _pairings(ctx, [ctx.skill_ids[name] for name in generated], exclude=pilot_pks)
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
                    item = _mentorship(name, mentor, suffix=f" ({mentor.external_id})")
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


# --- Writing --------------------------------------------------------------------------------------


def _write(ctx: Context, catalogue: Catalogue) -> None:
    """The catalogue as the file ``import_catalogue`` reads, loaded through its importer."""
    import_catalogue(ctx, [row for item in catalogue.items for row in item.rows()])
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
