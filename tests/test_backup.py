"""`custody backup`: a consistent online copy of the SQLite database while the site keeps recording."""
import threading

import pytest

from app import create_app
from app.custody import services
from app.custody.audit import verify_chain
from app.custody.models import Event, Item, LogHead
from app.db import db, is_sqlite, make_database
from tests import factories as f

TIMEOUT = 60


def _keep_recording(vols, started, copied, done):
    """Check volumes out and back in on this thread's own connection: 30 events before the backup
    starts, on during it, and 10 more after it has finished."""
    db.connect(reuse_if_open=True)
    ws, shelf, person = f.loc("WS-01"), f.loc("KF-A-02"), f.person("王强")
    after = 0
    try:
        for n in range(20_000):  # bounded
            if copied.is_set():
                after += 1
                if after > 10:
                    break
            vol = vols[n % len(vols)]
            if (n // len(vols)) % 2 == 0:
                services.check_out(vol.code, to=ws, holder=person, actor=person)
            else:
                services.return_to_storage(vol.code, to=shelf, actor=person)
            done.append(n)
            if len(done) == 30:
                started.set()
    finally:
        started.set()
        db.close()


def test_backup_while_writing_is_consistent_and_opens_with_the_same_rows(app, site, tmp_path):
    if not is_sqlite():
        pytest.skip("the SQLite online backup; PostgreSQL sites use pg_dump (tested below)")
    vols = [f.item() for _ in range(12)]
    started, copied_flag, done = threading.Event(), threading.Event(), []
    writer = threading.Thread(target=_keep_recording, args=(vols, started, copied_flag, done))
    writer.start()
    target = tmp_path / "copies" / "custody-copy.db"
    try:
        assert started.wait(TIMEOUT) and writer.is_alive(), "the writer never got going"
        before = len(done)
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
        after_backup = len(done)
    finally:
        copied_flag.set()
        writer.join(TIMEOUT)
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output and target.exists()
    assert len(done) > after_backup, "the site kept recording after the backup"

    db.connect(reuse_if_open=True)
    live_events = {e.id: e.hash for e in Event.select(Event.id, Event.hash)}
    copy = make_database(f"sqlite:///{target}")
    db.initialize(copy)
    db.connect()
    try:
        report = verify_chain("event")
        copied = {e.id: e.hash for e in Event.select(Event.id, Event.hash)}
        head = LogHead.get(LogHead.name == "event")
        # each volume's state in the copy is what the copy's own last event for it says
        for vol in vols:
            last = Event.select().where(Event.item == vol.id).order_by(Event.id.desc()).first()
            item = Item.get_by_id(vol.id)
            assert (item.state, item.location_id) == ((last.state, last.dst_id) if last else ("in_storage", item.location_id))
            assert item.last_event_id == (last.id if last else None)
    finally:
        db.close()
    assert report.ok, report.problem
    assert head.last_id == len(copied) == report.rows
    assert before <= len(copied) < len(live_events)  # a snapshot from while the writer ran
    # the copy is exactly the first rows of the live log: same ids, same hashes
    assert copied == {i: live_events[i] for i in range(1, len(copied) + 1)}

    # and it opens as a site: verify-log on the copy says intact
    restored = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{target}", "SECRET_KEY": "x"})
    restored.instance_path = str(tmp_path / "restored")  # its own folder: no seal key a checkout's instance/ holds
    check = restored.test_cli_runner().invoke(args=["verify-log"])
    assert check.exit_code == 0 and f"custody log: intact ({len(copied)} rows)" in check.output, check.output


def test_backup_on_postgresql_explains_pg_dump(app, site):
    if is_sqlite():
        pytest.skip("PostgreSQL only")
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0 and "pg_dump" in result.output and "pg_restore" in result.output
