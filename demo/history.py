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
3. ``skill_history.evidence_step``: observations of each person's hidden true level per skill
   by their manager, themselves and assessments (see ``skill_history``).
4. ``skill_history.learning_step``: LMS records, some leaving learning evidence.
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
10. ``checkins.checkins``: the pilot's monthly check-ins; then ``capability_plan.capability_plan``:
   each unit's demand planned in people and the first capability snapshot.

Repeatable and fast at 100,000 people (the shared machinery is in ``population``):

* Each step draws from ``np.random.default_rng((seed, step, block))`` for two blocks of people:
  the pilot and everyone else. The pilot block uses curated content only, so the pilot's history
  is the same whatever the organisation's size.
* Rows are made as numpy arrays. Aspirations, evidence, learning records and reviews are written
  as files in their import format and loaded by ``profiles.importing.file_import`` (``imports``);
  what has no format (earlier roles, demographics) is appended with ``core.frames.write_frame``
  (COPY on PostgreSQL, executemany on SQLite); opportunities, which have natural keys, are upserted.
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

from core.frames import placeholders, table
from profiles.models import (
    CareerAspiration,
    Demographics,
    PerformanceReview,
    RoleAssignment,
)

from . import history_data as text
from .capability_plan import capability_plan
from .catalogue import catalogue_step
from .checkins import checkins
from .context import Context
from .first_analysis import analysis, opportunities
from .imports import import_profile_file
from .population import (
    BASE_SECONDS,
    SOURCE,
    Population,
    dates,
    draws,
    fresh_statistics,
    mid_sentence,
    missing,
    planted,
    population,
    roomy_sqlite_cache,
    usual_sqlite_cache,
    write_rows,
)
from .recommendation_history import recommendation_history
from .skill_history import evidence_step, learning_step
from .texts import review_cycle, texts

DAYS_PER_MONTH = 30.44
MOVER_SHARE = 0.25  # of everyone: people whose role has no way in (entry grades) cannot have moved
MIN_TENURE_TO_HAVE_MOVED = 365 + 60  # a year in the earlier role, two months in this one
SECOND_MOVE_SHARE = 0.3
ASPIRATION_SHARE = 0.8  # outside the pilot, where only the planted few state none
NO_ASPIRATION_PILOT = 4
PERIODS = (  # (period, last day, reviews submitted from)
    ("2025-H2", np.datetime64("2025-12-31"), np.datetime64("2026-01-12")),
    ("2026-H1", np.datetime64("2026-06-30"), np.datetime64("2026-07-10")),
)
PROBATION = ("2026-Q3", np.datetime64("2026-09-15"), np.datetime64("2026-10-05"))  # for joiners after 2026-H1


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


# --- 3 and 4. Skill evidence and learning records: ``skill_history`` ------------------------


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
    evidence_step,
    learning_step,
    _reviews,
    _demographics,
    fresh_statistics,
    opportunities,
    catalogue_step,
    recommendation_history,
    fresh_statistics,
    analysis,
    checkins,
    capability_plan,
    texts,
    review_cycle,
    usual_sqlite_cache,
]
