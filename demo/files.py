"""The demo's data written as the files a customer would import (docs/data-formats.md).

The demo loads its organisation through the project's own importers, so every demo run also
exercises the paths a customer's files take. Each writer here turns the demo's in-memory
content into one import format and nothing else: what to generate stays in ``generator`` and
its steps, how to load it stays in the importers.
"""

import csv
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from recommendations.resources import COLUMNS as CATALOGUE_COLUMNS
from taxonomy.importing import FILES as TAXONOMY_FILES

from .context import TaxonomySpec


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> Path:
    """One UTF-8 CSV file with its header; ``None`` is written as a blank cell, as a customer's export has it."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(["" if value is None else value for value in row] for row in rows)
    return path


def write_frame_csv(frame: pd.DataFrame, path: Path) -> Path:
    """One UTF-8 CSV file from a frame whose columns are a format's header.

    Timestamps are written in UTC as ``2026-04-15T09:30:00Z`` and missing values as blank cells,
    as docs/data-formats.md asks; numbers as they are.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            seconds = values.to_numpy().astype("datetime64[s]")
            text = np.char.add(np.datetime_as_string(seconds, unit="s"), "Z").astype(object)
            text[np.isnat(seconds)] = ""
            out[column] = text
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def write_taxonomy(spec: TaxonomySpec, folder: Path) -> Path:
    """The folder ``import_taxonomy`` reads: skills, roles, requirements, mobility paths and anchors.

    The format has no column for a category's or a family's description, a role's description or
    a skill's aliases: ``generator`` sets those directly after the import.
    """
    write_csv(
        folder / "skills.csv",
        TAXONOMY_FILES["skills.csv"],
        ((skill["name"], skill["category"], skill["kind"], skill["description"], "") for skill in spec.skills),
    )
    write_csv(
        folder / "roles.csv",
        TAXONOMY_FILES["roles.csv"],
        ((role["title"], role["family"], role["grade"]) for role in spec.roles),
    )
    write_csv(
        folder / "requirements.csv",
        TAXONOMY_FILES["requirements.csv"],
        (
            (role["title"], skill, level, importance, "yes" if core else "no")
            for role in spec.roles
            for skill, level, importance, core in role["requirements"]
        ),
    )
    write_csv(folder / "mobility.csv", TAXONOMY_FILES["mobility.csv"], spec.paths)
    write_csv(
        folder / "anchors.csv",
        TAXONOMY_FILES["anchors.csv"],
        (
            (skill["name"], level, description)
            for skill in spec.skills
            for level, description in enumerate(skill["anchors"], start=1)
        ),
    )
    return folder


def write_catalogue(rows: Iterable[dict], path: Path) -> Path:
    """The file ``import_catalogue`` reads: one row per item and skill, every column of the format
    (``recommendations.resources.COLUMNS``); a value a row leaves out is a blank cell."""
    return write_csv(path, CATALOGUE_COLUMNS, ([row.get(column) for column in CATALOGUE_COLUMNS] for row in rows))
