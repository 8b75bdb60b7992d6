"""The last history steps: open opportunities to match people with, then the first gap analysis
after the pilot, with the two review cycles HR decided while the pilot ran.

``opportunities`` upserts by title: the pilot's eight from ``history_data``, and in a large
organisation about 190 more (open roles, and per job-family domain two projects, a stretch
assignment and a mentorship slot), each posted by a manager in the right family.

``analysis`` switches pilot mode off with a review threshold that leaves a handful of pilot
analyses (the low-confidence ones) waiting for HR, runs ``recommendations.analysis.recompute``
for everyone, and records the past cycles once.
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.utils import timezone

from recommendations import analysis as gap_analysis
from recommendations.models import EngineSettings, Opportunity, OpportunitySkill, ReviewItem, ReviewStatus

from . import history_data as text
from . import taxonomy_data as data
from .context import BASE_DATE, Context
from .population import Population, append, datetimes, domains, mid_sentence, population, rng_for
from .upsert import count_one, upsert

PAST_CYCLES = (  # (opened, edited, rejected): two pilot-mode review cycles HR decided
    (datetime(2026, 9, 1, 7, 0, tzinfo=UTC), 4, 1),
    (datetime(2026, 10, 1, 7, 0, tzinfo=UTC), 2, 0),
)


# --- 6. Opportunities ----------------------------------------------------------------------


def opportunities(ctx: Context) -> None:
    pop = population(ctx)
    rows, skills = [], []
    for title, kind, role, unit, poster, listed, description, opened, closes in text.PILOT_OPPORTUNITIES:
        if poster not in pop.keys:
            continue
        rows.append(_opportunity(ctx, title, kind, role, unit, pop.pk[pop.keys[poster]], description, opened, closes))
        skills += [(title, ctx.skill_ids[skill], level, importance) for skill, level, importance in listed]
    if ctx.large:
        _large_opportunities(ctx, pop, rows, skills)
    ids = upsert(
        Opportunity,
        rows,
        key="title",
        fields=[
            "kind",
            "role_id",
            "business_unit_id",
            "description",
            "posted_by_id",
            "status",
            "opens_on",
            "closes_on",
        ],
        counts=ctx.summary.table("opportunities"),
    )
    upsert(
        OpportunitySkill,
        [
            {"opportunity_id": ids[title], "skill_id": skill, "target_level": level, "importance": importance}
            for title, skill, level, importance in skills
        ],
        key=("opportunity_id", "skill_id"),
        fields=["target_level", "importance"],
        counts=ctx.summary.table("opportunity skills"),
    )


def _opportunity(ctx, title, kind, role, unit, poster, description, opened, closes) -> dict:
    return {
        "title": title,
        "kind": kind,
        "role_id": ctx.role_ids[role] if role else None,
        "business_unit_id": ctx.unit_ids[unit],
        "description": description,
        "posted_by_id": int(poster),
        "status": "open",
        "opens_on": BASE_DATE - timedelta(days=int(opened)),
        "closes_on": BASE_DATE + timedelta(days=int(closes)),
    }


def _large_opportunities(ctx: Context, pop: Population, rows: list, skills: list) -> None:
    """About 190 more: open roles across the company, and per job-family domain a project, a
    planning project, a stretch assignment and a mentorship slot, each posted by a manager there."""
    rng = rng_for(ctx, 6, 1)
    index = pop.blocks[1]
    has_reports = np.zeros(len(pop.pk), bool)
    has_reports[pop.manager_index[pop.manager_index >= 0]] = True
    managers = index[has_reports[index]]
    by_unit_family = defaultdict(list)
    for person in managers:
        by_unit_family[(pop.unit_name[person], pop.roles[pop.role[person]].family)].append(person)
    by_family = defaultdict(list)
    for (unit, family), people in by_unit_family.items():
        by_family[family].append((unit, people))
    taken = {row["title"] for row in rows}
    open_roles = [role for role in pop.roles if not role.curated and role.family in by_family]
    for number in range(70):
        role = open_roles[int(rng.integers(len(open_roles)))]
        unit, people = by_family[role.family][int(rng.integers(len(by_family[role.family])))]
        title = f"{role.title}, {unit}"
        title = title if title not in taken else f"{title} ({number + 1})"
        taken.add(title)
        poster = pop.pk[people[int(rng.integers(len(people)))]]
        description = f"An open {role.title} position in {unit}."
        rows.append(
            _opportunity(
                ctx, title, "role", role.title, unit, poster, description, rng.integers(1, 40), rng.integers(20, 90)
            )
        )
    for family, domain, names in domains(ctx):
        if family not in by_family:
            continue
        domain_skills = [ctx.skill_ids[name] for name in names]
        for kind, pattern, description in text.GENERATED_OPPORTUNITIES:
            unit, people = by_family[family][int(rng.integers(len(by_family[family])))]
            title = pattern.format(Domain=domain, domain=mid_sentence(domain))
            if title in taken:
                continue
            taken.add(title)
            poster = pop.pk[people[int(rng.integers(len(people)))]]
            rows.append(
                _opportunity(
                    ctx,
                    title,
                    kind,
                    None,
                    unit,
                    poster,
                    description.format(domain=mid_sentence(domain)),
                    rng.integers(1, 40),
                    rng.integers(20, 90),
                )
            )
            listed = rng.choice(domain_skills, size=min(len(domain_skills), int(rng.integers(2, 5))), replace=False)
            skills += [(title, int(s), int(rng.integers(2, 4)), int(rng.integers(3, 6))) for s in listed]


# --- 7. The first analysis after the pilot, and the pilot's past review cycles --------------


def analysis(ctx: Context) -> None:
    pop = population(ctx)
    settings = EngineSettings.objects.filter(pk=1).first()
    created = settings is None
    settings = settings or EngineSettings(pk=1)
    threshold = _calibrated_threshold(pop, settings)
    changed = settings.pilot_mode or settings.review_threshold != threshold
    count_one(ctx.summary.table("engine settings"), created=created, changed=changed)
    if created or changed:
        settings.pilot_mode, settings.review_threshold = False, threshold
        settings.full_clean()
        settings.save()
    chunks = -(-len(pop.pk) // gap_analysis.CHUNK_EMPLOYEES)
    bar = ctx.progress(chunks, "gap analysis (chunks)") if ctx.progress and ctx.large else None
    run, timings = gap_analysis.recompute(
        trigger="seed_demo", progress=(lambda done, total: bar.update(1)) if bar else None
    )
    if bar:
        bar.close()
    pending = ReviewItem.objects.filter(kind=ReviewItem.Kind.GAP_ANALYSIS, status=ReviewStatus.PENDING).count()
    ctx.summary.notes.append(
        f"gap analysis #{run.pk}: {run.employees} employees, {run.gaps} gaps, {run.paths} career paths, "
        f"{run.matches} opportunity matches in {timings.read + timings.compute + timings.write:.1f} s; "
        f"pilot mode off, {pending} below the review threshold {threshold:g} wait for HR"
    )
    _past_review_cycles(ctx, pop)


def _calibrated_threshold(pop: Population, settings: EngineSettings) -> float:
    """A review threshold just above the fifth-lowest pilot confidence (between 1 and 8 below it),
    with the demo employee and manager above it, from the engine's own numbers."""
    pilot = pop.blocks[0]
    shared = gap_analysis.read_shared()
    scope = gap_analysis.Scope(employee_ids=[int(pk) for pk in pop.pk[pilot]])
    employees, evidence = gap_analysis.read_chunk(scope=scope, low=None, high=None, now=timezone.now())
    results = gap_analysis.compute_chunk(
        shared=shared, employees=employees, evidence=evidence, weights=settings.as_weights()
    )
    confidence = results.summary.set_index("employee_id")["confidence"]
    demo = [confidence.get(pop.pk[pop.keys[key]], 1.0) for key in ("employee", "manager") if key in pop.keys]
    values = np.sort(confidence.to_numpy())
    for below in (5, 4, 6, 3, 7, 2, 8, 1):
        if below < len(values) and values[below - 1] < values[below]:
            threshold = round((values[below - 1] + values[below]) / 2, 3)
            if not values[below - 1] < threshold <= values[below]:
                threshold = float((values[below - 1] + values[below]) / 2)
            if all(value >= threshold for value in demo):
                return float(threshold)
    return 0.0


