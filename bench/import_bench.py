"""Import benchmark: validate + import a 300,000-row catalogue CSV and a 100,000-row xlsx on SQLite.

    .venv/bin/python bench/import_bench.py [--csv-rows 300000] [--xlsx-rows 100000] [--keep DIR]

Each measurement runs in a fresh child process (a new migrated SQLite database with the site's
shelves), so the peak resident memory printed is that import's own (ru_maxrss of the child), next to
the child's resident memory before the import started. Prints rows/s for "check only" (--dry-run)
and for check + import, and how long the import transaction held SQLite's write lock.
"""
import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["编号", "档号", "题名", "页数", "类型", "RFID标签", "位置"]
SHELVES = ["KF-A-01", "KF-A-02", "KF-B-01"]
TITLES = ["会议纪要", "合同协议书", "年度工作总结报告", "党委会议记录", "科研项目申报书", "财务审计报告", "职工花名册"]


def catalogue_rows(n: int):
    """A provincial-catalogue-shaped row: a code on 9 rows of 10, a tag on 1 of 3, a shelf on 2 of 3."""
    for i in range(1, n + 1):
        yield [f"V{i:08d}" if i % 10 else "", f"J{i % 900:03d}-WS·{1980 + i % 40}-Y-{i:06d}",
               f"{TITLES[i % len(TITLES)]}（第{i}号）", str(10 + i % 390), "卷宗" if i % 50 else "volume",
               f"E2801160600002{i:010X}" if i % 3 == 0 else "", SHELVES[i % 3] if i % 3 else ""]


def make_csv(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(catalogue_rows(n))


def make_xlsx(path: Path, n: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("案卷目录")
    ws.append(["某某档案馆 案卷目录（基准测试）"])
    ws.append(HEADER)
    for row in catalogue_rows(n):
        row[3] = int(row[3])
        ws.append(row)
    wb.save(path)


def bench_site():
    """The bench site: a storage room with the shelves the generated catalogue names."""
    from app.custody.models import Location, Site

    site = Site.create(code="S1", name="Bench site")
    kf = Location.create(site=site, code="KF", name="库房", kind="storage")
    for code in SHELVES:
        Location.create(site=site, code=code, name=code, kind="shelf", parent=kf)
    return site


def child(file: str, db_path: str, dry_run: bool) -> None:
    """Run one import in this (fresh) process and print its figures as JSON."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.custody.imports import run_import
    from app.custody.migrate import upgrade
    from app.db import db

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{db_path}"})
    with app.app_context(), db.connection_context():
        upgrade(db.obj)
        bench_site()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        marks = {}

        def progress(phase, done, total):
            marks.setdefault(phase, time.perf_counter())

        start = time.perf_counter()
        result = run_import(file, "items", dry_run=dry_run, progress=progress)
        elapsed = time.perf_counter() - start
    print(json.dumps({
        "ok": result.ok, "rows": result.rows, "imported": result.imported, "errors": result.error_count,
        "seconds": elapsed, "import_seconds": (start + elapsed - marks["import"]) if "import" in marks else 0.0,
        "rss_before_mb": rss_before / 1024, "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": os.path.getsize(db_path) / 1e6,
    }))


def measure(file: Path, dry_run: bool, workdir: Path) -> dict:
    db_path = workdir / f"bench-{file.suffix[1:]}-{'dry' if dry_run else 'import'}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    out = subprocess.run([sys.executable, __file__, "--child", str(file), str(db_path)] + (["--dry-run"] if dry_run else []),
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=300_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="Write the files here and keep them.")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--dry-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.dry_run)
        return

    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"(1/5/15 min), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        files = []
        if args.csv_rows:
            path = workdir / f"catalogue-{args.csv_rows}.csv"
            t = time.perf_counter()
            make_csv(path, args.csv_rows)
            print(f"generated {path.name}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")
            files.append(path)
        if args.xlsx_rows:
            path = workdir / f"catalogue-{args.xlsx_rows}.xlsx"
            t = time.perf_counter()
            make_xlsx(path, args.xlsx_rows)
            print(f"generated {path.name}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")
            files.append(path)
        print(f"{'file':<26} {'mode':<15} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'write lock s':>12} "
              f"{'RSS before':>10} {'RSS peak':>9} {'DB MB':>6}")
        for path in files:
            for dry_run in (True, False):
                r = measure(path, dry_run, workdir)
                assert r["ok"] and (dry_run or r["imported"] == r["rows"]), r
                print(f"{path.name:<26} {'check only' if dry_run else 'check + import':<15} {r['rows']:>8,} "
                      f"{r['seconds']:>8.1f} {r['rows'] / r['seconds']:>8,.0f} {r['import_seconds']:>12.1f} "
                      f"{r['rss_before_mb']:>8.0f}MB {r['rss_peak_mb']:>7.0f}MB {r['db_mb']:>6.1f}")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
