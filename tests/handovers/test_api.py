"""The handover API with bearer tokens: batch, both sides' scans, both confirmations, the registers."""
import pytest

from app.custody import accounts
from app.custody.models import Alert, Item
from app.db import db
from tests import factories

from .helpers import staff


@pytest.fixture
def api(app, site):
    with app.app_context():
        db.connect(reuse_if_open=True)
        people = {"archivist": staff("archivist", "archive"), "operator": staff("operator", "service"),
                  "security": staff("security_officer", "archive"), "auditor": staff("auditor", "archive")}
        tokens = {k: accounts.create_token(u, "t", by=None)[1] for k, u in people.items()}
        codes = [factories.item().code for _ in range(3)]
    client = app.test_client()

    def call(who, method, path, body=None):
        headers = {"Authorization": f"Bearer {tokens[who]}", "Accept-Language": "en"}
        return client.open(path, method=method, json=body, headers=headers)

    call.codes = codes
    return call


def test_happy_path_through_the_api(api):
    codes = api.codes
    r = api("archivist", "POST", "/api/v1/batches", {"entries": codes, "title": "plan 1"})
    assert r.status_code == 201, r.get_json()
    batch = r.get_json()["number"]
    assert r.get_json()["counts"]["in_storage"] == 3
    r = api("archivist", "POST", "/api/v1/handovers", {"direction": "to_service", "batch": batch})
    assert r.status_code == 201
    number = r.get_json()["number"]
    for code in codes:
        assert api("archivist", "POST", f"/api/v1/handovers/{number}/lines", {"code": code}).status_code == 201
    for code in codes:
        r = api("operator", "POST", f"/api/v1/handovers/{number}/lines", {"code": code, "pages": 100})
        assert r.status_code == 201 and r.get_json()["differences"] == []
    r = api("archivist", "POST", f"/api/v1/handovers/{number}/confirm", {})
    assert r.status_code == 200 and r.get_json()["status"] == "draft"
    r = api("archivist", "POST", f"/api/v1/handovers/{number}/confirm", {})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "already_confirmed"
    r = api("operator", "POST", f"/api/v1/handovers/{number}/confirm", {})
    body = r.get_json()
    assert body["status"] == "confirmed" and body["totals"] == {"volumes": 3, "pages": 300, "damaged": 0}
    assert all(line["event_id"] for line in body["lines"])
    assert api("auditor", "GET", f"/api/v1/handovers/{number}").get_json()["number"] == number
    r = api("auditor", "GET", f"/api/v1/handovers/{number}.pdf")
    assert r.mimetype == "application/pdf"
    assert api("auditor", "GET", f"/api/v1/batches/{batch}").get_json()["counts"]["handed_over"] == 3
    r = api("operator", "POST", f"/api/v1/handovers/{number}/lines", {"code": codes[0]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "handover_confirmed"


def test_refusals_through_the_api(api):
    codes = api.codes
    batch = api("archivist", "POST", "/api/v1/batches", {"entries": codes[:1]}).get_json()["number"]
    number = api("archivist", "POST", "/api/v1/handovers",
                 {"direction": "to_service", "batch": batch}).get_json()["number"]
    r = api("archivist", "POST", f"/api/v1/handovers/{number}/lines", {"code": codes[1]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_in_batch"
    r = api("operator", "POST", f"/api/v1/handovers/{number}/lines", {"code": codes[0], "side": "from"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "wrong_organisation"
    r = api("archivist", "POST", f"/api/v1/handovers/{number}/lines", {"code": codes[0], "condition": "broken"})
    assert r.status_code == 422
    api("archivist", "POST", f"/api/v1/handovers/{number}/lines", {"code": codes[0]})
    api("operator", "POST", f"/api/v1/handovers/{number}/lines", {"code": codes[0], "pages": 7})
    r = api("archivist", "POST", f"/api/v1/handovers/{number}/confirm", {})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "unresolved_differences"
    r = api("auditor", "POST", f"/api/v1/handovers/{number}/confirm", {})
    assert r.status_code == 403
    assert api("auditor", "GET", "/api/v1/handovers/NOPE").status_code == 404


def test_secrecy_mark_by_the_operator_and_release_by_the_security_officer(api):
    code = api.codes[0]
    r = api("operator", "POST", f"/api/v1/items/{code}/secrecy-mark", {"pages": "3", "note": "秘密"})
    assert r.status_code == 201 and r.get_json()["status"] == "open"
    r = api("archivist", "POST", "/api/v1/handovers", {"direction": "to_service"})
    number = r.get_json()["number"]
    r = api("archivist", "POST", f"/api/v1/handovers/{number}/lines", {"code": code})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "quarantined"
    assert api("archivist", "POST", f"/api/v1/items/{code}/quarantine-release", {"reason": "x"}).status_code == 403
    r = api("security", "POST", f"/api/v1/items/{code}/quarantine-release", {"reason": "已解密"})
    assert r.status_code == 200 and r.get_json()["status"] == "released"
    records = api("auditor", "GET", "/api/v1/quarantine-records").get_json()["records"]
    assert [rec["status"] for rec in records] == ["released"]


def test_damage_register_through_the_api(api, app):
    code = api.codes[0]
    r = api("operator", "POST", f"/api/v1/items/{code}/damage-records", {"description": "书脊开裂", "pages": "1-2"})
    assert r.status_code == 201
    record = r.get_json()["id"]
    assert api("operator", "POST", f"/api/v1/damage-records/{record}/repair",
               {"repaired_by": "x", "how": "y"}).status_code == 403
    r = api("archivist", "POST", f"/api/v1/damage-records/{record}/notes", {"text": "送修复室"})
    assert r.status_code == 201
    r = api("archivist", "POST", f"/api/v1/damage-records/{record}/repair", {"repaired_by": "修复室 张", "how": "托裱"})
    body = r.get_json()
    assert body["status"] == "repaired" and body["repaired_by"] == "修复室 张"
    assert [n["text"] for n in body["notes"]] == ["送修复室", "修复室 张: 托裱"]
    r = api("archivist", "POST", f"/api/v1/damage-records/{record}/accept", {"text": "again"})
    assert r.status_code == 409
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert Item.get(Item.code == code).is_damaged
        assert Alert.select().where(Alert.kind == "damage").count() == 1
