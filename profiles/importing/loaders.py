# ruff: noqa: S608 -- SQL here is built from table and column names (model metadata, constants),
# never from file contents; every value travels as a query parameter or through COPY.
"""Land one checked chunk in its table with set-based SQL, and count exactly what it did.

``chunk_merge`` runs inside the chunk's transaction:

1. Create a temporary staging table shaped like the chunk and bulk-load it: on PostgreSQL with
   ``COPY ... FROM STDIN`` (text format), on SQLite with one ``executemany``.
2. Find each staged row's existing row through the target's ``Match`` es (an external id, else a
   natural key) with ``UPDATE stage ... FROM table``, and in the same statement mark it
   unchanged ('n') when every written column already holds the staged value, else updated ('u').
   Rows matching nothing are new ('c'). The counts come from these marks, so they are exact.
3. Refuse the rows a target's rules refuse (a learning record id that belongs to another
   employee; evidence sent again with different values): marked 'x', returned with reasons.
4. ``UPDATE table ... FROM stage`` for 'u' rows only and ``INSERT ... SELECT`` for 'c' rows, so a
   re-import of the same file writes nothing at all.

The staging table is dropped at the end of the chunk. ``stage_*`` helpers are shared with the
people loader, which adds its own steps (role history, managers) around the same stage.
"""

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
from django.db import connection, models

STAGE = "import_stage"
# PostgreSQL settings for a chunk's statements (see ``staged``).
STAGE_SETTINGS = {"TimeZone": "UTC", "enable_hashjoin": "off", "enable_mergejoin": "off"}
# (PostgreSQL type, SQLite declared type). The SQLite names are Django's own, so a staged value
# gets the same column affinity, and so the same stored form, as the value in the real table.
TYPES = {
    "bigint": ("bigint", "integer"),
    "int": ("integer", "integer"),
    "float": ("double precision", "real"),
    "numeric": ("numeric", "decimal"),
    "text": ("text", "text"),
    "bool": ("boolean", "bool"),
    "date": ("date", "date"),
    "timestamp": ("timestamp with time zone", "datetime"),
}
COPY_NULL = "\\N"


@dataclass(frozen=True)
class Match:
    """How a staged row finds its existing row: equal ``columns`` (table column = stage column,
    the same name). ``when`` = (column, present) limits it to staged rows with/without a value."""

    columns: tuple[str, ...]
    when: tuple[str, bool] | None = None
    nullable: tuple[str, ...] = ()
    table_columns: tuple[str, ...] = ()  # when the table's column names differ from the stage's
    label: str = ""  # the key in HR's words (the file's column names), for notes on repeated keys

    def pairs(self) -> list[tuple[str, str]]:
        return list(zip(self.table_columns or self.columns, self.columns, strict=True))

    def applies(self, rows: pd.DataFrame) -> np.ndarray:
        if self.when is None:
            return np.ones(len(rows), dtype=bool)
        column, present = self.when
        has_value = rows[column].notna().to_numpy()
        return has_value if present else ~has_value


@dataclass(frozen=True)
class Refusal:
    """Staged rows whose existing row matches ``condition`` (SQL over ``{s}``, the stage, and
    ``t``, the existing row; None: any row that would change) are refused; ``reason`` turns the
    staged ``columns`` of each into a sentence."""

    condition: str | None
    columns: tuple[str, ...]
    reason: Callable[..., str]


@dataclass(frozen=True)
class Target:
    model: type[models.Model]
    columns: dict[str, str]  # stage column -> type (see TYPES); "line" is added
    written: tuple[str, ...]  # compared for "unchanged" and written on update and insert
    matches: tuple[Match, ...]
    insert_only: tuple[str, ...] = ()  # staged columns written on insert only
    conflict: tuple[str, ...] = ()  # a unique constraint the insert may race with
    conflict_updates: bool = True  # on such a race, take the file's values (else keep the other writer's)
    refusals: tuple[Refusal, ...] = ()
    inserted_with: Callable[[datetime, str], dict] = lambda now, source: {}  # constant columns of new rows
    updated_with: Callable[[datetime], dict] = lambda now: {}  # constant columns of updated rows

    @property
    def table(self) -> str:
        return self.model._meta.db_table


