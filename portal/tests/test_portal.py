import pytest
from django.urls import reverse

from taxonomy.tests.factories import AnchorFactory, MobilityPathFactory, RequirementFactory

pytestmark = pytest.mark.django_db


def test_me_shows_my_role_requirements_with_the_target_anchor(client, org):
    requirement = RequirementFactory(
        role=org.employee.role, skill__name="Stakeholder management", target_level=3, core=True
    )
    AnchorFactory(skill=requirement.skill, level=3, description="Aligns competing stakeholders on a plan")
    MobilityPathFactory(from_role=org.employee.role, to_role__title="Team Lead")
    client.force_login(org.employee.user)
    page = client.get(reverse("portal:me")).content.decode()
    assert org.employee.role.title in page
    assert "Stakeholder management" in page
    assert "Aligns competing stakeholders on a plan" in page
    assert "Team Lead" in page


def test_a_role_without_requirements_says_what_to_do(client, org):
    client.force_login(org.employee.user)
    page = client.get(reverse("portal:me")).content.decode()
    assert "has not defined the competencies" in page


def test_team_lists_direct_and_indirect_reports_only(client, org):
    client.force_login(org.director.user)
    page = client.get(reverse("portal:team")).content.decode()
    for person in (org.manager, org.employee, org.peer, org.outsider):
        assert person.full_name in page
    client.force_login(org.manager.user)
    page = client.get(reverse("portal:team")).content.decode()
    assert org.employee.full_name in page and org.peer.full_name in page
    assert org.outsider.full_name not in page
    assert org.director.full_name not in page.split("<tbody>")[1].split("</th>")[0]


@pytest.mark.parametrize(
    ("viewer", "subject", "status"),
    [
        ("employee", "employee", 200),
        ("manager", "employee", 200),
        ("director", "employee", 200),
        ("employee", "peer", 403),
        ("manager", "outsider", 403),
        ("hr_user", "outsider", 200),
    ],
)
def test_profile_page_follows_the_may_see_rule(client, org, viewer, subject, status):
    person = getattr(org, viewer)
    client.force_login(person if viewer == "hr_user" else person.user)
    response = client.get(reverse("portal:detail", args=[getattr(org, subject).pk]))
    assert response.status_code == status


def test_unknown_profile_is_404(client, org):
    client.force_login(org.hr_user)
    assert client.get(reverse("portal:detail", args=[999999])).status_code == 404


def test_team_page_query_count_does_not_grow_with_team_size(client, org, django_assert_max_num_queries):
    from profiles.tests.factories import EmployeeFactory

    client.force_login(org.manager.user)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("portal:team"))
    for _ in range(30):
        EmployeeFactory(manager=org.manager)
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("portal:team"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_one_profile_page_shows_performance_learning_competencies_and_goals(client, org):
    """The guide's step-1 check: one interface, no manual aggregation."""
    from datetime import UTC, datetime

    from profiles.models import CareerAspiration, LearningRecord, PerformanceReview, SkillEvidence
    from taxonomy.tests.factories import RoleFactory

    requirement = RequirementFactory(role=org.employee.role, skill__name="SQL", target_level=3)
    when = datetime(2026, 10, 1, tzinfo=UTC)
    SkillEvidence.objects.create(
        employee=org.employee, skill=requirement.skill, level=2, source="manager", observed_at=when
    )
    PerformanceReview.objects.create(
        employee=org.employee,
        period="2026-H1",
        score=4,
        goal_attainment=0.8,
        commentary="Strong quarter",
        submitted_at=when,
    )
    LearningRecord.objects.create(
        employee=org.employee,
        activity_id="sql-201",
        title="Advanced SQL",
        status="completed",
        completed_at=when,
        minutes=240,
    )
    CareerAspiration.objects.create(
        employee=org.employee, target_role=RoleFactory(title="Analytics Team Lead"), stated_at=when
    )

    client.force_login(org.manager.user)
    page = client.get(reverse("portal:detail", args=[org.employee.pk])).content.decode()
    assert "2026-H1" in page and "Strong quarter" in page and "80% of goals" in page
    assert "Advanced SQL" in page and "240 min" in page
    assert "Manager assessment, recorded level 2, 1 Oct 2026" in page  # the evidence the level came from
    assert "Aiming for <strong>Analytics Team Lead</strong>" in page
