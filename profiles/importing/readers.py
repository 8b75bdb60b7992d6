"""Open a CSV or XLSX file and hand it over in chunks of plain text cells, never all at once.

``table_open(path)`` looks at the file before anything is imported and raises ``UnreadableFile``
(with a sentence HR can act on) when it is not a CSV or XLSX file, is not UTF-8, is empty or has
no header row. It then yields ``Chunk`` s: a DataFrame of ``str`` columns (blank cells are ``""``),
the row number of each row, and the rows the reader itself had to refuse (a CSV row with more
cells than the header).

Row numbers are what a spreadsheet shows: the header is row 1 and the first data row is row 2.
In a text editor they are line numbers too, unless a quoted cell spans several lines.
Rows whose cells are all blank are skipped and not counted.
"""

import codecs
import csv
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the pre-2007 .xls format
SNIFF_BYTES = 64 * 1024
DECODE_BLOCK = 1 << 20
BAD_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


class UnreadableFile(Exception):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass
class Chunk:
    frame: pd.DataFrame  # one str column per header column, "" for blank cells
    lines: np.ndarray  # the row number of each row of ``frame``
    problems: list[tuple[int, str]] = field(default_factory=list)  # rows refused while reading

    @property
    def received(self) -> int:
        return len(self.frame) + len(self.problems)


def header_key(name: str) -> str:
    """``" Employee ID "`` -> ``"employee_id"``: header names are matched without case or spacing."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lstrip("\ufeff").lower())


class Table:
    """An opened file: ``header`` (column keys in file order) and ``chunks(size)``."""

    format = ""

    def __init__(self, path: Path):
        self.path = path
        self.header: list[str] = []

    def chunks(self, size: int, *, usecols: list[str] | None = None) -> Iterator[Chunk]:
        raise NotImplementedError


class CsvTable(Table):
    format = "csv"

    def __init__(self, path: Path, *, head: bytes):
        super().__init__(path)
        _check_utf8(path)
        first_line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
        # Excel in many European locales saves "CSV" with semicolons; tabs come from copy-paste.
        self.delimiter = max([",", ";", "\t"], key=first_line.count)
        self.raw_header = next(csv.reader([first_line], delimiter=self.delimiter), [])
        self.header = [header_key(name) for name in self.raw_header]

    def chunks(self, size: int, *, usecols: list[str] | None = None) -> Iterator[Chunk]:
        positions = [self.header.index(name) for name in usecols] if usecols else None
        reader = pd.read_csv(
            self.path,
            sep=self.delimiter,
            header=0,
            names=self.header,
            usecols=positions,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            on_bad_lines="warn",
            chunksize=size,
            engine="c",
        )
        skipped_so_far = 0
        with reader:
            while True:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        frame = next(reader)
                    except StopIteration:
                        frame = None
                bad = sorted(_bad_lines(caught))
                if frame is None:
                    if bad:
                        yield Chunk(pd.DataFrame(columns=usecols or self.header, dtype=str), np.array([], int), bad)
                    return
                lines = frame.index.to_numpy() + 2 + skipped_so_far
                for line, _reason in bad:
                    lines[lines >= line] += 1
                skipped_so_far += len(bad)
                frame = frame.reset_index(drop=True)
                yield _without_blank_rows(Chunk(frame, lines, bad))


class XlsxTable(Table):
    format = "xlsx"

    def __init__(self, path: Path):
        super().__init__(path)
        workbook = self._open()
        try:
            if not workbook.worksheets:
                raise UnreadableFile("The workbook has no sheets.")
            first = next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        finally:
            workbook.close()
        while first and first[-1] is None:
            first = first[:-1]
        self.header = [header_key(_cell_text(value)) for value in first]

    def _open(self):
        import openpyxl

        try:
            return openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises a zoo of types for a zip that is not a workbook
            raise UnreadableFile(
                f"The file looks like a zip archive but is not an Excel workbook (.xlsx) that can be read ({exc})."
            ) from None

    def chunks(self, size: int, *, usecols: list[str] | None = None) -> Iterator[Chunk]:
        """Rows of the first sheet (read-only mode streams the sheet, it is never loaded whole)."""
        wanted = usecols or self.header
        positions = [self.header.index(name) for name in wanted]
        width = len(self.header)
        workbook = self._open()
        rows = workbook.worksheets[0].iter_rows(min_row=2, values_only=True)
        try:
            number = 1
            while True:
                columns: list[list[str]] = [[] for _ in wanted]
                lines: list[int] = []
                problems: list[tuple[int, str]] = []
                for row in rows:
                    number += 1
                    cells = [_cell_text(value) for value in row]
                    if not any(cells):
                        continue
                    if any(cells[width:]):
                        problems.append((number, f"has values beyond the last column of the header ({width} columns)"))
                        continue
                    cells.extend([""] * (width - len(cells)))
                    for target, position in zip(columns, positions, strict=True):
                        target.append(cells[position])
                    lines.append(number)
                    if len(lines) + len(problems) >= size:
                        break
                if not lines and not problems:
                    return
                frame = pd.DataFrame(
                    {name: pd.Series(values, dtype=str) for name, values in zip(wanted, columns, strict=True)}
                )
                yield Chunk(frame, np.array(lines, dtype=np.int64), problems)
        finally:
            workbook.close()


def table_open(path: Path) -> Table:
    """The file as a ``Table``, or ``UnreadableFile`` saying why it cannot be imported."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnreadableFile(f"The file cannot be opened: {exc.strerror or exc}.") from None
    if not head.strip():
        raise UnreadableFile("The file is empty: it needs a header row and at least one data row.")
    if head.startswith(ZIP_MAGIC):
        table: Table = XlsxTable(path)
    elif head.startswith(OLE_MAGIC):
        raise UnreadableFile(
            "This is an old Excel file (.xls). Save it as Excel Workbook (.xlsx) or CSV UTF-8 and upload that."
        )
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(
            "The file is UTF-16 text (Excel's 'Unicode Text'). Save it as 'CSV UTF-8' and upload that."
        )
    elif b"\x00" in head:
        raise UnreadableFile("This is not a CSV or XLSX file: it contains binary data.")
    else:
        table = CsvTable(path, head=head)
    if not any(table.header):
        raise UnreadableFile("The first row is empty: it must hold the column names (see docs/data-formats-people.md).")
    return table


