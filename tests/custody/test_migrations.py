"""`custody init-db` builds the whole schema from empty — on SQLite, and on PostgreSQL when the suite
runs against it — and is safe to run twice."""
from pathlib import Path

import pytest

from app import create_app
from app.db import make_database
from tests.conftest import PG_URL, private_pg_schema

MIGRATIONS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "migrations").glob("0*.py"))
TABLES = {"site", "location", "person", "app_user", "user_role", "api_token", "item", "tag", "reader", "event",
          "audit_log", "log_head", "access_event", "handover", "handover_line", "process_step", "media_loan",
          "alert", "printer", "reader_read", "import_job", "sweep_run"}


@pytest.fixture
def empty_url(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    with private_pg_schema("m") as url:
        yield url


@pytest.mark.db
def test_init_db_from_empty_then_again(empty_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTODY_INSTANCE_PATH", str(tmp_path / "instance"))  # the signing key goes there
    app = create_app({"TESTING": True, "DATABASE_URL": empty_url, "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert f"Applied {len(MIGRATIONS)} migration(s): {', '.join(MIGRATIONS)}" in first.output
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "The database is up to date." in second.output

    database = make_database(empty_url)
    database.connect()
    try:
        assert TABLES <= set(database.get_tables())
        heads = dict(database.execute_sql("SELECT name, last_id FROM log_head").fetchall())
        assert heads == {"event": 0, "audit": 0}
    finally:
        database.close()
    # the empty, migrated database is usable at once: both logs verify
    verified = runner.invoke(args=["verify-log"])
    assert verified.exit_code == 0 and "custody log: intact (0 rows)" in verified.output
