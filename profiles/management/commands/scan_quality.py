"""Run the data-quality scan now and print what it found: ``manage.py scan_quality``.

The same scan runs nightly from the django-q2 schedule (``manage.py setup_schedules``). It opens a
flag for each new problem, resolves flags whose problem has gone and leaves the rest alone, so
running it again is harmless. Flags are listed for HR at /hr/quality/.
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from profiles.models import DataQualityFlag
from profiles.quality import quality_scan


class Command(BaseCommand):
    help = "Scan every active profile for data-quality problems; open and resolve flags."

    def add_arguments(self, parser):
        parser.add_argument(
            "--evidence-max-age-days",
            type=int,
            default=None,
            help="Flag skill evidence older than this (default: the EVIDENCE_MAX_AGE_DAYS setting, else 365).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, then roll it back.")

    def handle(self, *args, evidence_max_age_days, dry_run, verbosity, **options):
        started = time.monotonic()
        with transaction.atomic():
            counts = quality_scan(evidence_max_age_days=evidence_max_age_days)
            transaction.set_rollback(dry_run)
        if verbosity < 1:
            return
        labels = dict(DataQualityFlag.Kind.choices)
        self.stdout.write(f"  {'kind':<36}{'open':>8}{'new':>8}{'resolved':>10}")
        for kind, count in counts.items():
            self.stdout.write(f"  {labels[kind]:<36}{count['open']:>8}{count['new']:>8}{count['resolved']:>10}")
        total = {key: sum(c[key] for c in counts.values()) for key in ("open", "new", "resolved")}
        self.stdout.write(f"  {'total':<36}{total['open']:>8}{total['new']:>8}{total['resolved']:>10}")
        outcome = "Dry run: nothing was saved" if dry_run else "Scan finished"
        self.stdout.write(self.style.SUCCESS(f"{outcome} in {time.monotonic() - started:.1f} s."))
