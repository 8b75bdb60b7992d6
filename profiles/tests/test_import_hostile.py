"""Broken and hostile files: what HR sees when a file is a zip bomb, too big, empty under its
header, has a quote that is never closed, or repeats a key.

Every test builds its file on the spot (a zip bomb too: a real workbook whose sheet is swapped
for megabytes of rows that compress several hundred to one) and imports it the way HR would.
"""

import io
import re
import time
import zipfile
from datetime import timedelta
from io import StringIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core import isolated
from core.readers import UnreadableFile, dataset_read
from profiles.importing import file_import, uploads
from profiles.models import Employee, PerformanceReview, SyncRejection, SyncRun
from profiles.tests.factories import EmployeeFactory
from taxonomy.models import Skill

pytestmark = pytest.mark.django_db

REVIEWS_HEADER = ["employee", "period", "score", "submitted_at"]
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    + b"<row>"
    + b"".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>'.encode() for name in REVIEWS_HEADER)
    + b"</row>"
)
BOMB_ROW = (
    b'<row><c t="inlineStr"><is><t>E1</t></is></c><c t="inlineStr"><is><t>2026-H1</t></is></c>'
    b'<c><v>4</v></c><c t="inlineStr"><is><t>2026-07-01</t></is></c></row>'
)


def review(employee="E1", period="2026-H1", score="4", submitted_at="2026-07-01"):
    return [employee, period, score, submitted_at]


def write_csv(path, header, rows):
    path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    return path


def write_xlsx(path, header, rows):
    workbook = openpyxl.Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def with_sheet(path, plain, write_sheet):
    """``plain`` (a workbook) saved as ``path`` with its sheet's XML written by ``write_sheet(member)``."""
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for member in source.infolist():
            if member.filename == SHEET:
                with out.open(SHEET, "w", force_zip64=True) as sheet:
                    write_sheet(sheet)
            else:
                out.writestr(member, source.read(member))
    return path


def zip_bomb(path, *, unpacked_mb):
    """A reviews workbook of a few hundred KB whose sheet unpacks to ``unpacked_mb`` MB of rows."""
    plain = write_xlsx(path.with_name("plain.xlsx"), REVIEWS_HEADER, [])
    block = BOMB_ROW * 1_000

    def sheet(member):
        member.write(SHEET_START)
        for _ in range(unpacked_mb * 1024 * 1024 // len(block)):
            member.write(block)
        member.write(b"</sheetData></worksheet>")

    return with_sheet(path, plain, sheet)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """120 MB of rows in about 350 KB: over the 100 MB an Excel file may unpack to."""
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "reviews.xlsx", unpacked_mb=120)


@pytest.fixture
def person(db):
    return EmployeeFactory(external_id="E1", email="e1@example.com")


@pytest.fixture
def drop_folder(tmp_path):
    with override_settings(DROP_FOLDER=tmp_path / "drop"):
        yield tmp_path / "drop"


def unpacked(path):
    """The workbook's unpacked size as the messages write it."""
    with zipfile.ZipFile(path) as workbook:
        return f"{sum(member.file_size for member in workbook.infolist()) / 1024 / 1024:,.1f} MB"


def notes(run):
    return [(rejection.line, rejection.reason) for rejection in SyncRejection.objects.filter(run=run).order_by("line")]


def upload(client, org, path, *, kind="reviews", name=None):
    client.force_login(org.hr_user)
    file = SimpleUploadedFile(name or path.name, path.read_bytes())
    return client.post(reverse("hr_data:upload"), {"kind": kind, "file": file}, follow=True)


