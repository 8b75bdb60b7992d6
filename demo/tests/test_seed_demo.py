"""seed_demo: the pilot's shape, the demo accounts, determinism and idempotence, a larger organisation."""

import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse

from demo.generator import DEMO_PASSWORD, PILOT_SIZE, build_demo
from profiles.access import HR_GROUP
from profiles.models import BusinessUnit, Employee, SkillDemand
from recommendations.models import LearningResource
from taxonomy.models import BehaviouralAnchor, JobFamily, MobilityKind, MobilityPath, Role, Skill, SkillKind

EMPLOYEE, MANAGER, HR = "employee@demo.example", "manager@demo.example", "hr@demo.example"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options):
    call_command("seed_demo", verbosity=0, **options)


def employee(email):
    return Employee.objects.get(user__username=email)


def people():
    """Everyone as (external id, name, role, manager, unit, hire date), in external-id order."""
    return list(
        Employee.objects.order_by("external_id").values_list(
            "external_id",
            "first_name",
            "last_name",
            "role__title",
            "manager__external_id",
            "business_unit__name",
            "hire_date",
        )
    )


# Each run ends with a recompute: a new AnalysisRun, and results that follow the (seeded) roles.
# Each run records a new analysis run, and its imports a new sync run each, as any import does.
DERIVED = {"recommendations.AnalysisRun", "profiles.SyncRun"}
# A run with another seed re-assigns roles but keeps everyone's history, adding only for people
# the first seed left without (no career goal, say); the results follow the new roles.
HISTORY_AND_RESULTS = DERIVED | {
    "profiles.RoleAssignment",
    "profiles.SkillEvidence",
    "profiles.LearningRecord",
    "profiles.PerformanceReview",
    "profiles.CareerAspiration",
    "recommendations.EmployeeAnalysis",
    "recommendations.SkillGap",
    "recommendations.CareerPath",
    "recommendations.OpportunityMatch",
    "recommendations.ReviewItem",
    # the catalogue's mentorship pairings name the seed's most advanced people, and the picks follow
    "recommendations.LearningResource",
    "recommendations.ResourceSkill",
    "recommendations.Recommendation",
    "recommendations.Flag",
    "auditlog.LogEntry",  # the imports of what the first seed left without are audited, as every import is
    "metrics.CapabilityCell",  # the heatmap's cells: which teams are pooled follows who is where
}


def table_counts(leave_out=DERIVED):
    return {
        model._meta.label: model.objects.count() for model in apps.get_models() if model._meta.label not in leave_out
    }


def assert_org_paths_consistent():
    rows = {
        pk: (manager_id, path) for pk, manager_id, path in Employee.objects.values_list("pk", "manager_id", "org_path")
    }
    for pk, (manager_id, path) in rows.items():
        parent_path = rows[manager_id][1] if manager_id else "/"
        assert path == f"{parent_path}{pk}/", (pk, path, parent_path)


@pytest.mark.usefixtures("pilot")
class TestThePilot:
    def test_it_has_30_to_50_people_in_5_to_8_roles(self):
        assert 30 <= Employee.objects.count() <= 50
        assert 5 <= Role.objects.count() <= 8
        assert Employee.objects.filter(role__isnull=True).count() == 0
        assert JobFamily.objects.count() >= 2

    def test_every_role_requires_6_to_10_skills(self):
        for role in Role.objects.annotate(n=Count("requirements")):
            assert 6 <= role.n <= 10, role

    def test_every_required_skill_has_an_anchor_at_each_of_the_4_levels(self):
        required = Skill.objects.filter(requirements__isnull=False).distinct()
        assert required.exists()
        for skill in required:
            assert sorted(skill.anchors.values_list("level", flat=True)) == [1, 2, 3, 4], skill

    def test_anchors_describe_behaviour_rather_than_naming_the_level(self):
        for anchor in BehaviouralAnchor.objects.all():
            assert not re.search(r"\blevel\s*\d", anchor.description, re.IGNORECASE), anchor
            assert len(anchor.description) > 40, anchor
        for skill in Skill.objects.all():
            assert len(set(skill.anchors.values_list("description", flat=True))) == 4, skill

    def test_skills_cover_every_kind(self):
        assert set(Skill.objects.values_list("kind", flat=True)) == set(SkillKind.values)

    def test_roles_are_joined_by_promotion_lateral_and_adjacent_paths(self):
        assert set(MobilityPath.objects.values_list("kind", flat=True)) == set(MobilityKind.values)
        joined = set(MobilityPath.objects.values_list("from_role__title", flat=True)) | set(
            MobilityPath.objects.values_list("to_role__title", flat=True)
        )
        data_roles = set(Role.objects.filter(family__name="Data & Analytics").values_list("title", flat=True))
        assert data_roles <= joined

    def test_each_business_unit_has_weighted_dated_skill_demand(self):
        assert 2 <= BusinessUnit.objects.count() <= 3
        for unit in BusinessUnit.objects.all():
            demand = SkillDemand.objects.filter(business_unit=unit)
            assert 3 <= demand.count() <= 6, unit
            assert all(0 <= row.weight <= 1 and row.as_of for row in demand)

    def test_the_demo_manager_manages_the_demo_employee_and_a_sub_leads_team(self):
        manager = employee(MANAGER)
        assert employee(EMPLOYEE).manager == manager
        assert manager.reports.count() >= 3
        indirect = Employee.objects.below(manager).exclude(manager=manager)
        assert indirect.exists()

    def test_one_head_leads_2_to_4_team_leads(self):
        head = Employee.objects.get(external_id="E00001")
        assert head.manager is None
        leads = head.reports.annotate(n=Count("reports")).filter(n__gt=0)
        assert 2 <= leads.count() <= 4
        assert Employee.objects.below(head).count() >= 30

    def test_org_paths_follow_the_managers(self):
        assert_org_paths_consistent()

    def test_employees_have_a_hire_date_email_unit_and_the_pilot_cohort(self):
        assert not Employee.objects.filter(hire_date__isnull=True).exists()
        assert not Employee.objects.filter(business_unit__isnull=True).exists()
        assert set(Employee.objects.values_list("cohort", flat=True)) == {"pilot"}
        emails = list(Employee.objects.exclude(user__isnull=False).values_list("email", flat=True))
        assert all(re.fullmatch(r"[a-z]+\.[a-z]+\.\d+@demo\.example", email) for email in emails), emails


