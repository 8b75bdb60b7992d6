"""Succession: the engine's bench (pure, property-tested), and the service that proposes it and
sends every name through HR's review queue."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.models import Metric, MetricSnapshot
from metrics.services import snapshot_take
from profiles.models import CareerAspiration, SkillEvidence
from recommendations import services
from recommendations.engine import succession as engine
from recommendations.models import CriticalRole, ReviewItem, SuccessionCandidate
from recommendations.succession import bench_strength, succession_propose
from taxonomy.tests.factories import RequirementFactory, RoleFactory, SkillFactory

# --- the engine ---------------------------------------------------------------------------------

ROLES = [10, 11]
SKILLS = [1, 2, 3]


def frames(draw_levels_now, draw_levels_then, people_roles, refused):
    people = pd.DataFrame({"employee_id": np.arange(len(people_roles)), "role_id": people_roles}).astype(
        {"role_id": "float64"}
    )
    critical = pd.DataFrame({"critical_id": [1, 2], "role_id": ROLES})
    requirements = pd.DataFrame(
        {
            "role_id": [10, 10, 11, 11],
            "skill_id": [1, 2, 2, 3],
            "target_level": [3, 2, 4, 3],
            "importance": [5, 3, 4, 4],
            "core": [True, False, True, True],
        }
    )

    def levels(values):
        rows = [(e, s, float(values[e][i]), 0.8) for e in range(len(people_roles)) for i, s in enumerate(SKILLS)]
        return pd.DataFrame(rows, columns=["employee_id", "skill_id", "level", "confidence"])

    not_wanted = pd.DataFrame(refused, columns=["employee_id", "role_id"])
    return {
        "people": people,
        "critical": critical,
        "requirements": requirements,
        "levels_now": levels(draw_levels_now),
        "levels_then": levels(draw_levels_then),
        "not_wanted": not_wanted,
    }


@st.composite
def organisations(draw):
    n = draw(st.integers(1, 30))
    now = draw(st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=n, max_size=n))
    then = [[max(0, level - draw(st.integers(0, 2))) for level in row] for row in now]
    roles = draw(st.lists(st.sampled_from([10.0, 11.0, 99.0, np.nan]), min_size=n, max_size=n))
    refused = draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(ROLES)), max_size=n))
    return frames(now, then, roles, refused)


@settings(max_examples=60, deadline=None)
@given(organisations())
def test_the_bench_follows_its_rules(inputs):
    bench = engine.bench(**inputs)
    people = inputs["people"].set_index("employee_id")["role_id"]
    refused = set(map(tuple, inputs["not_wanted"].to_numpy().tolist()))
    for row in bench.itertuples():
        assert people[row.employee_id] != row.role_id, "never the role they hold"
        assert (row.employee_id, row.role_id) not in refused, "never a role they said they do not want"
        assert 0.0 <= row.confidence <= 1.0
        if row.horizon == "now":
            assert row.readiness >= engine.READY_NOW
        elif row.horizon == "year":
            assert row.readiness < engine.READY_NOW and row.pace > 0 and row.months_to_ready <= engine.YEAR_MONTHS
        else:
            assert row.horizon == "later" and row.readiness >= engine.LATER_FROM
    assert (bench.groupby(["critical_id", "horizon"]).size() <= engine.PER_HORIZON).all()
    assert not bench.duplicated(["critical_id", "employee_id"]).any()


def test_gaps_closing_fast_make_ready_in_a_year_and_standing_still_makes_later():
    inputs = frames(
        draw_levels_now=[[3, 1, 0], [3, 1, 0]],  # both 75% ready for role 10 today
        draw_levels_then=[[1, 0, 0], [3, 1, 0]],  # the first was 25% six months ago; the second the same
        people_roles=[99.0, 99.0],
        refused=[],
    )
    bench = engine.bench(**inputs).set_index("employee_id")
    bench = bench[bench["role_id"] == 10]
    assert bench.loc[0, "horizon"] == "year" and bench.loc[1, "horizon"] == "later"
    rows = {row.employee_id: row for row in bench.reset_index().itertuples()}
    assert "up from" in engine.reasons(rows[0]) and "ready in about" in engine.reasons(rows[0])
    assert "no change" in engine.reasons(rows[1])


# --- the service and the review queue -----------------------------------------------------------


@pytest.fixture
def critical(org):
    """Head of Payments is critical; the employee has been closing its gaps, the peer said no."""
    head = RoleFactory(title="Head of Payments")
    skills = [SkillFactory(name="Strategy"), SkillFactory(name="Coaching")]
    for skill in skills:
        RequirementFactory(role=head, skill=skill, target_level=3, importance=4, core=True)
    now = timezone.now()
    for person in (org.employee, org.peer):
        for skill in skills:
            SkillEvidence.objects.create(
                employee=person, skill=skill, level=1, source="manager", observed_at=now - timedelta(days=300)
            )
            SkillEvidence.objects.create(
                employee=person, skill=skill, level=3, source="manager", observed_at=now - timedelta(days=10)
            )
    said_no = CareerAspiration.objects.create(employee=org.peer, interests="stay technical", stated_at=now)
    said_no.not_wanted_roles.add(head)
    return CriticalRole.objects.create(role=head, marked_by=org.hr_user)


@pytest.mark.django_db
def test_each_proposed_name_waits_in_the_review_queue_and_people_who_said_no_are_left_out(org, critical):
    proposed = succession_propose()
    names = SuccessionCandidate.objects.filter(critical_role=critical)
    assert org.employee.pk in {c.employee_id for c in names}
    assert org.peer.pk not in {c.employee_id for c in names}
    assert proposed.created == names.count()
    candidate = names.get(employee=org.employee)
    assert candidate.status == "pending" and candidate.horizon == "now" and "ready now" in candidate.reasons
    item = ReviewItem.objects.get(succession=candidate)
    assert item.kind == "succession" and item.status == "pending"
    assert bench_strength()[0].ready_now == 0  # nobody is in a pool before a human decided
    again = succession_propose()
    assert again.created == 0 and names.count() == proposed.created  # proposing again adds no duplicates


@pytest.mark.django_db
def test_hr_approves_edits_or_rejects_with_reasons_and_every_decision_is_audited(client, org, critical):
    succession_propose()
    candidate = SuccessionCandidate.objects.get(employee=org.employee)
    item = ReviewItem.objects.get(succession=candidate)
    client.force_login(org.hr_user)
    page = client.get(reverse("recommendations:review_item", args=[item.pk])).content.decode()
    assert "Head of Payments" in page and candidate.reasons in page
    with pytest.raises(ValidationError):
        services.review_decide(item=item, decision="edited", user=org.hr_user, note="", horizon="year")
    with pytest.raises(ValidationError):
        services.review_decide(item=item, decision="edited", user=org.hr_user, note="Too early", horizon="")
    client.post(reverse("recommendations:review_decide", args=[item.pk]), {"decision": "approved"})
    candidate.refresh_from_db()
    assert candidate.status == "approved"
    assert LogEntry.objects.get_for_model(SuccessionCandidate).filter(object_pk=str(candidate.pk)).exists()
    assert LogEntry.objects.get_for_model(ReviewItem).filter(object_pk=str(item.pk), actor=org.hr_user).exists()
    strength = bench_strength()[0]
    assert strength.ready_now == 1 and strength.waiting == 0
    assert "Head of Payments" in client.get(reverse("hr_home")).content.decode()
    snapshot_take(as_of=timezone.localdate())
    figure = MetricSnapshot.objects.get(metric=Metric.BENCH_STRENGTH, cohort="all", segment="")
    assert figure.value == 1 and figure.measured == 1


@pytest.mark.django_db
def test_a_rejected_name_is_not_proposed_again(org, critical):
    succession_propose()
    candidate = SuccessionCandidate.objects.get(employee=org.employee)
    item = ReviewItem.objects.get(succession=candidate)
    services.review_decide(item=item, decision="rejected", user=org.hr_user, note="Moving abroad next year.")
    succession_propose()
    candidate.refresh_from_db()
    assert candidate.status == "rejected"
    assert not ReviewItem.objects.filter(succession=candidate, status="pending").exists()


@pytest.mark.django_db
def test_hr_marks_a_role_critical_from_the_succession_page(client, org, critical):
    other = RoleFactory(title="Chief Risk Officer")
    client.force_login(org.hr_user)
    response = client.post(reverse("succession:mark"), {"role": other.pk})
    assert response.status_code == 302 and CriticalRole.objects.filter(role=other).exists()
    page = client.get(reverse("succession:home")).content.decode()
    assert "Chief Risk Officer" in page and "Head of Payments" in page
