"""Reader benchmarks (prints its figures; see the README, "Readers").

1. Ingest: reader events per second through POST /api/v1/reader-events under gunicorn, batches of
   50 badge reads at a perimeter door (each read: a raw-read row, a resolved badge, a door pass),
   several readers posting at once; p50/p99 batch latency.
2. Daemon: a real `custody-reader run` on a pseudo-terminal at 20 frames/s against the same
   server: its CPU use and the end-to-end latency from frame written to read stored.

  .venv/bin/python bench/readers_bench.py [--batches 300] [--clients 4] [--seconds 30] [--workers 3 --threads 2]
"""
import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def prepare(db_path: str, readers: int, people: int):
    """A migrated SQLite database with a site, badged people and door readers; returns tokens, tags."""
    from app import create_app
    from app.custody import readers as reader_area
    from app.custody.migrate import upgrade
    from app.custody.models import Location
    from app.db import db
    from tests import factories as f

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": "bench"})
    with app.app_context():
        db.connect()
        upgrade(db.obj)
        f.site()
        tags = []
        for n in range(people):
            tag = f"{0x4A00000000 + n:010X}"
            f.person(f"Person {n}", tag=tag)
            tags.append(tag)
        door = Location.get(Location.code == "DOOR-1")
        registered = [reader_area.register_reader(f"door-{i}", location=door, mode="perimeter_door", protocol="rdm6300")
                      for i in range(readers)]
        registered.append(reader_area.register_reader("desk", location=Location.get(Location.code == "WS-01"),
                                                mode="station", protocol="rdm6300", settings={"action": "none"}))
        for reader, _secret in registered:  # approved by the security officer, as on a real site
            f.approved(reader)
        tokens = [secret for _reader, secret in registered[:-1]]
        station = registered[-1][1]
        db.close()
    return tokens, station, tags


