"""Vectorised row checks: each takes a whole column of one chunk and flags the rows that fail.

A ``Checker`` wraps one chunk (a DataFrame of text cells). Its methods parse a column into typed
values (numbers, timestamps, ids looked up in a dict) and record, for every row that fails, the
row number and a reason in words HR can act on. Nothing here touches the database: lookups are
plain dicts loaded once per import (``lookups.Refs``), so a chunk of 50,000 rows costs a few
pandas operations per column, not 50,000 queries.

A blank cell is "" in; out it is "" for text and NaN / NaT / None for numbers, times and choices.
A column the file does not have returns None, so the caller can tell "not given" (leave the
field as it is) from "given as blank" (clear it).
"""

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.conf import settings

from taxonomy.validators import BOOLEAN_WORDS

SHOWN_VALUE_LENGTH = 60
OFFSET_AT_END = re.compile(r"(?:[zZ]|[+-]\d\d(?::?\d\d)?)$")
TIMESTAMP_HINT = "use ISO 8601, e.g. 2026-11-20 or 2026-11-20T10:00:00Z"
DATE_HINT = "use YYYY-MM-DD, e.g. 2026-11-20"
AMBIGUOUS = -1  # a lookup key that names more than one row
SAMPLE = 2_000  # rows looked at to guess whether a column repeats its values
# Scanning one string with the cells joined by NUL (which the reader refuses, so no cell holds
# it) tells in one C-speed pass whether any cell needs trimming; usually none does.
EDGE_SPACE = re.compile(r"\x00\s|\s\x00")
MESSY_SPACE = re.compile(r"[^\S ]|  |\x00 | \x00")


def shown(value) -> str:
    """A cell value quoted for a message, cut short if long."""
    text = str(value)
    if len(text) > SHOWN_VALUE_LENGTH:
        text = text[: SHOWN_VALUE_LENGTH - 1] + "…"
    return f"“{text}”"


