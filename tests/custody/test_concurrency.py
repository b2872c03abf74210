"""Concurrent writers against one real database (SQLite file, or PostgreSQL when configured).

Each thread or process has its own connection, as gunicorn workers and reader daemons do.
"""
import multiprocessing as mp
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.custody import services
from app.custody.audit import verify_chain
from app.custody.errors import ConflictError
from app.custody.models import Event, Item
from app.db import db
from tests import factories as f

TIMEOUT = 60  # seconds; a hang fails the test instead of the suite


def _in_own_connection(barrier, call):
    """Run call() on this thread's own connection, started together with the other threads."""
    db.connect(reuse_if_open=True)
    try:
        barrier.wait(timeout=TIMEOUT)
        return call()
    except ConflictError as err:
        return err
    finally:
        db.close()


def test_racing_check_outs_of_one_volume_leave_one_winner_and_one_event(site):
    vol, ws = f.item(), f.loc("WS-01")
    people = [f.person(f"操作员{n}") for n in range(8)]
    barrier = threading.Barrier(len(people))
    with ThreadPoolExecutor(len(people)) as pool:
        futures = [pool.submit(_in_own_connection, barrier,
                               lambda p=p: services.check_out(vol.code, to=ws, holder=p, actor=p))
                   for p in people]
        outcomes = [fut.result(timeout=TIMEOUT) for fut in futures]

    winners = [o for o in outcomes if isinstance(o, Event)]
    refusals = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(winners) == 1 and len(refusals) == len(people) - 1
    winner = next(p for p in people if p.id == winners[0].holder_id)
    # every loser is told who has it, in words
    assert all(winner.name in r.message and "already checked out" in r.message for r in refusals)
    assert Event.select().where(Event.item == vol).count() == 1
    now = Item.get_by_id(vol.id)
    assert (now.state, now.holder_id, now.location_id) == ("out", winner.id, ws.id)
    assert verify_chain("event").ok


def test_parallel_writers_on_different_volumes_keep_the_chain_linear(site):
    ws, shelf = f.loc("WS-01"), f.loc("KF-A-02")
    writers, rounds = 4, 10  # each round: check out, then return
    person = f.person("王强")
    volumes = [[f.item() for _ in range(3)] for _ in range(writers)]
    barrier = threading.Barrier(writers)

    def work(mine):
        done = []
        for n in range(rounds):
            vol = mine[n % len(mine)]
            done.append(services.check_out(vol.code, to=ws, holder=person, actor=person).id)
            done.append(services.return_to_storage(vol.code, to=shelf, actor=person).id)
        return done

    with ThreadPoolExecutor(writers) as pool:
        futures = [pool.submit(_in_own_connection, barrier, lambda m=mine: work(m)) for mine in volumes]
        ids = [i for fut in futures for i in fut.result(timeout=TIMEOUT)]

    total = writers * rounds * 2
    assert sorted(ids) == list(range(1, total + 1))  # gapless, no id handed out twice
    report = verify_chain("event")
    assert report.ok and report.rows == total
    # each volume's own history reads check-out, return, check-out, … in chain order
    for vol in (v for mine in volumes for v in mine):
        kinds = [e.kind for e in Event.select(Event.kind).where(Event.item == vol).order_by(Event.id)]
        assert kinds == ["check_out", "return"] * (len(kinds) // 2) and kinds
        assert Item.get_by_id(vol.id).state == "in_storage"


def _process_writer(url, codes, ws_id, shelf_id, person_id, rounds, barrier, results):
    """A separate process, as a second gunicorn worker or the scheduler would be."""
    from app.custody.models import Location, Person
    from app.db import make_database

    db.initialize(make_database(url))
    db.connect()
    try:
        ws, shelf = Location.get_by_id(ws_id), Location.get_by_id(shelf_id)
        person = Person.get_by_id(person_id)
        barrier.wait(timeout=TIMEOUT)
        ids = []
        for n in range(rounds):
            code = codes[n % len(codes)]
            ids.append(services.check_out(code, to=ws, holder=person, actor=person).id)
            ids.append(services.return_to_storage(code, to=shelf, actor=person).id)
        results.put(ids)
    finally:
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()


def _run_writer_processes(target, db_url, *, processes: int, volumes: int, rounds: int) -> list:
    """Start `processes` spawned writers on their own volumes together; returns what each put on the queue."""
    ws, shelf, person = f.loc("WS-01"), f.loc("KF-A-02"), f.person("李娜")
    codes = [[f.item().code for _ in range(volumes)] for _ in range(processes)]
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=target, args=(db_url, mine, ws.id, shelf.id, person.id, rounds, barrier, results))
             for mine in codes]
    for p in procs:
        p.start()
    try:
        outcomes = [results.get(timeout=TIMEOUT) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=TIMEOUT)
    assert all(p.exitcode == 0 for p in procs)
    return outcomes


