"""Readers on the server side: registry and tokens, batch ingest, tag resolution, the door / shelf /
station rules, and the periodic checks.

Every custody change a read causes goes through app.custody.services (move, return_to_storage);
door passes become AccessEvents; exits, denials, removals and silent readers open alerts.
No Flask here: the API, the CLI and the scheduler share these functions.
"""
from .. import scheduler as _scheduler
from .batch import CLOCK_SKEW, MAX_BATCH, BatchError, ReadIn, SeqConflictError, parse_time, validate_batch
from .checks import (
    DEFAULT_DEPARTURE_GRACE_MINUTES,
    DEFAULT_OFFLINE_SECONDS,
    check_reader_heartbeats,
    check_shelf_departures,
    checks_job,
    configure,
    is_online,
    run_checks,
)
from .ingest import IngestResult, ingest
from .registry import (
    TOKEN_PREFIX,
    approve_reader,
    get_reader,
    parse_settings,
    reader_for_token,
    reader_settings,
    register_reader,
    revoke_token,
    rotate_token,
)
from .rules import access_decision

# the scheduler runs the reader checks every 30 s (its own registry, not a page's hook)
_scheduler.register_job("reader-checks", 30, checks_job)

__all__ = [
    "CLOCK_SKEW", "DEFAULT_DEPARTURE_GRACE_MINUTES", "DEFAULT_OFFLINE_SECONDS", "MAX_BATCH", "TOKEN_PREFIX", "BatchError",
    "IngestResult", "ReadIn", "SeqConflictError", "access_decision", "approve_reader", "check_reader_heartbeats",
    "check_shelf_departures", "checks_job", "configure", "get_reader", "ingest", "is_online", "parse_settings",
    "parse_time", "reader_for_token", "reader_settings", "register_reader", "revoke_token", "rotate_token",
    "run_checks", "validate_batch",
]
