"""Flow sheet benchmark: step scans per second through POST /api/v1/steps beside POST /api/v1/scans in the
same run, then the work-in-progress board at 100,000 volumes and 1,000,000 step rows.

    .venv/bin/python bench/steps_bench.py [--scans 1000] [--volumes 100000] [--steps 1000000] [--pg [URL]]

Requests go through the app's WSGI stack in process (Flask's test client: routing, bearer-token
authentication, JSON validation, the service, the commit), one at a time, a scan and a step scan in turn,
so both figures are one client's rate on the same machine in the same seconds (a shared machine's load swings
touch both alike). Beside the wall-clock rates, the process CPU time per request: the figure load moves least. Goals (issue 14): step scans within 20 % of scans;
the board's first page under 100 ms (it reads flow_position, one row per volume, never the log).
"""
import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import PG_DEFAULT, load, median, percentile, pg_schema  # noqa: E402


def world(n: int):
    """A site with a workstation, an operator (token), a scanner there and n volumes in storage."""
    from app.custody import accounts, clock
    from app.custody.flow import devices, services
    from app.custody.models import Item, Location, Person, Site

    site = Site.create(code="S1", name="Bench site", timezone="Asia/Shanghai")
    root = Location.create(site=site, code="SITE", name="Site", kind="site")
    store = Location.create(site=site, code="KF", name="库房", kind="storage", parent=root)
    shelf = Location.create(site=site, code="KF-A-01", name="Shelf A-01", kind="shelf", parent=store)
    room = Location.create(site=site, code="JG", name="加工场所", kind="workroom", parent=root)
    ws = Location.create(site=site, code="WS-01", name="Workstation 1", kind="workstation", parent=room)
    today = clock.now().date()
    who = Person.create(name="李加工", organisation="数字化服务公司", org_kind="service", badge_code="B00000001",
                        badge_status="active", valid_from=today - timedelta(days=30), valid_until=today + timedelta(days=365))
    user = accounts.create_user("op1", "bench password 123456", ("operator",), by=None, person=who)
    token = accounts.create_token(user, "bench", by=None)[1]
    device = devices.register_device("Scanner", workstation=ws)
    rows = [{"code": f"V{i:08d}", "kind": "volume", "archive_no": f"J012-WS·2019-Y-{i:05d}", "title": "会议纪要",
             "pages": 100, "location": shelf.id, "state": "in_storage"} for i in range(1, n + 1)]
    for start in range(0, len(rows), 500):
        Item.insert_many(rows[start:start + 500]).execute()
    services.definitions()
    return token, [r["code"] for r in rows], device.item.code, ws.code


def throughput(url: str, n: int) -> dict:
    """n check-outs through /scans, then n step scans (out start/finish) through /steps, one client."""
    from app import create_app
    from app.custody.migrate import upgrade
    from app.db import db

    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_PROFILE": "fast"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        upgrade(db.obj)
        token, codes, _device, ws = world(2 * n)
        db.close()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def timed(path, body, latencies, cpu):
        c0, t0 = time.process_time(), time.perf_counter()
        response = client.post(path, json=body, headers=headers)
        latencies.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if response.status_code != 201:
            raise SystemExit(f"{path}: {response.status_code} {response.get_json()}")

    # warm both paths (first request compiles statements, loads catalogs)
    client.post("/api/v1/scans", json={"code": ws, "action": "check_out", "client_id": "w0"}, headers=headers)
    scan_bodies = [{"code": c, "action": "check_out", "location": ws, "client_id": f"s-{c}"} for c in codes[:n]]
    step_bodies = [{"code": c, "step": "out", "action": "start", "client_id": f"a-{c}"} for c in codes[n:2 * n]]
    scan_lat, step_lat, scan_cpu, step_cpu = [], [], [], []
    for scan_body, step_body in zip(scan_bodies, step_bodies, strict=True):
        timed("/api/v1/scans", scan_body, scan_lat, scan_cpu)
        timed("/api/v1/steps", step_body, step_lat, step_cpu)
    scan_time, step_time = sum(scan_lat), sum(step_lat)
    scan_rate, step_rate = len(scan_lat) / scan_time, len(step_lat) / step_time
    return {"scan_rate": scan_rate, "step_rate": step_rate, "scan_p50": median(scan_lat) * 1000,
            "step_p50": median(step_lat) * 1000, "scan_p99": percentile(scan_lat, 99) * 1000,
            "step_p99": percentile(step_lat, 99) * 1000,
            "scan_cpu": sum(scan_cpu) / len(scan_cpu) * 1000, "step_cpu": sum(step_cpu) / len(step_cpu) * 1000}


