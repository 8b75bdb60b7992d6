"""Step 8's verification check on the demo pilot: a baseline and a current snapshot, and the
directional trend the demo plants (conversations rated higher once briefings start) is visible."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from demo.context import BASE_DATE
from demo.generator import build_demo
from metrics.models import Metric, MetricSnapshot

pytestmark = pytest.mark.django_db


def test_the_pilot_has_a_baseline_and_current_figures_and_conversations_got_better():
    build_demo()
    call_command("metrics_snapshot", as_of=BASE_DATE.isoformat(), baseline_days=90, verbosity=0)
    baseline, current = BASE_DATE - timedelta(days=90), BASE_DATE
    pilot = MetricSnapshot.objects.filter(cohort="pilot")
    assert {s.metric for s in pilot.filter(as_of=baseline)} == set(Metric.values)
    assert {s.metric for s in pilot.filter(as_of=current)} == set(Metric.values)
    for segment in ("employee: relevant to my goals", "manager: saved preparation"):
        before, after = (
            pilot.get(metric=Metric.CONVERSATION_QUALITY, segment=segment, as_of=day) for day in (baseline, current)
        )
        assert before.measured > 0 and after.measured > 0
        assert after.value > before.value + 0.3, segment
    velocity = pilot.filter(metric=Metric.SKILL_VELOCITY)
    assert all(s.value is not None and s.measured > 0 for s in velocity)