class TestZipBombs:
    def test_a_workbook_that_unpacks_past_the_limit_fails_unopened_and_at_once(self, bomb, person):
        assert bomb.stat().st_size < 1024 * 1024

        started = time.perf_counter()
        run = file_import(path=bomb, kind="reviews")

        assert time.perf_counter() - started < 2
        assert run.status == SyncRun.Status.FAILED
        assert run.error.startswith(
            f"Nothing was imported: reviews.xlsx is an Excel workbook that unpacks to {unpacked(bomb)};"
        )
        assert "at most 100.0 MB unpacked" in run.error
        assert run.received == 0 and not PerformanceReview.objects.exists()

    def test_a_workbook_packed_tighter_than_100_to_1_fails_unopened(self, tmp_path, person):
        path = zip_bomb(tmp_path / "reviews.xlsx", unpacked_mb=5)

        run = file_import(path=path, kind="reviews")

        assert run.status == SyncRun.Status.FAILED
        assert "reviews.xlsx is an Excel workbook of " in run.error and f"unpacks to {unpacked(path)} (" in run.error
        assert "a real workbook stays under 100 to 1, so it was not opened" in run.error

    def test_the_upload_page_refuses_it_in_the_request_and_says_why(self, client, org, bomb, drop_folder):
        client.force_login(org.hr_user)
        client.get(reverse("hr_data:upload"))  # the first request loads every URL's views: not the upload's time
        started = time.perf_counter()
        response = upload(client, org, bomb, name="Reviews H1.xlsx")

        assert time.perf_counter() - started < 3
        run = SyncRun.objects.get()
        assert run.status == SyncRun.Status.FAILED and run.name == "Reviews H1.xlsx"
        message = response.context["form"].errors["file"][0]
        assert f"Reviews H1.xlsx is an Excel workbook that unpacks to {unpacked(bomb)};" in message
        assert list((drop_folder / "uploads").iterdir()) == []

    def test_the_catalogue_command_refuses_it(self, bomb, tmp_path):
        with pytest.raises(CommandError, match=f"reviews.xlsx is an Excel workbook that unpacks to {unpacked(bomb)};"):
            call_command("import_catalogue", str(bomb), stdout=StringIO())

    def test_the_reader_for_admin_imports_refuses_it_from_memory(self, bomb):
        with pytest.raises(
            UnreadableFile, match=f"The workbook is an Excel workbook that unpacks to {unpacked(bomb)};"
        ):
            dataset_read(io.BytesIO(bomb.read_bytes()))

    def test_a_sheet_of_a_few_kilobytes_declared_as_big_as_excel_allows_is_read_in_a_moment(self, tmp_path, person):
        """openpyxl pads every row to the declared width (16,384 columns here) and hands out a blank
        row for every missing one: one cell on Excel's last row makes a million blank rows."""
        plain = write_xlsx(tmp_path / "plain.xlsx", REVIEWS_HEADER, [review(), review(period="2026-H2")])
        with zipfile.ZipFile(plain) as source:
            xml = re.sub(rb'<dimension ref="A1:D3"\s*/>', b'<dimension ref="A1:XFD1048576"/>', source.read(SHEET))
        far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>E1</t></is></c></row></sheetData>'
        xml = xml.replace(b"</sheetData>", far)
        assert b"XFD1048576" in xml and b'r="1048576"' in xml
        path = with_sheet(tmp_path / "reviews.xlsx", plain, lambda member: member.write(xml))
        assert path.stat().st_size < 10_000

        started = time.perf_counter()
        run = file_import(path=path, kind="reviews")

        assert time.perf_counter() - started < 5
        assert (run.status, run.received, run.created) == (SyncRun.Status.SUCCEEDED, 2, 2)  # 1,000 blank rows end it