@dataclass
class Merged:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    landed: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))  # lines created or updated
    refused: list[tuple[int, str]] = field(default_factory=list)


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def same(left: str, right: str) -> str:
    """Null-safe equality."""
    return f"{left} IS NOT DISTINCT FROM {right}" if is_postgresql() else f"{left} IS {right}"


def db_value(value):
    """A constant for a raw query, adapted the way Django adapts it for this database."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


# -- the staging table -------------------------------------------------------------------------


@contextlib.contextmanager
def staged(cursor, columns: dict[str, str]) -> Iterator[None]:
    """The staging table for one chunk, with the session settings its statements need.

    On PostgreSQL the chunk's statements run in UTC and with index probes instead of hash and
    merge joins. Those settings are set for the transaction (``set_config(..., true)``) and put
    back as they were when the chunk is done: the import may run inside a caller's transaction
    (a dry run, the demo), whose later queries must not be planned without hash joins.
    """
    which = 0 if is_postgresql() else 1
    definition = ", ".join(f"{q(name)} {TYPES[kind][which]}" for name, kind in columns.items())
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGE} (line integer PRIMARY KEY, {definition}, target_id bigint, state char(1) DEFAULT 'c')"
    )
    saved = None
    if is_postgresql():
        cursor.execute(f"SELECT {', '.join('current_setting(%s)' for _ in STAGE_SETTINGS)}", list(STAGE_SETTINGS))
        saved = cursor.fetchone()
        # The planner would hash-join a chunk of 50,000 rows with a seq scan of the whole table,
        # which grows with the table; an index probe per staged row costs the same at any size.
        _settings_set(cursor, STAGE_SETTINGS.values())
    try:
        yield
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        if saved is not None:
            _settings_set(cursor, saved)


def _settings_set(cursor, values) -> None:
    """Set ``STAGE_SETTINGS``' parameters to ``values`` until the transaction ends."""
    calls = ", ".join("set_config(%s, %s, true)" for _ in STAGE_SETTINGS)
    cursor.execute(f"SELECT {calls}", [item for pair in zip(STAGE_SETTINGS, values, strict=True) for item in pair])


def stage_load(cursor, rows: pd.DataFrame, columns: dict[str, str]) -> None:
    names = ["line", *columns]
    kinds = ["int", *columns.values()]
    column_list = ", ".join(q(name) for name in names)
    if is_postgresql():
        cells = [_copy_texts(rows[name], kind) for name, kind in zip(names, kinds, strict=True)]
        payload = "\n".join(map("\t".join, zip(*cells, strict=True))) + "\n"
        with cursor.cursor.copy(f"COPY {STAGE} ({column_list}) FROM STDIN") as copy:
            copy.write(payload)
    else:
        values = [_sqlite_values(rows[name], kind) for name, kind in zip(names, kinds, strict=True)]
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(
            f"INSERT INTO {STAGE} ({column_list}) VALUES ({placeholders})", list(zip(*values, strict=True))
        )


def stage_lines(cursor, *, states: str) -> np.ndarray:
    marks = ", ".join(f"'{state}'" for state in states)
    cursor.execute(f"SELECT line FROM {STAGE} WHERE state IN ({marks})")
    return np.fromiter((line for (line,) in cursor.fetchall()), dtype=np.int64)


def stage_counts(cursor) -> dict[str, int]:
    cursor.execute(f"SELECT state, count(*) FROM {STAGE} GROUP BY state")
    return dict(cursor.fetchall())


