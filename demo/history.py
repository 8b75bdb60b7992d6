"""What the demo's people did before today: the history the gap engine and the learning
recommendations work from.

The steps run after the organisation and the demo accounts exist (``generator.STEPS``):

1. ``_role_history``: the people import gave everyone a hire assignment in their current role;
   about a quarter started in an earlier role that a promotion or lateral path leads from and
   moved after 12-36 months (some twice), so the career-path engine sees observed moves and how
   long they took. Earlier roles have no import format, so for those people the hire row is
   replaced by their history directly. The current role's assignment is always the last one.
2. ``_aspirations``: most people name a target role, usually one their mobility paths lead to,
   sometimes one in another family, some with a line about their interests. A few pilot people
   state none (a data-quality flag); the demo employee aims for a promotion.
3. ``_evidence``: each person has a hidden true level per assessed skill (their role's
   requirements, their goal's, their unit's demand and a few more), around the target and often
   below it, so real gaps exist. Managers (in the review rounds), the person (about half a level
   high) and assessments observe it over the last two years. A few pilot people have
   contradictory (self 4, manager 1) or only old evidence, so confidence varies.
4. ``_learning``: LMS records from a catalogue of about 300 courses, mostly on the person's own
   skills and more often on their gaps; some finished courses leave learning evidence on the day
   they were finished. A few pilot people (and one in twelve elsewhere) have learnt nothing for
   months.
5. ``_reviews``: the 2025-H2 and 2026-H1 reviews by each person's manager (a 2026-Q3 probation
   review for recent joiners), scores around 3.4 that follow the hidden ability.
6. ``first_analysis.opportunities``: open roles, projects, stretch assignments and mentorship
   slots.
7. ``catalogue.catalogue_step``: the learning catalogue (courses, certifications, mentorship
   pairings with advanced colleagues, stretch assignments from the opportunities, peer groups).
8. ``recommendation_history.recommendation_history``: 18 months of past recommendations and
   what became of them, with hidden format preferences and item uplifts for the model to learn.
9. ``first_analysis.analysis``: switches pilot mode off with a review threshold below which only
   a handful of pilot analyses fall, runs ``recommendations.analysis.recompute`` for everyone,
   and records two past pilot-mode review cycles (September and October 2026) that HR decided.

Repeatable and fast at 100,000 people (the shared machinery is in ``population``):

* Each step draws from ``np.random.default_rng((seed, step, block))`` for two blocks of people:
  the pilot and everyone else. The pilot block uses curated content only, so the pilot's history
  is the same whatever the organisation's size.
* Rows are made as numpy arrays and appended with ``core.frames.write_frame`` (COPY on
  PostgreSQL, executemany on SQLite); opportunities, which have natural keys, are upserted.
* A step writes only for the people who have no rows of its kind yet (one set-based query), so
  a rerun writes nothing; the recompute then replaces the results it made before. Evidence and
  learning rows carry external ids such as ``demo-ev-E00042-7``.
* On SQLite a large organisation's steps run with a bigger page cache (``roomy_sqlite_cache``);
  on PostgreSQL ``fresh_statistics`` ANALYZEs the filled tables after the reviews and again
  before the analysis (the demo is one transaction, so autovacuum never sees its rows).
"""

from collections import defaultdict
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Count
from django.utils.text import slugify

from core.frames import placeholders, table
from profiles.models import (
    CareerAspiration,
    Demographics,
    LearningRecord,
    PerformanceReview,
    RoleAssignment,
    SkillEvidence,
)

from . import history_data as text
from . import taxonomy_data as data
from .catalogue import catalogue_step
from .checkins import checkins
from .context import Context
from .first_analysis import analysis, opportunities
from .imports import import_profile_file
from .population import (
    BASE,
    BASE_SECONDS,
    PLANTED,
    SOURCE,
    Population,
    dates,
    domains,
    draws,
    fresh_statistics,
    mid_sentence,
    missing,
    office_hours,
    planted,
    population,
    roomy_sqlite_cache,
    usual_sqlite_cache,
    within_tenure,
    write_rows,
)
from .recommendation_history import recommendation_history

