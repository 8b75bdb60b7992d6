"""People in the admin: a change of manager keeps the org chart (and so who may see whom) right."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from tablib import Dataset

from profiles.access import may_see
from profiles.models import Employee, SkillDemand
from profiles.resources import SkillDemandResource
from profiles.signals import profile_changed
from profiles.tests.factories import BusinessUnitFactory
from taxonomy.tests.factories import RoleFactory, SkillFactory
from taxonomy.tests.test_admin import admin_form_data

LOOP = "reports to {}, so cannot also be their manager (that would make a loop)."


def change_url(employee):
    return reverse("admin:profiles_employee_change", args=[employee.pk])


def fresh(person):
    """The employee as stored, and a user object without the access rule's per-request cache."""
    employee = Employee.objects.get(pk=person.pk)
    return employee, get_user_model().objects.get(pk=employee.user_id) if employee.user_id else None


def post_manager(client, employee, manager):
    data = admin_form_data(client.get(change_url(employee)))
    data["manager"] = manager.pk if manager else ""
    return client.post(change_url(employee), data)


class TestChangingAManager:
    def test_the_employee_moves_to_the_new_managers_line(self, client, org):
        client.force_login(org.hr_user)

        response = post_manager(client, org.employee, org.outsider_manager)

        assert response.status_code == 302
        employee, _ = fresh(org.employee)
        new_manager, new_manager_user = fresh(org.outsider_manager)
        _, old_manager_user = fresh(org.manager)
        assert employee.manager == new_manager
        assert employee.org_path == f"{new_manager.org_path}{employee.pk}/"
        assert may_see(new_manager_user, employee)
        assert not may_see(old_manager_user, employee)

    def test_everyone_below_a_moved_manager_moves_with_them(self, client, org):
        client.force_login(org.hr_user)

        post_manager(client, org.manager, org.outsider_manager)

        manager, _ = fresh(org.manager)
        _, outsider_manager_user = fresh(org.outsider_manager)
        for person in [org.employee, org.peer]:
            report, _ = fresh(person)
            assert report.org_path == f"{manager.org_path}{report.pk}/"
            assert may_see(outsider_manager_user, report)

    def test_hr_may_take_someone_to_the_top_of_the_tree(self, client, org):
        client.force_login(org.hr_user)

        post_manager(client, org.manager, None)

        _, director_user = fresh(org.director)
        employee, _ = fresh(org.employee)
        assert fresh(org.manager)[0].org_path == f"/{org.manager.pk}/"
        assert not may_see(director_user, employee)

    def test_choosing_ones_own_report_as_manager_is_refused(self, client, org):
        client.force_login(org.hr_user)
        paths_before = dict(Employee.objects.values_list("pk", "org_path"))

        response = post_manager(client, org.director, org.employee)  # two levels below the director

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["manager"] == [f"{org.employee} " + LOOP.format(org.director)]
        assert fresh(org.director)[0].manager is None
        assert dict(Employee.objects.values_list("pk", "org_path")) == paths_before

    def test_being_ones_own_manager_is_refused(self, client, org):
        client.force_login(org.hr_user)

        response = post_manager(client, org.manager, org.manager)

        assert response.context["adminform"].form.errors["manager"] == [f"{org.manager} cannot be their own manager."]

    def test_a_change_of_role_announces_the_profile_change(self, client, org, django_capture_on_commit_callbacks):
        received = []
        profile_changed.connect(lambda **kwargs: received.append(kwargs), weak=False, dispatch_uid="test-admin")
        try:
            client.force_login(org.hr_user)
            data = admin_form_data(client.get(change_url(org.employee)))
            data["role"] = RoleFactory().pk
            with django_capture_on_commit_callbacks(execute=True):
                client.post(change_url(org.employee), data)
        finally:
            profile_changed.disconnect(dispatch_uid="test-admin")

        assert [(r["employee_ids"], r["what"], r["source"]) for r in received] == [
            ([org.employee.pk], "role", "portal")
        ]