def stage_match(cursor, target: Target, match: Match, *, compared: tuple[str, ...], also: str = "") -> None:
    """Set target_id and state ('n' or 'u') of the still unmatched staged rows ``match`` finds
    (staged rows start as 'c', new).

    ``also`` is one more condition (SQL over ``{s}``, the stage) for a row to count as unchanged."""
    conditions = [f"{STAGE}.target_id IS NULL"]
    if match.when is not None:
        column, present = match.when
        conditions.append(f"{STAGE}.{q(column)} IS {'NOT ' if present else ''}NULL")
    for table_column, stage_column in match.pairs():
        left, right = f"t.{q(table_column)}", f"{STAGE}.{q(stage_column)}"
        if stage_column in match.nullable:
            conditions.append(f"({left} = {right} OR ({left} IS NULL AND {right} IS NULL))")
        else:
            conditions.append(f"{left} = {right}")
    tests = [same(f"t.{q(name)}", f"{STAGE}.{q(name)}") for name in compared]
    if also:
        tests.append(also.format(s=STAGE))
    unchanged = " AND ".join(tests) or "1 = 1"
    # A refused row is marked with the refusal's number instead of 'n' or 'u'.
    refusals = "".join(
        f"WHEN {refusal.condition.format(s=STAGE) if refusal.condition else f'NOT ({unchanged})'} THEN '{number}' "
        for number, refusal in enumerate(target.refusals)
    )
    cursor.execute(
        f"UPDATE {STAGE} SET target_id = t.id, state = CASE {refusals}WHEN {unchanged} THEN 'n' ELSE 'u' END "
        f"FROM {q(target.table)} AS t WHERE {' AND '.join(conditions)}"
    )


def stage_refuse(cursor, target: Target) -> list[tuple[int, str]]:
    """The refused rows (marked by ``stage_match``) with their reasons."""
    refused: list[tuple[int, str]] = []
    for number, refusal in enumerate(target.refusals):
        columns = ", ".join(q(name) for name in refusal.columns)
        cursor.execute(f"SELECT line, {columns} FROM {STAGE} WHERE state = '{number}' ORDER BY line")
        refused.extend((line, refusal.reason(*values)) for line, *values in cursor.fetchall())
    return refused


def stage_update(cursor, target: Target, *, columns: tuple[str, ...], constants: dict) -> int:
    assignments = [f"{q(name)} = s.{q(name)}" for name in columns]
    assignments += [f"{q(name)} = %s" for name in constants]
    if not assignments:
        return 0
    cursor.execute(
        f"UPDATE {q(target.table)} AS t SET {', '.join(assignments)} FROM {STAGE} AS s "
        "WHERE t.id = s.target_id AND s.state = 'u'",
        [db_value(value) for value in constants.values()],
    )
    return cursor.rowcount


def stage_insert(cursor, target: Target, *, columns: tuple[str, ...], constants: dict, returning: str = "") -> list:
    names = [*columns, *constants]
    selected = [f"s.{q(name)}" for name in columns] + ["%s"] * len(constants)
    sql = (
        f"INSERT INTO {q(target.table)} ({', '.join(q(name) for name in names)}) "
        f"SELECT {', '.join(selected)} FROM {STAGE} AS s WHERE s.state = 'c' ORDER BY s.line"
    )
    if target.conflict:
        # Only a row another writer inserted since step 2 can conflict; take the file's values.
        updates = ", ".join(f"{q(name)} = excluded.{q(name)}" for name in target.written if name not in target.conflict)
        sql += f" ON CONFLICT ({', '.join(q(name) for name in target.conflict)}) DO " + (
            f"UPDATE SET {updates}" if updates and target.conflict_updates else "NOTHING"
        )
    if returning:
        sql += f" RETURNING {returning}"
    cursor.execute(sql, [db_value(value) for value in constants.values()])
    return cursor.fetchall() if returning else []


# -- the generic merge -------------------------------------------------------------------------


