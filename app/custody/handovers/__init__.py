"""Handovers (交接单): batches pulled by plan, lists checked and confirmed by both sides, the quarantine
and damage registers. The public surface:

    make_batch, batch_counts, pick_list                    — 调档
    open_handover, scan_line, accept_difference, confirm   — 交接单, custody passes on the second confirmation
    raise_secrecy_mark, release_quarantine                 — the quarantine register (6.5)
    register_damage, add_damage_note, record_repair, accept_damage — the damage register (6.1, 6.3)
    acceptance_open                                        — what keeps the project from acceptance
"""
from ..completion import DOCUMENTS as _BUNDLE_DOCUMENTS
from .acceptance import acceptance_open, bundle_documents
from .services import (
    accept_damage,
    accept_difference,
    add_damage_note,
    batch_counts,
    confirm,
    get_batch,
    get_handover,
    lines_with_differences,
    make_batch,
    open_handover,
    pick_list,
    raise_secrecy_mark,
    record_repair,
    register_damage,
    release_quarantine,
    scan_line,
    unresolved,
)

# the completion bundle carries every confirmed list in duplicate (handovers/<number>.pdf)
if bundle_documents not in _BUNDLE_DOCUMENTS:
    _BUNDLE_DOCUMENTS.append(bundle_documents)

__all__ = ["acceptance_open", "accept_damage", "accept_difference", "add_damage_note", "batch_counts", "confirm", "get_batch",
           "get_handover", "lines_with_differences", "make_batch", "open_handover", "pick_list",
           "raise_secrecy_mark", "record_repair", "register_damage", "release_quarantine", "scan_line",
           "unresolved"]
