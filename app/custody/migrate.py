"""Schema migrations (peewee_migrate over migrations/): apply pending ones, list state."""
from pathlib import Path

from peewee_migrate import Router

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def router(database) -> Router:
    return Router(database, migrate_dir=str(MIGRATIONS_DIR), ignore=["basemodel"])


def upgrade(database) -> list[str]:
    """Apply every pending migration; safe to run again. Returns the names applied."""
    r = router(database)
    pending = list(r.diff)
    if pending:
        r.run()
    return pending


def status(database) -> tuple[list[str], list[str]]:
    """(applied, pending) migration names."""
    r = router(database)
    return list(r.done), list(r.diff)
