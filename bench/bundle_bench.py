"""The completion bundle at 1,000,000 custody events: export time and peak memory, verify-bundle time.

    python -m bench.bundle_bench [--events 1000000] [--items 20000] [--pg] [--algorithms national]

Builds a chained log directly (one valid hash chain, as the services would write it), then runs
`export_project` and `verify_bundle` each in a child process and prints wall time and the child's
peak RSS (goal: export < 60 s and < 200 MB; verify < 60 s).
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench._common import PG_DEFAULT, build_world, load, pg_schema


def fill_log(url: str, world: dict, events: int, algorithm: str = "ed25519-sha256") -> None:
    from app.custody.audit import EVENT_FIELDS, GENESIS, row_hash
    from app.custody.models import Event, LogHead
    from app.db import db

    start = datetime(2026, 3, 2, 1, 0)
    prev, batch = GENESIS, []
    n_items = len(world["codes"])
    with db.connection_context():
        item_ids = [r[0] for r in db.execute_sql("SELECT id FROM item ORDER BY id").fetchall()]
        with db.atomic():
            for i in range(1, events + 1):
                out = i % 2 == 1
                values = {"at": start + timedelta(seconds=i * 7), "kind": "check_out" if out else "return",
                          "item": item_ids[(i // 2) % n_items], "actor": world["person"], "user": None,
                          "holder": world["person"] if out else None, "src": None,
                          "dst": world["ws"] if out else world["shelf"], "reader": None, "via": "scan",
                          "state": "out" if out else "in_storage", "note": "", "data": "",
                          "client_id": f"bench-{i}"}
                digest = row_hash(i, prev, values, EVENT_FIELDS, algorithm)
                batch.append({**values, "id": i, "prev_hash": prev, "hash": digest, "recorded_at": values["at"]})
                prev = digest
                if len(batch) == 2000:
                    Event.insert_many(batch).execute()
                    batch = []
            if batch:
                Event.insert_many(batch).execute()
            LogHead.update(last_id=events, last_hash=prev).where(LogHead.name == "event").execute()


CHILD_EXPORT = """
import sys, time, resource
from bench._common import bind
from app.custody import completion, signing
bind(sys.argv[1]); t = time.perf_counter()
r = completion.export_project(sys.argv[2], site_name="Bench site", signer=signing.signer(sys.argv[3]))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, r.rows)
"""
CHILD_VERIFY = """
import sys, time, resource
from app.custody import completion, signing
t = time.perf_counter(); r = completion.verify_bundle(sys.argv[1], signing.public_pem(sys.argv[2]))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, int(r.ok))
"""


def child(code: str, *args: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.split()
    return [float(x) for x in out]


def run(url: str, events: int, items: int, work: Path, algorithm: str = "ed25519-sha256") -> dict:
    from app.custody import signing

    t = time.perf_counter()
    world = build_world(url, items)
    from app.custody import seal
    from app.db import db

    with db.connection_context():
        seal.choose_algorithm(algorithm)  # as `custody init-db --algorithms` records it, before any row
    fill_log(url, world, events, algorithm)
    built = time.perf_counter() - t
    instance = work / "instance"
    seal.configure(lambda: (str(signing.private_path(instance)), str(signing.public_path(instance))))
    seal.ensure_key(algorithm)
    with db.connection_context():
        seal.seal(reason="bench")  # the rows before a site's first checkpoint carry no row signatures
    bundle = work / "bundle.zip"
    secs, rss_kb, rows = child(CHILD_EXPORT, url, str(bundle), str(work / "instance"))
    vsecs, vrss_kb, ok = child(CHILD_VERIFY, str(bundle), str(work / "instance"))
    return {"events": events, "items": items, "build_s": round(built, 1), "export_s": round(secs, 1),
            "export_peak_mb": round(rss_kb / 1024), "rows": int(rows), "bundle_mb": round(bundle.stat().st_size / 2**20),
            "verify_s": round(vsecs, 1), "verify_peak_mb": round(vrss_kb / 1024), "verified": bool(ok)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--pg", nargs="?", const=PG_DEFAULT, default=None, help="PostgreSQL URL (default: SQLite)")
    ap.add_argument("--algorithms", choices=["default", "national"], default="default",
                    help="the site's algorithm set: national = SM3 chains and bundle hashes, SM2 signatures")
    args = ap.parse_args()
    algorithm = {"default": "ed25519-sha256", "national": "sm2-sm3"}[args.algorithms]
    print(load())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.pg:
            with pg_schema(args.pg) as url:
                result = run(url, args.events, args.items, work, algorithm)
        else:
            result = run(f"sqlite:///{work / 'bench.db'}", args.events, args.items, work, algorithm)
    print(json.dumps({"db": "postgresql" if args.pg else "sqlite", "algorithms": algorithm, **result}))
    print(load())


if __name__ == "__main__":
    main()
