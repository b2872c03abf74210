"""CPU time and SQL statements per handheld scan, in one process (no HTTP server, no client load).

    .venv/bin/python bench/scan_cpu.py                 # this checkout
    .venv/bin/python bench/scan_cpu.py --root /path/to/another/checkout --scans 2000

Every scan is a real POST /api/v1/scans (bearer token) through Flask's test client: check-out and then
return of distinct volumes, each one durable transaction on SQLite. It prints the process CPU time per
scan (time.process_time: what this process spent, whatever else the shared machine runs) and the SQL
statements per scan (SQLite's trace: every statement, BEGIN and COMMIT included) — the figures that
compare two versions of the scan path on a busy machine better than wall-clock throughput does.
"""
import argparse
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[1]), help="the checkout to measure")
    ap.add_argument("--scans", type=int, default=1000, help="check-outs (and as many returns)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, args.root)
    import app as app_package  # the checkout's own app (before scan_bench puts this one on the path)
    import tests.factories  # noqa: F401  (the seed's factories, from the same checkout)
    from app import create_app
    from app.db import db
    seed = importlib.import_module("scan_bench").seed  # bench/ is on the path (this file's folder), imported last

    tmp = Path(tempfile.mkdtemp(prefix="scan-cpu-"))
    url = f"sqlite:///{tmp}/bench.db"
    volumes = args.scans * args.rounds
    token = seed(url, volumes)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ENV_NAME": "development",
                      "SECURE_COOKIES": False})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    seen: list[str] = []
    database = db.obj
    original = database._add_conn_hooks

    def hooks(conn):
        original(conn)
        conn.set_trace_callback(seen.append)

    database._add_conn_hooks = hooks
    if not database.is_closed():
        database.close()
    print(f"# app from {Path(app_package.__file__).parent}")
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S')}  root={args.root}  load {os.getloadavg()[0]:.2f}  "
          f"{args.scans} check-outs + {args.scans} returns per round")
    n = 0
    for rnd in range(args.rounds):
        codes = [f"V{i:08d}" for i in range(rnd * args.scans + 1, (rnd + 1) * args.scans + 1)]
        seen.clear()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for action, where in (("check_out", "WS-01"), ("return", "KF-A-02")):
            for code in codes:
                n += 1
                res = client.post("/api/v1/scans", headers=headers, json={
                    "code": code, "action": action, "location": where, "client_id": f"c{n}"})
                assert res.status_code == 201, res.get_json()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        count = 2 * len(codes)
        statements = sum(1 for s in seen if not s.startswith("PRAGMA"))
        print(f"round {rnd + 1}: {1000 * cpu / count:.3f} ms CPU per scan, {1000 * wall / count:.3f} ms wall, "
              f"{statements / count:.2f} statements per scan")


if __name__ == "__main__":
    main()
