"""Project completion (7.1, 7.5): the bundle the archive department receives, verifiable offline.

Public surface: export_project(path, …) writes the bundle; verify_bundle(path, key) checks one.
"""
from .bundle import DOCUMENTS, ExportResult, all_models, export_project
from .verify import BundleReport, fingerprint, verify_bundle

__all__ = ["DOCUMENTS", "BundleReport", "ExportResult", "all_models", "export_project", "fingerprint",
           "verify_bundle"]
