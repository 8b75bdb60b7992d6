"""Bulk import of people, reviews, learning, aspirations and skill evidence from CSV or XLSX files.

``file_import(path=..., kind=...)`` is the one entry point: the ``import_data`` command, the HR
upload page, the drop-folder sync and ``bench_import`` all call it. Files are read in chunks,
checked with vectorised pandas operations against lookup dicts loaded once, and landed with
set-based SQL (COPY into a staging table on PostgreSQL, executemany on SQLite), one transaction
per chunk. docs/data-formats.md describes the files.

Modules, in the order data flows through them: ``readers`` (bytes -> chunks of text cells),
``checks`` and ``kinds`` / ``people`` (cells -> typed rows and rejected rows), ``lookups``
(names -> ids), ``loaders`` (typed rows -> table rows, counted), ``service`` (the run).
"""

from core.readers import UnreadableFile

from .service import CHUNK_ROWS, KINDS, MAX_STORED_REJECTIONS, duration_text, file_import

__all__ = ["CHUNK_ROWS", "KINDS", "MAX_STORED_REJECTIONS", "UnreadableFile", "duration_text", "file_import"]
