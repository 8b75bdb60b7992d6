"""File imports: ``import_data``, the ``file_import`` service behind it, and ``sync_drop_folder``.

Every test writes a real CSV or XLSX file into ``tmp_path`` and imports it the way HR would.
"""

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from profiles.access import may_see
from profiles.importing import KINDS, file_import
from profiles.importing.loaders import sqlite_datetime_texts
from profiles.models import (
    CareerAspiration,
    Employee,
    LearningRecord,
    PerformanceReview,
    RoleAssignment,
    SkillEvidence,
    SyncRejection,
    SyncRun,
)
from profiles.signals import profile_changed
from profiles.tests.factories import EmployeeFactory, UserFactory
from taxonomy.tests.factories import RoleFactory, SkillFactory

pytestmark = pytest.mark.django_db

LEARNING_HEADER = [column.name for column in KINDS["learning"].columns]
PEOPLE_HEADER = [
    "external_id",
    "first_name",
    "last_name",
    "email",
    "manager_external_id",
    "business_unit",
    "role",
    "hire_date",
    "status",
    "termination_date",
    "voluntary_exit",
]


def write_csv(path, header, rows, *, delimiter=","):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def rejections(run):
    return [(rejection.line, rejection.reason) for rejection in SyncRejection.objects.filter(run=run).order_by("line")]


def learning_row(person, n, **changes):
    row = {
        "employee": person.external_id,
        "activity_id": f"https://lms.example/courses/c{n}",
        "title": f"Course {n}",
        "provider": "LMS",
        "status": "completed",
        "started_at": "2026-01-02T09:00:00Z",
        "completed_at": "2026-01-05T11:30:00Z",
        "score": "0.9",
        "minutes": "90",
        "record_id": f"R{n}",
    }
    row.update(changes)
    return [row[column] for column in LEARNING_HEADER]


@pytest.fixture
def announced():
    """What ``profile_changed`` sends while the test runs (one dict of arguments per send)."""
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    profile_changed.connect(receiver)
    yield received
    profile_changed.disconnect(receiver)


@pytest.fixture
def people(db):
    """Three employees to hang records on."""
    return [EmployeeFactory(external_id=f"E{n}", email=f"person{n}@example.com") for n in range(1, 4)]