def _check_utf8(path: Path) -> None:
    """Decode the whole file once (fast: ASCII blocks are skipped) so a bad byte on row 900,000
    refuses the file before row 2 is imported, rather than after."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    line = 1
    with path.open("rb") as handle:
        while block := handle.read(DECODE_BLOCK):
            if b"\x00" in block:
                line += block.count(b"\n", 0, block.index(b"\x00"))
                raise UnreadableFile(f"This is not a CSV file: it contains binary data (a NUL byte) on line {line}.")
            if not block.isascii():
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad = exc.start
                    line += block.count(b"\n", 0, bad)
                    raise UnreadableFile(
                        f"The file is not UTF-8 text: the byte 0x{block[bad]:02x} on line {line} (byte {offset + bad + 1}) "
                        "cannot be read. Save it from Excel as 'CSV UTF-8 (Comma delimited)', or convert it to UTF-8."
                    ) from None
            else:
                decoder.decode(b"")
            line += block.count(b"\n")
            offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UnreadableFile("The file is not UTF-8 text: it ends in the middle of a character.") from None


def _bad_lines(caught) -> list[tuple[int, str]]:
    bad = []
    for warning in caught:
        match = BAD_LINE.search(str(warning.message))
        if match:
            line, expected, seen = (int(group) for group in match.groups())
            bad.append(
                (line, f"has {seen} cells where the header has {expected} (a value holding the separator needs quotes)")
            )
    return bad


def _without_blank_rows(chunk: Chunk) -> Chunk:
    frame = chunk.frame
    if frame.empty:
        return chunk
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        blank &= (frame[column] == "").to_numpy()
    if blank.any():
        keep = ~blank
        chunk.frame = frame.loc[keep].reset_index(drop=True)
        chunk.lines = chunk.lines[keep]
    return chunk


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
