"""The demo's past learning recommendations and what became of them: the history the ranking
model (``recommendations.ranking``) learns from, with something real planted in it to learn.

``recommendation_history(ctx)`` replays ``ROUNDS`` monthly rounds, February 2025 to July 2026
(so every outcome window has closed by ``BASE_DATE``), for the pilot and, in a larger
organisation, others drawn at random up to ``MAX_PEOPLE`` in all. What it plants, hidden from
every table (``HIDDEN RULES`` in ``recommendation_outcomes``, scaled by ``Context.planted``:
``seed_demo --planted-strength 0`` plants nothing, the ranking evaluation's negative control):

(a) a format preference per person: one axis from "self-directed" (courses, certifications) to
    "social" (mentorship, stretch assignments, peer groups), plus noise per format, so some
    people finish self-paced courses and others only engage one-to-one or on the job. It
    decides above all whether they finish what they start, so it shows in their learning
    records by format (completed or abandoned, minutes), where ``format_completion_rate`` and
    ``format_engagement`` read it;
(b) a true uplift per catalogue item: the chance that finishing it raises the skill a level
    (0.05 to 0.95), seen in the rating after a completion, where ``resource_uplift`` reads it;
(c) gap priority: people take up what is offered for their most important gaps more often.

Each round, for everyone simulated who had joined by then:

1. proficiency and gaps as of that day, from the evidence observed before it, with the role and
   career goal they had then (the engine's ``current_proficiency`` and ``compute_gaps``);
2. candidates and features with ``picking.candidate_features`` (the top ``TOP_GAPS`` gaps),
   fed with the history as it stood that day (``as_of``, the definitions of
   ``recommendations.learning``), so each ``Recommendation.features`` has no look-ahead;
3. the heuristic's picks (``heuristic.heuristic_score`` and ``pick``, eight per person), delivered;
4. outcomes drawn from the hidden rules: a manager flags a few off-target picks (HR withdraws
   them); people take one up within 30 days, dismiss it with a reason, take it up late, or let
   it pass (withdrawn when the next picks replace it); what they start they finish or abandon
   (abandoned ones are dismissed: "Started it and stopped");
5. what outcomes leave behind: a learning record, at completion the learning evidence
   ``outcomes.recommendation_complete`` writes, and 5-25 days later a rating (an assessment
   after a course or certification, the manager's otherwise) at the person's true level, one up
   when the item worked, now and then one level off. People also take 0-2 items a month from
   their candidates on their own, in the formats they like.

Each round gives every person a fresh list (the nightly re-plan would keep a live row; one row
per month keeps each month's ranked list whole). People whose evidence is all over a year old or
who learnt nothing in the last three months (the history's planted data-quality cases) receive
recommendations but never act on them, so those cases stay as planted. Deterministic for a seed
(``population.rng_for``) and idempotent: nothing happens when past recommendations exist, or
(said in the summary) when the catalogue is empty, so it runs after ``catalogue_step``.

Modules: this one runs the rounds; ``recommendation_world`` reads the world and answers "as of
that day"; ``recommendation_outcomes`` holds the hidden rules and draws the outcomes;
``recommendation_writes`` writes it all in bulk.
"""

import numpy as np
import pandas as pd

from recommendations.engine import heuristic, picking
from recommendations.models import LearningResource, Recommendation

from .context import Context
from .population import rng_for
from .recommendation_outcomes import Truth, days_between, deliver_outcomes, own_choices, plant
from .recommendation_world import DAY, LAST_ROUND, ROUNDS, World, as_of, aware, gaps_at, read_world
from .recommendation_writes import write_history

STEP = 21  # this step's number for ``rng_for``
TOP_GAPS = 8  # gaps per person that candidates come from (as picking.TOP_GAPS, which the nightly run uses)


def recommendation_history(ctx: Context) -> None:
    """Append the demo's past recommendations and all they left behind (the module docstring)."""
    existing = Recommendation.objects.filter(created_at__lt=aware(LAST_ROUND + 31 * DAY)).count()
    if existing:
        ctx.summary.table("past recommendations").unchanged += existing
        return
    if not LearningResource.objects.filter(active=True).exists():
        ctx.summary.notes.append("recommendation history: skipped, the learning catalogue is empty")
        return
    rng = rng_for(ctx, STEP, 0)
    world = read_world(rng)
    truth = plant(world, rng, strength=ctx.planted)
    months = LAST_ROUND.astype("datetime64[M]") - np.arange(ROUNDS)[::-1]
    bar = ctx.progress(ROUNDS, "recommendation history (months)") if ctx.progress and ctx.large else None
    for month in months:
        _round(world, truth, month.astype("datetime64[s]") + np.timedelta64(6, "h"), rng)
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    write_history(ctx, world)


# --- one round -------------------------------------------------------------------------------


def _round(world: World, truth: Truth, when: np.datetime64, rng: np.random.Generator) -> None:
    """One month: gaps and candidates as of ``when``, the heuristic's picks delivered, outcomes."""
    candidates = picking.candidate_features(
        gaps=gaps_at(world, when),
        resources=world.resources,
        resource_skills=world.resource_skills,
        skill_kinds=world.skill_kinds,
        top_gaps=TOP_GAPS,
        **as_of(world, when),
    )
    if candidates.empty:
        return
    people = world.people.set_index("employee_id")
    picks = picking.pick(candidates, heuristic.heuristic_score(candidates))
    picks["confidence"] = heuristic.recommendation_confidence(picks)
    picks["position"] = people.loc[picks["employee_id"], "position"].to_numpy()
    run_at = when + rng.integers(0, 3 * 86_400, len(people)).astype("timedelta64[s]")  # each person's run that month
    picks["created_at"] = run_at[picks["position"].to_numpy()]
    picks["delivered_at"] = picks["created_at"].to_numpy() + days_between(rng, 0.05, 1.2, len(picks))
    deliver_outcomes(world, truth, picks, rng)
    delivered = pd.MultiIndex.from_frame(picks[["employee_id", "resource_id"]])
    rest = candidates[~pd.MultiIndex.from_frame(candidates[["employee_id", "resource_id"]]).isin(delivered)]
    own_choices(world, truth, rest.assign(position=people.loc[rest["employee_id"], "position"].to_numpy()), when, rng)
