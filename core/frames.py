"""Set-based database I/O for pandas frames: the fastest path each database offers.

* PostgreSQL: ``COPY (query) TO STDOUT`` into ``pandas.read_csv`` and ``COPY table FROM STDIN``
  from ``DataFrame.to_csv``: no Python per row in either direction.
* SQLite (the embedded demo database): one ``execute`` + ``fetchall`` and ``executemany``.

Heavy jobs (recompute, imports) use these instead of the ORM; everything else uses the ORM.
"""

import io
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection

from core import tableversions


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def table(model) -> str:
    """The database table of a model, for raw SQL."""
    return model._meta.db_table


def placeholders(values) -> str:
    """``%s, %s, ...``: one placeholder per value, for ``IN (...)``."""
    return ", ".join(["%s"] * len(values))


def age_days_sql(column: str) -> str:
    """SQL for the days between the ``now_param`` parameter and ``column`` (a timestamp)."""
    if is_postgres():
        return f"EXTRACT(EPOCH FROM (%s::timestamptz - {column})) / 86400.0"
    return f"julianday(%s) - julianday({column})"


def now_param(now) -> str:
    """``now`` as the parameter ``age_days_sql`` expects on this database."""
    return now.isoformat() if is_postgres() else now.strftime("%Y-%m-%d %H:%M:%S.%f")


def as_bool(values: pd.Series) -> pd.Series:
    """A boolean column as read back: SQLite gives 1/0, PostgreSQL's COPY t/f."""
    return values.isin([True, 1, "t", "true", "True"])


def as_datetime(values: pd.Series) -> pd.Series:
    """Dates and times as read back (PostgreSQL's COPY text, SQLite's text or datetimes) as UTC
    timestamps, NaT for NULL: the same values from either database."""
    return pd.to_datetime(values, utc=True, format="ISO8601")


def _raw_cursor():
    connection.ensure_connection()
    return connection.connection.cursor()


def read_frame(sql: str, params: list | tuple = (), *, columns: list[str], dtypes: dict | None = None) -> pd.DataFrame:
    """Run ``sql`` (placeholders ``%s``) and return its rows as a frame with ``columns``."""
    dtypes = dtypes or {}
    if is_postgres():
        buffer = io.BytesIO()
        statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
        tableversions.note(statement)  # the raw cursor bypasses Django's execute wrappers
        started = time.perf_counter()
        with _raw_cursor() as cursor, cursor.copy(statement, params) as copy:
            for block in copy:
                buffer.write(block)
        _log(statement, time.perf_counter() - started)
        buffer.seek(0)
        if buffer.getbuffer().nbytes == 0:
            return _empty(columns, dtypes)
        return pd.read_csv(buffer, names=columns, header=None, dtype=dtypes, keep_default_na=True, na_values=[""])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return _empty(columns, dtypes)
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame.astype(dtypes) if dtypes else frame


def _log(statement: str, seconds: float) -> None:
    """Count a COPY like any other query while Django logs them (DEBUG, query-count tests): the raw
    cursor bypasses Django's logging, and a page's query budget should not depend on the database."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": statement, "time": f"{seconds:.3f}"})


@dataclass(frozen=True)
class Select:
    """One SELECT and the frame it reads into: the frame readers (``<app>/frames.py``) build
    these, so a benchmark can also run the very same statement raw (``bench_metrics``).

    ``dates`` are read as text and returned as UTC timestamps (``as_datetime``), ``flags`` as
    booleans (``as_bool``); the other columns take ``dtypes``.
    """

    sql: str
    params: list
    columns: list[str]
    dtypes: dict
    dates: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    def read(self) -> pd.DataFrame:
        frame = read_frame(
            self.sql, self.params, columns=self.columns, dtypes={**self.dtypes, **dict.fromkeys(self.dates, "str")}
        )
        for column in self.dates:
            frame[column] = as_datetime(frame[column])
        for column in self.flags:
            frame[column] = as_bool(frame[column])
        return frame


def _empty(columns, dtypes):
    return pd.DataFrame({name: pd.Series(dtype=dtypes.get(name, "float64")) for name in columns})


def write_frame(table: str, frame: pd.DataFrame, columns: list[str]) -> int:
    """Append the rows of ``frame[columns]`` to ``table``; NaN becomes NULL. Returns the row count."""
    if frame.empty:
        return 0
    data = frame[columns]
    if is_postgres():
        buffer = io.StringIO()
        _whole_floats_as_integers(data).to_csv(buffer, index=False, header=False, na_rep=r"\N")
        buffer.seek(0)
        column_list = ", ".join(f'"{name}"' for name in columns)
        # NULL is \N, so an empty string stays an empty string (not NULL) in text columns.
        with (
            _raw_cursor() as cursor,
            cursor.copy(f"""COPY "{table}" ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')""") as copy,
        ):
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        return len(data)
    marks = placeholders(columns)
    column_list = ", ".join(f'"{name}"' for name in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f'INSERT INTO "{table}" ({column_list}) VALUES ({marks})', python_rows(data))  # noqa: S608 - names are ours
    return len(data)


def _whole_floats_as_integers(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns holding only whole numbers (integer columns with NaN for NULL) written as
    integers, so PostgreSQL accepts them in integer columns ("4", not "4.0")."""
    converted = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind == "f":
            finite = values.dropna().to_numpy()
            if len(finite) and np.all(np.mod(finite, 1) == 0) and np.all(np.abs(finite) < 2**53):
                converted[name] = values.astype("Int64")
    return frame.assign(**converted) if converted else frame


def python_rows(frame: pd.DataFrame) -> list[tuple]:
    """Rows of plain Python values (numpy scalars and NaN become int/float/None) for DB-API drivers."""
    columns = []
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind == "f" and values.isna().any():
            array = values.to_numpy(dtype=object)
            array[values.isna().to_numpy()] = None
            columns.append(array.tolist())
        elif values.dtype.kind == "b":
            columns.append(values.astype(bool).tolist())
        else:
            columns.append(values.tolist())
    return list(zip(*columns, strict=True))


def id_ranges(ids: np.ndarray, chunk_size: int) -> list[tuple[int, int]]:
    """Split sorted ids into half-open ranges ``[low, high)`` of at most ``chunk_size`` ids each."""
    ids = np.sort(np.asarray(ids))
    ranges = []
    for start in range(0, len(ids), chunk_size):
        block = ids[start : start + chunk_size]
        ranges.append((int(block[0]), int(block[-1]) + 1))
    return ranges