def chunk_merge(
    rows: pd.DataFrame, *, target: Target, now: datetime, source: str, written: tuple[str, ...] | None = None
) -> Merged:
    """Steps 1-4 of the module docstring for the checked, de-duplicated ``rows`` of one chunk.

    ``written`` narrows the compared and updated columns to those the file carries."""
    written = target.written if written is None else written
    merged = Merged()
    if rows.empty:
        return merged
    with connection.cursor() as cursor, staged(cursor, target.columns):
        stage_load(cursor, rows, target.columns)
        for match in target.matches:
            # A match no staged row can use is skipped: its UPDATE would still join the whole
            # table, and without statistics (rows written in the caller's transaction)
            # PostgreSQL may plan that join as a nested loop over both tables.
            if match.applies(rows).any():
                stage_match(cursor, target, match, compared=written)
        merged.refused = stage_refuse(cursor, target)
        counts = stage_counts(cursor)
        merged.created, merged.updated, merged.unchanged = (
            counts.get("c", 0),
            counts.get("u", 0),
            counts.get("n", 0),
        )
        if merged.updated:
            stage_update(cursor, target, columns=written, constants=target.updated_with(now))
        if merged.created:
            stage_insert(
                cursor,
                target,
                columns=(*target.written, *target.insert_only),
                constants=target.inserted_with(now, source),
            )
        if merged.created or merged.updated:
            merged.landed = stage_lines(cursor, states="cu")
    return merged


def duplicates_merged(rows: pd.DataFrame, matches: tuple[Match, ...]) -> np.ndarray:
    """Rows superseded by a later row of the chunk with the same key (the last one wins)."""
    superseded = np.zeros(len(rows), dtype=bool)
    for match in matches:
        applies = match.applies(rows)
        if applies.sum() > 1:
            keyed = rows.loc[applies, list(match.columns)]
            superseded[np.flatnonzero(applies)[keyed.duplicated(keep="last").to_numpy()]] = True
    return superseded


class RepeatedKeys:
    """Notes on the rows of one file that carry a key an earlier row of the same file had: the
    rows are merged (``duplicates_merged`` within a chunk; across chunks the later row updates
    what the earlier one landed), and HR should know which.

    Keys are remembered as 64-bit hashes beside the line that first had them, 16 bytes a row
    (16 MB for a million rows) however wide the key. Two different keys sharing a hash (odds
    about 1 in 30 million for a million rows) would only add a wrong note, never change what lands.
    """

    def __init__(self, matches: tuple[Match, ...]):
        self.matches = matches
        self.seen = [(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)) for _ in matches]  # sorted

    def notes(self, rows: pd.DataFrame) -> list[tuple[int, str]]:
        """(line, note) for each row of the chunk ``rows`` (checked, with their "line") whose key came before."""
        notes = []
        for position, match in enumerate(self.matches):
            applies = match.applies(rows)
            if not applies.any():
                continue
            keys = rows.loc[applies, list(match.columns)]
            # One dtype per column whatever the chunk held, so the same key hashes alike in every chunk.
            keys = keys.astype({name: "float64" for name in keys.columns if pd.api.types.is_numeric_dtype(keys[name])})
            hashes = pd.util.hash_pandas_object(keys, index=False).to_numpy()
            lines = rows.loc[applies, "line"].to_numpy(dtype=np.int64)
            label = match.label or ", ".join(match.columns)
            notes += [
                (
                    int(line),
                    f"The same {label} as line {first}: the two rows were merged and the later one's values kept.",
                )
                for line, first in zip(lines, self._first_lines(position, hashes, lines), strict=True)
                if first != line
            ]
        return notes

    def _first_lines(self, position: int, hashes: np.ndarray, lines: np.ndarray) -> np.ndarray:
        """The first line of the file with each hash (every earlier chunk comes before this one),
        remembering the hashes new to the file."""
        seen_hashes, seen_lines = self.seen[position]
        first = pd.Series(lines).groupby(hashes).transform("min").to_numpy(copy=True)
        known = np.zeros(len(hashes), dtype=bool)
        if len(seen_hashes):
            where = np.searchsorted(seen_hashes, hashes).clip(max=len(seen_hashes) - 1)
            known = seen_hashes[where] == hashes
            first[known] = seen_lines[where[known]]
        new = ~known & (first == lines)
        all_hashes = np.concatenate([seen_hashes, hashes[new]])
        order = np.argsort(all_hashes, kind="stable")
        self.seen[position] = (all_hashes[order], np.concatenate([seen_lines, lines[new]])[order])
        return first


