"""Soak: the portals and the APIs under bounded loopback load for a while, with the server's memory.

    python manage.py soak --employees 100000 --minutes 10 [--concurrency 8] [--json FILE]

Built on ``bench_web`` (same demo organisation, sign-ins without password hashing, gunicorn with
DEBUG off on a loopback port, clean-up afterwards):

1. Signs in ``--users`` employees, as many managers and one HR user, and issues a SCIM token,
   a REST API token (HR's) and an xAPI credential for the run.
2. ``--concurrency`` client threads (the bound on the load: each sends its next request when the
   previous one answered) go round the endpoints for ``--minutes``: /me/, the manager briefing and
   /team/, HR's home, review queue and data page, the REST employee list, SCIM Users pages and
   xAPI statements POSTed as completions (new statements, each with its own id).
   Before the clock starts, a warm-up pass asks for every person's pages once (``--no-warm-up``
   skips it): a worker's memory grows while it meets people it has not served yet (each first view
   builds the page, and the allocator keeps its high-water mark), which is not a leak; the soak
   asks whether serving the same people again and again keeps memory flat. One pass shows each
   person to one worker only, so with several workers memory may still rise in the first minutes.
3. Every ``--sample`` seconds, the resident memory (RSS) of gunicorn's master and of each worker
   (read from /proc: Linux). The server runs with DEBUG off, as in production (with DEBUG on,
   Django would keep the queries of each request in ``connection.queries``).
4. Reports per endpoint the requests, errors (anything but the expected status, in the warm-up
   too) and p50/p95 (of the timed run), then the server's RSS before and after the warm-up, first,
   last and its slope (MB per minute, least squares over the timed run; without the warm-up, after
   its first minute), in all and per process. Fails (exit 1) on any error.
5. Removes what it made: users and sessions, credentials, the statements and learning records
   it posted.
"""

import base64
import http.client
import json
import os
import random
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from core.bench import organisation_ensure
from portal.management.commands import bench_web

SOAK_OBJECT = "https://soak.talent.invalid/courses/"  # the activities the soak's statements name
WARM_UP_MAX_PER_ENDPOINT = 1_000  # the warm-up pass asks each endpoint for at most this many of its paths
WARM_UP_SECONDS = 60  # without the warm-up pass, the memory slope leaves out the first minute


@dataclass
class Endpoint:
    label: str
    method: str
    paths: list[str]
    headers: list[dict]  # one per path (its viewer)
    expect: int = 200
    body: object = None  # a function of the path index: the request body

    def viewers(self) -> int:
        """How many different (path, credentials) pairs it asks for: its people (1 for xAPI)."""
        return len(
            {(path, tuple(sorted(headers.items()))) for path, headers in zip(self.paths, self.headers, strict=True)}
        )

    def request(self, index: int) -> tuple[str, str, dict, bytes | None]:
        position = index % len(self.paths)
        body = self.body(position) if self.body else None
        return self.method, self.paths[position], self.headers[position], body


