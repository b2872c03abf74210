"""The media register (DESIGN: media/): register, loans, counts, seals and port unsealings, repairs, the end.

Public surface, by module (each name is importable from here too: `from app.custody import media`,
then `media.lend(...)`):

    registration  register                                          — a medium or piece of equipment (5.7)
    policy        settings, update_settings, may_borrow            — who may borrow, the counting interval
    loans         lend, loan_of, take_back, confirm_return          — loans with reason and time span
    counts        start_count, count_of, count_scan, count_from_readers, count_differences, close_count
    seals         register_seal, check_seal, unsealing_of, request_unsealing, approve_unsealing,
                  start_unsealing, end_unsealing                    — seals (封条) and port unsealing
    repairs       send_for_repair, repair_back                      — out for repair (5.10)
    disposal      dispose, check_residual, end_state, reconciliation — the end (7.3, 7.4)
    checks        check_due, run_checks                             — time-driven alerts (a scheduler job)
    entries       record_of (and the checks the services share); errors: the area's refusals

The names are looked up when first used (PEP 562), not imported here: app.custody.models re-exports
MediaLoan from this package's models, so importing the services eagerly would import the custody core
from inside its own models.
"""
import importlib

from .. import scheduler as _scheduler

_PUBLIC = {
    "registration": ("register",),
    "policy": ("settings", "update_settings", "may_borrow"),
    "loans": ("lend", "loan_of", "take_back", "confirm_return"),
    "counts": ("start_count", "count_of", "count_scan", "count_from_readers", "count_differences", "close_count"),
    "seals": ("register_seal", "check_seal", "unsealing_of", "request_unsealing", "approve_unsealing",
              "start_unsealing", "end_unsealing"),
    "repairs": ("send_for_repair", "repair_back"),
    "disposal": ("dispose", "check_residual", "end_state", "reconciliation"),
    "checks": ("check_due", "run_checks"),
    "entries": ("record_of",),
    "errors": ("BorrowerNotPermittedError", "CountNotExplainedError", "EndedError", "LoanRequiredError",
               "NotRegisteredError", "OnLoanError", "RepairNotApprovedError"),
}
_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = sorted(_WHERE) + ["acceptance_open", "register_jobs"]


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def acceptance_open(limit: int = 10) -> tuple[int, list[tuple[str, str]]]:
    """For the special security acceptance: how many register entries have no end state (no residual
    check for equipment), and up to `limit` of them as (code, "category · serial")."""
    from . import codes, disposal

    rows, open_ = disposal.reconciliation()
    examples = [(record.item.code, f"{codes.CATEGORIES.msgid(record.category)} · {record.item.serial_no}")
                for record, end in rows if end is None][:limit]
    return open_, examples


def _run_checks(now):
    from .checks import run_checks

    return run_checks(now)


def register_jobs() -> None:
    """Plug the area's checks into the scheduler (every 5 minutes); done on import."""
    _scheduler.register_job("media-checks", 300, _run_checks)


register_jobs()
