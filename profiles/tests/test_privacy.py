"""One person's data: everything exported, everything erased, demographics reads on the record."""

import json

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from conftest import PASSWORD
from feedback.models import CheckIn, DeepReview, DeepReviewRating, ReviewCycle, Signal
from feedback.tests.fixtures import recommendation_for
from profiles import privacy
from profiles.credentials import credential_issue
from profiles.models import CareerAspiration, Demographics, Employee, PerformanceReview, SkillEvidence
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

SECRET_NOTE = "She told me about her divorce"  # free text that must not survive an erasure
ABOUT_OTHERS = "Peer struggles with deadlines, says employee"


@pytest.fixture
def history(org):
    """The employee with a record in every app: evidence, a review, an aspiration, demographics, a
    check-in, signals they wrote and received, a recommendation."""
    person, skill = org.employee, SkillFactory(name="SQL")
    person.first_name, person.last_name = "Tamsin", "Quillfeather"  # names no other row can hold by chance
    person.save()
    now = timezone.now()
    SkillEvidence.objects.create(
        employee=person, skill=skill, level=3, source="manager", observed_at=now, note=SECRET_NOTE
    )
    PerformanceReview.objects.create(
        employee=person, period="2026", score=4, submitted_at=now, commentary=f"Strong year. {SECRET_NOTE}"
    )
    CareerAspiration.objects.create(employee=person, interests="data engineering, then leading a team", stated_at=now)
    Demographics.objects.create(employee=person, gender="woman", age_band="30-39")
    CheckIn.objects.create(employee=person, manager=org.manager, held_on=now.date(), notes=SECRET_NOTE)
    Signal.objects.create(kind="peer_acknowledgment", employee=org.peer, author=person.user, text=ABOUT_OTHERS)
    Signal.objects.create(kind="self_reflection", employee=person, author=person.user, text="I want to mentor.")
    recommendation_for(person, skill)
    today = now.date()
    cycle = ReviewCycle.objects.create(
        name="2026 Q4", period_start=today, period_end=today, self_due_on=today, manager_due_on=today
    )
    review = DeepReview.objects.create(
        cycle=cycle,
        employee=person,
        manager=org.manager,
        answers=[{"question": "What got in your way?", "answer": SECRET_NOTE}],
        self_comment=SECRET_NOTE,
        manager_comment=SECRET_NOTE,
    )
    DeepReviewRating.objects.create(
        review=review, employee=person, skill=skill, self_level=2, self_note=SECRET_NOTE, manager_note=SECRET_NOTE
    )
    return person


def everything_in_the_database() -> str:
    """Every row of every table, as text, to search for what an erasure must have removed."""
    rows = []
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            rows.append(serializers.serialize("json", model._default_manager.all()))
    return "\n".join(rows)


