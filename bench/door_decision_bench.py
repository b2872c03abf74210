"""The door decision a lock controller would wait for: one badge read posted alone to
POST /api/v1/reader-events under gunicorn, timed until the answer carries its outcome
("allowed" / "denied:<reason>", from the same rule as every door pass). Half the reads are active
badges, half unknown tags; one reader, one read per request, as a door would post at each swipe.

    .venv/bin/python bench/door_decision_bench.py [--reads 400] [--workers 3 --threads 2]
"""
import argparse
import http.client
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import load, median, percentile  # noqa: E402
from bench.readers_bench import iso_now, prepare, start_gunicorn  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8113)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="door-bench-"))
    db_path = str(tmp / "door.db")
    tokens, _station, tags = prepare(db_path, readers=1, people=50)
    proc = start_gunicorn(db_path, args.port, args.workers, args.threads)
    rnd = random.Random(7)
    latencies, outcomes = [], {}
    try:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        headers = {"Authorization": f"Bearer {tokens[0]}", "Content-Type": "application/json"}
        for seq in range(1, args.reads + 1):
            tag = rnd.choice(tags) if seq % 2 else f"{0x7700000000 + seq:010X}"
            body = json.dumps({"events": [{"seq": seq, "tag": tag, "scheme": "em4100", "read_at": iso_now()}]})
            t = time.perf_counter()
            conn.request("POST", "/api/v1/reader-events", body=body, headers=headers)
            answer = conn.getresponse().read()
            latencies.append(time.perf_counter() - t)
            outcome = json.loads(answer)["outcomes"][0]["outcome"]
            outcomes[outcome.split(":")[0]] = outcomes.get(outcome.split(":")[0], 0) + 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"door_decision_bench: {args.reads} single-read posts, gunicorn {args.workers}x{args.threads}, "
          f"SQLite; {load()}")
    print(f"  outcomes: {outcomes}")
    print(f"  read -> decision: median {median(latencies) * 1000:.1f} ms, p99 {percentile(latencies, 99) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms; under 300 ms: "
          f"{sum(1 for v in latencies if v < 0.3) / len(latencies):.1%}")


if __name__ == "__main__":
    main()