class TestLearningImport:
    def test_good_rows_land_and_the_run_counts_them(self, tmp_path, people):
        path = write_csv(
            tmp_path / "learning.csv", LEARNING_HEADER, [learning_row(people[0], 1), learning_row(people[1], 2)]
        )
        run = file_import(path=path, kind="learning")
        assert (run.status, run.source, run.kind, run.name) == (
            SyncRun.Status.SUCCEEDED,
            "file",
            "learning",
            "learning.csv",
        )
        assert (run.received, run.created, run.updated, run.unchanged, run.rejected) == (2, 2, 0, 0, 0)
        record = LearningRecord.objects.get(external_id="R1")
        assert record.employee == people[0]
        assert (record.title, record.status, record.score, record.minutes, record.source) == (
            "Course 1",
            "completed",
            0.9,
            90,
            "file",
        )
        assert record.completed_at == datetime(2026, 1, 5, 11, 30, tzinfo=UTC)
        stored = SyncRun.objects.get(pk=run.pk)
        assert stored.finished_at is not None and stored.created == 2

    def test_the_same_file_twice_changes_nothing_the_second_time(self, tmp_path, people):
        path = write_csv(tmp_path / "learning.csv", LEARNING_HEADER, [learning_row(people[0], n) for n in range(5)])
        file_import(path=path, kind="learning")
        ids = list(LearningRecord.objects.order_by("pk").values_list("pk", "received_at"))
        again = file_import(path=path, kind="learning")
        assert (again.received, again.created, again.updated, again.unchanged) == (5, 0, 0, 5)
        assert list(LearningRecord.objects.order_by("pk").values_list("pk", "received_at")) == ids

    def test_a_changed_row_is_an_update_and_a_new_one_a_create(self, tmp_path, people):
        file_import(path=write_csv(tmp_path / "a.csv", LEARNING_HEADER, [learning_row(people[0], 1)]), kind="learning")
        changed = write_csv(
            tmp_path / "b.csv", LEARNING_HEADER, [learning_row(people[0], 1, score="0.5"), learning_row(people[0], 2)]
        )
        run = file_import(path=changed, kind="learning")
        assert (run.created, run.updated, run.unchanged) == (1, 1, 0)
        assert LearningRecord.objects.get(external_id="R1").score == 0.5

    def test_rows_without_a_record_id_are_matched_on_employee_activity_and_completion(self, tmp_path, people):
        rows = [learning_row(people[0], 1, record_id=""), learning_row(people[0], 1, record_id="", completed_at="")]
        path = write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows)
        assert file_import(path=path, kind="learning").created == 2
        again = file_import(path=path, kind="learning")
        assert (again.created, again.unchanged) == (0, 2)
        assert LearningRecord.objects.count() == 2

    @pytest.mark.parametrize(
        ("changes", "reason"),
        [
            ({"employee": "E999"}, "unknown employee “E999”: no employee has this external id or e-mail"),
            ({"completed_at": "2026-02-31"}, "completed_at is not a date and time: “2026-02-31”"),
            (
                {"status": "done"},
                "status must be one of abandoned, completed, enrolled, failed, in_progress, passed, got “done”",
            ),
            ({"title": "  "}, "title is empty; it is required"),
            ({"score": "1.5"}, "score is scaled between 0 and 1, got “1.5”"),
            ({"minutes": "ninety"}, "minutes is not a number: “ninety”"),
            ({"started_at": "2026-01-06"}, "completed_at is before started_at"),
        ],
    )
    def test_a_bad_row_is_refused_with_its_line_and_reason_while_the_others_land(
        self, tmp_path, people, changes, reason
    ):
        rows = [learning_row(people[0], 1), learning_row(people[0], 2, **changes), learning_row(people[0], 3)]
        run = file_import(path=write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows), kind="learning")
        assert (run.status, run.received, run.created, run.rejected) == (SyncRun.Status.PARTIAL, 3, 2, 1)
        [(line, stored_reason)] = rejections(run)
        assert line == 3  # the header is line 1
        assert stored_reason.startswith(reason)
        assert set(LearningRecord.objects.values_list("external_id", flat=True)) == {"R1", "R3"}
        assert ",https://lms.example/courses/c2," in SyncRejection.objects.get(run=run).raw

    def test_every_problem_of_a_row_is_listed(self, tmp_path, people):
        rows = [learning_row(people[0], 1, employee="nobody", score="2")]
        run = file_import(path=write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows), kind="learning")
        [(line, reason)] = rejections(run)
        assert line == 2 and "unknown employee “nobody”" in reason and "score is scaled between 0 and 1" in reason

    def test_employees_are_found_by_e_mail_and_ids_in_any_case_and_spacing(self, tmp_path, people):
        rows = [learning_row(people[0], 1, employee=" e1 "), learning_row(people[1], 2, employee="PERSON2@Example.com")]
        run = file_import(path=write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows), kind="learning")
        assert run.created == 2
        assert LearningRecord.objects.get(external_id="R2").employee == people[1]

    def test_duplicates_in_one_file_are_merged_and_the_last_row_wins(self, tmp_path, people):
        rows = [learning_row(people[0], 1, score="0.1"), learning_row(people[0], 1, score="0.7")]
        run = file_import(path=write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows), kind="learning")
        assert (run.received, run.created, run.unchanged) == (2, 1, 1)
        assert run.totals.merged == 1
        assert LearningRecord.objects.get().score == 0.7

    def test_a_record_id_of_another_employee_is_refused(self, tmp_path, people):
        file_import(path=write_csv(tmp_path / "a.csv", LEARNING_HEADER, [learning_row(people[0], 1)]), kind="learning")
        run = file_import(
            path=write_csv(tmp_path / "b.csv", LEARNING_HEADER, [learning_row(people[1], 1)]), kind="learning"
        )
        assert rejections(run) == [(2, "learning record R1 already belongs to another employee")]
        assert LearningRecord.objects.get().employee == people[0]

    def test_chunks_land_one_by_one_and_rows_keep_their_line_numbers(self, tmp_path, people):
        rows = [
            learning_row(people[n % 3], n, employee="E999" if n == 7 else people[n % 3].external_id) for n in range(10)
        ]
        run = file_import(
            path=write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows), kind="learning", chunk_rows=3
        )
        assert (run.received, run.created, run.rejected) == (10, 9, 1)
        assert rejections(run)[0][0] == 9

    def test_the_delay_from_completion_to_landing_is_recorded(self, tmp_path, people):
        now = timezone.now()
        rows = [
            learning_row(people[0], n, completed_at=(now - timedelta(hours=hours)).isoformat(), started_at="")
            for n, hours in enumerate([1, 2, 10])
        ]
        run = file_import(path=write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows), kind="learning")
        assert run.max_delay_seconds == pytest.approx(10 * 3600, abs=60)
        assert run.median_delay_seconds == pytest.approx(2 * 3600, abs=60)
        again = file_import(path=write_csv(tmp_path / "again.csv", LEARNING_HEADER, rows), kind="learning")
        assert again.max_delay_seconds is None  # nothing landed

    def test_profile_changed_is_sent_after_each_chunk_commits_for_the_changed_employees(
        self, tmp_path, people, announced, django_capture_on_commit_callbacks
    ):
        rows = [learning_row(people[0], 1), learning_row(people[1], 2), learning_row(people[2], 3)]
        path = write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows)
        with django_capture_on_commit_callbacks(execute=True):
            file_import(path=path, kind="learning", chunk_rows=2)
        assert [sorted(call["employee_ids"]) for call in announced] == [[people[0].pk, people[1].pk], [people[2].pk]]
        assert {(call["what"], call["source"]) for call in announced} == {("learning", "file")}
        announced.clear()
        with django_capture_on_commit_callbacks(execute=True):
            file_import(path=path, kind="learning")
        assert announced == []  # nothing changed, nobody to recompute

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="planner settings are PostgreSQL's")
    def test_an_import_inside_a_transaction_leaves_its_planner_settings_behind(self, tmp_path, people):
        # The test runs in a transaction, as a dry run or the demo does: after the import, later
        # queries must be planned as before (it once left hash joins off for the rest of the
        # transaction, and the demo's next aggregate ran for fifteen minutes).
        def settings():
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
                return cursor.fetchone()

        before = settings()
        path = write_csv(tmp_path / "learning.csv", LEARNING_HEADER, [learning_row(people[0], 1)])
        assert file_import(path=path, kind="learning").created == 1
        assert settings() == before == ("on", "on")

    def test_a_bulk_load_with_no_recompute_lands_the_rows_and_queues_nothing(
        self, tmp_path, people, announced, django_capture_on_commit_callbacks
    ):
        path = write_csv(tmp_path / "learning.csv", LEARNING_HEADER, [learning_row(people[0], 1)])
        with django_capture_on_commit_callbacks(execute=True):
            call_command("import_data", "learning", str(path), "--no-recompute", verbosity=0)
        assert LearningRecord.objects.filter(employee=people[0]).count() == 1
        assert announced == []

    def test_every_rejection_is_counted_but_only_the_first_ones_are_kept(self, tmp_path, people, monkeypatch):
        from profiles.importing import service

        monkeypatch.setattr(service, "MAX_STORED_REJECTIONS", 3)
        rows = [learning_row(people[0], n, employee=f"X{n}") for n in range(7)] + [learning_row(people[0], 7)]
        run = file_import(
            path=write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows), kind="learning", chunk_rows=2
        )
        assert (run.received, run.created, run.rejected) == (8, 1, 7)
        assert [line for line, _ in rejections(run)] == [2, 3, 4]

    def test_an_xlsx_file_with_real_dates_and_numbers_imports(self, tmp_path, people):
        rows = [
            [
                people[0].external_id,
                "sql-101",
                "SQL",
                "",
                "Completed",
                datetime(2026, 1, 2, 9, 0),
                datetime(2026, 1, 5, 11, 30),
                0.75,
                45,
                "X1",
            ],
            [None] * 10,
            [123, "sql-102", "SQL 2", "", "in progress", None, None, None, None, "X2"],
        ]
        run = file_import(path=write_xlsx(tmp_path / "learning.xlsx", LEARNING_HEADER, rows), kind="learning")
        record = LearningRecord.objects.get(external_id="X1")
        assert (record.status, record.score, record.minutes) == ("completed", 0.75, 45)
        assert record.completed_at == datetime(2026, 1, 5, 11, 30, tzinfo=UTC)
        assert rejections(run) == [(4, "unknown employee “123”: no employee has this external id or e-mail")]
        assert (run.received, run.created) == (2, 1)  # the blank row is skipped, not counted

    def test_semicolon_separated_files_and_header_spelling_are_accepted(self, tmp_path, people):
        header = ["Employee", "Activity ID", "Title", "Status", "Completed at"]
        path = write_csv(
            tmp_path / "learning.csv", header, [["E1", "a-1", "A course", "passed", "2026-03-01"]], delimiter=";"
        )
        run = file_import(path=path, kind="learning")
        assert run.created == 1
        assert LearningRecord.objects.get().completed_at == datetime(2026, 3, 1, tzinfo=UTC)

    def test_an_excel_csv_with_a_byte_order_mark_and_crlf_line_ends_imports(self, tmp_path, people):
        path = tmp_path / "learning.csv"
        path.write_bytes(
            "\ufeffemployee,activity_id,title,status\r\nE1,a,Café,completed\r\nE9,b,B,completed\r\n".encode()
        )
        run = file_import(path=path, kind="learning")
        assert run.created == 1 and LearningRecord.objects.get().title == "Café"
        assert [line for line, _ in rejections(run)] == [3]

    def test_a_row_with_too_many_cells_is_refused_and_later_lines_keep_their_numbers(self, tmp_path, people):
        path = tmp_path / "learning.csv"
        path.write_text(
            "employee,activity_id,title,status\nE1,a,A,completed\nE1,b,B, with a comma,completed\nE1,c,C,completed\nE9,d,D,completed\n",
            encoding="utf-8",
        )
        run = file_import(path=path, kind="learning")
        assert [line for line, _ in rejections(run)] == [3, 5]
        assert "has 5 cells where the header has 4" in rejections(run)[0][1]
        assert run.created == 2


