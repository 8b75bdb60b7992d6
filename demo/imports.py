"""Loading the demo's files (``files``) with the project's own importers, as a customer would.

Each function writes one import's files into a temporary directory, runs the importer's service
function on them (not its management command: the demo runs inside ``build_demo``'s transaction
and reports into the demo's summary) and copies the importer's created / updated / unchanged
counts into that summary. An importer that refuses the demo's files, or any row of them, is a
bug in the demo or the importer, so the demo stops with the importer's own reasons.

Profile files are imported with ``announce=False``: the demo ends with one full recompute
(``first_analysis``), as a customer's first bulk load does, instead of queueing one per file.
"""

import tempfile
from pathlib import Path

import pandas as pd
from django.conf import settings

from profiles.importing import file_import
from profiles.models import SyncRejection, SyncRun
from recommendations.catalogue_import import import_catalogue_file
from taxonomy.importing import taxonomy_plan, taxonomy_write

from .context import Context, DemoSummary, TaxonomySpec
from .files import write_catalogue, write_frame_csv, write_taxonomy

# The taxonomy importer's table labels, as the demo's summary has always named those tables.
TAXONOMY_TABLES = {
    "skill categories": "skill categories",
    "job families": "job families",
    "skills": "skills",
    "roles": "roles",
    "requirements": "role requirements",
    "mobility paths": "mobility paths",
    "anchors": "behavioural anchors",
}


def import_taxonomy(spec: TaxonomySpec, summary: DemoSummary) -> None:
    """Skills, roles, requirements, mobility paths and anchors through ``taxonomy.importing``."""
    with tempfile.TemporaryDirectory(prefix="demo-taxonomy-") as folder:
        plan = taxonomy_plan(folder=write_taxonomy(spec, Path(folder)))
    taxonomy_write(plan=plan)
    for table in plan.tables:
        counts = summary.table(TAXONOMY_TABLES[table.label])
        counts.created += len(table.create)
        counts.updated += len(table.update)
        counts.unchanged += table.unchanged


class DemoFileRefused(RuntimeError):
    """The importer refused the demo's file or some of its rows: the demo or the importer is wrong."""


def import_profile_file(ctx: Context, kind: str, frame: pd.DataFrame, label: str, *, already_there: int = 0) -> None:
    """``frame`` (columns named as ``kind``'s format in docs/data-formats.md) through ``file_import``.

    Each run is recorded like any file import (HR sees it on /hr/data/syncs/); its counts go into
    the demo's ``label`` table, with ``already_there`` rows (the steps import only for people who
    have no rows of the kind yet) counted unchanged. An empty frame imports nothing. A frame longer
    than one import takes (``IMPORT_MAX_ROWS``; 100,000 employees have 3.6 million evidence rows)
    goes in consecutive files, as the importer's refusal tells a customer to split theirs; the
    frames are ordered so that no file needs a later one (managers come before their reports).
    """
    ctx.summary.table(label).unchanged += already_there
    if frame.empty:
        return
    bar = ctx.progress(len(frame), f"importing {label}") if ctx.progress and ctx.large else None
    step = settings.IMPORT_MAX_ROWS
    for part, start in enumerate(range(0, len(frame), step), start=1):
        name = f"demo-{kind}.csv" if len(frame) <= step else f"demo-{kind}-{part}.csv"
        _import_one_file(ctx, kind, frame.iloc[start : start + step], label, name=name, bar=bar)
    if bar:
        bar.close()


def _import_one_file(ctx: Context, kind: str, frame: pd.DataFrame, label: str, *, name: str, bar) -> None:
    with tempfile.TemporaryDirectory(prefix=f"demo-{kind}-") as folder:
        run = file_import(
            path=write_frame_csv(frame, Path(folder) / name),
            kind=kind,
            name=name,
            announce=False,
            on_progress=bar.update if bar else None,
        )
    if run.status != SyncRun.Status.SUCCEEDED:
        reasons = list(SyncRejection.objects.filter(run=run).order_by("line").values_list("line", "reason")[:5])
        raise DemoFileRefused(
            f"The {kind} importer did not take the demo's file {name} whole ({run.get_status_display()}): "
            f"{run.error or ''} {reasons}".strip()
        )
    counts = ctx.summary.table(label)
    counts.created += run.created
    counts.updated += run.updated
    counts.unchanged += run.unchanged


def import_catalogue(ctx: Context, rows: list[dict]) -> None:
    """The learning catalogue (one dict per item and skill, keyed by the format's columns) through
    ``import_catalogue_file``, the path ``import_catalogue`` and a customer's file take."""
    if not rows:
        return
    with tempfile.TemporaryDirectory(prefix="demo-catalogue-") as folder:
        outcome = import_catalogue_file(write_catalogue(rows, Path(folder) / "demo-catalogue.csv"))
    if outcome.problems:
        raise DemoFileRefused(f"The catalogue importer did not take the demo's file: {outcome.problems[:5]}")
    for label, counts in (("catalogue items", outcome.items), ("catalogue item skills", outcome.skills)):
        table = ctx.summary.table(label)
        table.created += counts["created"]
        table.updated += counts["updated"]
        table.unchanged += counts["unchanged"]