class TestTheAdminsExcelImport:
    """The admin's import page (django-import-export) reads workbooks with the same reader."""

    def upload(self, client, org, path):
        client.force_login(org.hr_user)
        file = SimpleUploadedFile(path.name, path.read_bytes())
        return client.post(
            reverse("admin:taxonomy_skill_import"), {"import_file": file, "format": "1", "resource": "0"}
        )

    def test_a_zip_bomb_is_refused_and_the_page_says_why(self, client, org, bomb):
        response = self.upload(client, org, bomb)

        assert (
            f"is an Excel workbook that unpacks to {unpacked(bomb)};"
            in response.context["form"].errors["import_file"][0]
        )
        assert not Skill.objects.exists()

    def test_a_sheet_declared_as_big_as_excel_allows_previews_its_rows_in_a_moment(self, client, org, tmp_path):
        plain = write_xlsx(tmp_path / "plain.xlsx", ["name", "category", "kind"], [["SQL", "Data", "technical"]])
        with zipfile.ZipFile(plain) as source:
            xml = re.sub(rb'<dimension ref="A1:C2"\s*/>', b'<dimension ref="A1:XFD1048576"/>', source.read(SHEET))
        xml = xml.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')
        assert b"XFD1048576" in xml
        path = with_sheet(tmp_path / "skills.xlsx", plain, lambda member: member.write(xml))
        client.force_login(org.hr_user)
        client.get(reverse("admin:taxonomy_skill_import"))  # the first request loads every URL's views

        started = time.perf_counter()
        response = self.upload(client, org, path)

        assert time.perf_counter() - started < 5
        assert [row.import_type for row in response.context["result"].rows] == ["new"]


class TestRowLimits:
    def test_a_csv_file_over_the_row_limit_fails_before_any_row_lands(self, tmp_path, person, settings):
        settings.IMPORT_MAX_ROWS = 5
        path = write_csv(tmp_path / "reviews.csv", REVIEWS_HEADER, [review(period=f"2020-Q{n}") for n in range(6)])

        run = file_import(path=path, kind="reviews", chunk_rows=2)

        assert run.status == SyncRun.Status.FAILED
        assert "One import takes at most 5 rows under the header, blank ones included; this file has 6" in run.error
        assert not PerformanceReview.objects.exists()

    def test_a_200_mb_file_over_the_row_limit_fails_at_once_and_changes_nothing(self, tmp_path, person):
        """A real 200 MB file (1,050,000 rows of a long commentary), against the default limit."""
        path = tmp_path / "reviews.csv"
        row = f"{person.external_id},2020-Q1,3,2026-01-15,{'Steady work on the quarterly close. ' * 5}\n".encode()
        with path.open("wb") as handle:
            handle.write(b"employee,period,score,submitted_at,commentary\n")
            for _ in range(1_050):
                handle.write(row * 1_000)
        assert path.stat().st_size > 200 * 1024 * 1024

        started = time.perf_counter()
        run = file_import(path=path, kind="reviews")

        assert run.status == SyncRun.Status.FAILED and run.received == 0
        assert re.search(r"at most 1,?000,?000 rows under the header.*this file has 1,?050,?000", run.error), run.error
        assert not PerformanceReview.objects.exists()
        assert time.perf_counter() - started < 120

    def test_a_sheet_over_the_row_limit_fails(self, tmp_path, person, settings):
        settings.IMPORT_MAX_ROWS = 5
        path = write_xlsx(tmp_path / "reviews.xlsx", REVIEWS_HEADER, [review(period=f"2020-Q{n}") for n in range(6)])

        run = file_import(path=path, kind="reviews")

        assert run.status == SyncRun.Status.FAILED
        assert "One import takes at most 5 rows under the header" in run.error
        assert not PerformanceReview.objects.exists()

    def test_a_thousand_blank_rows_end_a_sheet(self, tmp_path, person):
        path = tmp_path / "reviews.xlsx"
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for row in [REVIEWS_HEADER, review(), [], review(period="2026-H2")]:
            sheet.append(row)
        sheet.cell(row=5 + 1_000, column=1, value="E1")  # under 1,000 blank rows (rows 5 to 1,004)
        workbook.save(path)

        run = file_import(path=path, kind="reviews")

        assert (run.status, run.received, run.created) == (SyncRun.Status.SUCCEEDED, 2, 2)