class Command(bench_web.Command):
    help = "Drive the portals and the APIs with bounded loopback load for a while; report errors, latency, memory."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=100_000, help="Organisation size to ensure first.")
        parser.add_argument("--minutes", type=float, default=10.0, help="How long the load runs.")
        parser.add_argument("--concurrency", type=int, default=8, help="Client threads (the bound on the load).")
        parser.add_argument("--users", type=int, default=200, help="Different employees, and as many managers.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument("--sample", type=float, default=5.0, help="Seconds between memory samples.")
        parser.add_argument(
            "--no-warm-up",
            dest="warm_up",
            action="store_false",
            help="Start the clock at once instead of after one pass over every person's pages.",
        )
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file as JSON.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(
        self,
        *args,
        employees,
        minutes,
        concurrency,
        users,
        workers,
        sample,
        json_path,
        seed,
        verbosity,
        warm_up=True,
        **options,
    ):
        from profiles.models import Employee

        if minutes <= 0 or concurrency < 1 or users < 1 or sample <= 0:
            raise CommandError("--minutes, --concurrency, --users and --sample must be positive.")
        self.verbosity = verbosity
        self.check_migrated()
        organisation_ensure(employees, seed=seed, say=self.say)
        secret_key = bench_web.secrets.token_urlsafe(50)
        rng = random.Random(seed)
        self.credentials = []
        try:
            me, briefing, _ = self.sign_in(rng=rng, count=users, secret_key=secret_key)
            endpoints = self.endpoints(me=me, briefing=briefing, secret_key=secret_key, rng=rng)
            self.collect_static(secret_key)
            with self.gunicorn(secret_key=secret_key, workers=workers) as port:
                self.say(f"Soaking for {minutes:g} min, {concurrency} clients, {len(endpoints)} endpoints ...")
                results, memory = self.soak(
                    port=port,
                    endpoints=endpoints,
                    seconds=minutes * 60,
                    concurrency=concurrency,
                    sample=sample,
                    warm_up=warm_up,
                )
        finally:
            self.soak_clean_up()
        figures = {
            "database": bench_web.connection.vendor,
            "employees": Employee.objects.active().count(),
            "minutes": minutes,
            "gunicorn_workers": workers,
            "concurrency": concurrency,
            "endpoints": results,
            "requests": sum(r["requests"] for r in results.values()),
            "errors": sum(r["errors"] for r in results.values()),
            "memory": memory,
            "server_log": self.server_log,
            "load_average_1m": round(os.getloadavg()[0], 2),
            "measured_at": timezone.now().isoformat(timespec="seconds"),
        }
        self.soak_report(figures)
        if json_path:
            Path(json_path).write_text(json.dumps(figures, indent=2))
        if figures["errors"]:
            raise CommandError(f"{figures['errors']} requests failed; the server's log is {self.server_log}.")
        Path(self.server_log).unlink(missing_ok=True)

    # Step 1: who asks for what.

    def endpoints(self, *, me, briefing, secret_key, rng) -> list[Endpoint]:
        from profiles.credentials import credential_issue
        from profiles.models import Employee

        hr_cookie, hr_user = self.hr_sign_in(secret_key)
        scim, scim_token = credential_issue(kind="scim", name="soak")
        api, api_token = credential_issue(kind="api", name="soak", user=hr_user)
        xapi, xapi_secret = credential_issue(kind="xapi", name="soak")
        self.credentials = [scim.pk, api.pk, xapi.pk]
        managers = [{"Cookie": cookie} for cookie in briefing.cookies]
        emails = list(Employee.objects.active().exclude(email="").order_by("pk").values_list("email", flat=True)[:5000])
        rng.shuffle(emails)
        basic = base64.b64encode(f"{xapi.key}:{xapi_secret}".encode()).decode()
        xapi_headers = {
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/json",
            "X-Experience-API-Version": "1.0.3",
        }

        def statement(position):
            return json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "actor": {"mbox": f"mailto:{emails[position]}"},
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                    "object": {"id": f"{SOAK_OBJECT}{position % 50}"},
                    "result": {"completion": True},
                    "timestamp": timezone.now().isoformat(),
                }
            ).encode()

        hr = [{"Cookie": hr_cookie}]
        scim_headers = {"Authorization": f"Bearer {scim_token}", "Accept": "application/scim+json"}
        starts = [1 + rng.randrange(0, max(1, len(emails) - 20)) for _ in range(50)]
        return [
            Endpoint("employee /me/", "GET", me.paths, [{"Cookie": c} for c in me.cookies]),
            Endpoint("manager briefing", "GET", briefing.paths, managers),
            Endpoint("manager /team/", "GET", ["/team/"] * len(managers), managers),
            Endpoint("HR home /hr/", "GET", ["/hr/"], hr),
            Endpoint("HR review queue /hr/review/", "GET", ["/hr/review/"], hr),
            Endpoint("HR data runs /hr/data/syncs/", "GET", ["/hr/data/syncs/"], hr),
            Endpoint(
                "REST GET /api/employees/",
                "GET",
                [f"/api/employees/?page={page}" for page in range(1, 6)],
                [{"Authorization": f"Bearer {api_token}"}] * 5,
            ),
            Endpoint(
                "SCIM GET /scim/v2/Users",
                "GET",
                [f"/scim/v2/Users?startIndex={start}&count=20" for start in starts],
                [scim_headers] * len(starts),
            ),
            Endpoint(
                "xAPI POST /xapi/statements",
                "POST",
                ["/xapi/statements"] * len(emails),
                [xapi_headers] * len(emails),
                body=statement,
            ),
        ]

    def hr_sign_in(self, secret_key) -> tuple[str, object]:
        """One HR user (named like the bench users, so ``clean_up`` removes it) and its session cookie."""
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group
        from django.contrib.sessions.backends.db import SessionStore
        from django.test import override_settings

        from profiles.access import HR_GROUP

        user = get_user_model().objects.create(
            username=f"{bench_web.BENCH_USER_PREFIX}hr", password=make_password(None), is_staff=True
        )
        user.groups.add(Group.objects.get_or_create(name=HR_GROUP)[0])
        with override_settings(SECRET_KEY=secret_key):
            store = SessionStore()
            store.update(
                {
                    "_auth_user_id": str(user.pk),
                    "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                    "_auth_user_hash": user.get_session_auth_hash(),
                }
            )
            store.create()
        self.session_keys = [*getattr(self, "session_keys", []), store.session_key]
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}", user

    # Steps 2 and 3: the load and the memory.

    def soak(self, *, port, endpoints, seconds, concurrency, sample, warm_up):
        master = self.server_process.pid
        memory_samples: list[tuple[float, float]] = []
        per_process: dict[int, list[tuple[float, float]]] = defaultdict(list)
        latencies = defaultdict(list)
        errors = defaultdict(list)
        lock = threading.Lock()
        turn = iter(range(10**12))

        def send(endpoint: Endpoint, index: int) -> float:
            method, path, headers, body = endpoint.request(index)
            began = time.perf_counter()
            try:
                status = _request(port, method, path, headers, body)
            except OSError as error:
                status = f"{type(error).__name__}: {error}"
            if status != endpoint.expect:
                with lock:
                    errors[endpoint.label].append(f"{method} {path} -> {status}")
            return (time.perf_counter() - began) * 1000

        warmed = {"requests": 0, "seconds": 0.0, "before": server_rss(master)}
        if warm_up:
            # Every person's pages once, before the clock starts: a worker's memory grows while it
            # meets ever new people (each first view builds its page and raises the allocator's
            # high-water mark), which says nothing about whether serving the same people leaks.
            began = time.monotonic()
            jobs = [(e, i) for e in endpoints for i in range(min(e.viewers(), WARM_UP_MAX_PER_ENDPOINT))]
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                list(pool.map(lambda job: send(*job), jobs))
            warmed.update(requests=len(jobs), seconds=round(time.monotonic() - began, 1))
        warmed["after"] = server_rss(master)
        started = time.monotonic()
        deadline = started + seconds

        def sampler():
            while True:
                at = time.monotonic() - started
                sizes = server_rss(master)
                for pid, size in sizes.items():
                    per_process[pid].append((at, size))
                memory_samples.append((at, sum(sizes.values())))
                if time.monotonic() >= deadline:
                    return
                time.sleep(min(sample, max(0.0, deadline - time.monotonic())))

        def client():
            while time.monotonic() < deadline:
                with lock:
                    number = next(turn)
                endpoint = endpoints[number % len(endpoints)]
                elapsed = send(endpoint, number // len(endpoints))
                with lock:
                    latencies[endpoint.label].append(elapsed)

        threads = [threading.Thread(target=sampler)] + [threading.Thread(target=client) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        results = {}
        for endpoint in endpoints:
            timings = np.array(latencies[endpoint.label])
            results[endpoint.label] = {
                "requests": len(timings),
                "errors": len(errors[endpoint.label]),
                "errors_sample": errors[endpoint.label][:5],
                "requests_per_second": round(len(timings) / wall, 1),
                "p50_ms": round(float(np.percentile(timings, 50)), 1) if len(timings) else None,
                "p95_ms": round(float(np.percentile(timings, 95)), 1) if len(timings) else None,
            }
        settle = 0.0 if warm_up else WARM_UP_SECONDS
        memory = memory_figures(memory_samples, settle=settle)
        memory["warm_up"] = {
            "requests": warmed["requests"],
            "seconds": warmed["seconds"],
            "before_mb": round(sum(warmed["before"].values()), 1),
            "after_mb": round(sum(warmed["after"].values()), 1),
        }
        names = {pid: "master" if pid == master else f"worker {pid}" for pid in per_process}
        memory["processes"] = {
            names[pid]: {
                **{key: value for key, value in memory_figures(series, settle=settle).items() if key != "series"},
                "before_warm_up_mb": round(warmed["before"].get(pid, 0.0), 1),
            }
            for pid, series in sorted(per_process.items(), key=lambda item: (item[0] != master, item[0]))
        }
        return results, memory

    # Step 4 and 5.

    def soak_report(self, figures):
        memory = figures["memory"]
        lines = [
            f"Soak on {figures['database']}, {figures['employees']:,} active employees, {figures['minutes']:g} min; "
            f"gunicorn {figures['gunicorn_workers']} workers, {figures['concurrency']} clients; "
            f"load average {figures['load_average_1m']} at the end",
            "",
            f"{'endpoint':<32}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}",
        ]
        for label, row in figures["endpoints"].items():
            lines.append(
                f"{label:<32}{row['requests']:>9,}{row['errors']:>7}{row['requests_per_second']:>8.1f}"
                f"{row['p50_ms'] or 0:>9.1f}{row['p95_ms'] or 0:>9.1f}"
            )
            lines += [f"    error: {error}" for error in row["errors_sample"]]
        warm = memory["warm_up"]
        window = "the whole timed run" if warm["requests"] else "the first minute left out"
        lines += [
            "",
            f"All: {figures['requests']:,} requests, {figures['errors']} errors"
            + (f" (and {warm['requests']:,} in the warm-up pass, {warm['seconds']:g} s)." if warm["requests"] else "."),
            f"Server RSS (master + workers): {warm['before_mb']} MB at the start"
            + (f", {warm['after_mb']} MB after the warm-up" if warm["requests"] else "")
            + f"; then first {memory['first_mb']} MB, last {memory['last_mb']} MB, max {memory['max_mb']} MB over "
            f"{memory['samples']} samples; slope over {window} {memory['slope_mb_per_minute']} MB/min.",
        ]
        for process, row in memory.get("processes", {}).items():
            lines.append(
                f"    {process:<16} {row['before_warm_up_mb']} MB at the start; first {row['first_mb']} MB, "
                f"last {row['last_mb']} MB, max {row['max_mb']} MB; slope {row['slope_mb_per_minute']} MB/min"
            )
        self.stdout.write("\n".join(lines))

    def soak_clean_up(self):
        from profiles.models import Credential, LearningRecord, XapiStatement

        with transaction.atomic():
            if self.credentials:
                XapiStatement.objects.filter(credential_id__in=self.credentials).delete()
                Credential.objects.filter(pk__in=self.credentials).delete()
            LearningRecord.objects.filter(activity_id__startswith=SOAK_OBJECT).delete()
        self.clean_up()


def memory_figures(samples: list[tuple[float, float]], *, settle: float = WARM_UP_SECONDS) -> dict:
    """First, last and max RSS, and the least-squares slope over the samples after ``settle``
    seconds (without a warm-up pass: each worker imports the apps and fills its caches on its first
    requests)."""
    if not samples:
        return {"samples": 0, "first_mb": None, "last_mb": None, "max_mb": None, "slope_mb_per_minute": None}
    seconds, megabytes = np.array(samples).T
    steady = seconds >= settle if (seconds >= settle).sum() >= 3 else np.ones_like(seconds, dtype=bool)
    slope = np.polyfit(seconds[steady] / 60, megabytes[steady], 1)[0] if steady.sum() >= 2 else 0.0
    return {
        "samples": len(samples),
        "first_mb": round(float(megabytes[0]), 1),
        "last_mb": round(float(megabytes[-1]), 1),
        "max_mb": round(float(megabytes.max()), 1),
        "slope_mb_per_minute": round(float(slope), 2),
        "series": [[round(float(s), 1), round(float(m), 1)] for s, m in samples],
    }


def server_rss(master: int) -> dict[int, float]:
    """RSS in MB of gunicorn's master and each of its workers, by process id."""
    sizes = {pid: rss_kib(pid) / 1024 for pid in [master, *children(master)]}
    return {pid: size for pid, size in sizes.items() if size}


def children(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (gunicorn's workers), from /proc (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def rss_kib(pid: int) -> int:
    """A process's resident memory in KiB (0 if it has gone: a worker recycled meanwhile)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1])


def _request(port: int, method: str, path: str, headers: dict, body: bytes | None) -> int:
    """One request on a fresh loopback connection (gunicorn's sync workers close each one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
