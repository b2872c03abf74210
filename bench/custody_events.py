"""Custody events per second, recorded durably through the service layer.

Each event is a real service call (app.custody.services.check_out / return_to_storage,
alternating on many volumes): one write transaction with the item lookup, the rules, the
hash-chained event row, the chain head and the item's current state. SQLite runs as the app
runs it (WAL, synchronous=FULL: app/db.py); PostgreSQL in a private schema created and dropped
here. Beside it, the ceiling measured in the same run on the same disk: plain sqlite3
single-row durable inserts (WAL + synchronous=FULL, one row per commit).

    .venv/bin/python bench/custody_events.py                 # SQLite + PostgreSQL
    .venv/bin/python bench/custody_events.py --events 3000 --no-pg
"""
import argparse
import multiprocessing as mp
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import OUT, PG_DEFAULT, bind, build_world, load, percentile, pg_schema  # noqa: E402


def sqlite_ceiling(folder: Path, rows: int) -> float:
    """Plain sqlite3, WAL + synchronous=FULL, one row per commit: rows/s."""
    path = folder / "ceiling.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=full")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL, body TEXT NOT NULL)")
    body = "x" * 200  # about the size of an event row
    start = time.perf_counter()
    for n in range(rows):
        conn.execute("INSERT INTO t (at, body) VALUES (?, ?)", (f"2026-01-01T00:00:{n % 60:02d}", body))
    elapsed = time.perf_counter() - start
    conn.close()
    path.unlink(missing_ok=True)
    return rows / elapsed


def same_shape_ceiling(url: str, world: dict, events: int) -> float:
    """Plain sqlite3 on the app's schema running the statements one custody event needs, one
    transaction each (select item, select + update the chain head, insert the event, update the
    item): what the schema allows before any Python of ours runs."""
    import hashlib

    conn = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
    conn.execute("PRAGMA synchronous=full")
    conn.execute("PRAGMA foreign_keys=1")
    codes, shelf, ws, person = world["codes"], world["shelf"], world["ws"], world["person"]
    start = time.perf_counter()
    for n in range(events):
        code = codes[n % len(codes)]
        now = f"2026-01-01 00:00:{n % 60:02d}.000000"
        conn.execute("BEGIN IMMEDIATE")
        item_id, state, loc = conn.execute(
            "SELECT id, state, location_id FROM item WHERE code = ?", (code,)).fetchone()
        last_id, last_hash = conn.execute(
            "SELECT last_id, last_hash FROM log_head WHERE name = 'event'").fetchone()
        new_state, dst, holder = ("out", ws, person) if state == "in_storage" else ("in_storage", shelf, None)
        digest = hashlib.sha256(f"{last_id + 1}{last_hash}{item_id}{dst}{now}".encode()).hexdigest()
        conn.execute("INSERT INTO event (id, at, recorded_at, kind, item_id, actor_id, holder_id, src_id, "
                     "dst_id, via, state, note, data, prev_hash, hash) "
                     "VALUES (?, ?, ?, 'check_out', ?, ?, ?, ?, ?, 'bench', ?, '', '', ?, ?)",
                     (last_id + 1, now, now, item_id, person, holder, loc, dst, new_state, last_hash, digest))
        conn.execute("UPDATE log_head SET last_id = ?, last_hash = ? WHERE name = 'event'", (last_id + 1, digest))
        conn.execute("UPDATE item SET state = ?, location_id = ?, holder_id = ?, state_since = ?, "
                     "last_event_id = ? WHERE id = ?", (new_state, dst, holder, now, last_id + 1, item_id))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return events / elapsed


def _writer(codes, world, events, barrier, out, warmup=0):
    """Alternate check_out / return_to_storage over `codes` until `events` are recorded."""
    from app.custody import services
    from app.custody.models import Location, Person
    from app.db import db

    db.connect(reuse_if_open=True)
    shelf, ws = Location.get_by_id(world["shelf"]), Location.get_by_id(world["ws"])
    person = Person.get_by_id(world["person"])
    is_out = dict.fromkeys(codes, False)
    latencies = []

    def one(n):
        code = codes[n % len(codes)]
        if is_out[code]:
            services.return_to_storage(code, to=shelf, actor=person, via="bench")
        else:
            services.check_out(code, to=ws, holder=person, actor=person, via="bench")
        is_out[code] = not is_out[code]

    # warm up: the WAL grows to its working size (wal_autocheckpoint pages) once, then is reused;
    # a running site is in that steady state
    for n in range(warmup):
        one(n)
    barrier.wait()
    start = time.monotonic()
    for n in range(warmup, warmup + events):
        t0 = time.perf_counter()
        one(n)
        latencies.append(time.perf_counter() - t0)
    end = time.monotonic()
    out.append((start, end, latencies))
    # keep the connection open until every writer is done: closing the last one checkpoints the WAL
    barrier.wait()
    db.close()


def _process_writer(url, codes, world, events, barrier, queue, warmup):
    bind(url)
    out = []
    _writer(codes, world, events, barrier, out, warmup)
    queue.put(out[0])


