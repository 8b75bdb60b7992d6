"""The demo's workforce plan and its first capability snapshot (the last history step).

HR's demand per business unit (``SkillDemand``) says how strongly a skill is needed; the plan adds
how many people at applied expertise (level 3) each unit needs: a share of the unit's people
that grows with the weight, due in nine months for the strongest needs and within the year for
the others. Units whose demand is heavy therefore outrun their supply (a "buy"), while others
can close the gap with the learning in progress (a "build").

So that the projections are not flat, the unit that needs the most among those with picks in
progress from the recommendation history (``short_demand``) one person at the level elsewhere has a planned move into it
(``MOVE_IN_DAYS`` ahead, ``MOVE_LIKELIHOOD`` sure), or, when everyone at the level already works
there (as in the pilot), one of them is expected to move out. Then ``capability_take`` stores
the heatmap and supply against demand the capability pages show.
"""

import math
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from metrics.capability_services import capability_take
from profiles import frames as profile_frames
from profiles.models import BusinessUnit, Employee, SkillDemand
from recommendations.engine.proficiency import current_proficiency
from recommendations.models import EngineSettings, PlannedMove, Recommendation
from taxonomy.models import Level

from .context import BASE_DATE, Context

SHARE_AT_FULL_WEIGHT = 0.6
URGENT_WEIGHT = 0.8
MOVE_IN_DAYS = 60
MOVE_LIKELIHOOD = 0.8


def capability_plan(ctx: Context) -> None:
    units = dict(
        Employee.objects.active()
        .values_list("business_unit_id")
        .annotate(n=Count("id"))
        .values_list("business_unit_id", "n")
    )
    demand = list(SkillDemand.objects.all())
    for row in demand:
        row.people_needed = max(1, math.ceil(units.get(row.business_unit_id, 0) * SHARE_AT_FULL_WEIGHT * row.weight))
        row.level_needed = Level.APPLIED_EXPERTISE
        row.needed_by = BASE_DATE + timedelta(days=270) if row.weight >= URGENT_WEIGHT else None
    SkillDemand.objects.bulk_update(demand, ["people_needed", "level_needed", "needed_by"])
    _planned_move(ctx)
    capability_take()


def short_demand() -> SkillDemand | None:
    """The demand the demo plants a move for: the one needing the most people (then the heaviest
    weight), preferring those with picks in progress that reach the level."""
    started = Recommendation.objects.filter(
        status=Recommendation.Status.ACCEPTED,
        employee__business_unit_id=OuterRef("business_unit_id"),
        skill_id=OuterRef("skill_id"),
        reaches_level__gte=OuterRef("level_needed"),
    )
    return (
        SkillDemand.objects.filter(people_needed__isnull=False)
        .annotate(learning=Exists(started))
        .order_by("-learning", "-people_needed", "-weight", "pk")
        .first()
    )


def _planned_move(ctx: Context) -> None:
    """One person at the level (as the engine reads their evidence) is expected to move into the
    unit of ``short_demand``, or out of it when nobody elsewhere is at the level."""
    target = short_demand()
    if target is None or PlannedMove.objects.exists():
        return
    levels = current_proficiency(
        profile_frames.skill_evidence(now=timezone.now(), skill_ids=[target.skill_id]),
        EngineSettings.load().as_weights(),
    )
    able = Employee.objects.active().filter(
        pk__in=levels.loc[levels["level"] >= target.level_needed, "employee_id"].tolist(),
        user__isnull=True,
        business_unit__isnull=False,
    )
    mover = able.exclude(business_unit_id=target.business_unit_id).order_by("pk").first()
    destination = target.business_unit_id
    if mover is None:  # nobody at the level elsewhere: one of the unit's own is expected to leave it
        mover = able.filter(business_unit_id=target.business_unit_id).order_by("pk").first()
        destination = (
            BusinessUnit.objects.exclude(pk=target.business_unit_id).order_by("pk").values_list("pk", flat=True).first()
        )
    if mover is None or destination is None:
        return
    PlannedMove.objects.create(
        employee=mover,
        business_unit_id=destination,
        # ahead of the clock too, so a demo built later still shows it in the projections
        expected_on=max(BASE_DATE, timezone.localdate()) + timedelta(days=MOVE_IN_DAYS),
        likelihood=MOVE_LIKELIHOOD,
    )
