"""Benchmark the portal pages under load (a command, not a timed test).

    python manage.py bench_web --employees 100000 [--json FILE] [--requests 2000] [--concurrency 8]

1. Makes sure the database holds an organisation of that size (``seed_demo`` when it has fewer
   active employees).
2. Signs in ``--users`` different employees and as many different managers without password
   hashing: each gets a user with an unusable password and a session row written straight into
   ``django_session`` (what ``Client.force_login`` does), signed with a SECRET_KEY generated for
   this run.
3. Starts gunicorn on a free loopback port (``--workers 2``, ``DEBUG=0``, ``CONN_MAX_AGE=60``,
   ``ALLOWED_HOSTS=127.0.0.1``, that SECRET_KEY), routed through ``talent.bench_urls``: the
   project's URLs plus ``bench/bare/``, a plain view making three queries.
4. A bounded load generator (a thread pool, ``--requests`` per page, ``--seconds`` at most per
   page, loopback only) requests /me/ as the employees, the manager briefing
   (/team/<pk>/briefing/ when the project has it, else /people/<pk>/) as the managers, and the
   bare view; every answer must be a 200. The portal pages are measured twice: each person's
   first view (built and stored: the users are new, and a page's cache key names its viewer), then
   ``--requests`` views spread over the same people (served from the page cache,
   since nothing it shows changed: a person opening their page again, a manager back on a
   briefing during the conversation).
5. Reports requests/s, p50 and p95 per page and pass and each one's throughput as a share of
   the bare view's, against the targets (at least half the bare view's throughput, p95 under
   100 ms).
6. Stops gunicorn and removes the sessions and users it made.
"""

import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from core.bench import Figure, figures_write, organisation_ensure

BENCH_USER_PREFIX = "bench-web-"
BENCH_URLCONF = "talent.bench_urls"
THROUGHPUT_TARGET = 0.5  # of the bare view's requests/s
P95_TARGET_MS = 100.0
STARTUP_SECONDS = 240  # a worker imports every app (pandas, scipy ...): a minute and more on a busy machine


def wsgi_application():
    """The gunicorn entry point (``portal.management.commands.bench_web:wsgi_application()``).

    ``talent.settings`` fixes ROOT_URLCONF, so the benchmark process applies the ROOT_URLCONF
    from its own environment once Django is set up; no other process is affected.
    """
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    settings.ROOT_URLCONF = os.environ.get("ROOT_URLCONF", BENCH_URLCONF)
    return application


@dataclass
class Page:
    label: str
    paths: list[str]  # one per signed-in person, used round-robin
    cookies: list[str] = field(default_factory=list)
    cached: bool = True  # its content is kept in the page cache (portal.pagecache)


