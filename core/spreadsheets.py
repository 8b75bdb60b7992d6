"""The spreadsheet formats of every admin import and export, safe to open in Excel or Sheets.

Names and titles arrive from files and from the HR system (SCIM), so an exported cell may start
with ``=``, ``+``, ``-``, ``@`` or a tab: a spreadsheet would run it as a formula
(``=HYPERLINK(...)`` sends data away). django-import-export's own escaping only strips a leading
``=`` and loses the text, so:

* CSV has no cell types: such a cell gets a leading apostrophe, which spreadsheets read as
  "this is text" (the OWASP advice for CSV injection). Numbers such as ``-3`` stay as they are.
* XLSX has cell types: every such cell is written as text, so it reads back exactly as stored.
"""

import io
import re

import tablib
from import_export.formats import base_formats

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralised(value):
    """``value`` as a spreadsheet will show it and never run it."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


class CSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        rows = ([neutralised(cell) for cell in row] for row in dataset)
        return super().export_data(tablib.Dataset(*rows, headers=dataset.headers), **kwargs)


class XLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        """The first sheet, read as every import reads a workbook (``core.readers``):
        a zip bomb is refused unopened, and rows, runs of blank rows and width are capped. The
        reader this replaces pads every row to the size the sheet declares, so a workbook of a few
        KB declaring 16,384 columns and a cell on row 1,048,576 would take the server's memory.
        Cells come as text, as from a CSV file."""
        from core.readers import UnreadableFile, dataset_read

        dataset, refused = dataset_read(io.BytesIO(in_stream))
        if refused:
            raise UnreadableFile("; ".join(f"Row {line} {reason}" for line, reason in refused[:5]) + ".")
        return dataset

    def export_data(self, dataset, **kwargs):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(super().export_data(dataset, **kwargs)))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # text that openpyxl took for a formula
                        cell.data_type = "s"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


FORMATS = [CSV, XLSX]
