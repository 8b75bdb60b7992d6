"""The HR admin: who gets in, editing through inlines, and spreadsheet import/export.

Import/export covers every table with a resource: export, re-import (nothing changes), move
to an empty install, and files with a bad row (reported by row, nothing saved).
"""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import CheckboxInput
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import SelectableFieldsExportForm
from tablib import Dataset

from profiles.credentials import credential_issue
from profiles.models import (
    BusinessUnit,
    CareerAspiration,
    Credential,
    DataQualityFlag,
    Demographics,
    Employee,
    LearningRecord,
    PerformanceReview,
    RoleAssignment,
    SkillDemand,
    SkillEvidence,
    SyncRejection,
    SyncRun,
)
from profiles.resources import BusinessUnitResource, SkillDemandResource
from profiles.tests.factories import BusinessUnitFactory, EmployeeFactory, UserFactory
from taxonomy.admin import SpreadsheetAdmin
from taxonomy.models import BehaviouralAnchor, JobFamily, MobilityPath, Role, RoleRequirement, Skill, SkillCategory
from taxonomy.resources import (
    BehaviouralAnchorResource,
    JobFamilyResource,
    MobilityPathResource,
    RoleRequirementResource,
    RoleResource,
    SkillCategoryResource,
    SkillResource,
)
from taxonomy.tests.factories import (
    AnchorFactory,
    MobilityPathFactory,
    RequirementFactory,
    RoleFactory,
    SkillCategoryFactory,
    SkillFactory,
)