def test_dates_in_other_formats_are_refused_with_line_and_column_and_the_good_rows_land(tmp_path, people):
    """Day-first, month names, dotted: ambiguous (05/01 is January or May), so refused, never guessed."""
    path = tmp_path / "learning.csv"
    rows = ["2026-01-05", "05/01/2026", "5 Jan 2026", "01.05.2026", "2026-01-06T09:30:00Z"]
    path.write_text(
        "employee,activity_id,title,status,completed_at\n"
        + "".join(f"E1,a{n},Course {n},completed,{when}\n" for n, when in enumerate(rows)),
        encoding="utf-8",
    )
    run = file_import(path=path, kind="learning")
    assert (run.status, run.created, run.rejected) == (SyncRun.Status.PARTIAL, 2, 3)
    refused = rejections(run)
    assert [line for line, _ in refused] == [3, 4, 5]
    assert all(
        reason.startswith("completed_at is not a date and time") and "ISO 8601" in reason for _, reason in refused
    )
    assert set(LearningRecord.objects.values_list("activity_id", flat=True)) == {"a0", "a4"}


class TestUnreadableFiles:
    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"employee,activity_id,title\nE1,a,b\n", "missing column status."),
            (b"employee,activity,title,status\nE1,a,b,completed\n", "unknown column activity"),
            ("employee,activity_id,title,status\nE1,a,Caf\u00e9,completed\n".encode("cp1252"), "not UTF-8 text"),
            # Excel's "Unicode Text" (UTF-16 with a byte-order mark), and UTF-16 without one
            (
                "employee,activity_id,title,status\nE1,a,Caf\u00e9,completed\n".encode("utf-16"),
                "The file is UTF-16 text",
            ),
            ("employee,activity_id,title,status\nE1,a,Caf\u00e9,completed\n".encode("utf-16-le"), "binary data"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel file (.xls)"),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV or XLSX file"),
            (b"PK\x03\x04garbage", "not an Excel workbook"),
            (b"", "The file is empty"),
        ],
    )
    def test_it_changes_nothing_and_says_why(self, tmp_path, people, content, message):
        path = tmp_path / "learning.csv"
        path.write_bytes(content)
        run = file_import(path=path, kind="learning")
        assert run.status == SyncRun.Status.FAILED
        assert message in run.error and run.error.startswith("Nothing was imported")
        assert SyncRun.objects.get(pk=run.pk).error == run.error
        assert LearningRecord.objects.count() == 0 and run.received == 0

    def test_a_bad_byte_far_down_the_file_refuses_it_before_the_first_row_lands(self, tmp_path, people):
        path = tmp_path / "learning.csv"
        lines = ["employee,activity_id,title,status"] + [f"E1,a{n},T,completed" for n in range(5000)]
        path.write_bytes(("\n".join(lines) + "\n").encode() + "E1,z,Caf\u00e9,completed\n".encode("latin-1"))
        run = file_import(path=path, kind="learning", chunk_rows=100)
        assert run.status == SyncRun.Status.FAILED and "line 5002" in run.error
        assert LearningRecord.objects.count() == 0

    def test_the_command_fails_with_the_reason(self, tmp_path, people):
        path = tmp_path / "learning.csv"
        path.write_bytes(b"who,what\nE1,a\n")
        with pytest.raises(CommandError, match="missing columns employee, activity_id, title, status"):
            call_command("import_data", "learning", str(path), verbosity=0)
        assert LearningRecord.objects.count() == 0

    def test_a_run_that_stops_midway_keeps_the_chunks_before_and_says_so(self, tmp_path, people, monkeypatch):
        from profiles.importing import service

        real_merge = service.chunk_merge
        calls = []

        def failing_merge(rows, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise service.DatabaseError("disk full")
            return real_merge(rows, **kwargs)

        monkeypatch.setattr(service, "chunk_merge", failing_merge)
        rows = [learning_row(people[0], n) for n in range(6)]
        run = file_import(
            path=write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows), kind="learning", chunk_rows=3
        )
        assert run.status == SyncRun.Status.FAILED
        assert "stopped at row 5: disk full" in run.error and "rows before it were imported" in run.error
        assert (run.received, run.created) == (3, 3)
        assert LearningRecord.objects.count() == 3

    def test_a_file_broken_further_down_keeps_the_chunks_before_and_says_where_it_stopped(self, tmp_path, people):
        path = tmp_path / "learning.csv"
        good = "".join(f"E1,a{n},Course,completed\n" for n in range(6))
        path.write_text(f'employee,activity_id,title,status\n{good}E1,"never closed,T,completed\nE1,b,B,completed\n')
        run = file_import(path=path, kind="learning", chunk_rows=3)
        assert run.status == SyncRun.Status.FAILED
        assert "The import stopped at row 8: An opening quote on line 8 is never closed" in run.error
        assert (run.received, run.created) == (6, 6)