# -- values for the bulk load ------------------------------------------------------------------


def _missing(series: pd.Series) -> np.ndarray:
    return series.isna().to_numpy()


def _copy_texts(series: pd.Series, kind: str) -> list[str]:
    """The cells of one column in COPY's text format (``\\N`` for null)."""
    missing = _missing(series)
    if kind in ("int", "bigint", "float", "numeric"):
        numbers = series.fillna(0)
        numbers = numbers.astype(np.int64) if kind in ("int", "bigint") else numbers.astype(float)
        texts = np.array(_numbers_as_text(numbers), dtype=object)
    elif kind == "bool":
        texts = np.where(series.fillna(False).astype(bool).to_numpy(), "t", "f").astype(object)
    elif kind == "date":
        texts = np.datetime_as_string(series.to_numpy(dtype="datetime64[D]"), unit="D").astype(object)
    elif kind == "timestamp":
        # Naive UTC: staged sets the transaction's time zone to UTC.
        utc = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        whole_seconds = not (utc.astype(np.int64) % 1_000_000).any()
        texts = np.datetime_as_string(utc, unit="s" if whole_seconds else "us").astype(object)
    else:
        texts = series.astype(object).to_numpy(copy=True)
        texts[missing] = ""
        joined = "".join(texts)
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            texts = (
                pd.Series(texts, dtype=object)
                .str.replace("\\", "\\\\", regex=False)
                .str.replace("\t", "\\t", regex=False)
                .str.replace("\n", "\\n", regex=False)
                .str.replace("\r", "\\r", regex=False)
                .to_numpy()
            )
    if missing.any():
        texts[missing] = COPY_NULL
    return texts.tolist()


def _numbers_as_text(numbers: pd.Series) -> list[str]:
    """``str()`` of each number (``repr`` for floats), worked out once per distinct value."""
    codes, uniques = pd.factorize(numbers)
    if len(uniques) * 4 > len(numbers):
        return list(map(repr, numbers.tolist()))
    texts = np.array(list(map(repr, uniques.tolist())), dtype=object)
    return texts[codes].tolist()


def sqlite_datetime_texts(series: pd.Series) -> np.ndarray:
    """Timestamps as Django's SQLite backend stores them: naive UTC, ``YYYY-MM-DD HH:MM:SS``
    plus ``.ffffff`` only when there are microseconds (``str(datetime)``), so equal values
    compare equal as text."""
    utc = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    seconds = np.char.replace(np.datetime_as_string(utc, unit="s"), "T", " ").astype(object)
    fractional = (utc.astype(np.int64) % 1_000_000) != 0
    if fractional.any():
        seconds[fractional] = np.char.replace(np.datetime_as_string(utc[fractional], unit="us"), "T", " ").astype(
            object
        )
    return seconds


def _sqlite_values(series: pd.Series, kind: str) -> list:
    missing = _missing(series)
    if kind in ("int", "bigint"):
        values = series.fillna(0).astype(np.int64).to_numpy().astype(object)
    elif kind in ("float", "numeric"):
        values = series.astype(float).to_numpy().astype(object)
    elif kind == "bool":
        values = series.fillna(False).astype(bool).to_numpy().astype(np.int64).astype(object)
    elif kind == "date":
        values = np.datetime_as_string(series.to_numpy(dtype="datetime64[D]"), unit="D").astype(object)
    elif kind == "timestamp":
        values = sqlite_datetime_texts(series)
    else:
        values = series.astype(object).to_numpy(copy=True)
    if missing.any():
        values[missing] = None
    return values.tolist()
