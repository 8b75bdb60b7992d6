"""A small organisation for the capability heatmap and workforce planning.

Under the conftest ``org`` (director > manager > employee, peer; director > other manager >
outsider): the manager's team grows to 7 people, the other manager's stays at 3 (below the
minimum group size), all in one role requiring "Data analysis" at level 3, one business unit.
A year ago everyone was rated level 1; four months ago one of the manager's team level 3; a
month ago four of them (that one included) level 3.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from profiles.models import BusinessUnit, Employee, SkillDemand, SkillEvidence
from profiles.tests.factories import EmployeeFactory
from recommendations import analysis
from recommendations.models import EngineSettings
from taxonomy.models import RoleRequirement
from taxonomy.tests.factories import RoleFactory, SkillFactory

LONG_AGO = 400  # days


def rate(person, skill, level, *, days_ago):
    SkillEvidence.objects.create(
        employee=person,
        skill=skill,
        level=level,
        source="manager",
        observed_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def capability_org(org):
    role = RoleFactory(title="Analyst")
    skill = SkillFactory(name="Data analysis")
    RoleRequirement.objects.create(role=role, skill=skill, target_level=3, importance=4)
    unit = BusinessUnit.objects.create(name="Finance")
    hired = timezone.localdate() - timedelta(days=2 * LONG_AGO)
    for n in range(5):
        EmployeeFactory(manager=org.manager, first_name="Member", last_name=f"Number{n}")
    for n in range(2):
        EmployeeFactory(manager=org.outsider_manager, first_name="Small", last_name=f"Team{n}")
    Employee.objects.update(role=role, business_unit=unit, hire_date=hired)
    team = list(Employee.objects.filter(manager=org.manager).order_by("pk"))
    small = list(Employee.objects.filter(manager=org.outsider_manager))
    for person in [*team, *small]:
        rate(person, skill, 1, days_ago=LONG_AGO)
    rate(team[0], skill, 3, days_ago=120)  # between six and three months ago
    for person in team[:4]:
        rate(person, skill, 3, days_ago=30)
    EngineSettings.objects.update_or_create(pk=1, defaults={"pilot_mode": False, "review_threshold": 0.0})
    analysis.recompute(trigger="test")
    org.skill, org.unit, org.team, org.small = skill, unit, team, small
    return org


def plan(org, *, needed, months=12):
    return SkillDemand.objects.create(
        business_unit=org.unit,
        skill=org.skill,
        weight=0.9,
        as_of=timezone.localdate(),
        people_needed=needed,
        level_needed=3,
        needed_by=timezone.localdate() + timedelta(days=30 * months),
    )
