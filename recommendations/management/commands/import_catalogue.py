"""Load the learning catalogue from a CSV or Excel file: one row per catalogue item and skill.

    python manage.py import_catalogue catalogue.csv [--dry-run] [--verbosity 0-2]
    python manage.py import_catalogue catalogue.xlsx

The columns are those of the admin's catalogue export (docs/data-formats.md, "Learning
catalogue"). The import is all or nothing: one bad row and nothing is written, and every problem
is listed with its row and column. Running it again with the same file changes nothing; items
and skills missing from the file are never deleted.

The file is read by the profile imports' reader (``core.readers.dataset_read``), so
it meets the same rules and limits: UTF-8, a workbook checked before it is unpacked, a cap on
rows, a quote that is never closed named by its line, and a file with no data rows refused.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tablib import Dataset
from tqdm import tqdm

from core.readers import UnreadableFile, dataset_read
from recommendations.resources import COLUMNS, CatalogueResource

MAX_PROBLEMS_SHOWN = 50
PROGRESS_BAR_FROM_ROWS = 500


class Command(BaseCommand):
    help = "Create and update learning catalogue items and the skills they raise from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A .csv (UTF-8) or .xlsx file (see docs/data-formats.md).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report what would change; write nothing."
        )

    def handle(self, *args, file: Path, dry_run: bool, verbosity: int, **options):
        dataset = _read(file)
        resource = CatalogueResource()
        show_bar = verbosity >= 1 and len(dataset) >= PROGRESS_BAR_FROM_ROWS
        # sys.stderr, not self.stderr: OutputWrapper ends every write with a newline, which breaks the bar.
        with tqdm(
            total=len(dataset),
            desc="Checking" if dry_run else "Importing",
            unit=" rows",
            file=sys.stderr,
            disable=not show_bar,
        ) as bar:
            resource.on_row = bar.update
            result = resource.import_data(dataset, dry_run=dry_run)
        problems = _problems(result)
        if problems:
            shown = problems[:MAX_PROBLEMS_SHOWN]
            more = len(problems) - len(shown)
            raise CommandError(
                f"Nothing was imported: {len(problems)} problem{'s' if len(problems) != 1 else ''} in {file}.\n"
                + "\n".join(f"  {line}" for line in shown)
                + (f"\n  ... and {more} more" if more else "")
            )
        if verbosity < 1:
            return
        items = resource.item_counts()
        totals = result.totals
        self.stdout.write(f"{'':<18}{'created':>9}{'updated':>9}{'unchanged':>11}")
        self.stdout.write(f"{'Catalogue items':<18}{items['created']:>9}{items['updated']:>9}{items['unchanged']:>11}")
        self.stdout.write(f"{'Item skills':<18}{totals['new']:>9}{totals['update']:>9}{totals['skip']:>11}")
        if verbosity >= 2:
            for row in result.rows:
                if row.import_type in ("new", "update"):
                    self.stdout.write(f"  {row.import_type}: {row.object_repr}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported the learning catalogue from {file}."))


def _read(file: Path) -> Dataset:
    if not file.is_file():
        raise CommandError(f"{file} is not a file.")
    if file.suffix.lower() not in (".csv", ".xlsx"):
        raise CommandError(f"{file}: give a .csv or .xlsx file with the columns {', '.join(COLUMNS)}.")
    try:
        dataset, refused = dataset_read(file)
    except UnreadableFile as error:
        raise CommandError(f"Nothing was imported from {file}: {error}") from None
    if refused:
        raise CommandError(
            f"Nothing was imported: {len(refused)} row{'s' if len(refused) != 1 else ''} of {file} cannot be read.\n"
            + "\n".join(f"  line {line}: {reason}" for line, reason in refused[:MAX_PROBLEMS_SHOWN])
        )
    return dataset


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