DAYS_PER_MONTH = 30.44
# Manager ratings happen in the review rounds: about 115, 295, 480 and 660 days before BASE_DATE.
REVIEW_ROUND_AGES = np.array([115, 295, 480, 660])
REVIEW_ROUND_SHARES = np.array([0.45, 0.3, 0.15, 0.1])
MOVER_SHARE = 0.25  # of everyone: people whose role has no way in (entry grades) cannot have moved
MIN_TENURE_TO_HAVE_MOVED = 365 + 60  # a year in the earlier role, two months in this one
IDLE_LEARNERS = 0.08  # outside the pilot: nothing started or finished in the last 150 days
SECOND_MOVE_SHARE = 0.3
ASPIRATION_SHARE = 0.8  # outside the pilot, where only the planted few state none
NO_ASPIRATION_PILOT = 4
ASSESSED_SKILLS_LARGE = 25
SPARE_DRAWS = 8  # learning: extra course draws per person, dropped after removing repeats
PERIODS = (  # (period, last day, reviews submitted from)
    ("2025-H2", np.datetime64("2025-12-31"), np.datetime64("2026-01-12")),
    ("2026-H1", np.datetime64("2026-06-30"), np.datetime64("2026-07-10")),
)
PROBATION = ("2026-Q3", np.datetime64("2026-09-15"), np.datetime64("2026-10-05"))  # for joiners after 2026-H1
# (source, chance on a role skill, chance on another skill, bias, spread, confidence range)
SOURCES = (
    ("manager", 0.85, 0.4, 0.0, 0.4, (0.7, 1.0)),
    ("self", 0.65, 0.5, 0.5, 0.5, (0.6, 0.9)),
    ("assessment", 0.3, 0.1, 0.0, 0.3, (0.8, 1.0)),
)
# Learning evidence comes from finished courses on an assessed skill: (share, bias, spread, confidence range)
LEARNING_EVIDENCE = (0.6, -0.2, 0.4, (0.6, 0.85))


# --- 1. Role history -----------------------------------------------------------------------


def _role_history(ctx: Context) -> None:
    pop = population(ctx)
    pop.role_since = pop.hire.copy()
    columns = defaultdict(list)
    for index, rng, pilot in draws(ctx, 1):
        n = len(index)
        move, second = rng.random(n), rng.random(n)
        first_months, second_months = rng.uniform(12, 36, n), rng.uniform(12, 36, n)
        first_pick, second_pick = rng.random(n), rng.random(n)
        if pilot and "manager" in pop.keys:
            move[np.flatnonzero(index == pop.keys["manager"])] = 0.0  # the demo manager was promoted into the job
        can_have_moved = np.array([bool(pop.roles[r].sources[pilot]) for r in pop.role[index]]) & (
            pop.tenure[index] >= MIN_TENURE_TO_HAVE_MOVED
        )
        mover_share = min(0.9, MOVER_SHARE * n / max(can_have_moved.sum(), 1))
        for j, person in enumerate(index):
            tenure, role = int(pop.tenure[person]), int(pop.role[person])
            chain = [(role, "hire")]  # newest first: (role, how it was reached)
            durations = []  # days in each earlier role, newest first
            sources = pop.roles[role].sources[pilot]
            if move[j] < mover_share and can_have_moved[j]:
                earlier, kind = sources[int(first_pick[j] * len(sources))]
                chain = [(role, kind), (earlier, "hire")]
                durations.append(min(first_months[j] * DAYS_PER_MONTH, tenure - 60))
                sources = pop.roles[earlier].sources[pilot]
                left = tenure - 60 - durations[0]
                if second[j] < SECOND_MOVE_SHARE and sources and left >= 365:
                    earliest, kind = sources[int(second_pick[j] * len(sources))]
                    chain[-1] = (earlier, kind)
                    chain.append((earliest, "hire"))
                    durations.append(min(second_months[j] * DAYS_PER_MONTH, left))
            start = pop.hire[person]
            starts = []
            for days in reversed(durations):  # oldest role first
                starts.append(start)
                start = start + np.timedelta64(int(days), "D")
            starts.append(start)
            pop.role_since[person] = start
            for number, ((held, kind), begins) in enumerate(zip(reversed(chain), starts, strict=True)):
                columns["person"].append(person)
                columns["role_id"].append(pop.roles[held].pk)
                columns["kind"].append(kind)
                columns["start_date"].append(begins)
                columns["end_date"].append(starts[number + 1] - 1 if number + 1 < len(starts) else np.datetime64("NaT"))
    person = np.array(columns["person"], dtype="int64")
    frame = pd.DataFrame(
        {
            "person": person,
            "employee_id": pop.pk[person],
            "role_id": columns["role_id"],
            "business_unit_id": pop.unit[person],
            "kind": columns["kind"],
            "start_date": dates(np.array(columns["start_date"], dtype="datetime64[D]")),
            "end_date": dates(np.array(columns["end_date"], dtype="datetime64[D]")),
            "source": SOURCE,
        }
    )
    # The people import gave everyone new a hire assignment in their current role. For those who
    # moved since (no import format carries earlier roles), that row is replaced by their history.
    moved = np.bincount(person, minlength=len(pop.pk)) > 1
    counts = ctx.summary.table("role assignments")
    counts.unchanged += RoleAssignment.objects.count()
    replaced = pop.pk[moved & _only_the_hire(pop)]
    _assignments_delete(replaced)
    counts.unchanged -= len(replaced)
    frame = frame[np.isin(frame["employee_id"].to_numpy(), replaced)]
    columns_written = ["employee_id", "role_id", "business_unit_id", "kind", "start_date", "end_date", "source"]
    write_rows(ctx, RoleAssignment, frame, columns_written, "role assignments", count_existing=False)


