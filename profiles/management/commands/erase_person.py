"""Erase one employee (GDPR art. 17): ``manage.py erase_person E12345 [--dry-run]``.

Pseudonymises them and their account (which can no longer sign in), blanks the free text of every
row that points at them, deletes their demographics and sign-in identities, scrubs the audit trail
of their values and records the erasure itself (see ``profiles.privacy``). Aggregates and metrics
keep their numbers. A later SCIM delivery or import with the same external id creates a new,
empty person. Cannot be undone: ``--dry-run`` shows what would be touched and rolls back.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from profiles.models import Employee
from profiles.privacy import employee_erase, person_rows


class Command(BaseCommand):
    help = "Erase one employee's personal data (by external id)."

    def add_arguments(self, parser):
        parser.add_argument("external_id")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, then roll it back.")

    def handle(self, *args, external_id, dry_run, verbosity, **options):
        employee = Employee.objects.filter(external_id=external_id).first()
        if employee is None:
            raise CommandError(f"No employee has the external id {external_id}.")
        with transaction.atomic():
            rows = person_rows(employee)
            erased = employee_erase(employee=employee)
            transaction.set_rollback(dry_run)
        if verbosity:
            for label, objects in sorted(rows.items()):
                self.stdout.write(f"  {label:<36}{len(objects):>8}")
            verb = "Would erase" if dry_run else "Erased"
            self.stdout.write(f"{verb} employee {erased.pk} (now {erased.external_id}).")
