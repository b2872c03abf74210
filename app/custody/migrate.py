"""Schema migrations (peewee_migrate over migrations/): apply pending ones, list state; and a site's
first setup (initialize: migrations, the signing key, the first seal)."""
from dataclasses import dataclass
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


@dataclass
class Initialized:
    made_key: bool  # the site's signing key was made just now
    applied: list[str]  # the migrations applied
    checkpoint: object = None  # the first sealed checkpoint, when the log was sealed now
    algorithm: str = "ed25519-sha256"  # the site's algorithm set (suites.py)


def initialize(database, algorithms: str | None = None) -> Initialized:
    """Bring the database up to date and make sure the log is sealed (safe to run again): pending
    migrations applied, the site's algorithm set recorded (algorithms: "ed25519-sha256" or "sm2-sm3"; None
    keeps the recorded one), the site's signing key of that set made when missing, and a first checkpoint
    signed when the key is new or nothing was sealed yet. The caller holds the connection. Raises
    AlgorithmSwitchRefusedError (a log with rows, a checkpoint or a key of the other set) and
    NationalUnavailableError (tongsuopy missing)."""
    from . import clock, seal

    applied = upgrade(database)
    if algorithms is not None:
        seal.choose_algorithm(algorithms)
    suite = seal.algorithm()
    made_key = seal.ensure_key(suite)  # the site's signing key (signing.py): seals the logs, signs bundles
    first = None
    if made_key or not seal.latest_checkpoints(1):
        # anchor the log as it stands: every row after this checkpoint must carry the key's signature
        first = seal.seal(clock.now(), reason="init")
    return Initialized(made_key, applied, first, suite)
