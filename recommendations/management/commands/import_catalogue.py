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
The work is ``recommendations.catalogue_import.import_catalogue_file``, which the demo uses too.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommendations.catalogue_import import (
    MAX_PROBLEMS_SHOWN,
    CatalogueFileRefused,
    import_catalogue_file,
    read_catalogue_file,
)

PROGRESS_BAR_FROM_ROWS = 500


class Command(BaseCommand):
    help = "Create and update learning catalogue items and the skills they raise from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A .csv (UTF-8) or .xlsx file (see docs/data-formats.md).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report what would change; write nothing."
        )

    def handle(self, *args, file: Path, dry_run: bool, verbosity: int, **options):
        try:
            rows = len(read_catalogue_file(file))
            show_bar = verbosity >= 1 and rows >= PROGRESS_BAR_FROM_ROWS
            # sys.stderr, not self.stderr: OutputWrapper ends every write with a newline, which breaks the bar.
            with tqdm(
                total=rows, desc="Checking" if dry_run else "Importing", unit=" rows", file=sys.stderr,
                disable=not show_bar,
            ) as bar:  # fmt: skip
                outcome = import_catalogue_file(file, dry_run=dry_run, on_row=bar.update)
        except CatalogueFileRefused as error:
            raise CommandError(str(error)) from None
        problems = outcome.problems
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
        items, skills = outcome.items, outcome.skills
        self.stdout.write(f"{'':<18}{'created':>9}{'updated':>9}{'unchanged':>11}")
        self.stdout.write(f"{'Catalogue items':<18}{items['created']:>9}{items['updated']:>9}{items['unchanged']:>11}")
        self.stdout.write(f"{'Item skills':<18}{skills['created']:>9}{skills['updated']:>9}{skills['unchanged']:>11}")
        if verbosity >= 2:
            for line in outcome.changed:
                self.stdout.write(f"  {line}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported the learning catalogue from {file}."))