def _only_the_hire(pop: Population) -> np.ndarray:
    """True for the people whose one role assignment is the hire the people import gave them."""
    rows = RoleAssignment.objects.order_by().values_list("employee_id").annotate(n=Count("pk"))
    single = np.fromiter((pk for pk, n in rows if n == 1), dtype="int64")
    return np.isin(pop.pk, single)


def _assignments_delete(employee_ids: np.ndarray) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(employee_ids), 900):
            chunk = [int(pk) for pk in employee_ids[start : start + 900]]
            cursor.execute(
                f"DELETE FROM {table(RoleAssignment)} WHERE employee_id IN ({placeholders(chunk)})",  # noqa: S608
                chunk,
            )


# --- 2. Career aspirations -----------------------------------------------------------------


def _aspirations(ctx: Context) -> None:
    pop = population(ctx)
    pop.aspired = np.full(len(pop.pk), -1, dtype="int64")
    kind_weight = {"promotion": 3.0, "adjacent": 1.5, "lateral": 1.0}
    rows = defaultdict(list)
    for index, rng, pilot in draws(ctx, 2):
        n = len(index)
        states = rng.random(n) < (1.0 if pilot else ASPIRATION_SHARE)
        if pilot:
            states[np.isin(index, planted(pop, rng, index, NO_ASPIRATION_PILOT))] = False
        elsewhere, pick, other_pick = rng.random(n) < 0.12, rng.random(n), rng.random(n)
        with_interests, template, skill_pick = (
            rng.random(n) < 0.45,
            rng.integers(0, len(text.INTERESTS), n),
            rng.random(n),
        )
        ages, earlier, earlier_gap = rng.uniform(15, 540, n), rng.random(n) < 0.12, rng.uniform(180, 420, n)
        seconds = rng.integers(8 * 3600, 18 * 3600, (n, 2))
        candidates = [number for number, role in enumerate(pop.roles) if role.curated or not pilot]
        others_of = {
            number: [
                other
                for other in candidates
                if pop.roles[other].family != role.family and abs(pop.roles[other].grade - role.grade) <= 1
            ]
            for number, role in enumerate(pop.roles)
        }
        for j, person in enumerate(index):
            role = pop.roles[pop.role[person]]
            paths = role.leads_to[pilot]
            if pilot and person == pop.keys.get("employee"):
                promotions = [target for target, kind in paths if kind == "promotion"]
                states[j], elsewhere[j] = True, False
                paths = [(promotions[0], "promotion")] if promotions else paths
            if not states[j]:
                continue
            others = others_of[int(pop.role[person])]
            if paths and not (elsewhere[j] and others):
                weights = np.cumsum([kind_weight.get(kind, 1.0) for _, kind in paths])
                target = paths[int(np.searchsorted(weights, pick[j] * weights[-1], side="right"))][0]
            elif others:
                target = others[int(other_pick[j] * len(others))]
            else:
                continue
            pop.aspired[person] = target
            tenure = int(pop.tenure[person])
            age = min(ages[j], max(tenure - 10, 1))
            stated = [(target, age)]
            alternatives = [t for t, _ in paths if t != target]
            if earlier[j] and alternatives and age + earlier_gap[j] < tenure - 10:
                stated.append((alternatives[int(pick[j] * len(alternatives))], age + earlier_gap[j]))
            goal = pop.roles[target]
            skill = pop.skill_names[int(goal.skills[int(skill_pick[j] * len(goal.skills))])]
            interests = text.INTERESTS[template[j]].format(role=goal.title, skill=mid_sentence(skill))
            for number, (aspired, days) in enumerate(stated):
                rows["person"].append(person)
                rows["target_role"].append(aspired)
                rows["interests"].append(interests if with_interests[j] and number == 0 else "")
                rows["stated_at"].append(BASE_SECONDS - int(days) * 86_400 + int(seconds[j, number]))
    person = np.array(rows["person"], dtype="int64")
    frame = pd.DataFrame(
        {
            "employee": pop.external_id[person],
            "target_role": [pop.roles[aspired].title for aspired in rows["target_role"]],
            "interests": rows["interests"],
            "stated_at": np.array(rows["stated_at"], dtype="datetime64[s]"),
        }
    )
    new = missing(CareerAspiration, pop)[person]
    import_profile_file(
        ctx, "aspirations", frame[new], "career aspirations", already_there=CareerAspiration.objects.count()
    )


# --- 3. Skill evidence ---------------------------------------------------------------------