class TestAddingAndRemovingPeople:
    def test_someone_added_in_the_admin_is_placed_under_their_manager(self, client, org):
        client.force_login(org.hr_user)
        data = admin_form_data(client.get(reverse("admin:profiles_employee_add")))
        data.update({"external_id": "E99999", "first_name": "Ada", "last_name": "Lovelace", "manager": org.manager.pk})

        response = client.post(reverse("admin:profiles_employee_add"), data)

        assert response.status_code == 302
        added = Employee.objects.get(external_id="E99999")
        assert added.org_path == f"{org.manager.org_path}{added.pk}/"
        assert may_see(fresh(org.director)[1], added)

    def test_deleting_a_manager_takes_their_reports_out_of_the_old_line(self, client, org):
        client.force_login(org.hr_user)

        response = client.post(reverse("admin:profiles_employee_delete", args=[org.manager.pk]), {"post": "yes"})

        assert response.status_code == 302
        employee, _ = fresh(org.employee)
        assert employee.manager is None
        assert employee.org_path == f"/{employee.pk}/"
        assert not may_see(fresh(org.director)[1], employee)


def test_hr_finds_people_by_email_or_external_id(client, org):
    client.force_login(org.hr_user)
    url = reverse("admin:profiles_employee_changelist")

    by_email = client.get(url, {"q": "peer@example.com"}).context["cl"].result_list
    by_id = client.get(url, {"q": org.outsider.external_id}).context["cl"].result_list

    assert list(by_email) == [org.peer]
    assert list(by_id) == [org.outsider]


@pytest.mark.django_db
class TestSkillDemandImport:
    def test_a_bad_weight_is_reported_and_nothing_is_saved(self):
        BusinessUnitFactory(name="Payments")
        SkillFactory(name="SQL")
        SkillFactory(name="Rust")

        result = SkillDemandResource().import_data(
            Dataset().load(
                "business_unit,skill,weight,as_of,note\nPayments,SQL,0.8,2025-03-01,\nPayments,Rust,1.5,2025-03-01,\n",
                format="csv",
            ),
            dry_run=False,
        )

        assert result.invalid_rows[0].number == 2
        assert result.invalid_rows[0].non_field_specific_errors == ["Demand weight must be between 0 and 1."]
        assert not SkillDemand.objects.exists()

    def test_an_unknown_business_unit_is_a_row_error(self):
        SkillFactory(name="SQL")

        result = SkillDemandResource().import_data(
            Dataset().load("business_unit,skill,weight,as_of\nPaymnts,SQL,0.8,2025-03-01\n", format="csv"),
            dry_run=False,
        )

        assert result.invalid_rows[0].error_dict == {
            "business_unit": ["There is no business unit with name 'Paymnts'."]
        }

    def test_a_reimport_updates_the_weight_of_the_existing_row(self):
        demand = SkillDemand.objects.create(
            business_unit=BusinessUnitFactory(name="Payments"),
            skill=SkillFactory(name="SQL"),
            weight=0.2,
            as_of=datetime.date(2025, 1, 1),
        )

        result = SkillDemandResource().import_data(
            Dataset().load("business_unit,skill,weight,as_of\nPayments,SQL,0.9,2025-06-01\n", format="csv"),
            dry_run=False,
        )

        assert result.totals["update"] == 1
        demand.refresh_from_db()
        assert (demand.weight, demand.as_of) == (0.9, datetime.date(2025, 6, 1))
        assert SkillDemand.objects.count() == 1


def test_people_are_not_imported_through_the_admin():
    # People come from the HR system, and org_path only from profiles.services.
    with pytest.raises(NoReverseMatch):
        reverse("admin:profiles_employee_import")


def test_hr_issues_a_credential_that_is_shown_once_and_stored_hashed(client, org):
    from profiles.credentials import credential_verify
    from profiles.models import Credential

    client.force_login(org.hr_user)
    response = client.post(reverse("admin:profiles_credential_add"), {"kind": "xapi", "name": "Moodle"}, follow=True)
    shown = next(str(m) for m in response.context["messages"] if "not shown again" in str(m))
    credential = Credential.objects.get(name="Moodle")
    secret = shown.rsplit("password ", 1)[1]
    assert secret not in credential.secret_hash
    assert credential_verify(kind="xapi", key=credential.key, secret=secret) == credential
    client.post(
        reverse("admin:profiles_credential_changelist"), {"action": "revoke", "_selected_action": [credential.pk]}
    )
    assert credential_verify(kind="xapi", key=credential.key, secret=secret) is None
