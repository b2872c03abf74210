"""`custody verify-log`: intact chains pass; a row altered, deleted or swapped by hand is named."""
import pytest

from app.custody import services
from app.db import db, is_sqlite
from tests import factories as f

TABLES = {"event": ("custody log", "note"), "audit_log": ("admin log", "target")}


@pytest.fixture
def logs(site):
    """Four custody events and a handful of admin-log rows."""
    vol, who = f.item(), f.person("王强")
    services.check_out(vol.code, to=f.loc("WS-01"), holder=who, actor=None)
    services.move(vol.code, to=f.loc("WS-02"), actor=who)
    services.return_to_storage(vol.code, to=f.loc("KF-A-02"), actor=who)
    services.check_out(vol.code, to=f.loc("WS-01"), holder=who, actor=None)
    for n in range(4):
        f.user("operator", username=f"u{n}")
    return vol


@pytest.fixture
def attacker(logs):
    """Remove the append-only protection, as someone with direct database access would."""
    if is_sqlite():
        for table in TABLES:
            for op in ("update", "delete"):
                db.execute_sql(f"DROP TRIGGER {table}_no_{op}")
    else:
        for table in TABLES:
            db.execute_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield db
    if not is_sqlite():  # the PostgreSQL schema outlives this test
        db.connect(reuse_if_open=True)
        for table in TABLES:
            db.execute_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def verify(app):
    result = app.test_cli_runner().invoke(args=["verify-log"])
    db.connect(reuse_if_open=True)  # the command closes the connection it used
    return result


def test_intact_logs_pass(app, logs):
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "custody log: intact (4 rows)" in result.output
    assert "admin log: intact" in result.output


def _swap(table, a, b):
    db.execute_sql(f"UPDATE {table} SET id = -1 WHERE id = {a}")
    db.execute_sql(f"UPDATE {table} SET id = {a} WHERE id = {b}")
    db.execute_sql(f"UPDATE {table} SET id = {b} WHERE id = -1")


TAMPERING = {
    "altered": lambda t, col: db.execute_sql(f"UPDATE {t} SET {col} = 'changed later' WHERE id = 2"),
    "deleted": lambda t, col: db.execute_sql(f"DELETE FROM {t} WHERE id = 2"),
    "swapped": lambda t, col: _swap(t, 2, 3),
}


@pytest.mark.parametrize("table", list(TABLES))
@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampered_row_is_named_and_exit_is_non_zero(app, attacker, table, how):
    label, column = TABLES[table]
    with db.atomic():
        TAMPERING[how](table, column)
    result = verify(app)
    assert result.exit_code == 1, result.output
    assert f"{label}: BROKEN at row 2" in result.output
    other = "admin log" if table == "event" else "custody log"
    assert f"{other}: intact" in result.output


@pytest.mark.parametrize("table", list(TABLES))
def test_deleted_last_row_is_caught_by_the_chain_head(app, attacker, table):
    label = TABLES[table][0]
    last = db.execute_sql(f"SELECT MAX(id) FROM {table}").fetchone()[0]
    with db.atomic():
        db.execute_sql(f"DELETE FROM {table} WHERE id = {last}")
    result = verify(app)
    assert result.exit_code == 1
    assert f"{label}: BROKEN at row {last}" in result.output
