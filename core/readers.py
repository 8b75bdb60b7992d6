"""Open a CSV or XLSX file and hand it over in chunks of plain text cells, never all at once.

``table_open(path)`` looks at the file before anything is imported and raises ``UnreadableFile``
(with a sentence HR can act on) when it is not a CSV or XLSX file, is not UTF-8, is empty or has
no header row. It then yields ``Chunk`` s: a DataFrame of ``str`` columns (blank cells are ``""``),
the row number of each row, and the rows the reader itself had to refuse (a CSV row with more
cells than the header).

Row numbers are what a spreadsheet shows: the header is row 1 and the first data row is row 2.
In a text editor they are line numbers too, unless a quoted cell spans several lines.
Rows whose cells are all blank are skipped and not counted.

What one file may hold is capped (``Limits``), so a broken or hostile file is refused in
seconds instead of tying up a worker for minutes: at most ``IMPORT_MAX_ROWS`` rows under the
header; an Excel workbook is checked unopened against ``IMPORT_XLSX_MAX_UNPACKED_MB`` and a
packing ratio (``xlsx_check``, which every Excel reader calls first); a run of
``BLANK_ROWS_END_SHEET`` blank rows ends a sheet. ``isolated`` reads big files in a child
process with a memory limit. This module does not import Django: that child loads it alone.
"""

import codecs
import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the pre-2007 .xls format
SNIFF_BYTES = 64 * 1024
DECODE_BLOCK = 1 << 20
BAD_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")
EOF_IN_QUOTES = re.compile(r"EOF inside string starting at row (\d+)")  # pandas counts from 0, the header
MB = 1024 * 1024
# Unpacked : packed. Real workbooks stay under about 30 to 1 (each cell names its own row); a zip
# bomb is near 1,000 to 1.
XLSX_MAX_RATIO = 100
# openpyxl hands out a blank row for every row up to the sheet's declared last one (Excel's is
# 1,048,576), so a long enough run of blank rows is taken for the end of the data.
BLANK_ROWS_END_SHEET = 1_000
# How far right of the header an Excel row is looked at for stray values. Without a bound,
# openpyxl pads every row to the sheet's declared width (up to 16,384 columns): a few bytes of
# XML per row would cost a 16,384-cell row each.
COLUMNS_PAST_HEADER = 100
NO_DATA_ROWS = "The file has a header row but no data rows (blank rows do not count), so there is nothing to import."


class UnreadableFile(Exception):
    """The file as a whole cannot be imported; the message says why and what to do.

    ``line`` is the line the problem is on, when there is one (readers that list problems per
    line, like the taxonomy's, show it their own way).
    """

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Limits:
    """What one file may hold: ``max_rows`` rows under the header (blank ones included) and, for an
    Excel workbook, ``max_unpacked_bytes`` once unpacked. Settings ``IMPORT_MAX_ROWS`` and
    ``IMPORT_XLSX_MAX_UNPACKED_MB``."""

    max_rows: int
    max_unpacked_bytes: int

    @classmethod
    def from_settings(cls) -> "Limits":
        from django.conf import settings  # here, not at the top: the reading child process has no Django

        return cls(max_rows=settings.IMPORT_MAX_ROWS, max_unpacked_bytes=settings.IMPORT_XLSX_MAX_UNPACKED_MB * MB)


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

    def __init__(self, path: Path, *, limits: Limits):
        self.path = path
        self.limits = limits
        self.header: list[str] = []

    def chunks(self, size: int, *, usecols: list[str] | None = None) -> Iterator[Chunk]:
        raise NotImplementedError


