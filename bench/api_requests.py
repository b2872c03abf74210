"""Requests per second and latency of the JSON API under gunicorn, on a fresh demo SQLite database.

    .venv/bin/python bench/api_requests.py [--seconds 5] [--clients 4]

Reads: GET /api/v1/items/<code>. Writes: POST /api/v1/items/<code>/damage with a fresh Idempotency-Key
(one durable custody event each, hash chain included). Prints the figures and the machine load.
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env):
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


def measure(port, token, path_for, method, body_for, seconds, clients):
    latencies, errors, stop = [], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def worker(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i, mine = 0, []
        while time.monotonic() < stop:
            i += 1
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                       "Idempotency-Key": f"bench-{os.getpid()}-{method}-{n}-{i}-{time.monotonic_ns()}"}
            t0 = time.perf_counter()
            conn.request(method, path_for(n, i), body=body_for(n, i), headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status >= 300:
                errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    elapsed = time.monotonic() - started
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000  # noqa: E731
    return len(latencies) / elapsed, pct(0.5), pct(0.99), errors[0], len(latencies)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CUSTODY_INSTANCE_PATH": tmp, "CUSTODY_SECRET_KEY": os.urandom(16).hex(),
               "CUSTODY_SECURE_COOKIES": "false"}
        run([str(BIN / "custody"), "init-db"], env)
        run([str(BIN / "custody"), "demo"], env)
        token = run([str(BIN / "custody"), "create-token", "archivist", "--name", "bench"], env).strip()
        port = free_port()
        server = subprocess.Popen([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
                                   "--workers", "3", "--threads", "2", "--log-level", "warning", "app:create_app()"],
                                  env=env, cwd=ROOT)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/api/v1/openapi.json")
                    break
                except OSError:
                    time.sleep(0.1)
            codes = [f"V{n:08d}" for n in range(1, 51)]
            read = measure(port, token, lambda n, i: f"/api/v1/items/{codes[(n * 7 + i) % 50]}?limit=20", "GET",
                           lambda n, i: None, args.seconds, args.clients)
            write = measure(port, token, lambda n, i: f"/api/v1/items/{codes[(n * 7 + i) % 50]}/damage", "POST",
                            lambda n, i: json.dumps({"description": "bench"}), args.seconds, args.clients)
        finally:
            server.terminate()
            server.wait(10)
    load = os.getloadavg()
    print(f"machine load (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs")
    print(f"gunicorn gthread 3 workers x 2 threads (as deployed), SQLite WAL synchronous=FULL, {args.clients} clients, "
          f"{args.seconds:.0f} s each")
    for name, (rps, p50, p99, errors, n) in (("GET item + 20 events", read), ("POST damage (1 event)", write)):
        print(f"{name:24s} {rps:8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   {n} requests, "
              f"{errors} non-2xx")


if __name__ == "__main__":
    main()
