"""Custody actions over the API: each records one event through the domain service, or is refused
with a clear message in the caller's language and changes nothing."""
import pytest

from app.custody.models import Alert, Event, Item, Person

from .conftest import EN, ZH


def item_state(in_db, code):
    def read():
        item = Item.get(Item.code == code)
        return (item.state, item.location.code if item.location_id else None,
                item.holder.badge_code if item.holder_id else None, item.is_damaged)

    return in_db(read)


def test_check_out_move_hand_over_return(as_archivist, world, in_db):
    code = world.vol.code
    out = as_archivist.post(f"/api/v1/items/{code.lower()}/check-out", {"location": "ws-01", "person": world.op_badge})
    assert out.status_code == 201, out.get_data(as_text=True)
    event = out.get_json()
    assert (event["kind"], event["item"], event["state"]) == ("check_out", code, "out")
    assert event["from"]["code"] == "KF-A-01" and event["to"]["code"] == "WS-01"
    assert event["holder"]["badge_code"] == world.op_badge
    assert event["actor"]["badge_code"] == world.arch_badge and event["via"] == "api"
    assert event["at"].endswith("Z") and isinstance(event["id"], int)
    assert out.headers["Location"] == f"/api/v1/items/{code}"
    assert item_state(in_db, code) == ("out", "WS-01", world.op_badge, False)

    moved = as_archivist.post(f"/api/v1/items/{code}/move", {"location": "WS-02"})
    assert moved.status_code == 201 and moved.get_json()["kind"] == "move"
    assert item_state(in_db, code) == ("out", "WS-02", world.op_badge, False)

    handed = as_archivist.post(f"/api/v1/items/{code}/hand-over", {"person": world.arch_badge})
    assert handed.status_code == 201 and handed.get_json()["holder"]["badge_code"] == world.arch_badge
    assert item_state(in_db, code) == ("out", "WS-02", world.arch_badge, False)

    back = as_archivist.post(f"/api/v1/items/{code}/return", {"location": "KF-A-02", "note": "晚间归库"})
    assert back.status_code == 201
    assert (back.get_json()["kind"], back.get_json()["state"], back.get_json()["note"]) == ("return", "in_storage", "晚间归库")
    assert item_state(in_db, code) == ("in_storage", "KF-A-02", None, False)
    kinds = in_db(lambda: [e.kind for e in Event.select().where(Event.item == world.vol.id).order_by(Event.id)])
    assert kinds == ["check_out", "move", "hand_over", "return"]


def test_check_out_without_person_goes_to_the_caller(as_operator, world, in_db):
    response = as_operator.post(f"/api/v1/items/{world.vol.code}/check-out", {"location": "WS-02"})
    assert response.status_code == 201
    assert item_state(in_db, world.vol.code) == ("out", "WS-02", world.op_badge, False)


def test_quarantine_release_and_damage(as_archivist, world, in_db):
    code = world.out.code
    quarantined = as_archivist.post(f"/api/v1/items/{code}/quarantine", {"reason": "发现密级标志"})
    assert quarantined.status_code == 201
    assert (quarantined.get_json()["state"], quarantined.get_json()["note"]) == ("quarantined", "发现密级标志")
    assert in_db(lambda: Alert.select().where((Alert.kind == "quarantine") & (Alert.status == "open")).count()) == 1
    released = as_archivist.post(f"/api/v1/items/{code}/release", {"reason": "经保密员核实，已解密"})
    assert released.status_code == 201 and released.get_json()["state"] == "out"
    assert item_state(in_db, code) == ("out", "WS-01", world.op_badge, False)
    damaged = as_archivist.post(f"/api/v1/items/{code}/damage", {"description": "第3页撕裂", "pages": 2})
    assert damaged.status_code == 201
    assert (damaged.get_json()["kind"], damaged.get_json()["pages"]) == ("damage", 2)
    assert item_state(in_db, code) == ("out", "WS-01", world.op_badge, True)
    history = as_archivist.get(f"/api/v1/items/{code}").get_json()["history"]
    assert [e["kind"] for e in history[:3]] == ["damage", "release", "quarantine"]


def _quarantine(in_db, world):
    from app.custody import services

    in_db(lambda: services.quarantine(world.vol.code, actor=None, reason="密级标志"))


