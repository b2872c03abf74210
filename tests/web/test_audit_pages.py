"""The auditor's pages: log viewers with filters and keyset pages, chain status, CSV exports."""
import csv
import io
from datetime import datetime, time, timedelta

import pytest

from app.custody import clock, services
from app.custody.models import AuditLog, Event
from app.db import db, is_sqlite
from tests import factories as f


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def world(site):
    """Two volumes with custody history; one event at 17:00 UTC three days ago (01:00 the next day in Shanghai)."""
    wang, li = f.person("王强"), f.person("李娜")
    v1 = f.item(archive_no="J012-WS·2019-Y-0001", title="会议纪要")
    v2 = f.item(archive_no="J012-WS·2019-Y-0002")
    evening = datetime.combine(clock.now().date() - timedelta(days=3), time(17, 0))
    services.check_out(v1.code, to=f.loc("WS-01"), holder=wang, actor=li, now=evening)
    services.check_out(v2.code, to=f.loc("WS-02"), holder=li, actor=li, now=evening + timedelta(days=1))
    services.return_to_storage(v2.code, to=f.loc("KF-A-01"), actor=li, now=evening + timedelta(days=2))
    return {"v1": v1, "v2": v2, "wang": wang, "li": li, "evening": evening}


@pytest.fixture
def auditor(site, login):
    return login("auditor", username="shen")


def ids(page):
    import re

    return [int(n) for n in re.findall(r'<td data-label="#">(\d+)</td>', page.get_data(as_text=True))]


def test_custody_log_newest_first_with_filters(client, world, auditor):
    page = client.get("/audit/events")
    assert page.status_code == 200 and ids(page) == [3, 2, 1]
    assert "J012-WS·2019-Y-0001" in page.get_data(as_text=True)
    assert ids(client.get(f"/audit/events?item={world['v1'].code.lower()}")) == [1]
    assert ids(client.get(f"/audit/events?person={world['wang'].badge_code}")) == [1]
    assert ids(client.get("/audit/events?person=李娜")) == [3, 2, 1]  # holder or actor
    assert ids(client.get("/audit/events?kind=return")) == [3]
    # dates are site-local: 17:00 UTC is 01:00 the next day in Shanghai
    local_day = (world["evening"] + timedelta(hours=8)).date()
    assert ids(client.get(f"/audit/events?date_from={local_day}&date_to={local_day}")) == [1]
    utc_day = world["evening"].date()
    assert ids(client.get(f"/audit/events?date_from={utc_day}&date_to={utc_day}")) == []
    bad = client.get("/audit/events?date_from=2026-13-40")
    assert bad.status_code == 422 and "Not a date: 2026-13-40" in bad.get_data(as_text=True)


def test_custody_log_keyset_pages(client, site, auditor):
    vol, who = f.item(), f.person()
    for _ in range(28):
        services.check_out(vol.code, to=f.loc("WS-01"), holder=who, actor=None)
        services.return_to_storage(vol.code, to=f.loc("KF-A-01"), actor=None)
    first = client.get("/audit/events")
    assert ids(first) == list(range(56, 6, -1))
    assert 'href="/audit/events?before=7' in first.get_data(as_text=True).replace("&amp;", "&")
    second = client.get("/audit/events?before=7")
    assert ids(second) == [6, 5, 4, 3, 2, 1]
    assert "rel=\"next\"" not in second.get_data(as_text=True)


def test_admin_log_filters(client, site, auditor):
    root = f.user("administrator", username="root")
    f.user("operator", username="op1")
    from app.custody import accounts

    accounts.set_roles(accounts.User.get(accounts.User.username == "op1"), ["archivist"], by=root)
    page = client.get("/audit/admin-log").get_data(as_text=True)
    assert "user.roles" in page and "login" in page
    rows = ids(client.get("/audit/admin-log?action=user"))
    actions = [AuditLog.get_by_id(i).action for i in rows]
    assert actions == ["user.roles", "user.create", "user.create", "user.create"]
    assert [AuditLog.get_by_id(i).action for i in ids(client.get("/audit/admin-log?action=user.roles"))] == \
        ["user.roles"]
    assert [AuditLog.get_by_id(i).username for i in ids(client.get("/audit/admin-log?user=root"))] == ["root"]
    today = clock.now().date()
    assert ids(client.get(f"/audit/admin-log?date_to={today - timedelta(days=2)}")) == []


