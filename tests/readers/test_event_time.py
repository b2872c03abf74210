"""Event time: a reader's read older than the item's last change, or older than the reader's spool may hold a
read, is logged with its read time and its arrival time, flagged late on the item page (saying why), and
changes nothing (the finding: a read dated three days back recorded a return after a later check-out);
reads dated in the future are refused."""
from datetime import timedelta

import pytest

from app.custody import clock, readers, services
from app.custody.errors import ValidationError
from app.custody.models import Event, Item, Reader, Tag
from app.custody.readers.rules import DEFAULT_SPOOL_MAX_HOURS
from tests import factories as f

from .test_ingest_api import VOLUME_EPC, post, read


def ms(moment):
    """A moment as a reader sends it (milliseconds)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def checked_out(ago: timedelta) -> dict:
    """A tagged volume checked out to 王强 at WS-01 `ago` before now."""
    vol = f.item(at="KF-A-01")
    Tag.create(tag=VOLUME_EPC, item=vol)
    holder = f.person("王强")
    services.check_out(vol.code, to=f.loc("WS-01"), holder=holder, actor=None, now=clock.now() - ago)
    return {"vol": vol, "holder": holder}


@pytest.fixture
def out_volume(rsite):
    out = checked_out(timedelta(hours=1))
    reader, secret = readers.register_reader("shelf-1", location=f.loc("KF-A-02"), mode="shelf", protocol="chafon")
    f.approved(reader)
    return {**out, "secret": secret}


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


@pytest.fixture
def out_for_days(rsite):
    """A volume checked out three days ago, and an approved shelf reader (spool limit: the default 24 h)."""
    return checked_out(timedelta(days=3))


def shelf_reader(settings=None):
    reader, secret = readers.register_reader("shelf-1", location=f.loc("KF-A-02"), mode="shelf", protocol="chafon",
                                             settings=settings)
    f.approved(reader)
    return secret


def test_a_read_older_than_the_spool_allows_is_late_though_newer_than_the_last_change(client, login, out_for_days):
    """Checked out three days ago; a return read 30 hours ago arrives now: it is after the check-out, but no
    reader's spool holds a read that long (24 h), so it is logged late and the volume stays out."""
    assert DEFAULT_SPOOL_MAX_HOURS == 24
    vol, secret = out_for_days["vol"], shelf_reader()
    thirty_hours_ago = clock.now() - timedelta(hours=30)
    response = post(client, secret, [read(1, VOLUME_EPC, scheme="epc", at=thirty_hours_ago)])
    assert response.get_json()["outcomes"] == [{"seq": 1, "outcome": "late"}]
    item = Item.get_by_id(vol.id)
    assert (item.state, item.location.code, item.holder_id) == ("out", "WS-01", out_for_days["holder"].id)
    late = Event.select().order_by(Event.id.desc()).get()
    assert late.kind == "late_read" and late.late_read_at == ms(thirty_hours_ago)
    assert late.late_reason == "spool_age" and late.late_limit_hours == 24
    assert late.at >= item.state_since  # dated on arrival
    login("supervisor")
    page = client.get(f"/i/{vol.code}").get_data(as_text=True)
    assert "Late read (not applied)" in page and ">late<" in page
    assert "waited in the reader&#39;s spool longer than its limit (the limit is 24 h)" in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = client.get(f"/i/{vol.code}").get_data(as_text=True)
    assert "在读写器缓存中等待超过其时限（时限 24 小时）" in page


def test_the_item_page_says_a_read_before_the_last_change_was_late_for_that(client, login, out_volume):
    post(client, out_volume["secret"], [read(1, VOLUME_EPC, scheme="epc", at=clock.now() - timedelta(days=3))])
    assert Event.select().order_by(Event.id.desc()).get().late_reason == "after_last_event"
    login("supervisor")
    page = client.get(f"/i/{out_volume['vol'].code}").get_data(as_text=True)
    assert "read before the item&#39;s last change" in page and "the limit is" not in page


def test_a_reader_whose_spool_may_hold_two_days_applies_the_same_read(client, out_for_days):
    secret = shelf_reader({"spool_max_hours": 48})
    response = post(client, secret, [read(1, VOLUME_EPC, scheme="epc", at=clock.now() - timedelta(hours=30))])
    assert response.get_json()["outcomes"] == [{"seq": 1, "outcome": "returned"}]
    assert Item.get_by_id(out_for_days["vol"].id).state == "in_storage"


def test_a_read_just_inside_the_spool_limit_applies(client, out_for_days):
    secret = shelf_reader()
    response = post(client, secret, [read(1, VOLUME_EPC, scheme="epc", at=clock.now() - timedelta(hours=23))])
    assert response.get_json()["outcomes"] == [{"seq": 1, "outcome": "returned"}]


@pytest.mark.parametrize("value", [0, -5, "24", True])
def test_the_spool_limit_must_be_a_positive_number(rsite, value):
    with pytest.raises(ValidationError, match="spool_max_hours must be a positive number"):
        readers.register_reader("shelf-2", location=f.loc("KF-A-02"), mode="shelf", protocol="chafon",
                                settings={"spool_max_hours": value})


def test_the_administrator_sets_the_spool_limit_on_the_readers_page(client, login, post, rsite):
    login("administrator")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "读取在读写器缓存中最多可等待的小时数" in client.get("/admin/readers").get_data(as_text=True)
    response = post("/admin/readers", {"name": "shelf-9", "location": "KF-A-02", "mode": "shelf",
                                       "protocol": "chafon", "spool_max_hours": "48"}, token_from="/admin/readers")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert readers.reader_settings(Reader.get(Reader.name == "shelf-9")) == {"spool_max_hours": 48}
    refused = post("/admin/readers", {"name": "shelf-10", "location": "KF-A-02", "mode": "shelf",
                                      "protocol": "chafon", "spool_max_hours": "0"}, token_from="/admin/readers")
    assert refused.status_code == 422 and not Reader.select().where(Reader.name == "shelf-10").exists()
