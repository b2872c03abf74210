"""Benchmark: the nightly sweep over 1,000,000 items of which 20,000 are out (goal < 3 s on SQLite),
and the alert board's first page with 10,000 open alerts (goal < 100 ms).

    .venv/bin/python bench/sweep_bench.py [--items 1000000] [--out 20000] [--keep DIR]

Builds a migrated SQLite database (raw inserts for speed: the build is not what is measured), with
a realistic log: every out volume has its check-out, 200,000 other volumes a past out-and-back,
and the evening goes on after the cutoff (late returns, new check-outs, hand-overs). Prints figures
and the machine load; medians of several runs.
"""
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NIGHT = date(2026, 11, 16)
CUTOFF = datetime(2026, 11, 16, 10, 30)  # 18:30 Asia/Shanghai


def fmt(t: datetime) -> str:
    return t.isoformat(" ")


def build(path: Path, n_items: int, n_out: int, seed: int = 7) -> dict:
    import sqlite3

    from app.custody.migrate import upgrade
    from app.db import make_database

    database = make_database(f"sqlite:///{path}")
    database.connect()
    upgrade(database)
    database.close()
    rnd = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA synchronous=off")  # build only
    now = fmt(datetime(2026, 11, 1))
    con.execute("INSERT INTO site (id, code, name, timezone, cutoff, grace_minutes, working_hours, holidays, "
                "base_url, created_at, sweep_nonworking) VALUES (1,'S1','Bench','Asia/Shanghai','18:30',30,'{}',"
                "'[]','',?,1)", (fmt(datetime(2020, 1, 1)),))
    locs = [(1, None, "SITE", "site"), (2, 1, "KF", "storage"), (3, 2, "KF-A-01", "shelf"),
            (4, 2, "KF-A-02", "shelf"), (5, 1, "JG", "workroom"), (6, 5, "WS-01", "workstation"),
            (7, 5, "WS-02", "workstation")]
    con.executemany("INSERT INTO location (id, site_id, parent_id, code, name, kind, is_active, created_at) "
                    "VALUES (?,1,?,?,?,?,1,?)", [(i, p, c, c, k, now) for i, p, c, k in locs])
    people = 500
    con.executemany("INSERT INTO person (id, name, organisation, org_kind, position, badge_code, badge_status, "
                    "training_hours, vetting_note, created_at) VALUES (?,?,'','service','',?,'active',0,'',?)",
                    [(i, f"操作员{i:03d}", f"B{i:08d}", now) for i in range(1, people + 1)])
    out_ids = set(rnd.sample(range(1, n_items + 1), n_out))
    batch = []
    for i in range(1, n_items + 1):
        out = i in out_ids
        batch.append((i, f"V{i:08d}", f"J012-WS·2019-Y-{i:07d}", 6 if out else 3,
                      (i % people) + 1 if out else None, "out" if out else "in_storage", now))
        if len(batch) == 50000:
            con.executemany("INSERT INTO item (id, code, kind, archive_no, title, media_type, capacity, serial_no, "
                            "location_id, holder_id, state, state_since, is_damaged, created_at) "
                            "VALUES (?,?,'volume',?,'','','','',?,?,?,?,0,?)",
                            [(a, b, c, d, e, f, g, g) for a, b, c, d, e, f, g in batch])
            batch = []
    if batch:
        con.executemany("INSERT INTO item (id, code, kind, archive_no, title, media_type, capacity, serial_no, "
                        "location_id, holder_id, state, state_since, is_damaged, created_at) "
                        "VALUES (?,?,'volume',?,'','','','',?,?,?,?,0,?)",
                        [(a, b, c, d, e, f, g, g) for a, b, c, d, e, f, g in batch])
    events = []

    def ev(item, at, kind, state, src, dst, holder):
        events.append((len(events) + 1, fmt(at), fmt(at), kind, item, holder, holder, src, dst, "web", state))

    # history: 200,000 other volumes (or half the rest) went out and came back on earlier days
    pool = [i for i in range(1, n_items + 1) if i not in out_ids]
    others = rnd.sample(pool, min(200000, len(pool) // 2))
    for k, i in enumerate(others):
        day = CUTOFF - timedelta(days=1 + k % 30, hours=rnd.randint(1, 8))
        ev(i, day, "check_out", "out", 3, 6, (i % people) + 1)
        ev(i, day + timedelta(hours=2), "return", "in_storage", 6, 3, None)
    # today's check-outs of the volumes that are out
    for i in out_ids:
        ev(i, CUTOFF - timedelta(minutes=rnd.randint(30, 600)), "check_out", "out", 3, 6, (i % people) + 1)
    # the evening after the cutoff: 300 late returns, 200 new check-outs, 100 hand-overs
    late = rnd.sample(sorted(out_ids), 400)
    for k, i in enumerate(late[:300]):
        ev(i, CUTOFF + timedelta(minutes=1 + k % 25), "return", "in_storage", 6, 3, None)
    for k, i in enumerate(late[300:]):
        ev(i, CUTOFF + timedelta(minutes=5 + k % 20), "hand_over", "out", 6, 7, ((i + 1) % people) + 1)
    fresh = others[:200]
    for k, i in enumerate(fresh):
        ev(i, CUTOFF + timedelta(minutes=3 + k % 20), "check_out", "out", 3, 7, (i % people) + 1)
    events.sort(key=lambda e: (e[1], e[0]))
    events = [(n + 1,) + e[1:] for n, e in enumerate(events)]
    con.executemany("INSERT INTO event (id, at, recorded_at, kind, item_id, actor_id, holder_id, src_id, dst_id, "
                    "via, state, note, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,'','','x','x')", events)
    # the item rows follow the evening's events (current state)
    con.executemany("UPDATE item SET state='in_storage', location_id=3, holder_id=NULL WHERE id=?",
                    [(i,) for i in late[:300]])
    con.executemany("UPDATE item SET state='out', location_id=7 WHERE id=?", [(i,) for i in fresh + late[300:]])
    con.execute("UPDATE log_head SET last_id=? WHERE name='event'", (len(events),))
    con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return {"events": len(events), "expected_unreturned": n_out}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--out", type=int, default=20_000)
    parser.add_argument("--open-alerts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", default=None, help="build in this folder and keep the database")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="sweep-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    if path.exists():
        path.unlink()
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min), "
          f"{os.cpu_count()} cores")
    t0 = time.perf_counter()
    info = build(path, args.items, args.out)
    print(f"built {args.items:,} items ({args.out:,} out), {info['events']:,} events in "
          f"{time.perf_counter() - t0:.1f} s")

    from app import create_app
    from app.custody import accounts
    from app.custody.models import Alert, Site
    from app.custody.nights.sweep import sweep_night
    from app.db import db

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}", "PASSWORD_PROFILE": "fast",
                      "SECRET_KEY": "bench"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        site = Site.get()
        due = CUTOFF + timedelta(minutes=30)
        t = time.perf_counter()
        first = sweep_night(site, NIGHT, now=due)
        first_s = time.perf_counter() - t
        print(f"sweep, first run: {first_s:.2f} s — {first.unreturned:,} not returned, {first.opened:,} alerts "
              f"opened, {first.returned_late} returned late (goal < 3 s)")
        assert first.unreturned == args.out and first.opened == args.out, first
        reruns = []
        for _ in range(args.runs):
            t = time.perf_counter()
            again = sweep_night(site, NIGHT, now=due + timedelta(minutes=5))
            reruns.append(time.perf_counter() - t)
            assert again.opened == 0 and again.unreturned == args.out
        print(f"sweep, again (idempotent, nothing new): median {statistics.median(reruns):.2f} s "
              f"over {args.runs} runs")
        # a late sweep of the next night (everything already open: continuing alerts escalate)
        t = time.perf_counter()
        nxt = sweep_night(site, NIGHT + timedelta(days=1), now=CUTOFF + timedelta(days=1, hours=6))
        print(f"sweep, next night run 6 h late: {time.perf_counter() - t:.2f} s — {nxt.unreturned:,} not "
              f"returned, {nxt.already_open:,} already open, {nxt.opened} opened")
        # leave exactly --open-alerts open for the board
        ids = [a for (a,) in Alert.select(Alert.id).where(Alert.status == "open").order_by(Alert.id).tuples()]
        if len(ids) > args.open_alerts:
            with db.atomic():
                Alert.update(status="resolved", resolution="bench").where(
                    (Alert.status == "open") & (Alert.id > ids[args.open_alerts - 1])).execute()
        open_n = Alert.select().where(Alert.status == "open").count()
        accounts.create_user("bench-sup", "bench-password-1", ["supervisor"], by=None)
        db.close()
    client = app.test_client()
    token_page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf-token" content="([^"]+)"', token_page).group(1)
    r = client.post("/login", data={"username": "bench-sup", "password": "bench-password-1", "csrf_token": token})
    assert r.status_code == 302
    print(f"open alerts: {open_n:,}")
    for label, url in (("board, first page", "/alerts/"), ("board, overnight by holder", "/alerts/?kind=overnight"),
                       ("feed.json, nothing new", "/alerts/feed.json?after=999999999"),
                       ("count.json", "/alerts/count.json"), ("API list", "/api/v1/alerts"),
                       ("overnight report (20,000 rows)", "/alerts/report?night=2026-11-16")):
        times = []
        for _ in range(args.runs + 1):
            t = time.perf_counter()
            resp = client.get(url)
            times.append(time.perf_counter() - t)
            assert resp.status_code == 200, (url, resp.status_code)
        times = times[1:]  # the first request warms templates
        goal = " (goal < 100 ms)" if url == "/alerts/" else ""
        print(f"{label}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms{goal}")
    from app.web.alerts import views as alert_views

    t = time.perf_counter()
    assert client.get("/alerts/charts.json").status_code == 200
    print(f"charts.json, computed (7 days replayed from the log): {(time.perf_counter() - t) * 1000:.0f} ms; "
          f"then cached for {alert_views.CHART_TTL} s")
    t = time.perf_counter()
    pdf = client.get("/alerts/report.pdf?night=2026-11-16")
    assert pdf.status_code == 200
    print(f"overnight report PDF, all 20,000 rows: {time.perf_counter() - t:.1f} s, {len(pdf.data) / 1e6:.1f} MB")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
