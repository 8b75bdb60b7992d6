"""Create or update the django-q2 schedules: ``manage.py setup_schedules [--dry-run]``.

Every recurring job is a ``ScheduleSpec`` in ``SCHEDULES``; to add one (the nightly gap-analysis
recompute, say), append a spec pointing at a task function and run the command again. Rows are
matched by name, so running it on every start (``make run`` does) creates what is missing,
corrects what differs and leaves the rest alone. A schedule whose timing is unchanged keeps its
``next_run``; one whose timing changed is moved to the next time the new timing gives.
Schedules not in the list (made by hand in the admin, or dropped from the list) are not touched.
"""

from dataclasses import dataclass
from datetime import datetime

from croniter import croniter
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str  # dotted path of a task function taking no arguments
    cron: str | None = None  # a cron expression in TIME_ZONE ...
    minutes: int | None = None  # ... or every N minutes

    def fields(self) -> dict:
        return {
            "func": self.func,
            "schedule_type": Schedule.CRON if self.cron else Schedule.MINUTES,
            "cron": self.cron,
            "minutes": self.minutes,
            "repeats": -1,
            "args": None,
            "kwargs": None,
            "hook": None,
        }

    def first_run(self, now: datetime) -> datetime:
        if self.cron:
            return croniter(self.cron, timezone.localtime(now)).get_next(datetime)
        return now


SCHEDULES: list[ScheduleSpec] = [
    # The recompute runs first so the scan that follows sees fresh analyses (no stale_analysis flags).
    ScheduleSpec("Nightly gap-analysis recompute", "recommendations.tasks.recompute_all", cron="30 1 * * *"),
    ScheduleSpec("Nightly data-quality scan", "profiles.tasks.quality_scan_task", cron="0 2 * * *"),
    ScheduleSpec("Drop-folder sync", "profiles.tasks.drop_folder_sync_task", minutes=15),
    ScheduleSpec("Sweep of file imports whose process died", "profiles.tasks.abandoned_imports_task", minutes=15),
    # Sunday night, before that night's recompute, so the week's picks come from the fresh model.
    ScheduleSpec(
        "Weekly recommendation-model training",
        "recommendations.training_tasks.train_recommender_task",
        cron="0 0 * * 0",
    ),
    ScheduleSpec("Daily e-mail of new learning picks", "recommendations.tasks.delivery_digest_task", cron="0 7 * * *"),
    ScheduleSpec("Weekly outcome metrics and bias audit", "metrics.tasks.snapshot_task", cron="0 5 * * 1"),
    # After the nightly recompute: the capability heatmap and supply against demand from its results.
    ScheduleSpec("Daily capability snapshot", "metrics.tasks.capability_task", cron="30 5 * * *"),
    ScheduleSpec("Nightly recurring themes in free text", "feedback.tasks.themes_nightly", cron="0 3 * * *"),
    ScheduleSpec("Daily reminders of 360 feedback due", "feedback.tasks.feedback_reminders", cron="0 8 * * *"),
    # Daily, so the period's cycle opens on its first day and people hired since get theirs; the
    # period (every 3 months by default) and the due dates are engine settings in the admin.
    ScheduleSpec("Daily opening of the period's deep reviews", "feedback.tasks.deep_reviews_open", cron="0 6 * * *"),
    ScheduleSpec("Weekly e-mail to managers of what is due", "feedback.tasks.manager_digests", cron="30 7 * * 1"),
    # A no-op until FREE_TEXT_RETENTION_DAYS is set.
    ScheduleSpec("Daily free-text retention", "profiles.tasks.free_text_retention_task", cron="30 2 * * *"),
]

TIMING = ("schedule_type", "cron", "minutes")


@transaction.atomic
def schedule_upsert(*, spec: ScheduleSpec, now: datetime, dry_run: bool = False) -> str:
    """Make the schedule named ``spec.name`` match ``spec``; returns "created", "updated" or "unchanged"."""
    wanted = spec.fields()
    rows = list(Schedule.objects.select_for_update().filter(name=spec.name).order_by("pk").values("pk", *wanted))
    current = rows[0] if rows else None
    if current is not None and len(rows) == 1 and all(current[key] == value for key, value in wanted.items()):
        return "unchanged"
    if dry_run:
        return "created" if current is None else "updated"
    # Two rows with one name (a hand-made copy) would make the job run twice.
    Schedule.objects.filter(pk__in=[row["pk"] for row in rows[1:]]).delete()
    defaults = dict(wanted)
    if current is None or any(current[key] != wanted[key] for key in TIMING):
        defaults["next_run"] = spec.first_run(now)
    _, created = Schedule.objects.update_or_create(name=spec.name, defaults=defaults)
    return "created" if created else "updated"


class Command(BaseCommand):
    help = "Create or update the recurring django-q2 tasks (data-quality scan, drop-folder sync, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would change without changing it.")

    def handle(self, *args, dry_run, verbosity, **options):
        now = timezone.now()
        for spec in SCHEDULES:
            outcome = schedule_upsert(spec=spec, now=now, dry_run=dry_run)
            if verbosity >= 1:
                timing = f"cron {spec.cron}" if spec.cron else f"every {spec.minutes} min"
                prefix = "would be " if dry_run and outcome != "unchanged" else ""
                self.stdout.write(f"  {spec.name} ({spec.func}, {timing}): {prefix}{outcome}")