class TestBigFilesAreReadInAChildProcess:
    """Files over ``IN_PROCESS_MAX_BYTES`` to read go to the task worker and are read there by a
    child process with a memory limit (tasks run at once in tests)."""

    def test_a_big_upload_is_imported_in_the_background_through_the_child(
        self, client, org, tmp_path, person, monkeypatch, drop_folder, django_capture_on_commit_callbacks
    ):
        monkeypatch.setattr(uploads, "IN_REQUEST_MAX_BYTES", 10)
        monkeypatch.setattr(isolated, "IN_PROCESS_MAX_BYTES", 10)
        path = write_csv(tmp_path / "reviews.csv", REVIEWS_HEADER, [review(), review(employee="E404")])

        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, org, path)

        assert "is queued for the task worker at" in response.content.decode()
        run = SyncRun.objects.get()
        assert (run.status, run.created, run.rejected) == (SyncRun.Status.PARTIAL, 1, 1)
        assert notes(run)[0][0] == 3

    def test_a_file_that_needs_more_memory_than_allowed_fails_its_run(
        self, client, org, tmp_path, monkeypatch, settings, drop_folder, django_capture_on_commit_callbacks
    ):
        settings.IMPORT_READ_MEMORY_MB = 16
        monkeypatch.setattr(uploads, "IN_REQUEST_MAX_BYTES", 10)
        monkeypatch.setattr(isolated, "IN_PROCESS_MAX_BYTES", 10)
        path = tmp_path / "reviews.csv"
        with path.open("w") as handle:  # one commentary of 40 MB: the parser must hold it whole
            handle.write('employee,period,score,submitted_at,commentary\nE1,2026-H1,4,2026-07-01,"')
            handle.write("x" * (40 * 1024 * 1024))
            handle.write('"\n')

        with django_capture_on_commit_callbacks(execute=True):
            upload(client, org, path)

        run = SyncRun.objects.get()
        assert run.status == SyncRun.Status.FAILED
        assert "Reading this file needs more than the 16 MB of memory one import may use" in run.error

    def test_the_child_says_what_the_reader_says(self, tmp_path, person, monkeypatch):
        monkeypatch.setattr(isolated, "IN_PROCESS_MAX_BYTES", 0)
        path = tmp_path / "reviews.csv"
        path.write_text('employee,period,score,submitted_at\nE1,2026-H1,4,2026-07-01\nE1,"2026-H2,4,2026-12-01\n')

        run = file_import(path=path, kind="reviews")

        assert run.status == SyncRun.Status.FAILED and "An opening quote on line 3 is never closed" in run.error

    def test_an_upload_no_worker_takes_says_so_and_is_imported_when_one_does(
        self, client, org, tmp_path, person, monkeypatch, drop_folder, django_capture_on_commit_callbacks
    ):
        """The task worker down: the run waits as "queued" (not "running", which the sweep would
        fail after half an hour of silence), HR is told to start the worker, and nothing is lost."""
        from profiles.importing.service import abandoned_imports_fail
        from profiles.importing.tasks import uploaded_file_import

        monkeypatch.setattr(uploads, "IN_REQUEST_MAX_BYTES", 10)
        path = write_csv(tmp_path / "reviews.csv", REVIEWS_HEADER, [review()])
        queued = []
        monkeypatch.setattr(uploads, "_queue", lambda **task: queued.append(task))  # the worker is down

        with django_capture_on_commit_callbacks(execute=True):
            upload(client, org, path)
        run = SyncRun.objects.get()
        page = client.get(reverse("hr_data:sync", args=[run.pk])).content.decode()
        assert run.status == SyncRun.Status.QUEUED and run.heartbeat_at is None
        assert "Queued" in page and "Queued for the task worker at" in page and "Every row was accepted" not in page

        SyncRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(days=1))
        assert abandoned_imports_fail(now=timezone.now()) == 0
        page = client.get(reverse("hr_data:sync", args=[run.pk])).content.decode()
        assert "Waiting for the task worker" in page
        assert "no worker has started it. Check that the task worker (manage.py qcluster) is running" in page
        assert not PerformanceReview.objects.exists()

        uploaded_file_import(queued[0]["run_id"], str(queued[0]["path"]))  # the worker is back
        run.refresh_from_db()
        assert (run.status, run.created) == (SyncRun.Status.SUCCEEDED, 1) and run.heartbeat_at is not None
        assert PerformanceReview.objects.count() == 1 and not queued[0]["path"].exists()

    def test_an_excel_upload_that_unpacks_past_the_threshold_goes_to_the_background(
        self, client, org, tmp_path, person, monkeypatch, drop_folder, django_capture_on_commit_callbacks
    ):
        path = write_xlsx(tmp_path / "reviews.xlsx", REVIEWS_HEADER, [review()])
        with zipfile.ZipFile(path) as workbook:
            unpacked = sum(member.file_size for member in workbook.infolist())
        assert path.stat().st_size < unpacked
        monkeypatch.setattr(uploads, "IN_REQUEST_MAX_BYTES", path.stat().st_size + 1)  # the file fits, unpacked not

        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, org, path)

        assert "is queued for the task worker at" in response.content.decode()
        assert SyncRun.objects.get().created == 1


