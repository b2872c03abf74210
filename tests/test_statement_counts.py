"""SQL statements per handheld scan and per reader read, counted with SQLite's own trace (every statement
the connection runs, BEGIN and COMMIT included). A hot path reads each row once: an item looked up by the
scan is handed to the service, not looked up again by its code.

    .venv/bin/python -m pytest tests/test_statement_counts.py -s   # prints the statements
"""
from contextlib import contextmanager

import pytest

from app.custody import accounts, clock, services
from app.custody.models import Tag
from app.custody.readers import register_reader
from app.db import db, is_sqlite
from tests import factories as f

# every statement of the request, the token check and BEGIN/COMMIT included (docs/benchmarks.md).
# Before issue 11: 12 per scan and 20 per station read (the item read twice in both), 13 per door pass.
MAX_PER_SCAN = 11
MAX_PER_STATION_READ = 18
MAX_PER_DOOR_PASS = 13


@contextmanager
def traced(app):
    """Collect every SQL statement run on a connection opened inside the block."""
    seen: list[str] = []
    database = db.obj
    original = database._add_conn_hooks

    def hooks(conn):
        original(conn)
        conn.set_trace_callback(seen.append)

    database._add_conn_hooks = hooks
    if not database.is_closed():
        database.close()
    try:
        yield seen
    finally:
        database._add_conn_hooks = original


@pytest.fixture
def world(app):
    if not is_sqlite():
        pytest.skip("the count uses SQLite's statement trace")
    with app.app_context():
        db.connect(reuse_if_open=True)
        f.site()
        staff = f.person("张伟", tag="62E3086CED")
        vols = [f.item(at="KF-A-01") for _ in range(3)]
        Tag.create(tag="E28011606000020000000005", item=vols[2])
        user = f.user("archivist")
        token = accounts.create_token(user, name="bench", by=None)[1]
        db.close()
    return {"staff": staff, "vols": vols, "token": token}


def _run(seen, call):
    seen.clear()
    response = call()
    assert response.status_code in (200, 201), response.get_json()
    statements = [s for s in seen if not s.startswith("PRAGMA")]
    print(f"\n{len(statements)} statements:\n  " + "\n  ".join(s[:140] for s in statements))
    return statements


def test_a_handheld_scan_reads_the_item_once(app, client, world):
    vol = world["vols"][0]
    body = {"code": vol.code, "action": "check_out", "location": "WS-01", "holder": world["staff"].badge_code,
            "client_id": "count-1"}
    headers = {"Authorization": f"Bearer {world['token']}"}
    client.post("/api/v1/scans", json={**body, "code": world["vols"][1].code, "client_id": "warm"}, headers=headers)
    with traced(app) as seen:
        statements = _run(seen, lambda: client.post("/api/v1/scans", json=body, headers=headers))
    item_reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and '"item"' in s.split("FROM")[1][:20]]
    assert len(item_reads) == 1, item_reads
    assert len(statements) <= MAX_PER_SCAN


def test_a_station_read_reads_the_item_once(app, client, world):
    vol = world["vols"][0]
    with app.app_context():
        db.connect(reuse_if_open=True)
        services.check_out(vol.code, to=f.loc("WS-01"), holder=world["staff"], actor=None)
        reader, secret = register_reader("desk", location=f.loc("WS-01"), mode="station", protocol="barcode",
                                         settings={"action": "return_to_storage", "location": "KF-A-02"})
        f.approved(reader)
        db.close()
    headers = {"Authorization": f"Bearer {secret}"}
    now = clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def read(seq, code):
        return {"events": [{"seq": seq, "kind": "read", "tag": code, "scheme": "barcode", "read_at": now}]}

    client.post("/api/v1/reader-events", json=read(1, world["vols"][1].code), headers=headers)  # warm
    with traced(app) as seen:
        statements = _run(seen, lambda: client.post("/api/v1/reader-events", json=read(2, vol.code), headers=headers))
    item_reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and 'FROM "item"' in s]
    assert len(item_reads) == 1, item_reads
    assert any('INSERT INTO "event"' in s for s in statements)  # the read returned the volume
    assert len(statements) <= MAX_PER_STATION_READ


def test_a_door_pass_counts(app, client, world):
    with app.app_context():
        db.connect(reuse_if_open=True)
        reader, secret = register_reader("door", location=f.loc("DOOR-1"), mode="perimeter_door",
                                         protocol="rdm6300", settings={})
        f.approved(reader)
        db.close()
    headers = {"Authorization": f"Bearer {secret}"}
    now = clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def read(seq):
        return {"events": [{"seq": seq, "kind": "read", "tag": "62E3086CED", "scheme": "em4100", "read_at": now}]}

    client.post("/api/v1/reader-events", json=read(1), headers=headers)
    with traced(app) as seen:
        statements = _run(seen, lambda: client.post("/api/v1/reader-events", json=read(2), headers=headers))
    assert any('INSERT INTO "access_event"' in s for s in statements)  # the pass was judged and logged
    assert len(statements) <= MAX_PER_DOOR_PASS
