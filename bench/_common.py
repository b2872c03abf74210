"""Helpers shared by the benchmark scripts: load, databases, a small world to record events in."""
import os
import statistics
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

OUT = Path(__file__).resolve().parent / "out"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def load() -> str:
    """The 1/5/15-minute load averages, as `uptime` shows them (2 shared cores)."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def percentile(values, p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def median(values):
    return statistics.median(values) if values else float("nan")


@contextmanager
def pg_schema(base_url: str):
    """A private PostgreSQL schema for this run (created, yielded as a URL, dropped)."""
    from app.db import make_database

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_database(base_url)
    admin.connect()
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    admin.close()
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options={quote(f'-c search_path={schema}')}"
    finally:
        admin.connect()
        admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
        if hasattr(admin, "close_all"):
            admin.close_all()


def bind(url: str):
    """Bind the app's database proxy to url (no Flask app needed: the domain has no Flask imports)."""
    from app.db import db, make_database

    database = make_database(url)
    db.initialize(database)
    return database


def build_world(url: str, items: int) -> dict:
    """Migrate the database at url and create a site, places, people and `items` volumes in storage."""
    from app.custody.migrate import upgrade
    from app.custody.models import Item, Location, Person, Site
    from app.db import db

    bind(url)
    with db.connection_context():
        upgrade(db.obj)
        with db.atomic():
            site = Site.create(code="BENCH", name="Bench site", timezone="Asia/Shanghai")
            root = Location.create(site=site, code="SITE", name="Site", kind="site")
            store = Location.create(site=site, code="KF", name="库房", kind="storage", parent=root)
            shelf = Location.create(site=site, code="KF-A-01", name="Shelf A-01", kind="shelf", parent=store)
            room = Location.create(site=site, code="JG", name="加工场所", kind="workroom", parent=root)
            ws = Location.create(site=site, code="WS-01", name="Workstation 1", kind="workstation", parent=room)
            today = date.today()
            person = Person.create(name="王强", organisation="数字化服务公司", badge_code="B00000001",
                                   badge_status="active", valid_from=today - timedelta(days=30),
                                   valid_until=today + timedelta(days=365))
            rows = [{"code": f"V{n:08d}", "kind": "volume", "archive_no": f"J012-WS·2019-Y-{n:04d}",
                     "title": "会议纪要", "pages": 120, "location": shelf.id, "state": "in_storage"}
                    for n in range(1, items + 1)]
            for start in range(0, len(rows), 500):
                Item.insert_many(rows[start:start + 500]).execute()
    return {"shelf": shelf.id, "ws": ws.id, "person": person.id,
            "codes": [f"V{n:08d}" for n in range(1, items + 1)]}
