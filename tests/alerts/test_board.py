"""The alert board, its feed, the report, the settings page and the API, through the test client."""
import json
from datetime import timedelta

import pypdfium2 as pdfium
import pytest

from app.custody import alerts
from app.custody.models import Alert, AuditLog, Site
from app.custody.nights.sweep import sweep_night
from app.db import db
from tests import factories
from tests.conftest import csrf_token

from .helpers import CUTOFF, NIGHT, out, person, site


@pytest.fixture
def night(app):
    """A site with two volumes left out overnight by 王五 and one volume at the exit."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        s = site()
        who = person("王五")
        vols = [factories.item(archive_no=f"J012-WS·2019-Y-{n:04d}") for n in range(2)]
        for v in vols:
            out(v, who, CUTOFF - timedelta(hours=2))
        sweep_night(s, NIGHT, now=CUTOFF + timedelta(minutes=30))
        door = alerts.open_alert("volume_at_exit", severity="critical", location=factories.loc("DOOR-1"),
                                 message="tag passed the main door", dedupe_key="door:1")
        return {"site": s, "volumes": [v.code for v in vols], "door": door.id,
                "overnight": [a.id for a in Alert.select().where(Alert.kind == "overnight").order_by(Alert.id)]}


def statuses(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        return {a.id: a.status for a in Alert.select()}


def test_operator_cannot_see_the_board(client, login, night):
    login("operator")
    assert client.get("/alerts/").status_code == 403


def test_board_lists_overnight_alerts_grouped_by_holder(client, login, night):
    login("supervisor")
    page = client.get("/alerts/?kind=overnight").get_data(as_text=True)
    assert "王五" in page and all(code in page for code in night["volumes"])
    assert 'class="group-row"' in page and "J012-WS·2019-Y-0001" in page
    everything = client.get("/alerts/").get_data(as_text=True)
    assert "tag passed the main door" in everything
    assert "tag passed the main door" not in client.get("/alerts/?severity=warning").get_data(as_text=True)


def test_bad_filter_says_so_and_shows_the_default_board(client, login, night):
    login("supervisor")
    page = client.get("/alerts/?from=yesterday", follow_redirects=True).get_data(as_text=True)
    assert "不是日期（YYYY-MM-DD）：yesterday" in page  # the default language is Chinese


def test_auditor_can_read_but_not_act(app, client, login, post, night):
    login("auditor")
    assert client.get("/alerts/").status_code == 200
    before = statuses(app)
    response = post("/alerts/act", {"action": "resolve", "ids": night["overnight"], "note": "x"},
                    token_from="/alerts/")
    assert response.status_code == 403 and statuses(app) == before


def test_operator_cannot_act_through_the_api(app, client, login, night):
    login("operator")
    token = csrf_token(client, "/")
    response = client.post(f"/api/v1/alerts/{night['door']}/acknowledge", json={"note": "x"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert statuses(app)[night["door"]] == "open"


def test_supervisor_acknowledges_and_resolves_many_with_a_note(app, client, login, post, night):
    user = login("supervisor")
    r = post("/alerts/act", {"action": "acknowledge", "ids": night["overnight"], "note": "已联系王五"},
             token_from="/alerts/", follow_redirects=True)
    assert "已确认告警 2 条。" in r.get_data(as_text=True)
    r = post("/alerts/act", {"only": f"resolve:{night['overnight'][0]}", "note": "次日一早归还"},
             token_from="/alerts/", follow_redirects=True)
    assert "已处置告警 1 条。" in r.get_data(as_text=True)
    s = statuses(app)
    assert [s[i] for i in night["overnight"]] == ["resolved", "acknowledged"]
    with app.app_context():
        db.connect(reuse_if_open=True)
        rows = list(AuditLog.select().where(AuditLog.action.startswith("alert.")).order_by(AuditLog.id))
        assert [r.action for r in rows] == ["alert.acknowledge", "alert.acknowledge", "alert.resolve"]
        assert all(r.username == user.username for r in rows)
        assert json.loads(rows[-1].detail)["note"] == "次日一早归还"


def test_resolve_without_a_note_is_refused_and_changes_nothing(app, client, login, post, night):
    login("supervisor")
    before = statuses(app)
    r = post("/alerts/act", {"action": "resolve", "ids": night["overnight"], "note": " "},
             token_from="/alerts/", follow_redirects=True)
    assert "请填写处理说明，写明告警如何处置。" in r.get_data(as_text=True)
    assert statuses(app) == before


def test_returned_volume_shows_as_auto_resolved_on_the_board(app, client, login, night):
    with app.app_context():
        db.connect(reuse_if_open=True)
        from .helpers import back
        back(factories.Item.get(factories.Item.code == night["volumes"][0]), person(), CUTOFF + timedelta(hours=1))
    login("supervisor")
    page = client.get("/alerts/?status=resolved").get_data(as_text=True)
    assert "系统自动处置" in page and "逾时归库" in page and night["volumes"][0] in page


def test_feed_returns_only_what_is_new(app, client, login, night):
    login("supervisor")
    latest = client.get("/alerts/feed.json?after=0").get_json()["latest_id"]
    assert client.get(f"/alerts/feed.json?after={latest}").get_json()["new"] == 0
    with app.app_context():
        db.connect(reuse_if_open=True)
        alerts.open_alert("reader_offline", severity="critical", message="shelf reader R2 silent")
    body = client.get(f"/alerts/feed.json?after={latest}").get_json()
    assert (body["new"], body["new_critical"]) == (1, 1) and "shelf reader R2 silent" in body["rows_html"]
    assert client.get("/alerts/count.json").get_json()["open"] == 4


def test_feed_renders_again_the_shown_rows_whose_status_changed_elsewhere(app, client, login, night):
    login("supervisor")
    first, second = night["overnight"]
    shown = f"{first}:open,{second}:open,{night['door']}:open,999999:open,junk,{first}:nonsense"
    assert client.get(f"/alerts/feed.json?after=0&shown={shown}").get_json()["changed"] == {}
    with app.app_context():
        db.connect(reuse_if_open=True)
        alerts.acknowledge(second, user=factories.user("supervisor"), note="王五 is on the phone")
    body = client.get(f"/alerts/feed.json?after=0&shown={shown}").get_json()
    assert list(body["changed"]) == [str(second)]
    assert body["counts"] == {"open": 2, "acknowledged": 1, "resolved": 0}
    assert client.get("/alerts/feed.json?after=0&kind=overnight").get_json()["counts"]["open"] == 1
    row = body["changed"][str(second)]
    assert f'data-id="{second}"' in row and 'data-status="acknowledged"' in row and "已确认" in row
    # a board that already shows the new status hears nothing more
    shown = f"{first}:open,{second}:acknowledged"
    assert client.get(f"/alerts/feed.json?after=0&shown={shown}").get_json()["changed"] == {}


def test_api_lists_filters_and_resolves(app, client, login, night):
    login("supervisor")
    listed = client.get("/api/v1/alerts?kind=overnight").get_json()
    assert {a["item"]["code"] for a in listed["alerts"]} == set(night["volumes"])
    assert listed["alerts"][0]["holder"]["name"] == "王五" and listed["alerts"][0]["data"]["last_kind"] == "check_out"
    token = csrf_token(client, "/")
    r = client.post("/api/v1/alerts/resolve", json={"ids": night["overnight"]},
                    headers={"X-CSRFToken": token, "Accept-Language": "en"})
    assert r.status_code == 422 and r.get_json()["error"]["message"] == "Write a note saying how the alert was resolved."
    r = client.post("/api/v1/alerts/resolve", json={"ids": night["overnight"], "note": "ok"},
                    headers={"X-CSRFToken": token})
    assert r.status_code == 200 and sorted(r.get_json()["done"]) == night["overnight"]
    again = client.post(f"/api/v1/alerts/{night['overnight'][0]}/acknowledge", json={},
                        headers={"X-CSRFToken": token}).get_json()
    assert again["skipped"] == [night["overnight"][0]]
    assert client.get("/api/v1/alerts?status=bogus").status_code == 422
    new = client.get(f"/api/v1/alerts/new?after={night['door'] - 1}").get_json()
    assert [a["id"] for a in new["alerts"]] == [night["door"]]


def test_overnight_report_on_screen_and_as_pdf(client, login, night):
    login("supervisor")
    page = client.get(f"/alerts/report?night={NIGHT}").get_data(as_text=True)
    assert all(code in page for code in night["volumes"]) and "王五" in page
    client.post("/lang/zh_CN", data={"csrf_token": csrf_token(client, "/"), "next": "/"})
    response = client.get(f"/alerts/report.pdf?night={NIGHT}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pdfium.PdfDocument(response.data)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert all(code in text for code in night["volumes"]) and "王五" in text
    assert "J012-WS·2019-Y-0001" in text and "夜间未归库报告" in text  # archive numbers as written, Chinese UI


def test_charts_series(client, login, night):
    login("supervisor")
    data = client.get("/alerts/charts.json").get_json()
    assert len(data["out"]["t"]) == len(data["out"]["n"]) >= 7 * 24
    assert len(data["nights"]["t"]) == 30


def test_admin_changes_the_night_rule_and_it_is_logged(app, client, login, night):
    login("administrator")
    token = csrf_token(client, "/alerts/settings")
    form = {"csrf_token": token, "timezone": "Europe/Berlin", "cutoff": "19:00", "grace_minutes": "15",
            "holidays": "2026-12-25\n2026-12-26", "sweep_nonworking": "y", "mon_start": "08:00", "mon_end": "17:30"}
    r = client.post("/alerts/settings", data=form, follow_redirects=True)
    assert "归库规则已保存。" in r.get_data(as_text=True)
    bad = client.post("/alerts/settings", data={**form, "cutoff": "25:00", "timezone": "Asia/Shanghai"})
    assert bad.status_code == 422 and "时间请按 HH:MM（24 小时制）填写，如 18:30：25:00" in bad.get_data(as_text=True)
    with app.app_context():
        db.connect(reuse_if_open=True)
        s = Site.get()
        assert (s.timezone, s.cutoff, s.grace_minutes) == ("Europe/Berlin", "19:00", 15)
        assert json.loads(s.working_hours) == {"mon": ["08:00", "17:30"]}
        row = AuditLog.get(AuditLog.action == "site.night_rule")
        assert json.loads(row.detail)["cutoff"] == ["18:30", "19:00"]


def test_supervisor_cannot_change_the_night_rule(client, login, night):
    login("supervisor")
    assert client.get("/alerts/settings").status_code == 403
