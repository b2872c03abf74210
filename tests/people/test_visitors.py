"""Visitors at the door: a visitor's pass opens a door only right after their escort's badge at that
same door, on the expected day, until the visit ends; every pass is in the door log."""
from datetime import timedelta

import pytest

from app.custody import clock, people, readers
from app.custody.errors import ValidationError
from app.custody.models import AccessEvent
from app.custody.people import rules
from tests import factories
from tests.clock import at, last_weekday


@pytest.fixture(autouse=True)
def _a_working_morning():
    """Visits happen in working hours: the tests run on the Tuesday 10:00 (site time) before TEST_NOW, not at
    whatever hour the suite happens to run (at midnight in Shanghai the escort's own badge is after hours)."""
    with at(last_weekday(1, "10:00", "Asia/Shanghai"), tick=True):
        yield


@pytest.fixture
def setup(site):
    officer = factories.user("security_officer")
    escort = factories.person("带领人")
    front = readers.approve_reader(readers.register_reader(
        "Front", location=factories.loc("DOOR-1"), mode="perimeter_door", protocol="plain")[0], by=officer)
    side = readers.approve_reader(readers.register_reader(
        "Side", location=factories.loc("DOOR-1"), mode="perimeter_door", protocol="plain")[0], by=officer)
    visitor = people.register_visitor(name="来访者", id_last4="123X", organisation="检查组", reason="检查",
                                        escort=escort, expected_at=clock.now(), by=officer)
    return officer, escort, front, side, visitor


def _read(reader, seq, tag, at):
    readers.ingest(reader, [{"seq": seq, "tag": tag, "scheme": "barcode", "read_at": at.isoformat()}], now=at)
    return AccessEvent.get((AccessEvent.reader == reader) & (AccessEvent.seq == seq))


def test_visitor_passes_only_right_after_the_escort_at_the_same_door(setup):
    officer, escort, front, side, visitor = setup
    now = clock.now()
    alone = _read(front, 1, visitor.pass_code, now)
    assert (alone.allowed, alone.reason, alone.credential) == (False, "visitor_no_escort", visitor.pass_code)
    assert _read(front, 2, escort.badge_code, now + timedelta(seconds=10)).allowed
    assert _read(front, 3, visitor.pass_code, now + timedelta(seconds=30)).allowed
    # another door, or too late after the escort: refused
    assert _read(side, 1, visitor.pass_code, now + timedelta(seconds=40)).reason == "visitor_no_escort"
    late = now + timedelta(seconds=10 + rules.ESCORT_WINDOW_SECONDS + 5)
    assert _read(front, 4, visitor.pass_code, late).reason == "visitor_no_escort"
    # escort and visitor in one batch, in that order
    later = now + timedelta(minutes=10)
    readers.ingest(front, [{"seq": 5, "tag": escort.badge_code, "scheme": "barcode", "read_at": later.isoformat()},
                         {"seq": 6, "tag": visitor.pass_code, "scheme": "barcode", "read_at": later.isoformat()}],
                 now=later)
    assert AccessEvent.get((AccessEvent.reader == front) & (AccessEvent.seq == 6)).allowed
    people.end_visit(visitor, by=officer)
    ended = clock.now() + timedelta(minutes=1)
    _read(front, 7, escort.badge_code, ended)
    assert _read(front, 8, visitor.pass_code, ended).reason == "visitor_ended"


def test_registration_checks(setup):
    officer, escort, _front, _side, _visitor = setup
    good = {"name": "访客", "id_last4": "1234", "reason": "送文件", "escort": escort, "expected_at": clock.now()}
    for bad in ({"id_last4": "12"}, {"id_last4": "110101199001011234"}, {"name": ""}, {"reason": " "}):
        with pytest.raises(ValidationError):
            people.register_visitor(**(good | bad), by=officer)
    pending = factories.person(badge_status="pending")
    with pytest.raises(ValidationError):
        people.register_visitor(**(good | {"escort": pending}), by=officer)
    tomorrow = people.register_visitor(**(good | {"expected_at": clock.now() + timedelta(days=1)}), by=officer)
    now = clock.now()
    readers.ingest(_front, [{"seq": 1, "tag": escort.badge_code, "scheme": "barcode", "read_at": now.isoformat()},
                          {"seq": 2, "tag": tomorrow.pass_code, "scheme": "barcode", "read_at": now.isoformat()}],
                 now=now)
    assert AccessEvent.get(AccessEvent.seq == 2).reason == "visitor_not_expected"


def test_visitor_pages(site, login, client, post):
    officer = login("security_officer")
    escort = factories.person("陪同人")
    resp = post("/people/visitors", {"name": "访客甲", "id_last4": "0012", "organisation": "档案局", "reason": "检查",
                                     "escort": escort.badge_code.lower(), "expected_at": "2026-01-01T09:00"},
                token_from="/people/visitors")
    assert resp.status_code == 302
    page = client.get("/people/visitors").get_data(as_text=True)
    assert "访客甲" in page and "G00000001" in page and "陪同人" in page
    post("/people/visitors", {"name": "x", "id_last4": "12", "reason": "r", "escort": escort.badge_code,
                              "expected_at": "2026-01-01T09:00"}, token_from="/people/visitors")
    from app.custody.people.models import Visitor

    assert Visitor.select().count() == 1
    post(f"/people/visitors/{Visitor.get().id}/end", {}, token_from="/people/visitors")
    assert Visitor.get().ended_at is not None
    assert officer
