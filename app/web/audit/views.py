"""The auditor's log viewers: custody log and admin log, read-only."""
from . import bp  # noqa: F401