@pytest.mark.usefixtures("pilot")
class TestTheDemoAccounts:
    @pytest.mark.parametrize("email", [EMPLOYEE, MANAGER, HR])
    def test_each_demo_user_signs_in_by_email_with_the_demo_password(self, client, email):
        response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        assert client.session.get("_auth_user_id") == str(get_user_model().objects.get(username=email).pk)

    @pytest.mark.parametrize(("email", "page"), [(EMPLOYEE, "portal:me"), (MANAGER, "portal:team"), (HR, "hr_home")])
    def test_home_sends_each_demo_user_to_their_page(self, client, email, page):
        assert client.login(username=email, password=DEMO_PASSWORD)
        assert client.get(reverse("home"))["Location"] == reverse(page)

    def test_each_demo_user_is_linked_to_their_employee_with_a_verified_primary_address(self):
        from allauth.account.models import EmailAddress

        for email in (EMPLOYEE, MANAGER, HR):
            user = get_user_model().objects.get(username=email)
            assert user.employee.email == email
            assert EmailAddress.objects.filter(user=user, email=email, primary=True, verified=True).exists()

    def test_only_the_hr_user_is_staff_and_in_the_hr_group(self):
        users = get_user_model().objects
        hr = users.get(username=HR)
        assert hr.is_staff and hr.groups.filter(name=HR_GROUP).exists()
        for email in (EMPLOYEE, MANAGER):
            assert not users.get(username=email).is_staff
            assert not users.get(username=email).groups.exists()


@pytest.mark.django_db
class TestRerunning:
    def test_a_second_run_changes_nothing(self):
        seed()
        counts, before = table_counts(), people()
        summary = build_demo(seed=2026)
        assert table_counts() == counts
        assert people() == before
        assert all(t.created == 0 and t.updated == 0 for t in summary.tables.values()), summary.tables
        assert_org_paths_consistent()

    def test_the_same_seed_gives_the_same_people_on_an_empty_database(self):
        seed(seed=7)
        first = people()
        LearningResource.objects.all().delete()  # mentorship pairings first: their mentors are protected
        Employee.objects.all().delete()
        seed(seed=7)
        assert people() == first

    def test_a_different_seed_gives_different_assignments_and_keeps_the_demo_accounts(self):
        seed(seed=1)
        counts, first = table_counts(HISTORY_AND_RESULTS), people()
        seed(seed=2)
        second = people()
        assert table_counts(HISTORY_AND_RESULTS) == counts
        assert [row[0] for row in first] == [row[0] for row in second]
        assert [row[3] for row in first] != [row[3] for row in second]  # role assignments
        assert [row[1:3] for row in first] != [row[1:3] for row in second]  # names
        assert employee(EMPLOYEE).manager == employee(MANAGER)
        assert_org_paths_consistent()

    def test_too_few_employees_is_refused(self):
        with pytest.raises(CommandError):
            seed(employees=3)


@pytest.mark.django_db
class TestALargeOrganisation:
    def test_2000_employees_have_consistent_org_paths(self):
        seed(employees=2000)
        assert Employee.objects.count() == 2000
        assert_org_paths_consistent()
        assert Employee.objects.filter(manager__isnull=True).count() == 1
        spans = list(Employee.objects.annotate(n=Count("reports")).filter(n__gt=0).values_list("n", flat=True))
        assert max(spans) <= 10
        depth = max(path.count("/") - 1 for path in Employee.objects.values_list("org_path", flat=True))
        assert depth >= 5

    def test_it_has_many_roles_and_skills_each_role_with_6_to_10_requirements(self):
        seed(employees=200)
        assert Role.objects.count() >= 40
        assert JobFamily.objects.count() >= 5
        assert BusinessUnit.objects.count() >= 4
        assert 250 <= Skill.objects.count() <= 350
        for role in Role.objects.annotate(n=Count("requirements")):
            assert 6 <= role.n <= 10, role
        assert not Skill.objects.annotate(n=Count("anchors")).exclude(n=4).exists()
        assert not BusinessUnit.objects.filter(skill_demand__isnull=True).exists()

    def test_the_pilot_is_its_first_people(self):
        seed(seed=3)
        pilot = people()
        seed(seed=3, employees=300)
        grown = people()[:PILOT_SIZE]
        # Same people in the same roles; only the pilot's tops now report into the wider company.
        assert [row[:4] + row[5:] for row in grown] == [row[:4] + row[5:] for row in pilot]
        assert employee(EMPLOYEE).manager == employee(MANAGER)
        assert Employee.objects.get(external_id="E00001").manager is not None
