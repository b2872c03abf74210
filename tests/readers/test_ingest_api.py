"""POST /api/v1/reader-events: reader tokens, batch validation, de-duplication, and the door,
shelf and station rules seen through the API, as a reader daemon would call it."""
import json
from datetime import datetime, timedelta

import pytest

from app.custody import clock, readers
from app.custody.audit import verify_chain
from app.custody.models import AccessEvent, Alert, Event, Item, Reader, ReaderRead, Site, Tag
from app.custody.nights import calendar
from tests import factories as f
from tests.clock import last_weekday
from tests.conftest import csrf_token

BADGE_TAG = "62E3086CED"
VOLUME_EPC = "E28011606000020000000005"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def read(seq, tag, scheme="em4100", kind="read", at=None, symbology=""):
    return {"seq": seq, "kind": kind, "tag": tag, "scheme": scheme, "symbology": symbology,
            "read_at": iso(at or clock.now())}


@pytest.fixture
def world(rsite):
    staff = f.person("张伟", tag=BADGE_TAG)
    vol = f.item(at="KF-A-01")
    Tag.create(tag=VOLUME_EPC, item=vol)
    return {"staff": staff, "vol": vol}


def make_reader(name, at, mode, protocol="rdm6300", **settings):
    reader, secret = readers.register_reader(name, location=f.loc(at), mode=mode, protocol=protocol,
                                           settings=settings)
    return f.approved(reader), secret


def post(client, secret, events, heartbeat=None):
    body = {"events": events}
    if heartbeat is not None:
        body["heartbeat"] = heartbeat
    return client.post("/api/v1/reader-events", json=body, headers={"Authorization": f"Bearer {secret}"})


def test_badge_at_perimeter_door_is_an_allowed_pass(client, world):
    reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    response = post(client, secret, [read(1, BADGE_TAG)])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["accepted"] == 1
    passes = list(AccessEvent.select())
    assert [(p.person_id, p.allowed, p.reason) for p in passes] == [(world["staff"].id, True, "")]
    assert Alert.select().count() == 0
    assert Reader.get_by_id(reader.id).last_heartbeat_at is not None


@pytest.mark.parametrize("status, fields, reason", [
    ("pending", {}, "not_vetted"),
    ("suspended", {}, "suspended"),
    ("revoked", {}, "revoked"),
    ("active", {"valid_until_days": -1}, "expired"),
])
def test_denied_badges_say_why_and_open_an_alert(client, rsite, status, fields, reason):
    who = f.person("李娜", badge_status=status, tag="01000734E0")
    if "valid_until_days" in fields:
        who.valid_until = clock.now().date() + timedelta(days=fields["valid_until_days"] - 1)
        who.save()
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    assert post(client, secret, [read(1, "01000734E0")]).status_code == 200
    event = AccessEvent.get()
    assert (event.allowed, event.reason, event.person_id) == (False, reason, who.id)
    alert = Alert.get()
    assert (alert.kind, alert.person_id) == ("access_denied", who.id)


def test_unknown_badge_is_denied_and_listed(client, login, world):
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    post(client, secret, [read(1, "1F00644BB6")])
    event = AccessEvent.get()
    assert (event.allowed, event.reason, event.person_id, event.credential) == (False, "unknown_badge", None,
                                                                                "1F00644BB6")
    login("security_officer")
    page = client.get("/doors/unknown-tags").get_data(as_text=True)
    assert "1F00644BB6" in page
    log = client.get("/doors").get_data(as_text=True)
    assert "1F00644BB6" in log


def test_after_hours_pass_is_denied(client, world):
    site = Site.get()
    # a table with no hours for any day: the door is never within working hours
    site.working_hours = json.dumps({"mon": ["08:00", "08:01"]})
    site.save()
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    monday_night = last_weekday(0, "23:00", "Asia/Shanghai")  # the last Monday night before TEST_NOW
    assert post(client, secret, [read(1, BADGE_TAG, at=monday_night)]).status_code == 200
    assert (AccessEvent.get().allowed, AccessEvent.get().reason) == (False, "after_hours")
    assert Alert.get().kind == "access_denied"


def test_working_hours_in_site_local_time(rsite):
    site = rsite
    site.working_hours = json.dumps({"mon": ["08:00", "18:00"]})
    monday_9_local = last_weekday(0, "09:00", "Asia/Shanghai")  # the last Monday before TEST_NOW
    sunday = monday_9_local - timedelta(hours=23)  # 10:00 the day before
    assert not calendar.outside_working_hours(monday_9_local, site)
    assert calendar.outside_working_hours(monday_9_local + timedelta(hours=10), site)  # 19:00
    assert calendar.outside_working_hours(sunday, site)
    site.working_hours = "{}"
    assert not calendar.outside_working_hours(sunday, site)