HR_APPS = ("taxonomy", "profiles")
REGISTERED = sorted((m for m in admin.site._registry if m._meta.app_label in HR_APPS), key=lambda m: m._meta.label)
# In the order an empty install must load them: a row's natural keys must already exist.
RESOURCES = [
    SkillCategoryResource,
    JobFamilyResource,
    SkillResource,
    BehaviouralAnchorResource,
    RoleResource,
    RoleRequirementResource,
    MobilityPathResource,
    BusinessUnitResource,
    SkillDemandResource,
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVEL_7 = "Proficiency level must be between 1 (awareness) and 4 (mastery), got 7."


def one_of_each():
    """A row in every table of the HR apps, linked the way real data is."""
    anchor = AnchorFactory()
    requirement = RequirementFactory(skill=anchor.skill)
    path = MobilityPathFactory(from_role=requirement.role)
    demand = SkillDemand.objects.create(
        business_unit=BusinessUnitFactory(), skill=anchor.skill, weight=0.5, as_of=datetime.date(2025, 3, 1)
    )
    manager = EmployeeFactory(role=requirement.role, business_unit=demand.business_unit)
    EmployeeFactory(manager=manager, role=path.to_role)
    when = timezone.now()
    run = SyncRun.objects.create(source="file", kind="learning", name="learning.csv", rejected=1)
    SyncRejection.objects.create(run=run, line=3, reason="No employee with external id 'E9'")
    rows = {
        SyncRun: run,
        DataQualityFlag: DataQualityFlag.objects.create(
            kind="no_aspiration", employee=manager, detail="No goal stated"
        ),
        SkillEvidence: SkillEvidence.objects.create(
            employee=manager, skill=anchor.skill, level=2, source="manager", observed_at=when
        ),
        PerformanceReview: PerformanceReview.objects.create(
            employee=manager, period="2026-H1", score=4, submitted_at=when
        ),
        LearningRecord: LearningRecord.objects.create(
            employee=manager, activity_id="sql-101", title="SQL 101", status="completed", completed_at=when
        ),
        CareerAspiration: CareerAspiration.objects.create(employee=manager, target_role=path.to_role, stated_at=when),
        RoleAssignment: RoleAssignment.objects.create(employee=manager, role=requirement.role, start_date=when.date()),
        Demographics: Demographics.objects.create(employee=manager, gender="Female", age_band="30-39"),
        Credential: credential_issue(kind="scim", name="HRIS")[0],
        SkillCategory: anchor.skill.category,
        Skill: anchor.skill,
        BehaviouralAnchor: anchor,
        JobFamily: requirement.role.family,
        Role: requirement.role,
        RoleRequirement: requirement,
        MobilityPath: path,
        BusinessUnit: demand.business_unit,
        SkillDemand: demand,
        Employee: manager,
    }
    assert set(REGISTERED) <= set(rows), "a new admin model needs a row here"
    return rows


def _request_as(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def admin_form_data(response):
    """What a browser posts back from an admin add/change page as rendered (form and inlines)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(field.field.widget, CheckboxInput):
                if value:
                    data[field.html_name] = "on"
            elif value is not None:
                data[field.html_name] = value
    return data


def table_counts():
    return {model._meta.label: model.objects.count() for model in REGISTERED}


def csv_file(text, name="import.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_hr_configures_every_taxonomy_table_and_the_org_tables_in_the_admin():
    expected = [*apps.get_app_config("taxonomy").get_models(), BusinessUnit, SkillDemand, Employee]

    assert [model for model in expected if model not in admin.site._registry] == []


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
class TestWhoGetsIn:
    def test_hr_opens_the_list_add_and_change_pages(self, client, org, model):
        row = one_of_each()[model]
        client.force_login(org.hr_user)

        for url in [admin_url(model, "changelist"), admin_url(model, "change", row.pk)]:
            assert client.get(url).status_code == 200, url
        # Records that arrive from other systems are read-only: there is no add page for them.
        may_add = admin.site._registry[model].has_add_permission(_request_as(org.hr_user))
        assert client.get(admin_url(model, "add")).status_code == (200 if may_add else 403)

    @pytest.mark.parametrize("person", ["employee", "manager"])
    def test_people_who_are_not_staff_are_sent_to_the_admin_login(self, client, org, model, person):
        row = one_of_each()[model]
        client.force_login(getattr(org, person).user)
        urls = [admin_url(model, "changelist"), admin_url(model, "add"), admin_url(model, "change", row.pk)]
        if isinstance(admin.site._registry[model], SpreadsheetAdmin):
            urls += [admin_url(model, "import"), admin_url(model, "export")]

        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("admin:login")), url

    def test_the_list_page_does_not_query_once_per_row(self, client, org, model):
        one_of_each()
        client.force_login(org.hr_user)
        url = admin_url(model, "changelist")
        client.get(url)  # warm per-process caches (content types, site)

        with CaptureQueriesContext(connection) as few_rows:
            assert client.get(url).status_code == 200
        one_of_each()
        one_of_each()
        with CaptureQueriesContext(connection) as more_rows:
            assert client.get(url).status_code == 200

        assert len(more_rows) == len(few_rows)


def test_a_staff_user_who_may_only_view_skills_cannot_import_them(client, db):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_skill"))
    client.force_login(viewer)

    assert client.get(admin_url(Skill, "changelist")).status_code == 200
    assert client.get(admin_url(Skill, "import")).status_code == 403


class TestSkillForm:
    def test_hr_is_offered_an_anchor_row_for_each_level(self, client, org):
        client.force_login(org.hr_user)

        formset = client.get(admin_url(Skill, "add")).context["inline_admin_formsets"][0].formset

        assert [form["level"].value() for form in formset.forms] == [1, 2, 3, 4]

    def test_only_the_levels_hr_describes_are_saved(self, client, org):
        category = SkillCategoryFactory()
        client.force_login(org.hr_user)
        data = admin_form_data(client.get(admin_url(Skill, "add")))
        data.update(
            {
                "name": "Data modelling",
                "category": category.pk,
                "anchors-0-description": "Reads a data model",
                "anchors-2-description": "Designs models for a product",
            }
        )

        response = client.post(admin_url(Skill, "add"), data)

        assert response.status_code == 302, response.context["adminform"].form.errors
        skill = Skill.objects.get(name="Data modelling")
        assert skill.slug == "data-modelling"
        assert list(skill.anchors.values_list("level", flat=True)) == [1, 3]

    def test_the_change_page_offers_only_the_levels_still_missing(self, client, org):
        anchor = AnchorFactory(level=2)
        client.force_login(org.hr_user)

        formset = client.get(admin_url(Skill, "change", anchor.skill.pk)).context["inline_admin_formsets"][0].formset

        assert [form["level"].value() for form in formset.forms] == [2, 1, 3, 4]


class TestRoleForm:
    def test_hr_changes_a_requirement_through_the_role_form(self, client, org):
        requirement = RequirementFactory(target_level=2)
        MobilityPathFactory(from_role=requirement.role)
        client.force_login(org.hr_user)
        url = admin_url(Role, "change", requirement.role.pk)
        data = admin_form_data(client.get(url))
        assert data["requirements-TOTAL_FORMS"] == 2  # the existing requirement and a blank row
        assert data["requirements-0-id"] == requirement.pk

        data["requirements-0-target_level"] = 4
        response = client.post(url, data)

        assert response.status_code == 302, response.context["errors"]
        requirement.refresh_from_db()
        assert requirement.target_level == 4
        assert RoleRequirement.objects.count() == 1
        assert MobilityPath.objects.count() == 1

    def test_a_path_from_the_role_to_itself_is_refused_on_the_form(self, client, org):
        role = RoleFactory()
        client.force_login(org.hr_user)
        url = admin_url(Role, "change", role.pk)
        data = admin_form_data(client.get(url))
        data.update({"paths_out-TOTAL_FORMS": 1, "paths_out-0-to_role": role.pk, "paths_out-0-kind": "lateral"})

        response = client.post(url, data)

        assert response.status_code == 200
        assert "it cannot go from a role to itself" in response.content.decode()
        assert not MobilityPath.objects.exists()


@pytest.mark.django_db
class TestRoundTrip:
    @pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.__name__)
    def test_reimporting_an_export_changes_nothing(self, resource_class):
        one_of_each()
        one_of_each()
        before = table_counts()
        exported = resource_class().export()
        assert len(exported) > 0

        result = resource_class().import_data(Dataset().load(exported.csv, format="csv"), dry_run=False)

        assert not result.has_errors() and not result.has_validation_errors()
        assert result.totals["new"] == result.totals["update"] == 0
        assert result.totals["skip"] == len(exported)
        assert [row.import_type for row in result.rows] == ["skip"] * len(exported)
        assert table_counts() == before

    def test_an_export_loads_into_an_empty_install_by_names_alone(self):
        one_of_each()
        one_of_each()
        exported = {resource: resource().export().csv for resource in RESOURCES}
        RoleAssignment.objects.all().delete()  # role history protects the roles it names
        for resource in reversed(RESOURCES):
            resource._meta.model.objects.all().delete()

        for resource in RESOURCES:
            result = resource().import_data(Dataset().load(exported[resource], format="csv"), dry_run=False)
            assert not result.has_errors() and not result.has_validation_errors(), resource.__name__
            assert result.totals["new"] == len(result.rows)

        assert {resource: resource().export().csv for resource in RESOURCES} == exported

    def test_skills_are_exported_by_name_without_ids_or_slugs(self):
        SkillFactory(name="SQL", category=SkillCategoryFactory(name="Data"))

        exported = SkillResource().export()

        assert exported.headers == ["name", "category", "kind", "description", "aliases", "external_id"]
        assert exported.dict[0]["category"] == "Data"

    def test_an_xlsx_export_imports_back_unchanged(self):
        one_of_each()
        before = table_counts()
        xlsx = XLSX().export_data(RoleRequirementResource().export())

        result = RoleRequirementResource().import_data(XLSX().create_dataset(xlsx), dry_run=False)

        assert not result.has_errors() and not result.has_validation_errors()
        assert result.totals["skip"] == 1
        assert table_counts() == before


@pytest.mark.django_db
class TestBadRows:
    @pytest.fixture
    def role_and_skills(self):
        role = RoleFactory(title="Data engineer")
        for name in ["SQL", "Python", "Spark"]:
            SkillFactory(name=name)
        return role

    def import_requirements(self, text):
        return RoleRequirementResource().import_data(Dataset().load(text, format="csv"), dry_run=False)

    def test_a_level_out_of_range_is_reported_on_its_row_and_nothing_is_saved(self, role_and_skills):
        before = table_counts()

        result = self.import_requirements(
            "role,skill,target_level,importance,core\n"
            "Data engineer,SQL,3,4,yes\n"
            "Data engineer,Python,2,3,no\n"
            "Data engineer,Spark,7,3,no\n"
        )

        assert result.has_validation_errors()
        [bad_row] = result.invalid_rows
        assert bad_row.number == 3
        assert bad_row.error_dict == {"target_level": [LEVEL_7]}
        assert table_counts() == before

    def test_text_where_a_number_belongs_gets_the_validators_message(self, role_and_skills):
        result = self.import_requirements(
            "role,skill,target_level,importance,core\nData engineer,SQL,three,2.5,maybe\n"
        )

        assert result.invalid_rows[0].error_dict == {
            "target_level": ["Proficiency level must be a whole number, got 'three'."],
            "importance": ["Importance must be a whole number, got '2.5'."],
            "core": ["Expected yes/no (or true/false, 1/0), got 'maybe'."],
        }
        assert not RoleRequirement.objects.exists()

    def test_an_unknown_role_title_is_a_row_error(self, role_and_skills):
        result = self.import_requirements(
            "role,skill,target_level,importance,core\nData engineer,SQL,3,3,no\nData enginer,SQL,3,3,no\n"
        )

        [bad_row] = result.invalid_rows
        assert bad_row.number == 2
        assert bad_row.error_dict == {"role": ["There is no role with title 'Data enginer'."]}
        assert not RoleRequirement.objects.exists()

    def test_a_new_category_is_not_kept_when_another_row_is_bad(self):
        SkillFactory(name="SQL", external_id="esco:1")

        result = SkillResource().import_data(
            Dataset().load(
                "name,category,kind,external_id\n"
                "dbt,Analytics engineering,technical,\n"
                "Airflow,Analytics engineering,technical,esco:2\n"
                "Looker,Analytics engineering,technical,esco:1\n",
                format="csv",
            ),
            dry_run=False,
        )

        assert result.invalid_rows[0].number == 3
        assert result.invalid_rows[0].error_dict == {"external_id": ["Another skill already has this external id."]}
        assert list(Skill.objects.values_list("name", flat=True)) == ["SQL"]
        assert not SkillCategory.objects.filter(name="Analytics engineering").exists()

    def test_a_good_file_creates_missing_categories_and_families(self):
        SkillResource().import_data(
            Dataset().load("name,category,kind\ndbt,Analytics engineering,technical\n", format="csv"), dry_run=False
        )
        RoleResource().import_data(
            Dataset().load("title,family,grade\nAnalytics engineer,Data,2\n", format="csv"), dry_run=False
        )

        assert Skill.objects.get(name="dbt").category.name == "Analytics engineering"
        assert Role.objects.get(title="Analytics engineer").family.name == "Data"

    def test_a_path_to_itself_is_a_row_error(self, role_and_skills):
        result = MobilityPathResource().import_data(
            Dataset().load("from_role,to_role,kind\nData engineer,Data engineer,lateral\n", format="csv"),
            dry_run=False,
        )

        assert "it cannot go from a role to itself" in " ".join(result.invalid_rows[0].non_field_specific_errors)
        assert not MobilityPath.objects.exists()


class TestAdminImport:
    """The two-step admin import: upload (a dry run with a preview), then confirm."""

    def upload(self, client, text):
        return client.post(admin_url(Skill, "import"), {"import_file": csv_file(text), "format": "0", "resource": "0"})

    def confirm(self, client, upload_response):
        confirm_form = upload_response.context["confirm_form"]
        return client.post(admin_url(Skill, "process_import"), confirm_form.initial)

    def test_hr_imports_skills_after_the_preview(self, client, org):
        client.force_login(org.hr_user)

        preview = self.upload(client, "name,category,kind\nSQL,Data,technical\nPython,Data,technical\n")

        assert preview.status_code == 200
        assert [row.import_type for row in preview.context["result"].rows] == ["new", "new"]
        assert not Skill.objects.exists()  # the preview is a dry run

        response = self.confirm(client, preview)

        assert response.status_code == 302
        assert sorted(Skill.objects.values_list("name", flat=True)) == ["Python", "SQL"]

    def test_a_bad_file_shows_its_row_errors_and_saves_nothing(self, client, org):
        SkillFactory(name="SQL", external_id="esco:1")
        before = table_counts()
        client.force_login(org.hr_user)

        response = self.upload(
            client,
            "name,category,kind,external_id\n"
            "dbt,Analytics engineering,technical,\n"
            "Airflow,Analytics engineering,technical,esco:2\n"
            "Looker,Analytics engineering,technical,esco:1\n",
        )

        assert response.status_code == 200
        assert "confirm_form" not in response.context
        page = response.content.decode()
        assert "Some rows failed to validate" in page
        assert "Another skill already has this external id." in page
        assert [row.number for row in response.context["result"].invalid_rows] == [3]
        assert table_counts() == before

    def test_nothing_is_saved_when_the_data_changed_between_preview_and_confirm(self, client, org):
        client.force_login(org.hr_user)
        preview = self.upload(
            client, "name,category,kind,external_id\ndbt,Data,technical,\nLooker,Data,technical,esco:1\n"
        )
        SkillFactory(name="Looker Studio", external_id="esco:1")  # someone else, meanwhile
        before = table_counts()

        response = self.confirm(client, preview)

        assert response.status_code == 302
        assert response.url == admin_url(Skill, "import")
        assert table_counts() == before
        messages = [str(m) for m in response.wsgi_request._messages]
        assert messages == [
            "Nothing was imported: the file no longer passes the checks. Upload it again to see the problems."
        ]

    def test_hr_exports_skills_as_xlsx(self, client, org):
        SkillFactory(name="SQL")
        client.force_login(org.hr_user)
        fields = {
            SelectableFieldsExportForm.create_boolean_field_name(SkillResource, name): "on"
            for name in SkillResource().get_export_order()
        }

        response = client.post(admin_url(Skill, "export"), {"format": "1", "resource": "0", **fields})

        assert response.status_code == 200
        assert response["Content-Type"] == XLSX_TYPE
        assert XLSX().create_dataset(response.content).dict[0]["name"] == "SQL"

    def test_the_import_page_offers_csv_and_xlsx(self, client, org):
        client.force_login(org.hr_user)

        form = client.get(admin_url(Skill, "import")).context["form"]

        assert [label for _, label in form.fields["format"].choices] == ["---", CSV().get_title(), XLSX().get_title()]
