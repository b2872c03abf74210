"""Benchmark of POST /api/v1/scans under gunicorn: durable scans per second, latency, page weight.

    .venv/bin/python bench/scan_bench.py                   # SQLite, gthread 3 workers × 2 threads (as deployed)
    .venv/bin/python bench/scan_bench.py --group-commit    # the same with scans sharing commits per process
    .venv/bin/python bench/scan_bench.py --workers 1 --threads 16 --group-commit   # the first design
    .venv/bin/python bench/scan_bench.py --db postgresql://postgres@127.0.0.1:5432/bench

Phases: (1) saturation: 16 client connections send check-out / return scans for distinct volumes
as fast as answers come back → scans/s, p50/p99. The load comes from wrk (Debian's `wrk`, a C load
generator using ~3 % of a core here) with bench/scan_wrk.lua; without wrk, or with --batch, from
Python client processes, which take a good part of the 2 cores from the server. (2) paced: 100
scans/s in an open loop → p50/p99; (3) after gunicorn has stopped, the events in the database are
counted against the 201 answers and the hash chain is verified (every answered scan is durable);
(4) the scan page's first-load transfer size in Chromium, camera decoder not loaded.
It prints its figures with the machine load and a CPU probe (a fixed Python loop, timed before and
after): this machine shares its cores, and when the probe is slow every figure is.
"""
import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu_probe() -> float:
    """Milliseconds a fixed pure-Python loop takes now (about 65 ms when this machine's cores are free)."""
    start = time.perf_counter()
    sum(i * i for i in range(2_000_000))
    return (time.perf_counter() - start) * 1000


