"""Scan answers that cannot mislead: a double read of one's own scan is "already done", undo walks back
several scans, an undone hand-over names who holds the volume again."""
import pytest

from app.custody.audit import verify_chain
from app.custody.models import Event, Item, User
from tests import factories as f


@pytest.fixture
def world(site, login, database):
    op = login("operator")
    database.connect(reuse_if_open=True)
    other = f.user("operator")
    vol = f.item(at="KF-A-02")
    return {"op": op, "me": User.get_by_id(op.id).person, "other": other, "vol": vol}


def state(item):
    now = Item.get_by_id(item.id)
    return now.state, now.location.code if now.location else None, now.holder_id


@pytest.mark.parametrize("action, fields", [
    ("return", {"location": "KF-A-02"}),
    ("check_out", {"location": "WS-01"}),
    ("move", {"location": "WS-02"}),
])
def test_a_double_read_of_my_own_scan_is_already_done_not_an_alarm(world, scan, action, fields):
    code = world["vol"].code
    if action != "check_out":
        scan(code, "check_out", location="WS-01")
    first = scan(code, action, **fields)
    assert first.status_code == 201, first.json
    events = Event.select().count()
    again = scan(code, action, **fields)
    assert again.status_code == 200 and again.json["outcome"] == "already", again.json
    assert again.json["ok"] is True and "无变化" in again.json["message"]
    assert again.json["item"]["code"] == code
    assert Event.select().count() == events


def test_the_same_read_after_someone_elses_change_is_still_refused(world, scan):
    from app.custody import services

    code = world["vol"].code
    services.check_out(code, to=f.loc("WS-01"), holder=world["other"].person, actor=None,
                       user=world["other"].id)
    services.return_to_storage(code, to=f.loc("KF-A-02"), actor=world["other"].person, user=world["other"].id)
    res = scan(code, "return", location="KF-A-02")
    assert res.status_code == 409 and res.json["error"]["code"] == "already_there"


def test_undo_walks_back_several_of_my_scans(world, scan):
    code = world["vol"].code
    out = scan(code, "check_out", location="WS-01")
    moved = scan(code, "move", location="WS-02")
    handed = scan(code, "hand_to", person=world["other"].person.badge_code)
    assert [r.status_code for r in (out, moved, handed)] == [201, 201, 201]

    first = scan.undo(event_id=handed.json["event"]["id"])
    assert first.status_code == 201, first.json
    # the volume is with me again, and the answer says so
    assert world["me"].name in first.json["message"] and "重新由" in first.json["message"]
    second = scan.undo(event_id=moved.json["event"]["id"])  # the only newer change is the undo itself
    assert second.status_code == 201, second.json
    assert state(world["vol"]) == ("out", "WS-01", world["me"].id)
    third = scan.undo(event_id=out.json["event"]["id"])
    assert third.status_code == 201, third.json
    assert state(world["vol"]) == ("in_storage", "KF-A-02", None)
    assert verify_chain("event").ok
    # an undone scan cannot be undone twice
    again = scan.undo(event_id=moved.json["event"]["id"])
    assert again.status_code == 409 and again.json["error"]["code"] == "undo_refused"


def test_undo_is_refused_when_someone_else_changed_it_between(world, scan):
    from app.custody import services

    code = world["vol"].code
    out = scan(code, "check_out", location="WS-01")
    mine = scan(code, "move", location="WS-02")
    scan.undo(event_id=mine.json["event"]["id"])
    keeper = f.user("archivist")  # someone else who may move what I hold
    services.move(code, to=f.loc("WS-02"), actor=keeper.person, user=keeper.id)
    res = scan.undo(event_id=out.json["event"]["id"])
    assert res.status_code == 409 and res.json["error"]["code"] == "undo_refused"