# (setup, action, body, status, code, English message, Chinese message)
REFUSALS = [
    pytest.param(None, "V99999999/check-out", {"location": "WS-01"}, 404, "unknown_code",
                 "Unknown code: V99999999", "未知编号：V99999999", id="unknown-code"),
    pytest.param(_quarantine, "{vol}/check-out", {"location": "WS-01"}, 409, "quarantined",
                 "{vol} is quarantined: no further steps until it is released.",
                 "{vol} 已被隔离：解除隔离前不得进行任何操作。", id="quarantined"),
    pytest.param(None, "{vol}/return", {"location": "KF-A-01"}, 409, "already_there",
                 "{vol} is already at Shelf A-01.", "{vol} 已在 Shelf A-01。", id="already-there"),
    pytest.param(None, "{vol}/check-out", {"location": "DOOR-1"}, 422, "destination_not_allowed",
                 "{vol} cannot go to Main door: not allowed for this kind of item.",
                 "{vol} 不能移至 Main door：此类物品不允许存放于该位置。", id="destination-not-allowed"),
    pytest.param(None, "{vol}/check-out", {"location": "WS-01", "person": "{pending}"}, 422, "badge_not_active",
                 "The badge of 李四 is not active.", "李四 的工牌未激活。", id="badge-not-active"),
    pytest.param(None, "{vol}/check-out", {"location": "WS-99"}, 422, "unknown_location",
                 "Unknown location: WS-99", "未知位置：WS-99", id="unknown-location"),
    pytest.param(None, "{vol}/check-out", {"location": "WS-01", "person": "B99999999"}, 422, "unknown_person",
                 "Unknown badge: B99999999", "未知工牌：B99999999", id="unknown-badge"),
    pytest.param(None, "{vol}/check-out", {}, 422, "invalid",
                 "Missing field: location.", "缺少字段：location。", id="missing-field"),
    pytest.param(None, "{vol}/move", {"location": "WS-01", "locaton": "WS-02"}, 422, "invalid",
                 "Unknown field: locaton.", "未知字段：locaton。", id="unknown-field"),
    pytest.param(None, "{vol}/move", {"location": 7}, 422, "invalid",
                 "location must be text.", "location 必须是文本。", id="wrong-type"),
    pytest.param(None, "{vol}/damage", {"description": "水渍", "pages": -1}, 422, "invalid",
                 "pages must be at least 0.", "pages 不能小于 0。", id="negative-pages"),
    pytest.param(None, "{vol}/quarantine", {"reason": "   "}, 422, "invalid",
                 "Give the reason for the quarantine.", "请填写隔离原因。", id="blank-reason"),
    pytest.param(None, "{out}/check-out", {"location": "WS-02"}, 409, "conflict",
                 "{out} is already checked out to {op_name}.", "{out} 已借出给 {op_name}。", id="already-out"),
    pytest.param(None, "{vol}/hand-over", {"person": "{arch}"}, 409, "conflict",
                 "{vol} is in storage: check it out instead.", "{vol} 在库房中：请改为办理出库。",
                 id="hand-over-in-storage"),
    pytest.param(None, "{out}/release", {"reason": "核实"}, 409, "conflict",
                 "{out} is not quarantined.", "{out} 未被隔离。", id="release-not-quarantined"),
]


@pytest.mark.parametrize("setup, action, body, status, code, english, chinese", REFUSALS)
def test_refusals_in_both_languages_change_nothing(as_archivist, world, in_db, snapshot,
                                                   setup, action, body, status, code, english, chinese):
    if setup:
        setup(in_db, world)
    names = {"vol": world.vol.code, "out": world.out.code, "pending": world.pending_badge,
             "arch": world.arch_badge,
             "op_name": in_db(lambda: Person.get(Person.badge_code == world.op_badge).name)}
    path = "/api/v1/items/" + action.format(**names)
    body = {k: v.format(**names) if isinstance(v, str) else v for k, v in body.items()}
    before = snapshot()
    for lang, message in ((EN, english), (ZH, chinese)):
        response = as_archivist.post(path, body, lang=lang)
        assert response.status_code == status, response.get_data(as_text=True)
        error = response.get_json()["error"]
        assert (error["code"], error["message"]) == (code, message.format(**names))
    assert snapshot() == before


@pytest.mark.parametrize("raw, message_en, message_zh", [
    (b'{"location": "WS-01"', "The request body is not valid JSON.", "请求内容不是有效的 JSON。"),
    (b'["WS-01"]', "The request body must be a JSON object.", "请求内容必须是 JSON 对象。"),
    (b'\xff\xfe', "The request body is not valid JSON.", "请求内容不是有效的 JSON。"),
])
def test_malformed_body_is_400(as_archivist, world, snapshot, raw, message_en, message_zh):
    before = snapshot()
    for lang, message in ((EN, message_en), (ZH, message_zh)):
        response = as_archivist.post(f"/api/v1/items/{world.vol.code}/check-out", raw=raw, lang=lang)
        assert response.status_code == 400
        assert response.get_json()["error"] == {"code": "bad_json", "message": message}
    assert snapshot() == before


def test_field_errors_name_the_field(as_archivist, world):
    response = as_archivist.post(f"/api/v1/items/{world.vol.code}/check-out", {"location": ""})
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid", "field": "location",
                                            "message": "location must not be empty."}


def test_check_out_by_an_account_without_a_badge_must_name_the_person(client, world, in_db, snapshot):
    from app.custody import accounts
    from tests import factories as f

    from .conftest import Api

    user = in_db(lambda: f.user("supervisor", with_person=False))
    api = Api(client, in_db(lambda: accounts.create_token(user, "desk", by=None)[1]))
    before = snapshot()
    response = api.post(f"/api/v1/items/{world.vol.code}/check-out", {"location": "WS-01"}, lang=ZH)
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid", "field": "person", "message": "缺少字段：person。"}
    assert snapshot() == before
    named = api.post(f"/api/v1/items/{world.vol.code}/check-out", {"location": "WS-01", "person": world.op_badge})
    assert named.status_code == 201 and named.get_json()["actor"] is None