class TestImportsWhoseProcessDied:
    """A killed importer leaves its run "running" (talent/tests/test_fault_import.py kills a real
    one); the sweep marks runs silent for half an hour as failed. Here the silence is written."""

    @pytest.fixture
    def runs(self, db):
        from core.heartbeat import ABANDONED_AFTER

        long_ago = timezone.now() - ABANDONED_AFTER - timedelta(minutes=1)

        def run(status=SyncRun.Status.RUNNING, heartbeat_at=long_ago, **fields):
            made = SyncRun.objects.create(source=SyncRun.Source.FILE, kind="learning", status=status, **fields)
            SyncRun.objects.filter(pk=made.pk).update(heartbeat_at=heartbeat_at, started_at=long_ago)
            return made

        return run

    def test_the_scheduled_sweep_fails_a_silent_run_and_says_why(self, runs):
        from profiles.tasks import abandoned_imports_task

        silent = runs(received=3000, created=3000)
        assert abandoned_imports_task() == 1
        silent.refresh_from_db()
        assert silent.status == SyncRun.Status.FAILED and silent.finished_at is not None
        assert silent.error == (
            "The import stopped without finishing: its process stopped (no sign of life for 30 minutes). The rows "
            "it counts were imported; nothing of its unfinished chunk was applied. Import the whole file again: rows "
            "already imported will count as unchanged."
        )
        assert (silent.received, silent.created) == (3000, 3000)

    def test_it_leaves_alone_a_run_still_beating_finished_runs_and_uploads_waiting_for_a_worker(self, runs):
        from profiles.tasks import abandoned_imports_task

        beating = runs(heartbeat_at=timezone.now() - timedelta(minutes=5))
        done = runs(status=SyncRun.Status.SUCCEEDED)
        waiting = runs(status=SyncRun.Status.QUEUED, heartbeat_at=None)
        assert abandoned_imports_task() == 0
        assert [SyncRun.objects.get(pk=run.pk).status for run in (beating, done, waiting)] == [
            SyncRun.Status.RUNNING,
            SyncRun.Status.SUCCEEDED,
            SyncRun.Status.QUEUED,
        ]

    def test_the_next_import_sweeps_first_and_beats_its_own_heartbeat(self, runs, tmp_path, people):
        silent = runs()
        started = timezone.now()
        run = file_import(
            path=write_csv(tmp_path / "l.csv", LEARNING_HEADER, [learning_row(people[0], 1)]), kind="learning"
        )
        silent.refresh_from_db()
        assert silent.status == SyncRun.Status.FAILED and "its process stopped" in silent.error
        assert run.status == SyncRun.Status.SUCCEEDED
        assert SyncRun.objects.get(pk=run.pk).heartbeat_at >= started

    def test_a_dry_run_sweeps_nothing(self, runs, tmp_path, people):
        silent = runs()
        file_import(
            path=write_csv(tmp_path / "l.csv", LEARNING_HEADER, [learning_row(people[0], 1)]),
            kind="learning",
            dry_run=True,
        )
        assert SyncRun.objects.get(pk=silent.pk).status == SyncRun.Status.RUNNING

    def test_a_queued_upload_whose_run_was_swept_is_not_imported_and_its_file_goes(self, runs, tmp_path, people):
        from profiles.importing.tasks import uploaded_file_import

        path = write_csv(tmp_path / "upload.csv", LEARNING_HEADER, [learning_row(people[0], 1)])
        swept = runs(status=SyncRun.Status.FAILED)
        uploaded_file_import(swept.pk, str(path))
        assert not path.exists() and LearningRecord.objects.count() == 0


