"""POST /api/v1/scans and /api/v1/scans/undo: what a handheld sees, and what the database keeps."""
from datetime import timedelta

import pytest

from app.custody import accounts, scans, services
from app.custody.audit import verify_chain
from app.custody.models import Event, Item, User
from tests import factories as f
from tests.scan.conftest import csrf_token, fresh_g


@pytest.fixture
def world(site, login, database):
    """An operator logged in (with a badge), a second operator, an archivist, a volume in storage."""
    op = login("operator")
    database.connect(reuse_if_open=True)  # the login helper's own app context closed a pooled connection
    other = f.user("operator")
    keeper = f.user("archivist")
    vol = f.item(archive_no="J012-WS·2019-Y-0001")
    return {"op": op, "me": User.get_by_id(op.id).person, "other": other, "keeper": keeper, "vol": vol}


def state(item):
    now = Item.get_by_id(item.id)
    return now.state, now.location.code if now.location else None, now.holder_id


def snapshot(item):
    return Event.select().count(), state(item)


def test_check_out_to_me_records_one_event_and_answers_with_the_item(world, scan):
    res = scan(world["vol"].code, "check_out", location="ws-01", client_id="c-1")
    assert res.status_code == 201, res.json
    body = res.json
    assert body["outcome"] == "recorded"
    assert body["item"]["code"] == world["vol"].code and body["item"]["archive_no"] == "J012-WS·2019-Y-0001"
    assert body["item"]["holder"]["name"] == world["me"].name and body["item"]["location"]["code"] == "WS-01"
    assert world["me"].name in body["message"]
    assert state(world["vol"]) == ("out", "WS-01", world["me"].id)
    event = Event.get(Event.client_id == f"u{world['op'].id}:c-1")  # scoped to the login
    assert (event.kind, event.via, event.user_id, event.actor_id) == ("check_out", "scan", world["op"].id,
                                                                     world["me"].id)
    assert verify_chain("event").ok


def test_with_group_commit_on_scans_go_through_the_writer_thread_and_answer_after_its_commit(world, scan, app):
    """CUSTODY_SCAN_GROUP_COMMIT=true (for disks whose fsync is slow): the same answers, written by the
    process's group-commit writer; a refusal in it changes nothing."""
    from app.custody import groupcommit

    app.config["SCAN_GROUP_COMMIT"] = True
    out = scan(world["vol"].code, "check_out", location="WS-01", client_id="g-1")
    back = scan(world["vol"].code, "return", location="KF-A-01", client_id="g-2")
    again = scan(world["vol"].code, "move", location="KF-A-01", client_id="g-3")
    assert (out.status_code, back.status_code, again.status_code) == (201, 201, 409)
    assert again.json["error"]["code"] == "already_there"
    assert groupcommit.writer().calls == 3  # all three writes went through the writer, the refusal too
    assert [scans.unscoped_client_id(e.client_id) for e in Event.select().order_by(Event.id)] == ["g-1", "g-2"]
    assert state(world["vol"]) == ("in_storage", "KF-A-01", None)


@pytest.mark.parametrize("form", ["{code}", "{lower}", "  ]C0{code}  ", "http://site.example/i/{lower}",
                                  "]Q1https://archive.local/i/{code}/", "\t{lower}\r\n"])
def test_every_scan_form_means_the_same_item(world, scan, form):
    code = world["vol"].code
    res = scan(form.format(code=code, lower=code.lower()), "lookup")
    assert res.status_code == 200 and res.json["outcome"] == "lookup"
    assert res.json["item"]["code"] == code


def test_badge_and_location_codes_set_the_context_and_change_nothing(world, scan):
    before = Event.select().count()
    place = scan("ws-02", "check_out")
    assert place.status_code == 200 and place.json["outcome"] == "location"
    assert place.json["location"] == {"code": "WS-02", "name": "Workstation 2", "is_storage": False}
    badge = scan(world["other"].person.badge_code.lower(), "hand_to")
    assert badge.json["outcome"] == "person" and badge.json["person"]["name"] == world["other"].person.name
    assert Event.select().count() == before


