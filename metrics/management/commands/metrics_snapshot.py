"""Take the outcome metrics and run the bias audit as of a date (default: today).

    python manage.py metrics_snapshot [--as-of 2026-11-22] [--window-days 90] [--baseline-days 90]

The first snapshot of a cohort is its baseline; HR sees the newest beside it on /hr/metrics/.
``--baseline-days N`` also takes one N days earlier when there is none before ``--as-of`` yet
(``make run`` does, so the demo shows a baseline and the current figures side by side).
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from metrics.models import MetricSnapshot
from metrics.services import snapshot_take

STEPS = ["read", "metrics", "audit", "write"]


class Command(BaseCommand):
    help = "Take the five outcome metrics per cohort and run the bias audit, as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD; today when left out.")
        parser.add_argument("--window-days", type=int, default=90, help="The period each metric looks back over.")
        parser.add_argument(
            "--baseline-days", type=int, help="Also take a baseline this many days earlier, unless one exists."
        )

    def handle(self, *args, as_of, window_days, baseline_days, verbosity, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--as-of must be a date like 2026-11-22, not {as_of!r}.") from error
        if window_days < 1:
            raise CommandError(f"--window-days must be at least 1, not {window_days}.")
        if baseline_days is not None and baseline_days < 1:
            raise CommandError(f"--baseline-days must be at least 1, not {baseline_days}.")
        days = [day]
        if baseline_days and not MetricSnapshot.objects.filter(as_of__lt=day).exists():
            days.insert(0, day - timedelta(days=baseline_days))
        for each in days:
            self.take(each, window_days, verbosity)

    def take(self, day, window_days, verbosity):
        with tqdm(total=len(STEPS), desc=f"metrics as of {day}", unit="step", disable=verbosity < 1) as bar:

            def step(name):  # called as each step starts: the one before it is done
                bar.update(0 if name == STEPS[0] else 1)
                bar.set_postfix_str(name)

            taken = snapshot_take(as_of=day, window_days=window_days, progress=step)
            bar.update(1)
        self.stdout.write(
            f"{taken.snapshots} figures as of {day}; bias audit of {taken.audit.employees:,} people with "
            f"demographics: {taken.audit.flagged} finding(s) below the four-fifths ratio."
        )
