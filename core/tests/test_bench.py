"""core.bench: every benchmark's figures in one JSON shape."""

import json

import pytest

from core.bench import Figure, figures_write, folder_table, organisation_ensure

pytestmark = pytest.mark.django_db

FIELDS = {
    "figure",
    "value",
    "unit",
    "floor",
    "ratio",
    "size",
    "command",
    "machine",
    "database",
    "commit",
    "measured_at",
}


def test_each_figure_carries_its_floor_ratio_machine_database_and_commit(tmp_path):
    path = tmp_path / "bench" / "recompute.json"
    figures_write(
        path,
        [
            Figure("full_recompute_until_live", 59.6, "s", floor=19.7, size={"employees": 100}),
            Figure("peak", 550, "MB"),
        ],
        command="bench",
    )
    rows = json.loads(path.read_text())
    assert [set(row) for row in rows] == [FIELDS, FIELDS]
    live, peak = rows
    assert live["ratio"] == 3.03 and peak["floor"] is None and peak["ratio"] is None
    assert live["machine"]["cpus"] >= 1 and live["machine"]["memory_mb"] > 0
    assert live["database"].split()[0] in {"PostgreSQL", "SQLite"}
    assert live["commit"] is None or len(live["commit"].split("+")[0]) == 40


def test_the_folder_reads_as_one_table(tmp_path):
    figures_write(tmp_path / "a.json", [Figure("one_employee_p95", 109.0, "ms")], command="bench")
    figures_write(
        tmp_path / "b.json", [Figure("learning_import", 14400, "rows/s", floor=32727)], command="bench_import"
    )
    table = folder_table(tmp_path).splitlines()
    assert table[0].split() == ["command", "figure", "value", "unit", "floor", "ratio"]
    assert table[1].split() == ["bench", "one_employee_p95", "109", "ms"]
    assert table[2].split() == ["bench_import", "learning_import", "14400", "rows/s", "32727", "0.44"]


def test_an_organisation_already_built_is_not_built_again_leavers_counted(org):
    said = []
    org.outsider.status = org.outsider.Status.LEFT  # seed_demo plants leavers too
    org.outsider.save()
    organisation_ensure(6, seed=1, say=said.append)  # the org fixture: six employees, one left
    assert said == []
