"""Scans during a large import: scan latency at a steady 20 scans/s while a 300,000-row catalogue is checked and loaded.

    .venv/bin/python bench/import_stall_bench.py [--rows 300000] [--rate 20] [--before REV] [--pg URL]

One process records handheld scans (scans.record_scan: check out to WS-01, then return to the shelf, over
200 volumes) on a fixed 50 ms schedule; each scan's latency is counted from the moment it was due (so a
scan held up also delays the ones queued behind it, as at a real workstation). After 5 s of scans alone,
a second process imports the catalogue (check + load) into the same database, as an upload's background
job would in another gunicorn worker. Printed: scan p50 / p99 / max alone and during the import, the
import's duration and outcome.

--before REV runs the same import with the code of git revision REV (e.g. the commit before the import
was loaded in chunks), from a copy of that tree, for the before/after comparison. --pg URL runs it on
PostgreSQL (a private schema) instead of a SQLite file.
"""
import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import load, percentile, pg_schema  # noqa: E402
from bench.import_bench import SHELVES, bench_site, make_csv  # noqa: E402

VOLUMES = 200


def seed(url: str) -> None:
    from app import create_app
    from app.custody import accounts
    from app.custody.migrate import upgrade
    from app.custody.models import Item, Location, Person
    from app.db import db

    app = create_app({"TESTING": True, "DATABASE_URL": url, "PASSWORD_PROFILE": "fast"})
    with app.app_context(), db.connection_context():
        upgrade(db.obj)
        site = bench_site()
        Location.create(site=site, code="WS-01", name="Workstation 1", kind="workstation")
        shelf = Location.get(Location.code == SHELVES[0])
        for n in range(VOLUMES):
            Item.create(code=f"S{n:08d}", kind="volume", archive_no=f"BENCH-{n}", location=shelf, home=shelf)
        person = Person.create(name="操作员", organisation="数字化服务公司", badge_code="B99999999",
                               badge_status="active")
        accounts.create_user("operator", "correct horse battery staple", ["operator"], by=None, person=person)


CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from app import create_app
from app.custody.imports import run_import
from app.db import db

app = create_app({"TESTING": True, "DATABASE_URL": sys.argv[2]})
with app.app_context(), db.connection_context():
    start = time.perf_counter()
    result = run_import(sys.argv[3], "items")
    print(f"IMPORT ok={result.ok} rows={result.rows} imported={result.imported} "
          f"seconds={time.perf_counter() - start:.1f}", flush=True)
"""  # the import, run with the code of a given tree (this one, or --before's)


class Scanner(threading.Thread):
    """Scans on a fixed schedule; latencies (ms) from each scan's due time, tagged by phase."""

    def __init__(self, url: str, rate: float):
        super().__init__(daemon=True)
        self.url, self.interval = url, 1 / rate
        self.phase = "alone"
        self.samples: dict[str, list[float]] = {}
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        from app import create_app
        from app.custody.models import Person, User
        from app.custody.scans import record_scan
        from app.db import db

        app = create_app({"TESTING": True, "DATABASE_URL": self.url})
        with app.app_context(), db.connection_context():
            user = User.get(User.username == "operator")
            actor = Person.get(Person.badge_code == "B99999999")
            due, n = time.perf_counter(), 0
            while not self.stop.is_set():
                code = f"S{(n // 2) % VOLUMES:08d}"
                out = n % 2 == 0
                try:
                    record_scan(code, "check_out" if out else "return", user=user, actor=actor,
                                location="WS-01" if out else SHELVES[0])
                except Exception as exc:  # a scan that timed out waiting is a failure, not a stop
                    self.failures += 1
                    print(f"scan failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                self.samples.setdefault(self.phase, []).append((time.perf_counter() - due) * 1000)
                n += 1
                due += self.interval
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)


def measure(url: str, csv_path: Path, rate: float, tree: Path) -> None:
    scanner = Scanner(url, rate)
    scanner.start()
    time.sleep(5)
    scanner.phase = "during"
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(tree), url, str(csv_path)],
                         capture_output=True, text=True, cwd=tree)
    elapsed = time.perf_counter() - start
    scanner.phase = "after"
    time.sleep(1)
    scanner.stop.set()
    scanner.join(30)
    outcome = [line for line in out.stdout.splitlines() if line.startswith("IMPORT")]
    if out.returncode or not outcome:
        print(out.stdout[-2000:], out.stderr[-4000:])
        raise SystemExit("the import failed")
    print(f"  {outcome[-1]} (wall {elapsed:.1f} s)")
    for phase in ("alone", "during", "after"):
        values = scanner.samples.get(phase, [])
        print(f"  scans {phase:<7} n={len(values):>5}  p50 {percentile(values, 50):7.1f} ms  "
              f"p99 {percentile(values, 99):8.1f} ms  max {max(values, default=float('nan')):8.1f} ms")
    print(f"  failed scans: {scanner.failures}")


def tree_at(rev: str, into: Path) -> Path:
    """A copy of the repository's tree at git revision rev."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--before", metavar="REV", help="also run the import with the code of this git revision")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()

    print(f"{load()}; {args.rows:,} rows, {args.rate:g} scans/s, {'PostgreSQL' if args.pg else 'SQLite'}")
    with tempfile.TemporaryDirectory(prefix="import-stall-") as tmp:
        tmp = Path(tmp)
        csv_path = tmp / f"catalogue-{args.rows}.csv"
        make_csv(csv_path, args.rows)
        runs = ([("before", tree_at(args.before, tmp / "before"))] if args.before else []) + [("after", ROOT)]
        for name, tree in runs:
            print(f"{name} ({'revision ' + args.before if name == 'before' else 'this tree'}):")
            if args.pg:
                with pg_schema(args.pg) as url:
                    seed(url)
                    measure(url, csv_path, args.rate, tree)
            else:
                url = f"sqlite:///{tmp / (name + '.db')}"
                seed(url)
                measure(url, csv_path, args.rate, tree)
    print(load())


if __name__ == "__main__":
    main()