class Command(BaseCommand):
    help = "Benchmark /me/ and the manager briefing under gunicorn against a bare three-query view."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=100_000, help="Organisation size to ensure first.")
        parser.add_argument("--requests", type=int, default=2000, help="Requests per page.")
        parser.add_argument("--concurrency", type=int, default=8, help="Client threads.")
        parser.add_argument(
            "--users", type=int, default=500, help="Different employees, and as many managers, signed in."
        )
        parser.add_argument("--seconds", type=float, default=120.0, help="Time cap per page.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file as JSON.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(
        self, *args, employees, requests, concurrency, users, seconds, workers, json_path, seed, verbosity, **options
    ):
        from profiles.models import Employee

        if requests < 1 or concurrency < 1 or users < 1:
            raise CommandError("--requests, --concurrency and --users must be at least 1.")
        self.verbosity = verbosity
        self.check_migrated()
        organisation_ensure(employees, seed=seed, say=self.say)
        secret_key = secrets.token_urlsafe(50)
        rng = random.Random(seed)
        try:
            pages = self.sign_in(rng=rng, count=users, secret_key=secret_key)
            self.collect_static(secret_key)
            with self.gunicorn(secret_key=secret_key, workers=workers) as port:
                results = {}
                for page in pages:
                    if page.cached:
                        self.say(f"{page.label}: each person's first view, {concurrency} at a time ...")
                        results[f"{page.label}, first view"] = self.load(
                            port=port, page=page, requests=None, concurrency=concurrency, seconds=seconds
                        )
                    self.say(f"{page.label}: {requests:,} requests, {concurrency} at a time ...")
                    label = f"{page.label}, seen again" if page.cached else page.label
                    results[label] = self.load(
                        port=port, page=page, requests=requests, concurrency=concurrency, seconds=seconds
                    )
        finally:
            self.clean_up()
        bare = results["bare view (3 queries)"]
        for page_figures in results.values():
            page_figures["share_of_bare"] = (
                round(page_figures["requests_per_second"] / bare["requests_per_second"], 2)
                if bare["requests_per_second"]
                else None
            )
        figures = {
            "database": connection.vendor,
            "employees": Employee.objects.active().count(),
            "gunicorn_workers": workers,
            "concurrency": concurrency,
            "signed_in": {"employees": len(pages[0].paths), "managers": len(pages[1].paths)},
            "pages": results,
            "targets": {"share_of_bare_at_least": THROUGHPUT_TARGET, "p95_ms_below": P95_TARGET_MS},
            "server_log": self.server_log,
            "load_average_1m": round(os.getloadavg()[0], 2),  # others' work on the machine skews the figures
            "measured_at": timezone.now().isoformat(timespec="seconds"),
        }
        if not any(page["failed"] for page in results.values()):
            Path(self.server_log).unlink(missing_ok=True)  # kept only when it explains failures
            figures["server_log"] = None
        self.report(figures)
        if json_path:
            figures_write(json_path, self.figures(figures), command="bench_web")

    @staticmethod
    def figures(measured) -> list:
        """Per page: throughput beside the bare view's (the floor) and the p95 latency."""
        size = {
            "employees": measured["employees"],
            "gunicorn_workers": measured["gunicorn_workers"],
            "concurrency": measured["concurrency"],
            "load_average_1m": measured["load_average_1m"],
        }
        bare = measured["pages"]["bare view (3 queries)"]["requests_per_second"]
        rows = []
        for label, page in measured["pages"].items():
            name = "web_" + re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
            rows.append(Figure(f"{name}_throughput", page["requests_per_second"], "req/s", floor=bare, size=size))
            rows.append(Figure(f"{name}_p95", page["p95_ms"], "ms", size=size))
        return rows

    def say(self, text):
        if self.verbosity >= 1:
            self.stderr.write(text)

    @staticmethod
    def check_migrated():
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database has unapplied migrations: run `manage.py migrate` first.")

    def sign_in(self, *, rng, count, secret_key) -> list[Page]:
        """Users and sessions for ``count`` employees and ``count`` managers; the pages they open."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.contrib.sessions.backends.db import SessionStore
        from django.contrib.sessions.models import Session
        from django.test import override_settings

        from profiles.models import Employee

        self.clean_up()  # what an interrupted run may have left
        free = Employee.objects.active().filter(user__isnull=True)
        manager_ids = list(free.filter(reports__status="active").values_list("pk", flat=True).distinct().order_by("pk"))
        managers = rng.sample(manager_ids, min(count, len(manager_ids)))
        chosen_managers = set(managers)
        employee_ids = [pk for pk in free.order_by("pk").values_list("pk", flat=True) if pk not in chosen_managers]
        employees = rng.sample(employee_ids, min(count, len(employee_ids)))
        if not managers or not employees:
            raise CommandError("The database has no employees (or managers) without an account to sign in as.")
        report_of = {}
        for manager_id, report_id in (
            Employee.objects.active().filter(manager_id__in=managers).order_by("pk").values_list("manager_id", "pk")
        ):
            report_of.setdefault(manager_id, report_id)

        user_model = get_user_model()
        with transaction.atomic():
            user_model.objects.bulk_create(
                [
                    user_model(username=f"{BENCH_USER_PREFIX}{pk}", password=make_password(None))
                    for pk in employees + managers
                ],
                batch_size=1000,
            )
            user_of = dict(
                user_model.objects.filter(username__startswith=BENCH_USER_PREFIX).values_list("username", "pk")
            )
            people = list(Employee.objects.filter(pk__in=employees + managers).only("pk", "user"))
            for person in people:
                person.user_id = user_of[f"{BENCH_USER_PREFIX}{person.pk}"]
            Employee.objects.bulk_update(people, ["user"], batch_size=1000)  # bench accounts: removed after the run

            cookie_of = {}
            rows = []
            expires = timezone.now() + timedelta(hours=2)
            with override_settings(SECRET_KEY=secret_key):  # the server's key signs the sessions
                for user in user_model.objects.filter(username__startswith=BENCH_USER_PREFIX):
                    store = SessionStore()
                    key = store._get_new_session_key()
                    data = {
                        "_auth_user_id": str(user.pk),
                        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                        "_auth_user_hash": user.get_session_auth_hash(),
                    }
                    rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
                    cookie_of[int(user.username.removeprefix(BENCH_USER_PREFIX))] = (
                        f"{settings.SESSION_COOKIE_NAME}={key}"
                    )
            Session.objects.bulk_create(rows, batch_size=1000)
            self.session_keys = [row.session_key for row in rows]

        briefing = self.briefing_path(next(iter(report_of.values())))
        manager_page = Page(
            label=f"manager briefing {briefing.format(pk='<pk>')}",
            paths=[briefing.format(pk=report_of[pk]) for pk in managers if pk in report_of],
            cookies=[cookie_of[pk] for pk in managers if pk in report_of],
        )
        return [
            Page(
                label="employee home /me/", paths=["/me/"] * len(employees), cookies=[cookie_of[pk] for pk in employees]
            ),
            manager_page,
            Page(
                cached=False,
                label="bare view (3 queries)",
                paths=[f"/bench/bare/?pk={pk}" for pk in employees],
                cookies=[cookie_of[pk] for pk in employees],
            ),
        ]

    @staticmethod
    def briefing_path(example_pk) -> str:
        """/team/<pk>/briefing/ when the project routes it, else the profile page /people/<pk>/."""
        try:
            resolve(f"/team/{example_pk}/briefing/")
            return "/team/{pk}/briefing/"
        except Resolver404:
            return "/people/{pk}/"

    def clean_up(self):
        from django.contrib.auth import get_user_model
        from django.contrib.sessions.models import Session

        bench_users = get_user_model().objects.filter(username__startswith=BENCH_USER_PREFIX)
        ids = [str(pk) for pk in bench_users.values_list("pk", flat=True)]
        if not ids:
            return
        with transaction.atomic():
            keys = getattr(self, "session_keys", [])
            for start in range(0, len(keys), 1000):
                Session.objects.filter(session_key__in=keys[start : start + 1000]).delete()
            bench_users.delete()  # Employee.user is SET_NULL: the employees are left unlinked again
        self.session_keys = []

    # Step 3: gunicorn.

    def server_environment(self, secret_key) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "talent.settings",
            "DEBUG": "0",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CONN_MAX_AGE": "60",
            "ROOT_URLCONF": BENCH_URLCONF,
            "LOG_LEVEL": "WARNING",
            # Production settings over plain http on 127.0.0.1: no redirect to https, cookies sent
            # without TLS, and the benchmark's own sessions stand without a second factor.
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "MFA_REQUIRED": "0",
        }

    def collect_static(self, secret_key):
        """With DEBUG off the templates need the hashed static manifest, as in production."""
        subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "collectstatic",
                "--noinput",
                "--verbosity",
                "0",
            ],
            check=True,
            env=self.server_environment(secret_key),
            cwd=settings.BASE_DIR,
        )

    def gunicorn(self, *, secret_key, workers):
        command = self

        class Server:
            def __enter__(self):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", 0))
                    self.port = probe.getsockname()[1]
                self.log = tempfile.NamedTemporaryFile(prefix="bench-web-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
                command.server_log = self.log.name
                self.process = subprocess.Popen(  # noqa: S603 - gunicorn from this venv, fixed arguments
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "portal.management.commands.bench_web:wsgi_application()",
                        "--bind",
                        f"127.0.0.1:{self.port}",
                        "--workers",
                        str(workers),
                        "--timeout",
                        "60",
                        "--log-level",
                        "warning",
                    ],
                    env=command.server_environment(secret_key),
                    cwd=settings.BASE_DIR,
                    stdout=self.log,
                    stderr=subprocess.STDOUT,
                )
                command.server_process = self.process  # the soak samples its memory
                deadline = time.monotonic() + STARTUP_SECONDS
                while time.monotonic() < deadline:
                    if self.process.poll() is not None:
                        raise CommandError(
                            f"gunicorn exited with {self.process.returncode} before answering; see {self.log.name}."
                        )
                    try:
                        if _get(self.port, "/bench/bare/?pk=0", "")[0] == 200:
                            return self.port
                    except OSError:
                        pass
                    time.sleep(0.2)
                self.__exit__()
                raise CommandError(f"gunicorn did not answer within {STARTUP_SECONDS} s; see {self.log.name}.")

            def __exit__(self, *exc):
                if self.process.poll() is None:
                    self.process.send_signal(signal.SIGTERM)
                    try:
                        self.process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        self.process.kill()
                        self.process.wait()
                self.log.close()
                return False

        return Server()

    # Step 4: the load.

    def load(self, *, port, page, requests, concurrency, seconds) -> dict:
        """``requests`` GETs spread over the page's people, ``concurrency`` at a time, ``seconds`` at most.

        ``requests=None``: each person's first view, once each, after the first few people's
        views have warmed each worker's connection and templates (those few are not counted).
        """
        warm = min(concurrency * 2, len(page.paths))
        for index in range(warm):
            _get(port, page.paths[index], page.cookies[index])
        counter = iter(range(warm, len(page.paths)) if requests is None else range(requests))
        lock = threading.Lock()
        latencies, failures = [], []
        deadline = time.monotonic() + seconds

        def worker():
            while time.monotonic() < deadline:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                index = number % len(page.paths)
                started = time.perf_counter()
                try:
                    status, _ = _get(port, page.paths[index], page.cookies[index])
                except OSError as error:
                    status = f"{type(error).__name__}: {error}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if status != 200:
                        failures.append(f"{page.paths[index]} -> {status}")

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for future in [pool.submit(worker) for _ in range(concurrency)]:
                future.result()
        wall = time.perf_counter() - started
        timings = np.array(latencies)
        return {
            "requests": len(latencies),
            "failed": len(failures),
            "failures_sample": failures[:5],
            "people": len(set(page.cookies)),
            "seconds": round(wall, 2),
            "requests_per_second": round(len(latencies) / wall, 1) if wall else 0.0,
            "p50_ms": round(float(np.percentile(timings, 50)), 1) if len(timings) else None,
            "p95_ms": round(float(np.percentile(timings, 95)), 1) if len(timings) else None,
            "max_ms": round(float(timings.max()), 1) if len(timings) else None,
            "capped_by_time": time.monotonic() >= deadline,
        }

    def report(self, figures):
        lines = [
            f"Web benchmark on {figures['database']}, {figures['employees']:,} active employees; gunicorn "
            f"{figures['gunicorn_workers']} workers, {figures['concurrency']} concurrent clients; "
            f"{figures['signed_in']['employees']} employees and {figures['signed_in']['managers']} managers signed in; "
            f"load average {figures['load_average_1m']} at the end",
            "",
            f"{'page':<52}{'requests':>9}{'failed':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'x bare':>8}  targets",
        ]
        for label, page in figures["pages"].items():
            if label.startswith("bare"):
                verdict = ""
            else:
                share_ok = page["share_of_bare"] is not None and page["share_of_bare"] >= THROUGHPUT_TARGET
                p95_ok = page["p95_ms"] is not None and page["p95_ms"] < P95_TARGET_MS
                verdict = f"throughput {'met' if share_ok else 'MISSED'}, p95 {'met' if p95_ok else 'MISSED'}"
            lines.append(
                f"{label:<52}{page['requests']:>9,}{page['failed']:>7}{page['requests_per_second']:>9.1f}"
                f"{page['p50_ms'] or 0:>9.1f}{page['p95_ms'] or 0:>9.1f}{page['share_of_bare'] or 0:>8.2f}  {verdict}"
            )
            for failure in page["failures_sample"]:
                lines.append(f"    failed: {failure}")
        lines.append("")
        if any(page["failed"] for page in figures["pages"].values()):
            lines.append(f"Some requests failed: the server's log is {figures['server_log']}.")
        lines.append(
            f"Targets: at least {THROUGHPUT_TARGET:.0%} of the bare view's requests/s, p95 under {P95_TARGET_MS:.0f} ms."
        )
        self.stdout.write("\n".join(lines))


def _get(port: int, path: str, cookie: str) -> tuple[int, int]:
    """One GET on a fresh loopback connection (gunicorn's sync workers close each one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body)
    finally:
        conn.close()