def _evidence(ctx: Context) -> None:
    pop = population(ctx)
    parts, assessed = [], []
    for index, rng, pilot in draws(ctx, 3):
        pairs = _assessed_skills(ctx, pop, index, rng, pilot)
        observations = _observations(pop, pairs, rng, force=pop.keys.get("employee") if pilot else None)
        if pilot:
            observations = _plant_evidence_problems(pop, index, pairs, observations, rng)
        parts.append(observations)
        assessed.append(pairs[["person", "skill", "gap", "role_skill", "true"]])
    pop.assessed = pd.concat(assessed, ignore_index=True)
    pop.new_evidence = missing(SkillEvidence, pop)
    frame = pd.concat(parts, ignore_index=True).assign(note="", evidence_url="")
    pop.evidence_count = _write_evidence(
        ctx, pop, frame, first_number=np.zeros(len(pop.pk), "int64"), already_there=SkillEvidence.objects.count()
    )


def _write_evidence(
    ctx: Context, pop: Population, frame: pd.DataFrame, *, first_number: np.ndarray, already_there: int
) -> np.ndarray:
    """Number each person's observations (evidence ids ``demo-ev-<employee>-<n>`` from
    ``first_number + 1``), import those of people new to evidence as an evidence file and
    return the count per person.

    The evidence file has no column for who recorded an observation, so the demo's evidence has
    none, as evidence from a customer's file has none.
    """
    frame = frame.sort_values(["person", "observed_at", "skill"], kind="stable")
    everyone = frame["person"].to_numpy()
    number = first_number[everyone] + frame.groupby("person", sort=False).cumcount().to_numpy() + 1
    new = pop.new_evidence[everyone]
    frame, person, number = frame[new], everyone[new], number[new]
    skill_names = np.array([pop.skill_names[int(skill)] for skill in frame["skill"].to_numpy()], dtype=object)
    out = pd.DataFrame(
        {
            "employee": pop.external_id[person],
            "skill": skill_names,
            "level": frame["level"].to_numpy(dtype="int64"),
            "source": frame["source"].to_numpy(),
            "observed_at": frame["observed_at"].to_numpy().astype("datetime64[s]"),
            "confidence": frame["confidence"].to_numpy(),
            "note": frame["note"].to_numpy(),
            "evidence_url": frame["evidence_url"].to_numpy(),
            "evidence_id": [f"demo-ev-{e}-{n}" for e, n in zip(pop.external_id[person], number, strict=True)],
        }
    )
    import_profile_file(ctx, "evidence", out, "skill evidence", already_there=already_there)
    return first_number + np.bincount(everyone, minlength=len(pop.pk))


