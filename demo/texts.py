"""What people wrote about the pilot, with planted themes, and the quarter's review cycle.

Written directly (no import format carries notes): about five months of manager notes, peer
thanks and self-reflections for everyone in the pilot, kept as texts (``feedback.Text``), tagged
with the skills they mention, and read for recurring themes by the real theme model
(``feedback.themes.themes_compute``), as the nightly task does.

Planted, for the themes page to recover (``demo/tests/test_demo_texts.py`` checks the model finds
them; nothing here names a theme):

* ``WORKLOAD``: in the demo manager's team (their direct reports, five people, the minimum for a
  team theme), two or three notes each say the workload is heavy and the priorities unclear.
* ``UPDATES``: four colleagues and the manager thank the demo employee for clear stakeholder
  updates and presentations.

Everything else is composed from ``EVERYDAY_*``: varied notes on many topics, so no one topic recurs
by accident as strongly. Only the pilot gets texts, also in a large organisation.
"""

from datetime import datetime, time, timedelta

import numpy as np
from django.utils import timezone

from feedback.mentions import tagger_fit_from_taxonomy, tagger_forget
from feedback.models import ReviewCycle, Signal, SkillMention, Text, TextSource
from feedback.reviews import review_cycle_open
from feedback.themes import themes_compute

from .context import PILOT_COHORT, Context
from .population import population, rng_for

DAYS_BACK = 150  # the theme window is six months; all of it falls inside

WORKLOAD = [
    "Workload has been heavy this sprint: three urgent requests at once and the priorities were unclear.",
    "Said the priorities keep changing week to week; the workload makes it hard to know what to finish first.",
    "Too much workload again, the dashboard rebuild and two ad-hoc analyses due together, priorities unclear.",
    "Raised that the team's priorities are unclear and the workload is not sustainable at this pace.",
    "Working late to keep up with the workload; agreed to ask for clearer priorities before taking on more.",
    "Feels stretched: the workload spans too many projects and the priorities between them are unclear.",
    "Heavy workload this month and conflicting priorities from two stakeholders; asked me to arbitrate.",
    "Mentioned burnout risk: the workload keeps growing and nobody has set priorities on what can wait.",
]
UPDATES = [
    "Her weekly stakeholder updates are clear and short; the marketing leads finally read them.",
    "Presented the churn findings to the directors: clear stakeholder updates, calm with the questions.",
    "Thanks for the clear stakeholder update on the pricing test, it answered everything before we asked.",
    "Clear presentation and stakeholder updates on the funnel analysis; everyone knew what to decide.",
    "Kept the stakeholders updated during the data migration with clear, honest updates on the risks.",
]
# Everyday notes: an activity (a verb and its object) and, sometimes, what came of it: about 300
# combinations, so no everyday note repeats often enough to look like a theme of its own.
EVERYDAY_DONE = [
    "Fixed",
    "Documented",
    "Rebuilt",
    "Reviewed",
    "Automated",
    "Tested",
    "Simplified",
    "Presented",
    "Migrated",
    "Prototyped",
    "Explained",
    "Cleaned up",
    "Paired with a colleague on",
    "Took the lead on",
]
EVERYDAY_WHAT = [
    "the sales model",
    "the forecasting pipeline",
    "the monthly report",
    "the onboarding experiment",
    "the customer segmentation job",
    "the revenue reconciliation",
    "the data freshness checks",
    "the orders table",
    "the churn notebook",
    "the pricing dashboard",
    "the app event tracking",
    "the warehouse naming conventions",
    "the supplier lead-time analysis",
    "the survey weighting",
    "the A/B test readout",
    "the returns model",
    "the inventory snapshot",
    "the finance extract",
    "the marketing attribution",
    "the data dictionary",
    "the SQL style guide",
    "the Python utilities",
]
EVERYDAY_AFTER = [
    "",
    "",
    "",
    " before the deadline.",
    " and shared notes with the team.",
    " with a short write-up.",
    " after a question from finance.",
    " during a quiet week.",
    " and asked for a second pair of eyes.",
    " so it runs without manual steps.",
]
KINDS = [Signal.Kind.MANAGER_NOTE, Signal.Kind.PEER_ACKNOWLEDGMENT, Signal.Kind.SELF_REFLECTION]
PERSON_TEXTS = (3, 6)  # everyday texts per person, at least and at most


def _at(rng: np.random.Generator) -> datetime:
    days = int(rng.integers(1, DAYS_BACK))
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(int(rng.integers(8, 18)))))


