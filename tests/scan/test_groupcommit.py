"""The group-commit writer: many callers' service calls in one transaction, each in its own savepoint."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.custody import groupcommit, scans, services
from app.custody.errors import ItemNotFound, QuarantinedError
from app.custody.models import Event, Item
from tests import factories as f


class Gate:
    """Holds the writer's current batch open, so the next calls queue up and go in as one batch."""

    def __init__(self):
        self.writer = groupcommit.writer()
        self.pool = ThreadPoolExecutor(max_workers=8)
        self.entered, self.release = threading.Event(), threading.Event()
        self.first = self.pool.submit(self.writer.submit, self._hold)
        assert self.entered.wait(10)

    def _hold(self):
        self.entered.set()
        assert self.release.wait(10)

    def open_when_queued(self, n):
        """Let the held batch commit once n calls wait behind it."""
        for _ in range(2000):
            if self.writer.queue.qsize() >= n:
                break
            threading.Event().wait(0.005)
        self.release.set()
        self.first.result(timeout=10)


@pytest.fixture
def gate(database):
    gates = []

    def _make():
        gates.append(Gate())
        return gates[-1]

    yield _make
    for g in gates:
        g.release.set()
        g.pool.shutdown()


def test_one_refusal_in_a_batch_rolls_back_only_itself(site, gate):
    op = f.person("王强")
    good = [f.item() for _ in range(3)]
    bad = f.item()
    services.quarantine(bad.code, actor=None, reason="secrecy mark")
    g = gate()
    writer, pool = g.writer, g.pool
    batches = writer.batches
    calls = [pool.submit(writer.submit, services.check_out, code, to=f.loc("WS-01"), holder=op, actor=op,
                         via="scan") for code in (good[0].code, bad.code, "V99999999", good[1].code, good[2].code)]
    g.open_when_queued(5)
    assert calls[0].result(10).kind == "check_out"
    with pytest.raises(QuarantinedError):
        calls[1].result(10)
    with pytest.raises(ItemNotFound):
        calls[2].result(10)
    assert [c.result(10).item_id for c in (calls[3], calls[4])] == [good[1].id, good[2].id]
    assert writer.batches == batches + 2  # the held batch, then all five in one transaction
    assert writer.calls >= 6
    assert [Item.get_by_id(i.id).state for i in good] == ["out"] * 3
    assert Item.get_by_id(bad.id).state == "quarantined"
    assert Event.select().where(Event.kind == "check_out").count() == 3


def test_one_scan_sent_twice_in_one_batch_is_recorded_once(site, gate, database):
    user = f.user("operator")
    vol = f.item()
    g = gate()
    writer, pool = g.writer, g.pool

    def send():  # as a request thread does: its own connection for the reads, the write to the writer
        database.connect(reuse_if_open=True)
        return scans.record_scan(vol.code, "check_out", user=user, actor=user.person, location="WS-01",
                                 client_id="same-scan", submit=writer.submit)

    sends = [pool.submit(send) for _ in range(2)]
    g.open_when_queued(2)
    outcomes = sorted(s.result(10).outcome for s in sends)
    assert outcomes == ["recorded", "replayed"]
    assert Event.select().where(Event.client_id == scans.scoped_client_id(user, "same-scan")).count() == 1




def test_a_call_made_inside_a_transaction_joins_it(site, database):
    """No deadlock: a caller holding SQLite's write lock must not wait for the writer thread."""
    from app.db import write_tx

    op = f.person()
    vol = f.item()
    with write_tx():
        event = groupcommit.submit(services.check_out, vol.code, to=f.loc("WS-01"), holder=op, actor=op)
    assert Event.get_by_id(event.id).kind == "check_out"