def start_gunicorn(db_path: str, port: int, workers: int, threads: int):
    env = dict(os.environ, CUSTODY_DATABASE_URL=f"sqlite:///{db_path}", CUSTODY_SECRET_KEY="bench-secret",
               PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
                             "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
                             "--log-level", "warning", "app:create_app()"], env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def bench_ingest(port, tokens, tags, batches: int, batch_size: int = 50):
    latencies, errors = [], []
    lock = threading.Lock()
    per_client = batches // len(tokens)

    def bodies(seed):
        # built before the clock starts: the figure is the server's, not the client's JSON encoding
        rnd = random.Random(seed)
        seq, out = 0, []
        for _ in range(per_client):
            events = []
            for _ in range(batch_size):
                seq += 1
                events.append({"seq": seq, "kind": "read", "tag": rnd.choice(tags), "scheme": "em4100",
                               "read_at": iso_now()})
            out.append(json.dumps({"events": events}).encode())
        return out

    prepared = [bodies(i) for i in range(len(tokens))]

    def client(token, seed):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        for body in prepared[seed]:
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/reader-events", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                if response.status != 200:
                    errors.append(response.status)

    threads = [threading.Thread(target=client, args=(t, i)) for i, t in enumerate(tokens)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    events = len(latencies) * batch_size
    return {"events": events, "seconds": elapsed, "events_per_s": events / elapsed,
            "p50_ms": pct(latencies, 50) * 1000, "p99_ms": pct(latencies, 99) * 1000, "errors": len(errors)}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_daemon(port, token, db_path, seconds: float, rate: float = 20.0):
    from readers.protocols import REGISTRY
    from readers.simulate import PtyPair

    tmp = Path(tempfile.mkdtemp(prefix="readers-bench-"))
    pty = PtyPair()
    proc = subprocess.Popen([sys.executable, "-m", "readers", "run", "--port", pty.path, "--protocol", "rdm6300",
                             "--server", f"http://127.0.0.1:{port}", "--token", token, "--mode", "station",
                             "--spool", str(tmp / "spool.db"), "--heartbeat", "5", "--log-level", "WARNING"],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    target = os.path.realpath(pty.path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(
            os.path.realpath(f"/proc/{proc.pid}/fd/{fd}") == target for fd in os.listdir(f"/proc/{proc.pid}/fd")):
        time.sleep(0.05)
    import sqlite3

    n = int(seconds * rate)
    rnd = random.Random(7)
    tags = [f"{rnd.getrandbits(40):010X}" for _ in range(n)]
    written = {}
    cpu0, wall0 = cpu_seconds(proc.pid), time.monotonic()
    start = time.monotonic()
    for i, tag in enumerate(tags):
        due = start + i / rate
        time.sleep(max(0.0, due - time.monotonic()))
        written[tag] = datetime.now(UTC).replace(tzinfo=None)
        pty.write(REGISTRY["rdm6300"].encode([tag]))
    conn = sqlite3.connect(db_path)
    stored = {}
    deadline = time.monotonic() + 30
    while len(stored) < n and time.monotonic() < deadline:
        rows = conn.execute("SELECT tag, received_at, read_at FROM reader_read WHERE reader_id = "
                            "(SELECT id FROM reader WHERE name = 'desk')").fetchall()
        stored = {t: datetime.fromisoformat(r) for t, r, _a in rows}
        read_at = {t: datetime.fromisoformat(a) for t, _r, a in rows}
        time.sleep(0.2)
    cpu1, wall1 = cpu_seconds(proc.pid), time.monotonic()
    proc.terminate()
    proc.wait(timeout=20)
    pty.close()
    lat = [(stored[t] - written[t]).total_seconds() for t in tags if t in stored]
    # where the time goes: frame written → read by the daemon (its read_at), → stored on the server
    reading = [(read_at[t] - written[t]).total_seconds() for t in tags if t in stored]
    forwarding = [(stored[t] - read_at[t]).total_seconds() for t in tags if t in stored]
    return {"frames": n, "stored": len(stored), "cpu_percent": 100 * (cpu1 - cpu0) / (wall1 - wall0),
            "p50_ms": pct(lat, 50) * 1000 if lat else None, "p99_ms": pct(lat, 99) * 1000 if lat else None,
            "max_ms": max(lat) * 1000 if lat else None,
            "read_p99_ms": pct(reading, 99) * 1000 if lat else None,
            "forward_p99_ms": pct(forwarding, 99) * 1000 if lat else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3, help="as deployed (deploy/custody-web.service)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="readers-bench-db-")
    db_path = os.path.join(tmp, "custody.db")
    tokens, station, tags = prepare(db_path, args.clients, 200)
    port = free_port()
    server = start_gunicorn(db_path, port, args.workers, args.threads)
    try:
        print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"
              f" (1/5/15 min), {os.cpu_count()} CPUs")
        bench_ingest(port, tokens[:1], tags, 10)  # warm-up: workers import, connections open
        ingest = bench_ingest(port, tokens, tags, args.batches)
        print(f"ingest (gunicorn gthread {args.workers}×{args.threads}, SQLite, {args.clients} readers posting): "
              f"{ingest['events']} events in {ingest['seconds']:.2f} s = {ingest['events_per_s']:,.0f} events/s; "
              f"batch of 50 p50 {ingest['p50_ms']:.1f} ms, p99 {ingest['p99_ms']:.1f} ms; errors {ingest['errors']}")
        daemon = bench_daemon(port, station, db_path, args.seconds)
        print(f"daemon at 20 frames/s for {args.seconds:.0f} s: {daemon['stored']}/{daemon['frames']} stored; "
              f"CPU {daemon['cpu_percent']:.1f}% of one core; frame written → read stored "
              f"p50 {daemon['p50_ms']:.0f} ms, p99 {daemon['p99_ms']:.0f} ms, max {daemon['max_ms']:.0f} ms "
              f"(p99 of its parts: written → read by the daemon {daemon['read_p99_ms']:.0f} ms, "
              f"read → stored {daemon['forward_p99_ms']:.0f} ms)")
        print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