class TestReviewsImport:
    HEADER = ["employee", "period", "reviewer", "score", "goal_attainment", "commentary", "submitted_at"]

    def test_one_review_per_employee_and_period_updated_in_place(self, tmp_path, people):
        first = write_csv(
            tmp_path / "r1.csv", self.HEADER, [["E1", "2026-h1", "E2", "4", "0.8", "Solid", "2026-07-01T10:00:00Z"]]
        )
        run = file_import(path=first, kind="reviews")
        review = PerformanceReview.objects.get()
        assert (review.period, review.reviewer, review.score, review.goal_attainment) == (
            "2026-H1",
            people[1],
            Decimal("4.0"),
            0.8,
        )
        assert run.created == 1
        second = write_csv(
            tmp_path / "r2.csv", self.HEADER, [["e1", "2026-H1", "E2", "4.5", "0.8", "Solid", "2026-07-01T10:00:00Z"]]
        )
        run = file_import(path=second, kind="reviews")
        assert (run.created, run.updated) == (0, 1)
        assert PerformanceReview.objects.get().score == Decimal("4.5")
        assert file_import(path=second, kind="reviews").unchanged == 1

    @pytest.mark.parametrize(
        ("row", "reason"),
        [
            (
                ["E1", "2026-H2", "", "6", "", "", "2026-07-01"],
                "score must be between 1 and 5, with at most one decimal, got “6”",
            ),
            (
                ["E1", "2026-H2", "", "3.25", "", "", "2026-07-01"],
                "score must be between 1 and 5, with at most one decimal",
            ),
            (["E1", "", "", "3", "", "", "2026-07-01"], "period is empty; it is required"),
            (["E1", "2026-H2", "", "3", "", "", "yesterday"], "submitted_at is not a date and time: “yesterday”"),
            (["E1", "2026-H2", "E77", "3", "", "", "2026-07-01"], "unknown reviewer “E77”"),
            (["E1", "2026-H2", "", "3", "2", "", "2026-07-01"], "goal_attainment is the share of goals met"),
        ],
    )
    def test_bad_rows_are_refused(self, tmp_path, people, row, reason):
        good = ["E2", "2026-H2", "", "3", "", "", "2026-07-01"]
        run = file_import(path=write_csv(tmp_path / "r.csv", self.HEADER, [good, row]), kind="reviews")
        [(line, stored)] = rejections(run)
        assert line == 3 and stored.startswith(reason)
        assert PerformanceReview.objects.get().employee == people[1]