def per_value(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``transform(values)``, worked out once per distinct value when values repeat (employee ids,
    statuses, course titles), else over all of them."""
    sample = values.iloc[:SAMPLE]
    if len(values) < SAMPLE or sample.nunique() * 4 > len(sample):  # mostly distinct values (or few rows)
        return transform(values)
    codes, uniques = pd.factorize(values)
    if len(uniques) * 4 > len(values):
        return transform(values)
    done = transform(pd.Series(uniques, dtype=values.dtype))
    return done.take(codes).set_axis(values.index)


def _joined(values: pd.Series) -> str:
    return "\x00" + "\x00".join(values.tolist()) + "\x00"


def stripped(values: pd.Series) -> pd.Series:
    """Trimmed at both ends."""
    return values.str.strip() if EDGE_SPACE.search(_joined(values)) else values


def collapse_whitespace(values: pd.Series) -> pd.Series:
    """Trimmed, with runs of spaces, tabs and line breaks inside the value made one space."""

    def transform(cells: pd.Series) -> pd.Series:
        if not MESSY_SPACE.search(_joined(cells)):
            return cells
        return cells.str.strip().str.replace(r"\s+", " ", regex=True)

    return per_value(values, transform)


def lengths(values: pd.Series) -> np.ndarray:
    return np.fromiter(map(len, values.tolist()), dtype=np.int64, count=len(values))


class Checker:
    def __init__(self, frame: pd.DataFrame, lines: np.ndarray):
        self.frame = frame
        self.lines = lines
        self.bad = np.zeros(len(frame), dtype=bool)
        self._problems: list[tuple[np.ndarray, list[str]]] = []

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    # -- recording problems -------------------------------------------------------------------

    def reject(self, mask, reason: str | Callable[[object], str], values: pd.Series | None = None) -> None:
        """Refuse the rows where ``mask`` is true; ``reason`` is a sentence or a function of the row's value."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.bad |= mask
        positions = np.flatnonzero(mask)
        if callable(reason):
            subset = values.to_numpy(dtype=object)[positions]
            reasons = [reason(value) for value in subset]
        else:
            reasons = [reason] * len(positions)
        self._problems.append((positions, reasons))

    def rejections(self) -> pd.DataFrame:
        """One row per refused line: ``line``, ``reason`` (all of the row's problems, in column order)."""
        if not self._problems:
            return pd.DataFrame(
                {
                    "position": pd.Series(dtype=np.int64),
                    "line": pd.Series(dtype=np.int64),
                    "reason": pd.Series(dtype=str),
                }
            )
        positions = np.concatenate([positions for positions, _ in self._problems])
        reasons = np.array([reason for _, reasons in self._problems for reason in reasons], dtype=object)
        order = np.argsort(positions, kind="stable")  # a row's reasons stay in column order
        positions, reasons = positions[order], reasons[order]
        first = np.ones(len(positions), dtype=bool)
        first[1:] = positions[1:] != positions[:-1]
        if not first.all():  # some rows have several problems: join them (a short Python loop)
            starts = np.flatnonzero(first)
            ends = np.append(starts[1:], len(positions))
            reasons = np.array(
                ["; ".join(reasons[start:end]) for start, end in zip(starts, ends, strict=True)], dtype=object
            )
            positions = positions[starts]
        return pd.DataFrame({"position": positions, "line": self.lines[positions], "reason": reasons})

    # -- parsing columns -------------------------------------------------------------------------

    def text(
        self, column: str, *, required: bool = False, max_length: int | None = None, collapse: bool = False
    ) -> pd.Series | None:
        if not self.has(column):
            return None
        values = collapse_whitespace(self.frame[column]) if collapse else per_value(self.frame[column], stripped)
        if required:
            self.reject(values == "", f"{column} is empty; it is required")
        if max_length:
            self.reject(lengths(values) > max_length, f"{column} is longer than {max_length} characters")
        return values

    def link(self, column: str, *, max_length: int) -> pd.Series | None:
        """An optional web address: blank, or ``http://`` / ``https://`` and no spaces."""
        values = self.text(column, max_length=max_length)
        if values is None:
            return None
        self.reject(
            (values != "") & ~values.str.match(r"https?://[^\s/]+\S*$", case=False),
            lambda value: f"{column} is not a web address: {shown(value)} (start it with https:// or http://)",
            values,
        )
        return values

    def choice(self, column: str, choices: dict[str, str], *, required: bool = False) -> pd.Series | None:
        """The canonical value for each cell; ``choices`` maps every accepted spelling (lower case,
        underscores for spaces) to it. Blank is None."""
        if not self.has(column):
            return None
        spelt = per_value(
            self.frame[column], lambda cells: cells.str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)
        )
        values = spelt.map(choices)
        if required:
            self.reject(spelt == "", f"{column} is empty; it is required")
        allowed = ", ".join(sorted(set(choices.values())))
        self.reject(
            (spelt != "") & values.isna(),
            lambda value: f"{column} must be one of {allowed}, got {shown(value)}",
            self.frame[column],
        )
        return values.astype(object).where(values.notna(), None)

    def number(
        self,
        column: str,
        *,
        minimum: float,
        maximum: float,
        required: bool = False,
        whole: bool = False,
        decimals: int | None = None,
        rule: str | None = None,
    ) -> pd.Series | None:
        """Floats (NaN when blank). ``rule`` is the sentence naming the allowed range."""
        if not self.has(column):
            return None
        cells = per_value(self.frame[column], stripped)
        values = per_value(cells, lambda cells: pd.to_numeric(cells, errors="coerce").astype(float))
        blank = (cells == "").to_numpy()
        if required:
            self.reject(blank, f"{column} is empty; it is required")
        not_number = ~blank & ~np.isfinite(values.to_numpy())
        self.reject(
            not_number,
            lambda value: (
                f"{column} is not a number: {shown(value)} (use a dot for decimals and no thousands separators)"
            ),
            cells,
        )
        numbers = values.to_numpy()
        with np.errstate(invalid="ignore"):
            wrong = ~blank & ~not_number & ((numbers < minimum) | (numbers > maximum))
            if whole:
                wrong |= ~blank & ~not_number & (numbers != np.floor(numbers))
            if decimals is not None:
                scaled = numbers * 10**decimals
                wrong |= ~blank & ~not_number & (np.abs(scaled - np.round(scaled)) > 1e-6)
        rule = rule or f"{column} must be between {minimum:g} and {maximum:g}"
        self.reject(wrong, lambda value: f"{rule}, got {shown(value)}", cells)
        return values.where(~pd.Series(not_number | wrong, index=values.index))

    def timestamp(self, column: str, *, required: bool = False) -> pd.Series | None:
        """UTC timestamps (NaT when blank). A time without an offset is in the site's TIME_ZONE."""
        if not self.has(column):
            return None
        cells = per_value(self.frame[column], stripped)
        values = per_value(cells, _parse_timestamps)
        blank = (cells == "").to_numpy()
        if required:
            self.reject(blank, f"{column} is empty; it is required")
        self.reject(
            ~blank & values.isna().to_numpy(),
            lambda value: f"{column} is not a date and time: {shown(value)} ({TIMESTAMP_HINT})",
            cells,
        )
        return values

    def date(self, column: str, *, required: bool = False) -> pd.Series | None:
        """Dates as midnight timestamps without a zone (NaT when blank)."""
        if not self.has(column):
            return None
        cells = per_value(self.frame[column], stripped)
        values = pd.to_datetime(cells, format="ISO8601", errors="coerce")
        if getattr(values.dt, "tz", None) is not None:  # an offset on a date: keep the local day
            values = values.dt.tz_localize(None)
        blank = (cells == "").to_numpy()
        if required:
            self.reject(blank, f"{column} is empty; it is required")
        self.reject(
            ~blank & values.isna().to_numpy(),
            lambda value: f"{column} is not a date: {shown(value)} ({DATE_HINT})",
            cells,
        )
        return values.dt.normalize()

    def boolean(self, column: str) -> pd.Series | None:
        """True / False, None when blank; yes/no, true/false, y/n and 1/0 are accepted."""
        if not self.has(column):
            return None
        spelt = per_value(self.frame[column], lambda cells: cells.str.strip().str.lower())
        values = spelt.map(BOOLEAN_WORDS)
        self.reject(
            (spelt != "") & values.isna(),
            lambda value: f"{column} must be yes or no (or true/false, 1/0), got {shown(value)}",
            self.frame[column],
        )
        return values.astype(object).where(values.notna(), None)

    def lookup(
        self,
        column: str,
        mapping: dict[str, int],
        *,
        what: str,
        required: bool = False,
        key: Callable[[pd.Series], pd.Series] | None = None,
    ) -> pd.Series | None:
        """The id each cell names in ``mapping`` (float, NaN when blank); unknown names are refused.

        ``key`` turns the cells into mapping keys (default: whitespace collapsed, upper case)."""
        if not self.has(column):
            return None
        cells = self.frame[column]
        keys = per_value(cells, key or (lambda cells: collapse_whitespace(cells).str.upper()))
        ids = keys.map(mapping).astype(float)
        blank = (keys == "").to_numpy()
        if required:
            self.reject(blank, f"{column} is empty; it is required")
        unknown = ~blank & ids.isna().to_numpy()
        self.reject(unknown, lambda value: f"unknown {what} {shown(value.strip())}", cells)
        ambiguous = (ids == AMBIGUOUS).to_numpy()
        self.reject(
            ambiguous, lambda value: f"{shown(value.strip())} names more than one {what}; use the external id", cells
        )
        return ids.where(~pd.Series(ambiguous, index=ids.index))

    def employee(self, column: str, refs, *, required: bool = False, what: str = "employee") -> pd.Series | None:
        """Employee ids from an external id (case does not matter) or an e-mail address."""
        if not self.has(column):
            return None
        cells = self.frame[column]
        ids = per_value(
            cells, lambda cells: _employee_keys(collapse_whitespace(cells)).map(refs.employee_keys).astype(float)
        )
        cells = cells.str.strip() if (ids.isna() | (ids == AMBIGUOUS)).any() else cells  # only for the messages
        blank = (cells == "").to_numpy()
        if required:
            self.reject(blank, f"{column} is empty; it is required")
        unknown = ~blank & ids.isna().to_numpy()
        self.reject(
            unknown, lambda value: f"unknown {what} {shown(value)}: no employee has this external id or e-mail", cells
        )
        ambiguous = (ids == AMBIGUOUS).to_numpy()
        self.reject(
            ambiguous,
            lambda value: f"the e-mail {shown(value)} belongs to more than one employee; use the external id",
            cells,
        )
        return ids.where(~pd.Series(ambiguous, index=ids.index))