def test_volume_at_the_perimeter_door_raises_a_critical_alert(client, world):
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door", protocol="chafon")
    post(client, secret, [read(1, VOLUME_EPC, scheme="epc")])
    alert = Alert.get()
    assert (alert.kind, alert.severity, alert.item_id) == ("volume_at_exit", "critical", world["vol"].id)
    assert Item.get_by_id(world["vol"].id).location.code == "KF-A-01"  # custody itself unchanged


def test_internal_door_moves_the_item_to_the_other_side(client, world):
    _reader, secret = make_reader("kf-door", "DOOR-1", "internal_door", protocol="chafon", side_a="KF", side_b="JG")
    post(client, secret, [read(1, VOLUME_EPC, scheme="epc")])
    vol = Item.get_by_id(world["vol"].id)
    assert (vol.location.code, vol.state) == ("JG", "out")
    post(client, secret, [read(2, VOLUME_EPC, scheme="epc")])
    vol = Item.get_by_id(world["vol"].id)
    assert (vol.location.code, vol.state) == ("KF", "in_storage")
    assert [e.kind for e in Event.select().order_by(Event.id)] == ["move", "return"]
    assert all(e.via == "reader" for e in Event.select())
    assert verify_chain("event").ok


def test_shelf_reader_returns_a_volume_to_its_shelf(client, world):
    from app.custody import services

    services.check_out(world["vol"].code, to=f.loc("WS-01"), holder=world["staff"], actor=None)
    reader, secret = make_reader("shelf-a02", "KF-A-02", "shelf", protocol="chafon")
    response = post(client, secret, [read(1, VOLUME_EPC, scheme="epc")])
    assert response.get_json()["outcomes"] == [{"seq": 1, "outcome": "returned"}]
    vol = Item.get_by_id(world["vol"].id)
    assert (vol.location.code, vol.state, vol.holder_id) == ("KF-A-02", "in_storage", None)
    # seen again on the same shelf: nothing more happens
    post(client, secret, [read(2, VOLUME_EPC, scheme="epc")])
    assert Event.select().where(Event.reader == reader).count() == 1


def test_departure_without_check_out_opens_an_alert_after_the_grace_period(client, world):
    _reader, secret = make_reader("shelf-a01", "KF-A-01", "shelf", protocol="chafon")
    t0 = clock.now()
    post(client, secret, [read(1, VOLUME_EPC, scheme="epc", at=t0),
                          read(2, VOLUME_EPC, scheme="epc", kind="departed", at=t0 + timedelta(seconds=5))])
    assert readers.check_shelf_departures(t0 + timedelta(minutes=5), grace_minutes=15) == []  # still in grace
    opened = readers.check_shelf_departures(t0 + timedelta(minutes=30), grace_minutes=15)
    assert [(a.kind, a.item_id) for a in opened] == [("removed_without_checkout", world["vol"].id)]
    assert readers.check_shelf_departures(t0 + timedelta(minutes=31)) == []  # settled once


def test_departure_with_a_check_out_opens_nothing(client, world):
    from app.custody import services

    _reader, secret = make_reader("shelf-a01", "KF-A-01", "shelf", protocol="chafon")
    t0 = clock.now()
    post(client, secret, [read(1, VOLUME_EPC, scheme="epc", kind="departed", at=t0)])
    services.check_out(world["vol"].code, to=f.loc("WS-01"), holder=world["staff"], actor=None,
                       now=t0 + timedelta(minutes=2))
    assert readers.check_shelf_departures(t0 + timedelta(minutes=30), grace_minutes=15) == []
    assert ReaderRead.get(ReaderRead.seq == 1).outcome == "departed_checked_out"


def test_station_scanner_returns_to_storage_here(client, world):
    from app.custody import services

    services.check_out(world["vol"].code, to=f.loc("WS-01"), holder=world["staff"], actor=None)
    _reader, secret = make_reader("desk", "WS-01", "station", protocol="barcode", action="return_to_storage",
                                  location="KF-A-02")
    response = post(client, secret, [read(1, world["vol"].code.lower(), scheme="barcode", symbology="]C0")])
    assert response.get_json()["outcomes"][0]["outcome"] == "returned"
    assert Item.get_by_id(world["vol"].id).location.code == "KF-A-02"


def test_replayed_batch_is_recorded_once(client, world):
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    batch = [read(1, BADGE_TAG), read(2, "1F00644BB6")]
    first = post(client, secret, batch).get_json()
    again = post(client, secret, batch).get_json()
    assert (first["accepted"], first["duplicates"]) == (2, 0)
    assert (again["accepted"], again["duplicates"], again["last_seq"]) == (0, 2, 2)
    assert AccessEvent.select().count() == 2 and ReaderRead.select().count() == 2


@pytest.mark.parametrize("secret", ["", "rdr_not-a-real-token", "ct_someone-elses-user-token"])
def test_bad_token_is_refused(client, world, secret):
    make_reader("door-1", "DOOR-1", "perimeter_door")
    response = post(client, secret, [read(1, BADGE_TAG)])
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_reader_token"
    assert ReaderRead.select().count() == 0


