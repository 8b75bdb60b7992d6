"""`make serve` as a company runs it: DEBUG off, gunicorn and the task worker, static files
collected and served by whitenoise. Without collected static files every page was a server error."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url)  # noqa: S310 - always http://127.0.0.1
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "a-production-like-secret-key-for-this-test-only-0123456789",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",  # plain http on loopback, no TLS proxy in front
        "SECURE_SSL_REDIRECT": "0",
        "PORT": str(port),
        "WEB_WORKERS": "1",
        "Q_WORKERS": "1",
    }
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed below
    make = shutil.which("make")
    server = subprocess.Popen(  # noqa: S603
        [make, "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                fetch(base + "/accounts/login/")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                time.sleep(0.5)
        else:
            pytest.fail("make serve did not answer within 240 s:\n" + (tmp_path / "serve.log").read_text()[-3000:])
        yield base
    finally:
        stop_group(server)
        log.close()


def stop_group(server: subprocess.Popen) -> None:
    """Stop make and everything it started (gunicorn, qcluster and their workers): SIGTERM, then
    SIGKILL for whatever is still running after 20 s, so no worker outlives the test."""
    os.killpg(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            break
        server.poll()
        time.sleep(0.2)
    else:
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)


def test_make_serve_answers_pages_and_static_files_with_debug_off(served):
    status, login = fetch(served + "/accounts/login/")
    assert status == 200, login[-2000:]
    assert "Sign in" in login and "Traceback" not in login

    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', login)
    assert stylesheets and all(re.search(r"\.[0-9a-f]{12}\.css$", path) for path in stylesheets)  # hashed names
    for path in stylesheets:
        assert fetch(served + path)[0] == 200

    assert fetch(served + "/me/")[0] == 302  # to sign-in, not a server error
    assert fetch(served + "/static/no-such-file.css")[0] == 404