class TestExport:
    def test_it_holds_every_table_that_points_at_the_person(self, history):
        export = privacy.employee_export(employee=history)
        assert export["employee"]["fields"]["email"] == "employee@example.com"
        assert export["account"]["fields"]["username"] == "employee@example.com"
        assert "password" not in export["account"]["fields"]
        for label in (
            "profiles.SkillEvidence",
            "profiles.PerformanceReview",
            "profiles.CareerAspiration",
            "profiles.Demographics",
            "feedback.CheckIn",
            "feedback.Signal",
            "feedback.DeepReview",
            "feedback.DeepReviewRating",
            "recommendations.Recommendation",
            "auditlog.LogEntry",
        ):
            assert export["records"].get(label), label
        texts = {row["fields"]["text"] for row in export["records"]["feedback.Signal"]}
        assert ABOUT_OTHERS in texts  # what they wrote about others is theirs too
        json.dumps(export, default=str)  # machine-readable as it stands

    def test_it_records_the_export_and_the_read_of_demographics(self, history, org):
        privacy.employee_export(employee=history, by=org.hr_user)
        read = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_repr="demographics read: export").get()
        assert read.actor == org.hr_user and read.additional_data["employees"] == [history.pk]
        assert "woman" not in json.dumps(read.changes) + json.dumps(read.additional_data)
        assert LogEntry.objects.filter(additional_data__privacy="personal data exported", actor=org.hr_user).exists()

    def test_hr_reads_it_as_a_page_and_downloads_it_as_json(self, client, history, org):
        client.force_login(org.hr_user)
        page = client.get(f"/hr/data/people/{history.pk}/")
        assert page.status_code == 200 and SECRET_NOTE in page.content.decode()
        download = client.get(f"/hr/data/people/{history.pk}/?format=json")
        assert download["Content-Disposition"] == f'attachment; filename="employee-{history.pk}.json"'
        assert json.loads(download.content)["employee"]["pk"] == history.pk

    def test_the_page_is_for_hr_only(self, client, history, org):
        client.force_login(org.manager.user)
        assert client.get(f"/hr/data/people/{history.pk}/").status_code == 403

    def test_the_command_writes_the_same_json(self, history, tmp_path):
        target = tmp_path / "export.json"
        call_command("export_person", history.external_id, output=str(target), verbosity=0)
        assert json.loads(target.read_text())["employee"]["pk"] == history.pk

    def test_the_admin_action_downloads_it(self, client, history, org):
        org.hr_user.is_superuser = True
        org.hr_user.save()
        client.force_login(org.hr_user)
        response = client.post("/admin/profiles/employee/", {"action": "export_data", "_selected_action": [history.pk]})
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content)["employee"]["pk"] == history.pk


