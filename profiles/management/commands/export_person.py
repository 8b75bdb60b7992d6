"""Everything held on one employee as JSON (GDPR art. 15 and 20): ``manage.py export_person E12345``.

Writes to standard output, or ``--output FILE``. The same export is on the HR page
/hr/data/people/<id>/ and the admin's employee list (action "Export their data"). Recorded in the
audit trail, with the read of their demographics.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from profiles.models import Employee
from profiles.privacy import employee_export


class Command(BaseCommand):
    help = "Export everything held on one employee (by external id) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("external_id")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, external_id, output, **options):
        employee = Employee.objects.filter(external_id=external_id).first()
        if employee is None:
            raise CommandError(f"No employee has the external id {external_id}.")
        text = json.dumps(employee_export(employee=employee), indent=2, default=str)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            if options["verbosity"]:
                self.stdout.write(f"Wrote everything held on employee {employee.pk} to {output}.")
        else:
            self.stdout.write(text)