def _past_review_cycles(ctx: Context, pop: Population) -> None:
    """September and October 2026, in pilot mode: HR reviewed every pilot analysis, approving
    most, editing a few with a note and rejecting one. Recorded once; a rerun leaves them."""
    counts = ctx.summary.table("past review items")
    past = ReviewItem.objects.filter(
        kind=ReviewItem.Kind.GAP_ANALYSIS, created_at__lt=PAST_CYCLES[-1][0] + timedelta(days=31)
    )
    existing = past.exclude(status=ReviewStatus.PENDING).count()
    if existing:
        counts.unchanged += existing
        return
    hr = get_user_model().objects.filter(username=data.DEMO_PEOPLE["hr"]["email"]).values_list("pk", flat=True).first()
    people = pop.blocks[0]
    rng = rng_for(ctx, 7, 0)
    parts = []
    for opened, edited, rejected in PAST_CYCLES:
        n = len(people)
        status = np.full(n, ReviewStatus.APPROVED.value, dtype=object)
        note = np.full(n, "", dtype=object)
        shuffled = rng.permutation(n)
        status[shuffled[:edited]] = ReviewStatus.EDITED.value
        note[shuffled[:edited]] = [text.EDIT_NOTES[int(i)] for i in rng.permutation(len(text.EDIT_NOTES))[:edited]]
        status[shuffled[edited : edited + rejected]] = ReviewStatus.REJECTED.value
        note[shuffled[edited : edited + rejected]] = text.REJECT_NOTE
        created = np.full(n, np.datetime64(opened.replace(tzinfo=None), "s"))
        decided = created + rng.integers(86_400, 9 * 86_400, n)
        parts.append(
            pd.DataFrame(
                {
                    "kind": ReviewItem.Kind.GAP_ANALYSIS.value,
                    "employee_id": pop.pk[people],
                    "reason": ReviewItem.Reason.PILOT.value,
                    "confidence": np.round(rng.uniform(0.45, 0.95, n), 3),
                    "status": status,
                    "created_at": datetimes(created),
                    "decided_at": datetimes(decided),
                    "decided_by_id": hr,
                    "note": note,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    counts.created += append(ReviewItem._meta.db_table, frame, list(frame.columns))