def run(url: str, world: dict, writers: int, events: int, mode: str, warmup: int = 0) -> dict:
    """Record `events` custody events with `writers` threads or processes; throughput and latency."""
    codes = world["codes"]
    share = [codes[w::writers] for w in range(writers)]
    per_writer = events // writers
    results = []
    if mode == "thread":
        barrier = threading.Barrier(writers)
        threads = [threading.Thread(target=_writer, args=(share[w], world, per_writer, barrier, results,
                                                                 warmup // writers))
                   for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        ctx = mp.get_context("spawn")
        barrier, queue = ctx.Barrier(writers), ctx.Queue()
        procs = [ctx.Process(target=_process_writer, args=(url, share[w], world, per_writer, barrier, queue,
                                                                   warmup // writers))
                 for w in range(writers)]
        for p in procs:
            p.start()
        results = [queue.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
    start = min(r[0] for r in results)
    end = max(r[1] for r in results)
    lat = [x for r in results for x in r[2]]
    return {"events": len(lat), "rate": len(lat) / (end - start),
            "p50": percentile(lat, 50) * 1000, "p99": percentile(lat, 99) * 1000}


def verify(url: str) -> str:
    from app.custody.audit import verify_chain
    from app.db import db

    bind(url)
    with db.connection_context():
        report = verify_chain("event")
    return f"chain ok ({report.rows:,})" if report.ok else f"CHAIN BROKEN at {report.first_bad_id}"


def _close():
    from app.db import db

    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    elif not db.is_closed():
        db.close()


def _drop_indexes(names):
    from app.db import db

    with db.connection_context():
        for name in names:
            db.execute_sql(f'DROP INDEX "{name}"')


def measure_sqlite(folder: Path, args, writers: int, mode: str, rep: int) -> tuple[dict, str]:
    url = f"sqlite:///{folder}/sqlite-{mode}-{writers}-{rep}.db"
    world = build_world(url, args.items)
    _drop_indexes(args.drop_index)
    _close()
    r = run(url, world, writers, args.events, mode, args.warmup)
    status = verify(url)
    _close()
    return r, status


def measure_pg(args, writers: int, mode: str, rep: int) -> tuple[dict, str]:
    with pg_schema(args.pg_url) as url:
        world = build_world(url, args.items)
        _drop_indexes(args.drop_index)
        r = run(url, world, writers, args.events, mode, args.warmup)
        status = verify(url)
        _close()
    return r, status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000, help="events per measurement (default 3000)")
    parser.add_argument("--warmup", type=int, default=200, help="events before the clock starts (default 200)")
    parser.add_argument("--items", type=int, default=400, help="volumes to cycle through (default 400)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is printed (default 3)")
    parser.add_argument("--pg-url", default=os.environ.get("CUSTODY_BENCH_PG_URL", PG_DEFAULT))
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--writers", default="1,4", help="writer counts to run (default 1,4)")
    parser.add_argument("--modes", default="thread,process", help="thread, process or both (default both)")
    parser.add_argument("--dir", type=Path, default=OUT, help="where the SQLite files go (same disk as the app)")
    parser.add_argument("--drop-index", action="append", default=[], metavar="NAME",
                        help="what-if: drop this index from the migrated schema first (repeatable)")
    args = parser.parse_args(argv)
    writer_counts = [int(w) for w in args.writers.split(",")]
    modes = args.modes.split(",")
    plan = [(w, m) for m in modes for w in writer_counts if not (w == 1 and m != modes[0])]

    args.dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="events-", dir=args.dir))
    print(f"custody events/s through app.custody.services — {load()}")
    if args.drop_index:
        print(f"WHAT-IF: indexes dropped from the app's schema: {', '.join(args.drop_index)}")
    print(f"{args.events} events per run after {args.warmup} warm-up events, {args.items} volumes cycled, "
          f"median of {args.repeat} runs; SQLite files in {folder}")
    rows = []

    def add(label, writers, mode, runs):
        runs.sort(key=lambda rs: rs[0]["rate"])
        r, status = runs[len(runs) // 2]
        spread = f"{runs[0][0]['rate']:,.0f}–{runs[-1][0]['rate']:,.0f}"
        rows.append((label, writers, mode if writers > 1 else "-", f"{r['rate']:,.0f}", spread,
                     f"{r['p50']:.2f}", f"{r['p99']:.2f}", status))
        return r["rate"]

    try:
        ceilings = sorted(sqlite_ceiling(folder, args.events) for _ in range(args.repeat))
        ceiling = ceilings[len(ceilings) // 2]
        rows.append(("ceiling: plain sqlite3, 1 row/commit", "-", "-", f"{ceiling:,.0f}",
                     f"{ceilings[0]:,.0f}–{ceilings[-1]:,.0f}", "", "", ""))
        shapes = []
        for rep in range(args.repeat):
            url = f"sqlite:///{folder}/shape-{rep}.db"
            world = build_world(url, args.items)
            _drop_indexes(args.drop_index)
            _close()
            same_shape_ceiling(url, world, args.warmup)
            shapes.append(same_shape_ceiling(url, world, args.events))
        shapes.sort()
        rows.append(("same statements, plain sqlite3, app schema", 1, "-", f"{shapes[len(shapes) // 2]:,.0f}",
                     f"{shapes[0]:,.0f}–{shapes[-1]:,.0f}", "", "", ""))
        one = None
        for writers, mode in plan:
            runs = [measure_sqlite(folder, args, writers, mode, rep) for rep in range(args.repeat)]
            rate = add("SQLite WAL synchronous=FULL", writers, mode, runs)
            if writers == 1:
                one = rate
        if not args.no_pg:
            for writers, mode in plan:
                runs = [measure_pg(args, writers, mode, rep) for rep in range(args.repeat)]
                add("PostgreSQL 15 (pooled, psycopg2)", writers, mode, runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    head = ("database", "writers", "as", "events/s", "range", "p50 ms", "p99 ms", "log check")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    if one:
        absolute = "met" if one >= 1200 else "not met"
        relative = "met" if one >= ceiling / 3 else "not met"
        print(f"one SQLite writer: {one:,.0f}/s = {one / ceiling:.0%} of the ceiling measured in this run. "
              f"Goal ≥ 1,200/s: {absolute}; goal ≥ a third of this run's ceiling: {relative}")
    print(f"after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
