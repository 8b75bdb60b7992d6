"""The HR data pages: upload a file, the list of deliveries, one delivery with its refused rows."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles.importing import uploads
from profiles.importing.service import KINDS
from profiles.importing.templates import template_rows
from profiles.models import LearningRecord, SyncRejection, SyncRun

pytestmark = pytest.mark.django_db

LEARNING_CSV = (
    b"employee,activity_id,title,status,completed_at\n"
    b"employee@example.com,sql-101,SQL basics,completed,2026-01-05T10:00:00Z\n"
    b"nobody@example.com,sql-102,SQL joins,completed,2026-01-06T10:00:00Z\n"
)


def csv_upload(content=LEARNING_CSV, name="learning.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture(autouse=True)
def drop_folder(tmp_path):
    with override_settings(DROP_FOLDER=tmp_path / "drop"):
        yield tmp_path / "drop"


@pytest.mark.parametrize(
    ("viewer", "status"), [("hr_user", 200), ("manager", 403), ("employee", 403), ("director", 403)]
)
@pytest.mark.parametrize("url_name", ["hr_data:upload", "hr_data:syncs"])
def test_the_pages_are_for_hr_only(client, org, viewer, status, url_name):
    person = getattr(org, viewer)
    client.force_login(person if viewer == "hr_user" else person.user)
    assert client.get(reverse(url_name)).status_code == status


def test_a_delivery_page_is_for_hr_only_and_unknown_runs_are_404(client, org):
    run = SyncRun.objects.create(source=SyncRun.Source.FILE, kind="learning")
    client.force_login(org.manager.user)
    assert client.get(reverse("hr_data:sync", args=[run.pk])).status_code == 403
    client.force_login(org.hr_user)
    assert client.get(reverse("hr_data:sync", args=[run.pk])).status_code == 200
    assert client.get(reverse("hr_data:sync", args=[run.pk + 1])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("hr_data:upload"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_non_hr_upload_is_refused_and_imports_nothing(client, org):
    client.force_login(org.manager.user)
    response = client.post(reverse("hr_data:upload"), {"kind": "learning", "file": csv_upload()})
    assert response.status_code == 403
    assert not SyncRun.objects.exists()


class TestUpload:
    def test_the_form_has_labelled_fields_and_an_empty_state(self, client, org):
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_data:upload")).content.decode()
        assert "<legend>What the file holds</legend>" in page and '<label for="id_file">' in page
        assert "No file has been imported yet" in page

    def test_an_upload_imports_the_good_rows_and_shows_the_run_with_its_rejections(self, client, org, drop_folder):
        client.force_login(org.hr_user)
        response = client.post(reverse("hr_data:upload"), {"kind": "learning", "file": csv_upload()}, follow=True)
        run = SyncRun.objects.get()
        assert response.redirect_chain[-1][0] == reverse("hr_data:sync", args=[run.pk])
        assert (run.source, run.kind, run.name, run.triggered_by) == ("file", "learning", "learning.csv", org.hr_user)
        assert (run.received, run.created, run.rejected, run.status) == (2, 1, 1, SyncRun.Status.PARTIAL)
        assert LearningRecord.objects.get().employee == org.employee
        page = response.content.decode()
        assert "learning.csv: imported with 1 row rejected (1 created, 0 updated, 0 unchanged)" in page
        assert 'class="message warning"' in page  # not the green of a clean import
        assert "unknown employee “nobody@example.com”" in page
        assert list((drop_folder / "uploads").iterdir()) == []  # the stored upload is gone

    def test_an_unreadable_file_is_a_form_error_and_changes_nothing(self, client, org):
        client.force_login(org.hr_user)
        response = client.post(
            reverse("hr_data:upload"), {"kind": "learning", "file": csv_upload(b"name,score\nx,1\n")}
        )
        assert response.status_code == 200
        errors = response.context["form"].errors["file"]
        assert "missing columns employee, activity_id, title, status" in errors[0]
        assert "See the failed run" in response.content.decode()
        assert SyncRun.objects.get().status == SyncRun.Status.FAILED
        assert not LearningRecord.objects.exists()

    def test_a_file_that_is_neither_csv_nor_xlsx_by_name_is_refused_by_the_form(self, client, org):
        client.force_login(org.hr_user)
        response = client.post(reverse("hr_data:upload"), {"kind": "learning", "file": csv_upload(name="learning.pdf")})
        assert "Upload a .csv (UTF-8) or .xlsx file." in response.context["form"].errors["file"]
        assert not SyncRun.objects.exists()

    def test_a_big_upload_is_queued_and_imported_by_the_task(
        self, client, org, monkeypatch, django_capture_on_commit_callbacks
    ):
        monkeypatch.setattr(uploads, "IN_REQUEST_MAX_BYTES", 10)
        client.force_login(org.hr_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("hr_data:upload"), {"kind": "learning", "file": csv_upload()})
        run = SyncRun.objects.get()
        assert response["Location"] == reverse("hr_data:sync", args=[run.pk])
        assert (run.status, run.created, run.rejected) == (
            SyncRun.Status.PARTIAL,
            1,
            1,
        )  # tasks run synchronously in tests
        assert run.finished_at is not None

    def test_a_file_whose_every_row_is_rejected_says_nothing_was_imported(self, client, org):
        rejected = b"employee,activity_id,title,status\nnobody@example.com,sql-101,SQL basics,completed\n"
        client.force_login(org.hr_user)
        response = client.post(
            reverse("hr_data:upload"), {"kind": "learning", "file": csv_upload(rejected)}, follow=True
        )
        page = response.content.decode()
        assert "learning.csv: nothing imported: all 1 row were rejected" in page
        assert 'class="message error"' in page and 'class="message success"' not in page
        assert "Nothing imported</span>" in page and "Succeeded" not in page and "Imported" not in page

    def test_the_help_names_a_document_that_exists(self, client, org, settings):
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_data:upload")).content.decode()
        named = set(re.findall(r"docs/[\w./-]+\.md", page))
        assert named and all((settings.BASE_DIR / path).exists() for path in named)


class TestUploadTemplates:
    @pytest.mark.parametrize("kind", sorted(KINDS))
    def test_each_kind_offers_a_csv_and_an_excel_template_from_the_upload_page(self, client, org, kind):
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_data:upload")).content.decode()
        for file_format in ("csv", "xlsx"):
            url = reverse("hr_data:upload_template", args=[kind, file_format])
            assert f'href="{url}"' in page
            response = client.get(url)
            assert response.status_code == 200
            assert response["Content-Disposition"] == f'attachment; filename="talent-{kind}-template.{file_format}"'

    @pytest.mark.parametrize("file_format", ["csv", "xlsx"])
    @pytest.mark.parametrize("kind", sorted(KINDS))
    def test_a_template_holds_the_header_and_one_example_row_the_importer_reads(self, client, org, kind, file_format):
        client.force_login(org.hr_user)
        content = client.get(reverse("hr_data:upload_template", args=[kind, file_format])).content
        upload = SimpleUploadedFile(f"{kind}.{file_format}", content)
        client.post(reverse("hr_data:upload"), {"kind": kind, "file": upload})
        run = SyncRun.objects.get()
        assert run.error == "" and run.received == 1  # the header is accepted; the example row is read
        rows = template_rows(kind)
        assert rows[0] == [column.name for column in KINDS[kind].columns] and len(rows) == 2

    def test_an_unknown_kind_or_format_is_404(self, client, org):
        client.force_login(org.hr_user)
        assert client.get(reverse("hr_data:upload_template", args=["salaries", "csv"])).status_code == 404
        assert client.get(reverse("hr_data:upload_template", args=["people", "pdf"])).status_code == 404


class TestSyncPages:
    def test_the_list_filters_by_status_as_the_hr_home_links_it(self, client, org):
        SyncRun.objects.create(source=SyncRun.Source.FILE, kind="people", name="good.csv", status="succeeded")
        SyncRun.objects.create(source=SyncRun.Source.FILE, kind="people", name="broken.csv", status="failed")
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_data:syncs") + "?status=failed").content.decode()
        assert "broken.csv" in page and "good.csv" not in page

    def test_the_list_shows_each_run_with_counts_status_and_delay(self, client, org):
        SyncRun.objects.create(
            source=SyncRun.Source.SCIM,
            kind="people",
            name="Workday",
            received=3,
            created=2,
            unchanged=1,
            status=SyncRun.Status.SUCCEEDED,
            max_delay_seconds=5400,
            median_delay_seconds=90,
        )
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_data:syncs")).content.decode()
        assert "HR system (SCIM)" in page and "Workday" in page and "Imported" in page
        assert "1.5 h / 1.5 min" in page

    def test_the_list_costs_the_same_queries_for_many_runs(self, client, org, django_assert_num_queries):
        client.force_login(org.hr_user)
        client.get(reverse("hr_data:syncs"))  # warm the session
        SyncRun.objects.bulk_create(SyncRun(source=SyncRun.Source.FILE, kind="learning") for _ in range(3))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("hr_data:syncs"))
        SyncRun.objects.bulk_create(SyncRun(source=SyncRun.Source.FILE, kind="learning") for _ in range(40))
        with django_assert_num_queries(len(few)):
            client.get(reverse("hr_data:syncs"))

    def test_an_empty_list_says_what_to_do(self, client, org):
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_data:syncs")).content.decode()
        assert "Nothing has been delivered yet" in page and reverse("hr_data:upload") in page

    def test_a_run_shows_its_rejected_rows_with_line_and_reason(self, client, org):
        run = SyncRun.objects.create(
            source=SyncRun.Source.DROP_FOLDER,
            kind="evidence",
            name="evidence.csv",
            received=5,
            created=3,
            rejected=2,
            status=SyncRun.Status.PARTIAL,
        )
        SyncRejection.objects.create(run=run, line=4, reason="unknown skill “Cobol”", raw="E1,Cobol,2,self,2026-05-01")
        SyncRejection.objects.create(
            run=run, line=2, reason="level must be a whole number from 0 (none) to 4 (mastery), got “7”"
        )
        client.force_login(org.hr_user)
        response = client.get(reverse("hr_data:sync", args=[run.pk]))
        page = response.content.decode()
        assert [rejection.line for rejection in response.context["rejections"]] == [2, 4]
        assert "unknown skill “Cobol”" in page and "E1,Cobol,2,self,2026-05-01" in page
        assert "Drop-folder sync" in page and "Imported, some rows rejected" in page
        assert "Imported with 2 rows rejected (3 created, 0 updated, 0 unchanged)" in page

    def test_a_failed_run_shows_why(self, client, org):
        run = SyncRun.objects.create(
            source=SyncRun.Source.FILE,
            kind="people",
            status=SyncRun.Status.FAILED,
            error="Nothing was imported: The file is empty.",
        )
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_data:sync", args=[run.pk])).content.decode()
        assert "Nothing was imported: The file is empty." in page
        assert "the delivery as a whole was refused" in page
