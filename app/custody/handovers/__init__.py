"""Handovers (交接单): batches pulled by plan, lists checked and confirmed by both sides, the quarantine
and damage registers. The public surface:

    batches        make_batch, batch_counts, pick_list, batch_stage,  — 调档
                   entries_from_catalogue
    lists          open_handover, scan_line, accept_difference,       — 交接单 drafts, both sides' scans
                   lines_with_differences, unresolved, summary, handlers
    confirmation   confirm                                            — custody passes on the second confirmation
    quarantine     raise_secrecy_mark, release_quarantine,            — the quarantine register (6.5)
                   quarantine_records
    damage         register_damage, add_damage_note, record_repair,   — the damage register (6.1, 6.3)
                   accept_damage, damage_records
    numbers        get_batch, get_handover                            — a batch or list by its number
    acceptance     acceptance_open                                    — what keeps the project from acceptance
"""
from ..completion import DOCUMENTS as _BUNDLE_DOCUMENTS
from .acceptance import acceptance_open, bundle_documents
from .batches import MAX_BATCH, batch_counts, batch_stage, entries_from_catalogue, make_batch, pick_list
from .confirmation import confirm
from .damage import accept_damage, add_damage_note, damage_records, record_repair, register_damage
from .lists import (
    Summary,
    accept_difference,
    handlers,
    lines_with_differences,
    open_handover,
    scan_line,
    summary,
    unresolved,
)
from .numbers import get_batch, get_handover
from .quarantine import SECRECY_MARK, quarantine_records, raise_secrecy_mark, release_quarantine

# the completion bundle carries every confirmed list in duplicate (handovers/<number>.pdf)
if bundle_documents not in _BUNDLE_DOCUMENTS:
    _BUNDLE_DOCUMENTS.append(bundle_documents)

__all__ = ["MAX_BATCH", "SECRECY_MARK", "acceptance_open", "accept_damage", "accept_difference", "add_damage_note",
           "batch_counts", "batch_stage", "bundle_documents", "confirm", "damage_records", "entries_from_catalogue", "get_batch",
           "get_handover", "handlers", "lines_with_differences", "make_batch", "open_handover", "pick_list", "quarantine_records", "raise_secrecy_mark",
           "record_repair", "register_damage", "release_quarantine", "scan_line", "summary", "Summary", "unresolved"]