def _everyday(rng: np.random.Generator, count: int) -> list[str]:
    notes = []
    for _ in range(count):
        done, what, after = (str(rng.choice(pool)) for pool in (EVERYDAY_DONE, EVERYDAY_WHAT, EVERYDAY_AFTER))
        notes.append(f"{done} {what}{after or '.'}")
    return notes


def texts(ctx: Context) -> None:
    """Notes about the pilot, with the two planted themes; tagged; themes computed."""
    pop = population(ctx)
    pilot = pop.blocks[0]
    if not len(pilot) or Text.objects.filter(employee_id__in=pop.pk[pilot].tolist()).exists():
        return  # written once; a second run changes nothing
    rng = rng_for(ctx, 11, 0)
    manager = pop.keys.get("manager")
    employee = pop.keys.get("employee")
    manager_pk = int(pop.pk[manager]) if manager is not None else -1
    manager_user = pop.users.get(manager_pk)
    rows: list[tuple[int, str, str, int | None]] = []  # (employee pk, kind, text, author user)
    for position in pilot:
        person = int(pop.pk[position])
        own_user = pop.users.get(person)
        for body in _everyday(rng, int(rng.integers(*PERSON_TEXTS))):
            kind = KINDS[int(rng.integers(0, len(KINDS)))]
            author = own_user if kind == Signal.Kind.SELF_REFLECTION else None
            if kind == Signal.Kind.MANAGER_NOTE and int(pop.manager[position]) == manager_pk:
                author = manager_user
            rows.append((person, kind, str(body), author))
        if manager is not None and int(pop.manager[position]) == manager_pk:  # planted: the team's workload
            for body in rng.choice(WORKLOAD, size=int(rng.integers(2, 4)), replace=False):
                rows.append((person, Signal.Kind.MANAGER_NOTE, str(body), manager_user))
    if employee is not None:  # planted: the demo employee's clear updates
        for number, body in enumerate(UPDATES):
            kind = Signal.Kind.MANAGER_NOTE if number == 0 else Signal.Kind.PEER_ACKNOWLEDGMENT
            rows.append((int(pop.pk[employee]), kind, body, manager_user if number == 0 else None))
    when = [_at(rng) for _ in rows]
    signals = Signal.objects.bulk_create(
        [Signal(employee_id=e, kind=k, text=t, author_id=a) for e, k, t, a in rows], batch_size=2000
    )
    for signal, at in zip(signals, when, strict=True):
        signal.created_at = at  # auto_now_add stamped today on insert
    Signal.objects.bulk_update(signals, ["created_at"], batch_size=2000)
    written = Text.objects.bulk_create(
        [
            Text(
                employee_id=s.employee_id,
                author_id=s.author_id,
                source=TextSource.SIGNAL,
                source_id=s.pk,
                body=s.text,
                written_at=s.created_at,
                tagged_at=timezone.now(),
            )
            for s in signals
        ],
        batch_size=2000,
    )
    _tag(written)
    themes_compute()
    ctx.summary.table("texts").created += len(written)


def _tag(written: list[Text]) -> None:
    """Skill mentions of every text in one batch of the tagger (the task tags one at a time),
    fitted on the taxonomy just imported; the process's cached tagger is refitted on next use."""
    tagger_forget()
    tagger = tagger_fit_from_taxonomy()
    if tagger is None:
        return
    mentions = [
        SkillMention(
            text_id=text.pk,
            employee_id=text.employee_id,
            skill_id=m.skill_id,
            score=m.score,
            matched_words=list(m.matched),
        )
        for text, tagged in zip(written, tagger.tag([t.body for t in written]), strict=True)
        for m in tagged.mentions
    ]
    SkillMention.objects.bulk_create(mentions, batch_size=5000)


def review_cycle(ctx: Context) -> None:
    """This quarter's deep review, configured as HR would in the admin and opened for the pilot
    (its business units and cohort; set-based, a second run adds only newcomers)."""
    today = timezone.localdate()
    quarter = (today.month - 1) // 3
    start = today.replace(month=3 * quarter + 1, day=1)
    end = (start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    cycle, _ = ReviewCycle.objects.get_or_create(
        name=f"{today.year} Q{quarter + 1}",
        defaults={
            "period_start": start,
            "period_end": end,
            "self_due_on": today + timedelta(days=10),
            "manager_due_on": today + timedelta(days=20),
            "cohort": PILOT_COHORT,
            "questions": "What are you proudest of this quarter?\nWhat got in your way?\n"
            "What do you want to learn next quarter?",
        },
    )
    pop = population(ctx)
    pilot_units = sorted({int(unit) for unit in pop.unit[pop.blocks[0]]})
    cycle.business_units.add(*pilot_units)
    opened = review_cycle_open(cycle=cycle)
    ctx.summary.table("quarterly reviews").created += opened
