"""`custody copy-db --to URL`: the whole site moves to another database and its logs verify there."""

import pytest

from app import create_app
from app.custody import accounts, services
from app.custody.migrate import upgrade
from app.custody.models import (
    Alert,
    ApiToken,
    AuditLog,
    Event,
    Item,
    Location,
    LogHead,
    Person,
    Site,
    User,
    UserRole,
)
from app.db import db, make_database
from tests import factories as f
from tests.conftest import PG_URL, private_pg_schema

TABLES = (Item, Event, AuditLog, Location, Person, User, UserRole, ApiToken, Alert, LogHead)


def _populate():
    """A small site that has lived a little: moves, a quarantine with its alert, accounts."""
    site = f.site()
    op, archivist = f.person("王强"), f.person("张伟")
    vols = [f.item() for _ in range(5)]
    for vol in vols[:3]:
        services.check_out(vol.code, to=f.loc("WS-01"), holder=op, actor=archivist)
    services.return_to_storage(vols[0].code, to=f.loc("KF-A-02"), actor=op)
    services.quarantine(vols[4].code, actor=archivist, reason="密级标识 secrecy mark")
    f.user("administrator", username="admin1")
    f.user("auditor", username="audit1")
    accounts.create_token(User.get(User.username == "admin1"), "reader sync", by=None)
    return site


def _snapshot():
    return {m.__name__: sorted(tuple(r) for r in m.select().tuples()) for m in TABLES}


@pytest.fixture
def pg_target():
    """A private, empty PostgreSQL schema; its URL."""
    if not PG_URL:
        pytest.skip("set CUSTODY_TEST_DATABASE_URL to copy into PostgreSQL")
    with private_pg_schema("copy") as url:
        yield url


def _copy_and_compare(source_app, target_url):
    with source_app.app_context():
        db.connect(reuse_if_open=True)
        _populate()
        before = _snapshot()
        result = source_app.test_cli_runner().invoke(args=["copy-db", "--to", target_url])
    assert result.exit_code == 0, result.output
    assert "target custody log: intact (5 rows)" in result.output
    assert "target admin log: intact" in result.output

    target_app = create_app({"TESTING": True, "DATABASE_URL": target_url, "SECRET_KEY": "x"})
    with target_app.app_context():
        db.connect(reuse_if_open=True)
        try:
            assert _snapshot() == before  # every row, same ids, same values
            # the site goes on working there: new rows get fresh ids (sequences moved past the copy)
            vol = Item.get(Item.code == before["Item"][3][1])  # a volume in storage
            event = services.check_out(vol.code, to=f.loc("WS-02"), holder=f.person("李娜"), actor=None)
            assert event.id == 6 and Location.get(Location.code == "KF-A-01").parent.code == "KF"
        finally:
            db.close()
        check = target_app.test_cli_runner().invoke(args=["verify-log"])
    assert check.exit_code == 0 and "custody log: intact (6 rows)" in check.output
    return result


def test_copy_to_an_empty_sqlite_file(app, tmp_path):
    """From the test database (SQLite, or PostgreSQL in the PostgreSQL run) into a new SQLite file."""
    result = _copy_and_compare(app, f"sqlite:///{tmp_path}/moved/custody.db")
    assert "event" in result.output and "Copied" in result.output


@pytest.mark.db
def test_copy_sqlite_to_postgresql(tmp_path, pg_target):
    source = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/site.db", "SECRET_KEY": "x"})
    with source.app_context():
        db.connect()
        upgrade(db.obj)
        db.close()
    _copy_and_compare(source, pg_target)


def test_copy_refuses_a_target_with_data_and_changes_nothing(app, database, tmp_path):
    _populate()
    target = tmp_path / "other.db"
    other = make_database(f"sqlite:///{target}")
    other.connect()
    upgrade(other)
    with other.bind_ctx([Site]):
        Site.create(code="X", name="Other site", timezone="UTC")
    other.close()
    result = app.test_cli_runner().invoke(args=["copy-db", "--to", f"sqlite:///{target}"])
    assert result.exit_code != 0
    assert "already holds data" in result.output
    other.connect()
    try:
        assert other.execute_sql("SELECT COUNT(*) FROM item").fetchone()[0] == 0
        assert other.execute_sql("SELECT code FROM site").fetchall() == [("X",)]
    finally:
        other.close()