class TestEvidenceImport:
    HEADER = ["employee", "skill", "level", "source", "observed_at", "confidence", "note", "evidence_id"]

    def test_skills_are_found_by_name_or_external_id_and_evidence_is_never_rewritten(self, tmp_path, people):
        python = SkillFactory(name="Python", external_id="esco:python")
        sql = SkillFactory(name="SQL")
        rows = [
            ["E1", "python", "3", "manager", "2026-05-01", "0.9", "Code review", "EV1"],
            ["E1", "ESCO:PYTHON", "2", "Self-assessment", "2026-04-01", "", "", ""],
            ["E2", " sql ", "1", "assessment", "2026-05-02", "", "", ""],
        ]
        path = write_csv(tmp_path / "evidence.csv", self.HEADER, rows)
        run = file_import(path=path, kind="evidence")
        assert run.created == 3
        assert set(SkillEvidence.objects.values_list("skill", "source", "level")) == {
            (python.pk, "manager", 3),
            (python.pk, "self", 2),
            (sql.pk, "assessment", 1),
        }
        assert file_import(path=path, kind="evidence").unchanged == 3
        rewritten = write_csv(
            tmp_path / "again.csv", self.HEADER, [["E1", "Python", "4", "manager", "2026-05-01", "0.9", "", "EV1"]]
        )
        run = file_import(path=rewritten, kind="evidence")
        [(line, reason)] = rejections(run)
        assert line == 2 and reason.startswith("evidence EV1 was already recorded with different values")
        assert SkillEvidence.objects.get(external_id="EV1").level == 3

    def test_a_link_to_the_evidence_lands_and_a_bad_one_is_refused_with_its_line(self, tmp_path, people):
        SkillFactory(name="SQL")
        header = ["employee", "skill", "level", "source", "observed_at", "evidence_url"]
        rows = [
            ["E1", "SQL", "3", "assessment", "2026-05-01", "https://lms.example/certificates/41"],
            ["E2", "SQL", "2", "assessment", "2026-05-01", "lms.example/certificates/42"],
        ]
        run = file_import(path=write_csv(tmp_path / "evidence.csv", header, rows), kind="evidence")
        [(line, reason)] = rejections(run)
        assert line == 3 and reason.startswith("evidence_url is not a web address: “lms.example/certificates/42”")
        assert SkillEvidence.objects.get().evidence_url == "https://lms.example/certificates/41"

    @pytest.mark.parametrize(
        ("row", "reason"),
        [
            (["E1", "Cobol", "2", "self", "2026-05-01"], "unknown skill “Cobol”"),
            (
                ["E1", "SQL", "5", "self", "2026-05-01"],
                "level must be a whole number from 0 (none) to 4 (mastery), got “5”",
            ),
            (["E1", "SQL", "2.5", "self", "2026-05-01"], "level must be a whole number from 0 (none) to 4 (mastery)"),
            (["E1", "SQL", "", "self", "2026-05-01"], "level is empty; it is required"),
            (
                ["E1", "SQL", "2", "gut feeling", "2026-05-01"],
                "source must be one of assessment, inferred, learning, manager, peer, review, self",
            ),
            (["E1", "SQL", "2", "self", "01/05/2026"], "observed_at is not a date and time: “01/05/2026”"),
            (["", "SQL", "2", "self", "2026-05-01"], "employee is empty; it is required"),
        ],
    )
    def test_bad_rows_are_refused(self, tmp_path, people, row, reason):
        SkillFactory(name="SQL")
        header = self.HEADER[:5]
        run = file_import(
            path=write_csv(tmp_path / "e.csv", header, [["E2", "SQL", "2", "self", "2026-05-01"], row]), kind="evidence"
        )
        [(line, stored)] = rejections(run)
        assert line == 3 and stored.startswith(reason)
        assert SkillEvidence.objects.get().employee == people[1]


class TestAspirationsImport:
    HEADER = ["employee", "target_role", "interests", "stated_at"]

    def test_aspirations_are_kept_as_history_and_need_a_goal(self, tmp_path, people):
        lead = RoleFactory(title="Team Lead")
        rows = [
            ["E1", "team lead", "Coaching", "2026-01-01T08:00:00Z"],
            ["E1", "", "Data science", "2026-06-01T08:00:00Z"],
            ["E2", "", "", "2026-06-01T08:00:00Z"],
            ["E2", "Astronaut", "", "2026-06-01T08:00:00Z"],
        ]
        run = file_import(path=write_csv(tmp_path / "a.csv", self.HEADER, rows), kind="aspirations")
        assert run.created == 2
        assert rejections(run) == [
            (4, "An aspiration needs a target role, interests, or both."),
            (5, "unknown role “Astronaut”"),
        ]
        assert CareerAspiration.objects.filter(employee=people[0]).count() == 2
        assert CareerAspiration.objects.get(target_role=lead).interests == "Coaching"

    def test_roles_not_wanted_are_set_from_a_semicolon_list_and_unknown_ones_named(self, tmp_path, people):
        lead = RoleFactory(title="Team Lead")
        sales = RoleFactory(title="Sales Manager")
        header = [*self.HEADER, "not_wanted_roles"]
        rows = [
            ["E1", "", "Coaching", "2026-01-01T08:00:00Z", "team lead ;  SALES manager"],
            ["E2", "", "Data", "2026-01-01T08:00:00Z", "Sales Manager; Astronaut; Pilot"],
            ["E2", "team lead", "", "2026-02-01T08:00:00Z", "Team Lead"],
        ]
        run = file_import(path=write_csv(tmp_path / "a.csv", header, rows), kind="aspirations")
        assert run.created == 1
        assert rejections(run) == [
            (3, "not_wanted_roles: unknown role “Astronaut”, “Pilot” (separate role titles with ;)"),
            (
                4,
                "not_wanted_roles: The role you aim for cannot also be a role you do not want; "
                "take it out of one list.",
            ),
        ]
        first = CareerAspiration.objects.get(employee=people[0])
        assert set(first.not_wanted_roles.all()) == {lead, sales}
        # The same file again changes nothing; a blank cell clears the list and counts as an update.
        again = file_import(path=write_csv(tmp_path / "a.csv", header, rows[:1]), kind="aspirations")
        assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
        cleared = file_import(path=write_csv(tmp_path / "b.csv", header, [[*rows[0][:4], ""]]), kind="aspirations")
        assert (cleared.updated, list(first.not_wanted_roles.all())) == (1, [])
        # A file without the column leaves what was recorded.
        first.not_wanted_roles.set([sales])
        file_import(path=write_csv(tmp_path / "c.csv", self.HEADER, [rows[0][:4]]), kind="aspirations")
        assert list(first.not_wanted_roles.all()) == [sales]


