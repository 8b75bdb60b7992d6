"""Import the files HR systems drop into settings.DROP_FOLDER, then move each aside.

    python manage.py sync_drop_folder [--min-age 30] [--dry-run]

A file is picked up when its name starts with a kind and ends in .csv or .xlsx, e.g.
``people-2026-11-20.csv`` or ``learning_export.xlsx`` (case does not matter). People files go
first, so the people the other files name exist by then; within a kind, files go in name order.
Each is imported as a SyncRun with source "drop_folder" and then moved to ``done/`` (imported,
possibly with rejected rows) or ``failed/`` (nothing or not everything imported; see the run).
Files modified less than ``--min-age`` seconds ago may still be being written and wait for the
next run. Scheduled by ``setup_schedules`` (task ``profiles.tasks.drop_folder_sync_task``).
"""

import re
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from profiles.importing import KINDS, file_import
from profiles.models import SyncRun

FILE_NAME = re.compile(rf"^({'|'.join(KINDS)}).*\.(csv|xlsx)$", re.IGNORECASE)
KIND_ORDER = ["people", "reviews", "learning", "aspirations", "evidence"]


class Command(BaseCommand):
    help = "Import <kind>*.csv|xlsx files from settings.DROP_FOLDER and move them to done/ or failed/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age",
            type=float,
            default=30,
            help="Skip files modified less than this many seconds ago (default 30).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files that would be imported; import and move nothing."
        )

    def handle(self, *args, min_age: float, dry_run: bool, verbosity: int, **options):
        folder = Path(settings.DROP_FOLDER)
        if not folder.is_dir():
            if verbosity >= 1:
                self.stdout.write(f"The drop folder {folder} does not exist; nothing to do.")
            return
        for path, kind in self._waiting(folder, min_age=min_age):
            if dry_run:
                self.stdout.write(f"Would import {path.name} as {kind}.")
                continue
            run = file_import(path=path, kind=kind, source=SyncRun.Source.DROP_FOLDER, name=path.name)
            moved_to = self._move(path, folder / ("failed" if run.status == SyncRun.Status.FAILED else "done"))
            if verbosity >= 1:
                counts = (
                    f"{run.created} created, {run.updated} updated, {run.unchanged} unchanged, {run.rejected} rejected"
                )
                line = f"{path.name}: {run.get_status_display().lower()} ({counts}); moved to {moved_to.parent.name}/"
                style = self.style.ERROR if run.status == SyncRun.Status.FAILED else self.style.SUCCESS
                self.stdout.write(style(line))
                if run.error:
                    self.stdout.write(f"  {run.error}")

    def _waiting(self, folder: Path, *, min_age: float) -> list[tuple[Path, str]]:
        now = time.time()
        found = []
        for path in folder.iterdir():
            match = FILE_NAME.match(path.name)
            if match and path.is_file() and now - path.stat().st_mtime >= min_age:
                kind = match.group(1).lower()
                found.append((KIND_ORDER.index(kind), path.name, path, kind))
        return [(path, kind) for _, _, path, kind in sorted(found)]

    def _move(self, path: Path, target_folder: Path) -> Path:
        target_folder.mkdir(exist_ok=True)
        target = target_folder / path.name
        if target.exists():  # the same name delivered again: keep both
            target = target_folder / f"{path.stem}.{timezone.now():%Y%m%dT%H%M%S%f}{path.suffix}"
        return Path(shutil.move(str(path), str(target)))