class TestNoDataRows:
    def test_a_csv_file_with_only_its_header_fails_and_says_so(self, tmp_path, person):
        path = write_csv(tmp_path / "reviews.csv", REVIEWS_HEADER, [])

        run = file_import(path=path, kind="reviews")

        assert run.status == SyncRun.Status.FAILED
        assert run.error == (
            "Nothing was imported: The file has a header row but no data rows (blank rows do not count), "
            "so there is nothing to import."
        )

    def test_a_sheet_of_blank_rows_fails_the_same_way(self, tmp_path, person):
        path = tmp_path / "reviews.xlsx"
        workbook = openpyxl.Workbook()
        workbook.active.append(REVIEWS_HEADER)
        for row in range(2, 6):
            workbook.active.cell(row=row, column=2, value="")
            workbook.active.cell(row=row, column=3).number_format = "0.0"
        workbook.save(path)

        with zipfile.ZipFile(path) as workbook:
            assert b'<row r="5"' in workbook.read(SHEET)  # the blank rows are in the file

        run = file_import(path=path, kind="reviews")

        assert run.status == SyncRun.Status.FAILED and "header row but no data rows" in run.error

    def test_the_upload_page_says_so_rather_than_every_row_was_accepted(self, client, org, tmp_path, drop_folder):
        path = write_csv(tmp_path / "reviews.csv", REVIEWS_HEADER, [])

        response = upload(client, org, path)

        assert "The file has a header row but no data rows" in response.context["form"].errors["file"][0]
        run = SyncRun.objects.get()
        page = client.get(reverse("hr_data:sync", args=[run.pk])).content.decode()
        assert "Every row was accepted" not in page and "header row but no data rows" in page


class TestUnclosedQuotes:
    def test_the_line_of_the_quote_is_named_in_plain_words(self, tmp_path, person):
        path = tmp_path / "reviews.csv"
        path.write_text(
            "employee,period,score,submitted_at,commentary\n"
            'E1,2026-H1,4,2026-07-01,"Shipped it, on time"\n'
            'E1,2026-H2,4,2026-12-01,"Ran the team\n'
            "E1,2027-H1,4,2027-07-01,\n"
        )

        run = file_import(path=path, kind="reviews")

        assert run.status == SyncRun.Status.FAILED
        assert "An opening quote on line 3 is never closed, so the rest of the file would be read as one value" in (
            run.error
        )
        assert "EOF" not in run.error and not PerformanceReview.objects.exists()