def _assessed_skills(ctx: Context, pop: Population, index: np.ndarray, rng, pilot: bool) -> pd.DataFrame:
    """The skills each person has evidence on, with the level their true level centres on.

    Their role's requirements (centred on the target), the new skills of the role they aim for
    (one level below its target), their unit's demand and skills from their family (around 1.5).
    The pilot's people have their goal's and their unit's skills and at most one more beyond
    their role's, at least two (10-19 in all); everyone else about 25.
    """
    curated = {skill["name"] for skill in data.SKILLS}
    demand = {
        unit: np.array([ctx.skill_ids[skill] for skill, *_ in rows if not pilot or skill in curated], dtype="int64")
        for unit, rows in ctx.spec.demand.items()
    }
    family_pool: dict[str, set[int]] = {}
    for role in pop.roles:
        if pilot and not role.curated:
            continue
        family_pool.setdefault(role.family, set()).update(role.skills.tolist())
    everything = np.array(sorted(ctx.skill_ids[name] for name in curated), dtype="int64")
    groups: dict[tuple, list[int]] = defaultdict(list)
    for j, person in enumerate(index):
        groups[(int(pop.role[person]), int(pop.aspired[person]), pop.unit_name[person])].append(j)
    extra_count = rng.integers(0, 2, len(index)) if pilot else rng.integers(-3, 4, len(index))
    frames = []
    for (role_number, aspired, unit), members in groups.items():
        members = np.array(members)
        role = pop.roles[role_number]
        own = set(role.skills.tolist())
        goal = pop.roles[aspired] if aspired >= 0 else None
        goal_new = [(s, t) for s, t in zip(goal.skills, goal.targets, strict=True) if s not in own] if goal else []
        goal_skills = {s for s, _ in goal_new}
        unit_new = [s for s in demand.get(unit, []) if s not in own | goal_skills]
        pool_source = family_pool.get(role.family, set()) if not pilot else set(everything.tolist())
        pool = sorted(pool_source - own - goal_skills - set(unit_new))
        if not pilot and len(pool) < ASSESSED_SKILLS_LARGE:
            pool += [s for s in everything.tolist() if s not in own | goal_skills | set(unit_new) | set(pool)]
        extras = np.array([s for s, _ in goal_new] + unit_new + pool, dtype="int64")
        centres = np.array([max(t - 1.0, 1.0) for _, t in goal_new] + [1.5] * (len(unit_new) + len(pool)))
        tier = np.array([0] * len(goal_new) + [1] * len(unit_new) + [2] * len(pool))
        # Random order within a tier, tiers in order: goal skills first, then demand, then the pool.
        order = np.argsort(tier[None, :] + rng.random((len(members), len(extras))), axis=1)
        if pilot:
            wanted = np.maximum(len(goal_new) + len(unit_new), 2) + extra_count[members]
        else:
            wanted = ASSESSED_SKILLS_LARGE - len(role.skills) + extra_count[members]
        keep = np.arange(len(extras))[None, :] < np.clip(wanted, 0, len(extras))[:, None]
        rows, columns = np.nonzero(keep)
        picked = order[rows, columns]
        people = index[members]
        frames.append(
            pd.DataFrame(
                {
                    "person": np.concatenate([np.repeat(people, len(role.skills)), people[rows]]),
                    "skill": np.concatenate([np.tile(role.skills, len(members)), extras[picked]]),
                    "centre": np.concatenate([np.tile(role.targets, len(members)), centres[picked]]),
                    "target": np.concatenate([np.tile(role.targets, len(members)), np.zeros(len(picked))]),
                    "role_skill": np.concatenate(
                        [np.ones(len(members) * len(role.skills), bool), np.zeros(len(picked), bool)]
                    ),
                }
            )
        )
    pairs = pd.concat(frames, ignore_index=True).sort_values(["person", "skill"], kind="stable", ignore_index=True)
    person = pairs["person"].to_numpy()
    new_in_role = (BASE - pop.role_since[person]).astype("int64") < 365
    shift = np.where(pairs["role_skill"], -0.15, 0.0) - 0.3 * new_in_role
    true = pairs["centre"].to_numpy() + 0.45 * pop.ability[person] + rng.normal(0, 0.65, len(pairs)) + shift
    pairs["true"] = np.clip(true, 0.0, 4.0)
    pairs["gap"] = pairs["role_skill"].to_numpy() & (pairs["true"].to_numpy() < pairs["target"].to_numpy() - 0.5)
    return pairs