def test_same_client_id_is_recorded_once(world, scan):
    first = scan(world["vol"].code, "check_out", location="WS-01", client_id="dup-1")
    again = scan(world["vol"].code, "check_out", location="WS-01", client_id="dup-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["outcome"] == "replayed" and again.json["event"]["id"] == first.json["event"]["id"]
    assert Event.select().where(Event.item == world["vol"].id).count() == 1
    # a resend of a queued scan whose answer was lost stays "recorded" even after the item moved on
    scan(world["vol"].code, "move", location="WS-02", client_id="dup-2")
    late = scan(world["vol"].code, "check_out", location="WS-01", client_id="dup-1")
    assert late.json["outcome"] == "replayed" and state(world["vol"])[1] == "WS-02"
    assert Event.select().count() == 2


def _quarantine(world):
    services.quarantine(world["vol"].code, actor=None, reason="密级标识 secrecy mark")


def _held_by_other(world):
    services.check_out(world["vol"].code, to=f.loc("WS-01"), holder=world["other"].person, actor=None)


def _out_to_me(world):
    services.check_out(world["vol"].code, to=f.loc("WS-01"), holder=world["me"], actor=None)


@pytest.mark.parametrize("setup, code, action, fields, status, error", [
    (None, "V99999999", "check_out", {"location": "WS-01"}, 404, "unknown_code"),
    (_quarantine, None, "check_out", {"location": "WS-01"}, 409, "quarantined"),
    (_quarantine, None, "return", {"location": "KF-A-02"}, 409, "quarantined"),
    (_held_by_other, None, "return", {"location": "KF-A-01"}, 403, "not_yours"),
    (None, None, "return", {"location": "KF-A-01"}, 409, "already_there"),
    (_out_to_me, None, "check_out", {"location": "WS-02"}, 409, "conflict"),
    (None, None, "hand_to", {}, 422, "invalid"),
    (_out_to_me, None, "hand_to", {"person": "B77777777"}, 404, "unknown_person"),
    (None, None, "check_out", {}, 422, "invalid"),
    (None, None, "check_out", {"location": "NOWHERE"}, 404, "unknown_location"),
    (None, None, "check_out", {"location": "DOOR-1"}, 422, "destination_not_allowed"),
    (None, None, "move", {}, 422, "invalid"),
    (None, None, "teleport", {"location": "WS-01"}, 422, "invalid"),
    (None, "", "check_out", {"location": "WS-01"}, 422, "invalid"),
])
def test_refusals_say_why_and_change_nothing(world, scan, setup, code, action, fields, status, error):
    if setup:
        setup(world)
    before = snapshot(world["vol"])
    res = scan(world["vol"].code if code is None else code, action, **fields)
    assert res.status_code == status, res.json
    assert res.json["ok"] is False and res.json["error"]["code"] == error
    assert res.json["error"]["message"]  # a sentence for the red banner
    if code is None:
        assert res.json["item"]["code"] == world["vol"].code  # the red banner still names the volume
    assert snapshot(world["vol"]) == before


def test_not_yours_names_the_holder_and_an_archivist_may_receive_it(world, scan, client, login):
    _held_by_other(world)
    res = scan(world["vol"].code, "return", location="KF-A-01")
    assert res.status_code == 403 and world["other"].person.name in res.json["error"]["message"]
    fresh = client.application.test_client()
    token = csrf_token(fresh, "/login")
    fresh.post("/login", data={"username": world["keeper"].username, "password": f.PASSWORD, "csrf_token": token})
    token = csrf_token(fresh, "/scan")
    fresh_g()
    ok = fresh.post("/api/v1/scans", json={"code": world["vol"].code, "action": "return", "location": "KF-A-01",
                                           "client_id": "k-1"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 201, ok.json
    assert state(world["vol"]) == ("in_storage", "KF-A-01", None)


def test_the_holder_returns_without_naming_the_shelf_it_came_from(world, scan):
    scan(world["vol"].code, "check_out", location="WS-01")
    res = scan(world["vol"].code, "return")
    assert res.status_code == 201 and res.json["event"]["kind"] == "return"
    assert state(world["vol"]) == ("in_storage", "KF-A-01", None)


def test_hand_to_a_scanned_badge(world, scan):
    scan(world["vol"].code, "check_out", location="WS-01")
    res = scan(world["vol"].code, "hand_to", person=world["other"].person.badge_code)
    assert res.status_code == 201
    assert state(world["vol"]) == ("out", "WS-01", world["other"].person.id)


def test_answers_and_refusals_in_chinese(world, scan, client):
    client.post("/lang/zh_CN", data={"csrf_token": csrf_token(client, "/scan")})
    ok = scan(world["vol"].code, "check_out", location="WS-01", headers={"X-CSRFToken": csrf_token(client)})
    assert ok.status_code == 201 and "借出" in ok.json["message"], ok.json
    services.hand_over(world["vol"].code, to_person=world["other"].person, actor=None)
    res = scan(world["vol"].code, "return", location="KF-A-01")
    assert res.status_code == 403 and "归还" in res.json["error"]["message"], res.json


def test_without_csrf_header_or_login_or_permission_nothing_happens(world, scan, app):
    before = snapshot(world["vol"])
    assert scan(world["vol"].code, location="WS-01", headers={}).json["error"]["code"] == "csrf"
    anonymous = app.test_client()
    fresh_g()
    res = anonymous.post("/api/v1/scans", json={"code": world["vol"].code, "action": "lookup"})
    assert res.status_code in (400, 401)
    assert snapshot(world["vol"]) == before


def test_auditor_may_not_scan(site, login, scan, database):
    login("auditor")
    database.connect(reuse_if_open=True)
    vol = f.item()
    res = scan(vol.code, "lookup")
    assert res.status_code == 403 and Event.select().count() == 0


def test_personal_token_scans_without_csrf(world, app):
    _tok, secret = accounts.create_token(User.get_by_id(world["op"].id), "handheld", by=None)
    fresh_g()
    res = app.test_client().post("/api/v1/scans", headers={"Authorization": f"Bearer {secret}"},
                                 json={"code": world["vol"].code, "action": "check_out", "location": "WS-01",
                                       "client_id": "tok-1"})
    assert res.status_code == 201, res.json
    assert state(world["vol"]) == ("out", "WS-01", world["me"].id)


def test_token_scans_answer_in_the_asked_language_with_where_the_item_is(world, app):
    """A handheld with a token: its person, the item's place and holder in every answer, in Chinese."""
    _tok, secret = accounts.create_token(User.get_by_id(world["op"].id), "handheld", by=None)
    handheld = app.test_client()
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    code = world["vol"].code

    def post(client_id):
        fresh_g()
        return handheld.post("/api/v1/scans", headers=headers,
                             json={"code": code, "action": "check_out", "location": "WS-01", "client_id": client_id})

    out = post("zh-1")
    assert out.status_code == 201, out.json
    assert out.json["item"]["state_name"] == "出库中"
    assert out.json["item"]["holder"]["name"] == world["me"].name and world["me"].name in out.json["message"]
    refused = post("zh-2")  # already out to me: a neutral answer that shows where the item is and who holds it
    assert refused.status_code == 200 and refused.json["outcome"] == "already"
    assert "你" in refused.json["message"] and world["me"].name in refused.json["message"]
    assert refused.json["item"]["location"]["code"] == "WS-01"
    assert refused.json["item"]["holder"]["name"] == world["me"].name
    again = post("zh-1")  # the first scan sent again: answered with what was recorded
    assert again.status_code == 200 and again.json["outcome"] == "replayed"
    assert again.json["item"]["holder"]["name"] == world["me"].name and "出库中" == again.json["item"]["state_name"]
    assert Event.select().count() == 1 and state(world["vol"]) == ("out", "WS-01", world["me"].id)


def test_undo_last_appends_a_compensating_event(world, scan):
    out = scan(world["vol"].code, "check_out", location="WS-01", client_id="s-1")
    res = scan.undo(scan_client_id="s-1")
    assert res.status_code == 201, res.json
    assert res.json["event"]["kind"] == "undo" and res.json["item"]["state"] == "in_storage"
    assert state(world["vol"]) == ("in_storage", "KF-A-01", None)
    kinds = [e.kind for e in Event.select().order_by(Event.id)]
    assert kinds == ["check_out", "undo"] and verify_chain("event").ok
    # undoing the same scan again: the undo is now the item's latest event
    again = scan.undo(event_id=out.json["event"]["id"])
    assert again.status_code == 409 and again.json["error"]["code"] == "undo_refused"
    assert Event.select().count() == 2


def test_undo_restores_the_previous_holder(world, scan):
    scan(world["vol"].code, "check_out", location="WS-01")
    handed = scan(world["vol"].code, "hand_to", person=world["other"].person.badge_code)
    scan.undo(event_id=handed.json["event"]["id"])
    assert state(world["vol"]) == ("out", "WS-01", world["me"].id)


def test_undo_refused_after_a_later_event_or_for_someone_elses_scan(world, scan):
    first = scan(world["vol"].code, "check_out", location="WS-01")
    scan(world["vol"].code, "move", location="WS-02")
    res = scan.undo(event_id=first.json["event"]["id"])
    assert res.status_code == 409 and world["vol"].code in res.json["error"]["message"]
    theirs = services.move(world["vol"].code, to=f.loc("WS-01"), actor=world["me"], user=world["other"].id)
    res = scan.undo(event_id=theirs.id)
    assert res.status_code == 409 and res.json["error"]["code"] == "undo_refused"
    assert state(world["vol"]) == ("out", "WS-01", world["me"].id)
    assert scan.undo(event_id=99999).status_code == 404


def test_undo_only_within_the_window(world):
    event = services.check_out(world["vol"].code, to=f.loc("WS-01"), holder=world["me"], actor=world["me"],
                               user=world["op"].id)
    from app.custody.errors import UndoRefusedError

    with pytest.raises(UndoRefusedError):
        services.undo(event.id, user=world["op"].id, actor=world["me"], now=event.at + timedelta(hours=1))
    assert state(world["vol"])[0] == "out"


def test_a_batch_is_carried_out_in_order_with_its_own_context(world, scan, client):
    second = f.item()
    token = csrf_token(client, "/scan")
    batch = [{"code": "WS-02", "action": "check_out", "client_id": "b-0"},
             {"code": world["vol"].code, "action": "check_out", "client_id": "b-1"},
             {"code": "V99999999", "action": "check_out", "client_id": "b-2"},
             {"code": second.code.lower(), "action": "check_out", "client_id": "b-3"},
             {"code": world["vol"].code, "action": "return", "client_id": "b-4"}]
    fresh_g()
    res = client.post("/api/v1/scans/batch", json={"scans": batch}, headers={"X-CSRFToken": token})
    assert res.status_code == 200, res.json
    answers = res.json["results"]
    assert [(a["client_id"], a["status"]) for a in answers] == [
        ("b-0", 200), ("b-1", 201), ("b-2", 404), ("b-3", 201), ("b-4", 201)]
    assert answers[2]["error"]["code"] == "unknown_code"  # refused alone; the scans after it went through
    assert state(second) == ("out", "WS-02", world["me"].id)  # the location scanned first in the batch
    assert state(world["vol"]) == ("in_storage", "KF-A-01", None)
    assert [scans.unscoped_client_id(e.client_id) for e in Event.select().order_by(Event.id)] == ["b-1", "b-3", "b-4"]
    # the same batch again (its answer was lost): nothing new is recorded
    fresh_g()
    again = client.post("/api/v1/scans/batch", json={"scans": batch}, headers={"X-CSRFToken": token})
    assert [a.get("outcome") for a in again.json["results"]] == ["location", "replayed", None, "replayed",
                                                                  "replayed"]
    assert Event.select().count() == 3


def test_an_empty_or_oversized_batch_is_refused(world, client):
    token = csrf_token(client, "/scan")
    for body in ({"scans": []}, {"scans": [{"code": "x", "action": "lookup"}] * 51}, {"nope": 1}):
        fresh_g()
        res = client.post("/api/v1/scans/batch", json=body, headers={"X-CSRFToken": token})
        assert res.status_code == 422 and res.json["error"]["code"] == "invalid"
