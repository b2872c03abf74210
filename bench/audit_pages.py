"""Audit viewer figures: log pages (keyset), CSV export, chain verification, on a log of N events.

    .venv/bin/python bench/audit_pages.py [N]          # SQLite file in a temp folder (default N=100000)
    CUSTODY_BENCH_DATABASE_URL=postgresql://… .venv/bin/python bench/audit_pages.py [N]

Prints its figures and the machine load; asserts nothing.
"""
import os
import sys
import tempfile
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app  # noqa: E402
from app.custody import accounts, audit, clock  # noqa: E402
from app.custody.audit import verify_chain  # noqa: E402
from app.custody.migrate import upgrade  # noqa: E402
from app.custody.models import Item, Location, Site  # noqa: E402
from app.db import db, write_tx  # noqa: E402


def main(n: int) -> None:
    url = os.environ.get("CUSTODY_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "PASSWORD_PROFILE": "fast", "SECRET_KEY": "bench"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        upgrade(db.obj)
        if Site.select().count() == 0:
            site = Site.create(code="S", name="Bench")
            store = Location.create(site=site, code="KF", name="库房", kind="storage")
            work = Location.create(site=site, code="WS", name="工位", kind="workstation")
            items = [Item.create(code=f"V{i:08d}", kind="volume", archive_no=f"J012-WS·2019-Y-{i:04d}",
                                 location=store) for i in range(1, 1001)]
            accounts.create_user("auditor", "bench password", ["auditor"], by=None)
            start, t0 = clock.now() - timedelta(days=30), time.perf_counter()
            for batch in range(0, n, 1000):
                with write_tx():
                    for k in range(batch, min(n, batch + 1000)):
                        out = k % 2 == 0
                        audit.append_event(at=start + timedelta(seconds=k), kind="check_out" if out else "return",
                                           item=items[k % 1000], src=store if out else work,
                                           dst=work if out else store, via="web",
                                           state="out" if out else "in_storage", note="", data="")
            print(f"built {n:,} events in {time.perf_counter() - t0:.1f}s")
            if not url.startswith("sqlite"):
                db.execute_sql("ANALYZE")  # what autovacuum does on a live server: fresh planner statistics
        total = audit.LogHead.get(audit.LogHead.name == "event").last_id
    client = app.test_client()
    with app.app_context():
        db.connect(reuse_if_open=True)
        from app.custody.models import User

        User.update(must_change_password=False).execute()
    token_page = client.get("/login").get_data(as_text=True)
    token = token_page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": "auditor", "password": "bench password", "csrf_token": token})

    def timed(path, repeat=5):
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(path)
            body = response.get_data()
            best = min(best, time.perf_counter() - t0)
            assert response.status_code == 200, (path, response.status_code)
        return best, body

    print(f"log of {total:,} events, {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}; "
          f"load {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")
    for label, path in [("newest page", "/audit/events"),
                        ("deep page (keyset, middle of the log)", f"/audit/events?before={total // 2}"),
                        ("filter by item code", "/audit/events?item=V00000500"),
                        ("filter by a site-local day", f"/audit/events?date_from={(clock.now() - timedelta(days=29)).date()}"
                                                       f"&date_to={(clock.now() - timedelta(days=29)).date()}")]:
        seconds, _body = timed(path)
        print(f"  {label:<40} {seconds * 1000:8.1f} ms (best of 5, 50 rows)")
    t0 = time.perf_counter()
    response = client.get("/audit/events.csv")
    size = sum(len(chunk) for chunk in response.response)
    seconds = time.perf_counter() - t0
    print(f"  CSV export of the custody log          {seconds:8.2f} s  ({total / seconds:,.0f} rows/s, {size / 1e6:.1f} MB)")
    with app.app_context():
        db.connect(reuse_if_open=True)
        t0 = time.perf_counter()
        report = verify_chain("event")
        seconds = time.perf_counter() - t0
    print(f"  verify the chain (the audit page does) {seconds:8.2f} s  ({report.rows / seconds:,.0f} rows/s, ok={report.ok})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
