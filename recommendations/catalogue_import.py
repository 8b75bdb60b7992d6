"""Importing a learning catalogue file (docs/data-formats.md, "Learning catalogue"): read it, check
every row with ``resources.CatalogueResource`` and write it all or nothing.

``import_catalogue`` (the command) and the demo (``demo.imports.import_catalogue``) both load a
catalogue through ``import_catalogue_file``, so the demo's catalogue takes the path a customer's does.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.readers import UnreadableFile, dataset_read

from .resources import COLUMNS, CatalogueResource

MAX_PROBLEMS_SHOWN = 50


class CatalogueFileRefused(ValueError):
    """The file cannot be read as a catalogue at all (its kind, encoding, a row past repair)."""


@dataclass
class CatalogueImport:
    """What an import did, or would do on a dry run: nothing at all when ``problems`` lists any."""

    rows: int
    problems: list[str] = field(default_factory=list)
    items: dict[str, int] = field(default_factory=dict)  # created / updated / unchanged catalogue items
    skills: dict[str, int] = field(default_factory=dict)  # created / updated / unchanged item skills
    changed: list[str] = field(default_factory=list)  # "new: ..." / "update: ..." per row that changed


def read_catalogue_file(path: Path):
    """The file's rows as a ``tablib.Dataset``, read as the profile imports read theirs."""
    if not path.is_file():
        raise CatalogueFileRefused(f"{path} is not a file.")
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise CatalogueFileRefused(f"{path}: give a .csv or .xlsx file with the columns {', '.join(COLUMNS)}.")
    try:
        dataset, refused = dataset_read(path)
    except UnreadableFile as error:
        raise CatalogueFileRefused(f"Nothing was imported from {path}: {error}") from None
    if refused:
        raise CatalogueFileRefused(
            f"Nothing was imported: {len(refused)} row{'s' if len(refused) != 1 else ''} of {path} cannot be read.\n"
            + "\n".join(f"  line {line}: {reason}" for line, reason in refused[:MAX_PROBLEMS_SHOWN])
        )
    return dataset


def import_catalogue_file(
    path: Path, *, dry_run: bool = False, on_row: Callable[[int], None] | None = None
) -> CatalogueImport:
    """Check every row of the file and, when all are good and it is not a dry run, write them.

    Raises ``CatalogueFileRefused`` for a file that cannot be read; problems of rows come back in
    ``problems`` (as "row N (column): message", the file's own first), with nothing written.
    """
    dataset = read_catalogue_file(path)
    resource = CatalogueResource()
    resource.on_row = on_row
    result = resource.import_data(dataset, dry_run=dry_run)
    problems = _problems(result)
    if problems:
        return CatalogueImport(rows=len(dataset), problems=problems)
    totals = result.totals
    return CatalogueImport(
        rows=len(dataset),
        items=resource.item_counts(),
        skills={"created": totals["new"], "updated": totals["update"], "unchanged": totals["skip"]},
        changed=[
            f"{row.import_type}: {row.object_repr}" for row in result.rows if row.import_type in ("new", "update")
        ],
    )


def _problems(result) -> list[str]:
    """Every problem as "row N (column): message", the file's own problems first."""
    problems = [str(error.error) for error in result.base_errors]
    for _, errors in result.row_errors():
        problems += [f"row {error.number}: {error.error}" for error in errors]
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            where = f"row {row.number}" if column == "__all__" else f"row {row.number} ({column})"
            problems += [f"{where}: {message}" for message in messages]
    return problems
