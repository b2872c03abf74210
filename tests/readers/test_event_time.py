"""Event time: a reader's read older than the item's last change is logged with its read time and its
arrival time, flagged late on the item page, and changes nothing (the finding: a read dated three days
back recorded a return after a later check-out); reads dated in the future are refused."""
from datetime import timedelta

import pytest

from app.custody import clock, readers, services
from app.custody.models import Event, Item, Tag
from tests import factories as f

from .test_ingest_api import VOLUME_EPC, post, read


def ms(moment):
    """A moment as a reader sends it (milliseconds)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def out_volume(rsite):
    vol = f.item(at="KF-A-01")
    Tag.create(tag=VOLUME_EPC, item=vol)
    holder = f.person("王强")
    services.check_out(vol.code, to=f.loc("WS-01"), holder=holder, actor=None, now=clock.now() - timedelta(hours=1))
    reader, secret = readers.register_reader("shelf-1", location=f.loc("KF-A-02"), mode="shelf", protocol="chafon")
    f.approved(reader)
    return {"vol": vol, "holder": holder, "secret": secret}


def test_a_read_older_than_the_last_change_is_logged_late_and_changes_nothing(client, login, out_volume):
    vol = out_volume["vol"]
    three_days_ago = clock.now() - timedelta(days=3)
    response = post(client, out_volume["secret"], [read(1, VOLUME_EPC, scheme="epc", at=three_days_ago)])
    assert response.status_code == 200
    assert response.get_json()["outcomes"] == [{"seq": 1, "outcome": "late"}]
    item = Item.get_by_id(vol.id)
    assert (item.state, item.location.code, item.holder_id) == ("out", "WS-01", out_volume["holder"].id)
    late = Event.select().order_by(Event.id.desc()).get()
    assert late.kind == "late_read" and late.state == "out"
    assert late.late_read_at == ms(three_days_ago)  # the real read time
    assert late.at >= item.state_since  # dated on arrival: the log stays in time order
    assert [e.kind for e in Event.select().order_by(Event.at, Event.id)] == ["check_out", "late_read"]
    login("supervisor")
    page = client.get(f"/i/{vol.code}").get_data(as_text=True)
    assert "Late read (not applied)" in page and ">late<" in page and "read at" in page


def test_a_read_dated_in_the_future_is_refused(client, out_volume):
    ahead = clock.now() + timedelta(minutes=10)
    response = post(client, out_volume["secret"], [read(1, VOLUME_EPC, scheme="epc", at=ahead)])
    assert response.status_code == 422
    assert "future" in response.get_data(as_text=True)
    assert Item.get_by_id(out_volume["vol"].id).state == "out"


def test_a_small_clock_skew_is_tolerated(client, out_volume):
    slightly_ahead = clock.now() + timedelta(seconds=30)
    response = post(client, out_volume["secret"], [read(1, VOLUME_EPC, scheme="epc", at=slightly_ahead)])
    assert response.get_json()["outcomes"] == [{"seq": 1, "outcome": "returned"}]


def test_a_delayed_read_after_the_last_change_applies_and_shows_its_arrival(client, login, out_volume):
    ten_minutes_ago = clock.now() - timedelta(minutes=10)  # after the check-out, spooled while offline
    response = post(client, out_volume["secret"], [read(1, VOLUME_EPC, scheme="epc", at=ten_minutes_ago)])
    assert response.get_json()["outcomes"] == [{"seq": 1, "outcome": "returned"}]
    event = Event.select().order_by(Event.id.desc()).get()
    assert event.kind == "return" and event.at == ms(ten_minutes_ago) and event.arrived_late
