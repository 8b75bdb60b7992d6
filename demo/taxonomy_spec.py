"""The demo's taxonomy as data: the curated pilot content of ``taxonomy_data``, and for an
organisation bigger than the pilot, generated job families, skills, roles, requirements,
mobility paths and skill demand.

``taxonomy_spec`` depends on the size class only (pilot or large), never on the seed, so every
seed shares one taxonomy. ``generator`` writes it as the taxonomy import's files (``files``).
"""

import random

from . import taxonomy_data as data
from .context import BASE_DATE, TaxonomySpec


def taxonomy_spec(*, large: bool) -> TaxonomySpec:
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


def _mid_sentence(name: str) -> str:
    """'Backend services' -> 'backend services', but 'HR operations' and 'SQL' stay as they are."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]
