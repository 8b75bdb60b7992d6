"""The one "may see" rule: self; direct and indirect reports; HR sees everyone."""

import pytest
from django.contrib.auth.models import AnonymousUser

from profiles.access import is_manager, may_see, visible_employees
from profiles.models import Employee
from profiles.services import employee_set_manager
from profiles.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("viewer", "subject", "allowed"),
    [
        ("employee", "employee", True),  # self
        ("manager", "employee", True),  # direct report
        ("director", "employee", True),  # indirect report
        ("employee", "peer", False),  # peer
        ("employee", "manager", False),  # one's own manager
        ("manager", "outsider", False),  # another branch
        ("outsider_manager", "employee", False),
        ("manager", "director", False),  # upwards
        ("hr_user", "employee", True),
        ("hr_user", "director", True),
    ],
)
def test_may_see_follows_the_reporting_line(org, viewer, subject, allowed):
    person = getattr(org, viewer)
    user = person if viewer == "hr_user" else person.user
    assert may_see(user, getattr(org, subject)) is allowed


def test_anonymous_sees_nobody(org):
    assert may_see(AnonymousUser(), org.employee) is False
    assert not visible_employees(AnonymousUser()).exists()


def test_a_user_without_an_employee_record_sees_nobody(org):
    stranger = UserFactory(username="stranger@example.com")
    assert may_see(stranger, org.employee) is False
    assert not visible_employees(stranger).exists()


def test_visible_employees_matches_the_rule_for_everyone(org):
    everyone = list(Employee.objects.all())
    for person in everyone:
        visible = set(visible_employees(person.user).values_list("pk", flat=True))
        assert visible == {other.pk for other in everyone if may_see(person.user, other)}
    assert visible_employees(org.hr_user).count() == len(everyone)


def test_someone_not_yet_placed_in_the_org_chart_sees_only_themselves(org):
    """Mid-way through a people import a person's path is empty; an empty prefix matches everyone."""
    Employee.objects.filter(pk=org.employee.pk).update(org_path="")
    org.employee.user = type(org.employee.user).objects.get(pk=org.employee.user.pk)  # no cached viewer
    assert list(visible_employees(org.employee.user)) == [org.employee]
    assert not Employee.objects.below(Employee.objects.get(pk=org.employee.pk)).exists()


def test_manager_is_derived_from_the_org_chart(org):
    assert is_manager(org.manager.user)
    assert is_manager(org.director.user)
    assert not is_manager(org.employee.user)


def test_a_move_changes_who_may_see_the_whole_subtree(org):
    report = EmployeeFactory(manager=org.employee)
    employee_set_manager(employee=org.employee, manager=org.outsider_manager)
    report.refresh_from_db()
    org.employee.refresh_from_db()
    assert not may_see(org.manager.user, org.employee)
    assert not may_see(org.manager.user, report)
    assert may_see(org.outsider_manager.user, report)
    assert may_see(org.director.user, report)


def test_a_reporting_loop_is_refused(org):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="would make a loop"):
        employee_set_manager(employee=org.manager, manager=org.employee)
    org.manager.refresh_from_db()
    assert org.manager.manager == org.director


def test_migrate_gives_the_hr_group_every_taxonomy_and_profile_permission(db):
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name="HR").permissions.values_list("codename", flat=True))
    assert {"change_rolerequirement", "add_skill", "change_employee", "view_skilldemand"} <= codenames


def test_rebuilding_org_paths_matches_the_manager_edges_and_survives_a_loop(org):
    from profiles.services import org_paths_rebuild

    Employee.objects.update(org_path="")
    assert org_paths_rebuild() == Employee.objects.count()
    assert may_see(org.director.user, org.employee) and not may_see(org.manager.user, org.outsider)
    # A loop straight from a bad import: two people managing each other.
    Employee.objects.filter(pk=org.outsider.pk).update(manager=org.outsider_manager)
    Employee.objects.filter(pk=org.outsider_manager.pk).update(manager=org.outsider)
    org_paths_rebuild()
    for person in Employee.objects.all():
        assert person.org_path.endswith(f"/{person.pk}/")