class CsvTable(Table):
    format = "csv"

    def __init__(self, path: Path, *, head: bytes, limits: Limits):
        super().__init__(path, limits=limits)
        lines = _check_utf8(path)
        if lines - 1 > limits.max_rows:
            raise UnreadableFile(too_many_rows(limits, found=lines - 1))
        first_line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
        # Excel in many European locales saves "CSV" with semicolons; tabs come from copy-paste.
        self.delimiter = max([",", ";", "\t"], key=first_line.count)
        self.raw_header = next(csv.reader([first_line], delimiter=self.delimiter), [])
        self.header = [header_key(name) for name in self.raw_header]

    def chunks(self, size: int, *, usecols: list[str] | None = None) -> Iterator[Chunk]:
        positions = [self.header.index(name) for name in usecols] if usecols else None
        try:
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
        except pd.errors.ParserError as exc:  # the header row is tokenized here
            raise _parser_error(exc) from None
        skipped_so_far = 0
        with reader:
            while True:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        frame = next(reader)
                    except StopIteration:
                        frame = None
                    except pd.errors.ParserError as exc:
                        raise _parser_error(exc) from None
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

    def __init__(self, source: Path | BinaryIO, *, name: str, limits: Limits):
        super().__init__(source, limits=limits)
        self.name = name
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

        xlsx_check(self.path, name=self.name, limits=self.limits)
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
        rows = self._rows(workbook.worksheets[0], width=width)
        try:
            while True:
                columns: list[list[str]] = [[] for _ in wanted]
                lines: list[int] = []
                problems: list[tuple[int, str]] = []
                for number, cells in rows:
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

    def _rows(self, sheet, *, width: int) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of each non-blank row under the header, up to ``BLANK_ROWS_END_SHEET``
        blank rows in a row; a non-blank row past ``IMPORT_MAX_ROWS`` refuses the file."""
        blank_run = 0
        cells_read = sheet.iter_rows(min_row=2, max_col=width + COLUMNS_PAST_HEADER, values_only=True)
        for number, row in enumerate(cells_read, start=2):
            cells = [_cell_text(value) for value in row]
            if not any(cells):
                blank_run += 1
                if blank_run == BLANK_ROWS_END_SHEET:
                    return
                continue
            blank_run = 0
            if number - 1 > self.limits.max_rows:
                raise UnreadableFile(too_many_rows(self.limits))
            yield number, cells


def table_open(path: Path, *, name: str = "", limits: Limits | None = None) -> Table:
    """The file as a ``Table``, or ``UnreadableFile`` saying why it cannot be imported.

    ``name`` is what HR calls the file (an upload is stored under another name); ``limits``
    default to the settings.
    """
    path = Path(path)
    limits = limits or Limits.from_settings()
    head = _head(path)
    if not head.strip():
        raise UnreadableFile("The file is empty: it needs a header row and at least one data row.")
    if head.startswith(ZIP_MAGIC):
        table: Table = XlsxTable(path, name=name or path.name, limits=limits)
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
        table = CsvTable(path, head=head, limits=limits)
    if not any(table.header):
        raise UnreadableFile("The first row is empty: it must hold the column names (see docs/data-formats.md).")
    return table


def read_size(path: Path, *, name: str = "", limits: Limits | None = None) -> int:
    """How many bytes reading the file means parsing: an Excel workbook's unpacked size (checked
    with ``xlsx_check``, so a zip bomb is refused here), else the file's own size."""
    path = Path(path)
    if _head(path).startswith(ZIP_MAGIC):
        return xlsx_check(path, name=name or path.name, limits=limits or Limits.from_settings())
    return path.stat().st_size