def _observations(pop: Population, pairs: pd.DataFrame, rng, *, force: int | None) -> pd.DataFrame:
    """Observations of each pair's true level by each source (at least one per pair)."""
    n = len(pairs)
    role_skill = pairs["role_skill"].to_numpy()
    person = pairs["person"].to_numpy()
    taken = np.column_stack([rng.random(n) < np.where(role_skill, on_role, other) for _, on_role, other, *_ in SOURCES])
    nothing = ~taken.any(axis=1)
    taken[nothing & role_skill, 0] = True  # a role skill the manager has rated at least
    taken[nothing & ~role_skill, 1] = True  # another skill the person has rated at least
    if force is not None:  # the demo employee: manager, self and an assessment on every skill
        taken[person == force, :] = True
    tenure = pop.tenure[person]
    round_age = REVIEW_ROUND_AGES[rng.choice(len(REVIEW_ROUND_AGES), n, p=REVIEW_ROUND_SHARES)] + rng.uniform(
        -10, 10, n
    )
    frames = []
    for column, (source, _, _, bias, spread, (low, high)) in enumerate(SOURCES):
        rows = np.flatnonzero(taken[:, column])
        if source == "manager":
            age = round_age[rows]
        elif source == "self":
            age = round_age[rows] + rng.uniform(5, 15, len(rows))  # self-assessment just before the review
        else:
            age = 3 + 700 * rng.beta(1.2, 2.2, len(rows))
        old = rng.random(len(rows)) < 0.04
        age = np.where(old, rng.uniform(730, 1100, len(rows)), age)
        age = within_tenure(age, tenure[rows], rng)
        level = pairs["true"].to_numpy()[rows] + bias + rng.normal(0, spread, len(rows))
        frames.append(
            pd.DataFrame(
                {
                    "person": person[rows],
                    "skill": pairs["skill"].to_numpy()[rows],
                    "level": np.clip(np.rint(level), 0, 4).astype("int64"),
                    "source": source,
                    "observed_at": office_hours(age, rng),
                    "confidence": np.round(rng.uniform(low, high, len(rows)), 2),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _plant_evidence_problems(pop, index, pairs, observations, rng) -> pd.DataFrame:
    """A few pilot people whose self-rating (4) contradicts their manager's (1) on two role skills,
    and a few whose evidence is all over a year old."""
    contradicted = planted(pop, rng, index, PLANTED, min_tenure=200)
    stale = planted(pop, rng, np.setdiff1d(index, contradicted), PLANTED, min_tenure=500)
    pop.stale = stale  # so that no course they finish gives them fresh learning evidence
    # On the most demanding role skills they are weakest in, where the disagreement shows in the gaps.
    role_pairs = pairs[pairs["role_skill"] & pairs["person"].isin(contradicted)]
    role_pairs = role_pairs.sort_values(["person", "target", "true"], ascending=[True, False, True])
    chosen = role_pairs.groupby("person", sort=False).head(2)[["person", "skill"]]
    key = observations["person"].astype("int64") * 1_000_003 + observations["skill"]
    chosen_key = chosen["person"].astype("int64") * 1_000_003 + chosen["skill"]
    drop = key.isin(chosen_key) & observations["source"].isin(["self", "manager"])
    rows = pd.concat(
        [
            chosen.assign(level=4, source="self", age=rng.uniform(20, 40, len(chosen))),
            chosen.assign(level=1, source="manager", age=rng.uniform(100, 125, len(chosen))),
        ],
        ignore_index=True,
    )
    rows["observed_at"] = office_hours(rows.pop("age").to_numpy(), rng)
    rows["confidence"] = 0.9
    observations = pd.concat([observations[~drop], rows], ignore_index=True)
    old = observations["person"].isin(stale).to_numpy()
    tenure = pop.tenure[observations["person"].to_numpy()[old]]
    ages = np.minimum(rng.uniform(400, 900, old.sum()), tenure - 5)
    observations.loc[old, "observed_at"] = office_hours(ages, rng)
    return observations


# --- 4. Learning records -------------------------------------------------------------------


def _catalogue(ctx: Context) -> pd.DataFrame:
    """About 300 courses: five per curated skill, five per generated domain (large organisations)."""
    rows = []
    for skill, titles in text.SKILL_COURSES.items():
        rows += [(title, ctx.skill_ids[skill], True) for title in titles]
    for _, _, names in domains(ctx):
        for pattern, name in zip(
            text.GENERATED_COURSE_PATTERNS, names[: text.GENERATED_COURSES_PER_DOMAIN], strict=False
        ):
            rows.append((pattern.format(Skill=name, skill=mid_sentence(name)), ctx.skill_ids[name], False))
    frame = pd.DataFrame(rows, columns=["title", "skill", "curated"])
    number = np.arange(len(frame))
    frame["activity_id"] = [text.LMS_URL + slugify(title) for title in frame["title"]]
    frame["provider"] = [text.PROVIDERS[(n * 7) % len(text.PROVIDERS)] for n in number]
    frame["minutes"] = 45 + (number * 37) % 8 * 30  # 45 minutes to a 4-hour course
    frame["assessed"] = number % 5 < 2  # two in five end with a test: passed or failed
    return frame


def _learning(ctx: Context) -> None:
    pop = population(ctx)
    courses = _catalogue(ctx)
    course_skill = courses["skill"].to_numpy()
    order = np.argsort(course_skill, kind="stable")
    parts, evidence = [], []
    for index, rng, pilot in draws(ctx, 4):
        counts = rng.integers(5, 13, len(index)) if pilot else rng.integers(14, 27, len(index))
        person = np.repeat(index, counts + SPARE_DRAWS)  # spare draws make up for repeated courses
        n = len(person)
        # A skill of the person's, gaps three times as likely, then one of its courses.
        pairs = pop.assessed[pop.assessed["person"].isin(index)]
        weight = np.cumsum(1.0 + 2.0 * pairs["gap"].to_numpy())
        pair_person = pairs["person"].to_numpy()
        first = np.searchsorted(pair_person, person, side="left")
        last = np.searchsorted(pair_person, person, side="right")
        low = np.where(first > 0, weight[np.maximum(first - 1, 0)], 0.0)
        chosen = np.searchsorted(weight, low + rng.random(n) * (weight[last - 1] - low), side="right")
        skill = pairs["skill"].to_numpy()[np.minimum(chosen, len(pairs) - 1)]
        start = np.searchsorted(course_skill[order], skill, side="left")
        available = np.searchsorted(course_skill[order], skill, side="right") - start
        pool = np.flatnonzero(courses["curated"].to_numpy()) if pilot else np.arange(len(courses))
        course = np.where(
            (available > 0) & (rng.random(n) < 0.75),
            order[np.minimum(start + (rng.random(n) * available).astype("int64"), len(order) - 1)],
            pool[rng.integers(0, len(pool), n)],
        )
        frame = pd.DataFrame({"person": person, "course": course, "first": np.r_[True, person[1:] != person[:-1]]})
        frame = frame.drop_duplicates(["person", "course"], ignore_index=True)
        wanted = pd.Series(counts, index=index)[frame["person"]].to_numpy()
        frame = frame[frame.groupby("person", sort=False).cumcount().to_numpy() < wanted].reset_index(drop=True)
        if pilot:
            idle = planted(pop, rng, index, PLANTED, min_tenure=400)
        else:
            idle = index[(rng.random(len(index)) < IDLE_LEARNERS) & (pop.tenure[index] >= 400)]
        records = _learning_rows(pop, frame, courses, rng, idle)
        parts.append(records)
        evidence.append(_learning_evidence(pop, records, courses, rng))
    pop.evidence_count = _write_evidence(
        ctx, pop, pd.concat(evidence, ignore_index=True), first_number=pop.evidence_count, already_there=0
    )
    frame = pd.concat(parts, ignore_index=True).sort_values(["person", "started_at"], kind="stable", ignore_index=True)
    person = frame["person"].to_numpy()
    number = frame.groupby("person", sort=False).cumcount().to_numpy() + 1
    new = missing(LearningRecord, pop)[person]
    frame, person, number = frame[new], person[new], number[new]
    record_id = [f"demo-lr-{e}-{n}" for e, n in zip(pop.external_id[person], number, strict=True)]
    course = frame["course"].to_numpy()
    out = pd.DataFrame(
        {
            "employee": pop.external_id[person],
            "activity_id": courses["activity_id"].to_numpy()[course],
            "title": courses["title"].to_numpy()[course],
            "provider": courses["provider"].to_numpy()[course],
            "status": frame["status"].to_numpy(),
            "started_at": frame["started_at"].to_numpy().astype("datetime64[s]"),
            "completed_at": frame["completed_at"].to_numpy().astype("datetime64[s]"),
            "score": frame["score"].to_numpy(),
            "minutes": frame["minutes"].to_numpy(dtype="int64"),
            "record_id": record_id,
        }
    )
    import_profile_file(ctx, "learning", out, "learning records", already_there=LearningRecord.objects.count())


def _learning_evidence(pop: Population, records: pd.DataFrame, courses: pd.DataFrame, rng) -> pd.DataFrame:
    """Evidence from some of the finished courses on a skill the person is assessed on: their true
    level, seen a little low, on the day they finished (never for the pilot's stale-evidence people)."""
    share, bias, spread, (low, high) = LEARNING_EVIDENCE
    done = records[records["status"].isin(["completed", "passed"]) & ~records["person"].isin(pop.stale)]
    done = done.assign(skill=courses["skill"].to_numpy()[done["course"].to_numpy()])
    done = done.merge(pop.assessed[["person", "skill", "true"]], on=["person", "skill"])
    done = done[rng.random(len(done)) < share]
    n = len(done)
    course = done["course"].to_numpy()
    return pd.DataFrame(
        {
            "person": done["person"].to_numpy(),
            "skill": done["skill"].to_numpy(),
            "level": np.clip(np.rint(done["true"].to_numpy() + bias + rng.normal(0, spread, n)), 0, 4).astype("int64"),
            "source": "learning",
            "observed_at": done["completed_at"].to_numpy(),
            "confidence": np.round(rng.uniform(low, high, n), 2),
            "note": "Completed “" + courses["title"].to_numpy()[course] + "”.",
            "evidence_url": courses["activity_id"].to_numpy()[course],
        }
    )


def _learning_rows(pop, frame, courses, rng, idle: np.ndarray) -> pd.DataFrame:
    """Status, dates, minutes and score for each (person, course); each person's first record is
    recent unless they are ``idle``: nothing started or finished in the last 100 days and more."""
    n = len(frame)
    person = frame["person"].to_numpy()
    tenure = pop.tenure[person]
    age = np.where(frame["first"], rng.uniform(3, 60, n), 3 + 727 * rng.beta(1.1, 1.6, n))
    outcome = rng.choice(3, n, p=[0.72, 0.14, 0.14])  # finished, in progress, abandoned
    age = np.where(outcome == 1, rng.uniform(3, 90, n), age)
    age = np.rint(np.maximum(within_tenure(age, tenure, rng, margin=1), 2))
    idle = np.isin(person, idle)
    age = np.where(idle, np.rint(150 + rng.random(n) * (np.minimum(700, tenure - 1) - 150)), age)
    outcome = np.where(idle & (outcome == 1), 2, outcome)
    course = frame["course"].to_numpy()
    minutes = courses["minutes"].to_numpy()[course]
    assessed = courses["assessed"].to_numpy()[course]
    passed = rng.random(n) < 0.88
    status = np.select(
        [outcome == 1, outcome == 2, ~assessed, passed],
        ["in_progress", "abandoned", "completed", "passed"],
        "failed",
    )
    started = office_hours(age, rng)
    took_days = np.clip(minutes / 60 * rng.uniform(1.5, 5, n), 1, 40)
    completed = started + (np.minimum(took_days, age - 1) * 86_400).astype("int64")
    finished = outcome == 0
    score = np.select(
        [status == "passed", status == "failed"], [rng.uniform(0.7, 1.0, n), rng.uniform(0.3, 0.69, n)], np.nan
    )
    engaged = np.where(
        finished, rng.uniform(0.9, 1.3, n), np.where(outcome == 1, rng.uniform(0.1, 0.8, n), rng.uniform(0.05, 0.4, n))
    )
    return pd.DataFrame(
        {
            "person": person,
            "course": course,
            "status": status,
            "started_at": started,
            "completed_at": np.where(finished, completed, np.datetime64("NaT")),
            "score": np.round(score, 2),
            "minutes": np.rint(minutes * engaged).astype("int64"),
        }
    )


# --- 5. Performance reviews ----------------------------------------------------------------


def _reviews(ctx: Context) -> None:
    pop = population(ctx)
    bands = np.array([upper for upper, _ in text.REVIEW_COMMENTS])
    parts = []
    for index, rng, _ in draws(ctx, 5):
        hire = pop.hire[index]
        reviewed = np.zeros(len(index), bool)
        periods = [*PERIODS, PROBATION]
        for number, (period, last_day, submitted_from) in enumerate(periods):
            due = hire <= last_day - 30 if number < len(PERIODS) else ~reviewed & (hire <= last_day)
            reviewed |= due
            people = index[due]
            n = len(people)
            score = np.clip(np.round((3.4 + 0.45 * pop.ability[people] + rng.normal(0, 0.45, n)) * 2) / 2, 1, 5)
            band = np.searchsorted(bands, score - 1e-9)
            comment_pick = rng.random((n, 2))
            comments = []
            for b, (first, second) in zip(band, comment_pick, strict=True):
                options = text.REVIEW_COMMENTS[b][1]
                one, two = int(first * len(options)), int(second * len(options))
                comments.append(options[one] if one == two else f"{options[one]} {options[two]}")
            submitted = np.full(n, submitted_from, dtype="datetime64[D]") + rng.integers(0, 25, n)
            parts.append(
                pd.DataFrame(
                    {
                        "person": people,
                        "period": period,
                        "reviewer": pop.manager_index[people],
                        "score": score,
                        "goal_attainment": np.round(
                            np.clip(0.82 + 0.13 * (score - 3.4) + rng.normal(0, 0.08, n), 0.2, 1.4), 2
                        ),
                        "commentary": comments,
                        "submitted_at": submitted.astype("datetime64[s]") + rng.integers(8 * 3600, 18 * 3600, n),
                    }
                )
            )
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[missing(PerformanceReview, pop)[frame["person"].to_numpy()]]
    reviewer = frame["reviewer"].to_numpy()
    frame["employee"] = pop.external_id[frame["person"].to_numpy()]
    frame["reviewer"] = np.where(reviewer >= 0, pop.external_id[np.maximum(reviewer, 0)], "")
    columns = ["employee", "period", "reviewer", "score", "goal_attainment", "commentary", "submitted_at"]
    import_profile_file(
        ctx, "reviews", frame[columns], "performance reviews", already_there=PerformanceReview.objects.count()
    )


# HR-only demographics for the bias audit (metrics.audit): drawn independently of ability,
# so nothing is planted; a blank is "not disclosed".
DEMOGRAPHICS = {
    "gender": (["woman", "man", "non-binary", ""], [0.47, 0.47, 0.02, 0.04]),
    "ethnicity": (
        ["Asian", "Black", "Hispanic or Latino", "White", "Two or more", ""],
        [0.18, 0.12, 0.15, 0.45, 0.04, 0.06],
    ),
    "age_band": (["under 30", "30-44", "45-59", "60 and over"], [0.24, 0.45, 0.26, 0.05]),
    "disability": (["yes", "no", ""], [0.06, 0.84, 0.10]),
}


def _demographics(ctx: Context) -> None:
    pop = population(ctx)
    parts = []
    for index, rng, _ in draws(ctx, 8):
        part = {"person": index}
        for column, (values, shares) in DEMOGRAPHICS.items():
            part[column] = rng.choice(values, size=len(index), p=shares)
        parts.append(pd.DataFrame(part))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[missing(Demographics, pop)[frame["person"].to_numpy()]]
    frame["employee_id"] = pop.pk[frame["person"].to_numpy()]
    write_rows(ctx, Demographics, frame, ["employee_id", *DEMOGRAPHICS], "demographics")


HISTORY_STEPS: list[Callable[[Context], None]] = [
    roomy_sqlite_cache,
    _role_history,
    _aspirations,
    _evidence,
    _learning,
    _reviews,
    _demographics,
    fresh_statistics,
    opportunities,
    catalogue_step,
    recommendation_history,
    fresh_statistics,
    analysis,
    checkins,
    usual_sqlite_cache,
]
