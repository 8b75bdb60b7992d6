"""The demo's workforce plan and its first capability snapshot (the last history step).

HR's demand per business unit (``SkillDemand``) says how strongly a skill is needed; the plan adds
how many people at applied expertise (level 3) each unit needs: a share of the unit's people
that grows with the weight, due in nine months for the strongest needs and within the year for
the others. Units whose demand is heavy therefore outrun their supply (a "buy"), while others
can close the gap with the learning in progress (a "build"). Then ``capability_take`` stores the
heatmap and supply against demand the capability pages show.
"""

import math
from datetime import timedelta

from django.db.models import Count

from metrics.capability_services import capability_take
from profiles.models import Employee, SkillDemand
from taxonomy.models import Level

from .context import BASE_DATE, Context

SHARE_AT_FULL_WEIGHT = 0.6
URGENT_WEIGHT = 0.8


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
    capability_take()