def _employee_keys(cells: pd.Series) -> pd.Series:
    """Upper-cased external ids, and ``@`` + lower-cased addresses for cells holding an e-mail."""
    keys = cells.str.upper()
    by_email = cells.str.contains("@", regex=False).to_numpy()
    if by_email.any():
        keys = keys.copy()
        keys[by_email] = "@" + cells[by_email].str.lower()
    return keys


def _parse_timestamps(cells: pd.Series) -> pd.Series:
    if settings.TIME_ZONE == "UTC":
        return pd.to_datetime(cells, format="ISO8601", errors="coerce", utc=True).astype("datetime64[us, UTC]")
    # Naive and offset-bearing values cannot be parsed together: split them.
    with_offset = cells.str.contains(OFFSET_AT_END, regex=True).to_numpy()
    values = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[us, UTC]")
    if with_offset.any():
        values[with_offset] = pd.to_datetime(cells[with_offset], format="ISO8601", errors="coerce", utc=True)
    if (~with_offset).any():
        local = pd.to_datetime(cells[~with_offset], format="ISO8601", errors="coerce")
        values[~with_offset] = local.dt.tz_localize(
            settings.TIME_ZONE, ambiguous="NaT", nonexistent="NaT"
        ).dt.tz_convert("UTC")
    return values
