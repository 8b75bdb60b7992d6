"""Loading the demo's files (``files``) with the project's own importers, as a customer would.

Each function writes one import's files into a temporary directory, runs the importer's service
function on them (not its management command: the demo runs inside ``build_demo``'s transaction
and reports into the demo's summary) and copies the importer's created / updated / unchanged
counts into that summary. An importer that refuses the demo's files is a bug in the demo or the
importer, so its error is raised as it is.
"""

import tempfile
from pathlib import Path

from taxonomy.importing import taxonomy_plan, taxonomy_write

from .context import DemoSummary, TaxonomySpec
from .files import write_taxonomy

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
