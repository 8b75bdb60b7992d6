"""Compute and store capability across the organisation now (the daily task does the same).

    python manage.py capability_snapshot

The skills x teams heatmap (today, three and six months ago) and supply against the demand HR
planned per business unit, from the recompute's results; the capability pages show the newest.
"""

from django.core.management.base import BaseCommand

from metrics.capability_services import capability_take


class Command(BaseCommand):
    help = "Compute the capability heatmap and supply against demand from the recompute's results."

    def handle(self, *args, verbosity, **options):
        snapshot = capability_take()
        if verbosity:
            self.stdout.write(
                f"Capability as of {snapshot.as_of}: {snapshot.employees:,} people, "
                f"{snapshot.cells.count():,} team cells, {snapshot.supply.count()} planned demands."
            )
