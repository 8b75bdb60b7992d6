"""The audit trail: auditlog records who changed a profile, masks demographics, and bulk writes are summarised."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.urls import reverse

from profiles.audit import MASK, audit_bulk
from profiles.models import (
    CareerAspiration,
    Credential,
    DataQualityFlag,
    Demographics,
    Employee,
    LearningRecord,
    PerformanceReview,
    RoleAssignment,
    SkillEvidence,
    SyncRun,
)
from profiles.quality import last_scan_at, quality_scan
from profiles.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        Employee,
        Demographics,
        SkillEvidence,
        PerformanceReview,
        LearningRecord,
        CareerAspiration,
        RoleAssignment,
        Credential,
    ],
)
def test_the_profile_store_is_audited(model):
    assert auditlog.contains(model)


def test_operational_tables_are_not(db):
    assert not auditlog.contains(DataQualityFlag)
    assert not auditlog.contains(SyncRun)


def test_a_change_made_under_set_actor_is_logged_with_the_actor(org):
    person = org.employee
    with set_actor(org.hr_user):
        person.last_name = "Okafor"
        person.save()
    entry = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).latest()
    assert entry.actor == org.hr_user
    assert entry.changes_dict["last_name"][1] == "Okafor"
    assert "org_path" not in entry.changes_dict and "updated_at" not in entry.changes_dict


def test_a_change_in_the_admin_is_logged_with_the_admin_user(client, org):
    admin_user = UserFactory(username="admin@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    url = reverse("admin:profiles_employee_change", args=[org.employee.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: "" if value is None else value for name, value in form.initial.items() if name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{inline.formset.prefix}-{key}": value for key, value in management.initial.items()})
        data[f"{inline.formset.prefix}-TOTAL_FORMS"] = management.initial["INITIAL_FORMS"]
    data.update(first_name="Renamed", manager=org.director.pk, _save="Save")

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    changes = [entry.changes_dict for entry in LogEntry.objects.get_for_object(org.employee).filter(actor=admin_user)]
    assert any(c.get("first_name", [None, None])[1] == "Renamed" for c in changes)
    assert any("manager" in c for c in changes)


def test_demographic_values_never_reach_the_log(org):
    with set_actor(org.hr_user):
        record = Demographics.objects.create(
            employee=org.employee, gender="Female", ethnicity="Black British", age_band="35-44"
        )
        record.gender = "Non-binary"
        record.save()
    entries = LogEntry.objects.get_for_object(record)
    assert entries.count() == 2
    for entry in entries:
        for field in ("gender", "ethnicity", "age_band", "disability"):
            if field in entry.changes_dict:
                assert entry.changes_dict[field] == [MASK, MASK]
        text = f"{entry.changes} {entry.changes_text} {entry.serialized_data} {entry.object_repr}"
        for value in ("Female", "Non-binary", "Black", "35-44"):
            assert value not in text
    update = entries.get(action=LogEntry.Action.UPDATE)
    assert list(update.changes_dict) == ["gender"] and update.actor == org.hr_user


def test_a_credential_s_hash_is_not_logged(db):
    from profiles.credentials import credential_issue

    credential, _secret = credential_issue(kind=Credential.Kind.SCIM, name="Workday")
    entry = LogEntry.objects.get_for_object(credential).get()
    assert "secret_hash" not in entry.changes_dict
    assert credential.secret_hash not in str(entry.changes)


def test_bulk_writes_bypass_auditlog_so_audit_bulk_summarises_them(org):
    before = LogEntry.objects.count()
    Employee.objects.filter(pk=org.employee.pk).update(cohort="pilot")
    assert LogEntry.objects.count() == before  # what auditlog cannot see

    run = SyncRun.objects.create(
        source=SyncRun.Source.DROP_FOLDER, kind="people", received=1234, created=1200, updated=34
    )
    entry = audit_bulk(
        model=Employee,
        action=LogEntry.Action.CREATE,
        count=1234,
        actor=org.hr_user,
        detail={"sync_run": run.pk, "created": 1200, "updated": 34},
    )

    entry.refresh_from_db()
    assert entry.object_repr == "bulk import: 1,234 rows"
    assert entry.actor == org.hr_user and entry.actor_email == org.hr_user.email
    assert entry.content_type.model_class() is Employee
    assert entry.additional_data["sync_run"] == run.pk and entry.additional_data["count"] == 1234
    assert entry.changes_dict["created"] == ["None", "1200"]
    assert entry in LogEntry.objects.get_for_model(Employee)
    assert "rows: None → 1234" in entry.changes_str


def test_audit_bulk_takes_the_actor_from_the_context(org):
    with set_actor(org.hr_user):
        entry = audit_bulk(model=LearningRecord, action=LogEntry.Action.CREATE, count=1, detail={"sync_run": 7})
    entry.refresh_from_db()
    assert entry.actor == org.hr_user
    assert entry.object_repr == "bulk import: 1 row"


def test_each_scan_leaves_one_entry_that_dates_the_last_scan(org):
    assert last_scan_at() is None
    quality_scan()
    entry = LogEntry.objects.get_for_model(DataQualityFlag).get()
    assert entry.additional_data["opened"] == DataQualityFlag.objects.count()
    assert last_scan_at() == entry.timestamp


def test_an_employee_created_by_a_factory_has_a_creation_entry(db):
    person = EmployeeFactory()
    assert LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.CREATE).exists()
