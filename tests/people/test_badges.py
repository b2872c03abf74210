"""Vetting and the badge's life, called as services: refusals name what is missing; a lost badge's
old code and tag are denied at the door in the request after the report; leaving with items is refused."""
from datetime import timedelta

import pytest

from app.custody import clock, people, readers
from app.custody.errors import ConflictError, HoldingItemsError, ValidationError, VettingIncompleteError
from app.custody.models import AccessEvent, Person, ReaderRead, Tag
from app.custody.people import acceptance_open
from app.custody.people.models import PersonnelChange
from tests import factories
from tests.people.helpers import ALL_ITEMS, vet_fully


@pytest.fixture
def officer(site):
    return factories.user("security_officer")


@pytest.mark.parametrize("missing", ALL_ITEMS)
def test_activation_refused_for_each_missing_item(officer, missing):
    who = factories.person(badge_status="pending")
    vet_fully(who, skip=(missing,), by=officer)
    with pytest.raises(VettingIncompleteError) as err:
        people.activate(who, by=officer)
    assert [g.item for g in err.value.gaps] == [missing]
    assert Person.get_by_id(who.id).badge_status == "pending"
    assert not PersonnelChange.select().where((PersonnelChange.person == who)
                                              & (PersonnelChange.kind == "badge_activated")).exists()


def test_activation_refused_for_too_few_training_hours_then_allowed(officer):
    who = factories.person(badge_status="pending")
    vet_fully(who, by=officer, hours=39.5)
    with pytest.raises(VettingIncompleteError) as err:
        people.activate(who, by=officer)
    assert [(g.item, g.reason) for g in err.value.gaps] == [("training", "too_few_hours")]
    assert "Security training (too few training hours)" in err.value.message
    people.record_vetting(who, "training", done_on=clock.now().date(), hours=40, reference="T-2", by=officer)
    people.activate(who, by=officer)
    assert Person.get_by_id(who.id).badge_status == "active"
    change = PersonnelChange.get((PersonnelChange.person == who) & (PersonnelChange.kind == "badge_activated"))
    assert (change.before, change.after, change.by_id) == ("pending", "active", officer.id)


def test_archive_staff_need_no_labour_contract_and_settings_narrow_the_list(officer):
    archivist = factories.person(badge_status="pending", org_kind="archive")
    vet_fully(archivist, skip=("labour_contract",), by=officer)
    people.activate(archivist, by=officer)
    people.update_settings({"required_items": "identity,confidentiality", "min_training_hours": 8}, by=officer)
    other = factories.person(badge_status="pending")
    people.record_vetting(other, "identity", done_on=clock.now().date(), by=officer)
    with pytest.raises(VettingIncompleteError) as err:
        people.activate(other, by=officer)
    assert [g.item for g in err.value.gaps] == ["confidentiality"]


def test_an_expired_item_blocks_activation(officer):
    who = factories.person(badge_status="pending")
    vet_fully(who, by=officer)
    people.record_vetting(who, "no_criminal_record", done_on=clock.now().date() - timedelta(days=400),
                            expires_on=clock.now().date() - timedelta(days=1), by=officer)
    with pytest.raises(VettingIncompleteError) as err:
        people.activate(who, by=officer)
    assert [(g.item, g.reason) for g in err.value.gaps] == [("no_criminal_record", "expired")]


def test_bad_vetting_input_changes_nothing(officer):
    who = factories.person(badge_status="pending")
    for kwargs in ({"item": "horoscope", "done_on": clock.now().date()},
                   {"item": "identity", "done_on": clock.now().date() + timedelta(days=3)},
                   {"item": "identity", "done_on": "yesterday"},
                   {"item": "training", "done_on": clock.now().date()},
                   {"item": "training", "done_on": clock.now().date(), "hours": "many"}):
        with pytest.raises(ValidationError):
            people.record_vetting(who, by=officer, **kwargs)
    assert not PersonnelChange.select().where(PersonnelChange.person == who).exists()


def test_suspend_reinstate_revoke_each_one_register_row(officer):
    who = factories.person(badge_status="pending")
    vet_fully(who, by=officer)
    people.activate(who, by=officer)
    with pytest.raises(ValidationError):
        people.suspend(who, reason=" ", by=officer)
    people.suspend(who, reason="under investigation", by=officer)
    assert Person.get_by_id(who.id).badge_reason == "under investigation"
    people.reinstate(who, by=officer)
    people.revoke(who, reason="contract ended", by=officer)
    with pytest.raises(ConflictError):
        people.reinstate(who, by=officer)
    kinds = [c.kind for c in PersonnelChange.select().where(PersonnelChange.person == who).order_by(PersonnelChange.id)]
    assert kinds[-4:] == ["badge_activated", "badge_suspended", "badge_reinstated", "badge_revoked"]


def _door_reader(officer):
    reader, _secret = readers.register_reader("Door A", location=factories.loc("DOOR-1"), mode="perimeter_door",
                                            protocol="plain", settings={"direction": "in"})
    return readers.approve_reader(reader, by=officer)


