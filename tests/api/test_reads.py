"""Reading over the API: an item with its history, the item search, locations, a person."""
import pytest

from tests import factories as f

from .conftest import ZH


@pytest.mark.parametrize("form", ["{code}", "{lower}", "]C0{code}", "%20{lower}%20"])
def test_item_in_any_scan_form(as_operator, world, form):
    code = world.out.code
    response = as_operator.get("/api/v1/items/" + form.format(code=code, lower=code.lower()))
    assert response.status_code == 200
    body = response.get_json()
    assert body["code"] == code
    assert body["state"] == "out"
    assert body["location"]["code"] == "WS-01"
    assert body["holder"]["badge_code"] == world.op_badge
    assert body["archive_no"] == "J012-WS·2019-Y-0002" and body["title"] == "年度工作总结"
    assert body["pages"] == 100
    assert [e["kind"] for e in body["history"]] == ["check_out"]


def test_history_newest_first_with_limit(as_archivist, world):
    code = world.vol.code
    for action, body in [("check-out", {"location": "WS-01", "person": world.op_badge}),
                         ("move", {"location": "WS-02"}), ("return", {"location": "KF-A-02"})]:
        assert as_archivist.post(f"/api/v1/items/{code}/{action}", body).status_code == 201
    full = as_archivist.get(f"/api/v1/items/{code}").get_json()
    assert [e["kind"] for e in full["history"]] == ["return", "move", "check_out"]
    assert full["history"][0]["from"]["code"] == "WS-02" and full["history"][0]["to"]["code"] == "KF-A-02"
    assert full["history_total"] == 3
    ids = [e["id"] for e in full["history"]]
    assert ids == sorted(ids, reverse=True)
    short = as_archivist.get(f"/api/v1/items/{code}?limit=1").get_json()
    assert [e["kind"] for e in short["history"]] == ["return"] and short["history_total"] == 3


def test_history_limit_out_of_range_is_refused_in_both_languages(as_operator, world):
    response = as_operator.get(f"/api/v1/items/{world.vol.code}?limit=5000")
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid", "field": "limit",
                                            "message": "limit must be at most 1000."}
    zh = as_operator.get(f"/api/v1/items/{world.vol.code}?limit=abc", lang=ZH).get_json()["error"]
    assert zh["message"] == "limit 必须是整数。"


def test_unknown_item_is_404_in_both_languages(as_operator):
    en = as_operator.get("/api/v1/items/v99999999")
    assert en.status_code == 404
    assert en.get_json()["error"] == {"code": "unknown_code", "message": "Unknown code: V99999999"}
    zh = as_operator.get("/api/v1/items/V99999999", lang=ZH)
    assert zh.get_json()["error"]["message"] == "未知编号：V99999999"


def test_search_by_code_archive_number_and_title(as_operator, world):
    def codes(query):
        response = as_operator.get("/api/v1/items", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [row["code"] for row in response.get_json()["items"]]

    assert codes({"q": world.vol.code.lower()}) == [world.vol.code]
    assert codes({"q": "Y-0002"}) == [world.out.code]
    assert codes({"q": "会议纪要"}) == [world.vol.code]
    assert codes({"state": "out"}) == [world.out.code]
    assert codes({"kind": "media"}) == []


def test_list_filters_are_checked(as_operator):
    response = as_operator.get("/api/v1/items?state=lost", lang=ZH)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "state" and error["message"].startswith("state 必须是以下之一：in_storage")


def test_paging_by_offset_and_by_cursor_sees_every_item_once(as_operator, world, in_db):
    for _ in range(5):
        in_db(f.item)
    first = as_operator.get("/api/v1/items?limit=3").get_json()
    assert first["total"] == 7 and len(first["items"]) == 3 and first["offset"] == 0
    rest = as_operator.get("/api/v1/items?limit=3&offset=3").get_json()
    assert [r["code"] for r in rest["items"]][0] > first["items"][-1]["code"]
    seen, cursor, pages = [], None, 0
    while pages < 10:
        page = as_operator.get("/api/v1/items", query_string={"limit": 3, **({"cursor": cursor} if cursor else {})})
        body = page.get_json()
        seen += [r["code"] for r in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 7


def test_bad_cursor_is_refused(as_operator, world):
    response = as_operator.get("/api/v1/items?cursor=%%%")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "cursor"
    both = as_operator.get("/api/v1/items?cursor=VjA&offset=2")
    assert both.status_code == 422
    assert both.get_json()["error"]["message"] == "Use either offset or cursor, not both."


def test_locations_as_a_flat_list_with_parents(as_operator, world):
    body = as_operator.get("/api/v1/locations").get_json()
    rows = {row["code"]: row for row in body["locations"]}
    assert rows["SITE"]["parent"] is None
    assert rows["KF-A-01"]["parent"] == "KF" and rows["KF"]["parent"] == "SITE"
    assert rows["KF-A-01"]["is_storage"] is True and rows["WS-01"]["is_storage"] is False
    assert rows["DOOR-1"]["kind"] == "door"


def test_person_by_badge_with_holdings(as_archivist, world):
    response = as_archivist.get(f"/api/v1/people/{world.op_badge.lower()}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["badge_code"] == world.op_badge and body["badge_active"] is True
    assert [i["code"] for i in body["holding"]] == [world.out.code]
    pending = as_archivist.get(f"/api/v1/people/{world.pending_badge}").get_json()
    assert pending["name"] == "李四" and pending["badge_status"] == "pending" and pending["badge_active"] is False


def test_person_needs_people_view_and_a_known_badge(as_operator, as_archivist, world):
    denied = as_operator.get(f"/api/v1/people/{world.op_badge}")
    assert denied.status_code == 403
    assert denied.get_json()["error"] == {"code": "forbidden", "message": "You are not allowed to do this."}
    unknown = as_archivist.get("/api/v1/people/B99999999", lang=ZH)
    assert unknown.status_code == 404
    assert unknown.get_json()["error"] == {"code": "unknown_person", "message": "未知工牌：B99999999"}


@pytest.mark.parametrize("path", ["/api/v1/items", "/api/v1/items/V00000001", "/api/v1/locations",
                                  "/api/v1/people/B00000001"])
def test_reads_refuse_anonymous(anonymous, path):
    response = anonymous.get(path, lang=ZH)
    assert response.status_code == 401
    assert response.get_json()["error"] == {"code": "unauthorized", "message": "请先登录。"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_method_is_405_with_allow(as_operator, world):
    response = as_operator.post("/api/v1/locations", {})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