class TestErasure:
    def test_nothing_that_named_or_described_them_is_left_anywhere(self, history, org):
        evidence_levels = list(SkillEvidence.objects.values_list("level", flat=True))
        reviews = list(PerformanceReview.objects.values_list("score", flat=True))
        privacy.employee_erase(employee=history, by=org.hr_user)

        dump = everything_in_the_database()
        for text in ("employee@example.com", "Tamsin", "Quillfeather", SECRET_NOTE, ABOUT_OTHERS):
            assert text not in dump, (text, dump[max(0, dump.find(text) - 300) : dump.find(text) + 100])
        # The numbers stay, so metrics and aggregates do not move.
        assert list(SkillEvidence.objects.values_list("level", flat=True)) == evidence_levels
        assert list(PerformanceReview.objects.values_list("score", flat=True)) == reviews
        assert not Demographics.objects.filter(employee=history).exists()

    def test_the_erasure_is_recorded_without_the_erased_data(self, history, org):
        name = history.full_name
        privacy.employee_erase(employee=history, by=org.hr_user)
        entry = LogEntry.objects.get(additional_data__privacy="erased")
        assert entry.actor == org.hr_user
        assert name not in json.dumps([entry.object_repr, entry.changes, entry.additional_data])

    def test_they_can_no_longer_sign_in(self, client, history):
        client.force_login(history.user)
        assert client.get("/me/").status_code == 200
        privacy.employee_erase(employee=history)
        assert client.get("/me/").status_code == 302  # the open session ended too
        response = client.post("/accounts/login/", {"login": "employee@example.com", "password": PASSWORD})
        assert response.status_code == 200 and "not correct" in response.content.decode()
        assert client.get("/me/").status_code == 302

    def test_a_later_scim_delivery_of_the_same_person_starts_empty(self, client, history):
        external_id = history.external_id
        privacy.employee_erase(employee=history)
        token = credential_issue(kind="scim", name="HR system")[1]
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": external_id,
            "userName": "employee@example.com",
            "name": {"givenName": "Back", "familyName": "Again"},
            "emails": [{"value": "employee@example.com", "primary": True}],
            "active": True,
        }
        response = client.post(
            "/scim/v2/Users",
            json.dumps(body),
            content_type="application/scim+json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201, response.content
        again = Employee.objects.get(external_id=external_id)
        assert again.pk != history.pk
        assert not SkillEvidence.objects.filter(employee=again).exists()
        assert not Demographics.objects.filter(employee=again).exists()
        assert again.user.pk != get_user_model().objects.get(pk=history.user_id).pk  # not the old account

    def test_a_later_import_of_the_same_external_id_starts_a_new_empty_person(self, history, tmp_path):
        from profiles.importing import file_import

        external_id, email = history.external_id, history.email
        privacy.employee_erase(employee=history)
        people = tmp_path / "people.csv"
        people.write_text(f"external_id,first_name,last_name,email\n{external_id},Back,Again,{email}\n")
        run = file_import(path=people, kind="people")

        assert (run.status, run.created) == ("succeeded", 1), run.error
        again = Employee.objects.get(external_id=external_id)
        assert again.pk != history.pk and again.full_name == "Back Again"
        assert not SkillEvidence.objects.filter(employee=again).exists()
        assert not CareerAspiration.objects.filter(employee=again).exists()
        assert not Demographics.objects.filter(employee=again).exists()
        history.refresh_from_db()
        assert history.first_name != "Tamsin" and history.email == ""  # the erased row stays erased

    def test_the_command_has_a_dry_run(self, history):
        call_command("erase_person", history.external_id, dry_run=True, verbosity=0)
        history.refresh_from_db()
        assert history.email == "employee@example.com"
        call_command("erase_person", history.external_id, verbosity=0)
        history.refresh_from_db()
        assert history.email == "" and history.external_id.startswith("erased-")


def test_every_text_field_that_can_hold_personal_data_is_erased_or_declared_kept():
    """A new table pointing at an employee or a user must say what its text is."""
    undeclared = []
    for model in privacy.linking_fields():
        label = model._meta.label
        if label in privacy.HANDLED_APART | privacy.DELETED_ON_ERASURE:
            continue
        for field in model._meta.fields:
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                declared = privacy.FREE_TEXT.get(label, []) + privacy.KEPT_TEXT.get(label, [])
                if field.name not in declared:
                    undeclared.append(f"{label}.{field.name}")
    assert not undeclared, f"Add to profiles.privacy.FREE_TEXT or KEPT_TEXT: {undeclared}"


def test_the_bias_audit_records_its_read_of_demographics(history):
    import pandas as pd

    from metrics.services import inputs_read

    inputs_read(end=pd.Timestamp(timezone.now()))
    read = LogEntry.objects.get(object_repr="demographics read: bias audit")
    assert read.action == LogEntry.Action.ACCESS and read.additional_data["count"] == 1


def test_the_admin_records_who_opened_the_demographics_list(client, history, org):
    org.hr_user.is_superuser = True
    org.hr_user.save()
    client.force_login(org.hr_user)
    assert client.get("/admin/profiles/demographics/").status_code == 200
    read = LogEntry.objects.get(object_repr="demographics read: admin list")
    assert read.actor == org.hr_user


class TestRetention:
    def test_it_is_off_by_default(self, history, settings):
        assert settings.FREE_TEXT_RETENTION_DAYS == 0
        from profiles.tasks import free_text_retention_task

        assert free_text_retention_task() == {}
        assert Signal.objects.count() == 2

    def test_old_signals_go_and_old_check_ins_keep_their_answers_but_not_their_notes(self, history, org, settings):
        settings.FREE_TEXT_RETENTION_DAYS = 365
        long_ago = timezone.now() - timezone.timedelta(days=400)
        Signal.objects.filter(text=ABOUT_OTHERS).update(created_at=long_ago)
        old = CheckIn.objects.create(
            employee=org.peer, manager=org.manager, held_on=long_ago.date(), notes="old notes", employee_relevance=4
        )
        from profiles.tasks import free_text_retention_task

        assert free_text_retention_task() == {"feedback.Signal": 1, "feedback.CheckIn": 1}
        assert not Signal.objects.filter(text=ABOUT_OTHERS).exists()
        assert Signal.objects.filter(text="I want to mentor.").exists()  # recent: kept
        old.refresh_from_db()
        assert (old.notes, old.employee_relevance) == ("", 4)
        assert CheckIn.objects.get(employee=history).notes == SECRET_NOTE  # recent: kept
        assert LogEntry.objects.filter(additional_data__summary="retention").count() == 2
        assert free_text_retention_task() == {"feedback.Signal": 0, "feedback.CheckIn": 0}  # twice is harmless