def wrk_load(port: int, token: str, first: int, count: int, connections: int, duration: float, ids_file: Path):
    """Saturate with wrk; returns (statuses {code: n}, socket errors, p50 s, p99 s); the client ids answered
    201 are written to ids_file."""
    threads = 2
    per = count // threads
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s", "--timeout", "10s",
         "-s", str(ROOT / "bench/scan_wrk.lua"), f"http://127.0.0.1:{port}", "--", token, str(first), str(per),
         uuid.uuid4().hex[:8], str(ids_file)], capture_output=True, text=True, check=True).stdout
    statuses, errors, pcts = {}, 0, {}
    for line in out.splitlines():
        parts = line.split()
        if parts[:1] == ["REFUSED"]:
            print("  refused:", line[8:])
        elif parts[:1] == ["STATUS"]:
            statuses[int(parts[1])] = int(parts[2])
        elif parts[:1] == ["ERRORS"]:
            errors = int(parts[1])
        elif parts and parts[0] in ("P50", "P99"):
            pcts[parts[0]] = float(parts[1]) / 1000
    return statuses, errors, pcts.get("P50", float("nan")), pcts.get("P99", float("nan"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, volumes: int) -> str:
    """Migrate and fill the database: a site, an operator with a badge and a token, N volumes in storage."""
    from app import create_app
    from app.custody import accounts
    from app.custody.migrate import upgrade
    from app.custody.models import Item, Location
    from app.db import db, make_database

    if url.startswith("postgres"):
        admin = make_database(url)
        admin.connect()
        for t in reversed(admin.get_tables()):
            admin.execute_sql(f'DROP TABLE IF EXISTS "{t}" CASCADE')
        admin.close()
    database = make_database(url)
    database.connect()
    upgrade(database)
    database.close()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "PASSWORD_PROFILE": "fast", "SECRET_KEY": "bench"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        from tests import factories as f

        f.site()
        user = f.user("operator", username="bench")
        _tok, secret = accounts.create_token(user, "bench", by=None)
        shelf = Location.get(Location.code == "KF-A-01")
        rows = [{"code": f"V{n:08d}", "kind": "volume", "archive_no": f"J012-WS·2019-Y-{n:05d}", "title": "bench",
                 "state": "in_storage", "location": shelf.id} for n in range(1, volumes + 1)]
        with db.atomic():
            for i in range(0, len(rows), 500):
                Item.insert_many(rows[i:i + 500]).execute()
        db.close()
    return secret


class Client:
    def __init__(self, port: int, token: str, batch: int = 1):
        self.port, self.token, self.batch = port, token, batch
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def scan(self, code: str, action: str, location: str | None) -> list[tuple[int, float]]:
        """One request: a single scan, or (batch > 1) that many scans of consecutive volumes."""
        one = {"code": code, "action": action, "location": location, "client_id": uuid.uuid4().hex}
        if self.batch > 1:
            number = int(code[1:])
            scans = [{**one, "code": f"V{number + i:08d}", "client_id": uuid.uuid4().hex} for i in range(self.batch)]
            path, body = "/api/v1/scans/batch", json.dumps({"scans": scans})
        else:
            path, body = "/api/v1/scans", json.dumps(one)
        t0 = time.perf_counter()
        try:
            self.conn.request("POST", path, body, {"Content-Type": "application/json",
                                                   "Authorization": f"Bearer {self.token}"})
            res = self.conn.getresponse()
            data = res.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return [(0, time.perf_counter() - t0)]
        took = time.perf_counter() - t0
        if self.batch > 1 and res.status == 200:
            return [(r["status"], took) for r in json.loads(data)["results"]]
        return [(res.status, took)]


def _worker(args):
    """One client process: its threads each own a connection and a slice of the volumes."""
    import threading

    port, token, codes, threads, duration, rate, batch = args
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration
    # a thread's volumes: contiguous runs, so a batch names consecutive codes that are all its own
    size = max(batch, len(codes) // threads // batch * batch)
    slices = [codes[i * size:(i + 1) * size] for i in range(threads)]

    def run(my_codes, interval):
        client, mine, n = Client(port, token, batch), [], 0
        next_at = time.perf_counter()
        while time.perf_counter() < stop_at:
            code = my_codes[n % len(my_codes)]
            lap = n // len(my_codes)
            # even laps take the volume out to a workstation, odd laps bring it back: every scan is a write
            action, location = ("check_out", "WS-01") if lap % 2 == 0 else ("return", "KF-A-01")
            if interval:
                next_at += interval
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            mine.extend(client.scan(code, action, location))
            n += batch
        with lock:
            results.extend(mine)

    interval = (threads / rate) if rate else 0
    pool = [threading.Thread(target=run, args=(s, interval)) for s in slices]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


def load(port, token, codes, processes, connections, duration, rate=None, batch=1):
    """Run the load; returns (status, latency) per scan over all clients."""
    per_proc = max(1, connections // processes)
    size = len(codes) // processes
    chunks = [codes[i * size:(i + 1) * size] for i in range(processes)]
    per_rate = (rate / processes) if rate else None
    with mp.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_worker, [(port, token, chunk, per_proc, duration, per_rate, batch) for chunk in chunks])
    flat = [r for part in parts for r in part]
    return flat


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


def report(name, results, duration):
    ok = [lat for status, lat in results if status == 201]
    other = {}
    for status, _lat in results:
        if status != 201:
            other[status] = other.get(status, 0) + 1
    lats = [lat for _s, lat in results]
    print(f"{name}: {len(ok) / duration:8.1f} scans/s recorded (201)   "
          f"p50 {pct(lats, 50) * 1000:6.1f} ms   p99 {pct(lats, 99) * 1000:6.1f} ms   "
          f"answers {len(results)}" + (f"   other statuses {other}" if other else ""))
    return len(ok)


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wait_up(port, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def page_weight(port: int) -> None:
    """First-load transfer of /scan in Chromium (no service worker cache, camera not tapped)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        print("page weight: chromium not installed, skipped")
        return
    from playwright.sync_api import sync_playwright

    from tests import factories as f

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        ctx = browser.new_context(base_url=f"http://127.0.0.1:{port}", viewport={"width": 360, "height": 740},
                                  has_touch=True, is_mobile=True, service_workers="block")
        page = ctx.new_page()
        page.goto("/login")
        page.fill("input[name=username]", "bench")
        page.fill("input[name=password]", f.PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        # a second context with the login cookie only: an empty HTTP cache, as on a handheld's first visit
        state = ctx.storage_state()
        ctx = browser.new_context(base_url=f"http://127.0.0.1:{port}", viewport={"width": 360, "height": 740},
                                  has_touch=True, is_mobile=True, service_workers="block", storage_state=state)
        page = ctx.new_page()
        sizes: dict[str, int] = {}

        def on_finished(request):
            info = request.sizes()
            sizes[request.url] = info["responseBodySize"] + info["responseHeadersSize"]

        page.on("requestfinished", on_finished)
        page.goto("/scan")
        page.wait_for_load_state("networkidle")
        page.evaluate("fetch(document.querySelector('link[rel=manifest]').href)")  # what an install fetches
        page.wait_for_load_state("networkidle")
        browser.close()
    total = sum(sizes.values())
    print(f"scan page first load (cold cache, no camera decoder): {total / 1024:.1f} KB in {len(sizes)} requests")
    for url, n in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"    {n / 1024:7.1f} KB  {url.split(str(port), 1)[-1]}")
    decoder = ROOT / "static/vendor/zxing-library/index.min.js"
    print(f"  loaded only on camera tap without BarcodeDetector: camera.js "
          f"{(ROOT / 'static/scan/camera.js').stat().st_size / 1024:.1f} KB + ZXing {decoder.stat().st_size / 1024:.0f} KB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3, as deployed)")
    ap.add_argument("--threads", type=int, default=2, help="threads per worker (default 2, as deployed)")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--client-processes", type=int, default=2, help="Python load only (no wrk, or --batch)")
    ap.add_argument("--python-clients", action="store_true", help="load from Python clients even with wrk")
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--paced-rate", type=float, default=100)
    ap.add_argument("--volumes", type=int, default=20000)
    ap.add_argument("--group-commit", action="store_true", help="CUSTODY_SCAN_GROUP_COMMIT=true")
    ap.add_argument("--batch", type=int, default=1, help="scans per request in the saturation phase "
                                                         "(POST /api/v1/scans/batch, as a handheld sends its backlog)")
    ap.add_argument("--skip-page", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="scan-bench-"))
    url = args.db or f"sqlite:///{tmp}/bench.db"
    token = seed(url, args.volumes)
    port = free_port()
    env = dict(os.environ, CUSTODY_DATABASE_URL=url, CUSTODY_SECRET_KEY="bench-" + uuid.uuid4().hex,
               CUSTODY_ENV_NAME="development", CUSTODY_SCAN_GROUP_COMMIT="true" if args.group_commit else "false")
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "-k", "gthread", "--workers", str(args.workers),
                "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                "--backlog", "512", "app:create_app()"]
    proc = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    recorded = warm_ok = 0
    use_wrk = shutil.which("wrk") is not None and args.batch == 1 and not args.python_clients
    try:
        wait_up(port, proc)
        load_before = os.getloadavg()
        codes = [f"V{n:08d}" for n in range(1, args.volumes + 1)]
        clients = (f"wrk, {args.connections} connections" if use_wrk else
                   f"{args.connections} connections in {args.client_processes} Python processes")
        print(f"# {time.strftime('%Y-%m-%d %H:%M:%S')}  cpus={os.cpu_count()}  loadavg before={load_before[0]:.2f}  "
              f"cpu probe {cpu_probe():.0f} ms  db={'sqlite' if url.startswith('sqlite') else 'postgresql'}  "
              f"gunicorn gthread {args.workers}×{args.threads}  batch={args.batch}  "
              f"group commit={'on' if args.group_commit else 'off'}  load: {clients} (bearer token)")
        warm = load(port, token, codes[-200:], 1, 4, 1.5)  # warm-up: connections, caches (not in the figures)
        warm_ok = sum(1 for status, _lat in warm if status == 201)
        base = Path(str(url).replace("sqlite:///", "")) if url.startswith("sqlite") else None
        cpu0 = server_cpu(proc.pid)
        if use_wrk:
            statuses, errors, p50, p99 = wrk_load(port, token, 1, args.volumes // 2 - 200, args.connections,
                                                  args.duration, tmp / "answered.txt")
            cpu1 = server_cpu(proc.pid)
            answers = sum(statuses.values())
            recorded = statuses.get(201, 0)
            other = {k: v for k, v in statuses.items() if k != 201}
            print(f"saturation {args.duration:.0f}s: {recorded / args.duration:8.1f} scans/s recorded (201)   "
                  f"p50 {p50 * 1000:6.1f} ms   p99 {p99 * 1000:6.1f} ms   answers {answers}"
                  + (f"   other statuses {other}" if other else "") + (f"   socket errors {errors}" if errors else ""))
        else:
            sat = load(port, token, codes[: args.volumes // 2 - 200], args.client_processes, args.connections,
                       args.duration, batch=args.batch)
            cpu1 = server_cpu(proc.pid)
            answers = len(sat)
            recorded = report(f"saturation {args.duration:.0f}s" + (f" ({args.batch} per request)" if args.batch > 1
                                                                    else ""), sat, args.duration)
        if answers:
            per_scan = (cpu1 - cpu0) / answers * 1000
            print(f"  server CPU per scan {per_scan:.2f} ms (all worker processes) → "
                  f"{(cpu1 - cpu0) / args.duration:.2f} of {os.cpu_count()} cores busy serving")
        paced = load(port, token, codes[args.volumes // 2: -200], 1, 8, args.duration, rate=args.paced_rate)
        recorded += report(f"paced {args.paced_rate:.0f}/s   ", paced, args.duration)
        print(f"# loadavg after={os.getloadavg()[0]:.2f}  cpu probe {cpu_probe():.0f} ms")
        if not args.skip_page:
            page_weight(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    # durability: everything answered 201 is in the database after the server is gone
    from app.custody.audit import verify_chain
    from app.custody.models import Event
    from app.db import db, make_database

    db.initialize(make_database(url))
    db.connect()
    events = Event.select().where(Event.via == "scan").count()
    ids_file = tmp / "answered.txt"
    missing = None
    if ids_file.exists():  # wrk: every client id answered 201, looked up one by one
        answered_ids = ids_file.read_text().split()
        stored = {cid for (cid,) in Event.select(Event.client_id).where(Event.via == "scan").tuples()}
        missing = sum(1 for cid in answered_ids if cid not in stored)
    chain = verify_chain("event")
    db.close()
    answered = recorded + warm_ok
    if missing is None:
        verdict = "equal" if answered == events else "MISMATCH"
    else:
        # wrk stops mid-flight: scans it sent last are recorded but their answers are never read
        unread = events - answered
        verdict = (f"each of the {len(answered_ids)} client ids wrk saw answered 201 is in the database"
                   if missing == 0 else f"{missing} ANSWERED SCANS MISSING") + \
                  (f"; {unread} more were recorded while wrk was stopping (answers not read)" if unread else "")
        if unread < 0 or unread > args.connections:
            verdict += " — MISMATCH"
    print(f"durability: {answered} scans answered 201, {events} scan events in the database after shutdown "
          f"({verdict}); hash chain {'ok' if chain.ok else 'BROKEN: ' + chain.problem} ({chain.rows} rows)")
    if base is not None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
