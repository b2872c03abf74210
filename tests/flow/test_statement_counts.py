"""SQL statements per step scan beside a handheld scan (SQLite's own trace, as tests/test_statement_counts.py):
the step path's extra statements are the step rows' read and the step definitions' freshness check, no more.
Before issue 14's benchmark work: 15 per first step start (the volume's place read, its position row updated
then inserted), 11 per scan."""
import pytest

from app.custody import accounts
from app.db import db, is_sqlite
from tests import factories as f
from tests.test_statement_counts import _run, traced

MAX_PER_STEP_START = 13  # the scan's 11, the volume's step rows, the definitions' check


@pytest.fixture
def world(app):
    if not is_sqlite():
        pytest.skip("the count uses SQLite's statement trace")
    with app.app_context():
        db.connect(reuse_if_open=True)
        f.site()
        vols = [f.item(at="KF-A-01") for _ in range(4)]
        token = accounts.create_token(f.user("operator"), name="bench", by=None)[1]
        db.close()
    return vols, {"Authorization": f"Bearer {token}"}


def test_a_step_scan_costs_at_most_two_statements_more_than_a_scan(app, client, world):
    vols, headers = world
    client.post("/api/v1/steps", json={"code": vols[0].code, "step": "out", "action": "start", "client_id": "w1"},
                headers=headers)
    client.post("/api/v1/scans", json={"code": vols[1].code, "action": "check_out", "location": "WS-01",
                                       "client_id": "w2"}, headers=headers)
    with traced(app) as seen:
        step = _run(seen, lambda: client.post("/api/v1/steps", json={
            "code": vols[2].code, "step": "out", "action": "start", "client_id": "c1"}, headers=headers))
        scan = _run(seen, lambda: client.post("/api/v1/scans", json={
            "code": vols[3].code, "action": "check_out", "location": "WS-01", "client_id": "c2"}, headers=headers))
    assert len(step) <= MAX_PER_STEP_START and len(step) - len(scan) <= 2, (len(step), len(scan))
    assert not [s for s in step if '"location"' in s.split("FROM")[-1][:20]]  # no device: the place is not read
    assert len([s for s in step if "flow_position" in s]) == 1  # one upsert