def xlsx_check(source: Path | BinaryIO, *, name: str, limits: Limits) -> int:
    """Refuse an Excel workbook that would unpack to too much, before anything unpacks it; return
    its unpacked size. Every reader of .xlsx files calls this first.

    An .xlsx is a zip archive, and a zip of a few hundred KB can unpack to gigabytes: openpyxl
    would spend minutes and gigabytes of memory on it. The archive's directory gives each
    member's unpacked size, and ``zipfile`` (which openpyxl reads through) never hands out more
    than that, so the directory alone decides, and no member is unpacked here.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFile(
            f"The file looks like a zip archive but is not an Excel workbook (.xlsx) that can be read ({exc})."
        ) from None
    unpacked = sum(member.file_size for member in members)
    packed = max(sum(member.compress_size for member in members), 1)
    if unpacked > limits.max_unpacked_bytes:
        raise UnreadableFile(
            f"{name} is an Excel workbook that unpacks to {_size(unpacked)}; one import takes workbooks of at most "
            f"{_size(limits.max_unpacked_bytes)} unpacked. Save the sheet as CSV UTF-8, or split it into smaller files."
        )
    if unpacked > packed * XLSX_MAX_RATIO:
        raise UnreadableFile(
            f"{name} is an Excel workbook of {_size(packed)} that unpacks to {_size(unpacked)} "
            f"({unpacked // packed:,} to 1); a real workbook stays under {XLSX_MAX_RATIO} to 1, so it was not opened. "
            "Save the sheet as CSV UTF-8 and import that."
        )
    return unpacked


def too_many_rows(limits: Limits, *, found: int | None = None) -> str:
    """The sentence for a file over ``IMPORT_MAX_ROWS``; ``found`` is a CSV file's count of lines
    under the header (an Excel sheet is refused at the first row past the limit)."""
    has = f"{found:,} lines under it" if found is not None else "more"
    return (
        f"One import takes at most {limits.max_rows:,} rows under the header, blank ones included; "
        f"this file has {has}. Split it into smaller files."
    )


def unclosed_quote(line: int) -> str:
    """The sentence for a quote that opens a value and is never closed, so the value would run to
    the end of the file (every CSV reader of the platform says it the same way)."""
    return (
        f"An opening quote on line {line} is never closed, so the rest of the file would be read as one value. "
        'Close the quote (a quote inside a quoted value is written twice: "")'
        "."
    )


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record of CSV ``text`` with the line it starts on (the first line is 1), for readers
    built on Python's ``csv`` (the taxonomy's).

    ``csv`` reads a quote that is never closed to the end of the file and hands that out as one
    last value; here it raises ``UnreadableFile`` naming the quote's line instead. A record is
    handed out only once the next one has started, so the last one can be checked first.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    held: tuple[int, list[str]] | None = None
    start = 1
    try:
        for record in reader:
            if held is not None:
                yield held
            held = (start, record)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise UnreadableFile(
                f"The value starting on line {start} runs on for more than {csv.field_size_limit():,} characters: "
                f"{unclosed_quote(start)}",
                line=start,
            ) from None
        raise UnreadableFile(f"The file is not readable as CSV: {exc}.", line=reader.line_num) from None
    if held is not None:
        if _runs_to_the_end(text, held[0]):
            raise UnreadableFile(unclosed_quote(held[0]), line=held[0])
        yield held


def dataset_read(source: Path | BinaryIO, *, name: str = "", limits: Limits | None = None):
    """The whole file as a ``tablib.Dataset`` of text cells, with the header's column keys, for
    django-import-export resources (the catalogue): read by ``table_open`` (or, for bytes already
    in memory, as an Excel workbook), so with the same checks and limits as every import.

    Returns the dataset and the rows the reader refused ((row number, reason)); raises
    ``UnreadableFile`` for a file that cannot be read at all or has no data rows.
    """
    import tablib

    limits = limits or Limits.from_settings()
    if isinstance(source, Path | str):
        table = table_open(Path(source), name=name, limits=limits)
    else:
        table = XlsxTable(source, name=name or "The workbook", limits=limits)
        if not any(table.header):
            raise UnreadableFile("The first row is empty: it must hold the column names.")
    dataset = tablib.Dataset(headers=table.header)
    problems: list[tuple[int, str]] = []
    for chunk in table.chunks(50_000):
        dataset.extend(chunk.frame[table.header].itertuples(index=False, name=None))
        problems += chunk.problems
    if not len(dataset) and not problems:
        raise UnreadableFile(NO_DATA_ROWS)
    return dataset, problems


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnreadableFile(f"The file cannot be opened: {exc.strerror or exc}.") from None


def _size(count: int) -> str:
    """``157_286_400`` -> ``"150.0 MB"``; KB below a megabyte."""
    return f"{count / MB:,.1f} MB" if count >= MB else f"{count / 1024:,.0f} KB"


def _runs_to_the_end(text: str, line: int) -> bool:
    """Whether the record starting on ``line`` is still inside a quoted value at the end of the
    text. Only the last record can be: strict ``csv`` says so ("unexpected end of data"), where
    the lenient reader used above would hand out the rest of the file as its value."""
    lines = io.StringIO(text, newline="")
    for _ in range(line - 1):
        lines.readline()
    try:
        for _record in csv.reader(lines, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _parser_error(exc: pd.errors.ParserError) -> Exception:
    """pandas' tokenizer errors in HR's words where there are some; "out of memory" is a MemoryError."""
    text = str(exc)
    if match := EOF_IN_QUOTES.search(text):
        return UnreadableFile(unclosed_quote(int(match.group(1)) + 1))
    if "out of memory" in text:
        return MemoryError(text)
    return exc


def _check_utf8(path: Path) -> int:
    """Decode the whole file once (fast: ASCII blocks are skipped) so a bad byte on row 900,000
    refuses the file before row 2 is imported, rather than after. Returns the number of lines,
    counting a line end as ``\n``, ``\r\n`` or a lone ``\r`` as pandas does (so the row cap holds
    before any row is imported; a quoted value spanning lines counts each)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    line = 1
    returns = 0
    last = b"\n"
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
            returns += block.count(b"\r")
            offset += len(block)
            last = block[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UnreadableFile("The file is not UTF-8 text: it ends in the middle of a character.") from None
    line_ends = max(line - 1, returns)
    return line_ends + (last not in (b"\n", b"\r"))


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
