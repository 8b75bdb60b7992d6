"""What the demo's people know and learnt: skill evidence and learning records (history steps 3
and 4, see ``history``).

``evidence_step``: each person has a hidden true level per assessed skill (their role's
requirements, their goal's, their unit's demand and a few more), around the target and often
below it, so real gaps exist. Managers (in the review rounds), the person (about half a level
high) and assessments observe it over the last two years. A few pilot people have contradictory
(self 4, manager 1) or only old evidence, so confidence varies.

``learning_step``: LMS records from a catalogue of about 300 courses (``lms_courses``), mostly on
the person's own skills and more often on their gaps; some finished courses leave learning
evidence on the day they were finished. A few pilot people (and one in twelve elsewhere) have
learnt nothing for months.

Both are imported as files (evidence, learning) through the profile importers (``imports``).
"""

from collections import defaultdict

import numpy as np
import pandas as pd
from django.utils.text import slugify

from profiles.models import LearningRecord, SkillEvidence

from . import history_data as text
from . import taxonomy_data as data
from .context import Context
from .imports import import_profile_file
from .population import (
    BASE,
    PLANTED,
    Population,
    domains,
    draws,
    mid_sentence,
    missing,
    office_hours,
    planted,
    population,
    within_tenure,
)

# Manager ratings happen in the review rounds: about 115, 295, 480 and 660 days before BASE_DATE.
REVIEW_ROUND_AGES = np.array([115, 295, 480, 660])
REVIEW_ROUND_SHARES = np.array([0.45, 0.3, 0.15, 0.1])
IDLE_LEARNERS = 0.08  # outside the pilot: nothing started or finished in the last 150 days
ASSESSED_SKILLS_LARGE = 25
SPARE_DRAWS = 8  # learning: extra course draws per person, dropped after removing repeats
# (source, chance on a role skill, chance on another skill, bias, spread, confidence range)
SOURCES = (
    ("manager", 0.85, 0.4, 0.0, 0.4, (0.7, 1.0)),
    ("self", 0.65, 0.5, 0.5, 0.5, (0.6, 0.9)),
    ("assessment", 0.3, 0.1, 0.0, 0.3, (0.8, 1.0)),
)
# Learning evidence comes from finished courses on an assessed skill: (share, bias, spread, confidence range)
LEARNING_EVIDENCE = (0.6, -0.2, 0.4, (0.6, 0.85))


def evidence_step(ctx: Context) -> None:
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


def lms_courses(ctx: Context) -> pd.DataFrame:
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


def learning_step(ctx: Context) -> None:
    pop = population(ctx)
    courses = lms_courses(ctx)
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
