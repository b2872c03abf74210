""""What is out of storage right now" at 1,000,000 items and 10,000,000 events on SQLite.

Builds the database once (the app's migrations, then bulk inserts through plain sqlite3 with the
secondary indexes dropped and rebuilt afterwards), then times the dashboard's two queries through
the app's own code: the count (Item.out_of_storage().count()) and the first page of 50 with holder
and location joined. Both come from the item's current-state columns and the partial index
item_out_partial, never from the log. Prints the query plans and the database size.

    .venv/bin/python bench/out_of_storage.py                          # full size (builds ~4 GB once)
    .venv/bin/python bench/out_of_storage.py --items 20000 --events 200000   # quick
"""
import argparse
import os
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import OUT, load  # noqa: E402

SHELVES, WORKSTATIONS, PEOPLE = 1000, 40, 200
TITLES = ("会议纪要", "文书档案·请示报告", "基建档案·施工图", "人事档案·任免通知", "财务凭证", "科技档案·项目鉴定")
START = datetime(2024, 1, 1, 8, 0, 0)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # how peewee stores a DateTimeField in SQLite


def build(path: Path, items: int, events: int, out_share: float, chained: bool = False) -> float:
    """Create the migrated schema and fill it; returns seconds taken."""
    from app.custody.migrate import upgrade
    from app.db import make_database

    started = time.perf_counter()
    database = make_database(f"sqlite:///{path}")
    database.connect()
    upgrade(database)
    database.close()

    conn = sqlite3.connect(path, isolation_level=None)
    # building a benchmark fixture, not recording custody: no journal, no fsync
    conn.execute("PRAGMA journal_mode=off")
    conn.execute("PRAGMA synchronous=off")
    conn.execute("PRAGMA cache_size=-1000000")
    conn.execute("PRAGMA temp_store=memory")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           "AND tbl_name IN ('item', 'event')").fetchall()
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    now = _ts(START)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO site (id, code, name, timezone, cutoff, grace_minutes, working_hours, holidays, "
                 "base_url, created_at) VALUES (1, 'S1', '某档案馆数字化加工场所', 'Asia/Shanghai', '18:30', 30, "
                 "'{}', '[]', '', ?)", (now,))
    loc = "INSERT INTO location (id, site_id, parent_id, code, name, kind, is_active, created_at) VALUES (?,?,?,?,?,?,1,?)"
    conn.execute(loc, (1, 1, None, "SITE", "场所", "site", now))
    conn.execute(loc, (2, 1, 1, "KF", "库房", "storage", now))
    conn.execute(loc, (3, 1, 1, "JG", "加工场所", "workroom", now))
    shelves = list(range(10, 10 + SHELVES))
    stations = list(range(10 + SHELVES, 10 + SHELVES + WORKSTATIONS))
    conn.executemany(loc, ((s, 1, 2, f"KF-{s:04d}", f"密集架 {s}", "shelf", now) for s in shelves))
    conn.executemany(loc, ((w, 1, 3, f"WS-{w:02d}", f"工位 {w}", "workstation", now) for w in stations))
    conn.executemany(
        "INSERT INTO person (id, name, organisation, org_kind, position, badge_code, badge_status, "
        "training_hours, vetting_note, created_at) VALUES (?, ?, '数字化服务公司', 'service', '', ?, 'active', "
        "8, '', ?)", ((p, f"员工{p:03d}", f"B{p:08d}", now) for p in range(1, PEOPLE + 1)))
    conn.execute("COMMIT")

    out_every = max(1, round(1 / out_share)) if out_share > 0 else 0
    per_item = max(1, events // items)

    def item_rows(first, last):
        for i in range(first, last):
            is_out = out_every and i % out_every == 0
            last_event = min(events, (per_item - 1) * items + i)
            since = START + timedelta(seconds=int(last_event * 6.3))
            yield (i, f"V{i:08d}", "volume", f"J012-WS·{2000 + i % 24}-Y-{i:06d}", TITLES[i % len(TITLES)],
                   40 + i % 400, "out" if is_out else "in_storage",
                   stations[i % WORKSTATIONS] if is_out else shelves[i % SHELVES],
                   1 + i % PEOPLE if is_out else None, _ts(since), last_event, now)

    for start in range(1, items + 1, 100_000):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO item (id, code, kind, archive_no, title, pages, media_type, capacity, serial_no, state, "
            "location_id, holder_id, state_since, is_damaged, last_event_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, '', '', '', ?, ?, ?, ?, 0, ?, ?)",
            item_rows(start, min(items + 1, start + 100_000)))
        conn.execute("COMMIT")

    from app.custody.audit import EVENT_FIELDS, GENESIS, row_hash

    chain = [GENESIS]

    def event_rows(first, last):
        for n in range(first, last):
            item = (n - 1) % items + 1
            leaving = ((n - 1) // items) % 2 == 0  # each item alternates check-out / return
            moment = START + timedelta(seconds=int(n * 6.3))
            at = _ts(moment)
            shelf, station, person = shelves[item % SHELVES], stations[item % WORKSTATIONS], 1 + item % PEOPLE
            row = (n, at, at, "check_out" if leaving else "return", item, person, person if leaving else None,
                   shelf if leaving else station, station if leaving else shelf,
                   "reader" if n % 3 == 0 else "web", "out" if leaving else "in_storage")
            if chained:  # the real chain, as audit.append_event computes it
                values = dict(zip(("at", "kind", "item", "actor", "holder", "src", "dst", "via", "state"),
                                  (moment, *row[3:]), strict=True), note="", data="")
                prev, digest = chain[0], row_hash(n, chain[0], values, EVENT_FIELDS)
            else:  # synthetic hashes: same width as sha256 hex
                prev, digest = f"{n - 1:064x}", f"{n:064x}"
            chain[0] = digest
            yield row + (prev, digest)

    chunk = 200_000
    for first in range(1, events + 1, chunk):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO event (id, at, recorded_at, kind, item_id, actor_id, holder_id, src_id, dst_id, via, "
            "state, note, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,'','',?,?)",
            event_rows(first, min(events + 1, first + chunk)))
        conn.execute("COMMIT")
        print(f"  events {min(events, first + chunk - 1):,} / {events:,} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    conn.execute("UPDATE log_head SET last_id = ?, last_hash = ? WHERE name = 'event'", (events, chain[0]))
    for name, sql in indexes:
        t = time.perf_counter()
        conn.execute(sql)
        print(f"  index {name}: {time.perf_counter() - t:.1f} s", flush=True)
    conn.execute("PRAGMA journal_mode=wal")  # as the app runs it
    conn.close()
    return time.perf_counter() - started


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(first call ms, median of the next `repeat` calls ms, last result)."""
    t = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - t) * 1000
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return first, statistics.median(times), result


def table_sizes(path: Path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT name, SUM(pgsize) FROM dbstat WHERE name IN "
                            "(SELECT name FROM sqlite_master WHERE tbl_name IN ('item', 'event')) "
                            "GROUP BY name ORDER BY 2 DESC").fetchall()
    except sqlite3.OperationalError:  # SQLite built without the dbstat table
        return []
    finally:
        conn.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--out-share", type=float, default=0.003,
                        help="share of volumes out of storage (default 0.3%%: 3,000 of 1M)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query after the first")
    parser.add_argument("--rebuild", action="store_true", help="build the database again even if it exists")
    parser.add_argument("--sizes", action="store_true", help="also print table and index sizes (reads the whole file)")
    parser.add_argument("--chained", action="store_true",
                        help="compute the real hash chain while building (slower) and time verify-log on it")
    parser.add_argument("--dir", type=Path, default=OUT)
    args = parser.parse_args(argv)

    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"out_of_storage-{args.items}-{args.events}{'-chained' if args.chained else ''}.db"
    print(f'"out of storage now" — {args.items:,} items, {args.events:,} events — {load()}')
    if args.rebuild or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        print(f"building {path} …")
        took = build(path, args.items, args.events, args.out_share, args.chained)
        print(f"built in {took:.0f} s — {load()}")
    else:
        print(f"reusing {path} (--rebuild to build it again)")

    from peewee import JOIN

    from app.custody.models import Event, Item, Location, Person
    from app.db import db, make_database

    db.initialize(make_database(f"sqlite:///{path}"))
    db.connect()

    def count():
        return Item.out_of_storage("volume").count()

    def first_page():
        return list(Item.out_of_storage("volume")
                    .join(Person, JOIN.LEFT_OUTER, on=(Item.holder == Person.id)).switch(Item)
                    .join(Location, JOIN.LEFT_OUTER, on=(Item.location == Location.id))
                    .select(Item, Person, Location).limit(50))

    rows = []
    c_first, c_med, n_out = timed(count, args.repeat)
    p_first, p_med, page = timed(first_page, args.repeat)
    rows.append(("count of volumes out", f"{c_first:.2f}", f"{c_med:.2f}", f"{n_out:,}"))
    rows.append(("first page of 50 (holder, location joined)", f"{p_first:.2f}", f"{p_med:.2f}", f"{len(page)} rows"))
    totals = (Item.select().count(), Event.select().order_by().count()) if args.items <= 100_000 else None
    plans = {}
    for name, query in (("count", Item.out_of_storage("volume")), ("page", Item.out_of_storage("volume").limit(50))):
        sql, params = query.sql()
        if name == "count":
            sql = f"SELECT COUNT(1) FROM ({sql}) AS _wrapped"
        plans[name] = [r[-1] for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
    verified = None
    if args.chained:
        from app.custody.audit import verify_chain

        t = time.perf_counter()
        report = verify_chain("event")
        verified = (time.perf_counter() - t, report)
    db.close()

    head = ("query (through app code, peewee)", "first ms", "median ms", "result")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    for r in [head] + rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    for name, plan in plans.items():
        print(f"plan ({name}): " + " | ".join(plan))
    if totals:
        print(f"rows: {totals[0]:,} items, {totals[1]:,} events")
    size = sum(os.path.getsize(f"{path}{s}") for s in ("", "-wal") if os.path.exists(f"{path}{s}"))
    print(f"database size: {size / 2**30:.2f} GiB ({size:,} bytes)")
    if verified:
        took, report = verified
        state = "intact" if report.ok else f"BROKEN at {report.first_bad_id}: {report.problem}"
        print(f"verify-log (audit.verify_chain) over {report.rows:,} events: {took:.1f} s "
              f"({report.rows / took:,.0f} rows/s), {state}")
    if args.sizes:
        for name, bytes_ in table_sizes(path):
            print(f"  {name:<32} {bytes_ / 2**20:10,.0f} MiB")
    slowest = max(c_first, c_med, p_first, p_med)
    print(f"goal < 50 ms: {'met' if slowest < 50 else 'NOT met'} (slowest figure {slowest:.2f} ms)")
    print(f"after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
