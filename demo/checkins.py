"""Six months of monthly check-ins for the pilot, with the two post-conversation survey answers.

Planted, for the outcome metrics (``metrics/``): the generated briefings start ``BRIEFINGS_FROM``
days before ``BASE_DATE``. Check-ins held before that have no agenda and no gap snapshot (the
manager prepared by hand), and their survey answers centre on ``BEFORE``; the ones after keep the
briefing's agenda and ranked gaps, and their answers centre on ``AFTER``: employees find the
conversations more relevant, managers spend less time preparing. Only the pilot (about 40
people) gets check-ins, also in a large organisation.
"""

from datetime import datetime, time, timedelta

import numpy as np
from django.utils import timezone

from feedback.models import CheckIn
from portal import briefing
from profiles.models import Employee

from .context import BASE_DATE, Context
from .population import missing, population, rng_for

MONTHS = 6
BRIEFINGS_FROM = 75  # days before BASE_DATE
BEFORE = {"employee_relevance": 3.1, "manager_prep_saved": 2.8}
AFTER = {"employee_relevance": 4.0, "manager_prep_saved": 4.1}
NOTES = [
    "Walked through the last month's project work and where the top gap showed up.",
    "Talked about the stated goal and what the next step toward it looks like.",
    "Reviewed the learning picked last month: what was useful, what was not.",
    "Discussed feedback from the project team and one thing to practise next.",
]
ACTIONS = [
    "Finish the course started last month\nAsk for a review of one piece of work",
    "Shadow a colleague on a stakeholder meeting",
    "Pick one stretch task for the next sprint\nWrite a short reflection after it",
    "Book a mentoring session",
]


def checkins(ctx: Context) -> None:
    pop = population(ctx)
    pilot = pop.blocks[0]
    pilot = pilot[(pop.manager[pilot] >= 0) & missing(CheckIn, pop)[pilot]]
    rng = rng_for(ctx, 9, 0)
    briefings_from = BASE_DATE - timedelta(days=BRIEFINGS_FROM)
    rows = []
    people = Employee.objects.select_related("role", "manager", "business_unit").in_bulk(pop.pk[pilot].tolist())
    for position in pilot:
        employee_id, manager_id = int(pop.pk[position]), int(pop.manager[position])
        agenda, snapshot = briefing.checkin_inputs(employee=people[employee_id])  # what a briefing shows today
        for month in range(MONTHS, 0, -1):
            held_on = BASE_DATE - timedelta(days=30 * month - int(rng.integers(0, 8)))
            briefed = held_on >= briefings_from
            centre = AFTER if briefed else BEFORE
            answers = {name: int(np.clip(np.round(rng.normal(mean, 0.7)), 1, 5)) for name, mean in centre.items()}
            rows.append(
                CheckIn(
                    employee_id=employee_id,
                    manager_id=manager_id,
                    held_on=held_on,
                    agenda=agenda if briefed else [],
                    gaps_snapshot=snapshot if briefed else [],
                    notes=NOTES[int(rng.integers(0, len(NOTES)))],
                    agreed_actions=ACTIONS[int(rng.integers(0, len(ACTIONS)))],
                    employee_answered_at=timezone.make_aware(datetime.combine(held_on + timedelta(days=2), time(9))),
                    **answers,
                )
            )
    CheckIn.objects.bulk_create(rows)
    counts = ctx.summary.table("check-ins")
    counts.created += len(rows)