def board(url: str, volumes: int, steps: int) -> dict:
    """Seed volumes and step rows in bulk, then time GET /api/v1/steps/board (and the output query)."""
    from app import create_app
    from app.custody import accounts, clock
    from app.custody.flow import services
    from app.custody.flow.models import FlowPosition, ProcessStep
    from app.custody.migrate import upgrade
    from app.custody.models import Item, Person, Site
    from app.db import db

    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_PROFILE": "fast"})
    rng = random.Random(14)
    with app.app_context():
        db.connect(reuse_if_open=True)
        upgrade(db.obj)
        Site.create(code="S1", name="Bench site", timezone="Asia/Shanghai")
        boss = Person.create(name="张主管", badge_code="B00000009", badge_status="active")
        user = accounts.create_user("boss", "bench password 123456", ("supervisor",), by=None, person=boss)
        token = accounts.create_token(user, "bench", by=None)[1]
        defs = services.definitions()
        now = clock.now()
        t0 = time.perf_counter()
        with db.atomic():
            for start in range(0, volumes, 1000):
                Item.insert_many([{"code": f"V{i:08d}", "kind": "volume", "archive_no": f"A-{i}", "title": "t",
                                   "state": "in_storage"} for i in range(start + 1, min(volumes, start + 1000) + 1)]
                                 ).execute()
        first_id = Item.select(Item.id).order_by(Item.id).first().id
        per_volume = max(1, steps // volumes)
        with db.atomic():
            batch, positions = [], []
            for v in range(volumes):
                item_id = first_id + v
                done = min(per_volume, len(defs))
                at = now - timedelta(hours=rng.randint(1, 24 * 30))
                for k in range(per_volume):
                    d = defs[k % len(defs)]
                    batch.append((item_id, d.code, d.name_zh, d.name_en, d.position, d.counts, boss.id,
                                  100 if d.counts != "none" else None, "done", 0, True, at, at + timedelta(minutes=30)))
                last = defs[done - 1]
                positions.append({"item": item_id, "step": last.code, "position": last.position,
                                  "outcome": rng.choice(["done", "in_progress", "in_progress", "failed"]),
                                  "since": at, "reworks": rng.randint(0, 2)})
                if len(batch) >= 5000:
                    _insert_steps(batch)
                    batch = []
            _insert_steps(batch)
            for start in range(0, len(positions), 1000):
                FlowPosition.insert_many(positions[start:start + 1000]).execute()
        seeded = time.perf_counter() - t0
        if "sqlite" in url:
            db.execute_sql("ANALYZE")
        else:
            db.execute_sql("ANALYZE")
        counted = ProcessStep.select().count()
        db.close()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        response = client.get("/api/v1/steps/board", headers=headers)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.get_json()
    t0 = time.perf_counter()
    client.get("/api/v1/steps/output?days=7", headers=headers)
    output = time.perf_counter() - t0
    t0 = time.perf_counter()
    client.get("/flow/board", headers=headers)
    return {"seeded": seeded, "rows": counted, "first": times[0] * 1000, "median": median(times) * 1000,
            "output": output * 1000}


def _insert_steps(rows) -> None:
    from app.custody.flow.models import ProcessStep

    if rows:
        fields = [ProcessStep.item, ProcessStep.step, ProcessStep.step_zh, ProcessStep.step_en, ProcessStep.position,
                  ProcessStep.counts, ProcessStep.operator, ProcessStep.quantity, ProcessStep.outcome,
                  ProcessStep.round, ProcessStep.is_current, ProcessStep.started_at, ProcessStep.finished_at]
        ProcessStep.insert_many(rows, fields=fields).execute()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--volumes", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--pg", nargs="?", const=PG_DEFAULT, default=None, help="PostgreSQL URL (a private schema)")
    args = parser.parse_args(argv)
    if args.pg:
        with pg_schema(args.pg) as url:
            rates, engine = throughput(url, args.scans), "PostgreSQL"
        with pg_schema(args.pg) as url:
            wip = board(url, args.volumes, args.steps)
    else:
        with tempfile.TemporaryDirectory() as folder:
            rates, engine = throughput(f"sqlite:///{folder}/rates.db", args.scans), "SQLite"
            wip = board(f"sqlite:///{folder}/board.db", args.volumes, args.steps)
    print(f"flow sheet benchmark ({engine}, {load()})")
    print(f"  POST /api/v1/scans: {rates['scan_rate']:.0f}/s (p50 {rates['scan_p50']:.1f} ms, p99 {rates['scan_p99']:.1f} ms)")
    print(f"  POST /api/v1/steps: {rates['step_rate']:.0f}/s (p50 {rates['step_p50']:.1f} ms, p99 {rates['step_p99']:.1f} ms)"
          f"  = {100 * rates['step_rate'] / rates['scan_rate']:.0f} % of scans (goal >= 80 %)")
    print(f"  CPU per request: scans {rates['scan_cpu']:.2f} ms, steps {rates['step_cpu']:.2f} ms"
          f" = {100 * rates['scan_cpu'] / rates['step_cpu']:.0f} % of the scans' rate")
    print(f"  board at {args.volumes:,} volumes, {wip['rows']:,} step rows (seeded in {wip['seeded']:.0f} s):")
    print(f"    GET /api/v1/steps/board first {wip['first']:.1f} ms, median of 7 {wip['median']:.1f} ms (goal < 100 ms)")
    print(f"    GET /api/v1/steps/output?days=7 {wip['output']:.1f} ms")


if __name__ == "__main__":
    main()