class TestRepeatedKeys:
    def test_rows_with_the_same_key_are_merged_and_the_later_row_says_with_which(self, tmp_path, person):
        rows = [review(score="3"), review(period="2026-H2"), review(score="4.5")]
        path = write_csv(tmp_path / "reviews.csv", REVIEWS_HEADER, rows)

        run = file_import(path=path, kind="reviews")

        assert (run.status, run.received, run.created, run.unchanged) == (SyncRun.Status.PARTIAL, 3, 2, 1)
        assert notes(run) == [
            (4, "The same employee and period as line 2: the two rows were merged and the later one's values kept.")
        ]
        assert PerformanceReview.objects.get(period="2026-H1").score == 4.5

    def test_across_chunks_too(self, tmp_path, person):
        rows = [review(score="3"), review(period="2026-H2"), review(period="2027-H1"), review(period="2026-h1")]
        path = write_csv(tmp_path / "reviews.csv", REVIEWS_HEADER, rows)

        run = file_import(path=path, kind="reviews", chunk_rows=2)

        assert notes(run) == [
            (5, "The same employee and period as line 2: the two rows were merged and the later one's values kept.")
        ]
        assert PerformanceReview.objects.get(period="2026-H1").score == 4

    def test_people_with_the_same_external_id_in_any_case(self, tmp_path):
        header = ["external_id", "first_name", "last_name"]
        path = write_csv(
            tmp_path / "people.csv", header, [["p1", "Ann", "Lee"], ["P2", "Bo", "Diaz"], ["P1", "Ann", "Li"]]
        )

        run = file_import(path=path, kind="people")

        assert notes(run) == [
            (4, "The same external_id as line 2: the two rows were merged and the later one's values kept.")
        ]
        assert Employee.objects.get(external_id__iexact="p1").last_name == "Li"


class TestTheTaxonomyAndCatalogueImportsReadAlike:
    TAXONOMY = {
        "skills.csv": "name,category,kind,description,external_id\n",
        "roles.csv": "title,family,grade\n",
        "requirements.csv": "role,skill,target_level,importance,core\n",
        "mobility.csv": "from_role,to_role,kind\n",
    }
    CATALOGUE_HEADER = "title,kind,format,hours,skill,to_level\n"

    def taxonomy(self, tmp_path, **files):
        for name, text in (self.TAXONOMY | files).items():
            (tmp_path / name).write_text(text)
        with pytest.raises(CommandError) as refused:
            call_command("import_taxonomy", str(tmp_path), stdout=StringIO())
        return str(refused.value)

    def catalogue(self, tmp_path, text):
        path = tmp_path / "catalogue.csv"
        path.write_text(text)
        with pytest.raises(CommandError) as refused:
            call_command("import_catalogue", str(path), stdout=StringIO())
        return str(refused.value)

    def test_a_taxonomy_of_headers_only_is_refused(self, tmp_path):
        assert "skills.csv: The file has a header row but no data rows" in self.taxonomy(tmp_path)

    def test_a_taxonomy_file_with_a_quote_never_closed_names_its_line(self, tmp_path):
        skills = (
            self.TAXONOMY["skills.csv"] + 'Python,Engineering,technical,Writes Python,\nSQL,Data,technical,"Queries,\n'
        )

        message = self.taxonomy(tmp_path, **{"skills.csv": skills})

        assert "skills.csv: An opening quote on line 3 is never closed" in message
        assert not Skill.objects.exists()

    def test_a_catalogue_of_a_header_only_is_refused(self, tmp_path):
        assert "The file has a header row but no data rows" in self.catalogue(tmp_path, self.CATALOGUE_HEADER)

    def test_a_catalogue_quote_never_closed_names_its_line(self, tmp_path):
        text = self.CATALOGUE_HEADER + 'SQL basics,course,self_paced,3,SQL,1\n"SQL joins,course,self_paced,3,SQL,2\n'

        assert "An opening quote on line 3 is never closed" in self.catalogue(tmp_path, text)