def test_csv_exports_open_in_excel_with_chinese(client, world, auditor):
    response = client.get("/audit/events.csv")
    body = response.get_data()
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel then reads Chinese correctly
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["archive_no"] == "J012-WS·2019-Y-0001" and rows[0]["holder_name"] == "王强"
    assert rows[0]["at_local"].endswith("01:00:00") and len(rows[0]["hash"]) == 64
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    filtered = client.get(f"/audit/events.csv?item={world['v2'].code}").get_data().decode("utf-8-sig")
    assert [r["kind"] for r in csv.DictReader(io.StringIO(filtered))] == ["check_out", "return"]
    admin = client.get("/audit/admin-log.csv").get_data()
    assert admin.startswith(b"\xef\xbb\xbf")
    admin_rows = list(csv.DictReader(io.StringIO(admin.decode("utf-8-sig"))))
    assert len(admin_rows) == AuditLog.select().count() and admin_rows[-1]["action"] == "login"


def test_csv_export_streams_in_batches(client, site, auditor, monkeypatch):
    from app.web.audit import views

    monkeypatch.setattr(views, "EXPORT_BATCH", 2)  # several keyset batches without thousands of rows
    for n in range(5):
        f.user("operator", username=f"batch{n}")
    rows = list(csv.DictReader(io.StringIO(client.get("/audit/admin-log.csv").get_data().decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == list(range(1, AuditLog.select().count() + 1))


def test_chain_panel_shows_intact_then_the_first_bad_row(client, world, auditor):
    page = client.get("/audit/").get_data(as_text=True)
    assert page.count("intact") >= 2 and "rows verified: 3" in page
    if is_sqlite():
        db.execute_sql("DROP TRIGGER event_no_update")
    else:
        db.execute_sql("ALTER TABLE event DISABLE TRIGGER USER")
    try:
        with db.atomic():
            db.execute_sql("UPDATE event SET note = 'nothing to see' WHERE id = 2")
        page = client.get("/audit/").get_data(as_text=True)
        assert "BROKEN at row 2" in page and "content does not match its hash" in page
        assert "rows verified before it: 1" in page
    finally:
        if not is_sqlite():
            db.connect(reuse_if_open=True)
            db.execute_sql("ALTER TABLE event ENABLE TRIGGER USER")


def test_auditor_pages_change_nothing(client, world, auditor):
    before = (Event.select().count(), AuditLog.select().count())
    for url in ("/audit/", "/audit/events", "/audit/admin-log", "/audit/events.csv", "/audit/admin-log.csv"):
        client.get(url).get_data()
    assert (Event.select().count(), AuditLog.select().count()) == before


def test_large_logs_are_verified_on_request(client, world, auditor, monkeypatch):
    from app.web.audit import views

    monkeypatch.setattr(views, "AUTO_VERIFY_ROWS", 2)
    page = client.get("/audit/").get_data(as_text=True)
    assert "Verify now" in page and "intact" not in page
    page = client.get("/audit/?verify=1").get_data(as_text=True)
    assert page.count("intact") == 2 and "rows verified: 3" in page


def test_csv_cells_that_excel_would_run_as_formulas_are_neutralised(client, site, auditor):
    vol = f.item()
    services.check_out(vol.code, to=f.loc("WS-01"), holder=f.person(), actor=None,
                       note='=HYPERLINK("http://evil.example","点击")')
    rows = list(csv.DictReader(io.StringIO(client.get("/audit/events.csv").get_data().decode("utf-8-sig"))))
    assert rows[0]["note"] == '\'=HYPERLINK("http://evil.example","点击")'
    assert rows[0]["item_code"] == vol.code  # ordinary cells untouched
