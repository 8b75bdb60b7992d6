"""Step 8's verification check on the demo pilot: a baseline and a current snapshot, and every
outcome metric moves between them, each the way the demo planted it (``demo.moves`` and the
recommendation history): conversations rated higher once briefings start, an internal placement
traced to a development path, leavers, a succession pool with someone in it, picks acted on."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from demo.capability_plan import short_demand
from demo.context import BASE_DATE
from demo.generator import build_demo
from metrics.models import CapabilitySnapshot, Metric, MetricSnapshot
from recommendations.models import Placement, ReviewItem, SuccessionCandidate

pytestmark = pytest.mark.django_db
BASELINE, CURRENT = BASE_DATE - timedelta(days=90), BASE_DATE


@pytest.fixture(scope="module")
def pilot(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            build_demo()
            call_command("metrics_snapshot", as_of=BASE_DATE.isoformat(), baseline_days=90, verbosity=0)
            figures = {
                (s.metric, s.segment, s.as_of): (s.value, s.measured)
                for s in MetricSnapshot.objects.filter(cohort="pilot")
            }
            placements = [(p.development_path.count(), p.assignment.kind) for p in Placement.objects.all()]
            waiting = ReviewItem.objects.filter(kind="succession", status="pending").count()
            pooled = SuccessionCandidate.objects.filter(status="approved").count()
            short = short_demand()
            supply = (
                CapabilitySnapshot.objects.latest("taken_at")
                .supply.filter(business_unit_id=short.business_unit_id, skill_id=short.skill_id)
                .values("supply_now", "learning_6m", "moved_6m", "expected_6m", "expected_12m", "low_12m", "high_12m")
                .get()
            )
            transaction.set_rollback(True)
    return figures, placements, waiting, pooled, supply


def moved(figures, metric, segment=""):
    """(value, measured) at the baseline and today; a segment first seen today (a critical role
    marked since) had nothing to measure at the baseline."""
    before, after = (figures.get((metric, segment, day), (None, 0)) for day in (BASELINE, CURRENT))
    return before, after


def test_every_metric_has_a_baseline_and_a_current_figure(pilot):
    figures, *_ = pilot
    for day in (BASELINE, CURRENT):
        assert {metric for metric, _, as_of in figures if as_of == day} == set(Metric.values)


def test_every_outcome_metric_moves_between_the_baseline_and_today(pilot):
    figures, *_ = pilot
    for metric in Metric.values:
        segments = {segment for m, segment, _ in figures if m == metric}
        changes = [moved(figures, metric, segment) for segment in segments]
        assert any(before[0] != after[0] for before, after in changes), f"{metric} did not move: {changes}"


def test_conversations_got_better_and_velocity_is_measured(pilot):
    figures, *_ = pilot
    for segment in ("employee: relevant to my goals", "manager: saved preparation"):
        before, after = moved(figures, Metric.CONVERSATION_QUALITY, segment)
        assert before[1] > 0 and after[1] > 0
        assert after[0] > before[0] + 0.3, segment
    for day in (BASELINE, CURRENT):
        value, measured = figures[(Metric.SKILL_VELOCITY, "", day)]
        assert value is not None and measured > 0


def test_the_planted_moves_show_in_the_figures(pilot):
    figures, placements, waiting, pooled, _ = pilot
    assert placements and all(path > 0 and kind == "internal_fill" for path, kind in placements)
    assert moved(figures, Metric.PLACEMENTS_TRACED)[1] == (1.0, len(placements))
    assert moved(figures, Metric.INTERNAL_MOBILITY)[1][0] > moved(figures, Metric.INTERNAL_MOBILITY)[0][0]
    before, after = moved(figures, Metric.RETENTION, "enrolled")
    not_before, not_after = moved(figures, Metric.RETENTION, "not enrolled")
    assert min(after[0], not_after[0]) < 1.0  # leavers: retention is no longer 100%
    assert moved(figures, Metric.BENCH_STRENGTH) == ((0.0, 0), (1.0, 1))
    assert pooled == 1 and waiting > 0  # one name decided by HR, the rest wait for a human
    before, after = moved(figures, Metric.ENGAGEMENT)
    assert before[1] > 0 and after[1] > 0  # picks delivered recently enough to be due


def test_the_short_units_projection_moves_off_today(pilot):
    """A planned move (in the pilot, out of the unit: everyone at the level already works there):
    the projection of the unit that needs the most is not today's figure."""
    *_, supply = pilot
    assert supply["moved_6m"] != 0
    assert supply["expected_6m"] != 0 and supply["expected_12m"] != 0
    assert supply["low_12m"] < supply["high_12m"]  # with a range around it