class TestPeopleImport:
    def test_people_are_created_with_reporting_lines_from_managers_later_in_the_file(self, tmp_path, db):
        engineer = RoleFactory(title="Engineer")
        rows = [
            ["P3", "Cara", "Report", "Cara@Example.com", "p2", "Engineering", "engineer", "2024-03-01", "", "", ""],
            ["P2", "Bob", "Manager", "bob@example.com", "P1", "Engineering", "", "2020-01-01", "", "", ""],
            ["P4", "Dan", "  Peer ", "", "P2", "engineering", "Engineer", "", "active", "", ""],
            ["P1", "Ann", "Director", "ann@example.com", "", "Board", "", "", "", "", ""],
        ]
        run = file_import(path=write_csv(tmp_path / "people.csv", PEOPLE_HEADER, rows), kind="people", chunk_rows=2)
        assert (run.status, run.created, run.rejected) == (SyncRun.Status.SUCCEEDED, 4, 0)
        ann, bob, cara, dan = (Employee.objects.get(external_id=key) for key in ("P1", "P2", "P3", "P4"))
        assert (cara.manager, bob.manager, dan.manager, ann.manager) == (bob, ann, bob, None)
        assert cara.email == "cara@example.com" and dan.last_name == "Peer" and cara.role == engineer
        assert cara.business_unit == dan.business_unit and cara.business_unit.name == "Engineering"
        assert cara.org_path == f"/{ann.pk}/{bob.pk}/{cara.pk}/"
        bob.user = UserFactory(username="bob@example.com")
        bob.save()
        assert may_see(bob.user, cara) and not may_see(bob.user, ann)
        hire = RoleAssignment.objects.get(employee=cara)
        assert (hire.role, hire.kind, hire.start_date) == (engineer, "hire", date(2024, 3, 1))
        again = file_import(path=write_csv(tmp_path / "people.csv", PEOPLE_HEADER, rows), kind="people")
        assert (again.created, again.updated, again.unchanged) == (0, 0, 4)

    def test_a_role_change_appends_to_the_role_history(self, tmp_path, db):
        junior = RoleFactory(title="Analyst", grade=1)
        senior = RoleFactory(title="Senior Analyst", family=junior.family, grade=2)
        path = write_csv(
            tmp_path / "people.csv",
            ["external_id", "first_name", "last_name", "role", "hire_date"],
            [["P1", "Ann", "Lee", "Analyst", "2022-01-10"]],
        )
        file_import(path=path, kind="people")
        path = write_csv(
            tmp_path / "people.csv",
            ["external_id", "first_name", "last_name", "role"],
            [["P1", "Ann", "Lee", "Senior Analyst"]],
        )
        run = file_import(path=path, kind="people")
        assert run.updated == 1
        history = list(
            RoleAssignment.objects.filter(employee__external_id="P1")
            .order_by("start_date")
            .values_list("role", "kind", "start_date", "end_date")
        )
        today = timezone.localdate()
        assert history == [(junior.pk, "hire", date(2022, 1, 10), today), (senior.pk, "promotion", today, None)]
        assert Employee.objects.get(external_id="P1").hire_date == date(2022, 1, 10)  # not in the file: kept

    def test_an_unknown_title_keeps_the_role_and_is_noted(self, tmp_path, db):
        analyst = RoleFactory(title="Analyst")
        EmployeeFactory(external_id="P1", role=analyst, first_name="Ann", last_name="Lee")
        path = write_csv(
            tmp_path / "people.csv",
            ["external_id", "first_name", "last_name", "role"],
            [["P1", "Ann", "Lee", "Wizard"]],
        )
        run = file_import(path=path, kind="people")
        assert (run.status, run.unchanged, run.rejected) == (SyncRun.Status.PARTIAL, 1, 0)
        assert rejections(run) == [
            (2, "The title “Wizard” matches no role in the taxonomy, so Ann Lee's role was kept as “Analyst”.")
        ]
        assert Employee.objects.get(external_id="P1").role == analyst

    def test_leavers_get_a_leaving_date_and_lose_their_sign_in(self, tmp_path, db):
        person = EmployeeFactory(external_id="P1", user=UserFactory(username="p1@example.com"))
        path = write_csv(
            tmp_path / "people.csv",
            ["external_id", "first_name", "last_name", "status", "voluntary_exit"],
            [["P1", person.first_name, person.last_name, "left", "yes"]],
        )
        assert file_import(path=path, kind="people").updated == 1
        person.refresh_from_db()
        person.user.refresh_from_db()
        assert (person.status, person.termination_date, person.voluntary_exit) == ("left", timezone.localdate(), True)
        assert not person.user.is_active

    @pytest.mark.parametrize(
        ("row", "reason"),
        [
            (["P2", "Bo", "B", "", "P9", "", "", "", "", "", ""], "unknown manager “P9”"),
            (["P2", "Bo", "B", "", "P2", "", "", "", "", "", ""], "an employee cannot be their own manager"),
            (["P2", "", "B", "", "", "", "", "", "", "", ""], "first_name is empty; it is required"),
            (
                ["P2", "Bo", "B", "not-an-address", "", "", "", "", "", "", ""],
                "email “not-an-address” is not an e-mail address",
            ),
            (["P2", "Bo", "B", "", "", "", "", "2026-13-01", "", "", ""], "hire_date is not a date: “2026-13-01”"),
            (
                ["P2", "Bo", "B", "", "", "", "", "2026-01-01", "", "2025-01-01", ""],
                "termination_date is before hire_date",
            ),
            (
                ["P2", "Bo", "B", "", "", "", "", "", "retired", "", ""],
                "status must be one of active, left, got “retired”",
            ),
        ],
    )
    def test_bad_rows_are_refused(self, tmp_path, db, row, reason):
        good = ["P1", "Ann", "A", "", "", "", "", "", "", "", ""]
        run = file_import(path=write_csv(tmp_path / "people.csv", PEOPLE_HEADER, [good, row]), kind="people")
        [(line, stored)] = rejections(run)
        assert line == 3 and stored.startswith(reason)
        assert list(Employee.objects.values_list("external_id", flat=True)) == ["P1"]

    def test_a_reporting_loop_in_the_file_is_broken_and_noted(self, tmp_path, db):
        rows = [["P1", "Ann", "A", "", "P2"], ["P2", "Bob", "B", "", "P1"]]
        run = file_import(path=write_csv(tmp_path / "people.csv", PEOPLE_HEADER[:5], rows), kind="people")
        [(line, reason)] = rejections(run)
        assert line == 3 and reason.startswith("Reporting loop")
        ann, bob = Employee.objects.get(external_id="P1"), Employee.objects.get(external_id="P2")
        assert ann.manager == bob and bob.manager is None
        assert ann.org_path == f"/{bob.pk}/{ann.pk}/"

    def test_people_from_an_xlsx_file(self, tmp_path, db):
        rows = [[1001, "Ann", "Lee", "ann@example.com", None, "Sales", None, date(2021, 5, 4), "Active", None, None]]
        run = file_import(path=write_xlsx(tmp_path / "people.xlsx", PEOPLE_HEADER, rows), kind="people")
        assert (run.error, rejections(run)) == ("", [])
        assert run.created == 1
        ann = Employee.objects.get(external_id="1001")
        assert ann.hire_date == date(2021, 5, 4) and ann.business_unit.name == "Sales"


