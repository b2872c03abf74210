"""Catalogue and staff-list imports from .csv and .xlsx files, all or nothing.

Modules: columns (the header words, limits), reading (files), checks (pass 1), loading (pass 2),
results (row errors), jobs (an upload's job row, progress, background thread), codes.

An import runs in two passes so memory stays bounded whatever the file's size:

1. *validate*: stream the file row by row, find the header row (a title row or blank rows may sit
   above it), map each cell to a field, check every row (against the file so far and against the
   database, in chunks) and spool the cleaned rows to a temporary file. Every bad row is reported
   with its line number as the user sees it in Excel or a text editor (1-based, title and header
   rows counted).
2. *import*: only if no row was bad, read the spool back and insert in batches (insert_many) in ONE
   transaction, generating codes where the file left them blank, and append one admin-log entry.

Only the sets of keys needed for duplicate checks (codes, tags, archive numbers, badge codes)
grow with the file; rows themselves never sit in memory beyond one batch.
"""
from .checks import read_header
from .codes import IMPORT_EXISTING, IMPORT_KINDS, IMPORT_STATUSES, existing_choices
from .columns import BATCH, FIELD_NAMES, MAX_ERRORS
from .loading import describe_columns, imported_items, imported_people, preview_rows, run_import
from .reading import cell_text, check_suffix, file_sha256, open_rows
from .results import FileProblem, ImportResult, RowError, dump_errors, load_errors

__all__ = ["BATCH", "IMPORT_EXISTING", "FIELD_NAMES", "preview_rows", "IMPORT_KINDS", "IMPORT_STATUSES", "MAX_ERRORS", "FileProblem", "ImportResult", "RowError",
           "cell_text", "check_suffix", "describe_columns", "existing_choices", "dump_errors", "file_sha256", "imported_items",
           "imported_people", "load_errors", "open_rows", "read_header", "run_import"]
