"""Administration: users and roles, locations, settings (administrator only; no logs here)."""
from . import bp  # noqa: F401
