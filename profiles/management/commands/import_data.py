"""Import people, reviews, learning records, aspirations or skill evidence from a CSV or XLSX file.

    python manage.py import_data people hr-extract.xlsx
    python manage.py import_data learning lms-2026-11.csv [--chunk-size 50000] [--dry-run] [--user hr@example.com]
    python manage.py import_data evidence backfill.csv --no-recompute   # a first bulk load; then `recompute`

docs/data-formats.md describes the columns of each kind. Good rows land and bad rows are
listed with their line number and reason; a file that cannot be read at all changes nothing and
the command fails with the reason. Importing the same file again changes nothing. Every run is
recorded as a SyncRun (source "file"), shown on /hr/data/syncs/.
"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from profiles.importing import CHUNK_ROWS, KINDS, MAX_STORED_REJECTIONS, duration_text, file_import
from profiles.models import SyncRejection, SyncRun

SHOWN_REJECTIONS = 20


class Command(BaseCommand):
    help = (
        "Import people, reviews, learning, aspirations or evidence from a CSV or XLSX file (see docs/data-formats.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS), help="What the file holds.")
        parser.add_argument("file", type=Path, help="A .csv (UTF-8) or .xlsx file.")
        parser.add_argument(
            "--chunk-size", type=int, default=CHUNK_ROWS, help=f"Rows per transaction (default {CHUNK_ROWS:,})."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count everything, then roll back: nothing is kept."
        )
        parser.add_argument("--user", help="E-mail of the user to record as having run the import.")
        parser.add_argument(
            "--no-recompute",
            action="store_true",
            help="Queue no recompute for the people the file changes (a first bulk load): run `recompute` once after.",
        )

    def handle(
        self,
        *args,
        kind: str,
        file: Path,
        chunk_size: int,
        dry_run: bool,
        user: str | None,
        no_recompute: bool,
        verbosity: int,
        **options,
    ):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        triggered_by = None
        if user:
            triggered_by = get_user_model().objects.filter(email__iexact=user).first()
            if triggered_by is None:
                raise CommandError(f"No user with e-mail {user!r}.")
        # sys.stderr, not self.stderr: OutputWrapper ends every write with a newline, which breaks the bar.
        with tqdm(
            desc=f"Importing {kind}", unit=" rows", file=sys.stderr, disable=verbosity < 1 or not sys.stderr.isatty()
        ) as bar:
            run = file_import(
                path=file,
                kind=kind,
                triggered_by=triggered_by,
                chunk_rows=chunk_size,
                dry_run=dry_run,
                on_progress=bar.update,
                announce=not no_recompute,
            )
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(f"{run.error}\n{self._counts(run)}" if run.received else run.error)
        if verbosity >= 1:
            self._report(run, dry_run=dry_run, verbosity=verbosity)

    def _counts(self, run: SyncRun) -> str:
        return (
            f"received {run.received:,}, created {run.created:,}, updated {run.updated:,}, "
            f"unchanged {run.unchanged:,}, rejected {run.rejected:,}"
        )

    def _report(self, run: SyncRun, *, dry_run: bool, verbosity: int) -> None:
        totals = run.totals
        self.stdout.write(self._counts(run))
        if totals.merged:
            self.stdout.write(
                f"{totals.merged:,} duplicate row(s) were merged into a later row with the same key (counted as unchanged)."
            )
        if run.max_delay_seconds is not None:
            self.stdout.write(
                f"Delay from the event to landing: max {duration_text(run.max_delay_seconds)}, "
                f"median {duration_text(run.median_delay_seconds)}."
            )
        listed = (
            totals.first_rejections
            if dry_run
            else list(SyncRejection.objects.filter(run=run).order_by("line").values_list("line", "reason"))
        )
        shown = listed if verbosity >= 2 else listed[:SHOWN_REJECTIONS]
        for line, reason in shown:
            self.stdout.write(f"  line {line}: {reason}" if line else f"  {reason}")
        hidden = run.rejected + totals.notes - len(shown)
        if hidden > 0:
            kept = "" if verbosity < 2 else f" (only the first {MAX_STORED_REJECTIONS:,} are kept)"
            self.stdout.write(f"  ... and {hidden:,} more{kept}; see /hr/data/syncs/{run.pk}/ or use --verbosity 2.")
        if verbosity >= 2:
            seconds = ", ".join(f"{step} {value:.1f} s" for step, value in totals.seconds.items())
            self.stdout.write(f"Time: {seconds}.")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: everything was rolled back; nothing was kept."))
        elif run.status == SyncRun.Status.PARTIAL:
            self.stdout.write(self.style.WARNING(f"Imported {run.name} with problems (sync run {run.pk})."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {run.name} (sync run {run.pk})."))
