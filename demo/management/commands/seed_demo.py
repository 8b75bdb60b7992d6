"""Load the demo organisation: ``manage.py seed_demo [--employees N] [--seed S]``.

By default this is the implementation guide's pilot: a Data & Analytics function of about 40
people in three business units, eight roles with behavioural anchors, mobility paths and skill
demand, plus three demo accounts (employee, manager, HR). Everyone gets a history: role moves,
skill evidence, learning records, performance reviews and (mostly) a career goal; there are open
opportunities, and a first gap analysis runs at the end, with two past HR review cycles on
record. ``--employees 100000`` grows a whole company around the same pilot for benchmarks. The
same seed always gives the same data, and a second run adds nothing (see ``demo``).
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.generator import DEMO_URL, MIN_EMPLOYEES, PILOT_SIZE, build_demo


class Command(BaseCommand):
    help = "Create or update the demo organisation (the pilot by default; --employees N for a large one)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--employees",
            type=int,
            default=PILOT_SIZE,
            help=f"How many people (default {PILOT_SIZE}, the pilot; at least {MIN_EMPLOYEES}).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--planted-strength",
            type=float,
            default=1.0,
            help="Scale what the recommendation history plants for the ranking model (default 1; 0 plants nothing).",
        )
        parser.add_argument(
            "--url", default=DEMO_URL, help=f"Where the server will answer, for the sign-in line (default {DEMO_URL})."
        )

    def handle(self, *args, employees, seed, planted_strength, url, verbosity, **options):
        if employees < MIN_EMPLOYEES:
            raise CommandError(f"--employees must be at least {MIN_EMPLOYEES} (the pilot's named positions).")

        def progress(total, description):
            return tqdm(total=total, desc=description, unit=" rows", file=sys.stderr, disable=verbosity < 1)

        summary = build_demo(employees=employees, seed=seed, progress=progress, planted=planted_strength)
        if verbosity < 1:
            return
        self.stdout.write(f"Demo organisation: {employees} employees, seed {seed}.")
        self.stdout.write(f"  {'table':<22}{'created':>9}{'updated':>9}{'unchanged':>11}")
        for name, counts in summary.tables.items():
            self.stdout.write(f"  {name:<22}{counts.created:>9}{counts.updated:>9}{counts.unchanged:>11}")
        for note in summary.notes:
            self.stdout.write(f"  {note}")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Sign in at {url} with password {summary.accounts[0].password!r}:"))
        for account in summary.accounts:
            self.stdout.write(f"  {account.email:<24} sees {account.sees}.")
