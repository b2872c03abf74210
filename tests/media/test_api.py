"""/api/v1/media with bearer tokens: register, lend (refused when out), return and the borrower's own
confirmation, a count, repairs refused without approval, disposals, and the OpenAPI document."""
from datetime import timedelta

import pytest

from app.custody import accounts, clock
from tests import factories


@pytest.fixture
def tokens(people):
    return {name: accounts.create_token(people[name], "t", by=None)[1] for name in ("officer", "archivist", "borrower")}


def _call(client, method, url, token, body=None):
    return client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {token}",
                                                               "Accept-Language": "en"})


def test_register_lend_return_confirm_over_the_api(client, people, tokens):
    r = _call(client, "POST", "/api/v1/media", tokens["officer"], {
        "category": "usb_drive", "serial_no": "API-1", "cabinet": "KF-A-01", "keeper": people["keeper"].badge_code})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    assert r.get_json()["status"] == "registered" and r.get_json()["state"] == "in_storage"
    assert _call(client, "POST", "/api/v1/media", tokens["officer"], {"category": "floppy", "serial_no": "x"}
                 ).get_json()["error"]["field"] == "category"
    due = (clock.now() + timedelta(hours=2)).replace(microsecond=0).isoformat() + "Z"
    loan = {"code": code, "borrower": people["borrower"].person.badge_code, "reason": "数据备份", "due_at": due,
            "approved_by": people["approver"].badge_code}
    assert _call(client, "POST", "/api/v1/media/loans", tokens["officer"], loan).status_code == 201
    again = _call(client, "POST", "/api/v1/media/loans", tokens["archivist"], loan)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "on_loan"
    loan_id = _call(client, "GET", "/api/v1/media/loans?status=out", tokens["archivist"]).get_json()["loans"][0]["id"]
    back = _call(client, "POST", f"/api/v1/media/loans/{loan_id}/return", tokens["archivist"],
                 {"condition": "完好", "action": "verified"})
    assert back.get_json()["status"] == "returned"
    # only the borrower signs for the borrower
    assert _call(client, "POST", f"/api/v1/media/loans/{loan_id}/confirm", tokens["archivist"], {}
                 ).status_code == 403
    done = _call(client, "POST", f"/api/v1/media/loans/{loan_id}/confirm", tokens["borrower"], {})
    assert done.status_code == 200 and done.get_json()["status"] == "closed"
    assert _call(client, "GET", f"/api/v1/media/{code.lower()}", tokens["borrower"]).get_json()["loans"][0][
        "borrower_confirmed_at"]


def test_count_repair_and_disposal_over_the_api(client, people, tokens, usb):
    count = _call(client, "POST", "/api/v1/media/counts", tokens["archivist"], {"cabinet": "KF-A-01"}).get_json()
    assert count["registered"] == 1 and count["differences"][0]["result"] == "missing"
    refused = _call(client, "POST", f"/api/v1/media/counts/{count['id']}/close", tokens["archivist"], {})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "count_not_explained"
    assert _call(client, "POST", f"/api/v1/media/counts/{count['id']}/scans", tokens["archivist"],
                 {"code": usb.item.code}).get_json()["result"] == "present"
    closed = _call(client, "POST", f"/api/v1/media/counts/{count['id']}/close", tokens["archivist"], {}).get_json()
    assert (closed["status"], closed["present"], closed["missing"]) == ("closed", 1, 0)

    no_approval = _call(client, "POST", "/api/v1/media/repairs", tokens["officer"], {"code": usb.item.code})
    assert no_approval.status_code == 422 and no_approval.get_json()["error"]["code"] == "repair_not_approved"

    assert _call(client, "GET", "/api/v1/media/disposals", tokens["officer"]).get_json()["complete"] is False
    wiped = _call(client, "POST", "/api/v1/media/disposals", tokens["officer"], {
        "codes": [usb.item.code], "kind": "wiped", "method": "DoD 5220.22-M", "verification": "抽查无数据"})
    assert wiped.status_code == 201, wiped.get_json()
    listing = _call(client, "GET", "/api/v1/media/disposals", tokens["officer"]).get_json()
    assert listing["complete"] is True and listing["media"][0]["end"] == "wiped"
    # the archivist keeps media but does not end them
    assert _call(client, "POST", "/api/v1/media/disposals", tokens["archivist"],
                 {"codes": [usb.item.code], "kind": "destroyed"}).status_code == 403


def test_seal_and_unsealing_over_the_api(client, people, tokens):
    pc = _call(client, "POST", "/api/v1/media", tokens["officer"], {"category": "pc", "serial_no": "PC-A"}).get_json()
    seal = _call(client, "POST", f"/api/v1/media/{pc['code']}/seals", tokens["officer"],
                 {"port": "USB-1", "number": "FT-9"})
    assert seal.status_code == 201
    start = clock.now().replace(microsecond=0)
    row = _call(client, "POST", "/api/v1/media/unsealings", tokens["borrower"], {
        "device": pc["code"], "port": "USB-1", "reason": "数据备份",
        "planned_start": start.isoformat() + "Z", "planned_end": (start + timedelta(hours=1)).isoformat() + "+00:00"})
    assert row.status_code == 201, row.get_json()
    uid = row.get_json()["id"]
    assert _call(client, "POST", f"/api/v1/media/unsealings/{uid}/approve", tokens["borrower"], {}).status_code == 403
    assert _call(client, "POST", f"/api/v1/media/unsealings/{uid}/approve", tokens["archivist"], {}
                 ).get_json()["status"] == "approved"
    assert _call(client, "POST", f"/api/v1/media/unsealings/{uid}/start", tokens["archivist"],
                 {"supervisor": people["keeper"].badge_code}).get_json()["old_seal"] == "FT-9"
    done = _call(client, "POST", f"/api/v1/media/unsealings/{uid}/end", tokens["archivist"], {"new_seal": "FT-10"})
    assert done.get_json()["status"] == "closed"
    seals = _call(client, "GET", f"/api/v1/media/{pc['code']}", tokens["archivist"]).get_json()["seals"]
    assert [(s["number"], s["removed_at"] is None) for s in seals] == [("FT-9", False), ("FT-10", True)]


def test_the_openapi_document_lists_the_media_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/media", "/api/v1/media/{code}", "/api/v1/media/loans", "/api/v1/media/counts",
                 "/api/v1/media/unsealings", "/api/v1/media/repairs", "/api/v1/media/disposals"):
        assert path in doc["paths"], path
    assert doc["paths"]["/api/v1/media/loans"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"]["due_at"]["format"] == "date-time"
    assert factories.PASSWORD  # the factories module is the one the fixtures log in with
