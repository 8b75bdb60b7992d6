"""Running the demo: what `make run` does, and what the server log says about a refusal."""

import logging
import shutil
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse


def make_run_commands(port: int) -> str:
    """The commands `make run PORT=...` would run, without running them."""
    make = shutil.which("make")
    assert make, "make is needed to read the Makefile's recipe"
    command = [make, "-n", "run", f"PORT={port}"]
    return subprocess.run(command, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True).stdout  # noqa: S603


class TestMakeRun:
    def test_it_prints_the_sign_in_url_with_the_port_it_serves_on(self):
        commands = make_run_commands(8100)
        assert "seed_demo --url http://127.0.0.1:8100/" in commands
        assert "runserver 127.0.0.1:8100" in commands

    def test_it_runs_the_data_quality_scan_so_the_demo_shows_flags(self):
        commands = make_run_commands(8000).splitlines()
        scan = next(i for i, line in enumerate(commands) if line.endswith("manage.py scan_quality"))
        assert scan > next(i for i, line in enumerate(commands) if "manage.py seed_demo" in line)

    def test_ctrl_c_asks_qcluster_to_stop_and_does_not_wait_for_it_for_ever(self):
        commands = make_run_commands(8000)
        # qcluster in a session of its own: Ctrl-C reaches only runserver, and the trap stops qcluster
        assert '-c "$OWN_SESSION" manage.py qcluster' in commands
        assert "os.setsid()" in (settings.BASE_DIR / "Makefile").read_text()
        assert "kill -TERM $Q" in commands and "sleep 8; kill -KILL -$Q" in commands


@pytest.mark.django_db
class TestRefusalsInTheLog:
    def test_a_403_is_one_line_without_a_traceback(self, client, org, caplog):
        client.force_login(org.employee.user)
        with caplog.at_level(logging.WARNING, logger="django.request"):
            response = client.get(reverse("hr_home"))
        assert response.status_code == 403
        refused = [record for record in caplog.records if getattr(record, "status_code", None) == 403]
        assert refused and all(record.exc_info is None for record in refused)
        assert "Traceback" not in caplog.text
