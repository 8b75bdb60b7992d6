"""Load the skills taxonomy from a folder of CSV files.

    python manage.py import_taxonomy path/to/folder [--dry-run] [--verbosity 0-3]

The folder holds skills.csv, roles.csv, requirements.csv, mobility.csv and optionally anchors.csv;
docs/data-formats.md describes their columns. The import is all or nothing: one bad row anywhere
and nothing is written, and every problem found is listed with its file and line. Running it
again with the same files changes nothing. Rows missing from the files are never deleted.
"""

import sys
import time
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from taxonomy.importing import MAX_ERRORS_SHOWN, TaxonomyImportError, TaxonomyPlan, taxonomy_plan, taxonomy_write

PROGRESS_BAR_FROM_ROWS = 2_000  # below this the write takes a blink and a bar is only noise


class Command(BaseCommand):
    help = "Create and update skills, roles, requirements, mobility paths and anchors from a folder of CSV files."

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", type=Path, help="The folder holding skills.csv, roles.csv, ... (see docs/data-formats.md)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate the files and report what would change; write nothing."
        )

    def handle(self, *args, folder: Path, dry_run: bool, verbosity: int, **options):
        if not folder.is_dir():
            raise CommandError(
                f"{folder} is not a folder. Give the folder that holds skills.csv, roles.csv and the rest."
            )
        started = time.monotonic()
        try:
            # Plan and write in one transaction, so the plan is made against the data it writes over.
            with nullcontext() if dry_run else transaction.atomic():
                plan = taxonomy_plan(folder=folder)
                if not dry_run:
                    self._write(plan=plan, verbosity=verbosity)
        except TaxonomyImportError as exc:
            count = len(exc.errors)
            raise CommandError(
                f"Nothing was imported: {count} problem{'s' if count != 1 else ''} in {folder}.\n"
                f"{exc.summary(limit=MAX_ERRORS_SHOWN)}"
            ) from None
        if verbosity >= 1:
            self._report(plan=plan, verbosity=verbosity)
            seconds = time.monotonic() - started
            if dry_run:
                self.stdout.write(self.style.WARNING(f"Dry run: nothing was written ({seconds:.1f} s)."))
            else:
                self.stdout.write(self.style.SUCCESS(f"Imported the taxonomy from {folder} in {seconds:.1f} s."))

    def _write(self, *, plan: TaxonomyPlan, verbosity: int) -> None:
        show_bar = verbosity >= 1 and plan.rows_to_write >= PROGRESS_BAR_FROM_ROWS
        # sys.stderr, not self.stderr: OutputWrapper ends every write with a newline, which breaks the bar.
        with tqdm(total=plan.rows_to_write, desc="Writing", unit=" rows", file=sys.stderr, disable=not show_bar) as bar:
            taxonomy_write(plan=plan, on_progress=bar.update)

    def _report(self, *, plan: TaxonomyPlan, verbosity: int) -> None:
        if verbosity >= 2:
            for name, rows in plan.rows_read.items():
                self.stdout.write(f"Read {rows} row{'s' if rows != 1 else ''} from {name}.")
        self.stdout.write(f"{'':<18}{'created':>9}{'updated':>9}{'unchanged':>11}")
        for table in plan.tables:
            label = table.label[0].upper() + table.label[1:]
            self.stdout.write(f"{label:<18}{len(table.create):>9}{len(table.update):>9}{table.unchanged:>11}")
        if verbosity >= 2:
            changes = [f"{table.label}: {change}" for table in plan.tables for change in table.changes]
            shown = changes if verbosity >= 3 else changes[:MAX_ERRORS_SHOWN]
            for change in shown:
                self.stdout.write(f"  updated {change}")
            if len(changes) > len(shown):
                self.stdout.write(f"  ... and {len(changes) - len(shown)} more updates (--verbosity 3 lists them all).")