def test_lost_badge_old_code_and_tag_denied_at_once_new_code_allowed(officer):
    who = factories.person(badge_status="pending", tag="0A1B2C3D4E")
    vet_fully(who, by=officer)
    people.activate(who, by=officer)
    reader = _door_reader(officer)
    now = clock.now()
    old_code = who.badge_code
    readers.ingest(reader, [{"seq": 1, "tag": "0A1B2C3D4E", "scheme": "em4100", "read_at": now.isoformat()}], now=now)
    people.report_lost(who, by=officer, reason="lost on the bus", new_tag="0F0F0F0F0F")
    fresh = Person.get_by_id(who.id)
    assert fresh.badge_code != old_code and fresh.badge_status == "active"
    assert not Tag.select().where(Tag.tag == "0A1B2C3D4E").exists()
    readers.ingest(reader, [
        {"seq": 2, "tag": "0A1B2C3D4E", "scheme": "em4100", "read_at": now.isoformat()},
        {"seq": 3, "tag": old_code, "scheme": "barcode", "read_at": now.isoformat()},
        {"seq": 4, "tag": fresh.badge_code, "scheme": "barcode", "read_at": now.isoformat()},
        {"seq": 5, "tag": "0F0F0F0F0F", "scheme": "em4100", "read_at": now.isoformat()},
    ], now=now)
    passes = {p.seq: p.allowed for p in AccessEvent.select().where(AccessEvent.reader == reader)}
    assert passes == {1: True, 2: False, 4: True, 5: True}
    # the old printed code is no badge any more: the read stays unknown, nobody passes on it
    outcomes = {r.seq: r.outcome for r in ReaderRead.select().where(ReaderRead.reader == reader)}
    assert outcomes[2] == "denied:unknown_badge" and outcomes[3] == "unknown"
    change = PersonnelChange.get((PersonnelChange.person == who) & (PersonnelChange.kind == "badge_lost"))
    assert change.before == f"{old_code} 0A1B2C3D4E" and change.after == f"{fresh.badge_code} 0F0F0F0F0F"
    # a later new code never reuses the lost one
    assert people.next_badge_code() not in (old_code, fresh.badge_code)


def test_leaving_refused_while_holding_items(officer):
    who = factories.person()
    volume = factories.item()
    from app.custody import services as custody

    custody.check_out(volume.code, to=factories.loc("WS-01"), holder=who, actor=who)
    with pytest.raises(HoldingItemsError) as err:
        people.leave(who, by=officer)
    assert volume.code in err.value.message
    assert [i.code for i in err.value.items] == [volume.code]
    assert Person.get_by_id(who.id).left_on is None
    custody.return_to_storage(volume.code, to=factories.loc("KF-A-01"), actor=who)
    people.leave(who, by=officer, reason="contract ended")
    fresh = Person.get_by_id(who.id)
    assert fresh.left_on is not None and fresh.badge_status == "revoked"
    with pytest.raises(ConflictError):
        people.suspend(who, reason="x", by=officer)


def test_expiry_job_warns_then_suspends_when_the_clock_moves(officer):
    from tests.clock import at

    today = clock.now().date()
    who = factories.person(badge_status="pending")
    vet_fully(who, by=officer)
    people.activate(who, by=officer, valid_from=today - timedelta(days=1), valid_until=today + timedelta(days=10))
    people.record_vetting(who, "no_criminal_record", done_on=today - timedelta(days=5),
                            expires_on=today + timedelta(days=60), by=officer)
    first = people.check_expiry()
    assert sorted(a.kind for a in first["alerts"]) == ["badge_expiring"]
    assert people.check_expiry()["alerts"][0].id == first["alerts"][0].id  # nothing opened twice
    with at(clock.now() + timedelta(days=40)):
        later = people.check_expiry()
        assert [p.id for p in later["suspended"]] == [who.id]
        assert Person.get_by_id(who.id).badge_status == "suspended"
        kinds = sorted(a.kind for a in later["alerts"])
        assert kinds == ["badge_expired", "vetting_expiring"]
        change = PersonnelChange.select().where(PersonnelChange.person == who).order_by(PersonnelChange.id.desc()).get()
        assert (change.kind, change.before, change.after) == ("badge_expired", "active", "suspended")


def test_acceptance_lists_people_whose_status_has_no_register_row(officer):
    recorded = factories.person(badge_status="pending")
    vet_fully(recorded, by=officer)
    people.activate(recorded, by=officer)
    stray = factories.person(badge_status="active")  # a database writer's badge, no register row
    count, examples = acceptance_open()
    flagged = {code for code, _text in examples}
    assert stray.badge_code in flagged and recorded.badge_code not in flagged
    # a suspended badge reported lost stays suspended, and that is recorded
    people.suspend(recorded, reason="investigation", by=officer)
    people.report_lost(recorded, by=officer)
    assert Person.get_by_id(recorded.id).badge_code not in {code for code, _text in acceptance_open()[1]}
    # a status written behind the register's back is flagged
    Person.update(badge_status="active").where(Person.id == recorded.id).execute()
    assert acceptance_open()[0] == count + 1

