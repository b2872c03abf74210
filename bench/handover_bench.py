"""A 500-volume handover through the JSON API: batch, 500 scans by the archivist, 500 by the receiver,
both confirmations (the second passes custody of all 500 in one transaction), then the list as PDF.

    .venv/bin/python bench/handover_bench.py [--volumes 500] [--pg [URL]]

Requests go through the app's WSGI stack in process (Flask's test client: routing, bearer-token
authentication, JSON validation, the service, the commit), not over a socket. Goals (issue 13): end to
end under 10 s, the confirmation under 1 s, the 500-volume PDF under 3 s. Prints the figures and the load.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import PG_DEFAULT, load, median, percentile, pg_schema  # noqa: E402


def world(n: int):
    """A site, an archivist and a receiver of the service organisation with tokens, n volumes on two shelves."""
    from app.custody import accounts
    from app.custody.models import Item, Location, Person, Site

    site = Site.create(code="S1", name="Bench site", timezone="Asia/Shanghai")
    root = Location.create(site=site, code="SITE", name="Site", kind="site")
    store = Location.create(site=site, code="KF", name="库房", kind="storage", parent=root)
    shelves = [Location.create(site=site, code=f"KF-A-{i:02d}", name=f"Shelf A-{i:02d}", kind="shelf", parent=store)
               for i in (1, 2)]
    Location.create(site=site, code="JG", name="加工场所", kind="workroom", parent=root)
    people = []
    for name, org_kind, role in (("王档案", "archive", "archivist"), ("李加工", "service", "operator")):
        who = Person.create(name=name, organisation="档案馆" if org_kind == "archive" else "数字化服务公司",
                            org_kind=org_kind, badge_code=f"B{len(people) + 1:08d}", badge_status="active")
        user = accounts.create_user(f"{role}1", "bench password 123456", (role,), by=None, person=who)
        people.append(accounts.create_token(user, "bench", by=None)[1])
    Item.insert_many([{"code": f"V{i:08d}", "kind": "volume", "archive_no": f"J012-WS·2019-Y-{i:04d}",
                       "title": "关于档案数字化外包安全管理的会议纪要", "pages": 100,
                       "location": shelves[i % 2].id, "state": "in_storage"} for i in range(1, n + 1)]).execute()
    return people, [f"V{i:08d}" for i in range(1, n + 1)]


def run(url: str, n: int) -> dict:
    from app import create_app
    from app.custody.handovers import get_handover, pdf
    from app.custody.migrate import upgrade
    from app.db import db

    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_PROFILE": "fast"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        upgrade(db.obj)
        (archive_token, service_token), codes = world(n)
        db.close()
    client = app.test_client()

    def call(token, path, body):
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        if response.status_code >= 300:
            raise SystemExit(f"{path}: {response.status_code} {response.get_json()}")
        return response.get_json()

    latencies = []
    started = time.perf_counter()
    batch = call(archive_token, "/api/v1/batches", {"entries": codes, "title": "bench"})["number"]
    number = call(archive_token, "/api/v1/handovers", {"direction": "to_service", "batch": batch})["number"]
    for token in (archive_token, service_token):
        for code in codes:
            t0 = time.perf_counter()
            call(token, f"/api/v1/handovers/{number}/lines", {"code": code})
            latencies.append(time.perf_counter() - t0)
    scanned = time.perf_counter()
    call(archive_token, f"/api/v1/handovers/{number}/confirm", {})
    t0 = time.perf_counter()
    body = call(service_token, f"/api/v1/handovers/{number}/confirm", {})
    confirm = time.perf_counter() - t0
    total = time.perf_counter() - started
    assert body["status"] == "confirmed" and body["totals"]["volumes"] == n, body["totals"]
    with app.app_context():
        db.connect(reuse_if_open=True)
        t0 = time.perf_counter()
        document = pdf.handover_pdf(get_handover(number))
        pdf_seconds = time.perf_counter() - t0
        db.close()
    return {"total": total, "scans": scanned - started, "confirm": confirm, "pdf": pdf_seconds,
            "pdf_kb": len(document) / 1024, "scan_median_ms": median(latencies) * 1000,
            "scan_p99_ms": percentile(latencies, 99) * 1000}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", type=int, default=500)
    parser.add_argument("--pg", nargs="?", const=PG_DEFAULT, default=None, help="PostgreSQL URL (a private schema)")
    args = parser.parse_args(argv)
    if args.pg:
        with pg_schema(args.pg) as url:
            figures, engine = run(url, args.volumes), "PostgreSQL"
    else:
        with tempfile.TemporaryDirectory() as folder:
            figures, engine = run(f"sqlite:///{folder}/bench.db", args.volumes), "SQLite"
    print(f"handover of {args.volumes} volumes through the API ({engine}, {load()})")
    print(f"  end to end (batch, {2 * args.volumes} scans, 2 confirmations): {figures['total']:.2f} s  (goal < 10 s)")
    print(f"  scans: {figures['scans']:.2f} s, median {figures['scan_median_ms']:.1f} ms, "
          f"p99 {figures['scan_p99_ms']:.1f} ms")
    print(f"  second confirmation (custody of {args.volumes} volumes): {figures['confirm'] * 1000:.0f} ms  (goal < 1 s)")
    print(f"  list in duplicate as PDF: {figures['pdf']:.2f} s, {figures['pdf_kb']:.0f} kB  (goal < 3 s)")


if __name__ == "__main__":
    main()