def test_revoked_and_rotated_tokens_stop_working(client, world):
    reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    new = readers.rotate_token(reader)
    assert post(client, secret, [read(1, BADGE_TAG)]).status_code == 401
    assert post(client, new, [read(1, BADGE_TAG)]).status_code == 200
    readers.revoke_token(Reader.get_by_id(reader.id))
    assert post(client, new, [read(2, BADGE_TAG)]).status_code == 401
    assert ReaderRead.select().count() == 1


def test_malformed_batch_names_each_bad_row_and_records_nothing(client, world):
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    batch = [read(1, BADGE_TAG), {"seq": "two", "tag": "x", "scheme": "em4100", "read_at": iso(clock.now())},
             read(3, BADGE_TAG) | {"read_at": "yesterday"}, read(4, "") , read(1, BADGE_TAG)]
    response = post(client, secret, batch)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_batch"
    assert [(r["index"], r["field"]) for r in error["rows"]] == [(1, "seq"), (2, "read_at"), (3, "tag"), (4, "seq")]
    assert "ISO 8601" in error["rows"][1]["message"]
    assert ReaderRead.select().count() == 0 and AccessEvent.select().count() == 0


def test_not_json_is_a_clear_error(client, world):
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    response = client.post("/api/v1/reader-events", data="nonsense", content_type="application/json",
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 400
    assert "events" in response.get_json()["error"]["message"]


def test_error_messages_follow_the_language(client, world):
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    response = client.post("/api/v1/reader-events", json={"events": [read(1, BADGE_TAG) | {"read_at": "x"}]},
                           headers={"Authorization": f"Bearer {secret}", "Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert "ISO 8601" in response.get_json()["error"]["rows"][0]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.get_json()["error"]["rows"][0]["message"])


def test_heartbeats_and_the_offline_alert(client, world):
    reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    t0 = clock.now()
    assert post(client, secret, [], heartbeat={"frames": 3, "rejected_frames": 1}).status_code == 200
    assert readers.check_reader_heartbeats(t0 + timedelta(seconds=60), offline_seconds=300) == []
    opened = readers.check_reader_heartbeats(t0 + timedelta(minutes=10), offline_seconds=300)
    assert [(a.kind, a.reader_id) for a in opened] == [("reader_offline", reader.id)]
    assert readers.check_reader_heartbeats(t0 + timedelta(minutes=11), offline_seconds=300) == []  # one alert
    post(client, secret, [], heartbeat={})
    assert Alert.get_by_id(opened[0].id).status == "resolved"


def test_reads_and_access_events_api(client, login, world):
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    post(client, secret, [read(1, BADGE_TAG), read(2, "1F00644BB6")])
    assert client.get("/api/v1/reads").status_code == 401
    login("security_officer")
    reads = client.get("/api/v1/reads").get_json()["reads"]
    assert [(r["seq"], r["resolved"], r["person"]) for r in reads] == [(2, "unknown", None), (1, "person", "张伟")]
    unknown = client.get("/api/v1/reads?resolved=unknown").get_json()["reads"]
    assert [r["tag"] for r in unknown] == ["1F00644BB6"]
    passes = client.get(f"/api/v1/access-events?badge={world['staff'].badge_code}").get_json()["access_events"]
    assert [(p["person"], p["allowed"]) for p in passes] == [("张伟", True)]
    denied = client.get("/api/v1/access-events?allowed=0").get_json()["access_events"]
    assert [p["reason"] for p in denied] == ["unknown_badge"]


def test_operators_cannot_read_the_door_log(client, login, world):
    login("operator")
    assert client.get("/api/v1/access-events").status_code == 403
    assert client.get("/doors").status_code == 403


def test_a_reused_sequence_number_with_a_different_read_is_a_conflict(client, world):
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    post(client, secret, [read(1, BADGE_TAG), read(2, BADGE_TAG)])
    response = post(client, secret, [read(2, "1F00644BB6"), read(3, "1F00644BB6")])
    assert response.status_code == 409
    assert (response.get_json()["error"]["code"], response.get_json()["last_seq"]) == ("seq_conflict", 2)
    assert ReaderRead.select().count() == 2  # nothing of the conflicting batch recorded


def test_person_page_and_door_log_name_the_reason(client, login, rsite):
    who = f.person("李娜", badge_status="pending", tag="01000734E0")
    _reader, secret = make_reader("door-1", "DOOR-1", "perimeter_door")
    post(client, secret, [read(1, "01000734E0")])
    login("security_officer")
    person_page = client.get(f"/people/{who.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "not vetted" in person_page and "not_vetted" not in person_page
    client.post("/lang/zh_CN", data={"csrf_token": csrf_token(client, "/doors")})
    log = client.get("/doors").get_data(as_text=True)
    assert "未通过审查" in log and "李娜" in log
