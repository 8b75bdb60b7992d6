"""Recompute gap analyses, career paths and opportunity matches.

    python manage.py recompute                       # the whole organisation, in this process
    python manage.py recompute --employee E00042     # one person (external id or database id)
    python manage.py recompute --business-unit Data  # one business unit (name)
    python manage.py recompute --distribute          # queue chunks for every django-q2 worker

A failure part-way leaves everyone's previous results in place; running it again completes.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from tqdm import tqdm

from profiles.models import BusinessUnit, Employee
from recommendations import analysis
from recommendations.models import Recommendation

Status = Recommendation.Status


class Command(BaseCommand):
    help = "Recompute gap analyses, career paths and opportunity matches (whole organisation by default)."

    def add_arguments(self, parser):
        parser.add_argument("--employee", help="External id (or database id) of one employee.")
        parser.add_argument("--business-unit", help="Name of one business unit.")
        parser.add_argument("--chunk-size", type=int, default=analysis.CHUNK_EMPLOYEES)
        parser.add_argument("--distribute", action="store_true", help="Queue one django-q2 task per chunk.")

    def handle(self, *args, employee, business_unit, chunk_size, distribute, verbosity, **options):
        employee_ids = business_unit_id = None
        if employee:
            match = Employee.objects.filter(
                Q(external_id=employee) | Q(pk=int(employee) if employee.isdigit() else None)
            ).first()
            if match is None:
                raise CommandError(f"No employee with external id or id {employee!r}.")
            employee_ids = [match.pk]
        if business_unit:
            unit = BusinessUnit.objects.filter(name__iexact=business_unit.strip()).first()
            if unit is None:
                names = ", ".join(BusinessUnit.objects.values_list("name", flat=True)[:20])
                raise CommandError(f"No business unit named {business_unit!r}. Known units: {names}.")
            business_unit_id = unit.pk
        if distribute:
            return self.distribute(business_unit_id, chunk_size)

        bar = tqdm(total=None, unit="chunk", disable=verbosity < 1, desc="Recomputing")

        def progress(done, total):
            bar.total = total
            bar.update(1)

        run, timings = analysis.recompute(
            employee_ids=employee_ids,
            business_unit_id=business_unit_id,
            trigger="command",
            chunk_size=chunk_size,
            progress=progress,
        )
        bar.close()
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Analysis #{run.pk}: {run.employees:,} employees, {run.gaps:,} gaps, {run.paths:,} career paths, "
                    f"{run.matches:,} opportunity matches in {timings.read + timings.compute + timings.write:.1f} s "
                    f"(read {timings.read:.1f}, compute {timings.compute:.1f}, write {timings.write:.1f})."
                )
            )
            self.stdout.write(self.picks_line(employee_ids=employee_ids, business_unit_id=business_unit_id))

    @staticmethod
    def picks_line(*, employee_ids, business_unit_id) -> str:
        """The learning picks now live for the people recomputed, by status and scorer (one query)."""
        live = Recommendation.objects.filter(shown=True, status__in=Recommendation.LIVE)
        if employee_ids is not None:
            live = live.filter(employee_id__in=employee_ids)
        if business_unit_id is not None:
            live = live.filter(employee__business_unit_id=business_unit_id)
        counts = {
            (row["status"], row["scorer"]): row["n"] for row in live.values("status", "scorer").annotate(n=Count("pk"))
        }
        delivered = sum(n for (status, _), n in counts.items() if status == Status.DELIVERED)
        waiting = sum(n for (status, _), n in counts.items() if status == Status.IN_REVIEW)
        scorers = ", ".join(sorted({scorer for _, scorer in counts})) or "none"
        return (
            f"Learning picks shown: {delivered:,} delivered, {waiting:,} waiting for HR review (ranked by {scorers})."
        )

    def distribute(self, business_unit_id, chunk_size):
        from django_q.tasks import async_task

        scope = analysis.Scope(business_unit_id=business_unit_id)
        run, ranges = analysis.run_start(scope=scope, trigger="command (distributed)", chunk_size=chunk_size)
        for low, high in ranges:
            async_task(
                "recommendations.tasks.recompute_chunk",
                run.pk,
                low,
                high,
                business_unit_id,
                task_name=f"analysis {run.pk} chunk {low}-{high}",
            )
        self.stdout.write(f"Queued analysis #{run.pk} as {len(ranges)} chunks; its status shows in the admin.")