class TestImportDataCommand:
    def test_it_prints_the_counts_and_the_rejections(self, tmp_path, people, capsys):
        rows = [learning_row(people[0], 1), learning_row(people[0], 2, employee="E404")]
        path = write_csv(tmp_path / "learning.csv", LEARNING_HEADER, rows)
        call_command("import_data", "learning", str(path))
        out = capsys.readouterr().out
        assert "received 2" in out and "created 1" in out and "rejected 1" in out
        assert "line 3: unknown employee “E404”" in out
        run = SyncRun.objects.get()
        assert (run.source, run.kind, run.status) == ("file", "learning", SyncRun.Status.PARTIAL)

    def test_a_dry_run_counts_but_keeps_nothing(self, tmp_path, people, capsys):
        path = write_csv(tmp_path / "learning.csv", LEARNING_HEADER, [learning_row(people[0], 1)])
        call_command("import_data", "learning", str(path), "--dry-run")
        assert "created 1" in capsys.readouterr().out
        assert LearningRecord.objects.count() == 0 and SyncRun.objects.count() == 0


class TestDropFolder:
    def test_files_are_imported_people_first_and_moved_aside(self, tmp_path, db):
        drop = tmp_path / "drop"
        drop.mkdir()
        write_csv(
            drop / "learning-2026-11-20.csv",
            ["employee", "activity_id", "title", "status"],
            [["P1", "a", "A", "completed"]],
        )
        write_csv(drop / "people-2026-11-20.csv", ["external_id", "first_name", "last_name"], [["P1", "Ann", "Lee"]])
        (drop / "reviews.csv").write_bytes(b"nonsense\n1\n")
        (drop / "notes.txt").write_text("not for us")
        with override_settings(DROP_FOLDER=drop):
            call_command("sync_drop_folder", "--min-age", "0", verbosity=0)
        assert sorted(path.name for path in (drop / "done").iterdir()) == [
            "learning-2026-11-20.csv",
            "people-2026-11-20.csv",
        ]
        assert [path.name for path in (drop / "failed").iterdir()] == ["reviews.csv"]
        assert (drop / "notes.txt").exists()
        assert LearningRecord.objects.get().employee.external_id == "P1"
        assert set(SyncRun.objects.values_list("source", "kind", "status")) == {
            ("drop_folder", "people", "succeeded"),
            ("drop_folder", "learning", "succeeded"),
            ("drop_folder", "reviews", "failed"),
        }

    def test_a_file_still_being_written_is_left_for_the_next_run(self, tmp_path, db):
        drop = tmp_path / "drop"
        drop.mkdir()
        write_csv(drop / "people.csv", ["external_id", "first_name", "last_name"], [["P1", "Ann", "Lee"]])
        with override_settings(DROP_FOLDER=drop):
            call_command("sync_drop_folder", "--min-age", "3600", verbosity=0)
        assert (drop / "people.csv").exists() and not Employee.objects.exists()


def test_sqlite_timestamps_are_written_exactly_as_django_writes_them():
    values = [datetime(2026, 1, 5, 11, 30, tzinfo=UTC), datetime(2026, 1, 5, 11, 30, 0, 120, tzinfo=UTC)]
    texts = sqlite_datetime_texts(pd.Series(values, dtype="datetime64[us, UTC]"))
    if connection.vendor == "sqlite":
        assert list(texts) == [connection.ops.adapt_datetimefield_value(value) for value in values]
    assert list(texts) == ["2026-01-05 11:30:00", "2026-01-05 11:30:00.000120"]
