"""A template file per kind for HR to fill in: every column the importer reads, in its order,
then one example row (the first example of docs/data-formats.md for that kind).

The header comes from the kind's own columns, so a template can never name a column the
importer refuses; ``test_upload_templates`` imports each one to prove it.
"""

import csv
import io

from openpyxl import Workbook

from .service import KINDS

EXAMPLES: dict[str, dict[str, str]] = {
    "people": {
        "external_id": "E1003",
        "first_name": "Cara",
        "last_name": "Ng",
        "email": "cara.ng@example.com",
        "manager_external_id": "E1002",
        "business_unit": "Engineering",
        "role": "Software Engineer",
        "hire_date": "2023-09-04",
        "status": "active",
    },
    "reviews": {
        "employee": "E1003",
        "period": "2026-H1",
        "reviewer": "E1002",
        "score": "4",
        "goal_attainment": "0.9",
        "commentary": "Shipped the billing rewrite, mentored two juniors",
        "submitted_at": "2026-07-03T16:20:00Z",
    },
    "learning": {
        "employee": "E1003",
        "activity_id": "https://lms.example/courses/sql-101",
        "title": "SQL fundamentals",
        "provider": "Example LMS",
        "status": "passed",
        "started_at": "2026-11-02T09:00:00Z",
        "completed_at": "2026-11-20T10:00:00Z",
        "score": "0.92",
        "minutes": "150",
        "record_id": "LMS-88412",
    },
    "aspirations": {
        "employee": "E1003",
        "target_role": "Engineering Manager",
        "interests": "Coaching, system design",
        "stated_at": "2026-09-30T12:00:00Z",
        "not_wanted_roles": "Sales Manager; Account Executive",
    },
    "evidence": {
        "employee": "E1003",
        "skill": "SQL",
        "level": "3",
        "source": "manager",
        "observed_at": "2026-11-20",
        "confidence": "0.9",
        "note": "Designed the reporting schema",
        "evidence_id": "EV-2026-0041",
    },
}

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def template_rows(kind: str) -> list[list[str]]:
    """The header (every column, required ones first as the importer lists them) and the example."""
    header = [column.name for column in KINDS[kind].columns]
    return [header, [EXAMPLES[kind].get(name, "") for name in header]]


def template_file(*, kind: str, file_format: str) -> bytes:
    rows = template_rows(kind)
    if file_format == "csv":
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        return text.getvalue().encode("utf-8")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    for row in rows:
        sheet.append(row)  # every cell as text, as typed into the example: no formula, no guessed type
    for cells in sheet.iter_rows():
        for cell in cells:
            cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def columns_described(kind: str) -> list[dict]:
    """The columns of a kind for the upload page: name, required or not, other names accepted."""
    return [
        {"name": column.name, "required": column.required, "aliases": column.aliases} for column in KINDS[kind].columns
    ]