# the worker processes read the real clock (time-machine does not reach them): stay at the real now
@pytest.mark.slow
@pytest.mark.real_clock
def test_several_processes_writing_one_database_keep_the_chain_linear(site, db_url):
    processes, rounds = 3, 8
    ids = [i for mine in _run_writer_processes(_process_writer, db_url, processes=processes, volumes=2,
                                               rounds=rounds) for i in mine]
    total = processes * rounds * 2
    assert sorted(ids) == list(range(1, total + 1))
    report = verify_chain("event")
    assert report.ok and report.rows == total


def _impatient_process_writer(url, codes, ws_id, shelf_id, person_id, rounds, barrier, results):
    """A worker process whose SQLite gives up at once when another holds the write lock (busy_timeout 0):
    any write that reached SQLite while another process was writing would fail with "database is locked"."""
    from app.custody.models import Location, Person
    from app.db import make_database

    db.initialize(make_database(url))
    db.connect()
    db.execute_sql("PRAGMA busy_timeout = 0")
    try:
        ws, shelf = Location.get_by_id(ws_id), Location.get_by_id(shelf_id)
        person = Person.get_by_id(person_id)
        barrier.wait(timeout=TIMEOUT)
        done, failed = 0, []
        for n in range(rounds):
            code = codes[n % len(codes)]
            for call in (lambda c=code: services.check_out(c, to=ws, holder=person, actor=person),
                         lambda c=code: services.return_to_storage(c, to=shelf, actor=person)):
                try:
                    call()
                    done += 1
                except Exception as err:  # reported to the test, which names it
                    failed.append(str(err))
        results.put((done, failed))
    finally:
        db.close()


@pytest.mark.slow
@pytest.mark.real_clock
def test_worker_processes_on_one_sqlite_file_wait_for_the_write_lock_not_the_busy_handler(site, db_url):
    """Several gunicorn workers scanning into one SQLite file: every write queues on the site's write lock
    (app.db.sqlite_write_lock), so none is refused as "database is locked" even with no busy timeout."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer; PostgreSQL locks rows")
    processes, rounds = 3, 40
    outcomes = _run_writer_processes(_impatient_process_writer, db_url, processes=processes, volumes=4,
                                     rounds=rounds)
    assert [failed for _done, failed in outcomes] == [[]] * processes
    assert sum(done for done, _failed in outcomes) == processes * rounds * 2
    report = verify_chain("event")
    assert report.ok and report.rows == processes * rounds * 2


def test_the_write_lock_serves_waiting_writers_in_arrival_order(site):
    """threading.Lock lets a thread that just committed take the lock straight back; the write lock hands it
    to the writer that has waited longest, so no scan waits behind a run of someone else's."""
    from app.db import is_sqlite, sqlite_write_lock, write_tx

    if not is_sqlite():
        pytest.skip("SQLite's write lock; PostgreSQL locks rows")
    order, started = [], []
    pause = threading.Event()
    queued = _queued_writers()

    def writer(n):
        db.connect(reuse_if_open=True)
        try:
            with write_tx():
                order.append(n)
        finally:
            db.close()

    with sqlite_write_lock():
        threads = []
        for n in range(5):
            t = threading.Thread(target=writer, args=(n,))
            t.start()
            threads.append(t)
            for _ in range(500):  # the next writer starts only once this one is queued on the lock
                if queued() >= n + 1:
                    break
                pause.wait(0.01)
            started.append(queued())
    for t in threads:
        t.join(TIMEOUT)
    assert started == [1, 2, 3, 4, 5]
    assert order == [0, 1, 2, 3, 4]


def _queued_writers():
    """How many threads of this process wait on the SQLite write lock (for the ordering test)."""
    from app import db as dbmod

    mutex, _fd = dbmod._write_lock_for(db.obj)
    return lambda: len(mutex._waiters)


def test_a_refused_write_releases_the_write_lock(site):
    """A refusal inside a write transaction (here: an unknown code) rolls back and lets the next writer in."""
    from app.custody.errors import ItemNotFound

    person, ws = f.person(), f.loc("WS-01")
    vol = f.item()
    with pytest.raises(ItemNotFound):
        services.check_out("V99999999", to=ws, holder=person, actor=person)
    outcome = []
    t = threading.Thread(target=lambda: outcome.append(
        _in_own_connection(threading.Barrier(1), lambda: services.check_out(vol.code, to=ws, holder=person,
                                                                             actor=person))))
    t.start()
    t.join(TIMEOUT)
    assert not t.is_alive() and isinstance(outcome[0], Event)
    assert Item.get_by_id(vol.id).state == "out"
